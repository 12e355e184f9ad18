"""The appropriate-adult question in a real browser, on a phone (390 x 844) and a desktop (1366 x 900): a young
person answers "No" on the report form, and a moderator sees their report flagged with the reason and the steps.
Playwright driving Debian's Chromium against uvicorn on 127.0.0.1, SQLite only; screenshots in test-artifacts/
(gitignored) to look at."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.community import reports
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live(tmp_path: Path) -> Any:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        accounts.create_user(session, "mod@example.org", "Mo", Role.panel_member, PASSWORD)
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as server:
        yield server
    app.state.workspace.dispose()
    ws.dispose()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_a_child_answers_no_and_the_moderator_sees_the_flag(browser: Any, live: Any, window: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=WINDOWS[window])
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{live.url}/report")
    question = page.locator("#f-appropriate_adult")
    assert question.locator("legend").inner_text() == (
        "If you were under 18: was a parent, carer or another adult there for you when you were searched?")
    assert question.locator("label").all_inner_texts() == ["Yes", "No", "Not sure", "I was 18 or over"]
    question.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"appropriate-adult-question-{window}.png"))
    day = (datetime.now(reports.LONDON).date() - timedelta(days=2)).isoformat()
    page.fill("#f-date", day)
    page.select_option("#f-borough", label="Lambeth")
    page.check("input[name=kind][value=search]")
    question.get_by_label("No", exact=True).check()  # by its words, as a person picks it
    page.check("input[name=age_band][value='10-17']")
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"appropriate-adult-form-{window}.png"), full_page=True)
    page.click("button.cr-submit")
    page.wait_for_selector("text=Thank you: your report is in")

    page.goto(f"{live.url}/login")
    page.fill("#f-email", "mod@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto(f"{live.url}/workspace/community-reports")
    assert page.locator(".cr-flag").all_inner_texts() == ["Child: act today"]
    page.click("a[href$='#safeguarding']")
    page.wait_for_selector("#safeguarding")
    assert page.locator("#safeguarding > ul li").all_inner_texts() == [
        "They say no parent, carer or other appropriate adult was with them when they were searched."]
    assert page.locator("#safeguarding ol li").count() == 6
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"appropriate-adult-flag-{window}.png"), full_page=True)
    context.close()
    assert hosts == {urlsplit(live.url).netloc}
