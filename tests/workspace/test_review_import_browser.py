"""Importing a force export with ethnicity codes in a real browser (Playwright driving Debian's Chromium against
uvicorn on 127.0.0.1), in a phone window and a desktop one: a panel member uploads data/review_sde_codes.csv,
finds the columns named as forces name them ("Search Ref", "Officer Collar No", "SDE", "ODE") already matched
with their first rows beside them, imports, draws a sample of every record and sees the review results by
ethnic group as counted by eye (data/README.md). Screenshots go to test-artifacts/ (git-ignored).

SQLite only, as test_review_browser.py: the import itself is tested on PostgreSQL too (test_review_codes.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.conftest import REPO
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_review import DATA

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

MEMBER = "member@example.org"
ARTIFACTS = REPO / "test-artifacts"
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
# Records in the sample by self-defined group, counted by eye from the file (data/README.md).
BY_GROUP = {"Asian": "3", "Black": "3", "Mixed": "1", "White": "2", "Other": "2", "Not stated": "1", "All": "12"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        accounts.create_user(session, MEMBER, "Pat Member", Role.panel_member, PASSWORD)
    ws.dispose()
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as live:
        yield live
    app.state.workspace.dispose()


def _fits(page: Any) -> None:
    """No sideways scrolling of the page itself (a wide table scrolls in its own box)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("window", list(WINDOWS))
def test_import_sde_codes_and_see_results_by_group(browser: Any, server: LiveServer, window: str,
                                                   tmp_path: Path) -> None:
    context = browser.new_context(viewport=WINDOWS[window])
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"review-import-{name}-{window}.png"), full_page=True)

    page.goto(server.url + "/login")
    page.fill("#f-email", MEMBER)
    page.fill("#f-password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/workspace")

    # First a copy with a code no code set has: nothing is imported, the value is named with its rows.
    lines = (DATA / "review_sde_codes.csv").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",M1,", ",M7,")
    bad = tmp_path / "with-M7.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    page.goto(server.url + "/workspace/review/import")
    page.set_input_files("#f-file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#unmapped")
    assert page.locator("#unmapped li").all_inner_texts() == ["Column “SDE”, value “M7”: row 5"]
    _fits(page)
    shot("refused")

    page.goto(server.url + "/workspace/review/import")
    page.set_input_files("#f-file", str(DATA / "review_sde_codes.csv"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")
    chosen = {page.inner_text(f'label[for="f-col_{i}"]'): page.input_value(f"#f-col_{i}") for i in range(9)}
    assert chosen == {"Search Ref": "force_reference", "Search Date": "occurred_at", "Officer Collar No": "officer",
                      "SDE": "self_defined_ethnicity", "ODE": "officer_defined_ethnicity",
                      "Object of Search": "object_of_search", "Grounds": "grounds", "Outcome": "outcome",
                      "Borough": "area"}
    assert page.locator("#s-col_3 .sample").all_inner_texts() == ["B1", "W1", "A2"]
    assert page.locator("#s-col_4 .sample").all_inner_texts() == ["IC3", "IC1", "IC4"]
    assert page.locator("#s-col_3").is_visible() and page.locator("#f-col_3").is_visible()
    _fits(page)
    shot("mapping")

    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#import-result")
    assert "12 new records imported" in page.inner_text("#import-result")
    read = {group: page.inner_text(f'#table-import-groups tr[data-group="{group}"] td') for group in BY_GROUP
            if group != "All"}
    assert read == {g: n for g, n in BY_GROUP.items() if g != "All"}
    _fits(page)
    shot("imported")

    page.goto(server.url + "/workspace/review")
    page.fill("#f-period_start", "2024-04-01")
    page.fill("#f-period_end", "2024-04-30")
    page.fill("#f-size", "12")
    page.fill("#f-seed", "7")
    page.click("#draw-form button[type=submit]")
    page.wait_for_url("**/workspace/review/samples/1")

    page.goto(server.url + "/workspace/review/results")
    records = {group: page.inner_text(f'#table-results tr[data-group="{group}"] [data-count="records"]')
               for group in BY_GROUP}
    assert records == BY_GROUP
    _fits(page)
    shot("results")

    strangers = [url for url in asked if not url.startswith(server.url + "/")]
    assert strangers == [], strangers
    context.close()
