"""Issue 21 in a real browser, on a phone (390 x 844) and a desktop (1366 x 900): the report form with three bad
fields shows three errors at once; the letter page, a child's report flagged for safeguarding and the audit log
read without sideways scrolling. Playwright driving Debian's Chromium against uvicorn on 127.0.0.1, SQLite only;
screenshots in test-artifacts/ (gitignored) to look at."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.community import reports
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_community import valid

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
        accounts.create_user(session, "admin@example.org", "Ada", Role.admin, PASSWORD)
    day = (datetime.now(reports.LONDON).date() - timedelta(days=2)).isoformat()
    with ws.session(reports.PUBLIC_FORM) as session:
        reports.submit(session, valid(date=day, age_band="10-17", outer_clothing_removed="yes",
                                      account="They made me take off my shoes and socks in the van and there was "
                                              "no appropriate adult."))
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as server:
        yield server
    ws.dispose()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_the_report_form_with_three_bad_fields_shows_three_errors(browser: Any, live: Any, window: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=WINDOWS[window])
    page = context.new_page()
    page.goto(f"{live.url}/report")
    tomorrow = (datetime.now(reports.LONDON).date() + timedelta(days=1)).isoformat()
    page.fill("#f-date", tomorrow)  # bad: in the future
    page.check("input[name=kind][value=search]")  # no council area and no pin: bad
    page.fill("#f-contact_email", "not-an-email")  # bad
    page.check("input[name=contact_consent]")
    page.click("button.cr-submit")
    page.wait_for_selector("#form-errors")
    assert page.locator("#form-errors li").all_inner_texts() == [
        "Date: this is in the future",
        "Council area: choose the council area where it happened (or drop a map pin)",
        "Email: this does not look like an email address"]
    assert page.locator(".field-error").count() == 3
    assert page.input_value("#f-contact_email") == "not-an-email"  # what was typed stays
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"community-three-errors-{window}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_letter_safeguarding_and_audit_pages_fit(browser: Any, live: Any, window: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=WINDOWS[window])
    page = context.new_page()
    page.goto(f"{live.url}/report/letter")
    page.fill("#f-reference", "not-a-real-reference-1")
    page.click("form[action='/report/letter'] button[type=submit]")
    page.wait_for_selector("text=We could not find this letter.")
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"community-letter-lost-{window}.png"), full_page=True)

    page.goto(f"{live.url}/login")
    page.fill("#f-email", "admin@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto(f"{live.url}/workspace/community-reports")
    assert page.locator(".cr-flag").all_inner_texts() == ["Child: act today"]
    page.screenshot(path=str(ARTIFACTS / f"community-moderation-list-{window}.png"), full_page=True)
    page.click("a[href$='#safeguarding']")
    page.wait_for_selector("#safeguarding")
    assert page.locator("#safeguarding ol li").count() == 6
    assert page.evaluate(NO_SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / f"community-safeguarding-{window}.png"), full_page=True)
    page.click("form[action$='/publish'] button")
    page.goto(f"{live.url}/workspace/audit")
    assert page.evaluate(NO_SIDEWAYS)
    assert page.locator("#audit-log .audit-changes").first.inner_text().split("\n")[-1] == "Status\tnew\tpublished"
    page.screenshot(path=str(ARTIFACTS / f"community-audit-{window}.png"), full_page=True)
    context.close()
