"""Did disproportionality change between two periods (or two places)? Each side is its own metrics document,
so the counts behind the test are the very figures the dashboard shows for each side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis

from scrutiny.metrics.document import compute_metrics_with, metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope
from scrutiny.metrics.trend import change

SIDE_KEYS = ("scope", "searches", "person_searches", "disproportionality", "unknown_ethnicity_share")


def change_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The change document from two metrics documents."""
    return {"before": {k: before[k] for k in SIDE_KEYS}, "after": {k: after[k] for k in SIDE_KEYS},
            "change": change(before["disproportionality"], after["disproportionality"])}


def change_document(backend: ibis.BaseBackend, before: Scope, after: Scope) -> dict[str, Any]:
    return change_between(metrics_document(backend, resolve_scope(backend, before)),
                          metrics_document(backend, resolve_scope(backend, after)))


def compute_change(db: Path, before: Scope, after: Scope) -> dict[str, Any]:
    return compute_metrics_with(db, lambda backend: change_document(backend, before, after))
