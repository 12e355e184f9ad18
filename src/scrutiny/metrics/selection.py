"""Which records: the filters behind the API's search listing and downloads, and what is loaded.

No figures here (those are in document.py): only selections of `stop_search` rows, in the stable order of
(source_id, source_row), and listings of the forces, months and areas the warehouse holds (those from its
prepared counts when it has them: scope.stop_table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import ibis
import ibis.expr.types as ir

from scrutiny.metrics.lens import Lens, lens_filters, object_group, power_of
from scrutiny.metrics.scope import ALL_FORCES, Ethnicity, _resolve_area, searches, stop_table
from scrutiny.sources.registry import kinds_of
from scrutiny.sources.registry import label as source_label
from scrutiny.vocab.months import month_start
from scrutiny.warehouse.schema import STOP_SEARCH_COLUMNS

ORDER = ("source_id", "source_row")  # unique per record and stable across loads: the pagination key
RECORD_COLUMNS = (*STOP_SEARCH_COLUMNS, "object_group", "power")


@dataclass(frozen=True)
class Selection:
    """Rows of `stop_search` to list or download; None means no filter on that column."""

    force: str | None = None  # a force id; None or `all` for every force
    area: str | None = None  # an area code, resolved with `resolve_area`
    start: str | None = None  # YYYY-MM, inclusive
    end: str | None = None  # YYYY-MM, inclusive
    group: str | None = None  # Asian, Black, Mixed, White, Other or unknown, on the `ethnicity` basis
    ethnicity: Ethnicity = "self"
    purpose: str | None = None  # drugs, weapons, key_crime, other (metrics.lens)
    outcome_class: str | None = None
    power: str | None = None  # a power key (catalog/powers.csv)


def select(backend: ibis.BaseBackend, sel: Selection) -> ir.Table:
    """The selected records, every canonical column plus `object_group` and `power`, in (source_id, source_row)
    order."""
    stops = backend.table("stop_search")
    conditions: list[ir.BooleanValue] = []
    if sel.force not in (None, ALL_FORCES):
        conditions.append(stops.force == sel.force)
    if sel.area is not None:
        conditions.append(stops.area_code == sel.area)
    if sel.start is not None:
        conditions.append(stops.month >= month_start(sel.start))
    if sel.end is not None:
        conditions.append(stops.month <= month_start(sel.end))
    if sel.group is not None:
        conditions.append(stops["self_defined_group" if sel.ethnicity == "self" else "officer_defined_group"]
                          == sel.group)
    conditions.extend(lens_filters(stops, Lens(sel.purpose, sel.power)))
    if sel.outcome_class is not None:
        conditions.append(stops.outcome_class == sel.outcome_class)
    selected = stops.filter(*conditions) if conditions else stops
    selected = selected.mutate(object_group=object_group(selected), power=power_of(selected))
    return selected.select(*RECORD_COLUMNS).order_by(list(ORDER))


def page(backend: ibis.BaseBackend, sel: Selection, after: tuple[int, int] | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` records after the key `after` (exclusive), as plain Python values."""
    records = select(backend, sel)
    if after is not None:
        source_id, source_row = after
        records = records.filter(
            (records.source_id > source_id) | ((records.source_id == source_id) & (records.source_row > source_row))
        )
    rows: list[dict[str, Any]] = records.limit(limit).to_pyarrow().to_pylist()
    return rows


def resolve_area(backend: ibis.BaseBackend, force: str | None, area: str) -> tuple[str, str]:
    """(code, name) of an area given by code or name, among the boundaries or the force's stops."""
    return _resolve_area(backend, force or ALL_FORCES, area)


def loaded_range(backend: ibis.BaseBackend, force: str) -> tuple[str, str] | None:
    """First and last month with searches loaded for a force (every force for `all`)."""
    stops = stop_table(backend, area=False)
    if force != ALL_FORCES:
        stops = stops.filter(stops.force == force)
    row = stops.aggregate(first=stops.month.min(), last=stops.month.max()).to_pyarrow().to_pylist()[0]
    if row["first"] is None:
        return None
    return row["first"].strftime("%Y-%m"), row["last"].strftime("%Y-%m")


def current_loads(backend: ibis.BaseBackend) -> ir.Table:
    """The newest ingest_log row of every force-month: what `stop_search` holds now."""
    log = backend.table("ingest_log")
    log = log.filter(log.force.notnull(), log.kind.isin(kinds_of("stop_search")))
    newest = log.group_by("unit").aggregate(id=log.id.max())
    return log.semi_join(newest, "id")


def empty_loads(backend: ibis.BaseBackend) -> ir.Table:
    """Force-months whose current file held no records at all (none loaded, none rejected): a month with
    no searches, loaded as such (e.g. a header-only file), so a true zero, not a missing month."""
    loads = current_loads(backend)
    return loads.filter(loads.rows_loaded == 0, loads.rows_rejected == 0)


def loaded_months(backend: ibis.BaseBackend, force: str | None = None) -> list[dict[str, Any]]:
    """Each force-month loaded: rows, rejected rows, archive or API, synthetic or not, file and time."""
    loads = current_loads(backend)
    if force not in (None, ALL_FORCES):
        loads = loads.filter(loads.force == force)
    rows = loads.order_by(["force", "month"]).to_pyarrow().to_pylist()
    return [
        {"force": r["force"], "month": r["month"].strftime("%Y-%m"), "rows": int(r["rows_loaded"]),
         "rejected": int(r["rows_rejected"]), "source": source_label(r["kind"]),
         "synthetic": bool(r["synthetic"]), "file": PurePath(r["file"]).name,
         "loaded_at": r["loaded_at"].isoformat(timespec="seconds")}
        for r in rows
    ]


def known_areas(backend: ibis.BaseBackend, force: str | None = None) -> list[dict[str, Any]]:
    """Areas (boroughs) with a boundary or with stops; with a force, those holding any of its stops."""
    stops = stop_table(backend, area=True)
    if force not in (None, ALL_FORCES):
        stops = stops.filter(stops.force == force)
    stops = stops.filter(stops.area_code.notnull())
    held = stops.group_by(["area_code", "area_name"]).aggregate(searches=searches(stops)).to_pyarrow().to_pylist()
    found: dict[str, dict[str, Any]] = {
        r["area_code"]: {"area_code": r["area_code"], "area_name": r["area_name"], "searches": int(r["searches"]),
                         "boundary": False}
        for r in held
    }
    areas = backend.table("areas").select("area_code", "area_name").to_pyarrow().to_pylist()
    for r in areas:
        if r["area_code"] in found:
            found[r["area_code"]]["boundary"] = True
        elif force in (None, ALL_FORCES):
            found[r["area_code"]] = {**r, "searches": 0, "boundary": True}
    return sorted(found.values(), key=lambda a: (a["area_name"], a["area_code"]))


def record_json(record: dict[str, Any]) -> dict[str, Any]:
    """A record with JSON-ready values: the month as a date, `occurred_at` (UTC) as RFC 3339."""
    out = dict(record)
    month: date = record["month"]
    occurred: datetime | None = record["occurred_at"]
    out["month"] = month.isoformat()
    out["occurred_at"] = None if occurred is None else occurred.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out
