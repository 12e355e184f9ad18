"""The report lays out the metrics document faithfully, safely and self-contained (no outside requests).

Most tests render the hand-written example document (tests/fixtures/metrics/example.json, which follows
the contract in docs/metrics.md); the last ones build a report end to end from a tiny warehouse through the CLI.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import shapely
import typer
from typer.testing import CliRunner

from scrutiny.cli import report as report_cli
from scrutiny.report import render
from scrutiny.report.charts import class_limits, nice_ticks
from scrutiny.report.geometry import SHRINK, load_shapes, project
from scrutiny.report.pdf import write_pdf
from scrutiny.sources.boundaries import Area
from tests.conftest import FIXTURES, write_archive

EXAMPLE = FIXTURES / "metrics" / "example.json"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def doc() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def box(code: str, name: str, lon: float, lat: float) -> Area:
    return Area(code, name, shapely.box(lon, lat, lon + 0.05, lat + 0.03))


@pytest.fixture
def shapes(doc: dict[str, Any]) -> list[Area]:
    """A square per borough of the example in a row, plus the City, which the example has no figures for: a small
    square in the gap between the first two, inside the boroughs' extent as the real City is (the map draws an
    area with no figures among the scope's own, not one away from them)."""
    boroughs = [a for a in doc["areas"] if a["area_code"] != "unknown"]
    return [box(a["area_code"], a["area_name"], -0.3 + 0.06 * i, 51.5) for i, a in enumerate(boroughs)] + [
        Area("E09000001", "City of London", shapely.box(-0.249, 51.51, -0.241, 51.52))
    ]


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(0)


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def test_headline_figures_come_formatted_from_the_document(doc: dict[str, Any]) -> None:
    headline = section(render(doc), "headline")
    black = next(r for r in doc["disproportionality"] if r["group"] == "Black")
    # 31,847 searches, 30,912 of people, find rate 26.6%, arrest rate 12.5%, Black 4.58x (4.45-4.71) ...
    expected = [
        f"{doc['searches']:,}", f"{doc['person_searches']:,}", pct(doc["outcomes"]["find_rate"]),
        pct(doc["outcomes"]["arrest_rate"]), f"{black['ratio_vs_white']:.2f}×",
        f"95% interval {black['ci_low']:.2f}–{black['ci_high']:.2f}", f"{doc['children']:,}",
        pct(doc["unknown_ethnicity_share"]),
    ]
    assert expected == ["31,847", "30,912", "26.6%", "12.5%", "4.58×", "95% interval 4.45–4.71", "3,422", "18.4%"]
    for text in expected:
        assert text in headline, text


def test_strip_searches_not_published_when_null_and_shown_when_published(doc: dict[str, Any]) -> None:
    assert doc["strip_searches"] is None
    html = render(doc)
    assert "not published" in section(html, "headline")
    assert "not published" in section(html, "age")
    published = copy.deepcopy(doc) | {"strip_searches": 1234, "child_strip_searches": 56}
    html = render(published)
    assert "not published" not in section(html, "headline") + section(html, "age")
    assert "1,234" in section(html, "headline") and "56" in section(html, "age")


def test_suppressed_ratios_are_marked_in_table_and_chart(doc: dict[str, Any]) -> None:
    other = next(r for r in doc["disproportionality"] if r["group"] == "Other")
    assert other["suppressed"] and other["ratio_vs_white"] is None
    part = section(render(doc), "disproportionality")
    row = re.search(r'<tr><th scope="row">Other</th>.*?</tr>', part, re.S)
    assert row and '<span class="suppressed">suppressed</span>' in row.group(0)
    assert "suppressed (fewer than 10 searches)" in part.split("<table>")[0]  # drawn in the chart
    age = section(render(doc), "age-specific")
    suppressed = sum(1 for r in doc["age_specific"] if r["suppressed"])
    assert age.count('<span class="suppressed">suppressed</span>') == suppressed


def test_missing_population_is_not_called_suppressed(doc: dict[str, Any]) -> None:
    """A force with no Census population (British Transport Police) has rates and ratios of null, unsuppressed."""
    for r in doc["disproportionality"]:
        r |= {"population": None, "rate_per_1000": None, "ratio_vs_white": None, "ci_low": None, "ci_high": None,
              "suppressed": False, "unknown_bounds": None}
    html = render(doc)
    part = section(html, "disproportionality")
    assert "suppressed (fewer" not in part and part.count("no population figures") == 9  # 4 ratios, 5 rates
    assert "1 (reference)" not in part and "not available" in section(html, "headline")


def test_targets_say_met_or_not_met_in_words_and_symbols(doc: dict[str, Any]) -> None:
    part = section(render(doc), "objects")
    met = [t for t in doc["targets"] if t["met"]]
    assert [t["group"] for t in met] == ["weapons"]
    table = part.split("<table>")[1]
    assert table.count("✓ Met") == 1 and table.count("✗ Not met") == 2
    assert "✓ Met</span>: Weapons 21.0%, target at least 20.0%" in " ".join(part.split())
    assert "✓ met" in part and "✗ not met" in part  # the chart labels its bars too, not by colour alone


def test_every_chart_has_a_caption_and_a_table(doc: dict[str, Any], shapes: list[Area]) -> None:
    html = render(doc, shapes)
    figures = re.findall(r"<figure>(.*?)</figure>", html, re.S)
    assert len(figures) == 8
    for figure in figures:
        assert figure.count("<figcaption>") == 1 and "<table" in figure and "<svg" in figure
        assert re.search(r"<caption>Figure \d+ as a table</caption>", figure)
    charts = re.findall(r"<svg[^>]*>", html)
    assert len(charts) == 10 == sum(f.count("<svg") for f in figures)
    assert all('role="img"' in c and "aria-label=" in c for c in charts)
    monthly = section(html, "trend")
    for m in doc["monthly"]:
        assert f"{m['searches']:,}" in monthly.split("<table>")[1]


def test_borough_table_and_map(doc: dict[str, Any], shapes: list[Area]) -> None:
    part = section(render(doc, shapes), "boroughs")
    lambeth = next(a for a in doc["areas"] if a["area_name"] == "Lambeth")
    row = re.search(r'<th scope="row">Lambeth</th>.*?</tr>', part, re.S)
    assert row
    for text in (f"{lambeth['searches']:,}", f"{lambeth['rate_per_1000']:.2f}", pct(lambeth["drugs_share"]),
                 f"{lambeth['black_white_ratio']:.2f}"):
        assert text in row.group(0)
    assert "No location" in part
    assert part.count("<path ") == len(shapes)
    assert f"<title>Lambeth: {lambeth['rate_per_1000']:.2f}</title>" in part
    assert "<title>City of London: no data</title>" in part
    far = section(render(doc, [*shapes, box("E06000023", "Bristol, City of", -2.6, 51.45)]), "boroughs")
    assert far.count("<path ") == len(shapes) and "Bristol" not in far  # an outline away from the scope's areas
    no_map = section(render(doc, None), "boroughs")
    assert "<svg" not in no_map and "(no map: the warehouse has no boundaries" in " ".join(no_map.split())


def test_area_report_has_no_borough_section(doc: dict[str, Any], shapes: list[Area]) -> None:
    area = copy.deepcopy(doc)
    area["scope"] |= {"area": "E09000012", "area_name": "Hackney"}
    html = render(area, shapes)
    assert 'id="boroughs"' not in html
    assert "<h1>All searches, Hackney (Metropolitan Police Service), June to September 2021</h1>" in html


def test_nothing_is_fetched_from_outside(doc: dict[str, Any], shapes: list[Area]) -> None:
    html = render(doc, shapes)
    assert not re.search(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.I)
    assert not re.search(r"<(?:script|link|img|iframe|object|embed)\b", html, re.I)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    sources = re.search(r'<ul class="sources">.*?</ul>', html, re.S)
    assert sources and "https://" in sources.group(0)  # readers get the addresses, as text
    rest = html.replace(sources.group(0), "")
    assert "http://" not in rest and "https://" not in rest


def test_licence_attribution_and_notes(doc: dict[str, Any]) -> None:
    html = render(doc)
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in html
    assert "Contains OS data © Crown copyright and database right" in html
    notes = section(html, "notes")
    for note in doc["notes"]:
        assert note.replace("'", "&#39;") in notes


def test_strings_from_data_are_escaped(doc: dict[str, Any], shapes: list[Area]) -> None:
    hostile = copy.deepcopy(doc)
    hostile["areas"][0]["area_name"] = HOSTILE
    hostile["notes"].append(HOSTILE)
    hostile["scope"]["force"] = HOSTILE
    shapes = [Area(s.code, HOSTILE, s.geometry) for s in shapes]
    html = render(hostile, shapes)
    assert "<script" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 1 + 1 + 1 + len(shapes)  # borough row, note, title, every map outline


def test_projection_keeps_shape_and_north_up() -> None:
    square = Area("A", "A", shapely.box(0.0, 51.5, 0.1, 51.6))
    (path,), height = project([square], width=100)
    assert height == pytest.approx(100 / SHRINK)  # a degree of longitude is cos(51.5°) of a degree of latitude
    assert path.d.startswith("M") and path.d.endswith("Z")
    points = [tuple(map(float, p.split())) for p in path.d[1:-1].split("L")]
    assert {round(x) for x, _ in points} == {0, 100} and {round(y) for _, y in points} == {0, round(height)}
    assert project([], 100) == ([], 0.0)


def test_chart_scales() -> None:
    assert nice_ticks(4.58) == [0, 1, 2, 3, 4, 5]
    assert nice_ticks(0.62) == [0, 0.2, 0.4, 0.6000000000000001, 0.8]
    assert class_limits([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]) == [2, 4, 6, 8, 10]
    assert class_limits([3.0, 3.0]) == [3.0]
    assert class_limits([]) == []


@pytest.mark.pdf
def test_pdf_is_written(doc: dict[str, Any], shapes: list[Area], tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    write_pdf(render(doc, shapes), out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


# --- end to end: a tiny warehouse, the CLI --------------------------------------------------------------

BLACK = "Black/African/Caribbean/Black British - African"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
EAST, WEST = "51.515,-0.075", "51.515,-0.145"  # inside the two squares below


def _row(where: str, ethnicity: str, obj: str, outcome: str, age: str = "18-24") -> str:
    return (f"Person search,2024-01-15T12:00:00+00:00,False,,{where},Male,{age},{ethnicity},,"
            f"Misuse of Drugs Act 1971 (section 23),{obj},{outcome},,")


def _square(code: str, name: str, lon: float) -> dict[str, Any]:
    ring = [[lon, 51.5], [lon + 0.05, 51.5], [lon + 0.05, 51.53], [lon, 51.53], [lon, 51.5]]
    return {"type": "Feature", "properties": {"CODE": code, "NAME": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """January 2024 of the Metropolitan Police in two boroughs; one borough's name is hostile."""
    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("tiny")
    rows = (
        [_row(EAST, BLACK, "Controlled drugs", "A no further action disposal")] * 12
        + [_row(EAST, BLACK, "Stolen goods", "Arrest", "10-17")] * 3
        + [_row(WEST, WHITE, "Offensive weapons", "Arrest")] * 11
        + [_row(",", WHITE, "Controlled drugs", "A no further action disposal", "")] * 2
    )
    write_archive(folder, "2024-01", "metropolitan", rows)
    (folder / "london.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        _square("E09000002", HOSTILE, -0.1), _square("E09000003", "Barnet", -0.17)]}))
    (folder / "lookup.csv").write_text(
        "\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM\n"
        "1,E09000002,Barking and Dagenham,E22000186,Barking and Dagenham,E23000001,Metropolitan Police\n"
        "2,E09000003,Barnet,E22000187,Barnet,E23000001,Metropolitan Police\n")
    header = ("Lower tier local authorities Code,Lower tier local authorities,"
              "Ethnic Group (detailed) (288 categories) Code,Ethnic Group (detailed) (288 categories),Observation")
    census = [f'{code},{name},40,"Black, Black British, Black Welsh of African background: Nigerian",{black}\n'
              f'{code},{name},200,"White: English, Welsh, Scottish, Northern Irish or British",{white}'
              for code, name, black, white in (("E09000002", "Barking and Dagenham", 1000, 3000),
                                               ("E09000003", "Barnet", 500, 6000))]
    (folder / "ts022.csv").write_text("\n".join([header, *census]) + "\n")
    db = folder / "tiny.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def report_app() -> typer.Typer:
    """An app with only `report`, as `scrutiny.cli` registers it."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Scrutiny."""

    report_cli.register(app)
    return app


def run_report(*args: str | Path) -> Any:
    return CliRunner().invoke(report_app(), ["report", *map(str, args)])


def test_report_end_to_end(tiny_db: Path, tmp_path: Path) -> None:
    from scrutiny.metrics import Scope, compute_metrics

    out = tmp_path / "out" / "report.html"
    result = run_report("--force", "metropolitan", "--from", "2024-01", "--to", "2024-01", "--out", out,
                        "--db", tiny_db)
    assert result.exit_code == 0, result.output
    # The console wraps at its width: a long temporary path (e.g. under pytest-xdist) may be folded.
    assert f"wrote{out}" in "".join(result.output.split()) and not out.with_suffix(".pdf").exists()
    html = out.read_text(encoding="utf-8")
    doc = compute_metrics(tiny_db, Scope("metropolitan", None, "2024-01", "2024-01", "self"))
    assert doc["searches"] == 28
    headline = section(html, "headline")
    assert "<dd>28</dd>" in headline and f"<dd>{pct(doc['outcomes']['find_rate'])}</dd>" in headline
    boroughs = section(html, "boroughs")
    assert boroughs.count("<path ") == 2 and "Barnet" in boroughs
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in boroughs
    assert "http://" not in html.replace(section(html, "methods"), "")
    assert [(a.code, a.name) for a in load_shapes(tiny_db)] == [("E09000002", HOSTILE), ("E09000003", "Barnet")]


def test_report_errors_are_one_line(tiny_db: Path, tmp_path: Path) -> None:
    result = run_report("--force", "nowhere", "--from", "2024-01", "--to", "2024-01", "--out",
                        tmp_path / "r.html", "--db", tiny_db)
    assert result.exit_code == 1 and "unknown force 'nowhere'" in result.output
    assert not (tmp_path / "r.html").exists()


@pytest.mark.pdf
def test_report_pdf_through_cli(tiny_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = run_report("--force", "metropolitan", "--from", "2024-01", "--to", "2024-01", "--out", out,
                        "--pdf", "--db", tiny_db)
    assert result.exit_code == 0, result.output
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    elsewhere = tmp_path / "pdf" / "x.pdf"
    result = run_report("--force", "metropolitan", "--from", "2024-01", "--to", "2024-01", "--out", out,
                        "--pdf-out", elsewhere, "--db", tiny_db)
    assert result.exit_code == 0, result.output
    assert elsewhere.read_bytes().startswith(b"%PDF")


@pytest.mark.pdf
def test_pdf_fetches_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    html = '<p>x</p><img src="http://192.0.2.1/x.png"><img src="file:///etc/hostname">'
    write_pdf(html, tmp_path / "x.pdf")
    refused = [r.getMessage() for r in caplog.records if "disallowed protocol" in r.getMessage()]
    assert len(refused) == 2


def test_a_neighbours_area_is_listed_apart_and_not_drawn(doc: dict[str, Any], shapes: list[Area]) -> None:
    """Searches snapped across a border into another force's authority: a row apart with no rate, no outline."""
    changed = copy.deepcopy(doc)
    lambeth = next(a for a in changed["areas"] if a["area_name"] == "Lambeth")
    lambeth |= {"neighbour": True, "rate_per_1000": None, "black_white_ratio": None}
    part = section(render(changed, shapes), "boroughs")
    own, apart = part.split("Another force's area (searches at points across the border)")
    assert "<th scope=\"row\">Lambeth</th>" not in own and "<th scope=\"row\">Lambeth</th>" in apart
    # Lambeth was the westmost square: the City's square, between it and Southwark, is now outside the extent of
    # the scope's own areas, so it goes too.
    assert "<title>Lambeth" not in part and "<title>City of London" not in part
    assert part.count("<path ") == len(shapes) - 2
