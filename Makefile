# feedserver: `make run` serves the demo board, `make test` runs the whole suite,
# `make bench` measures it against its floors (bench/run.py; `make bench-quick` in CI).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The benchmark's own environment: the project plus Django, which only the benchmark uses.
BENCH_VENV ?= .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test migrate demo bench bench-quick bench-tools soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/feedserver migrate

demo: migrate
	$(BIN)/feedserver seed-demo --if-empty

# The WebSub worker runs beside gunicorn and stops when gunicorn exits.
run: demo
	@echo "feedserver: http://$(HOST):$(PORT)/ (WebSub hub: /websub; e-mail: see the worker's line below)"
	$(BIN)/feedserver worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

# In parallel (one pytest-xdist worker per CPU, each with its own server databases), then the
# few tests marked `alone` one at a time: they restart a shared server or bound a time.
TEST_JOBS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_JOBS) -m "not alone"
	$(BIN)/python -m pytest -m alone

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# wrk drives the load; nginx serves the static floor and runs the shipped micro-cache config.
bench-tools:
	@if ! command -v wrk >/dev/null 2>&1 || ! { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null; \
	fi

# Full run: demo board, 1,000 and 1,000,000 releases on SQLite and PostgreSQL (archives are
# built once into bench/out/ and PostgreSQL databases feedserver_bench_*). Fails on a MISS.
bench: $(BENCH_STAMP) bench-tools
	$(BENCH_VENV)/bin/python bench/run.py

# Smoke test: demo board on SQLite, 2-second runs; prints the table, fails only if it cannot run.
bench-quick: $(BENCH_STAMP) bench-tools
	$(BENCH_VENV)/bin/python bench/run.py --quick

# 60 s of mixed load on gunicorn as shipped, 64 connections: SQLite, then PostgreSQL when
# FEEDSERVER_TEST_POSTGRES_URL is set (it uses its own database, feedserver_soak, on that server).
SOAK_SECONDS ?= 60
soak: install
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS) --connections 64

clean:
	rm -rf $(VENV) $(BENCH_VENV) instance
