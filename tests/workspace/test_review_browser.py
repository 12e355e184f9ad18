"""Search-record review in a real browser (Playwright driving Debian's Chromium against uvicorn on 127.0.0.1):
an admin invites a reviewer through the Accounts page, the reviewer sets a password from the link and reviews
the two records of a sample, a second reviewer does the same, and the public results page shows the figures
with small cells as "<5". The browser must ask no host but the test server.

SQLite only, to keep CI time down: the services and pages are tested on PostgreSQL too by the other modules.
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
from tests.workspace.factories_review import add_record, sample_of

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
SECOND = "second@example.org"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A SQLite workspace with an admin, a second reviewer and a sample of two records (one Black, one White)."""
    ws = Workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        admin = accounts.create_user(session, ADMIN, "Ada Admin", Role.admin, PASSWORD)
        accounts.create_user(session, SECOND, "Second Reviewer", Role.reviewer, PASSWORD)
    with ws.session(accounts.actor(admin)) as session:
        ids = [add_record(session, ethnicity="Black - Caribbean", grounds="Smell of cannabis from the male.").id,
               add_record(session, ethnicity="White - English", grounds="Seen passing a package, smell of weed.").id]
        sample_of(session, admin, ids)
    ws.dispose()
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with LiveServer(app) as live:
        yield live
    app.state.workspace.dispose()


class Person:
    """One browser context, recording every URL it asks for."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 375, "height": 812})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))

    def goto(self, url: str) -> None:
        self.page.goto(url if url.startswith("http") else self.server.url + url)

    def login(self, email: str) -> None:
        self.goto("/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", PASSWORD)
        self.page.click("button:has-text('Log in')")
        self.page.wait_for_url("**/workspace")

    def review_sample(self, sample: int, answers: list[str]) -> None:
        """Review each record of the sample in turn, answering reasonable suspicion with `answers[i]`."""
        for answer in answers:
            self.goto(f"/workspace/review/samples/{sample}")
            row = self.page.locator("#table-records tbody tr", has_text="to review").first
            row.locator("a").click()
            self.page.wait_for_selector("#review-form")
            assert self.page.locator("#grounds-text mark.smell").count() == 1
            for item in ("object_stated", "grounds_stated", "smell_only"):
                self.page.check(f"#q-{item} input[value=yes]")
            self.page.check(f"#q-reasonable_suspicion input[value={answer}]")
            self.page.select_option("#f-conduct", "concerns")
            self.page.click("#review-form button[type=submit]")
            self.page.wait_for_url(f"**/workspace/review/samples/{sample}")

    def close(self) -> None:
        self.context.close()


def test_invite_review_twice_and_publish_suppressed(browser: Any, server: LiveServer) -> None:
    people: list[Person] = []

    def person() -> Person:
        people.append(Person(browser, server))
        return people[-1]

    admin = person()
    admin.login(ADMIN)
    admin.goto("/workspace/users")
    admin.page.fill("#f-email", "first@example.org")
    admin.page.select_option("#f-role", "reviewer")
    admin.page.click("#invite-form button[type=submit]")
    link = admin.page.input_value("#invitation-link")
    assert link.startswith(server.url + "/invite/")

    first = person()
    first.goto(link)
    first.page.fill("#f-name", "First Reviewer")
    first.page.fill("#f-password", "a long enough password")
    first.page.fill("#f-confirm", "a long enough password")
    first.page.click("button:has-text('Create my account')")
    first.page.wait_for_url("**/workspace")
    first.review_sample(1, ["no", "no"])
    first.goto("/workspace/review/samples/1")
    assert first.page.locator("#table-records tbody tr", has_text="reviewed").count() == 2

    second = person()
    second.login(SECOND)
    second.review_sample(1, ["no", "yes"])
    second.goto("/workspace/review")
    progress = second.page.locator("#table-samples tbody tr").first.locator("td.num").all_inner_texts()
    assert progress == ["2", "0", "0", "2"]  # records; reviewed 0, 1, 2 times

    public = person()
    public.goto("/review/results")
    every = public.page.locator('#table-results tr[data-group="All"]')
    assert every.locator('[data-count="records"]').inner_text() == "<5"
    assert every.locator('[data-count="reviewed"]').inner_text() == "<5"
    assert every.locator('[data-rate="insufficient_share"]').inner_text() == "*"
    assert public.page.locator('#table-results tr[data-group="Asian"] [data-count="records"]').inner_text() == "0"
    assert "Ada Admin" not in public.page.content()

    for p in people:
        strangers = [url for url in p.requests if not url.startswith(server.url + "/")]
        assert strangers == [], strangers
        p.close()
