"""The report's "Tests of bias" beyond the outcome test: the rates test always, the veil of darkness and a policy
change when asked for (`scrutiny report --bias-test`).

The rates warehouse is tests/bias/test_rates.py's Kent month, counted by eye there: Maidstone Black 30 and White
40 person searches, Asian 12; Sevenoaks Black 12, White 24, Mixed 5; 1,000 White, 200 Black and 300 Asian
residents in each. So Black/White is (30/200)/(40/1,000) = 3.75 in Maidstone and (12/200)/(24/1,000) = 2.50 in
Sevenoaks, Asian/White 1.00 in Maidstone and suppressed in Sevenoaks (no Asian searches). Aged 10-34 (searches
and residents of those ages): Maidstone Black (20/60)/(15/240) = 5.33, Sevenoaks Black (12/50)/(24/300) = 3.00,
Maidstone Asian (12/90)/(15/240) = 2.13. The policy-change warehouse is tests/bias/test_change_series.py's:
Maidstone's drug searches go from 20 to 40 a month per 1,000 residents in August 2023, a step of 20.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ibis
import pytest
from typer.testing import CliRunner, Result

from scrutiny.bias.darkness import darkness_document
from scrutiny.bias.rates import rates_document
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.report import charts
from scrutiny.report.build import write_report
from tests.bias.test_change_series import build_change_db
from tests.bias.test_rates import build
from tests.report.test_report import report_app

KENT = ["--force", "kent", "--from", "2024-01", "--to", "2024-01"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bias-tests-report"))


def run(db: Path, out: Path, *args: str) -> Result:
    return CliRunner().invoke(report_app(), ["report", *args, "--out", str(out), "--db", str(db)])


def report(db: Path, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    result = run(db, out, *args)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def part(html: str, test: str) -> str:
    found = re.search(rf'<div class="bias-test" id="bias-{test}">.*?\n</div>', html, re.S)
    assert found, f"no {test} test in the report"
    return found.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&").split())


def rows(html: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body
    return [[text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def group_table(html: str, group: str) -> list[list[str]]:
    found = re.search(rf'<table class="rates" data-group="{group}">.*?</table>', html, re.S)
    assert found, f"no table for {group}"
    return rows(found.group(0))


def two(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def expected_row(area: dict[str, Any], group: str) -> list[str]:
    """A row as a reader should see it, formatted here from the rates document."""
    g = next(e for e in area["groups"] if e["group"] == group)
    rank = (area["rank"] or {}).get(group)
    s = g["standardised"]
    aged = g["scenarios"]["aged_10_34"]

    def cell(e: dict[str, Any]) -> str:
        return "suppressed" if e["suppressed"] else "n/a" if e["ratio"] is None else two(e["ratio"])

    def span(d: dict[str, Any]) -> str:
        return "" if d["low"] is None else f"{two(d['low'])}–{two(d['high'])}"

    std = ("n/a" if s is None or (s["ratio"] is None and not s["suppressed"]) else "suppressed" if s["suppressed"]
           else f"{two(s['ratio'])} ({two(s['low'])}–{two(s['high'])})")
    ranked = [f"{rank['rank']} ({rank['low']}–{rank['high']})", f"{rank['p_highest'] * 100:.1f}%"] if rank else [
        "not ranked", ""]
    return [area["area_name"], f"{g['searches']:,}", cell(g), span(g["exact"]), span(g["wald"]), std, cell(aged),
            *ranked]


@pytest.fixture(scope="module")
def rates(db: Path) -> dict[str, Any]:
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        return rates_document(backend, resolve_scope(backend, Scope("kent", None, "2024-01", "2024-01")))
    finally:
        backend.disconnect()


def test_rates_tables_are_the_rates_document(db: Path, tmp_path: Path, rates: dict[str, Any]) -> None:
    html = part(report(db, tmp_path, *KENT), "rates")
    areas = {a["area_name"]: a for a in rates["figures"]["areas"]}
    black, asian = group_table(html, "Black"), group_table(html, "Asian")
    # highest ratio first; a suppressed ratio last and said in words
    assert [r[0] for r in black] == ["Maidstone", "Sevenoaks"] and [r[0] for r in asian] == ["Maidstone", "Sevenoaks"]
    assert [r[2] for r in black] == ["3.75", "2.50"] and [r[6] for r in black] == ["5.33", "3.00"]  # by hand
    assert asian[0][2] == "1.00" and asian[0][6] == "2.13" and asian[1][2:5] == ["suppressed", "", ""]
    assert asian[1][7] == "not ranked" and black[0][7].startswith("1 (") and black[1][7].startswith("2 (")
    for group, table in (("Black", black), ("Asian", asian), ("Mixed", group_table(html, "Mixed")),
                         ("Other", group_table(html, "Other"))):
        assert table == [expected_row(areas[r[0]], group) for r in table], group
    assert re.findall(r'data-group="(\w+)"', html) == ["Black", "Asian", "Mixed", "Other"]
    assert all(re.match(r"\d\.\d\d–\d+\.\d\d$", cell) for cell in (black[0][3], black[0][4], black[1][3]))


def test_what_the_tests_cannot_show_comes_before_their_figures(db: Path, tmp_path: Path,
                                                             rates: dict[str, Any]) -> None:
    html = report(db, tmp_path, *KENT)
    section = re.search(r'<section id="bias".*?</section>', html, re.S)
    assert section
    words = text(section.group(0))
    assert words.index("What the outcome test cannot show") < words.index(". Outcome test: hit rate")
    mine = part(html, "rates")
    first_table = mine.index('<table class="rates"')
    assert mine.index("What this test cannot show") < mine.index("What it assumes") < first_table
    for sentence in rates["cannot_show"]:
        assert mine.index(sentence.replace("'", "&#39;")) < first_table
    assert mine.index("What it can show") > first_table


def test_a_public_report_suppresses_the_same_ratios(db: Path, tmp_path: Path, rates: dict[str, Any]) -> None:
    out = tmp_path / "public.html"
    write_report(db, Scope("kent", None, "2024-01", "2024-01"), out, public=True)
    html = part(out.read_text(encoding="utf-8"), "rates")
    other = group_table(html, "Other")
    assert [r[2] for r in other] == ["suppressed", "suppressed"]  # no searches of Other people at all
    assert group_table(html, "Asian")[1][2] == "suppressed"
    assert group_table(html, "Black") == group_table(part(report(db, tmp_path, *KENT), "rates"), "Black")


def test_a_refused_darkness_test_gives_its_reasons(db: Path, tmp_path: Path) -> None:
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        doc = darkness_document(backend, resolve_scope(backend, Scope("kent", None, "2024-01", "2024-01")))
    finally:
        backend.disconnect()
    assert doc["available"] is False and doc["refused"]
    html = part(report(db, tmp_path, *KENT, "--bias-test", "darkness"), "darkness")
    words = text(html)
    assert "No figure: the test refused" in words
    for reason in doc["refused"]:
        assert text(reason) in words
    assert "Odds ratio of a searched person" not in words
    steps = rows(re.search(r'<table class="steps">.*?</table>', html, re.S).group(0))  # type: ignore[union-attr]
    assert steps[0] == ["Person searches in scope", f"{doc['figures']['steps']['rows']:,}"]
    assert 'id="bias-darkness"' not in report(db, tmp_path, *KENT)  # only when asked for


@pytest.mark.parametrize(("args", "message"), [
    (["--bias-test", "change", "--at", "2024-01"], "--bias-test change needs --area"),
    (["--area", "Maidstone", "--bias-test", "change"], "--bias-test change needs --at"),
    (["--bias-test", "darkness,sunrise"], "--bias-test: unknown test 'sunrise'"),
    (["--at", "2024-01"], "--at and --control are for --bias-test change"),
    (["--area", "Maidstone", "--bias-test", "change", "--at", "2024-13"], "--at: "),
])
def test_errors_are_one_line(db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "bad.html"
    result = run(db, out, *KENT, *args)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_policy_change_with_its_chart(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    change_db = build_change_db(tmp_path_factory.mktemp("change-report"))
    html = part(report(change_db, tmp_path, "--force", "kent", "--area", "Maidstone", "--from", "2023-01", "--to",
                       "2024-02", "--purpose", "drugs", "--bias-test", "change", "--at", "2023-08", "--control",
                       "Sevenoaks"), "change")
    words = text(html)
    assert "<h3>Policy change in Maidstone from August 2023</h3>" in html
    assert words.index("What this test cannot show") < words.index("Figure")
    figure = re.search(r"<figure>.*?</figure>", html, re.S)
    assert figure and figure.group(0).count("<svg") == 1 and "Step at the change: 20 (" in text(figure.group(0))
    months = rows(figure.group(0))
    assert months[0] == ["Jan 2023", "20.00", "20.00", "20.00"]
    assert months[4][:2] == ["May 2023", "no data"]  # not loaded: a gap, not a zero
    assert months[7] == ["Aug 2023", "40.00", "40.00", "20.00"]  # the step, and the line without it
    fits = rows(re.search(r'<table class="change-fit">.*?</table>', html, re.S).group(0))  # type: ignore[union-attr]
    assert fits[0][0] == "Searches per 1,000 residents" and fits[0][1].startswith("20 (")
    assert fits[2][0] == "Against Sevenoaks: searches per 1,000 residents" and fits[2][1].startswith("20 (")
    # the same test a month too early refuses, with its reason in place of figures
    early = part(report(change_db, tmp_path, "--force", "kent", "--area", "Maidstone", "--from", "2023-01", "--to",
                        "2024-02", "--bias-test", "change", "--at", "2023-02"), "change")
    assert "No figure: the test refused" in early and "<figure>" not in early and "at least 6" in text(early)


def test_the_counterfactual_chart_draws_gaps_dots_and_the_change() -> None:
    svg = charts.counterfactual_chart(["Jan", "Feb", "Mar", "Apr"], [1.0, None, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0],
                                      [1.0, 2.0, 2.5, 3.0], 2, label="A <test>", fmt=lambda v: f"{v:g}",
                                      gaps=[1])
    assert svg.count("<circle") == 3 + 1  # three observed months and the legend's dot
    assert svg.count('stroke-dasharray="6 4"') == 2  # the line without the change, and its legend
    assert ">change</text>" in svg and ">no data</text>" in svg and "A &lt;test&gt;" in svg
