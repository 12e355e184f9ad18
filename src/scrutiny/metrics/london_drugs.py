"""London drug offences, possession against trafficking, from the MPS's recorded crime by borough
(`mps_recorded_crime`; docs/metrics.md, "London drug offences: possession and trafficking").

data.police.uk's street files record every drug crime as `Drugs`; only the MPS's own files say how much of
London's drug crime is possession, the offence a search most often finds, and how much is trafficking. The
share that is possession has a Wilson 95% interval, like every share here. "All London" is every row the MPS
publishes, including its `Unknown` and airports rows, which belong to no borough: the Met's own total.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from scrutiny.errors import NotFound
from scrutiny.metrics.intervals import share_with_interval
from scrutiny.metrics.scope import count_rows
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.sources.mps_recorded_crime import MPS_CRIME
from scrutiny.vocab.areas import find_area, plain_name
from scrutiny.vocab.months import check_period, label, months_between, ranges

DRUG_OFFENCES = "DRUG OFFENCES"  # the MajorText, and below it the MinorTexts:
POSSESSION = "POSSESSION OF DRUGS"
TRAFFICKING = "TRAFFICKING OF DRUGS"
ALL_LONDON = ("all", "london", "all london")
PARTS = ("possession", "trafficking", "other")  # `other`: any further MinorText the MPS may add


def _part(minor_text: str) -> str:
    wanted = " ".join(minor_text.split()).upper()
    return "possession" if wanted == POSSESSION else "trafficking" if wanted == TRAFFICKING else "other"


def _table(backend: ibis.BaseBackend) -> ir.Table:
    if MPS_CRIME.name not in backend.list_tables() or count_rows(backend.table(MPS_CRIME.name)) == 0:
        raise NotFound("no MPS recorded crime loaded: ingest the mps_recorded_crime_by_borough_*.csv files first",
                       loc=("query",))
    return backend.table(MPS_CRIME.name)


def resolve_borough(backend: ibis.BaseBackend, area: str | None) -> tuple[str | None, str]:
    """(E09 code, name) of a borough given by code or name in any case; (None, "London") for all London."""
    if area is None or area.strip().casefold() in ALL_LONDON:
        return None, "London"
    t = _table(backend)
    known = t.filter(t.la_code.notnull()).select("la_code", "borough_name").distinct().to_pandas()
    found_area = find_area({str(c): str(n) for c, n in known.itertuples(index=False)}, area)
    if found_area is not None:
        return found_area
    wanted = plain_name(area)
    names = ", ".join(sorted(known.borough_name)) or "none"
    city = " (the City of London has its own police force)" if wanted in ("e09000001", "city of london") else ""
    raise NotFound(f"no London borough {area!r} in the MPS recorded crime{city}; boroughs loaded: {names}",
                   loc=("query", "area"))


def _figures(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.get(p, 0) for p in PARTS)
    return {**{p: counts.get(p, 0) for p in PARTS}, "drug_offences": total,
            "possession_share": share_with_interval(counts.get("possession", 0), total)}


def london_drugs(backend: ibis.BaseBackend, start: str, end: str, area: str | None = None) -> dict[str, Any]:
    """Drug offences of one borough (E09 code or name) or all London (`area` None or `all`) from `start` to `end`
    (YYYY-MM, inclusive): by month, in total and, for all London, by borough; each split into possession,
    trafficking and any other MinorText, with the share that is possession. Months with no MPS file loaded are
    listed in `months_not_loaded`, never counted as zero."""
    first, last = check_period(start, end)
    t = _table(backend)
    code, name = resolve_borough(backend, area)
    in_period = t.filter(t.month >= first, t.month <= last)
    loaded = {label(m) for m in in_period.select("month").distinct().to_pandas().month}
    if not loaded:
        held = ranges(sorted(label(m) for m in t.select("month").distinct().to_pandas().month))
        raise NotFound(f"no MPS recorded crime from {start} to {end}; months loaded: {' '.join(held) or 'none'}",
                       loc=("query",))
    drugs = in_period.filter(in_period.major_text.strip().upper() == DRUG_OFFENCES)
    if code is not None:
        drugs = drugs.filter(drugs.la_code == code)
    grouped = drugs.group_by(["month", "la_code", "borough_name", "minor_text"]).aggregate(
        offences=drugs.offences.sum()).to_pandas()
    by_month: dict[str, dict[str, int]] = {}
    by_borough: dict[tuple[str | None, str], dict[str, int]] = {}
    total: dict[str, int] = {}
    for month, la_code, borough, minor, offences in grouped.itertuples(index=False):
        part, n = _part(str(minor)), int(offences)
        place = (la_code if isinstance(la_code, str) else None, str(borough))  # NULL comes back as NaN
        for bucket in (by_month.setdefault(label(month), {}), total, by_borough.setdefault(place, {})):
            bucket[part] = bucket.get(part, 0) + n
    months = [label(m) for m in months_between(first, last)]
    boroughs = sorted(by_borough.items(), key=lambda item: (item[0][0] is None, item[0][0] or "", item[0][1]))
    return {
        "scope": {"area": code, "area_name": name, "from": start, "to": end},
        "totals": _figures(total),
        "monthly": [{"month": m, **_figures(by_month.get(m, {}))} for m in months if m in loaded],
        "by_borough": ([{"la_code": c, "borough_name": b, **_figures(counts)} for (c, b), counts in boroughs]
                       if code is None else []),
        "months_not_loaded": [m for m in months if m not in loaded],
        "source": "Metropolitan Police recorded crime by borough (MajorText DRUG OFFENCES)",
        "notes": ["Recorded offences, not people or searches: most possession offences are recorded when a search "
                  "finds drugs, so more searching records more possession."]
                 + (["All London includes the MPS's Unknown and airports rows, which belong to no borough."]
                    if code is None else []),
    }


def compute_london_drugs(db: Path, start: str, end: str, area: str | None = None) -> dict[str, Any]:
    """`london_drugs` over the DuckDB warehouse at `db`."""
    return compute_metrics_with(db, lambda backend: london_drugs(backend, start, end, area))


__all__ = ["DRUG_OFFENCES", "POSSESSION", "TRAFFICKING", "compute_london_drugs", "london_drugs", "resolve_borough"]
