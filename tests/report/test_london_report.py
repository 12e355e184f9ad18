"""`scrutiny report --london --quarter`: one London picture (the Metropolitan, City of London and British Transport
Police's searches inside Greater London) for a calendar quarter, on the real April to September 2021 files of the
three forces (`police_uk/archive/2021-0[4-9]/`; the Met published none for April and May), `census2021/` and
`geography/`. Its figures are the metrics document's for the same scope: `--force btp,city-of-london,metropolitan
--area London`, July to September 2021, and April to June for the quarter before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.hotspots import compute_hotspots
from tests.conftest import shared

pytestmark = pytest.mark.shared_data

FORCES = ("btp", "city-of-london", "metropolitan")
FILES = tuple(("police_uk", "archive", f"2021-0{m}", f"2021-0{m}-{force}-stop-and-search.csv")
              for m in range(4, 10) for force in FORCES if (m, force) not in {(4, "metropolitan"), (5, "metropolitan")})
LONDON = "btp,city-of-london,metropolitan"


@pytest.fixture(scope="module")
def london_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("london-report") / "london.duckdb"
    paths = [shared(*f) for f in FILES] + [shared("census2021"), shared("geography")]
    assert not shared("police_uk", "archive", "2021-04").joinpath("2021-04-metropolitan-stop-and-search.csv").exists()
    result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_the_quarter_report_is_london_inside_its_boundary(london_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "london.html"
    result = CliRunner().invoke(app, ["report", "--london", "--quarter", "2021Q3", "--out", str(out),
                                      "--db", str(london_db)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    doc = compute_metrics(london_db, Scope("btp,city-of-london,metropolitan", "London", "2021-07", "2021-09"))
    assert doc["scope"]["area"] == "E12000007" and doc["scope"]["area_name"] == "London"
    every = compute_metrics(london_db, Scope("btp,city-of-london,metropolitan", None, "2021-07", "2021-09"))
    assert 0 < doc["searches"] < every["searches"]  # BTP's searches outside London, and those with no place, left out
    assert ("<h1>All searches, London (British Transport Police, City of London Police and Metropolitan Police "
            "Service), July to September 2021</h1>") in html
    assert f"<div><dt>Searches</dt><dd>{doc['searches']:,}</dd></div>" in html
    boroughs = re.search(r'<section id="boroughs".*?</section>', html, re.S)
    assert boroughs and "<svg" in boroughs.group(0)
    hackney = next(a for a in doc["areas"] if a["area_code"] == "E09000012")
    assert '<th scope="row">Hackney</th>' in boroughs.group(0) and f"{hackney['searches']:,}" in boroughs.group(0)


@pytest.mark.parametrize(("args", "message"), [
    (["--london", "--quarter", "2021Q5"], "bad quarter '2021Q5': expected a year and a quarter, like 2018Q3"),
    (["--london", "--force", "metropolitan", "--quarter", "2021Q3"], "--london sets the forces and the area"),
    (["--london", "--area", "Hackney", "--quarter", "2021Q3"], "--london sets the forces and the area"),
    (["--force", "metropolitan", "--quarter", "2021Q3", "--from", "2021-07"], "give either --quarter or --from"),
    (["--quarter", "2021Q3"], "give --force (e.g. --force metropolitan), or --london"),
    (["--london", "--from", "2021-07"], "give --from and --to (YYYY-MM), or --quarter"),
])
def test_a_mistake_is_one_line(london_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path / "r.html"), "--db", str(london_db)])
    assert result.exit_code == 1 and message in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "r.html").exists()


@pytest.fixture(scope="module")
def quarter_html(london_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The quarterly report of July to September 2021, written once for the tests that read its sections."""
    out = tmp_path_factory.mktemp("london-quarter") / "london.html"
    result = CliRunner().invoke(app, ["report", "--london", "--quarter", "2021Q3", "--out", str(out),
                                      "--db", str(london_db)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert found, f"no section {name}"
    return re.sub(r"\s+", " ", found.group(0))


def test_the_quarter_opens_with_the_quarter_before(london_db: Path, quarter_html: str) -> None:
    brief = _section(quarter_html, "summary")
    now = compute_metrics(london_db, Scope(LONDON, "London", "2021-07", "2021-09"))
    before = compute_metrics(london_db, Scope(LONDON, "London", "2021-04", "2021-06"))
    change = (now["searches"] - before["searches"]) / before["searches"]
    move = f"{'rose' if change > 0 else 'fell'} {abs(change) * 100:.0f}%"
    assert (f"There were {now['searches']:,} searches in July to September 2021: the number {move} on the quarter "
            f"({before['searches']:,} in April to June 2021).") in brief
    # The Met published one month of the quarter before: the comparison says it is not like with like.
    assert ("Not like with like: Metropolitan Police Service published 3 months of July to September 2021 and 1 of "
            "April to June 2021.") in brief
    drugs_now, drugs_before = now["object_groups"]["drugs"], before["object_groups"]["drugs"]
    assert f"from {drugs_before['count']:,} to {drugs_now['count']:,}: {drugs_now['share'] * 100:.1f}% of all" in brief
    black = next(r for r in now["disproportionality"] if r["group"] == "Black")
    assert (f"Across all searches, Black people were searched at {black['ratio_vs_white']:.2f} times (95% interval "
            f"{black['ci_low']:.2f}–{black['ci_high']:.2f}) the rate of White people") in brief


def test_the_five_busiest_boroughs_have_hotspot_maps(london_db: Path, quarter_html: str) -> None:
    section = _section(quarter_html, "hotspots")
    doc = compute_metrics(london_db, Scope(LONDON, "London", "2021-07", "2021-09"))
    boroughs = sorted((a for a in doc["areas"] if a["area_code"].startswith("E09")),
                      key=lambda a: (-a["searches"], a["area_name"]))[:5]
    named = re.findall(r"<strong>Figure \d+\.</strong> ([^:]+): ([\d,]+) searches", section)
    assert [n for n, _ in named] == [b["area_name"] for b in boroughs]
    for (name, searches), borough in zip(named, boroughs, strict=True):
        spots = compute_hotspots(london_db, Scope(LONDON, borough["area_code"], "2021-07", "2021-09"))
        assert searches == f"{spots['searches']:,}", name
    assert section.count("<svg") == 5
    # every count on a square is at least 5: a withheld square says so without its count
    shown = [int(n.replace(",", "")) for n in re.findall(r"<title>([\d,]+) searches", section)]
    assert shown and min(shown) >= 5 and "<title>fewer than 5 searches" in section


def test_the_brief_is_one_page_of_the_same_figures(london_db: Path, tmp_path: Path, browser: Any) -> None:
    import logging

    import weasyprint

    out = tmp_path / "brief.html"
    result = CliRunner().invoke(app, ["report", "--london", "--quarter", "2021Q3", "--brief", "--out", str(out),
                                      "--pdf", "--db", str(london_db)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    doc = compute_metrics(london_db, Scope(LONDON, "London", "2021-07", "2021-09"))
    before = compute_metrics(london_db, Scope(LONDON, "London", "2021-04", "2021-06"))
    assert "Stop and search in London: July to September 2021" in text
    change = round(abs(doc["searches"] - before["searches"]) / before["searches"] * 100)
    way = "up" if doc["searches"] > before["searches"] else "down"
    assert f"{doc['searches']:,} searches, {way} {change}% on the quarter before" in text
    drugs = doc["object_groups"]["drugs"]["share"]
    assert f"About {round(drugs * 10)} in 10 searches were for drugs ({drugs * 100:.1f}%)" in text
    nfa = doc["outcomes"]["no_further_action"]["share"]
    assert f"About {round(nfa * 10)} in 10 searches ended with no further action" in text
    assert f"{doc['children']:,} searches of children under 18" in text
    black = next(r for r in doc["disproportionality"] if r["group"] == "Black")
    assert f"Black people were searched {black['ratio_vs_white']:.1f} times as often as White people" in text
    assert "95% interval" not in text  # plain words: the change test is said without its interval
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pages = weasyprint.HTML(string=html, url_fetcher=weasyprint.urls.URLFetcher(allowed_protocols=("data",))).render()
    assert len(pages.pages) == 1
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(out.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
        assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main li')).fontSize)") >= 16
    finally:
        context.close()


def test_the_brief_takes_no_versus(london_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--london", "--quarter", "2021Q3", "--brief", "--versus", "2021-06",
                                      "--out", str(tmp_path / "b.html"), "--db", str(london_db)])
    assert result.exit_code == 1 and "--brief compares the period with the one just before it" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "b.html").exists()


def test_the_met_s_targets_are_judged_on_its_own_searches(london_db: Path, quarter_html: str) -> None:
    section = _section(quarter_html, "objects")
    met = compute_metrics(london_db, Scope("metropolitan", None, "2021-07", "2021-09"))
    assert len(met["targets"]) == 3
    assert f"Metropolitan Police Service's own targets (set in 2016), judged on all its {met['searches']:,} " in section
    names = {"drugs": "Drugs", "weapons": "Weapons", "key_crime": "Key crime"}
    for t in met["targets"]:
        verdict = "✓ Met" if t["met"] else "✗ Not met"
        words = "at least" if t["op"] == ">=" else "at most"
        assert (f"{verdict}</span>: {names[t['group']]} {t['actual'] * 100:.1f}%, target {words} "
                f"{t['target'] * 100:.1f}%") in section
