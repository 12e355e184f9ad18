"""The use-of-force pages (`/use-of-force`, `/force/{force}/use-of-force`) on the hand-made releases of
tests/use_of_force_fixture.py: every figure a page shows is the use-of-force document's (the `data-value` and
`data-key` of each `<data>` element against `compute_use_of_force` for the same force and year), and the main
ones are the fixture's own, counted by eye in its docstring; plus the year picker, the words for stop and search,
lacks and revisions, errors as pages, escaping and the navigation link.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutiny.metrics.use_of_force import compute_use_of_force
from scrutiny.web import create_app, get_settings
from tests.use_of_force_fixture import R19, add_use_of_force, build
from tests.web.test_pages import Page

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HOSTILE = "<script>alert(1)</script>"
HOSTILE_PATH = "<img src=x onerror=alert(1)>"  # no slash: a path segment
LIST_NAMES = ("group", "band", "financial_year")  # the records of the document's lists, by their name


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("uof-pages"))


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(db))) as test_client:
        yield test_client


def lookup(doc: Any, key: str) -> Any:
    """The value at a page's `data-key` in a use-of-force document: a list of records by the record's name
    (group, age band, financial year), any other list by position."""
    node = doc
    for part in key.split("."):
        if isinstance(node, list) and node and isinstance(node[0], dict) and not part.isdigit():
            name = next(n for n in LIST_NAMES if n in node[0])
            node = next(r for r in node if r[name] == part)
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def figures(page: Page) -> dict[str, str]:
    return {f["data-key"]: f["value"] for f in page.figures}


def assert_all_figures_are_the_documents(page: Page, doc: dict[str, Any]) -> int:
    import json

    for f in page.figures:
        assert json.loads(f["value"]) == lookup(doc, f["data-key"]), f["data-key"]
    return len(page.figures)


def text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace(" ,", ",").replace(" .", ".")


def test_a_force_page_shows_the_documents_figures(client: TestClient, db: Path) -> None:
    response = client.get("/force/kent/use-of-force?year=2019/20")
    assert response.status_code == 200
    page = Page(response.text)
    doc = compute_use_of_force(db, "kent", "2019/20")
    shown = assert_all_figures_are_the_documents(page, doc)
    keys = figures(page)
    # Figures counted by eye in the fixture: Kent's 330 incidents and 400 tactic uses over 3,300 residents, Black
    # people's 120 uses over 400 residents against White people's 200 over 2,000, 60 Taser incidents, 8 fired.
    assert keys["incidents.count"] == "330" and keys["incidents.per_1000"] == "100.0"
    assert keys["tactic_uses.count"] == "400" and float(keys["tactic_uses.per_1000"]) == pytest.approx(400 / 3.3)
    assert keys["by_ethnicity.Black.per_1000"] == "300.0"
    assert float(keys["by_ethnicity.Black.ratio_vs_white"]) == pytest.approx(3.0)
    assert keys["by_ethnicity.Mixed.ratio_vs_white"] == "null"  # 8 uses: suppressed
    assert keys["taser.by_type.total"] == "60" and float(keys["taser.fired_share"]) == pytest.approx(8 / 60)
    assert keys["children.tactic_uses"] == "40" and float(keys["children.share"]) == pytest.approx(0.1)
    assert float(keys["national.incidents.per_1000"]) == pytest.approx(1000 / 6.8)  # 1,000 over 6,800
    assert keys["taser.years.2018/19.total"] == "42"  # the 2019/20 release's revised figure
    assert shown > 60
    words = text(response.text)
    assert "330 incidents in which officers used force 100.00 per 1,000 residents" in words
    assert "Black 120 400 300.00 3.00 2.39 – 3.76" in words
    assert "Mixed 8 200 40.00 too few to say" in words
    assert "fired in 13.3% of them" in words


def test_the_national_page(client: TestClient, db: Path) -> None:
    response = client.get("/use-of-force?year=2019/20")
    assert response.status_code == 200
    page = Page(response.text)
    doc = compute_use_of_force(db, "all", "2019/20")
    assert assert_all_figures_are_the_documents(page, doc) > 40
    keys = figures(page)
    assert keys["incidents.count"] == "1000" and keys["tactic_uses.count"] == "2000"
    assert keys["by_ethnicity.Black.incidents"] == "150"  # incidents by group: national tables only
    assert "<h1>Use of force: England and Wales</h1>" in response.text
    assert "beside England and Wales" not in response.text


def test_the_latest_year_by_default_and_a_picker_of_the_years_loaded(client: TestClient) -> None:
    html = client.get("/force/kent/use-of-force").text
    assert "Financial year 2019/20 (April 2019 to March 2020)" in html
    picker = re.search(r'<select id="uof-year" name="year">(.*?)</select>', html, re.S)
    assert picker is not None
    assert re.findall(r'<option value="([^"]+)"', picker.group(1)) == ["2019/20", "2018/19", "2017/18"]
    assert '<option value="2019/20" selected>' in picker.group(1)
    forces = re.search(r'<select id="uof-force" name="force">(.*?)</select>', html, re.S)
    assert forces is not None and re.findall(r'<option value="([^"]+)"', forces.group(1)) == ["all", "essex", "kent"]


def test_the_picker_goes_to_the_force_page(client: TestClient) -> None:
    response = client.get("/use-of-force?force=kent&year=2018/19", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/force/kent/use-of-force?year=2018%2F19"
    back = client.get("/use-of-force?force=all&year=2018/19", follow_redirects=False)
    assert back.status_code == 200 and "Use of force: England and Wales" in back.text
    national = client.get("/force/england-and-wales/use-of-force?year=2018/19", follow_redirects=False)
    assert national.status_code == 303 and national.headers["location"] == "/use-of-force?year=2018/19"


def test_a_year_without_tables_by_force_says_what_it_lacks(client: TestClient, db: Path) -> None:
    response = client.get("/force/kent/use-of-force?year=2017/18")
    assert response.status_code == 200
    assert_all_figures_are_the_documents(Page(response.text), compute_use_of_force(db, "kent", "2017/18"))
    words = text(response.text)
    assert "What the 2017/18 figures do not include" in words
    assert "give no tactic uses by perceived ethnic group for Kent Police" in words
    assert "give no tactic uses by age for Kent Police" in words
    assert 'id="table-uof-ethnicity"' not in response.text  # no table of n/a
    assert "250 incidents in which officers used force" in words


def test_stop_and_search_beside_it_answered_in_words(client: TestClient) -> None:
    words = text(client.get("/force/kent/use-of-force?year=2019/20").text)
    # April 2019: 20 Black, 10 White and 10 Asian people searched against 400, 2,000 and 600 residents (Black
    # 10.00 times the White rate, Asian 3.33), beside use of force (Black 3.00, Asian 0.50): Black people are
    # over-represented in both, Asian people in stop and search only; Mixed and Other have too few of either.
    assert ("Yes, for Black people: compared with White people, they were over-represented both in stop and search "
            "and in use of force by Kent Police in 2019/20.") in words
    assert ("Asian people: over-represented in stop and search only (stop and search 3.33 times the White rate, "
            "use of force 0.50 times).") in words
    assert "For Mixed and Other people it cannot be said" in words
    assert "Black 10.00 3.00 yes" in words and "Asian 3.33 0.50 no" in words


def test_without_stop_and_search_the_question_is_not_answered(client: TestClient) -> None:
    words = text(client.get("/force/essex/use-of-force?year=2019/20").text)
    assert "This cannot be answered here: no stop and search by Essex Police in 2019/20 is loaded" in words
    assert "Download PDF" not in words  # no searches to report on


def test_a_revision_says_which_release_changed_what(client: TestClient) -> None:
    words = text(client.get("/force/kent/use-of-force?year=2019/20").text)
    assert ("Figures for 2018/19 were revised in the 2019/20 release (published 17 December 2020): 1 figure first "
            "published in the 2018/19 release changed.") in words
    assert "2018/19 Kent Police incidents with a Taser 40 the 2018/19 release 42 the 2019/20 release" in words


@pytest.mark.parametrize(("url", "status", "says"), [
    ("/force/atlantis/use-of-force", 404, "No use of force figures are loaded for force &#39;atlantis&#39;"),
    ("/force/btp/use-of-force", 404, "No use of force figures are loaded for force &#39;btp&#39;"),
    ("/use-of-force?year=2016/17", 404, "No use of force figures are loaded for 2016/17. Loaded: 2017/18, 2018/19, "
                                        "2019/20."),
    ("/force/kent/use-of-force?year=2019", 400, "The year &#39;2019&#39; is not a financial year"),
    ("/use-of-force?year=2019/21", 400, "The year &#39;2019/21&#39; is not a financial year"),
    ("/use-of-force?year=%EF%BC%92019/20", 400, "is not a financial year"),  # a full-width digit
])
def test_an_unknown_force_or_year_is_a_page_that_says_so(client: TestClient, url: str, status: int,
                                                         says: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert says in response.text and "Traceback" not in response.text
    assert "<h1>Cannot show this page</h1>" in response.text


def test_what_the_reader_types_is_escaped(client: TestClient) -> None:
    response = client.get(f"/force/{HOSTILE_PATH}/use-of-force")
    assert response.status_code == 404
    assert HOSTILE_PATH not in response.text and "&lt;img src=x onerror=alert(1)&gt;" in response.text
    for url in (f"/use-of-force?year={HOSTILE}", f"/force/kent/use-of-force?year={HOSTILE}"):
        response = client.get(url)
        assert response.status_code == 400
        assert HOSTILE not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_a_force_id_from_the_table_is_escaped(db: Path, tmp_path: Path) -> None:
    hostile_db = tmp_path / "hostile.duckdb"
    shutil.copy(db, hostile_db)
    add_use_of_force(hostile_db, [(R19, "2019/20", HOSTILE, "incidents", "all", "all", "all", "incidents", 5, None)])
    with TestClient(create_app(get_settings(hostile_db))) as hostile:
        html = hostile.get("/use-of-force").text
    assert HOSTILE not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_nothing_loaded_is_a_page_saying_how_to_load_it(tmp_path: Path) -> None:
    bare = build(tmp_path / "bare", use_of_force=False)
    with TestClient(create_app(get_settings(bare))) as none_loaded:
        response = none_loaded.get("/use-of-force")
        assert response.status_code == 503
        assert "No police use of force statistics are loaded yet" in response.text
        assert none_loaded.get("/force/kent/use-of-force").status_code == 503


def test_every_chart_has_its_table(client: TestClient) -> None:
    page = Page(client.get("/force/kent/use-of-force?year=2019/20").text)
    assert page.charts == ["spec-uof-ratios", "spec-uof-taser"]
    for spec, table in page.chart_tables.items():
        assert table.removeprefix("table-") in {t.removeprefix("table-") for t in page.tables}, spec
    taser = page.specs["spec-uof-taser"]
    values = {(d["year"], d["series"]): d["value"] for d in taser["layer"][0]["data"]["values"]} \
        if "data" in taser["layer"][0] else {(d["year"], d["series"]): d["value"] for d in taser["data"]["values"]}
    assert values[("2018/19", "Incidents with a Taser")] == 42 and values[("2019/20", "Taser fired")] == 8


def test_the_page_is_in_the_navigation(client: TestClient) -> None:
    home = client.get("/").text
    assert '<a href="/use-of-force">Use of force</a>' in home
    assert '<a href="/force/kent/use-of-force">Use of force</a>' in home  # "Take these figures further"
    page = client.get("/force/kent/use-of-force").text
    assert '<a href="/use-of-force" aria-current="page">Use of force</a>' in page
    assert '<a href="/" aria-current="page">Overview</a>' not in page


def test_htmx_gets_only_the_main_content(client: TestClient) -> None:
    partial = client.get("/force/kent/use-of-force", headers={"HX-Request": "true"}).text
    assert "<h1>Use of force: Kent Police</h1>" in partial and "<nav" not in partial.split("<h1>")[0]
