# feedserver: `make run` serves the demo board, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test migrate demo bench bench-quick soak clean

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
	@echo "feedserver: http://$(HOST):$(PORT)/ (WebSub hub: /websub)"
	$(BIN)/feedserver worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

test: install
	$(BIN)/python -m pytest

# 60 s of mixed load on gunicorn as shipped, 64 connections: SQLite, then PostgreSQL when
# FEEDSERVER_TEST_POSTGRES_URL is set (it uses its own database, feedserver_soak, on that server).
SOAK_SECONDS ?= 60
soak: install
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS) --connections 64

clean:
	rm -rf $(VENV) instance
