"""Panels as governance bodies and the lists, in a real browser (Playwright driving Debian's Chromium against
uvicorn on 127.0.0.1) on a phone (390 x 844) and a desktop (1366 x 900) window, without JavaScript doing any of
it: a member adds a panel with its one form, finds it on the governance map, records a recommendation from it
choosing the bodies from the lists, and links a figure chosen by its label with a force and an area from the
lists (an area of another force is refused beside the field). No page scrolls sideways and the browser asks no
host but the test server. Screenshots: test-artifacts/panels-bodies-<window>-<step>.png.

SQLite only, to keep CI time down: the same rules run on PostgreSQL in test_panels_are_bodies.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts, governance
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
MEMBER = "member@example.org"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        accounts.create_user(session, MEMBER, "Pat Member", Role.panel_member, PASSWORD)
        governance.create_body(session, "Safer Lewisham Partnership", "community_safety_partnership", "Lewisham")
    ws.dispose()
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as live:
        yield live
    app.state.workspace.dispose()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_a_panel_once_and_the_lists(browser: Any, server: LiveServer, window: str) -> None:
    context = browser.new_context(viewport=WINDOWS[window], java_script_enabled=False)
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    def shot(step: str) -> None:
        assert page.evaluate(NO_SIDEWAYS), f"{step} scrolls sideways on the {window}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"panels-bodies-{window}-{step}.png"), full_page=True)

    page.goto(server.url + "/login")
    page.fill("#f-email", MEMBER)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/workspace")

    page.goto(server.url + "/workspace/panels")
    page.fill("#f-name", "Lewisham Stop and Search Panel")
    page.select_option("#f-kind", label="Community monitoring group")
    page.fill("#f-area_name", "Lewisham")
    page.fill("#f-website", "https://lewisham-panel.example.org")
    shot("1-panel-form")
    page.click("form[action='/workspace/panels'] button[type=submit]")
    page.wait_for_url("**/workspace/panels/*")
    shot("2-panel-page")
    page.click("#panel-body")  # the same record on the governance map
    page.wait_for_url("**/workspace/governance/bodies/*")
    assert "Lewisham Stop and Search Panel" in page.inner_text("h1")
    assert "Community monitoring group" in page.inner_text(".lede") and page.is_visible("#is-panel")
    shot("3-on-the-map")

    page.goto(server.url + "/workspace/recommendations")
    page.fill("#f-text", "Publish the grounds of every search")
    page.select_option("#f-from_body_id", label="Lewisham Stop and Search Panel")
    page.select_option("#f-to_body_id", label="Safer Lewisham Partnership")
    page.fill("#f-made_on", "2025-04-01")
    shot("4-recommendation-form")
    page.click("form[action='/workspace/recommendations'] button[type=submit]")
    page.wait_for_url("**/workspace/recommendations/*")

    page.select_option("#f-metric", label="Searches per 1,000 Black residents")
    page.select_option("#f-force", label="Metropolitan Police Service")
    page.select_option("#f-area_code", label="Birmingham")  # West Midlands Police's: refused beside the field
    page.fill("#f-start", "2024-01")
    page.fill("#f-end", "2024-06")
    page.click("form[action$='/kpis'] button[type=submit]")
    assert "Birmingham is policed by West Midlands Police" in page.inner_text("#e-area_code")
    shot("5-kpi-refused")
    page.select_option("#f-area_code", label="Lewisham")
    page.fill("#f-start", "2024-01")
    page.fill("#f-end", "2024-06")
    page.click("form[action$='/kpis'] button[type=submit]")
    page.wait_for_url("**/workspace/recommendations/*")
    assert "Metropolitan Police Service, Lewisham (E09000023), 2024-01 to 2024-06" in page.inner_text("#h-kpis ~ div")
    shot("6-kpi-linked")
    context.close()
    assert hosts == {urlsplit(server.url).netloc}
