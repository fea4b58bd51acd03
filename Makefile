# Each target creates the virtual environment it needs, so a fresh clone
# only needs Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/sislink demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff format --check sislink tests bench
	$(BIN)/ruff check sislink tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# Options for bench.run go in BENCH_ARGS: make bench BENCH_ARGS="--students 20000"
bench: $(STAMP)
	$(BIN)/python -m bench.run --out docs/benchmarks.md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) demo-out .bench .pytest_cache .mypy_cache .ruff_cache
