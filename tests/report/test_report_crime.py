"""The report's "Recorded crime and what happened next" section, from the metrics document's `crime` key, on the
hand-made crime fixture (tests/crime_fixture.py, every figure counted by eye in tests/metrics/test_crime_fixture.py):
the figures as the report words them, left out when no street crime is loaded, crime types from files escaped."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from scrutiny.metrics import Scope, compute_metrics
from scrutiny.report import render
from scrutiny.report.pdf import write_pdf
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import FIXTURES
from tests.crime_fixture import write_fixture

CENSUS = FIXTURES / "census" / "ts022_small.csv"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("crime_report")
    write_fixture(folder)
    db = folder / "w.duckdb"
    ingest_paths([folder, CENSUS], db)
    document: dict[str, Any] = compute_metrics(db, Scope("metropolitan", None, "2024-01", "2024-03"))
    assert document["crime"] is not None
    return document


def shown(k: int, n: int) -> str:
    """A share and its Wilson 95% interval (from its formula, z = 1.96) as the report words them."""
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return f"{p * 100:.1f}% ({max(0.0, centre - half) * 100:.1f}%–{min(1.0, centre + half) * 100:.1f}%)"


def section(html: str) -> str:
    found = re.search(r'<section id="crime".*?</section>', html, re.S)
    assert found, "no crime section"
    return found.group(0)


def words(html: str) -> str:
    text = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"</?(strong|code|span)\b[^>]*>", "", text)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_section_gives_the_fixture_s_figures(doc: dict[str, Any]) -> None:
    html = render(doc)
    assert '<a href="#crime">Recorded crime and what happened next</a>' in html
    text = words(section(html))
    assert "6 crimes, of them 4 drug crimes" in text and "counted apart and is not crime: 1 incidents" in text
    for crime_type, n in (("Drugs", 4), ("Burglary", 1), ("Violence and sexual offences", 1)):
        assert f"{crime_type} {n}" in text
    assert "Anti-social behaviour (incidents, not crimes) 1" in text
    assert "Of the 4 drug crimes, 4 have a Crime ID" in text
    assert "4 have an outcome loaded and 0 are not linked yet" in text
    assert "a crime with no outcome loaded is not linked yet, not a crime where nothing happened" in text
    interval = shown(1, 4).split(" ")[1].strip("()")
    assert f"Charged or summonsed 25.0% 95% interval {interval}; 1 of the 4 with an outcome" in text
    assert f"No further action 25.0% 95% interval {interval}; 1 of the 4 with an outcome" in text
    assert "Months to a first outcome (median) 1 from the crime's month, over 4 crimes with an outcome" in text
    for label in ("Court result: convicted or sentenced", "Community resolution", "Drugs possession warning",
                  "Investigation complete: no suspect identified"):
        assert f"{label} 1 {shown(1, 4)}" in text  # the latest outcome of each drug crime
    assert f"Under investigation 2 {shown(2, 4)}" in text  # as the street files published it
    assert f"Charged or summonsed 1 {shown(1, 5)}" in text  # every event: A1 charged, then fined
    assert "same month 0 1 month 3 2 months 1 3-5 months 0 6-11 months 0 12 months or more 0" in text
    assert "Mar 2024 1 1 3 2" in text  # linking
    assert ("1.50 searches for drugs per recorded drug crime: 3 searches and 2 drug crimes, over the months with "
            "both loaded (Jan 2024)") in text
    assert "Most recorded drug crimes are themselves the finds of searches" in text
    assert "Street-level crime and crime outcomes: data.police.uk" in html


def test_the_charts_carry_the_intervals(doc: dict[str, Any]) -> None:
    crime = section(render(doc))
    charts = re.findall(r'<svg class="chart".*?</svg>', crime, re.S)
    assert len(charts) == 2  # crimes by type; the drug crimes' latest outcome
    assert 'aria-label="Recorded crimes by type"' in charts[0]
    assert 'aria-label="Drugs crimes: latest outcome, with 95% intervals"' in charts[1]
    assert charts[1].count(shown(1, 4)) == 4
    assert re.findall(r"Figure (\d+)\.", crime) == [n for n in re.findall(r"Figure (\d+) as a table", crime)]


def test_with_no_outcome_loaded_the_published_category_is_drawn(doc: dict[str, Any]) -> None:
    unlinked = copy.deepcopy(doc)
    out = unlinked["crime"]["outcomes"]
    out.update(with_outcome=0, not_linked_yet=4, latest_outcome=[], outcome_events=[], events=0)
    text = words(section(render(unlinked)))
    assert "No outcome is loaded for these crimes, so this is the last outcome category the street files" in text
    assert f"Under investigation 2 {shown(2, 4)}" in text and "Latest outcome" not in text


def test_no_section_without_street_crime(doc: dict[str, Any]) -> None:
    without = {**doc, "crime": None}
    html = render(without)
    assert 'id="crime"' not in html and 'href="#crime"' not in html and "Street-level crime" not in html
    example = json.loads((FIXTURES / "metrics" / "example.json").read_text(encoding="utf-8"))
    assert 'id="crime"' not in render(example)  # a document from before the crime key


def test_a_crime_type_from_a_file_is_escaped(doc: dict[str, Any]) -> None:
    hostile = copy.deepcopy(doc)
    hostile["crime"]["recorded"]["by_type"].append({"type": HOSTILE, "crimes": 1})
    html = render(hostile)
    assert HOSTILE not in html
    assert "<th scope=\"row\">&lt;script&gt;alert(1)&lt;/script&gt;</th>" in html  # the table
    chart = re.search(r'<svg class="chart"[^>]*aria-label="Recorded crimes by type".*?</svg>', html, re.S)
    assert chart and "&lt;script&gt;" in chart.group(0)  # the chart's name for the bar (set in lines)


@pytest.mark.pdf
def test_the_pdf_has_the_section(doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "crime.pdf"
    write_pdf(render(doc), out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
