"""The "Recorded crime and what happened next" section of the force and area pages, and recorded drug crimes beside
the searches on "After a search for drugs", on the hand-made crime fixture (tests/crime_fixture.py).

Every figure the section shows carries its key in the metrics document's `crime` key and equals what
/api/v1/crime answers for the same place and period; the fixture's figures, counted by eye, are also asserted as
the page words them. Without street crime the section says so in one sentence; crime types come from files and
are escaped.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import write_archive
from tests.crime_fixture import DRUGS_STOP, STREET, WEAPON_STOP, write_crime_file, write_fixture
from tests.web.conftest import LiveServer, make_client
from tests.web.test_pages import Page, lookup

with warnings.catch_warnings():  # Starlette 1.x would like httpx2 for its TestClient; httpx works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CENSUS = Path(__file__).parents[1] / "fixtures" / "census" / "ts022_small.csv"  # names Hackney and Lambeth
HACKNEY, LAMBETH = "E09000012", "E09000022"
PERIOD = {"from": "2024-01", "to": "2024-03"}
FORCE_PAGE = "/force/metropolitan?from=2024-01&to=2024-03"
AREA_PAGE = f"/force/metropolitan/area/{HACKNEY}?from=2024-01&to=2024-03"
HOSTILE = "<script>alert(1)</script>"


def in_hackney(row: str) -> str:
    """A fixture search placed in Hackney (the fixture's own have no location), so Hackney has an area page."""
    return row.replace("False,,,,Male", "False,,51.55,-0.07,Male", 1)


def square(lon: float, lat: float) -> list[list[float]]:
    return [[lon - 0.03, lat - 0.03], [lon + 0.03, lat - 0.03], [lon + 0.03, lat + 0.03], [lon - 0.03, lat + 0.03],
            [lon - 0.03, lat - 0.03]]


def write_warehouse(folder: Path, *, extra_street: list[str] | None = None) -> Path:
    """The crime fixture, its searches placed in Hackney, outlines of Hackney and Lambeth, and the Census."""
    write_fixture(folder, stops=False)
    write_archive(folder, "2024-01", "metropolitan", [in_hackney(DRUGS_STOP)] * 3 + [in_hackney(WEAPON_STOP)])
    if extra_street:
        write_crime_file(folder, "2024-03", "street", STREET["2024-03"] + extra_street)
    (folder / "boroughs.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CODE": HACKNEY, "NAME": "Hackney"},
         "geometry": {"type": "Polygon", "coordinates": [square(-0.07, 51.55)]}},
        {"type": "Feature", "properties": {"CODE": LAMBETH, "NAME": "Lambeth"},
         "geometry": {"type": "Polygon", "coordinates": [square(-0.12, 51.46)]}}]}))
    db = folder / "w.duckdb"
    ingest_paths([folder, CENSUS], db)
    return db


@pytest.fixture(scope="module")
def crime_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_warehouse(tmp_path_factory.mktemp("crime_pages"))


@pytest.fixture(scope="module")
def site(crime_db: Path) -> Iterator[TestClient]:
    with make_client(crime_db) as client:
        yield client


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval from its formula (z rounded to 1.96, as docs/metrics.md says)."""
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def shown(k: int, n: int) -> str:
    """A share and its interval as the page words them: "25.0% (4.6%–69.9%)"."""
    low, high = wilson(k, n)
    return f"{k / n * 100:.1f}% ({low * 100:.1f}%–{high * 100:.1f}%)"


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(0)


def words(html: str) -> str:
    """A section's text as a reader sees it: tags gone, spaces folded."""
    text = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"</?(data|strong|code)\b[^>]*>", "", text)  # inline: no space of their own
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace(" )", ")").replace("( ", "(")


def crime_figures(page: Page) -> list[dict[str, str]]:
    return [f for f in page.figures if f["data-key"].startswith("crime.")]


def assert_equal_to_api(site: TestClient, url: str, **params: str) -> int:
    """Every crime figure of the page at `url` equals /api/v1/crime's for `params`; how many were checked."""
    page = Page(site.get(url).text)
    answer = site.get("/api/v1/crime", params=params)
    assert answer.status_code == 200, answer.text
    doc = {"crime": answer.json()}
    figures = crime_figures(page)
    wrong = [(f["data-key"], json.loads(f["value"]), lookup(doc, f["data-key"])) for f in figures
             if json.loads(f["value"]) != lookup(doc, f["data-key"])]
    assert not wrong, wrong[:10]
    return len(figures)


# ---- the force and area pages ----------------------------------------------------------------------------

def test_every_crime_figure_on_the_force_page_is_the_api_s(site: TestClient) -> None:
    assert assert_equal_to_api(site, FORCE_PAGE, force="metropolitan", **PERIOD) > 60


def test_the_force_page_shows_the_fixture_s_figures(site: TestClient) -> None:
    response = site.get(FORCE_PAGE)
    assert response.status_code == 200
    text = words(section(response.text, "crime"))
    assert "Recorded crime and what happened next" in text
    assert "6 crimes recorded" in text and "4 of them drug crimes" in text
    assert "1 anti-social behaviour incidents, counted apart: not crimes" in text
    for crime_type, n in (("Drugs", 4), ("Burglary", 1), ("Violence and sexual offences", 1)):
        assert f"{crime_type} {n}" in text
    assert "Of the 4 drug crimes, 4 have a Crime ID" in text
    assert "4 have an outcome loaded, and 0 are not linked yet" in text
    low, high = wilson(1, 4)
    interval = f"95% interval {low * 100:.1f}%–{high * 100:.1f}%"
    assert f"25.0% charged or summonsed {interval}; 1 of the 4 with an outcome" in text
    assert f"25.0% no further action {interval}; 1 of the 4 with an outcome" in text
    # the latest outcome of each drug crime, with the labels the document carries
    for label in ("Court result: convicted or sentenced", "Community resolution", "Drugs possession warning",
                  "Investigation complete: no suspect identified"):
        assert f"{label} 1 {shown(1, 4)}" in text
    # as the street files published it, and every event (A1 was charged, then fined)
    assert f"Under investigation 2 {shown(2, 4)}" in text and f"Court result unavailable 1 {shown(1, 4)}" in text
    assert f"Charged or summonsed 1 {shown(1, 5)}" in text
    assert "1 month is the median, over the 4 drug crimes with an outcome loaded" in text
    assert "same month 0 1 month 3 2 months 1 3-5 months 0 6-11 months 0 12 months or more 0" in text
    assert ("1.50 searches for drugs per recorded drug crime: 3 searches and 2 drug crimes, over the months with both "
            "loaded (Jan 2024)") in text
    assert "Most recorded drug crimes are themselves the finds of searches" in text
    assert "a crime with no outcome loaded is not linked yet, not a crime where nothing happened" in text
    assert "Mar 2024 1 1 3 2" in text  # linking: C1 linked; three outcomes published, X's crime never was


def test_the_section_links_the_api_for_the_same_scope(site: TestClient) -> None:
    page = Page(site.get(FORCE_PAGE).text)
    assert "/api/v1/crime?force=metropolitan&from=2024-01&to=2024-03" in page.links
    area = Page(site.get(AREA_PAGE).text)
    link = f"/api/v1/crime?force=metropolitan&area={HACKNEY}&from=2024-01&to=2024-03"
    assert link in area.links
    assert site.get(link).status_code == 200


def test_the_crime_types_chart_has_the_table_s_figures(site: TestClient) -> None:
    page = Page(site.get(FORCE_PAGE).text)
    assert page.chart_tables["spec-crime-types"] == "table-crime-types"
    rows = page.specs["spec-crime-types"]["data"]["values"]
    assert [(r["type"], r["crimes"]) for r in rows] == [("Drugs", 4), ("Burglary", 1),
                                                        ("Violence and sexual offences", 1)]


def test_the_area_page_has_the_area_s_crimes(site: TestClient) -> None:
    assert assert_equal_to_api(site, AREA_PAGE, force="metropolitan", area=HACKNEY, **PERIOD) > 30
    text = words(section(site.get(AREA_PAGE).text, "crime"))
    assert "Every crime the police recorded in Hackney, January 2024 to March 2024" in text
    assert "3 crimes recorded" in text and "2 of them drug crimes" in text  # A1, A2, B2; B1 has no location
    assert "50.0% charged or summonsed" in text and "0.0% no further action" in text  # A1 of A1, A2


def test_an_htmx_swap_carries_the_section(site: TestClient) -> None:
    partial = site.get(FORCE_PAGE, headers={"HX-Request": "true"})
    assert crime_figures(Page(partial.text)) == crime_figures(Page(site.get(FORCE_PAGE).text))


def test_without_street_crime_one_sentence_says_so(client: TestClient) -> None:
    """The small Kent warehouse of tests/web/conftest.py has searches and no street crime."""
    html = client.get("/force/kent?from=2024-01&to=2024-02").text
    crime = section(html, "crime")
    assert not crime_figures(Page(crime))
    assert re.search(r'<p class="small" id="crime-none">No street crime is loaded for Kent Police, January 2024 to '
                     r"February 2024: load\s+data.police.uk's <code>\*-street.csv</code> and "
                     r"<code>\*-outcomes.csv</code> files with <code>scrutiny ingest</code>", crime)
    assert len(re.findall(r"\.(\s|$)", words(crime))) == 1  # one sentence


# ---- "After a search for drugs" --------------------------------------------------------------------------

def test_recorded_drug_crimes_stand_beside_the_searches_outcomes(site: TestClient) -> None:
    response = site.get("/disposals", params={"force": "metropolitan", **PERIOD})
    assert response.status_code == 200
    beside = section(response.text, "crime-beside")
    text = words(beside)
    assert "These are recorded crimes, not the searches' own outcomes" in text
    assert f"No further action 3 {shown(3, 3)}" in text  # the searches (all three of people for drugs)
    for label in ("Court result: convicted or sentenced", "Drugs possession warning"):
        assert f"{label} 1 {shown(1, 4)}" in text  # the drug crimes' latest outcome
    figures = crime_figures(Page(beside))
    doc = {"crime": site.get("/api/v1/crime", params={"force": "metropolitan", **PERIOD}).json()}
    assert figures and all(json.loads(f["value"]) == lookup(doc, f["data-key"]) for f in figures)
    assert "/force/metropolitan?from=2024-01&amp;to=2024-03&amp;ethnicity=self#crime" in beside


def test_the_drug_crimes_are_of_the_chosen_area(site: TestClient) -> None:
    beside = section(site.get("/disposals", params={"force": "metropolitan", "area": HACKNEY, **PERIOD}).text,
                     "crime-beside")
    assert "latest outcome of the 2 with an outcome loaded" in words(beside)


def test_searches_for_something_else_have_no_drug_crimes_beside(site: TestClient) -> None:
    html = site.get("/disposals", params={"force": "metropolitan", "purpose": "weapons", **PERIOD}).text
    assert 'id="crime-beside"' not in html


def test_without_street_crime_the_disposals_page_says_so(client: TestClient) -> None:
    beside = section(client.get("/disposals?force=kent&from=2024-01&to=2024-02").text, "crime-beside")
    assert "No street crime is loaded for Kent Police, January 2024 to February 2024" in words(beside)
    assert not crime_figures(Page(beside))


# ---- text from files ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    row = f"{'dd' * 32},2024-03,Metropolitan Police Service,Metropolitan Police Service,-0.07,51.55,On or near Mare " \
          f"Street,E01001708,Hackney 001A,{HOSTILE},Under investigation,"
    db = write_warehouse(tmp_path_factory.mktemp("crime_hostile"), extra_street=[row])
    with make_client(db) as client:
        yield client


@pytest.mark.parametrize("url", [FORCE_PAGE, AREA_PAGE])
def test_a_crime_type_from_a_file_is_escaped(hostile_site: TestClient, url: str) -> None:
    html = hostile_site.get(url).text
    assert HOSTILE not in html
    crime = section(html, "crime")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in crime  # in the table, as text
    spec = re.search(r'<script type="application/json" id="spec-crime-types">(.*?)</script>', crime, re.S)
    assert spec and "<" not in spec.group(1) and HOSTILE in json.dumps(json.loads(spec.group(1)))


def test_a_hostile_type_keeps_its_key_and_figure(hostile_site: TestClient) -> None:
    page = Page(hostile_site.get(FORCE_PAGE).text)
    assert any(f["data-key"] == f"crime.recorded.by_type.{HOSTILE}.crimes" for f in page.figures)


# ---- as a reader sees it -----------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_section_fits_a_phone_and_a_desktop(browser: Any, crime_db: Path, width: int) -> None:
    from scrutiny.web import create_app, get_settings

    with LiveServer(create_app(get_settings(crime_db))) as server:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(server.url + FORCE_PAGE, wait_until="networkidle")
        page.locator("#crime details").evaluate_all("ds => ds.forEach(d => d.open = true)")
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        page.locator("#chart-crime-types svg").wait_for()
        assert page.locator("#crime").inner_text().count("25.0%") >= 6
        context.close()
