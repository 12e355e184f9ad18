"""axe-core in Chromium on every public and workspace page, on a phone (390 x 844) and a desktop (1366 x 900)
window: no violation of impact "serious" or "critical" (issue 21).

axe-core is vendored under tests/web/vendor/axe-core (scripts/vendor_axe.sh fetched it from the npm registry), so
the run needs no network. It is added to each page as an init script, which runs before the page's own and is
not subject to its Content-Security-Policy: the pages are checked exactly as served, their CSP in force.

The pages are found by walking the app's routes: every GET route that answers with a page must be listed in
`PUBLIC` or `WORKSPACE` (with the records its address needs) or in `NOT_PAGES` (with why), so a new page is
checked without editing this file. Besides each route's own page, the states a reader meets on the way are
checked: the report form and the login with their errors, the report's confirmation, a letter reference not
found, the error pages, an invitation and a reset link just made, a workspace form refused, a review import's
columns and result, disposal records checked, and the site's and the workspace's menus opened on a phone.

Data: the hand-made warehouse of tests/web/conftest.py (Kent and BTP searches) with the street crimes of
tests/crime_fixture.py and the use-of-force releases of tests/use_of_force_fixture.py; a SQLite workspace
migrated to head with one of every record (tests/workspace/factories_deleting.py), a community report flagged
for safeguarding, a review sample, an invitation and a reset link. One server and one browser for the module;
one browser context per window and audience.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import account_lifecycle, accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from tests.crime_fixture import write_fixture as write_crime
from tests.use_of_force_fixture import add_use_of_force
from tests.web.conftest import LiveServer, ingest, write_sources
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_community import store, valid
from tests.workspace.factories_deleting import Seeded, seed
from tests.workspace.factories_review import add_record, sample_of

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core"
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
ADMIN, MEMBER = "admin@example.org", "member@example.org"
BLOCKING = ("serious", "critical")
DATA = Path(__file__).resolve().parents[1] / "workspace" / "data"
REVIEW_EXPORT, DISPOSAL_CASES = DATA / "review_force_export.csv", DATA / "disposal_cases.csv"

# Every public page by its route, with the addresses that show it (a route may show several states).
PUBLIC: dict[str, list[str]] = {
    "/": ["/"],
    "/force/{force}": ["/force/kent", "/force/metropolitan"],
    "/force/{force}/area/{code}": ["/force/kent/area/E07000110"],
    "/forces": ["/forces"],
    "/coverage": ["/coverage"],
    "/compare": ["/compare"],
    "/methods": ["/methods"],
    "/downloads": ["/downloads"],
    "/force/{force}/bias": ["/force/kent/bias", "/force/kent/bias?test=rates", "/force/kent/bias?test=darkness",
                            "/force/kent/bias?test=change"],
    "/use-of-force": ["/use-of-force"],
    "/force/{force}/use-of-force": ["/force/kent/use-of-force?year=2019/20"],
    "/report": ["/report"],
    "/report/letter": ["/report/letter"],
    "/rights": ["/rights"],
    "/community-reports": ["/community-reports"],
    "/disposals": ["/disposals"],
    "/disposals/policies": ["/disposals/policies"],
    "/panels": ["/panels"],
    "/panels/{panel_id}": ["/panels/{panel}"],
    "/governance": ["/governance"],
    "/recommendations": ["/recommendations"],
    "/recommendations/{recommendation_id}": ["/recommendations/{rec}"],
    "/review/results": ["/review/results"],
    "/diversion": ["/diversion"],
    "/strategy": ["/strategy"],
    "/strategy/{priority_id}": ["/strategy/{priority}"],
    "/login": ["/login"],
    "/invite/{token}": ["/invite/{invitation_token}"],
    "/reset/{token}": ["/reset/{reset_token}"],
}
# Error pages, as pages answer them: a force not loaded, an invitation link that is no link.
PUBLIC_ERRORS = {"/force/nowhere": 404, "/invite/not-a-token": 404}
WORKSPACE: dict[str, list[str]] = {
    "/workspace": ["/workspace"],
    "/workspace/account": ["/workspace/account"],
    "/workspace/users": ["/workspace/users"],
    "/workspace/users/{user_id}/deactivate": ["/workspace/users/{member_id}/deactivate"],
    "/workspace/invitations/{invitation_id}/revoke": ["/workspace/invitations/{invitation}/revoke"],
    "/workspace/audit": ["/workspace/audit"],
    "/workspace/deleted": ["/workspace/deleted"],
    "/workspace/panels": ["/workspace/panels"],
    "/workspace/panels/{panel_id}": ["/workspace/panels/{panel}"],
    "/workspace/panels/{panel_id}/delete": ["/workspace/panels/{panel}/delete"],
    "/workspace/panels/{panel_id}/members/{member_id}/delete": ["/workspace/panels/{panel}/members/{member}/delete"],
    "/workspace/panels/{panel_id}/meetings/{meeting_id}/delete":
        ["/workspace/panels/{panel}/meetings/{meeting}/delete"],
    "/workspace/governance": ["/workspace/governance"],
    "/workspace/governance/bodies/{body_id}": ["/workspace/governance/bodies/{csp}"],
    "/workspace/governance/bodies/{body_id}/delete": ["/workspace/governance/bodies/{lone_body}/delete"],
    "/workspace/governance/relations/{relation_id}/delete": ["/workspace/governance/relations/{relation}/delete"],
    "/workspace/governance/memberships/{membership_id}": ["/workspace/governance/memberships/{membership}"],
    "/workspace/governance/memberships/{membership_id}/delete":
        ["/workspace/governance/memberships/{membership}/delete"],
    "/workspace/recommendations": ["/workspace/recommendations"],
    "/workspace/recommendations/{recommendation_id}": ["/workspace/recommendations/{rec}"],
    "/workspace/recommendations/{recommendation_id}/delete": ["/workspace/recommendations/{rec}/delete"],
    "/workspace/recommendations/{recommendation_id}/kpis/{kpi_id}/delete":
        ["/workspace/recommendations/{rec}/kpis/{kpi}/delete"],
    "/workspace/review": ["/workspace/review"],
    "/workspace/review/import": ["/workspace/review/import"],
    "/workspace/review/samples/{sample_id}": ["/workspace/review/samples/{sample}"],
    "/workspace/review/records/{record_id}": ["/workspace/review/records/{record}"],
    "/workspace/review/results": ["/workspace/review/results"],
    "/workspace/diversion": ["/workspace/diversion"],
    "/workspace/diversion/new": ["/workspace/diversion/new"],
    "/workspace/diversion/import": ["/workspace/diversion/import"],
    "/workspace/diversion/{case_id}": ["/workspace/diversion/{case}"],
    "/workspace/diversion/{case_id}/recontacts/{recontact_id}/delete":
        ["/workspace/diversion/{case}/recontacts/{recontact}/delete"],
    "/workspace/disposals/records": ["/workspace/disposals/records"],
    "/workspace/strategy": ["/workspace/strategy"],
    "/workspace/strategy/{priority_id}": ["/workspace/strategy/{priority}"],
    "/workspace/strategy/{priority_id}/indicators/{indicator_id}/delete":
        ["/workspace/strategy/{priority}/indicators/{indicator}/delete"],
    "/workspace/community-reports": ["/workspace/community-reports"],
    "/workspace/community-reports/{report_id}": ["/workspace/community-reports/{report}"],
}
WORKSPACE_ERRORS = {"/workspace/panels/999999": 404, "/workspace/review/samples/999999": 404}
# Not checked: an address no route has, answered with the API's one JSON error shape (scrutiny.web.errors) as
# tests/web/test_security_headers.py requires, not a page; the API's docs (/api/v1/docs), Swagger UI's own page
# from its vendored files (axe finds its colour contrast and nested controls serious: not this project's markup).
NOT_PAGES = {  # GET routes that answer with no HTML page of their own (a redirect lands on one checked)
    "/force/{force}/report.pdf": "a PDF",
    "/force/{force}/area/{code}/report.pdf": "a PDF",
    "/workspace/diversion/export.csv": "a CSV download",
    "/force": "the force picker's redirect to /force/{force}",
    "/force/{force}/area": "the area picker's redirect to /force/{force}/area/{code}",
    "/bias": "a redirect to /force/{force}/bias",
}


@dataclass(frozen=True)
class Site:
    server: LiveServer
    ids: dict[str, object]

    def url(self, address: str) -> str:
        return self.server.url + address.format(**self.ids)


def _workspace(path: Path) -> tuple[Workspace, dict[str, object]]:
    """A migrated workspace with an admin, a panel member and one of every record the pages list."""
    ws = Workspace(f"sqlite:///{path}")
    ws.upgrade()
    with ws.session(accounts.COMMAND_LINE) as session:
        admin = accounts.create_user(session, ADMIN, "Ada Admin", Role.admin, PASSWORD)
        member = accounts.create_user(session, MEMBER, "Pat Member", Role.panel_member, PASSWORD)
        member_id = member.id
        invitation = accounts.invite(session, admin, "new@example.org", Role.reviewer)
        reset = account_lifecycle.issue_reset(session, admin, member.id)
        records = [add_record(session, ethnicity="Black - Caribbean").id, add_record(session, ethnicity="White").id]
        sample = sample_of(session, admin, records).id
        ids: dict[str, object] = {"member_id": member_id, "invitation": invitation.invitation.id,
                                  "invitation_token": invitation.token, "reset_token": reset.token,
                                  "sample": sample, "record": records[0]}
    seeded: Seeded = seed(ws)
    ids.update(panel=seeded.panel, member=seeded.member, meeting=seeded.meeting, csp=seeded.map.csp,
               lone_body=seeded.lone_body, relation=seeded.map.relations[0], membership=seeded.membership,
               rec=seeded.recommendation, kpi=seeded.kpi, priority=seeded.priority, indicator=seeded.indicator,
               case=seeded.case, recontact=seeded.recontact)
    store(ws)
    ids["report"] = store(ws, age_band="10-17", outer_clothing_removed="yes").reference
    ws.dispose()
    return ws, ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as patch:  # argon2id at its lightest: the cost is not what is tested here
        patch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield from _site(tmp_path_factory.mktemp("accessibility"))


def _site(folder: Path) -> Iterator[Site]:
    sources = write_sources(folder / "sources")
    write_crime(sources)
    db = folder / "warehouse.duckdb"
    ingest(sources, "--db", db)
    add_use_of_force(db)
    ws, ids = _workspace(folder / "workspace.sqlite")
    app = create_app(get_settings(db, workspace_url=ws.url))
    with LiveServer(app) as live:
        yield Site(live, ids)
    app.state.workspace.dispose()


def page_routes(app: FastAPI) -> set[str]:
    """Every GET route of the app outside the JSON API and the static files."""
    return {context.path for context in iter_route_contexts(app.routes)
            if "GET" in (context.methods or set()) and not context.path.startswith(("/api/", "/static"))}


def test_every_page_route_is_checked(tmp_path: Path) -> None:
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))
    routes = page_routes(app)
    listed = set(PUBLIC) | set(WORKSPACE) | set(NOT_PAGES)
    assert routes - listed == set(), "pages this test does not open: add them to PUBLIC or WORKSPACE"
    assert listed - routes == set(), "routes listed here that the app no longer has"


def test_the_vendored_axe_is_the_one_fetched() -> None:
    version, digest = (AXE / "VERSION").read_text().splitlines()
    assert re.fullmatch(r"axe-core@\d+\.\d+\.\d+", version)
    assert digest.split()[0] == hashlib.sha256((AXE / "axe.min.js").read_bytes()).hexdigest()
    assert "Mozilla Public License" in (AXE / "LICENSE").read_text()


FILL = """([selector, values]) => {
  const form = document.querySelector(selector);
  form.noValidate = true;
  for (const [name, value] of Object.entries(values)) {
    for (const field of form.elements) {
      if (field.name !== name) continue;
      if (field.type === 'radio' || field.type === 'checkbox') field.checked = field.value === value;
      else field.value = value;
    }
  }
}"""


class Reader:
    """One browser context (one window size), axe-core loaded into every page it opens."""

    def __init__(self, browser: Any, site: Site, window: str) -> None:
        self.site, self.window = site, window
        self.context = browser.new_context(viewport=WINDOWS[window])
        self.context.add_init_script(path=str(AXE / "axe.min.js"))
        self.page = self.context.new_page()
        self.found: list[str] = []

    def open(self, address: str, status: int = 200) -> None:
        response = self.page.goto(self.site.url(address))
        assert response is not None, address
        assert response.status == status, f"{address}: {response.status} {response.text()[:500]}"
        self.check(address)

    def check(self, label: str) -> None:
        """Run axe on the page as it is now (charts drawn) and keep its serious and critical violations."""
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('[data-vega-spec]'))"
            ".every(e => ['yes', 'failed'].includes(e.dataset.drawn))", timeout=20_000)
        violations = self.page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                                        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                                        " targets: v.nodes.map(n => n.target.join(' '))}))")
        for v in violations:
            if v["impact"] in BLOCKING:
                targets = ", ".join(v["targets"][:5]) + (f" (+{len(v['targets']) - 5})" if len(v["targets"]) > 5
                                                         else "")
                self.found.append(f"{self.window} {label}: {v['id']} ({v['impact']}) at {targets}: {v['help']}")

    def submit(self, address: str | None, form: str, values: dict[str, str], status: int, label: str,
               files: dict[str, Path] | None = None) -> None:
        """Open `address` (None: stay on this page), fill the form `form` by field name (the browser's own checks
        off, to reach the server's), send it and check the page that answers."""
        if address is not None:
            self.page.goto(self.site.url(address))
        self.page.evaluate(FILL, [form, values])
        for name, path in (files or {}).items():
            self.page.set_input_files(f"{form} [name={name}]", str(path))
        with self.page.expect_navigation() as navigation:
            self.page.click(f"{form} button[type=submit]")
        response = navigation.value
        assert response is not None, label
        assert response.status == status, f"{label}: {response.status} {response.text()[:500]}"
        self.check(label)

    def open_menu(self, address: str, toggle: str) -> None:
        self.page.goto(self.site.url(address))
        self.page.click(toggle)
        assert self.page.get_attribute(toggle, "aria-expanded") == "true"
        self.check(f"{address} with its menu open")

    def login(self) -> None:
        self.page.goto(self.site.url("/login"))
        self.page.fill("#f-email", ADMIN)
        self.page.fill("#f-password", PASSWORD)
        with self.page.expect_navigation(url="**/workspace"):
            self.page.click("form[action='/login'] button[type=submit]")

    def close(self) -> None:
        self.context.close()
        assert not self.found, "axe-core: serious or critical violations\n" + "\n".join(self.found)


def test_the_check_finds_what_it_should(browser: Any, site: Site) -> None:
    """The harness itself: axe is loaded under the pages' CSP and a serious or critical fault is reported (an
    image with no text, a button with no name), a moderate one (a heading level skipped) is not."""
    reader = Reader(browser, site, "desktop")
    reader.page.goto(site.url("/methods"))
    reader.page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="/static/none.png"><button type="button"></button><h6>Skipped</h6>')""")
    reader.check("/methods broken on purpose")
    found = [line.split(": ")[1].split(" at ")[0] for line in reader.found]
    assert sorted(found) == ["button-name (critical)", "image-alt (critical)"], reader.found
    reader.found.clear()
    reader.close()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_public_pages(browser: Any, site: Site, window: str) -> None:
    reader = Reader(browser, site, window)
    for addresses in PUBLIC.values():
        for address in addresses:
            reader.open(address)
    for address, status in PUBLIC_ERRORS.items():
        reader.open(address, status)
    if window == "phone":  # the site's menu, folded behind a button on a phone, opened
        reader.open_menu("/", "button.nav-toggle")
    reader.submit("/report", "form.cr-form", {}, 422, "/report sent empty")
    reader.submit("/report", "form.cr-form", valid(), 201, "/report sent")
    reader.submit("/report/letter", "form.cr-form", {"reference": "A" * 22}, 404, "/report/letter unknown reference")
    reader.submit("/login", "form[action='/login']", {"email": "nobody@example.org", "password": "not this"}, 401,
                  "/login wrong password")
    reader.close()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_workspace_pages(browser: Any, site: Site, window: str) -> None:
    reader = Reader(browser, site, window)
    reader.login()
    for addresses in WORKSPACE.values():
        for address in addresses:
            reader.open(address)
    for address, status in WORKSPACE_ERRORS.items():
        reader.open(address, status)
    if window == "phone":
        reader.open_menu("/workspace", "button.ws-toggle")
    reader.submit("/workspace/users", "#invite-form", {"email": f"{window}@example.org"}, 201, "invitation made")
    reader.submit("/workspace/users", f"form[action='/workspace/users/{site.ids['member_id']}/reset-link']", {}, 201,
                  "reset link made")
    reader.submit("/workspace/panels", "form[action='/workspace/panels']", {"name": ""}, 422, "panel without a name")
    reader.submit("/workspace/review/import", "#upload-form", {}, 200, "review import: columns",
                  files={"file": REVIEW_EXPORT})
    reader.submit(None, "#mapping-form", {}, 201, "review import: imported")
    reader.submit("/workspace/disposals/records", "#records-form", {}, 200, "disposal records checked",
                  files={"file": DISPOSAL_CASES})
    reader.close()
