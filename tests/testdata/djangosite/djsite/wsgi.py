"""The project's WSGI application, with its one table created (and three
rows put in) if the database is new. Safe to run in several processes at
once: each statement is atomic in sqlite."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsite.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()


def _ensure_table():
    from django.db import connection
    with connection.cursor() as c:
        c.execute('CREATE TABLE IF NOT EXISTS "djsite_item" ('
                  '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL)')
        c.execute("INSERT OR IGNORE INTO djsite_item (id, name) VALUES "
                  "(1, 'alpha'), (2, 'beta'), (3, 'gamma')")
    connection.close()


_ensure_table()
