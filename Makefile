# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, migrate, load the demo programme, serve on http://127.0.0.1:8000
#   make test   create .venv, install, lint, run the whole suite on SQLite, then on PostgreSQL
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# This machine's pip configuration names local wheel folders that may be absent; hide that noise only.
QUIET_PIP := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PYTHON ?= python3
VENV ?= .venv
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres lint bench clean test-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip $(QUIET_PIP)
	$(VENV)/bin/pip install --quiet -e '.[dev]' $(QUIET_PIP)
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/events demo --if-empty
	$(VENV)/bin/events serve

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The two runs share nothing (a temporary SQLite file and data folder each; PostgreSQL's `test`), so
# they run side by side: the PostgreSQL run's output is kept and shown after the SQLite run's.
# `make test-sqlite` / `make test-postgres` run one of them.
test: lint test-deps
	@pg_log=$$(mktemp); \
	$(MAKE) --no-print-directory test-postgres >"$$pg_log" 2>&1 & pg_pid=$$!; \
	sqlite_status=0; $(MAKE) --no-print-directory test-sqlite || sqlite_status=$$?; \
	pg_status=0; wait $$pg_pid || pg_status=$$?; \
	cat "$$pg_log"; rm -f "$$pg_log"; \
	echo "== SQLite run: $$( [ $$sqlite_status = 0 ] && echo passed || echo FAILED ); PostgreSQL run: $$( [ $$pg_status = 0 ] && echo passed || echo FAILED )"; \
	[ $$sqlite_status = 0 ] && [ $$pg_status = 0 ]

# Browser tests drive Debian's chromium (Playwright cannot download browsers here); PDF text-layer
# tests read PDFs with poppler's pdftotext as a second, independent extractor. Installed when missing
# and we may; otherwise those tests are skipped locally (and fail under CI=true).
test-deps:
	@if [ -x /usr/bin/chromium ] && command -v pdftotext >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing Debian's chromium and poppler-utils for the tests =="; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	else \
		echo "chromium or pdftotext is missing and cannot be installed here (needs root): their tests will be skipped"; \
	fi

test-sqlite: $(VENV)/.installed
	@echo "== tests on SQLite (and the browser tests) =="
	env -u DATABASE_URL $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# PostgreSQL is part of the whole suite. Locally an unreachable server is reported and skipped;
# with CI=true it fails the run.
test-postgres: $(VENV)/.installed
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	@if $(VENV)/bin/python -m tests.pg_available "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/python -m pytest -m "not browser" $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is unreachable and CI=true: failing"; exit 1; \
	else \
		echo "PostgreSQL at $(PG_TEST_URL) is unreachable: PostgreSQL tests NOT run"; \
	fi

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache
