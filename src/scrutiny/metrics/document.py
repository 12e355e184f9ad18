"""The metrics document (DESIGN.md "Machine-readable output"), assembled from a few grouped queries.

Every key DESIGN.md lists is here with the meaning it gives; `monthly`, `outcomes_by_group`, the extra
per-area columns and `notes` are additions the report and dashboard need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from scrutiny.metrics import counts
from scrutiny.metrics.categories import AGE_RANGES, CHILD_AGES, GROUPS, OBJECT_GROUPS, OUTCOME_CLASSES, targets
from scrutiny.metrics.intervals import rate_per_1000, rate_ratio, share
from scrutiny.metrics.population import AGE_BANDS, Population, all_ages_by_area, population
from scrutiny.metrics.scope import ALL_FORCES, Scope, in_scope, of_force, resolve_scope
from scrutiny.warehouse.connect import connect

Document = dict[str, Any]


def _sum(frame: pd.DataFrame, column: str = "n") -> int:
    return int(frame[column].sum())


def _object_groups(cube: pd.DataFrame, searches: int) -> dict[str, dict[str, Any]]:
    return {
        g: {"count": _sum(cube[cube.object_group == g]), "share": share(_sum(cube[cube.object_group == g]), searches)}
        for g in OBJECT_GROUPS
    }


def _targets(groups: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"group": t.group, "op": t.op, "target": t.target, "actual": groups[t.group]["share"],
         "met": t.met(groups[t.group]["share"])}
        for t in targets()
    ]


def _find_rates(rows: pd.DataFrame) -> tuple[float | None, float | None]:
    known = rows[rows.outcome_class != "unknown"]
    found = known[known.outcome_class != "no_further_action"]
    return share(_sum(found), _sum(known)), share(_sum(known[known.outcome_class == "arrest"]), _sum(known))


def _outcomes(cube: pd.DataFrame, searches: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in OUTCOME_CLASSES:
        n = _sum(cube[cube.outcome_class == c])
        out[c] = {"count": n, "share": share(n, searches)}
    out["find_rate"], out["arrest_rate"] = _find_rates(cube)
    published = _sum(cube, "linked_published")
    out["linked_find_rate"] = share(_sum(cube, "linked_true"), published)
    out["linked_coverage"] = share(published, searches)
    return out


def _strip(person: pd.DataFrame, published: bool) -> tuple[int | None, int | None]:
    if not published:
        return None, None
    return _sum(person, "strip_true"), _sum(person[person.age.isin(CHILD_AGES)], "strip_true")


def _disproportionality(person: pd.DataFrame, pop: Population) -> list[dict[str, Any]]:
    unknown = _sum(person[person.group == "unknown"])
    white = _sum(person[person.group == "White"])
    rows = []
    for g in GROUPS:
        a = _sum(person[person.group == g])
        residents = pop.total(g)
        if g == "White":
            ratio = rate_ratio(a, residents, a, residents)
            entry_ratio = 1.0 if not ratio.suppressed and residents else None
            rows.append({"group": g, "searches": a, "population": residents,
                         "rate_per_1000": rate_per_1000(a, residents), "ratio_vs_white": entry_ratio,
                         "ci_low": None, "ci_high": None, "suppressed": ratio.suppressed, "unknown_bounds": None})
            continue
        ratio = rate_ratio(a, residents, white, pop.total("White"), unknown)
        rows.append({
            "group": g, "searches": a, "population": residents, "rate_per_1000": rate_per_1000(a, residents),
            "ratio_vs_white": ratio.value, "ci_low": ratio.ci_low, "ci_high": ratio.ci_high,
            "suppressed": ratio.suppressed,
            "unknown_bounds": list(ratio.unknown_bounds) if ratio.unknown_bounds else None,
        })
    return rows


def _age_specific(person: pd.DataFrame, pop: Population) -> list[dict[str, Any]]:
    rows = []
    for band in AGE_BANDS:
        in_band = person[person.age == band]
        white = _sum(in_band[in_band.group == "White"])
        white_pop = pop.by_age.get((band, "White")) if pop.by_age is not None else None
        for g in GROUPS:
            a = _sum(in_band[in_band.group == g])
            residents = pop.by_age.get((band, g)) if pop.by_age is not None else None
            ratio = rate_ratio(a, residents, white, white_pop)
            value = (1.0 if not ratio.suppressed and residents else None) if g == "White" else ratio.value
            rows.append({"age_range": band, "group": g, "searches": a, "population": residents,
                         "rate_per_1000": rate_per_1000(a, residents), "ratio_vs_white": value,
                         "suppressed": ratio.suppressed})
    return rows


def _areas(backend: ibis.BaseBackend, scoped: ibis.Table, scope: Scope) -> list[dict[str, Any]]:
    frame = counts.by_area(scoped, scope)
    codes = [c for c in frame.code if c != "unknown"]
    residents = all_ages_by_area(backend, codes)
    names = counts.area_names(backend, codes) | {"unknown": "unknown"}
    rows = []
    for code, n, drugs, black, white in sorted(
        frame[["code", "n", "drugs", "black", "white"]].itertuples(index=False),
        key=lambda r: (r[0] == "unknown", r[0]),
    ):
        groups = residents.get(code, {})
        total = sum(groups.values()) if groups else None
        ratio = rate_ratio(int(black), groups.get("Black"), int(white), groups.get("White"))
        rows.append({"area_code": code, "area_name": names.get(code, code), "searches": int(n),
                     "drugs_share": share(int(drugs), int(n)), "population": total,
                     "rate_per_1000": rate_per_1000(int(n), total), "black_white_ratio": ratio.value})
    return rows


def _monthly(scoped: ibis.Table) -> list[dict[str, Any]]:
    return [
        {"month": month.strftime("%Y-%m"), "searches": int(n), "drugs_share": share(int(drugs), int(n)),
         "find_rate": share(int(found), int(known))}
        for month, n, drugs, known, found in counts.by_month(scoped).itertuples(index=False)
    ]


def _outcomes_by_group(person: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for g in (*GROUPS, "unknown"):
        of_group = person[person.group == g]
        find, arrest = _find_rates(of_group)
        rows.append({"group": g, "searches": _sum(of_group), "find_rate": find, "arrest_rate": arrest})
    return rows


def _data_quality(backend: ibis.BaseBackend, cube: pd.DataFrame, person: pd.DataFrame, scope: Scope) -> dict[str, int]:
    rejects = backend.table("rejects")
    rejected = rejects.filter(*of_force(rejects, scope.force), rejects.month >= scope.first_month,
                              rejects.month <= scope.last_month).count().to_pyarrow().as_py()
    return {"no_location": _sum(cube) - _sum(cube, "located"), "no_age": _sum(person[person.age == "unknown"]),
            "rejected_rows": int(rejected)}


def _source_notes(backend: ibis.BaseBackend, scope: Scope) -> list[str]:
    log = backend.table("ingest_log")
    current = log.filter(*of_force(log, scope.force), log.month >= scope.first_month, log.month <= scope.last_month)
    kinds = current.order_by(ibis.desc("id")).to_pandas().drop_duplicates("unit")
    notes = []
    api = sorted(m.strftime("%Y-%m") for m in kinds[kinds.kind == "stops_json"].month)
    if api:
        notes.append(f"{', '.join(api)}: from the data.police.uk API, whose monthly answers can be incomplete.")
    if kinds.synthetic.any():
        notes.append("SYNTHETIC DATA: these figures come from generated records, not real police data.")
    if scope.area is not None:
        notes.append("Rejected rows cannot be placed in an area: their count is for the whole force.")
    if scope.force == ALL_FORCES:
        loaded = sorted(set(kinds.force))
        notes.append(f"All forces: {len(loaded)} forces have data loaded in this period ({', '.join(loaded)}); "
                     "the population is that of every police force area in England and Wales.")
    return notes


def metrics_document(backend: ibis.BaseBackend, scope: Scope) -> Document:
    scoped = in_scope(backend.table("stop_search"), scope)
    cube = counts.cube(scoped, scope)
    person = cube[cube.person]
    searches = _sum(cube)
    pop = population(backend, scope)
    groups = _object_groups(cube, searches)
    strip, child_strip = _strip(person, _sum(cube, "strip_published") > 0)
    age = {band: _sum(person[person.age == band]) for band in AGE_RANGES}
    age["unknown"] = _sum(person[person.age == "unknown"])
    return {
        "scope": {"force": scope.force, "area": scope.area, "area_name": scope.area_name, "from": scope.start,
                  "to": scope.end, "ethnicity": scope.ethnicity},
        "searches": searches,
        "person_searches": _sum(person),
        "object_groups": groups,
        "targets": _targets(groups),
        "outcomes": _outcomes(cube, searches),
        "age": age,
        "children": sum(age[a] for a in CHILD_AGES),
        "strip_searches": strip,
        "child_strip_searches": child_strip,
        "disproportionality": _disproportionality(person, pop),
        "age_specific": _age_specific(person, pop),
        "unknown_ethnicity_share": share(_sum(person[person.group == "unknown"]), _sum(person)),
        "areas": _areas(backend, scoped, scope),
        "data_quality": _data_quality(backend, cube, person, scope),
        "monthly": _monthly(scoped),
        "outcomes_by_group": _outcomes_by_group(person),
        "notes": pop.notes + _source_notes(backend, scope),
    }


def compute_metrics(db: Path, scope: Scope) -> Document:
    """The document for `scope` from the DuckDB warehouse at `db` (scope checked against it first)."""
    connect(db, read_only=True).close()  # a clear error when the file is missing
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        checked = resolve_scope(backend, scope.force, scope.area, scope.start, scope.end, scope.ethnicity)
        return metrics_document(backend, checked)
    finally:
        backend.disconnect()
