"""The lens a reader chooses on every page: what the searches were for (`purpose`) and under which power
(`power`), both GET parameters kept in the URL. The vocabularies are the metrics layer's (metrics.lens), so a
page offers exactly what `/api/v1/metrics` accepts; an unknown value is a 400 page naming the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from scrutiny.metrics.lens import OBJECT_GROUPS, UnknownLens, check_lens, power_names
from scrutiny.vocab.objects import OBJECT_LABELS as PURPOSE_LABELS
from scrutiny.web.pages.errors import PageError

TREND_VIEWS = {"monthly": "Month by month", "quarterly": "By quarter", "rolling_12": "Rolling 12 months"}


@dataclass(frozen=True)
class Choice:
    value: str  # "" for every purpose or every power
    label: str


def lens_of(request: Request) -> tuple[str | None, str | None]:
    """The checked (purpose, power) of the query string; empty means none."""
    q = request.query_params
    try:
        lens = check_lens(q.get("purpose") or None, q.get("power") or None)
    except UnknownLens as exc:
        known = OBJECT_GROUPS if exc.kind == "purpose" else tuple(power_names())
        raise PageError(f"Unknown {exc.kind} {exc.value!r}: choose one of {', '.join(known)}.") from None
    return lens.purpose, lens.power


def trend_view(request: Request) -> str:
    """Which windows the disproportionality-over-time chart shows (`trend`): monthly unless chosen."""
    view = request.query_params.get("trend") or "monthly"
    if view not in TREND_VIEWS:
        raise PageError(f"Unknown trend view {view!r}: choose one of {', '.join(TREND_VIEWS)}.")
    return view


def purpose_choices() -> list[Choice]:
    return [Choice("", "All purposes"), *(Choice(k, PURPOSE_LABELS[k]) for k in OBJECT_GROUPS)]


def power_choices(present: list[str], chosen: str | None) -> list[Choice]:
    """Every power some search of the force was made under (catalogue order), and the chosen one."""
    names = power_names()
    keep = set(present) | ({chosen} if chosen else set())
    return [Choice("", "All powers"), *(Choice(k, name) for k, name in names.items() if k in keep)]
