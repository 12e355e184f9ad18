"""The workspace in a real browser (Playwright driving Debian's Chromium against uvicorn on 127.0.0.1), on a phone
(390 x 844) and a desktop (1366 x 900) window.

A panel member, with JavaScript off, deletes a panel through its confirmation page; an admin, with it on, finds
the panel in Recently deleted through the workspace menu (folded behind a button on the phone) and restores it
with its 9 members. Then every workspace page is opened as the admin: none may scroll sideways (the page as wide
as the window), and each is saved as test-artifacts/workspace-<window>-<page>.png to be looked at.

SQLite only, to keep CI time down: the same steps run on PostgreSQL in test_soft_delete.py and test_confirm.py.
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
from tests.web.conftest import LiveServer
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_deleting import PANEL, Seeded, seed
from tests.workspace.factories_governance import keeps_every_panel

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
ADMIN, MEMBER = "admin@example.org", "member@example.org"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[LiveServer, Seeded]]:
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        accounts.create_user(session, ADMIN, "Ada Admin", Role.admin, PASSWORD)
        member = accounts.create_user(session, MEMBER, "Pat Member", Role.panel_member, PASSWORD)
    seeded = seed(ws)
    keeps_every_panel(ws, member)  # a panel member changes only the panels they keep
    ws.dispose()
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as live:
        yield live, seeded
    app.state.workspace.dispose()


class Person:
    def __init__(self, browser: Any, server: LiveServer, window: str, *, javascript: bool = True) -> None:
        self.server, self.window = server, window
        self.context = browser.new_context(viewport=WINDOWS[window], java_script_enabled=javascript)
        self.page = self.context.new_page()

    def goto(self, path: str) -> Any:
        return self.page.goto(self.server.url + path)

    def shot(self, name: str) -> None:
        width = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width == [WINDOWS[self.window]["width"]] * 2, f"{name} scrolls sideways on the {self.window}: {width}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"workspace-{self.window}-{name}.png"), full_page=True)

    def login(self, email: str) -> None:
        self.goto("/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url("**/workspace")


@pytest.mark.parametrize("window", list(WINDOWS))
def test_delete_a_panel_with_confirmation_and_restore_it(browser: Any, server: tuple[LiveServer, Seeded],
                                                         window: str) -> None:
    live, seeded = server
    member = Person(browser, live, window, javascript=False)
    member.login(MEMBER)
    assert member.page.is_visible("#ws-links a[href='/workspace/panels']")  # no JavaScript: the menu is open
    member.goto(f"/workspace/panels/{seeded.panel}")
    member.page.click("a:has-text('Delete this panel…')")
    member.page.wait_for_url(f"**/workspace/panels/{seeded.panel}/delete")
    assert "its 9 members and 1 meeting" in member.page.inner_text("#confirm")
    member.shot("confirm-delete-panel")
    member.page.click("button:has-text('Delete the panel')")
    member.page.wait_for_url("**/workspace/panels")
    assert PANEL not in member.page.inner_text("main")
    member.goto("/panels")
    assert PANEL not in member.page.inner_text("main")

    admin = Person(browser, live, window)
    admin.login(ADMIN)
    if window == "phone":  # the menu is folded behind a button naming where one is
        assert not admin.page.is_visible("#ws-links")
        admin.page.click("button.ws-toggle")
        assert admin.page.get_attribute("button.ws-toggle", "aria-expanded") == "true"
    admin.page.click("#ws-links a:has-text('Recently deleted')")
    admin.page.wait_for_url("**/workspace/deleted")
    if window == "phone":
        assert admin.page.inner_text("button.ws-toggle").endswith("Recently deleted ▾")
    entry = admin.page.locator(f"#deleted-panel-{seeded.panel}")
    assert PANEL in entry.inner_text() and f"Deleted by {MEMBER}" in entry.inner_text()
    admin.shot("deleted-a-panel")
    entry.locator("button:has-text('Restore')").click()
    admin.page.wait_for_url(f"**/workspace/panels/{seeded.panel}")
    assert admin.page.locator("#table-members tbody tr").count() == 9
    admin.goto("/panels")
    assert PANEL in admin.page.inner_text("main")


PAGES = {
    "home": "/workspace", "panels": "/workspace/panels", "panel": "/workspace/panels/{panel}",
    "governance": "/workspace/governance", "body": "/workspace/governance/bodies/{csp}",
    "recommendations": "/workspace/recommendations", "recommendation": "/workspace/recommendations/{rec}",
    "review": "/workspace/review", "diversion": "/workspace/diversion", "case": "/workspace/diversion/{case}",
    "strategy": "/workspace/strategy", "priority": "/workspace/strategy/{priority}",
    "disposals": "/workspace/disposals/records", "community": "/workspace/community-reports",
    "users": "/workspace/users", "audit": "/workspace/audit", "deleted": "/workspace/deleted",
    "account": "/workspace/account", "confirm-remove-member": "/workspace/panels/{panel}/members/{member}/delete",
}


@pytest.mark.parametrize("window", list(WINDOWS))
def test_every_workspace_page_fits_the_window(browser: Any, server: tuple[LiveServer, Seeded], window: str) -> None:
    live, seeded = server
    admin = Person(browser, live, window)
    admin.login(ADMIN)
    for name, path in PAGES.items():
        url = path.format(panel=seeded.panel, csp=seeded.map.csp, rec=seeded.recommendation, case=seeded.case,
                          priority=seeded.priority, member=seeded.member)
        response = admin.goto(url)
        assert response is not None and response.status == 200, url
        assert admin.page.locator("nav.ws-nav").count() == 1
        admin.shot(name)
