"""`scrutiny bias --test NAME --format table`: a test's document for a reader at a terminal.

Refusals and caveats come first, as on the dashboard: a figure is read only after what it cannot show.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from scrutiny.bias.names import TESTS
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
    _say(f"odds ratio of a searched person being {figures['group']} (against White) after dark: "
         f"{figures['odds_ratio']:.2f} ({figures['ci_low']:.2f}–{figures['ci_high']:.2f}), evening window "
         f"{figures['window']['start']}–{figures['window']['end']} UK time")
    table = Table(title="Searches at each step", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("step")
    table.add_column("searches", justify="right")
    for step, n in figures["steps"].items():
        table.add_row(step.replace("_", " "), numbers.count(n))
    console.print(table)


def _fit(name: str, fit: dict[str, Any] | None) -> None:
    if not fit:
        return
    if not fit.get("available"):
        _say(f"{name}: not given: {'; '.join(fit.get('refused') or [])}")
        return
    if "level_change" in fit:
        _say(f"{name}: step at the change {_estimate(fit['level_change'], '{:.3g}')}, change in monthly trend "
             f"{_estimate(fit['slope_change'], '{:.3g}')}")
    else:
        trends = fit.get("parallel_trends") or {}
        _say(f"{name}: {_estimate(fit.get('estimate'), '{:.3g}')}; trends before the change "
             f"{'consistent' if trends.get('consistent') else 'NOT parallel: read with care'}")


def _change(figures: dict[str, Any]) -> None:
    its = figures.get("its") or {}
    _fit("searches per 1,000 residents a month", its.get("search_rate"))
    _fit(f"log of the {figures['group']}/White ratio", its.get("log_ratio"))
    did = figures.get("did")
    if did:
        _fit("difference in differences, searches per 1,000", did.get("search_rate"))
        _fit("difference in differences, log ratio", did.get("log_ratio"))


def _rates(figures: dict[str, Any]) -> None:
    from scrutiny.bias.rates import areas_by_ratio

    areas = figures.get("areas") or []
    groups = [g["group"] for g in areas[0]["groups"]] if areas else []
    for group in groups:
        rows = [(r["area"], r["entry"], r["rank"] or {}) for r in areas_by_ratio({"figures": figures}, group)]
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
