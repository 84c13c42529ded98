# The only commands a newcomer needs: make run, make test, make bench.
GO ?= go

.PHONY: run test test-race deps test-deps build bench bench-wsgi bench-h2 vet generate compat clean

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
	$(GO) build -o modpy ./cmd/modpy

# Debian packages the build needs: python3-dev (libpython3 + python3-embed.pc).
deps:
	@if ! pkg-config --exists python3-embed 2>/dev/null || ! command -v gcc >/dev/null; then \
		echo "installing python3-dev, pkg-config, gcc"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dev pkg-config gcc; \
	fi

# What only the tests need (Debian 12, as root): chromium, for
# tests/status_test.go, python3-yaml (a Cython extension module, for
# tests/scoreboard_test.go), python3-flask and python3-django (the WSGI
# apps of tests/flask_test.go and tests/django_test.go), and curl (HTTP/2,
# tests/http2_test.go, which fails without it). Tests skip without the
# others unless MODPY_REQUIRE_TEST_DEPS is set, as .ci/run does.
test-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/curl ] || ! /usr/bin/python3 -c "import yaml._yaml, flask, django" 2>/dev/null; then \
		echo "installing chromium (headless, for the status page test), python3-yaml, python3-flask, python3-django and curl"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium python3-yaml python3-flask python3-django curl; \
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
