"""The figures a period's headline sentences are written from: this period against the one just before it
(the quarter before, for a quarterly report), for all searches and for drug searches (docs/metrics.md,
"Headlines").

Every figure here is read from two metrics documents of the same place and lens, so a headline says nothing
the two documents do not. A change is only stated with what makes it honest: the counts it is a change of,
and, for a ratio to White people, the test of `metrics.trend.change` (does the 95% interval of the ratio of
the two ratios hold 1?). A comparison is flagged as not like with like when a force published a different
number of months in the two periods.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.document import metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope
from scrutiny.metrics.trend import change, ratio_row
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.vocab.ethnicity import HEADLINE_GROUP
from scrutiny.vocab.months import month_range, shift
from scrutiny.vocab.objects import DRUGS


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same length just before `start`..`end`: the quarter before a quarter."""
    n = len(month_range(start, end))
    return shift(start, -n), shift(start, -1)


def _counted(now: int | None, before: int | None) -> dict[str, Any]:
    """A count now and before, and its change as a fraction of before (None when before is 0 or unknown)."""
    rel = (now - before) / before if now is not None and before else None
    return {"now": now, "before": before, "change": None if rel is None else round(rel, 6)}


def _shared(now: float | None, before: float | None) -> dict[str, Any]:
    """A share now and before, and its change in percentage points."""
    points = None if now is None or before is None else round(100 * (now - before), 6)
    return {"now": now, "before": before, "points": points}


def _black(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """Black people's rate ratio to White people now, before, and the test of whether it changed."""
    row = next(r for r in now["disproportionality"] if r["group"] == HEADLINE_GROUP)
    out: dict[str, Any] = {"now": ratio_row(row), "before": None, "change": None}
    if before is not None:
        tested = next(r for r in change(before["disproportionality"], now["disproportionality"])
                      if r["group"] == HEADLINE_GROUP)
        out["before"] = tested["before"]
        out["change"] = {k: tested[k] for k in ("ratio_of_ratios", "ci_low", "ci_high", "changed")}
    return out


def _side(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """The headline figures of one lens: searches, their find rate, the drugs share, Black people's ratio."""
    drugs_now = now["object_groups"].get(DRUGS, {})
    drugs_before = before["object_groups"].get(DRUGS, {}) if before else {}
    return {
        "searches": _counted(now["searches"], before["searches"] if before else None),
        "drugs": _counted(drugs_now.get("count"), drugs_before.get("count")),
        "drugs_share": _shared(drugs_now.get("share"), drugs_before.get("share")),
        "find_rate": _shared(now["outcomes"]["find_rate"], before["outcomes"]["find_rate"] if before else None),
        "black": _black(now, before),
    }


def _unlike(now: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    """Forces that published a different number of months in the two periods."""
    earlier = {c["force"]: c for c in before.get("coverage", [])}
    out = []
    for row in now.get("coverage", []):
        then = earlier.get(row["force"], {"months_covered": 0, "months_in_period": row["months_in_period"]})
        if row["months_covered"] != then["months_covered"]:
            out.append({"force": row["force"], "name": row["name"], "months_now": row["months_covered"],
                        "months_before": then["months_covered"], "months_in_period": row["months_in_period"]})
    return out


def _document(backend: ibis.BaseBackend, scope: Scope) -> tuple[dict[str, Any] | None, str | None]:
    """A scope's document, or why there is none (nothing loaded for the earlier period, say)."""
    try:
        return metrics_document(backend, resolve_scope(backend, scope)), None
    except ScrutinyError as exc:
        return None, str(exc)


def headlines_with(backend: ibis.BaseBackend, scope: Scope, now: dict[str, Any]) -> dict[str, Any]:
    """The `headlines` of `scope`, whose own document is `now`: the period before, and the drugs lens of both
    (the same documents when the scope's lens already is drugs)."""
    start, end = previous_period(scope.start, scope.end)
    earlier = replace(scope, start=start, end=end)
    before, missing = _document(backend, earlier)
    out: dict[str, Any] = {"previous": {"from": start, "to": end}, "previous_missing": missing,
                           "unlike": _unlike(now, before) if before else [], "all": _side(now, before)}
    if scope.power is None and scope.purpose in (None, DRUGS):
        drugs_now: dict[str, Any] | None = now
        drugs_before = before
        if scope.purpose != DRUGS:
            drugs_now = _document(backend, replace(scope, purpose=DRUGS))[0]
            drugs_before = _document(backend, replace(earlier, purpose=DRUGS))[0] if before else None
        out["drug_searches"] = _side(drugs_now, drugs_before) if drugs_now else None
    else:
        out["drug_searches"] = None  # another lens (weapons, a power): its own figures are the headline
    return out


def compute_headlines(db: Path, scope: Scope, now: dict[str, Any]) -> dict[str, Any]:
    return compute_metrics_with(db, lambda backend: headlines_with(backend, scope, now))
