#!/usr/bin/env bash
# make demo: load real data into ./scrutiny.duckdb and show what is there.
# With ../shared/data: ingest it. Elsewhere: fetch the latest three Metropolitan months, the Census and the
# boundaries from the official sources; with no network, generate synthetic data and say so plainly.
set -uo pipefail
cd "$(dirname "$0")/.."
SCRUTINY=.venv/bin/scrutiny
SHARED=../shared/data
export SCRUTINY_DB="${SCRUTINY_DB:-scrutiny.duckdb}"

# The Metropolitan months the report covers: the archive's complete run in the shared data, else whatever
# was fetched or generated.
met_months() {
  .venv/bin/python - "$SCRUTINY_DB" <<'PY'
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
first, last = con.execute("SELECT min(month), max(month) FROM stop_search WHERE force = 'metropolitan'").fetchone()
print(f"{first:%Y-%m} {last:%Y-%m}")
PY
}

if [ -d "$SHARED/police_uk/archive" ]; then
  echo "Loading the real public data in $SHARED into $SCRUTINY_DB"
  # Every force's 2021-09 (archive_national) and every authority of England and Wales (the ONS outlines beside
  # London's finer ones) give each force and each authority its page.
  $SCRUTINY ingest "$SHARED/police_uk/archive" "$SHARED/police_uk/archive_national" \
    "$SHARED/police_uk/api/stops-force-metropolitan" "$SHARED/census2021" "$SHARED/geography" \
    "$SHARED/geography_england_wales/local_authority_districts_dec2022_uk_buc.geojson" || exit 1
  # The Home Office's use of force releases (`scrutiny force-use`, the "Use of force" pages), where present.
  if [ -d "$SHARED/home_office/use_of_force" ]; then
    $SCRUTINY ingest "$SHARED/home_office/use_of_force" || exit 1
  fi
  MONTHS="2018-04 2018-09"
elif $SCRUTINY fetch --force metropolitan --latest 3 && $SCRUTINY fetch census && $SCRUTINY fetch boundaries; then
  echo "Fetched the latest three Metropolitan months, the Census and the boundaries from the official sources."
else
  echo
  echo "!! No network and no ../shared/data: generating SYNTHETIC data. Every figure below is made up. !!"
  echo
  $SCRUTINY synth --rows 200000 --out data/synthetic || exit 1
  $SCRUTINY ingest data/synthetic || exit 1
fi
$SCRUTINY status
read -r FROM TO <<<"${MONTHS:-$(met_months)}"
REPORT="reports/metropolitan-$FROM-to-$TO.html"
$SCRUTINY report --force metropolitan --from "$FROM" --to "$TO" --out "$REPORT" --pdf || exit 1
echo
echo "Report: $(pwd)/$REPORT (and ${REPORT%.html}.pdf)"

# Last, the dashboard and API (DEMO_SERVE=0 skips it, e.g. on a machine where the port is taken).
if [ "${DEMO_SERVE:-1}" != "0" ]; then
  PORT="${PORT:-8000}"
  echo "Dashboard: http://127.0.0.1:$PORT/   API: http://127.0.0.1:$PORT/api/v1/docs   (Ctrl-C stops it)"
  echo "Workspace: http://127.0.0.1:$PORT/workspace  (first admin: $SCRUTINY user create --admin EMAIL)"
  echo "Report a stop: http://127.0.0.1:$PORT/report"
  exec $SCRUTINY serve --host 127.0.0.1 --port "$PORT"
fi
