"""The dashboard in a real browser: Playwright driving Debian's Chromium against the app under uvicorn on
127.0.0.1, on the real shared data.

A reader opens the overview, picks a borough and a period; the figures on the page must equal
`/api/v1/metrics` for the same query, the address bar must carry the choice, and the browser must ask no
host but the test server. Screenshots at 1280 and 375 px go to test-artifacts/ (git-ignored) for people to
look at; at 375 px no page may scroll sideways.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.web import create_app, get_settings
from tests.conftest import shared
from tests.web.conftest import LiveServer
from tests.web.test_pages import HACKNEY, LAMBETH, build_shared_warehouse, lookup

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [pytest.mark.shared_data, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = build_shared_warehouse(tmp_path_factory.mktemp("browser"))
    with LiveServer(create_app(get_settings(db))) as live:
        yield live


class Visit:
    """A page in a fresh context that records every request the browser makes and every script error."""

    def __init__(self, browser: Any, server: LiveServer, viewport: dict[str, int], *, javascript: bool = True):
        self.server = server
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, path: str) -> None:
        self.page.goto(self.server.url + path)
        self.charts_drawn()

    def charts_drawn(self) -> None:
        """Wait until every chart on the page has been drawn (or has failed, which the test then reports)."""
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('[data-vega-spec]'))"
            ".every(e => ['yes', 'failed'].includes(e.dataset.drawn))",
            timeout=20_000,
        )
        failed = self.page.eval_on_selector_all("[data-drawn=failed]", "els => els.map(e => e.id)")
        assert not failed, f"charts not drawn: {failed}; errors: {self.errors}"

    @contextmanager
    def settled(self) -> Iterator[None]:
        """Wait until the htmx swap started in the block has settled. htmx pushes the address ~20 ms before it
        wires up the form it swapped in, so a second choice made as soon as the URL changes can go unheard."""
        self.page.evaluate(
            "() => { window.settledSwaps = false; document.body.addEventListener('htmx:afterSettle',"
            " () => { window.settledSwaps = true; }, {once: true}); }"
        )
        yield
        self.page.wait_for_function("() => window.settledSwaps === true", timeout=30_000)

    def wait_for_figure(self, key: str, value: Any) -> None:
        """Wait until the figure at `key` shows `value` (an htmx swap has landed)."""
        self.page.wait_for_function(
            "([key, value]) => { const e = document.querySelector(`main data[data-key=\"${key}\"]`);"
            " return e !== null && e.getAttribute('value') === value; }",
            arg=[key, json.dumps(value)], timeout=20_000,
        )

    def figures(self) -> list[dict[str, str]]:
        figures: list[dict[str, str]] = self.page.eval_on_selector_all(
            "main data[data-key]",
            "els => els.map(e => ({key: e.dataset.key, value: e.getAttribute('value'), side: e.dataset.side || ''}))",
        )
        return figures

    def api(self, query: str) -> dict[str, Any]:
        response = self.context.request.get(f"{self.server.url}/api/v1/metrics?{query}")
        assert response.ok, response.text()
        doc: dict[str, Any] = response.json()
        return doc

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def no_sideways_scroll(self) -> None:
        width = self.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{self.page.url} scrolls sideways: {width}"

    def close(self) -> None:
        hosts = {urlsplit(url).netloc for url in self.requests if not url.startswith(("data:", "blob:"))}
        self.context.close()
        assert hosts <= {f"127.0.0.1:{self.server.port}"}, f"requests to other hosts: {hosts}"
        assert not self.errors, f"errors in the page: {self.errors}"


def assert_equal_to_api(figures: list[dict[str, str]], doc: dict[str, Any]) -> None:
    """The hotspot figures of an area page are /api/v1/hotspots' (test_pages.test_area_page_hotspots_are_the_api_s)."""
    figures = [f for f in figures if not f["key"].startswith("hotspots.")]
    assert figures
    wrong = [(f["key"], f["value"], lookup(doc, f["key"])) for f in figures
             if json.loads(f["value"]) != lookup(doc, f["key"])]
    assert not wrong, f"page figures that differ from /api/v1/metrics: {wrong[:10]}"


def test_pick_a_borough_and_a_period_and_see_the_apis_figures(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP)
    page = visit.page
    visit.open("/")
    visit.shot("overview-1280")
    assert page.locator("h1").inner_text() == "Metropolitan Police Service"
    assert page.locator("#chart-map svg path").count() >= 33  # the borough map was drawn

    page.select_option("#pick-area", label="Hackney")
    with page.expect_navigation():
        page.locator("form.picker:has(#pick-area) button").click()
    assert urlsplit(page.url).path == f"/force/metropolitan/area/{HACKNEY}"
    visit.charts_drawn()

    with visit.settled():
        page.select_option("#from", "2018-05")  # htmx: swaps <main> and pushes the choice to the address bar
    page.wait_for_url(re.compile(r"from=2018-05"))
    doc = visit.api(f"force=metropolitan&area={HACKNEY}&from=2018-05&to=2018-05&ethnicity=self")
    page.focus("#to")
    with visit.settled():
        page.select_option("#to", "2018-05")
    page.wait_for_url(re.compile(r"to=2018-05"))
    visit.wait_for_figure("searches", doc["searches"])
    visit.charts_drawn()
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"from": ["2018-05"], "to": ["2018-05"], "ethnicity": ["self"]}
    assert page.title().startswith("Hackney")
    assert page.evaluate("document.activeElement.id") == "to"  # focus stays where the reader was

    assert_equal_to_api(visit.figures(), doc)
    assert page.locator("data[data-key=searches]").inner_text() == f"{doc['searches']:,}"
    visit.shot("area-hackney-may-1280")

    officer = visit.api(f"force=metropolitan&area={HACKNEY}&from=2018-05&to=2018-05&ethnicity=officer")
    with visit.settled():
        page.check("input[name=ethnicity][value=officer]")  # the basis, the same way
    page.wait_for_url(re.compile(r"ethnicity=officer"))
    visit.wait_for_figure("disproportionality.Black.searches", lookup(officer, "disproportionality.Black.searches"))
    visit.charts_drawn()
    assert_equal_to_api(visit.figures(), officer)

    page.go_back()  # the address bar's history gives back the earlier choice
    page.wait_for_url(re.compile(r"ethnicity=self"))
    visit.wait_for_figure("disproportionality.Black.searches", lookup(doc, "disproportionality.Black.searches"))
    visit.charts_drawn()
    assert page.locator("input[type=radio][value=self]").is_checked()
    assert_equal_to_api(visit.figures(), doc)
    visit.close()


def test_a_shared_url_opens_the_same_view(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP)
    visit.open(f"/force/metropolitan/area/{LAMBETH}?from=2018-04&to=2018-05&ethnicity=officer")
    assert visit.page.locator("#from").input_value() == "2018-04"
    assert visit.page.locator("#to").input_value() == "2018-05"
    assert visit.page.locator("input[type=radio][value=officer]").is_checked()
    assert_equal_to_api(visit.figures(),
                        visit.api(f"force=metropolitan&area={LAMBETH}&from=2018-04&to=2018-05&ethnicity=officer"))
    visit.close()


def test_without_javascript_the_forms_still_work(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP, javascript=False)
    page = visit.page
    page.goto(server.url + "/force/metropolitan")
    page.select_option("#from", "2018-06")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["from"] == ["2018-06"]
    assert_equal_to_api(visit.figures(), visit.api("force=metropolitan&from=2018-06&to=2018-06&ethnicity=self"))
    assert page.locator("#table-disp caption").inner_text()  # the figures are in tables, charts or not
    visit.close()


@pytest.mark.parametrize("path", [
    "/",
    f"/force/metropolitan/area/{HACKNEY}",
    f"/compare?force=metropolitan&area_a={HACKNEY}&from_a=2018-04&to_a=2018-06&area_b={LAMBETH}&from_b=2018-04"
    "&to_b=2018-06",
    "/methods",
    "/downloads",
    "/force/metropolitan?purpose=drugs&trend=quarterly",
    "/forces?purpose=drugs",
    "/coverage",
    f"/compare?force_a=metropolitan&area_a={HACKNEY}&from_a=2018-04&to_a=2018-04&force_b=city-of-london"
    "&from_b=2018-06&to_b=2018-06&purpose=drugs",
    "/disposals?purpose=weapons",
    "/force/metropolitan/bias?test=rates&purpose=drugs",
    "/force/metropolitan/bias?test=darkness",
    f"/force/metropolitan/bias?test=change&area={LAMBETH}&at=2018-05&control={HACKNEY}",
])
def test_every_page_fits_a_phone_and_a_desktop(browser: Any, server: LiveServer, path: str) -> None:
    name = (urlsplit(path).path.strip("/").replace("/", "-") or "overview").replace("force-metropolitan-", "")
    if urlsplit(path).query and "purpose" in path:
        name += "-lens"
    if "test=" in path:
        name += "-" + path.split("test=")[1].split("&")[0]
    for label, viewport in (("375", PHONE), ("1280", DESKTOP)):
        visit = Visit(browser, server, viewport)
        visit.open(path)
        visit.no_sideways_scroll()
        visit.shot(f"{name}-{label}")
        visit.close()


def test_compare_in_the_browser_matches_the_api_for_both_sides(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP)
    page = visit.page
    visit.open("/compare?force=metropolitan")
    with visit.settled():
        page.select_option("#area_a", HACKNEY)
    page.wait_for_url(re.compile(f"area_a={HACKNEY}"))
    with visit.settled():
        page.select_option("#area_b", LAMBETH)
    page.wait_for_url(re.compile(f"area_b={LAMBETH}"))
    visit.charts_drawn()
    figures = visit.figures()
    query = parse_qs(urlsplit(page.url).query)
    for side, area in (("a", HACKNEY), ("b", LAMBETH)):
        start, end = query[f"from_{side}"][0], query[f"to_{side}"][0]
        doc = visit.api(f"force=metropolitan&area={area}&from={start}&to={end}&ethnicity=self")
        assert_equal_to_api([f for f in figures if f["side"] == side], doc)
    visit.close()


def test_an_area_on_the_map_opens_its_page_in_the_same_tab(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP)
    page = visit.page
    visit.open("/force/metropolitan?from=2018-05&to=2018-06")
    page.locator("#chart-map").scroll_into_view_if_needed()
    box = page.locator("#chart-map").bounding_box()
    assert box is not None
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] * 0.37, box["y"] + box["height"] * 0.45)  # central London
    target = urlsplit(page.url)
    assert re.fullmatch(r"/force/metropolitan/area/E090000\d\d", target.path)
    assert parse_qs(target.query) == {"from": ["2018-05"], "to": ["2018-06"], "ethnicity": ["self"]}
    assert len(visit.context.pages) == 1
    visit.charts_drawn()
    visit.close()


def test_choose_drugs_and_the_url_and_the_figures_follow(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, DESKTOP)
    page = visit.page
    visit.open("/force/metropolitan?from=2018-04&to=2018-06")
    every = visit.api("force=metropolitan&from=2018-04&to=2018-06&ethnicity=self")
    drugs = visit.api("force=metropolitan&from=2018-04&to=2018-06&ethnicity=self&purpose=drugs")
    assert drugs["searches"] < every["searches"]
    assert page.locator("data[data-key=searches]").inner_text() == f"{every['searches']:,}"
    with visit.settled():
        page.select_option("#purpose", label="Drugs")  # htmx swaps <main> and pushes the choice
    page.wait_for_url(re.compile(r"purpose=drugs"))
    visit.wait_for_figure("searches", drugs["searches"])
    visit.charts_drawn()
    assert parse_qs(urlsplit(page.url).query)["purpose"] == ["drugs"]
    assert page.locator("data[data-key=searches]").inner_text() == f"{drugs['searches']:,}"
    assert page.title().startswith("Searches for drugs, Metropolitan Police Service")
    assert_equal_to_api(visit.figures(), drugs)
    links = page.eval_on_selector_all("#table-areas a", "els => els.map(e => e.getAttribute('href'))")
    assert links and all("purpose=drugs" in link for link in links)  # the area links keep the lens
    page.go_back()
    visit.wait_for_figure("searches", every["searches"])
    visit.close()


def _moves(page: Any, selector: str) -> list[int]:
    """How many separate pieces (SVG `M` commands) each drawn path under `selector` has."""
    paths: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('d') || '')")
    return [d.count("M") for d in paths]


def test_a_month_with_no_data_is_a_gap_in_the_drawn_charts(browser: Any, tmp_path_factory: Any) -> None:
    """April, May and July loaded, June not: the drawn lines and bands have two pieces, not one bridged line."""
    folder = tmp_path_factory.mktemp("gap")
    sources = [str(shared("police_uk", "archive", m)) for m in ("2018-04", "2018-05", "2018-07")]
    db = folder / "gap.duckdb"
    result = CliRunner().invoke(cli_app, ["ingest", *sources, str(shared("census2021")), str(shared("geography")),
                                          "--db", str(db)])
    assert result.exit_code == 0, result.output
    with LiveServer(create_app(get_settings(db))) as live:
        visit = Visit(browser, live, DESKTOP)
        visit.open("/force/metropolitan?from=2018-04&to=2018-07")
        assert _moves(visit.page, "#chart-trend g.mark-line path") == [2]
        assert _moves(visit.page, "#chart-rt-black g.mark-line path") == [2]
        assert _moves(visit.page, "#chart-rt-black g.mark-area path") == [2]
        assert visit.page.locator("#chart-trend g.mark-symbol path").count() == 3  # a point per month with data
        visit.shot("gap-1280")
        visit.close()


def test_on_a_phone_the_links_fold_behind_a_menu_button(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, PHONE)
    page = visit.page
    visit.open("/forces")
    toggle = page.locator("button.nav-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav a[href='/coverage']").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#site-nav a[href='/coverage']").is_visible()
    visit.no_sideways_scroll()
    visit.close()
    plain = Visit(browser, server, PHONE, javascript=False)  # without JavaScript every link is simply there
    plain.page.goto(server.url + "/forces")
    assert plain.page.locator("#site-nav a[href='/coverage']").is_visible()
    assert not plain.page.locator("button.nav-toggle").is_visible()
    plain.close()
