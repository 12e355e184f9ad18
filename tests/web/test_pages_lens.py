"""The lens on the dashboard (`purpose`, `power` in the URL), the new pages (`/forces`, `/coverage`), the
disproportionality trend with its gaps, the targets note, "Did disproportionality change?" on `/compare`, and
the default period, on real shared data with a hole in it: the Metropolitan and City of London Police for
April, May and July 2018 (June not loaded), the Census 2021 and the London boundaries.

Every figure a page shows is compared with what `metrics/` computes for the same scope (`compute_metrics`,
`forces_table`, `coverage_table`, `change_between`), so a page cannot show the unlensed figure by mistake.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.change import change_between
from scrutiny.metrics.coverage import coverage_table
from scrutiny.metrics.disposals import disposals_document
from scrutiny.metrics.document import compute_metrics_with
from scrutiny.metrics.forces_table import forces_table, national_scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.web import create_app, get_settings
from scrutiny.web.pages.common import default_period
from scrutiny.web.pages.formatting import short_period
from tests.conftest import shared
from tests.web.test_pages import HACKNEY, Page, assert_figures_match, lookup, map_features

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.shared_data

MONTHS = ("2018-04", "2018-05", "2018-07")  # June 2018 is not loaded: a gap for every force
PERIOD = {"from": "2018-04", "to": "2018-07"}
Q = "from=2018-04&to=2018-07"
QA = Q.replace("&", "&amp;")  # as it is written in HTML


@pytest.fixture(scope="module")
def lens_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = [shared("police_uk", "archive", m) for m in MONTHS] + [shared("census2021"), shared("geography")]
    db = tmp_path_factory.mktemp("lens-pages") / "lens.duckdb"
    result = CliRunner().invoke(cli_app, ["ingest", *map(str, sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def site(lens_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(lens_db))) as client:
        yield client


def metrics(db: Path, force: str = "metropolitan", area: str | None = None, start: str = "2018-04",
            end: str = "2018-07", purpose: str | None = None, power: str | None = None) -> dict[str, Any]:
    return compute_metrics(db, Scope(force, area, start, end, "self", None, purpose, power))


def get(client: TestClient, url: str, status: int = 200) -> tuple[Page, str]:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:1500])
    return Page(response.text), response.text


def shown(html: str, key: str) -> str:
    """The text a reader sees for the figure at `key` (the first one)."""
    match = re.search(rf'<data value="[^"]*" data-key="{re.escape(key)}"[^>]*>([^<]*)</data>', html)
    assert match, key
    return match[1]


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match[1]


# ---- the lens changes the figures, on every page --------------------------------------------------------------

def test_force_page_with_a_purpose_shows_the_lensed_document(site: TestClient, lens_db: Path) -> None:
    drugs, every = metrics(lens_db, purpose="drugs"), metrics(lens_db)
    assert drugs["searches"] < every["searches"]
    page, html = get(site, f"/force/metropolitan?{Q}&purpose=drugs")
    assert_figures_match(page.figures, drugs)
    assert shown(html, "searches") == f"{drugs['searches']:,}"  # the lensed count, as the page formats it
    assert f">{every['searches']:,}<" not in html
    assert title(html).startswith("Searches for drugs, Metropolitan Police Service, Apr–Jul 2018")
    assert "Searches for drugs, April 2018 to July 2018" in html  # the lede says the lens too
    form = next(f for f in page.forms if "filters" in f.get("class", ""))
    assert {"from", "to", "ethnicity", "purpose", "power"} <= set(form["fields"])
    assert re.search(r'<option value="drugs" selected>Drugs</option>', html)


def test_a_power_and_a_purpose_together(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db, purpose="drugs", power="s23")
    page, html = get(site, f"/force/metropolitan?{Q}&purpose=drugs&power=s23")
    assert_figures_match(page.figures, doc)
    assert "Searches for drugs under Misuse of Drugs Act section 23" in title(html)
    options = re.findall(r'<option value="([^"]*)"[^>]*>', html.split('id="power"')[1].split("</select>")[0])
    assert options[0] == "" and "s23" in options and "s1" in options
    assert "badgers_s11" not in options  # only powers some search of the force was made under


@pytest.mark.parametrize("url", ["/", f"/force/metropolitan/area/{HACKNEY}"])
def test_home_and_area_pages_take_the_lens(site: TestClient, lens_db: Path, url: str) -> None:
    area = HACKNEY if "area" in url else None
    doc = metrics(lens_db, area=area, purpose="weapons")
    page, html = get(site, f"{url}?{Q}&purpose=weapons")
    assert doc["searches"] != metrics(lens_db, area=area)["searches"]
    assert_figures_match(page.figures, doc)
    assert shown(html, "searches") == f"{doc['searches']:,}"
    assert title(html).startswith("Searches for weapons, ")


def test_compare_takes_the_lens_for_both_sides(site: TestClient, lens_db: Path) -> None:
    url = (f"/compare?force_a=metropolitan&area_a={HACKNEY}&from_a=2018-04&to_a=2018-05&force_b=metropolitan"
           f"&area_b={HACKNEY}&from_b=2018-07&to_b=2018-07&purpose=drugs")
    page, html = get(site, url)
    for side, (start, end) in (("a", ("2018-04", "2018-05")), ("b", ("2018-07", "2018-07"))):
        doc = metrics(lens_db, area=HACKNEY, start=start, end=end, purpose="drugs")
        figures = [f for f in page.figures if f.get("data-side") == side]
        assert_figures_match(figures, doc)
        assert next(f["value"] for f in figures if f["data-key"] == "searches") == str(doc["searches"])
    assert "Compare searches for drugs: Hackney" in title(html)


def test_forces_page_takes_the_lens(site: TestClient, lens_db: Path) -> None:
    def table(purpose: str | None) -> dict[str, Any]:
        scope = national_scope("2018-04", "2018-07", "self", purpose)
        return compute_metrics_with(lens_db, lambda b: forces_table(b, resolve_scope(b, scope)))

    drugs = table("drugs")
    page, html = get(site, f"/forces?{Q}&purpose=drugs")
    assert_figures_match(page.figures, drugs)
    met = next(r for r in drugs["forces"] if r["force"] == "metropolitan")
    assert met["searches"] != next(r for r in table(None)["forces"] if r["force"] == "metropolitan")["searches"]
    assert shown(html, "forces.metropolitan.searches") == f"{met['searches']:,}"
    assert f"/force/metropolitan?{QA}&amp;ethnicity=self&amp;purpose=drugs" in html


def test_disposals_page_takes_the_lens(site: TestClient, lens_db: Path) -> None:
    scope = Scope("metropolitan", None, "2018-04", "2018-07", "self", None, "weapons", "s60")
    doc = compute_metrics_with(lens_db, lambda b: disposals_document(b, resolve_scope(b, scope)))
    drugs = compute_metrics_with(lens_db, lambda b: disposals_document(
        b, resolve_scope(b, Scope("metropolitan", None, "2018-04", "2018-07"))))
    assert doc["searches"] != drugs["searches"]
    _, html = get(site, f"/disposals?force=metropolitan&{Q}&purpose=weapons&power=s60")
    assert shown(html, "searches") == f"{doc['searches']:,}"
    assert "<h1>After a search for weapons under Section 60" in html
    black = next(g for g in doc["by_group"] if g["group"] == "Black")
    assert shown(html, "groups.Black.searches") == f"{black['searches']:,}"
    _, default = get(site, f"/disposals?force=metropolitan&{Q}")  # drugs unless another purpose is chosen
    assert shown(default, "searches") == f"{drugs['searches']:,}" and "<h1>After a search for drugs</h1>" in default


def test_downloads_links_carry_the_lens(site: TestClient) -> None:
    page, _ = get(site, f"/downloads?force=metropolitan&{Q}&purpose=drugs&power=s23")
    files = [link for link in page.links if link.startswith("/api/v1/")]
    assert f"/api/v1/searches.csv?force=metropolitan&{Q}&purpose=drugs&power=s23" in files
    assert f"/api/v1/metrics?force=metropolitan&{Q}&ethnicity=self&purpose=drugs&power=s23" in files
    csv = site.get(f"/api/v1/searches.csv?force=metropolitan&{Q}&purpose=drugs&power=s23")
    api = site.get(f"/api/v1/metrics?force=metropolitan&{Q}&purpose=drugs&power=s23").json()
    assert csv.text.count("\n") - 1 == api["searches"]


def test_every_link_a_lensed_page_makes_keeps_the_lens(site: TestClient) -> None:
    page, _ = get(site, f"/force/metropolitan?{Q}&purpose=drugs")
    own = [link for link in page.links if "?" in link and link.startswith((
        "/force/metropolitan/area/", "/compare", "/downloads", "/disposals", "/forces", "/api/v1/metrics"))]
    assert len(own) > 33
    for link in own:
        assert parse_qs(urlsplit(link).query).get("purpose") == ["drugs"], link
    for feature in map_features(page.specs["spec-map"]):
        assert "purpose=drugs" in feature["properties"]["href"]
    compare = next(link for link in own if link.startswith("/compare"))
    assert {"force_a", "force_b", "from_a", "to_b"} <= set(parse_qs(urlsplit(compare).query))
    assert site.get(compare).status_code == 200


@pytest.mark.parametrize("url", [
    f"/force/metropolitan?{Q}&purpose=cannabis",
    f"/?{Q}&purpose=cannabis",
    f"/force/metropolitan/area/{HACKNEY}?purpose=cannabis",
    "/compare?purpose=cannabis",
    "/forces?purpose=cannabis",
    "/disposals?purpose=cannabis",
    "/downloads?purpose=cannabis",
])
def test_an_unknown_purpose_is_a_400_naming_the_known_ones(site: TestClient, url: str) -> None:
    response = site.get(url)
    assert response.status_code == 400, url
    assert response.headers["content-type"].startswith("text/html")
    text = response.text.replace("&#39;", "'")
    assert "Unknown purpose 'cannabis': choose one of drugs, weapons, key_crime, other." in text
    assert "Traceback" not in text


def test_an_unknown_power_or_view_is_a_400_naming_the_known_ones(site: TestClient) -> None:
    response = site.get("/force/metropolitan?power=s99")
    assert response.status_code == 400
    assert "Unknown power &#39;s99&#39;: choose one of s1, s23, s60" in response.text
    view = site.get("/force/metropolitan?trend=weekly")
    assert view.status_code == 400 and "monthly, quarterly, rolling_12" in view.text


def test_breakdowns_by_purpose_and_power_link_to_the_same_page_with_that_lens(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    page, html = get(site, f"/force/metropolitan?{Q}")
    keys = {f["data-key"] for f in page.figures}
    assert {"breakdowns.purpose.drugs.searches", "breakdowns.purpose.weapons.black_white.ratio",
            "breakdowns.power.s1.share", "breakdowns.power.s60.find_rate"} <= keys
    assert_figures_match(page.figures, doc)
    assert f"/force/metropolitan?{QA}&amp;ethnicity=self&amp;purpose=weapons" in html
    assert f"/force/metropolitan?{QA}&amp;ethnicity=self&amp;power=s60" in html
    _, lensed = get(site, f"/force/metropolitan?{Q}&purpose=weapons")  # the chosen row is marked, not linked
    assert '<span aria-current="true">Weapons</span>' in lensed
    weapons = metrics(lens_db, purpose="weapons")
    drugs_row = next(r for r in weapons["breakdowns"]["purpose"] if r["key"] == "drugs")
    assert drugs_row["searches"] == 0 and drugs_row["black_white"]["suppressed"]
    assert shown(lensed, "breakdowns.purpose.drugs.black_white.ratio") == "too few to say"


# ---- targets, notes, areas ------------------------------------------------------------------------------------

def test_targets_only_where_the_document_judges_them(site: TestClient, lens_db: Path) -> None:
    _, met = get(site, f"/force/metropolitan?{Q}")
    assert 'id="table-targets"' in met and ("✓ met" in met or "✗ not met" in met)
    city_doc = metrics(lens_db, force="city-of-london")
    assert city_doc["targets"] == [] and city_doc["targets_note"] == "No targets are on file for City of London Police."
    _, city = get(site, f"/force/city-of-london?{Q}")
    assert 'id="table-targets"' not in city and "not met" not in city and "spec-targets" not in city
    assert city_doc["targets_note"] in city
    _, lensed = get(site, f"/force/metropolitan?{Q}&purpose=drugs")
    assert "not judged for searches for drugs alone" in lensed and "not met" not in lensed


def test_read_this_first_in_plain_words_with_the_detail_one_click_away(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    assert doc["notes"] and doc["notes_detail"]
    _, html = get(site, f"/force/metropolitan?{Q}")
    callout = html.split("Read this first")[1].split("</div>")[0]
    for note in doc["notes"]:
        assert note.replace("'", "&#39;") in callout.split("<details")[0]
    detail = callout.split('<details class="detail">')[1]
    assert "<summary>The detail</summary>" in detail
    for note in doc["notes_detail"]:
        assert note.replace("'", "&#39;") in detail


def test_outside_and_no_location_rows_come_last_apart_and_unlinked(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    pseudo = [a["area_code"] for a in doc["areas"] if a["area_code"] in ("outside", "no_location")]
    assert pseudo == ["outside", "no_location"]
    page, html = get(site, f"/force/metropolitan?{Q}")
    table = html.split('id="table-areas"')[1].split("</table>")[0]
    real, neighbours, apart = table.split('<tbody class="apart">')
    assert "Outside the loaded boundaries" not in real and "No location" not in real
    # The City of London polices the City: the Metropolitan Police's searches there are apart, with no rate.
    assert "/area/E09000001?" not in real and "policed by City of London Police" in neighbours
    assert "no rate or ratio" in neighbours and shown(html, "areas.E09000001.searches") is not None
    assert apart.index("Outside the loaded boundaries") < apart.index("No location")
    assert "/area/outside" not in html and "/area/no_location" not in html
    assert shown(html, "areas.no_location.searches") == f"{doc['data_quality']['no_location']:,}"
    assert len(map_features(page.specs["spec-map"])) == 33  # the map: boroughs only


# ---- trends: a month with no data is a gap --------------------------------------------------------------------

def test_the_monthly_trend_breaks_at_a_month_with_no_data(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    june = next(m for m in doc["monthly"] if m["month"] == "2018-06")
    assert (june["searches"], june["drugs_share"], june["find_rate"], june["covered"]) == (None, None, None, False)
    page, html = get(site, f"/force/metropolitan?{Q}")
    spec = page.specs["spec-trend"]
    values = spec["data"]["values"]
    assert {"month": "2018-06-01", "searches": None} in values  # null stays in the data (not filtered, so ...)
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["mark"]["invalid"] == "break-paths-show-domains"  # ... the line breaks there, never bridged
    assert ">June 2018</th>" in html and shown(html, "monthly.2018-06.searches") == "no data loaded"


def test_disproportionality_over_time_with_its_interval_band_and_gaps(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    page, html = get(site, f"/force/metropolitan?{Q}")
    assert_figures_match(page.figures, doc)
    spec = page.specs["spec-rt-black"]
    data = next(layer["data"]["values"] for layer in spec["layer"] if "data" in layer)
    by_period = {v["period"]: v for v in data}
    for window in doc["trend"]["monthly"]:
        black = next(g for g in window["groups"] if g["group"] == "Black")
        assert (by_period[window["period"]]["ratio"], by_period[window["period"]]["low"],
                by_period[window["period"]]["high"]) == (black["ratio_vs_white"], black["ci_low"], black["ci_high"])
    assert by_period["2018-06"]["ratio"] is None and by_period["2018-06"]["low"] is None
    marks = {layer["mark"]["type"]: layer["mark"] for layer in spec["layer"] if "mark" in layer}
    assert marks["area"]["invalid"] == marks["line"]["invalid"] == "break-paths-show-domains"
    assert {"spec-rt-asian", "spec-rt-black", "spec-rt-mixed", "spec-rt-other"} <= set(page.specs)
    assert page.chart_tables["spec-rt-black"] == "table-ratio-trend" and page.tables["table-ratio-trend"]
    black = next(g for g in doc["trend"]["monthly"][0]["groups"] if g["group"] == "Black")
    assert shown(html, "trend.monthly.2018-04.groups.Black.ratio_vs_white") == f"{black['ratio_vs_white']:.2f}"


def test_quarterly_and_rolling_views(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db)
    page, html = get(site, f"/force/metropolitan?{Q}&trend=quarterly")
    assert [w["period"] for w in doc["trend"]["quarterly"]] == ["2018 Q2", "2018 Q3"]
    assert_figures_match(page.figures, doc)
    assert "trend.quarterly.2018 Q2.months_covered" in {f["data-key"] for f in page.figures}
    assert 'name="trend" value="quarterly" checked' in html
    assert '<input type="hidden" name="trend" value="quarterly">' in html  # the period form keeps the view
    _, rolling = get(site, f"/force/metropolitan?{Q}&trend=rolling_12")
    assert doc["trend"]["rolling_12"] == [] and "shorter than 12 months" in rolling


# ---- the new pages --------------------------------------------------------------------------------------------

def test_forces_page_lists_each_force_sorted_without_javascript(site: TestClient, lens_db: Path) -> None:
    scope = national_scope("2018-04", "2018-07")
    table = compute_metrics_with(lens_db, lambda b: forces_table(b, resolve_scope(b, scope)))
    page, html = get(site, f"/forces?{Q}&sort=searches")
    assert_figures_match(page.figures, table)
    assert html.index("Metropolitan Police Service</a>") < html.index("City of London Police</a>")
    assert 'aria-sort="descending"' in html
    assert f"/forces?{QA}&amp;ethnicity=self&amp;sort=searches&amp;dir=asc" in html  # a second click reverses
    _, ascending = get(site, f"/forces?{Q}&sort=searches&dir=asc")
    assert ascending.index("City of London Police</a>") < ascending.index("Metropolitan Police Service</a>")
    met = next(r for r in table["forces"] if r["force"] == "metropolitan")
    assert shown(html, "forces.metropolitan.months_covered") == "3" and met["months_in_period"] == 4
    bw = met["black_white"]
    assert shown(html, "forces.metropolitan.black_white.ratio") == f"{bw['ratio']:.2f}"
    assert shown(html, "forces.metropolitan.rate_per_1000") == f"{met['rate_per_1000']:.2f}"
    assert site.get("/forces?sort=colour").status_code == 400


def test_forces_page_maps_each_forces_area_with_the_tables_rates(site: TestClient, lens_db: Path) -> None:
    """London's boundaries only: the Metropolitan Police's area is its 32 boroughs in the lookup, the City of
    London Police's the City; British Transport Police has no area, so no outline."""
    import shapely
    from shapely.geometry import shape

    scope = national_scope("2018-04", "2018-07")
    table = compute_metrics_with(lens_db, lambda b: forces_table(b, resolve_scope(b, scope)))
    page, html = get(site, f"/forces?{Q}")
    assert "England and Wales by force" in html
    features = {f["properties"]["area_code"]: f for f in map_features(page.specs["spec-forces-map"])}
    assert set(features) == {"metropolitan", "city-of-london"}
    rates = {r["force"]: r["rate_per_1000"] for r in table["forces"]}
    for force, feature in features.items():
        assert feature["properties"]["rate"] == rates[force]
        assert feature["properties"]["href"] == f"/force/{force}?{Q}&ethnicity=self"
    met, city = shape(features["metropolitan"]["geometry"]), shape(features["city-of-london"]["geometry"])
    assert met.area > 100 * city.area and met.intersection(city).area < 0.01 * city.area
    assert met.contains(shapely.Point(-0.0553, 51.5450)) and city.contains(shapely.Point(-0.0918, 51.5155))  # Hackney
    # Town Hall; Guildhall


def test_forces_page_defaults_to_the_latest_twelve_months(site: TestClient) -> None:
    _, html = get(site, "/forces")
    assert "April 2018 to July 2018" in html  # 12 months to July 2018, from the first month loaded
    assert 'href="/forces"' in html and 'href="/coverage"' in html  # in the navigation


def test_coverage_page_shows_loaded_and_missing_months_in_words_and_symbols(site: TestClient, lens_db: Path) -> None:
    table = compute_metrics_with(lens_db, lambda b: coverage_table(b, "metropolitan"))
    assert table[0]["missing"] == ["2018-06"]
    _, html = get(site, "/coverage?force=metropolitan")
    cells = dict(re.findall(r'data-month="(\d{4}-\d\d)" data-status="(\w+)"', html))
    assert cells == {"2018-04": "loaded", "2018-05": "loaded", "2018-06": "missing", "2018-07": "loaded"}
    june = html.split('data-month="2018-06"')[1].split("</td>")[0]
    assert "✕" in june and "missing: nothing loaded" in june  # a symbol and words, not colour alone
    assert shown(html, "coverage.metropolitan.loaded") == "3"
    assert "missing: Jun 2018" in html
    _, every = get(site, "/coverage")
    assert "City of London Police" in every and "Metropolitan Police Service" in every
    assert site.get("/coverage?force=atlantis").status_code == 404


def test_force_page_links_to_its_months_loaded(site: TestClient) -> None:
    page, html = get(site, f"/force/metropolitan?{Q}")
    assert "/coverage?force=metropolitan" in page.links
    assert "Months loaded: <strong>" in html and "no data for Jun 2018" in html


def test_all_forces_page_shows_which_forces_and_months_went_in(site: TestClient, lens_db: Path) -> None:
    doc = metrics(lens_db, force="all")
    assert [c["force"] for c in doc["coverage"]] == ["city-of-london", "metropolitan"]
    page, html = get(site, f"/force/all?{Q}")
    assert_figures_match(page.figures, doc)
    assert shown(html, "coverage.metropolitan.months_covered") == "3"
    assert "Which forces and months these figures include" in html and "Jun 2018" in html


# ---- compare: two forces, and did disproportionality change? -----------------------------------------------

def test_did_disproportionality_of_drug_searches_in_hackney_change(site: TestClient, lens_db: Path) -> None:
    url = (f"/compare?force_a=metropolitan&area_a={HACKNEY}&from_a=2018-04&to_a=2018-05&force_b=metropolitan"
           f"&area_b={HACKNEY}&from_b=2018-07&to_b=2018-07&purpose=drugs")
    page, html = get(site, url)
    before = metrics(lens_db, area=HACKNEY, start="2018-04", end="2018-05", purpose="drugs")
    after = metrics(lens_db, area=HACKNEY, start="2018-07", end="2018-07", purpose="drugs")
    change = change_between(before, after)
    assert_figures_match([f for f in page.figures if f.get("data-side") == "change"], change)
    assert "Did disproportionality change from A to B?" in html
    for row in change["change"]:
        verdict = shown(html, f"change.{row['group']}.changed").strip()
        if row["suppressed"]:
            assert verdict == "too few to say"
        elif row["changed"]:
            assert verdict.startswith("changed: ")
        else:
            assert verdict == "no evidence of change"
    assert "1 means no change" in html
    api = site.get(f"/api/v1/change?force=metropolitan&area={HACKNEY}&from=2018-07&to=2018-07"
                   "&before_from=2018-04&before_to=2018-05&purpose=drugs")
    assert api.status_code == 200 and api.json()["change"] == change["change"]
    assert "/api/v1/change?" in html


def test_compare_two_forces(site: TestClient, lens_db: Path) -> None:
    page, html = get(site, "/compare?force_a=metropolitan&force_b=city-of-london&from_a=2018-04&to_a=2018-07"
                           "&from_b=2018-04&to_b=2018-07")
    for side, force in (("a", "metropolitan"), ("b", "city-of-london")):
        assert_figures_match([f for f in page.figures if f.get("data-side") == side], metrics(lens_db, force=force))
    assert "Did disproportionality differ between A and B?" in html
    assert re.search(r'<select id="force_b" name="force_b">.*?value="city-of-london" selected', html, re.S)
    old = site.get("/compare?force=city-of-london&from_a=2018-04&to_a=2018-04&from_b=2018-05&to_b=2018-05")
    assert old.status_code == 200  # older links with one `force` for both sides still work
    assert "City of London Police, April 2018" in old.text


# ---- the default period ---------------------------------------------------------------------------------------

def test_default_period_is_the_latest_twelve_calendar_months() -> None:
    months = tuple(f"{y}-{m:02d}" for y in (2017, 2018) for m in range(1, 13))[:21]  # 2017-01 .. 2018-09
    assert default_period(months) == ("2017-10", "2018-09")  # 12 months, not 11
    assert default_period(("2016-06", "2018-04", "2018-09")) == ("2017-10", "2018-09")  # a gap is not skipped
    assert default_period(("2018-04", "2018-05", "2018-07")) == ("2018-04", "2018-07")  # not before the data
    assert default_period(("2018-09",)) == ("2018-09", "2018-09")
    assert short_period("2017-10", "2018-09") == "Oct 2017–Sep 2018"


def test_pages_default_to_that_period(site: TestClient, lens_db: Path) -> None:
    page, html = get(site, "/force/metropolitan")
    assert_figures_match(page.figures, metrics(lens_db))
    assert re.search(r'<select id="from" name="from">.*?<option value="2018-04" selected>', html, re.S)
    assert re.search(r'<select id="to" name="to">.*?<option value="2018-07" selected>', html, re.S)
    assert '<option value="2018-06">June 2018</option>' in html  # a month with no data can start or end a period


def test_lookup_reads_the_new_keys() -> None:
    doc = {"trend": {"monthly": [{"period": "2018-04", "groups": [{"group": "Black", "x": 1}]}]},
           "breakdowns": {"power": [{"key": "s1", "share": 0.5}]}, "coverage": [{"force": "kent", "n": 2}]}
    assert lookup(doc, "trend.monthly.2018-04.groups.Black.x") == 1
    assert lookup(doc, "breakdowns.power.s1.share") == 0.5 and lookup(doc, "coverage.kent.n") == 2
