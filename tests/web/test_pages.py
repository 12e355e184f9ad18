"""The dashboard pages on the real shared data (three Metropolitan and City of London months, the Census, the
London boundaries), through the app `create_app` builds.

The central check: every figure a page shows carries its exact value and its key in the metrics document
(`<data value=... data-key=...>`), and each one equals what `/api/v1/metrics` answers for the same query,
so the pages cannot drift from the API. The rest: htmx partial swaps and shareable URLs, GET forms that work
without JavaScript, a table beside every chart, the map's figures, errors, escaping and no outside URLs.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import altair as alt
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.web import create_app, get_settings
from tests.conftest import shared

with warnings.catch_warnings():  # Starlette 1.x would like httpx2 for its TestClient; httpx works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

real = pytest.mark.shared_data  # the tests on ../shared/data (they skip with a message when it is absent)

MONTHS = ("2018-04", "2018-05", "2018-06")
HACKNEY = "E09000012"
LAMBETH = "E09000022"


def build_shared_warehouse(folder: Path) -> Path:
    """Three months of the real archive, the Census and the geography, ingested with the CLI."""
    sources = [shared("police_uk", "archive", m) for m in MONTHS]
    sources += [shared("census2021"), shared("geography")]
    db = folder / "pages.duckdb"
    result = CliRunner().invoke(cli_app, ["ingest", *map(str, sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = build_shared_warehouse(tmp_path_factory.mktemp("pages"))
    with TestClient(create_app(get_settings(db))) as client:
        yield client


# ---- reading a page -----------------------------------------------------------------------------------------

class Page(HTMLParser):
    """The parts of a page the tests look at: figures, chart specs, tables and their captions, forms, links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.figures: list[dict[str, str]] = []
        self.specs: dict[str, Any] = {}
        self.charts: list[str] = []
        self.chart_tables: dict[str, str] = {}  # chart spec id: id of the table with its figures
        self.tables: dict[str, str] = {}  # table id: its caption
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._spec_id: str | None = None
        self._spec_text: list[str] = []
        self._caption: list[str] | None = None
        self._table = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "data" and "data-key" in a:
            self.figures.append(a)
        elif tag == "script" and a.get("type") == "application/json":
            self._spec_id, self._spec_text = a["id"], []
        elif tag == "script" and "src" in a:
            self.scripts.append(a["src"])
        elif tag == "div" and "data-vega-spec" in a:
            self.charts.append(a["data-vega-spec"])
            if "data-table" in a:
                self.chart_tables[a["data-vega-spec"]] = a["data-table"]
        elif tag == "table":
            self._table = a.get("id", "")
        elif tag == "caption":
            self._caption = []
        elif tag == "form":
            self.forms.append({**a, "fields": []})
        elif tag in ("select", "input") and self.forms and "name" in a:
            self.forms[-1]["fields"].append(a["name"])
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._spec_id is not None:
            self.specs[self._spec_id] = json.loads("".join(self._spec_text))
            self._spec_id = None
        elif tag == "caption" and self._caption is not None:
            self.tables[self._table] = "".join(self._caption).strip()
            self._caption = None

    def handle_data(self, data: str) -> None:
        if self._spec_id is not None:
            self._spec_text.append(data)
        if self._caption is not None:
            self._caption.append(data)


LIST_KEYS = ("group", "area_code", "month", "period", "key", "force",
             "type", "class", "months")  # the last three: the `crime` key's crime types, outcome classes, delays


def lookup(doc: dict[str, Any], key: str) -> Any:
    """The value at a page's `data-key` in a metrics document: lists are indexed by their record's name
    (group, area code, month; age range then group), plain lists by position."""
    parts = key.split(".")
    node: Any = doc
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(node, list) and node and isinstance(node[0], dict):
            if "age_range" in node[0]:
                node = next(r for r in node if r["age_range"] == part and r["group"] == parts[i + 1])
                i += 2
                continue
            field = next(f for f in LIST_KEYS if f in node[0])
            node = next(r for r in node if r[field] == part)
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
        i += 1
    return node


def api(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/metrics", params=params)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def assert_figures_match(figures: list[dict[str, str]], doc: dict[str, Any]) -> int:
    """Every figure equals the document's value at its key, exactly; returns how many were checked. The area
    page's hotspot figures are of /api/v1/hotspots (test_area_page_hotspots_are_the_api_s)."""
    figures = [f for f in figures if not f["data-key"].startswith("hotspots.")]
    assert figures, "the page shows no figures"
    wrong = [(f["data-key"], json.loads(f["value"]), lookup(doc, f["data-key"])) for f in figures
             if json.loads(f["value"]) != lookup(doc, f["data-key"])]
    assert not wrong, f"figures that differ from /api/v1/metrics (key, page, API): {wrong[:10]}"
    return len(figures)


def map_features(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The GeoJSON features carried in a map spec: a dataset named by its data (scrutiny.web.charts._outlines),
    or inline (Altair puts shared data at the top of a layered chart)."""
    data = spec.get("data") or spec["layer"][0]["data"]
    features: list[dict[str, Any]] = spec["datasets"][data["name"]] if "name" in data else data["values"]
    return features


def get(client: TestClient, url: str, status: int = 200, **kwargs: Any) -> Page:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.text[:2000])
    return Page(response.text)


# ---- figures equal the API's ------------------------------------------------------------------------------

@real
def test_overview_shows_the_api_figures_for_the_default_force_and_period(pages: TestClient) -> None:
    page = get(pages, "/")
    doc = api(pages, force="metropolitan", **{"from": "2018-04", "to": "2018-06"}, ethnicity="self")
    checked = assert_figures_match(page.figures, doc)
    keys = {f["data-key"] for f in page.figures}
    # headline, trend, targets, disproportionality with intervals, areas: all there
    assert {"searches", "outcomes.find_rate", "disproportionality.Black.ratio_vs_white",
            "disproportionality.Black.ci_low", "disproportionality.Black.ci_high", "targets.drugs.actual",
            "monthly.2018-05.searches", f"areas.{HACKNEY}.rate_per_1000", "unknown_ethnicity_share"} <= keys
    assert checked > 150


@real
def test_force_page_with_a_period_and_the_officer_basis(pages: TestClient) -> None:
    page = get(pages, "/force/metropolitan?from=2018-05&to=2018-06&ethnicity=officer")
    doc = api(pages, force="metropolitan", **{"from": "2018-05", "to": "2018-06"}, ethnicity="officer")
    assert doc["scope"]["ethnicity"] == "officer"
    assert_figures_match(page.figures, doc)
    other = api(pages, force="metropolitan", **{"from": "2018-05", "to": "2018-06"}, ethnicity="self")
    assert lookup(other, "disproportionality.Black.searches") != lookup(doc, "disproportionality.Black.searches")


@real
def test_area_page_shows_the_api_figures_for_the_area(pages: TestClient) -> None:
    page = get(pages, f"/force/metropolitan/area/{HACKNEY}?from=2018-05&to=2018-05")
    doc = api(pages, force="metropolitan", area=HACKNEY, **{"from": "2018-05", "to": "2018-05"})
    assert doc["scope"]["area_name"] == "Hackney"
    assert_figures_match(page.figures, doc)
    assert "map" in {c.removeprefix("spec-") for c in page.charts}  # where the borough is


@real
def test_compare_two_areas_side_by_side(pages: TestClient) -> None:
    url = (f"/compare?force=metropolitan&area_a={HACKNEY}&from_a=2018-04&to_a=2018-06&area_b={LAMBETH}"
           "&from_b=2018-04&to_b=2018-06")
    page = get(pages, url)
    period = {"from": "2018-04", "to": "2018-06"}
    for side, area in (("a", HACKNEY), ("b", LAMBETH)):
        figures = [f for f in page.figures if f["data-side"] == side]
        assert len(figures) == 18
        assert_figures_match(figures, api(pages, force="metropolitan", area=area, **period))


@real
def test_compare_two_periods_of_the_whole_force(pages: TestClient) -> None:
    page = get(pages, "/compare?force=metropolitan&from_a=2018-04&to_a=2018-04&from_b=2018-06&to_b=2018-06")
    for side, month in (("a", "2018-04"), ("b", "2018-06")):
        figures = [f for f in page.figures if f["data-side"] == side]
        assert_figures_match(figures, api(pages, force="metropolitan", **{"from": month, "to": month}))


@real
def test_compare_defaults_to_the_latest_month_against_the_one_before(pages: TestClient) -> None:
    page = get(pages, "/compare")
    a = [f for f in page.figures if f["data-side"] == "a"]
    assert_figures_match(a, api(pages, force="metropolitan", **{"from": "2018-05", "to": "2018-05"}))


# ---- charts and their tables ------------------------------------------------------------------------------

@real
def test_area_page_hotspots_are_the_api_s(pages: TestClient) -> None:
    page = get(pages, f"/force/metropolitan/area/{HACKNEY}?from=2018-05&to=2018-05")
    spots = pages.get("/api/v1/hotspots", params={"force": "metropolitan", "area": HACKNEY, "from": "2018-05",
                                                   "to": "2018-05"}).json()
    shown = [f for f in page.figures if f["data-key"].startswith("hotspots.")]
    assert len(shown) >= 8
    for figure in shown:
        node: Any = spots
        for part in figure["data-key"].split(".")[1:]:  # hotspots.grid.0.searches: plain lists by position
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert json.loads(figure["value"]) == node, figure
    spec = page.specs["spec-hotspots"]
    layers = [spec.get("datasets", {}).get(layer.get("data", {}).get("name", ""), layer.get("data", {}).get("values"))
              for layer in spec["layer"]]
    drawn = next(v for v in layers if v and "searches" in v[0]["properties"])
    assert [f["properties"]["searches"] for f in drawn] == [c["searches"] for c in spots["grid"]]


@real
def test_every_chart_is_a_vega_lite_spec_with_a_captioned_table(pages: TestClient) -> None:
    """Each spec valid against Altair's Vega-Lite schema (the pages skip that check to save time)."""
    from altair.vegalite.v6.schema.core import Root

    for url in ("/", "/force/metropolitan?from=2018-04&to=2018-09", f"/force/metropolitan/area/{HACKNEY}",
                "/compare"):
        page = get(pages, url)
        assert page.charts and set(page.charts) == set(page.specs), url
        for spec in page.specs.values():
            Root.validate(spec)
            assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
            text = json.dumps({k: v for k, v in spec.items() if k != "$schema"})
            assert not re.search(r"https?://", text), "a spec must not load anything"
            assert spec.get("description"), "charts are described for assistive technology"
        for chart in page.charts:  # a table with the same figures, captioned (a locator map has no figures)
            if chart == "spec-map" and "/area/" in url:
                assert chart not in page.chart_tables
                continue
            assert page.tables.get(page.chart_tables[chart]), (url, chart)


@real
def test_chart_data_are_the_documents_figures(pages: TestClient) -> None:
    page = get(pages, "/")
    doc = api(pages, force="metropolitan", **{"from": "2018-04", "to": "2018-06"})
    trend = page.specs["spec-trend"]
    assert [v["searches"] for v in trend["data"]["values"]] == [m["searches"] for m in doc["monthly"]]
    ratios = next(layer for layer in page.specs["spec-ratios"]["layer"] if "data" in layer)
    shown = {v["group"]: (v["ratio"], v["low"], v["high"]) for v in ratios["data"]["values"]}
    assert shown["Black"] == tuple(lookup(doc, f"disproportionality.Black.{k}")
                                   for k in ("ratio_vs_white", "ci_low", "ci_high"))


@real
def test_the_map_is_inline_geojson_coloured_by_the_documents_rates(pages: TestClient) -> None:
    page = get(pages, "/force/metropolitan?from=2018-04&to=2018-06")
    doc = api(pages, force="metropolitan", **{"from": "2018-04", "to": "2018-06"})
    spec = page.specs["spec-map"]
    features = map_features(spec)
    assert len(features) == 33  # the 32 boroughs and the City
    rates = {a["area_code"]: a["rate_per_1000"] for a in doc["areas"]}
    for f in features:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "MultiPolygon"
        assert f["properties"]["rate"] == rates[f["properties"]["area_code"]]
        assert f["properties"]["href"].startswith(f"/force/metropolitan/area/{f['properties']['area_code']}?")
        lon, lat = f["geometry"]["coordinates"][0][0][0]
        assert -0.6 < lon < 0.4 and 51.2 < lat < 51.8  # WGS84 longitude, latitude
    # Two layers: grey where the document has no rate (the City: the City of London Police's area), then the shades.
    blank, shades = spec["layer"][:2]
    assert blank["mark"]["type"] == "geoshape" and blank["mark"]["fill"] == "#e4e4e4"
    assert blank["transform"] == [{"filter": "!isValid(datum.properties.rate)"}]
    assert shades["transform"] == [{"filter": "isValid(datum.properties.rate)"}]
    assert shades["encoding"]["color"]["field"] == "properties.rate"
    assert rates["E09000001"] is None and all(rates[c] is not None for c in rates if c.startswith("E09") and
                                              c != "E09000001")


# ---- htmx, shareable URLs and forms without JavaScript ----------------------------------------------------

@real
def test_htmx_gets_only_the_main_content_and_a_title(pages: TestClient) -> None:
    full = pages.get("/force/metropolitan?from=2018-05&to=2018-06")
    partial = pages.get("/force/metropolitan?from=2018-05&to=2018-06", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" in full.text and "<html" not in partial.text
    assert partial.text.lstrip().startswith("<title>")
    assert "May 2018 to June 2018" in partial.text
    assert partial.headers["vary"] == "HX-Request" and full.headers["vary"] == "HX-Request"
    assert Page(partial.text).figures == Page(full.text).figures
    restore = pages.get("/force/metropolitan", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text  # a history restore needs the whole page


@real
def test_filter_form_is_a_get_form_that_htmx_pushes_to_the_address_bar(pages: TestClient) -> None:
    page = get(pages, "/force/metropolitan")
    form = next(f for f in page.forms if "filters" in f.get("class", ""))
    assert form["method"] == "get" and form["action"] == "/force/metropolitan"
    assert form["hx-get"] == "/force/metropolitan" and form["hx-push-url"] == "true"
    assert form["hx-target"] == "#main"
    assert {"from", "to", "ethnicity"} <= set(form["fields"])


@real
def test_area_picker_goes_to_the_area_page_keeping_the_period(pages: TestClient) -> None:
    response = pages.get("/force/metropolitan/area?area=Hackney&from=2018-05&to=2018-06&ethnicity=officer",
                         follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == f"/force/metropolitan/area/{HACKNEY}"
    assert parse_qs(target.query) == {"from": ["2018-05"], "to": ["2018-06"], "ethnicity": ["officer"]}
    whole = pages.get("/force/metropolitan/area?area=&from=2018-05&to=2018-06", follow_redirects=False)
    assert whole.headers["location"].startswith("/force/metropolitan?")
    by_name = pages.get("/force/metropolitan/area/hackney?from=2018-05", follow_redirects=False)
    assert by_name.status_code == 301 and by_name.headers["location"].startswith(f"/force/metropolitan/area/{HACKNEY}?")


@real
def test_force_picker_and_links_keep_the_selection(pages: TestClient) -> None:
    response = pages.get("/force?force=city-of-london&from=2018-05&to=2018-06&ethnicity=self", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/force/city-of-london?from=2018-05&to=2018-06&ethnicity=self"
    page = get(pages, "/force/city-of-london?from=2018-05&to=2018-06")
    assert_figures_match(page.figures, api(pages, force="city-of-london", **{"from": "2018-05", "to": "2018-06"}))
    assert "/downloads?force=city-of-london&from=2018-05&to=2018-06&ethnicity=self" in page.links


@real
def test_downloads_link_to_the_api_files_with_the_current_filters(pages: TestClient) -> None:
    page = get(pages, f"/downloads?force=metropolitan&area={HACKNEY}&from=2018-05&to=2018-06")
    files = [link for link in page.links if link.startswith("/api/v1/")]
    assert f"/api/v1/searches.csv?force=metropolitan&area={HACKNEY}&from=2018-05&to=2018-06" in files
    assert f"/api/v1/searches.parquet?force=metropolitan&area={HACKNEY}&from=2018-05&to=2018-06" in files
    doc = api(pages, force="metropolitan", area=HACKNEY, **{"from": "2018-05", "to": "2018-06"})
    for link in files:
        response = pages.get(link)
        assert response.status_code == 200, (link, response.text[:500])
        if ".csv" in link:
            assert response.text.count("\n") - 1 == doc["searches"]


@real
def test_methods_page_reads_the_definitions_and_lists_what_is_loaded(pages: TestClient) -> None:
    html = pages.get("/methods").text
    for text in ("at least 20.0%", "at most 40.0%", "Controlled drugs", "Metropolitan Police Service",
                 "2018-04..2018-06", "Open Government Licence v3.0", "1.96"):
        assert text in html


# ---- errors, escaping, no outside URLs --------------------------------------------------------------------

@real
@pytest.mark.parametrize(("url", "status", "says"), [
    ("/force/no-such-force", 404, "No data is loaded for force"),
    ("/force/metropolitan?from=April", 400, "is not a month"),
    ("/force/metropolitan?from=2018-06&to=2018-04", 400, "starts (June 2018) after it ends (April 2018)"),
    ("/force/metropolitan?from=2019-01&to=2019-02", 404, "no searches for metropolitan"),
    ("/force/metropolitan?ethnicity=both", 400, "is not one of"),
    ("/force/metropolitan/area/E09999999", 404, "unknown area"),
    ("/compare?force=metropolitan&area_a=E09999999", 404, "no searches in area"),
])
def test_errors_are_pages_that_say_what_is_wrong(pages: TestClient, url: str, status: int, says: str) -> None:
    response = pages.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert says in response.text.replace("&#39;", "'")


@real
def test_a_period_with_no_data_still_offers_the_form(pages: TestClient) -> None:
    page = get(pages, "/force/metropolitan?from=2019-01&to=2019-02", status=404)
    assert any("filters" in f.get("class", "") for f in page.forms)


@real
def test_what_the_reader_types_is_escaped(pages: TestClient) -> None:
    response = pages.get("/force/metropolitan/area/<img src=x onerror=alert(1)>")
    assert response.status_code == 404
    assert "<img src=x" not in response.text and "&lt;img src=x onerror=alert(1)&gt;" in response.text
    compare = pages.get('/compare?force=metropolitan&area_a="><b>x</b>')
    assert "<b>x</b>" not in compare.text


@real
def test_pages_load_nothing_from_outside(pages: TestClient) -> None:
    for url in ("/", f"/force/metropolitan/area/{HACKNEY}", "/compare", "/methods", "/downloads"):
        page = get(pages, url)
        assert page.scripts and all(src.startswith("/static/") for src in page.scripts), url
        html = pages.get(url).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), url


def test_vendored_scripts_are_served_with_their_licences(client: TestClient) -> None:
    for package, file in (("vega", "vega.min.js"), ("vega-lite", "vega-lite.min.js"),
                          ("vega-embed", "vega-embed.min.js"), ("htmx", "htmx.min.js")):
        response = client.get(f"/static/vendor/{package}/{file}")
        assert response.status_code == 200 and len(response.content) > 40_000
        assert b"sourceMappingURL" not in response.content  # nothing for a browser to ask for that is not there
        assert client.get(f"/static/vendor/{package}/LICENSE").status_code == 200
    # the vendored Vega-Lite reads the specs Altair writes
    assert client.get("/static/vendor/vega-lite/VERSION").text.strip() == f"vega-lite@{alt.VEGALITE_VERSION}"
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get("/static/js/dashboard.js").status_code == 200


# ---- a force with no London boroughs: the small Kent warehouse of tests/web/conftest.py --------------------

def test_pages_on_a_small_warehouse_match_the_api(client: TestClient) -> None:
    page = get(client, "/force/kent?from=2024-01&to=2024-02")
    assert_figures_match(page.figures, api(client, force="kent", **{"from": "2024-01", "to": "2024-02"}))
    features = map_features(page.specs["spec-map"])
    assert [f["properties"]["area_name"] for f in features] == ["Maidstone"]
    area = get(client, "/force/kent/area/E07000110?from=2024-01&to=2024-01")
    month = {"from": "2024-01", "to": "2024-01"}
    assert_figures_match(area.figures, api(client, force="kent", area="E07000110", **month))


def test_all_forces_and_a_force_without_boundaries(client: TestClient) -> None:
    page = get(client, "/force/all?from=2024-01&to=2024-01")
    assert_figures_match(page.figures, api(client, force="all", **{"from": "2024-01", "to": "2024-01"}))
    btp = get(client, "/force/btp")
    assert "spec-map" not in btp.specs  # no boundary holds its searches: the table stands alone
    assert_figures_match(btp.figures, api(client, force="btp", **{"from": "2024-01", "to": "2024-01"}))
    home = client.get("/")
    assert home.status_code == 200 and "<h1>" in home.text
