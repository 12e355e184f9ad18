"""Each force's own targets in a report of several forces (the quarterly London report: the Met's, judged on
the Met's own searches).

A target is a share of all of one force's searches (docs/metrics.md, "Counts and shares"), so a document of
several forces judges none. This gives, for each force of such a scope with targets on file, its targets as its
own document judges them: the same period, every one of its searches (no area, no lens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis

from scrutiny.catalog import force_name
from scrutiny.errors import NotFound
from scrutiny.metrics.categories import targets
from scrutiny.metrics.document import metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope
from scrutiny.metrics.warehouse_backend import compute_metrics_with


def force_targets_with(backend: ibis.BaseBackend, scope: Scope) -> list[dict[str, Any]]:
    """`[{force, name, searches, targets}]` for the forces of a several-force scope with targets on file; empty
    for one force (its own document judges them) and for a lens (targets are shares of all searches)."""
    if scope.single_force is not None or scope.force_ids is None or scope.lens.active:
        return []
    out = []
    for force in scope.force_ids:
        if not targets(force):
            continue
        try:
            own = metrics_document(backend, resolve_scope(backend, Scope(force, None, scope.start, scope.end,
                                                                           scope.ethnicity)))
        except NotFound:  # no searches of that force in the period: nothing to judge
            continue
        out.append({"force": force, "name": force_name(force), "searches": own["searches"],
                    "targets": own["targets"]})
    return out


def compute_force_targets(db: Path, scope: Scope) -> list[dict[str, Any]]:
    return compute_metrics_with(db, lambda backend: force_targets_with(backend, scope))
