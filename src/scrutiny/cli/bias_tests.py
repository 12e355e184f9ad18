"""`scrutiny bias --test NAME --format table`: a test's document for a reader at a terminal.

Refusals and caveats come first, as on the dashboard: a figure is read only after what it cannot show.
"""

from __future__ import annotations

from typing import Any

from rich import box
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
    return f"{fmt.format(d['low'])}–{high}"


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
    areas = figures.get("areas") or []
    groups = [g["group"] for g in areas[0]["groups"]] if areas else []
    for group in groups:
        rows = []
        for area in areas:
            entry = next(g for g in area["groups"] if g["group"] == group)
            rank = (area.get("rank") or {}).get(group) or {}
            rows.append((area, entry, rank))
        rows.sort(key=lambda r: -1.0 if r[1]["ratio"] is None else r[1]["ratio"], reverse=True)
        table = Table(title=f"{group} people's search rate per resident, as a ratio to White people's (exact 95% "
                            "interval; the Wald one is in the JSON)", title_justify="left", box=box.SIMPLE_HEAD,
                      pad_edge=False)
        table.add_column("area", min_width=14, overflow="fold")
        for name in ("searches", "ratio", "95%", "age-sex", "95%", "rank", "P(top)"):
            table.add_column(name, justify="right", no_wrap=True)
        for area, entry, rank in rows:
            std = entry.get("standardised") or {}
            table.add_row(
                str(area.get("area_name") or area.get("area_code")), numbers.count(entry.get("searches")),
                "suppressed" if entry.get("ratio") is None else f"{entry['ratio']:.2f}",
                _interval(entry.get("exact")),
                "" if std.get("ratio") is None else f"{std['ratio']:.2f}", _interval(std),
                "" if rank.get("rank") is None else f"{rank['rank']} ({rank['low']}–{rank['high']})",
                "" if rank.get("p_highest") is None else numbers.pct(rank["p_highest"]),
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
