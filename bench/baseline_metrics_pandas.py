"""The headline metrics the plain pandas way: the yardstick for `bench/metrics_bench.py`.

What an analyst would write: read the scope's rows (the columns the figures need) from the DuckDB
warehouse into a pandas DataFrame, map objects to groups with the package's catalogue file, then one
`groupby`/`value_counts` per figure: object groups, outcome classes with the find and arrest rates, person
searches by ethnic group (the disproportionality counts), age bands, and searches and drugs searches per
area. It computes no populations, ratios or intervals, so it does less than `compute_metrics`. With a purpose
it filters the loaded rows by their object group, as an analyst would.

As a script it is the cold run (a fresh process: imports, load and compute), printing one JSON line:

    .venv/bin/python bench/baseline_metrics_pandas.py --db DB --force metropolitan --from 2024-01 --to 2024-12 \
        [--area E09000012] [--purpose drugs]

`bench/metrics_bench.py` also imports `load` and `compute` for the warm runs (data loaded once, untimed).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from scrutiny.catalog import read_catalog

ALL_FORCES = "all"
PERSON_TYPES = ["Person search", "Person and Vehicle search"]
AGE_RANGES = ["under 10", "10-17", "18-24", "25-34", "over 34"]
GROUPS = ["Asian", "Black", "Mixed", "White", "Other"]
COLUMNS = ["force", "search_type", "legislation", "object_of_search", "outcome_class", "self_defined_group",
           "age_range", "area_code", "area_name", "latitude"]


def _month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def load(db: str, force: str, start: str, end: str, area: str | None = None) -> pd.DataFrame:
    """The scope's rows, only the columns the figures need (the month, force and area filter runs in DuckDB),
    with `rated` marking the forces that police residents (in the force lookup): only they enter rates."""
    where = "month BETWEEN ? AND ?"
    params: list[object] = [_month(start), _month(end)]
    if force != ALL_FORCES:
        where += " AND force = ?"
        params.append(force)
    if area is not None:
        where += " AND area_code = ?"
        params.append(area)
    con = duckdb.connect(db, read_only=True)
    try:
        frame = con.execute(f"SELECT {', '.join(COLUMNS)} FROM stop_search WHERE {where}", params).df()
        policing = {f for (f,) in con.execute("SELECT DISTINCT force FROM force_areas").fetchall()}
    finally:
        con.close()
    frame["rated"] = True if area is not None or not policing else frame["force"].isin(policing)
    return frame


def object_group(frame: pd.DataFrame) -> np.ndarray:
    """The catalogue's rules with numpy.select: legislation rules first (a section 60 search is weapons)."""
    rules = sorted(read_catalog("object_groups.csv"), key=lambda r: r["kind"] != "legislation")
    conditions, choices = [], []
    for row in rules:
        column = frame["legislation"] if row["kind"] == "legislation" else frame["object_of_search"]
        conditions.append(column.eq(row["value"]).fillna(False).to_numpy(dtype=bool))
        choices.append(row["object_group"])
    return np.select(conditions, choices, default="other")


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts(dropna=False).items()}


def compute(frame: pd.DataFrame, purpose: str | None = None) -> dict[str, Any]:
    """Counts (and the two outcome rates) by pandas groupby, for the searches of `purpose` if given; keys as in
    the metrics document."""
    groups = pd.Series(object_group(frame), index=frame.index, name="object_group")
    if purpose is not None:
        keep = (groups == purpose).to_numpy()
        frame, groups = frame[keep], groups[keep]
    searches = len(frame)
    person = frame["search_type"].isin(PERSON_TYPES).to_numpy()
    people = frame[person]

    outcomes = _counts(frame["outcome_class"])
    known = searches - outcomes.get("unknown", 0)
    found = known - outcomes.get("no_further_action", 0)

    age = people["age_range"].where(people["age_range"].isin(AGE_RANGES), "unknown")
    by_group = _counts(people.loc[people["rated"].to_numpy(dtype=bool), "self_defined_group"])
    by_group["unknown"] = int((people["self_defined_group"] == "unknown").sum())  # every force's, as the share is

    no_area = np.where(frame["latitude"].isna(), "no_location", "outside")
    areas = (
        frame.assign(code=frame["area_code"].fillna(pd.Series(no_area, index=frame.index)),
                     name=frame["area_name"].fillna(""), drugs=(groups == "drugs").to_numpy())
        .groupby(["code", "name"], sort=True)
        .agg(searches=("drugs", "size"), drugs=("drugs", "sum"))
    )
    return {
        "searches": searches,
        "person_searches": int(person.sum()),
        "object_groups": _counts(groups),
        "outcomes": outcomes,
        "find_rate": found / known if known else None,
        "arrest_rate": outcomes.get("arrest", 0) / known if known else None,
        "ethnic_groups": by_group,  # person searches by group, `unknown` included
        "age": _counts(age),
        "areas": {str(code): {"searches": int(n), "drugs": int(d)}
                  for (code, _name), n, d in zip(areas.index, areas.searches, areas.drugs, strict=True)},
    }


def disagreements(pandas_figures: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    """Where the pandas figures and a `compute_metrics` document differ (counts exactly, rates to 1e-9)."""
    out: list[str] = []

    def same(name: str, a: object, b: object) -> None:
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None or not math.isclose(float(a), float(b), rel_tol=1e-9):  # type: ignore[arg-type]
                out.append(f"{name}: pandas {a!r}, scrutiny {b!r}")
        elif a != b:
            out.append(f"{name}: pandas {a!r}, scrutiny {b!r}")

    p = pandas_figures
    same("searches", p["searches"], doc["searches"])
    same("person_searches", p["person_searches"], doc["person_searches"])
    for g, v in doc["object_groups"].items():
        same(f"object_groups.{g}", p["object_groups"].get(g, 0), v["count"])
    for c, v in doc["outcomes"].items():
        if isinstance(v, dict):
            same(f"outcomes.{c}", p["outcomes"].get(c, 0), v["count"])
    same("find_rate", p["find_rate"], doc["outcomes"]["find_rate"])
    same("arrest_rate", p["arrest_rate"], doc["outcomes"]["arrest_rate"])
    for d in doc["disproportionality"]:
        same(f"disproportionality.{d['group']}.searches", p["ethnic_groups"].get(d["group"], 0), d["searches"])
    unknown = round(doc["unknown_ethnicity_share"] * doc["person_searches"]) if doc["person_searches"] else 0
    same("ethnicity unknown", p["ethnic_groups"].get("unknown", 0), unknown)
    for band, n in doc["age"].items():
        same(f"age.{band}", p["age"].get(band, 0), n)
    theirs = {a["area_code"]: a for a in doc["areas"]}
    if set(theirs) != set(p["areas"]):
        out.append(f"areas: pandas {sorted(p['areas'])[:5]}..., scrutiny {sorted(theirs)[:5]}...")
    for code in set(theirs) & set(p["areas"]):
        same(f"areas.{code}.searches", p["areas"][code]["searches"], theirs[code]["searches"])
        drugs = round((theirs[code]["drugs_share"] or 0) * theirs[code]["searches"])
        same(f"areas.{code}.drugs", p["areas"][code]["drugs"], drugs)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--force", required=True)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--area", help="an area code")
    parser.add_argument("--purpose", help="drugs, weapons, key_crime or other")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = load(args.db, args.force, args.start, args.end, args.area)
    loaded = time.perf_counter()
    figures = compute(frame, args.purpose)
    done = time.perf_counter()
    print(json.dumps({"rows": len(frame), "load_s": loaded - started, "compute_s": done - loaded,
                      "figures": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
