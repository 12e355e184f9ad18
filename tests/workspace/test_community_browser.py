"""The public report form in a real browser on a phone-sized screen (375 x 812), then a moderator publishing it,
then the public count: Playwright driving Debian's Chromium against uvicorn on 127.0.0.1, SQLite only.

The browser must ask no host but the test server, and /report and /rights must not scroll sideways."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.community import moderation, reports
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_community import valid

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def _publish_more(ws: Workspace, moderator_email: str, n: int, day: str) -> None:
    with ws.session(accounts.COMMAND_LINE) as session:
        member = accounts.authenticate(session, moderator_email, PASSWORD)
    for _ in range(n):
        with ws.session(reports.PUBLIC_FORM) as session:
            ref = reports.submit(session, valid(date=day)).reference
        with ws.session(accounts.actor(member)) as session:
            moderation.moderate(session, member, ref, "publish")


def _lambeth_reports(page: Any) -> str:
    row = page.locator("#community-summary tr", has=page.locator("th", has_text="Lambeth"))
    text: str = row.locator("td").nth(1).inner_text()
    return text


def test_report_moderate_publish_on_a_phone(browser: Any, tmp_path: Path) -> None:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        email = accounts.create_user(session, "moderator@example.org", "Mo", Role.panel_member, PASSWORD).email
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    day = (datetime.now(reports.LONDON).date() - timedelta(days=2)).isoformat()
    with LiveServer(app) as live:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

        page.goto(f"{live.url}/rights")
        assert page.evaluate(NO_SIDEWAYS)
        page.goto(f"{live.url}/report")
        assert page.evaluate(NO_SIDEWAYS)
        page.fill("#f-date", day)
        page.select_option("#f-borough", label="Lambeth")
        page.check("input[name=kind][value=search]")
        page.fill("#f-suspected_of", "carrying drugs")
        page.check("input[name=grounds_given][value=no]")
        page.check("input[name=respect][value='2']")
        page.fill("#f-account", "They pushed me against the wall.")
        page.click("button.cr-submit")
        page.wait_for_selector("text=Thank you: your report is in")
        assert page.evaluate(NO_SIDEWAYS)

        page.goto(f"{live.url}/login")
        page.fill("#f-email", email)
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.goto(f"{live.url}/workspace/community-reports")
        page.click("text=Open")
        page.click("button:has-text('Publish')")
        assert page.inner_text("#status") == "published"

        page.goto(f"{live.url}/community-reports")
        assert _lambeth_reports(page) == "<5"  # the only one: suppressed
        _publish_more(ws, email, 4, day)
        page.reload()
        assert _lambeth_reports(page) == "5"
        assert page.evaluate(NO_SIDEWAYS)
        context.close()
    assert hosts == {urlsplit(live.url).netloc}
    app.state.workspace.dispose()
    ws.dispose()


def test_use_where_i_am_now_fills_the_pin(browser: Any, tmp_path: Path) -> None:
    """The phone's own location fills the pin (the browser's geolocation, no other host asked)."""
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))
    app.state.workspace.upgrade()
    with LiveServer(app) as live:
        context = browser.new_context(viewport=PHONE, geolocation={"latitude": 51.46271, "longitude": -0.11487},
                                      permissions=["geolocation"])
        page = context.new_page()
        hosts: set[str] = set()
        page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
        page.goto(f"{live.url}/report")
        page.locator("summary", has_text="map pin").click()
        page.locator("#locate").click()
        page.wait_for_function("document.getElementById('f-latitude').value !== ''")
        assert (page.input_value("#f-latitude"), page.input_value("#f-longitude")) == ("51.4627", "-0.1149")
        assert "rounded" in page.inner_text("#locate-status")
        context.close()
        assert hosts == {f"127.0.0.1:{live.port}"}
    app.state.workspace.dispose()
