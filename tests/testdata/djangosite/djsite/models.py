from django.db import models


class Item(models.Model):
    """A row of the one table the test site has (created by djsite.wsgi)."""
    name = models.CharField(max_length=100)
