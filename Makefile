# The only commands a newcomer needs: make run, make test, make bench.
GO ?= go

.PHONY: run test test-race deps test-deps build bench bench-wsgi bench-h2 vet generate compat clean install uninstall

# Where make install puts things (DESTDIR is prefixed to each, for packaging).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/modpy
UNITDIR ?= $(PREFIX)/lib/systemd/system
LOGROTATEDIR ?= /etc/logrotate.d
RUNDIR ?= /run
LOGDIR ?= /var/log/modpy
# -v's "Server built:".
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%S)

# Install what is missing (Debian 12, as root), build, serve examples/ on
# http://127.0.0.1:8080.
run: build
	./modpy -X -d examples -f site.conf

# The whole test suite (what .ci/run runs). test-deps brings the headless
# Chromium the status page test renders the page in.
test: deps test-deps
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
	$(GO) test -count=1 -timeout 12m ./...

# The suite with the race detector, in the tests and inside the server.
test-race: deps test-deps
	MODPY_TEST_RACE=1 $(GO) test -race -count=1 -timeout 20m ./...

build: deps
	$(GO) build -ldflags "-X main.buildTime=$(BUILD_TIME)" -o modpy ./cmd/modpy

# The files of contrib/ name the default paths; install rewrites them to
# the ones given.
SUBST = sed -e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/etc|$(SYSCONFDIR)|g' \
	-e 's|/usr/local/share|$(DATADIR)|g' -e 's|/run/modpy.pid|$(RUNDIR)/modpy.pid|g' -e 's|/var/log/modpy|$(LOGDIR)|g'

# The binary (MODPY_BIN: one built already, else make build's), the systemd
# unit, the logrotate snippet, the docs, and a first configuration and
# DocumentRoot (kept when there already). The mod_python package is inside
# the binary: nothing to install for it.
install: $(if $(MODPY_BIN),,build)
	install -D -p -m 0755 $(or $(MODPY_BIN),modpy) $(DESTDIR)$(BINDIR)/modpy
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LOGROTATEDIR) $(DESTDIR)$(SYSCONFDIR)/modpy \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/modpy/htdocs $(DESTDIR)$(LOGDIR)
	$(SUBST) contrib/modpy.service > $(DESTDIR)$(UNITDIR)/modpy.service
	$(SUBST) contrib/modpy.logrotate > $(DESTDIR)$(LOGROTATEDIR)/modpy
	chmod 0644 $(DESTDIR)$(UNITDIR)/modpy.service $(DESTDIR)$(LOGROTATEDIR)/modpy
	test -e $(DESTDIR)$(SYSCONFDIR)/modpy/modpy.conf || \
		{ $(SUBST) contrib/modpy.conf > $(DESTDIR)$(SYSCONFDIR)/modpy/modpy.conf && chmod 0644 $(DESTDIR)$(SYSCONFDIR)/modpy/modpy.conf; }
	test -e $(DESTDIR)$(DATADIR)/modpy/htdocs/index.html || \
		install -m 0644 contrib/index.html $(DESTDIR)$(DATADIR)/modpy/htdocs/index.html
	install -m 0644 README.md docs/*.md docs/*.png $(DESTDIR)$(DOCDIR)/

# What install put there, but the configuration, the DocumentRoot and the logs.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/modpy $(DESTDIR)$(UNITDIR)/modpy.service $(DESTDIR)$(LOGROTATEDIR)/modpy
	rm -rf $(DESTDIR)$(DOCDIR)

# Debian packages the build needs: python3-dev (libpython3 + python3-embed.pc),
# libcrypt-dev (crypt(3) for htpasswd hashes, internal/passwd).
deps:
	@if ! pkg-config --exists python3-embed 2>/dev/null || ! command -v gcc >/dev/null || [ ! -e /usr/include/crypt.h ]; then \
		echo "installing python3-dev, pkg-config, gcc, libcrypt-dev"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dev pkg-config gcc libcrypt-dev; \
	fi

# What only the tests need (Debian 12, as root): chromium, for
# tests/status_test.go, python3-yaml (a Cython extension module, for
# tests/scoreboard_test.go), and python3-flask and python3-django (the WSGI
# apps of tests/flask_test.go and tests/django_test.go), redis-server (and
# its redis-cli: tests/redis_test.go), apache2-utils (htpasswd, for
# tests/authfile_test.go) and curl (HTTP/2, tests/http2_test.go, which
# fails without it). Tests skip without the others unless
# MODPY_REQUIRE_TEST_DEPS is set, as .ci/run does.
test-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/bin/curl ] || ! command -v htpasswd >/dev/null || ! /usr/bin/python3 -c "import yaml._yaml, flask, django" 2>/dev/null || ! dpkg-query -W -f='$${Status}' python3-venv 2>/dev/null | grep -q 'ok installed'; then \
		echo "installing chromium (headless, for the status page test), python3-yaml, python3-flask, python3-django, python3-venv (the process group tests' venvs), redis-server, apache2-utils and curl"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium python3-yaml python3-flask python3-django python3-venv redis-server apache2-utils curl; \
	fi

bench: build
	MODPY_BIN=$(CURDIR)/modpy bash bench/hello.sh

# WSGI: a hello and a Django page against gunicorn, uWSGI and Apache +
# mod_wsgi (bench/README.md).
bench-wsgi: build
	MODPY_BIN=$(CURDIR)/modpy bash bench/wsgi.sh

# HTTP/2: h2load against Apache + mod_http2 (TLS=1: h2 over TLS with mod_ssl).
bench-h2: build
	MODPY_BIN=$(CURDIR)/modpy bash bench/h2.sh

# go vet, and the files generated from the protocol table are up to date
# (make test runs the same check with the rest of the tests).
vet:
	$(GO) vet ./...
	$(GO) test -count=1 -run TestGeneratedFiles ./internal/python/protocol/

# Rewrite the files generated from the protocol table (internal/python/protocol
# and internal/request's phases): protocol_gen.go, modpy_protocol.h and
# python/mod_python/_protocol.py. Edit the tables, then run this.
generate:
	$(GO) generate ./internal/python

# Compile the cgo package against other CPythons (pyenv's 3.12 and 3.13 where
# installed): a compile check only, modpy ships against Debian's 3.11.
compat:
	@for v in $$(ls -d $$HOME/.pyenv/versions/3.1[23]* 2>/dev/null); do \
		echo "building against $$v"; \
		PKG_CONFIG_PATH=$$v/lib/pkgconfig $(GO) build ./internal/python/ || exit 1; \
	done

clean:
	rm -f modpy
