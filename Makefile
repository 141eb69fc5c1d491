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

test: install
	.ci/system-packages
	$(VENV)/bin/pytest

# the real engine against the simulated PBX, with the example tenants; Ctrl-C stops it
demo: install
	$(VENV)/bin/switchboard demo $(DEMO_ARGS)

bench:
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
