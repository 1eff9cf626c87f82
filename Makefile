# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test bench bench-profile bench-history bench-replay bench-years clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: the whole pipeline on the bundled demo data, offline; and the demo's small Award Data
## Archive (generated, a few seconds) in the archive store, for `awards` and archive mode
demo: $(STAMP)
	$(VENV)/bin/spendrecon ingest-archive --demo --no-flow --quiet
	$(VENV)/bin/spendrecon run --demo
	@echo ""
	@echo "Next: source $(VENV)/bin/activate       # puts spendrecon on your PATH (or call $(VENV)/bin/spendrecon)"
	@echo "      spendrecon findings --leads      # what no explanation covers: by severity, then dollars at stake"
	@echo "      open reports/latest/report.html in a browser (it works offline; always the newest run's)"

## test: the import contracts (the layers, [tool.importlinter] in pyproject.toml; docs/architecture.md),
## then the test suite (CI runs this through .ci/run), one worker per core (pytest-xdist), a test
## module's tests kept on one worker so that its module fixtures are made once
PYTEST_WORKERS ?= auto
test: $(STAMP) browser
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

## browser: the headless Chromium that tests/test_report_browser.py drives (Debian/Ubuntu package
## `chromium`). Installed with apt-get when missing and we are root (or have password-less sudo);
## otherwise a message, and the browser test skips locally (it fails in CI, where CI is set).
CHROMIUM_PACKAGES ?= chromium fonts-liberation
browser:
	@if [ -n "$$SPENDRECON_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 \
	    || command -v chromium-browser >/dev/null 2>&1; then \
	  :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make browser: no Chromium and no apt-get here. Install Chromium (or Chrome) and/or set" \
	       "SPENDRECON_CHROMIUM=/path/to/chromium; the browser test is skipped until then." >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "make browser: installing $(CHROMIUM_PACKAGES) with apt-get" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(CHROMIUM_PACKAGES) >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  echo "make browser: installing $(CHROMIUM_PACKAGES) with sudo apt-get" >&2; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(CHROMIUM_PACKAGES) >/dev/null; \
	else \
	  echo "make browser: Chromium is missing and installing it needs root:" \
	       "sudo apt-get install chromium  (the browser test is skipped until then)" >&2; \
	fi

## bench: the archive-ingestion benchmark (BENCH_ARGS="--rows 20000000" for a bigger archive)
bench: $(STAMP)
	$(PY) bench/archive_bench.py $(BENCH_ARGS)

## bench-profile: where an archive ingest's time goes, per step, wall and CPU seconds, at 1M and 5M rows
## (BENCH_PROFILE_ARGS="--rows 1000000 --repeat 1" for a quick one)
bench-profile: $(STAMP)
	$(PY) bench/archive_profile.py $(BENCH_PROFILE_ARGS)

## bench-history: warehouse growth over 12 runs and demo run time, side by side with BASELINE (a checkout of main)
bench-history: $(STAMP)
	$(PY) bench/history_bench.py $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_HISTORY_ARGS)

## bench-years: a year of daily runs (1% of figures changing each), size and run time at run 1/30/100/365,
## side by side with BASELINE (a checkout of an older release; its points past BASELINE_RUNS extrapolated)
bench-years: $(STAMP)
	$(PY) bench/years_bench.py $(if $(BASELINE),--baseline $(BASELINE) --baseline-runs $(or $(BASELINE_RUNS),30)) $(BENCH_YEARS_ARGS)

## bench-replay: the five demo vintages into one warehouse, side by side with BASELINE (a checkout of an older release)
bench-replay: $(STAMP)
	$(PY) bench/replay_bench.py $(if $(BASELINE),--baseline $(BASELINE))

clean:
	rm -rf data reports bench/work .pytest_cache
