# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: the whole pipeline on the bundled demo data, offline
demo: $(STAMP)
	$(VENV)/bin/spendrecon run --demo

## test: the test suite (CI runs this through .ci/run)
test: $(STAMP)
	$(PY) -m pytest

## bench: the archive-ingestion benchmark (BENCH_ARGS="--rows 20000000" for a bigger archive)
bench: $(STAMP)
	$(PY) bench/archive_bench.py $(BENCH_ARGS)

clean:
	rm -rf data reports bench/work .pytest_cache
