# Two commands on a fresh machine: `make run` and `make test`. Every install step lives here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in pages and e-mails (reset links, canonical URLs) name the address the store is served on, unless
# the environment says otherwise (a reverse proxy's public https address).
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
HTMX := static/vendor/htmx.min.js
NODE_MODULES := node_modules/.installed
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup deps pdf-libs assets browser lint bench clean

# The demo store: payment sandbox, dev mailbox, demo accounts. Without ENCORE_ENV=demo the store is production
# and refuses all three (README.md, "Deploying").
run: deps assets
	ENCORE_ENV=demo PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(PY) -m storefront.manage prepare
	ENCORE_ENV=demo PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(VENV)/bin/granian --interface asgi --factory --host $(HOST) --port $(PORT) \
		--log-level info storefront.app:create_app

# One process by default: on the 2-core machines the suite is measured on, two pytest-xdist workers took longer
# (20 min 42 s, each worker preparing its own demo store beside its own browser and server) than one process
# (about 15 min). `PYTEST_WORKERS=auto` spreads it over every core of a larger machine, a test module per
# worker (`--dist loadfile`), so a module's costly fixtures are made once. The slowest tests are listed at the end.
PYTEST_WORKERS ?= 0

test: deps assets browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

setup: deps assets browser

deps: $(VENV)/.installed pdf-libs

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# WeasyPrint (the documents' PDF files, storefront/documents/render.py) loads pango and harfbuzz from the system,
# and DejaVu is the documents' font.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

pdf-libs:
	@for package in $(PDF_LIBS); do dpkg-query -W -f='$${Status}\n' $$package 2>/dev/null | grep -q 'ok installed' \
		|| missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

assets: $(HTMX) $(NODE_MODULES)

# htmx and axe-core come from the npm registry, pinned exactly in package.json, and are never committed.
$(NODE_MODULES): package.json
	npm install --no-audit --no-fund --no-package-lock --loglevel=error
	touch $@

$(HTMX): $(NODE_MODULES)
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Figures for docs/performance.md; `make run` must have prepared var/ for the server bench.
bench: deps
	command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk)
	$(PY) -m bench.ranking_bench
	$(PY) -m bench.search_bench
	$(PY) -m bench.active_recipients_bench
	$(PY) -m bench.webhooks_bench
	ENCORE_ENV=demo $(PY) -m storefront.manage prepare
	ENCORE_ENV=demo $(PY) -m bench.transfer_bench
	$(PY) -m bench.server_bench

clean:
	rm -rf var/ static/vendor/ node_modules/
