# Common tasks. `make install` once, then `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install lint test bench demo

install:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,bench]"

lint:
	$(VENV)/bin/ruff check switchboard tests bench
	$(VENV)/bin/ruff format --check switchboard tests bench
	$(VENV)/bin/mypy

test:
	$(VENV)/bin/pytest

bench:
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
