# Trailproof: `make demo` runs the demo on SQLite; `make test` runs the whole suite on PostgreSQL and SQLite.
VENV ?= .venv
PY := $(VENV)/bin/python
PG := postgres://postgres:postgres@127.0.0.1:5432
PG_ENV := DATABASE_URL=$(PG)/trailproof SYSLOG_DATABASE_URL=$(PG)/trailproof_syslog
SQLITE_ENV := DATABASE_URL=sqlite:///var/test-main.sqlite3 SYSLOG_DATABASE_URL=sqlite:///var/test-syslog.sqlite3
PYTEST_ARGS ?= -n 2

.PHONY: install demo serve test test-postgres test-sqlite lint services bench

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py migrate --database syslog --noinput -v0
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Production: DEBUG off, the environment's settings (README, "Deployment"), static files by WhiteNoise.
serve: install
	DEBUG=0 PYTHON=$(PY) sh bin/serve

services:
	bash .ci/services

lint: install
	$(PY) -m ruff check .

test: install services lint test-postgres test-sqlite

test-postgres: install
	$(PG_ENV) $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install
	mkdir -p var
	$(SQLITE_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks use their own PostgreSQL database (trailproof_bench, created on first use).
bench: install services
	DATABASE_URL=$(PG)/trailproof_bench SYSLOG_DATABASE_URL=$(PG)/trailproof_bench_syslog $(PY) -m bench $(BENCH_ARGS)
