"""What revised files changed (warehouse/revisions.py), for `scrutiny status --revisions`, `/api/v1/revisions`
and the report's note: each replacement of a force-month with its date, its totals before and after, and the
counts by purpose and by ethnic group (public police data: counts are shown whole, docs/metrics.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pandas as pd

from scrutiny.metrics.lens import OBJECT_GROUPS, object_groups_of
from scrutiny.metrics.scope import ALL_FORCES, of_force
from scrutiny.vocab.months import label

TABLE = "revisions"


def _changes(frame: pd.DataFrame, key: str, order: list[str]) -> list[dict[str, Any]]:
    sums = frame.groupby(key)[["rows_before", "rows_after"]].sum()
    rows = []
    for value in sorted(sums.index, key=lambda v: (order.index(v) if v in order else len(order), str(v))):
        before, after = int(sums.loc[value, "rows_before"]), int(sums.loc[value, "rows_after"])
        rows.append({key: str(value), "before": before, "after": after, "change": after - before})
    return rows


def revisions_with(backend: ibis.BaseBackend, force: str = ALL_FORCES, start: date | None = None,
                   end: date | None = None) -> list[dict[str, Any]]:
    """Every revision of the force spec's months (newest first), optionally within [start, end] months."""
    if TABLE not in backend.list_tables():
        return []
    table = backend.table(TABLE)
    filters = of_force(table, force)
    if start is not None:
        filters.append(table.month >= start)
    if end is not None:
        filters.append(table.month <= end)
    frame = table.filter(*filters).to_pandas()
    if frame.empty:
        return []
    log = backend.table("ingest_log").select("id", "loaded_at").to_pandas().set_index("id")
    frame["purpose"] = object_groups_of(frame["legislation"], frame["object_of_search"])
    out = []
    for (source_id, force_id, month), rows in frame.groupby(["source_id", "force", "month"], sort=False):
        old = rows["replaced_source_id"].dropna()
        old_id = int(old.iloc[0]) if len(old) else None
        revised_at = log.loc[int(source_id), "loaded_at"]
        out.append({
            "force": str(force_id), "month": label(month), "revised_at": pd.Timestamp(revised_at).isoformat(),
            "replaced_loaded_at": (pd.Timestamp(log.loc[old_id, "loaded_at"]).isoformat()
                                   if old_id is not None and old_id in log.index else None),
            "before": int(rows["rows_before"].sum()), "after": int(rows["rows_after"].sum()),
            "change": int(rows["rows_after"].sum() - rows["rows_before"].sum()),
            "by_purpose": _changes(rows, "purpose", list(OBJECT_GROUPS)),
            "by_group": _changes(rows, "self_defined_group", []),
            "source_id": int(source_id),
        })
    out.sort(key=lambda r: (r["revised_at"], r["source_id"]), reverse=True)
    return out


def revision_note(revisions: list[dict[str, Any]]) -> str | None:
    """"Figures for May 2024 were revised on 3 June 2024 (+12 searches)": one sentence for a report or a page."""
    if not revisions:
        return None
    parts = []
    for r in sorted(revisions, key=lambda r: (r["month"], r["force"], r["revised_at"])):
        when = pd.Timestamp(r["revised_at"]).strftime("%-d %B %Y")
        parts.append(f"{r['month']} ({r['force']}) on {when} ({r['change']:+,} searches)")
    return "Figures were revised after a republished file replaced earlier data: " + "; ".join(parts) + "."
