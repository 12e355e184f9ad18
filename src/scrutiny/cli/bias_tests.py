"""`scrutiny bias --test NAME --format table`: a test's document for a reader at a terminal.

Refusals and caveats come first, as on the dashboard: a figure is read only after what it cannot show.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from scrutiny.bias.suite import TESTS
from scrutiny.cli.common import console, print_notes
from scrutiny.vocab import numbers


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False)


def _interval(d: dict[str, Any] | None, fmt: str = "{:.2f}") -> str:
    if not d or d.get("low") is None:
        return ""
    high = "unbounded" if d.get("high") is None else fmt.format(d["high"])
    return f"{fmt.format(d['low'])} to {high}"


def _estimate(d: dict[str, Any] | None, fmt: str = "{:.2f}") -> str:
    if not d or d.get("estimate") is None:
        return "not given"
    return f"{fmt.format(d['estimate'])} ({_interval(d, fmt)})"


def _darkness(figures: dict[str, Any]) -> None:
    _say(f"odds ratio of darkness: {_estimate(figures.get('odds_ratio'))}")
    steps = figures.get("steps") or []
    if steps:
        table = Table(title="Searches at each step", title_justify="left")
        table.add_column("step")
        table.add_column("searches", justify="right")
        for step in steps:
            table.add_row(str(step.get("step", "")), numbers.count(step.get("searches")))
        console.print(table)


def _change(figures: dict[str, Any]) -> None:
    for outcome, its in (figures.get("its") or {}).items():
        if not its:
            continue
        _say(f"{outcome.replace('_', ' ')}: level change {_estimate(its.get('level_change'), '{:.3g}')}, "
             f"slope change {_estimate(its.get('slope_change'), '{:.3g}')} per month")
    did = figures.get("did")
    if did:
        _say(f"difference in differences: {_estimate(did.get('estimate') if 'estimate' in did else did, '{:.3g}')}")


def _rates(figures: dict[str, Any]) -> None:
    table = Table(title="Ratio to White (95% intervals)", title_justify="left")
    for name in ("area", "group", "searches", "ratio", "Wald", "exact", "standardised", "rank (95%)"):
        table.add_column(name)
    for area in figures.get("areas") or []:
        rank = area.get("rank") or {}
        for g in area.get("groups") or []:
            std = g.get("standardised") or {}
            table.add_row(
                str(area.get("area_name") or area.get("area_code")), g["group"], numbers.count(g.get("searches")),
                "suppressed" if g.get("ratio") is None else f"{g['ratio']:.2f}",
                _interval(g.get("wald")), _interval(g.get("exact")),
                "" if std.get("ratio") is None else f"{std['ratio']:.2f} ({_interval(std)})",
                "" if rank.get("rank") is None else f"{rank['rank']} ({rank.get('low')}-{rank.get('high')})",
            )
    console.print(table)


PRINTERS = {"darkness": _darkness, "change": _change, "rates": _rates}


def print_test(doc: dict[str, Any]) -> None:
    scope = doc["scope"]
    where = scope.get("area_name") or scope.get("force")
    _say(f"{TESTS[doc['test']]}")
    _say(f"{where}, {scope['from']} to {scope['to']}")
    for sentence in doc.get("cannot_show", []):
        _say(f"cannot show: {sentence}")
    if not doc["available"]:
        for reason in doc["refused"]:
            _say(f"no figure: {reason}")
    else:
        PRINTERS[doc["test"]](doc["figures"])
    for sentence in doc.get("assumptions", []):
        _say(f"assumes: {sentence}")
    print_notes(doc.get("notes", []))
