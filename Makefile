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
# markers). No ruff or mypy here (`make lint`); `make test` before pushing. Aim: under 3 minutes, not met. On a quiet
# two-core machine on 2026-12-07 (2,095 tests): 6 min 13 s (637 s of CPU) in the morning, against 7 min 33 s (737 s)
# for the code at the start of that day; on a slower machine that afternoon, 7 min 22 s (761 s of CPU) against
# 8 min 05 s (837 s) for that morning's end (f476e15), one after another. Three workers on two cores were slower
# (9 min 16 s, 991 s of CPU), so -n auto stays. Later (stop 36) the machine's speed drifted within the hour: the
# same code (40bfe4c) took 6 min 54 s, then 9 min 22 s; this stop's code 9 min 55 s just after (no measurable change).
# Stop 37, a fresh idle machine: 6084b6f took 6 min 12 s (650 s of CPU) at 18:05; at 18:48 this stop's code took
# 7 min 03 s (748 s, 2,117 tests) and 6084b6f 7 min 16 s (764 s, 2,104 tests) straight after it.
# Stop 38, a fresh idle machine: 1b3344e (documents in Arrow) 6 min 11 s (637 s of CPU, 2,124 tests), then
# 1b70c5d 6 min 38 s (679 s, 2,118 tests) straight after it: 6% less CPU, still twice the 3-minute aim.
# Stop 39, 2026-12-08, idle: 92c8fbe 6 min 22 s (665 s of CPU, 2,124 tests), then this stop's code 6 min 03 s
# (631 s, 2,130 tests) straight after it: 5% less (schemathesis not collected here, one SSL context for the tests'
# loopback requests, compiled SQL kept across warehouse versions, test_kill killing at a point, not a time).
# Stop 40, 2026-12-08, fresh machine: bf7e640 6 min 03 s (622 s of CPU) at the start; this stop's code 5 min 17 s
# (544 s, 2,135 tests) later on, the machine's drift rather than the code (it added tests, removed none); four
# workers on the two cores took 5 min 37 s (610 s) in between, so -n auto stays.
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
