"""Accounts in a real browser (Playwright driving Debian's Chromium against uvicorn on 127.0.0.1), on a phone
(390 x 844) and a desktop (1366 x 900) window: an admin invites a member (the link copied with the button), the
member joins and stays logged in, the admin changes their role (the member's next page shows it), makes a reset
link, and deactivates them through the confirmation page; the member's open session is refused at once. Pages
must not scroll sideways and the browser must ask no host but the test server. Screenshots of every step go in
test-artifacts/accounts-<window>-<step>.png.

SQLite only, to keep CI time down: the same steps run on PostgreSQL in test_account_lifecycle.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
ADMIN = "admin@example.org"
MEMBER_PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        accounts.create_user(session, ADMIN, "Ada Admin", Role.admin, PASSWORD)
    ws.dispose()
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as live:
        yield live
    app.state.workspace.dispose()


class Person:
    """One browser context in the window under test, remembering every host it asked."""

    def __init__(self, browser: Any, server: LiveServer, window: str, *, clipboard: bool = False) -> None:
        self.server, self.window = server, window
        permissions = ["clipboard-read", "clipboard-write"] if clipboard else []
        self.context = browser.new_context(viewport=WINDOWS[window], permissions=permissions)
        self.page = self.context.new_page()
        self.hosts: set[str] = set()
        self.page.on("request", lambda request: self.hosts.add(urlsplit(request.url).netloc))

    def goto(self, path: str) -> None:
        self.page.goto(path if path.startswith("http") else self.server.url + path)

    def shot(self, step: str) -> None:
        assert self.page.evaluate(NO_SIDEWAYS), f"{step} scrolls sideways on the {self.window}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"accounts-{self.window}-{step}.png"), full_page=True)

    def login(self, email: str, password: str) -> None:
        self.goto("/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", password)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url("**/workspace")


@pytest.mark.parametrize("window", list(WINDOWS))
def test_invite_change_role_and_deactivate(browser: Any, server: LiveServer, window: str) -> None:
    admin = Person(browser, server, window, clipboard=True)
    admin.login(ADMIN, PASSWORD)
    admin.goto("/workspace/users")
    admin.shot("1-accounts")
    admin.page.fill("#f-email", "pat@example.org")
    admin.page.select_option("#f-role", "reviewer")
    admin.page.click("#invite-form button[type=submit]")
    admin.page.click("button[data-copy='invitation-link']")
    admin.page.wait_for_selector("#invitation-link-status:has-text('Copied.')")  # the clipboard answers later
    link = admin.page.evaluate("navigator.clipboard.readText()")
    assert link == admin.page.input_value("#invitation-link") and link.startswith(server.url + "/invite/")
    admin.shot("2-invited")

    member = Person(browser, server, window)
    member.goto(link)
    member.page.fill("#f-name", "Pat Member")
    member.page.fill("#f-password", MEMBER_PASSWORD)
    member.page.fill("#f-confirm", MEMBER_PASSWORD)
    member.page.click("button:has-text('Create my account')")
    member.page.wait_for_url("**/workspace")
    assert "Pat Member (reviewer)" in member.page.inner_text("nav.ws-nav")

    admin.goto("/workspace/users")
    person = admin.page.locator("li", has_text="pat@example.org")
    person.locator("select[name=role]").select_option("panel_member")
    person.locator("button:has-text('Change role')").click()
    admin.page.wait_for_url("**/workspace/users")
    assert admin.page.locator("li", has_text="pat@example.org").locator("select[name=role]").input_value() == \
        "panel_member"
    member.page.reload()
    assert "Pat Member (panel member)" in member.page.inner_text("nav.ws-nav")  # the open session, at once

    person = admin.page.locator("li", has_text="pat@example.org")
    person.locator("button:has-text('Make a password reset link')").click()
    reset_link = admin.page.input_value("#reset-link")
    assert reset_link.startswith(server.url + "/reset/")
    admin.shot("3-reset-link")
    holder = Person(browser, server, window)  # opened, not used: the member stays logged in
    holder.goto(reset_link)
    assert "For pat@example.org" in holder.page.inner_text("main")
    holder.shot("3b-reset-form")
    holder.context.close()

    admin.goto("/workspace/users")
    admin.page.locator("li", has_text="pat@example.org").locator("a:has-text('Deactivate')").click()
    admin.shot("4-confirm")
    admin.page.click("button:has-text('Deactivate')")
    admin.page.wait_for_url("**/workspace/users")
    assert "deactivated" in admin.page.locator("li", has_text="pat@example.org").inner_text()
    admin.shot("5-deactivated")

    member.goto("/workspace/panels")  # the member's open session is refused: back to the login form
    member.page.wait_for_url("**/login?next=/workspace/panels")
    member.shot("6-member-refused")
    member.page.fill("#f-email", "pat@example.org")
    member.page.fill("#f-password", MEMBER_PASSWORD)
    member.page.click("form[action='/login'] button[type=submit]")
    assert "do not match an active account" in member.page.inner_text("[role=alert]")

    member.goto("/login")  # six more guesses: the sixth is throttled
    for _ in range(5):
        member.page.fill("#f-email", "pat@example.org")
        member.page.fill("#f-password", "a wrong password")
        member.page.click("form[action='/login'] button[type=submit]")
    assert "Too many attempts" in member.page.inner_text("[role=alert]")
    member.shot("7-throttled")

    assert admin.hosts == member.hosts == {urlsplit(server.url).netloc}
    admin.context.close()
    member.context.close()


def test_a_member_changes_their_password_on_a_phone(browser: Any, server: LiveServer) -> None:
    admin = Person(browser, server, "phone")
    admin.login(ADMIN, PASSWORD)
    admin.page.click("nav.ws-nav a[href='/workspace/account']")
    admin.shot("8-password")
    admin.page.fill("#f-current", PASSWORD)
    admin.page.fill("#f-password", MEMBER_PASSWORD)
    admin.page.fill("#f-confirm", MEMBER_PASSWORD)
    admin.page.click("button:has-text('Change my password')")
    admin.page.wait_for_url("**/workspace/account?changed=true")
    assert "Your password was changed" in admin.page.inner_text("[role=status]")
    admin.shot("9-password-changed")
    admin.context.close()
