# The two set-up commands are `make demo` and `make test`; both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED := ../shared/data
# These machines set PYTHONDONTWRITEBYTECODE=1, so every process (each pytest worker, each CLI a test starts)
# compiled Scrutiny and its tests from source again: collecting the suite took 17 s, 10 s with bytecode kept.
# __pycache__ is git-ignored.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-fast lint bench clean venv docs

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The whole suite (CI runs it: .ci/run), after ruff and mypy, in two parts that together select every test:
# first on every core what test-fast runs (tests use their own ports, files and databases), then one at a time
# the Chromium, Spark and threshold-fit tests (a browser or a JVM per worker, and the fits use both cores) and
# the schemathesis ones (they share node ids, which pytest-xdist runs once: 97 of 124 ran). Run
# one after another, the suite took about 28 minutes on 2026-12-07 (2,125 tests), near CI's 30-minute limit.
SPLIT := slow_fit or browser or spark or one_process
test: lint
	$(BIN)/pytest -n auto --dist loadfile -m "not ($(SPLIT))"
	$(BIN)/pytest -m "$(SPLIT)" --durations=15

# The quick tier while working: every test but the threshold fits, the Chromium, Spark and schemathesis ones (pyproject's
# markers). No ruff or mypy here (`make lint`); `make test` before pushing. Aim: under 3 minutes, not met (5-7 minutes
# on two cores, CPU-bound on both): docs/testing.md has the measurements and where the time goes. -n auto: more
# workers than cores was slower.
test-fast: venv
	$(BIN)/pytest -n auto --dist loadfile -m "not slow_fit and not browser and not spark and not one_process" --durations=10

demo: venv
	bash scripts/demo.sh

# Ingest (scrutiny ingest vs pandas read_csv), metrics (compute_metrics vs pandas groupby), street crime and
# outcomes (ingest_paths vs pandas, a year of every force), placing stops in every authority (vs London's alone),
# the threshold test (full Met fit vs the first committed
# model), the veil of darkness (a 3.5M-row synthetic force-year, goal under 30 s) and the policy-change test
# (real Met months, goal under 5 s), then the web server under load (wrk from Debian, installed here if missing)
# and the pages in Chromium (bytes per page and the dashboard's first view, against the code before issue 22),
# start-up and documents in one process (against a baseline commit);
# bench/README.md
bench: venv
	$(BIN)/python bench/run.py
	$(BIN)/python bench/metrics_bench.py
	$(BIN)/python bench/crime_bench.py
	$(BIN)/python bench/crime_metrics_bench.py
	$(BIN)/python bench/placement_bench.py
	$(BIN)/python bench/threshold_bench.py
	$(BIN)/python bench/darkness_bench.py
	$(BIN)/python bench/change_bench.py
	$(BIN)/python bench/use_of_force_bench.py
	$(BIN)/python bench/startup_bench.py
	$(BIN)/python bench/documents_bench.py
	$(BIN)/python bench/engine_bench.py
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) || true
	$(BIN)/python bench/web_bench.py
	$(BIN)/python bench/pages_bench.py

# docs/cli.md from every command's --help (tests/test_docs_cli.py fails when it is out of date)
docs: venv
	$(BIN)/python -m scrutiny.cli.reference

clean:
	rm -rf $(VENV) scrutiny.duckdb data bench-results test-artifacts
