"""Security headers on every kind of response, cookies Secure over HTTPS, and the pages still working under
the Content-Security-Policy in a real browser.

Before: no response carried any of these, and a page on another local port framed `/workspace/panels/2`,
logged in, with its delete buttons. The expected values below are written out, not read from
`scrutiny.web.security_headers`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from scrutiny.web import create_app, get_settings
from scrutiny.web.workspace.parts import PARTS
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from tests.loopback import TLS
from tests.web.conftest import LiveServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TEMPLATES = Path(__file__).resolve().parents[2] / "src/scrutiny/web/templates"
PDF_ONLY = {Path("workspace/community/letter.html")}  # made into a PDF by WeasyPrint, never served as a page
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADMIN, PASSWORD = "admin@example.org", "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id still; cost is not tested here
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def _policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def assert_secured(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers.get(name))
    policy = _policy(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "unsafe" not in response.headers["content-security-policy"]
    assert "geolocation=(self)" in response.headers["permissions-policy"]


def _workspace(folder: Path) -> Workspace:
    workspace = Workspace(f"sqlite:///{folder / 'workspace.sqlite'}")
    workspace.upgrade()
    with workspace.session(accounts.COMMAND_LINE) as session:
        session.add(User(email=ADMIN, name="Admin", role=Role.admin, password_hash=CHEAP.hash(PASSWORD)))
    return workspace


@pytest.fixture(scope="module")
def app(web_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("headers")
    _workspace(folder).dispose()
    made = create_app(get_settings(web_db, workspace_url=f"sqlite:///{folder / 'workspace.sqlite'}"))

    @made.get("/test-only/boom")
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    yield made
    made.state.workspace.dispose()


def _client(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, raise_server_exceptions=False)


def _log_in(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"email": ADMIN, "password": PASSWORD,
                                          "csrf_token": client.cookies["scrutiny_csrf"]}, follow_redirects=False)
    assert answer.status_code == 303


@pytest.mark.parametrize(("method", "path", "status", "kind"), [
    ("GET", "/", 200, "text/html"),  # a dashboard page
    ("GET", "/api/v1/forces", 200, "application/json"),  # the API
    ("GET", "/api/v1/openapi.json", 200, "application/json"),
    ("GET", "/api/v1/docs", 200, "text/html"),
    ("GET", "/static/css/site.css", 200, "text/css"),  # a static file
    ("GET", "/static/js/dashboard.js", 200, "text/javascript"),
    ("GET", "/force/no-such-force", 404, "text/html"),  # a page's 404
    ("GET", "/no-such-page", 404, "application/json"),  # no route at all
    ("GET", "/api/v1/no-such-thing", 404, "application/json"),  # the API's 404
    ("GET", "/static/no-such-file.js", 404, "application/json"),
    ("GET", "/api/v1/metrics?from=not-a-month", 422, "application/json"),
    ("GET", "/workspace/panels", 303, None),  # a redirect to the login form
    ("GET", "/login", 200, "text/html"),
    ("DELETE", "/api/v1/forces", 405, "application/json"),
    ("GET", "/test-only/boom", 500, None),  # Starlette's error middleware answers this one
])
def test_every_kind_of_response_has_the_headers(app: FastAPI, method: str, path: str, status: int,
                                                kind: str | None) -> None:
    with _client(app) as client:
        response = client.request(method, path, follow_redirects=False, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == status
    if kind:
        assert response.headers["content-type"].startswith(kind)
    assert_secured(response)
    assert "strict-transport-security" not in response.headers  # plain HTTP: HSTS would mean nothing


def test_a_refusal_before_any_route_has_the_headers(app: FastAPI) -> None:
    with _client(app) as client:
        too_big = client.post("/api/v1/recommendations", content=b"[" * 2_000_000,
                              headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    assert_secured(too_big)


def test_workspace_pages_logged_in_have_the_headers(app: FastAPI) -> None:
    with _client(app) as client:
        _log_in(client)
        for part in PARTS:
            response = client.get(part.url)
            assert response.status_code == 200, part.url
            assert_secured(response)
        made = client.post("/workspace/panels", data={
            "name": "Headers panel", "area_name": "Kent", "kind": "scrutiny_panel",
            "csrf_token": client.cookies["scrutiny_csrf"]}, follow_redirects=False)
        assert made.status_code == 303
        assert_secured(made)
        assert_secured(client.get(made.headers["location"]))


def test_over_https_browsers_are_told_to_stay_on_https_and_cookies_are_secure(app: FastAPI) -> None:
    with _client(app, "https://testserver") as client:
        response = client.get("/login")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert_secured(response)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("scrutiny_csrf=") and "Secure" in cookie and "HttpOnly" in cookie
    with _client(app) as client:
        plain = client.get("/login").headers["set-cookie"]
    assert plain.startswith("scrutiny_csrf=") and "Secure" not in plain


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    """The CSP refuses them (and style attributes and elements); a new template with one would fail in browsers,
    so it fails here first."""
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.relative_to(TEMPLATES)}: {tag}")
        offenders += [f"{template.relative_to(TEMPLATES)}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{template.relative_to(TEMPLATES)}: {m}" for m in re.findall(r"javascript:", text)]
        offenders += [f"{template.relative_to(TEMPLATES)}: {m}" for m in re.findall(r"\sstyle\s*=", text)]
        if template.relative_to(TEMPLATES) not in PDF_ONLY:
            offenders += [f"{template.relative_to(TEMPLATES)}: {m}" for m in re.findall(r"<style\b", text)]
    assert offenders == []


# ---- behind a proxy: `scrutiny serve --proxy-headers` --------------------------------------------------------

def _serve(db: Path, workspace: str, *extra: str) -> tuple[subprocess.Popen[str], int]:
    code = ("import typer; from scrutiny.cli.serve import register; app = typer.Typer(); "
            "app.callback()(lambda: None); register(app); app()")
    env = {k: v for k, v in os.environ.items() if k not in ("SCRUTINY_TRUSTED_PROXIES", "SCRUTINY_SECURE_COOKIES")}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", code, "serve", "--db", str(db), "--workspace", workspace,
                               "--port", str(port), *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env)
    return server, port


def _started(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while server.poll() is None and time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5, verify=TLS)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"scrutiny serve did not start:\n{server.communicate()[0]}")


def _cookie(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


def test_cookies_are_secure_when_the_trusted_proxy_says_https(web_db: Path, tmp_path: Path) -> None:
    _workspace(tmp_path).dispose()
    url = f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    behind, behind_port = _serve(web_db, url, "--proxy-headers")
    plain, plain_port = _serve(web_db, url)
    try:
        _started(behind, behind_port)
        _started(plain, plain_port)
        https = {"X-Forwarded-Proto": "https"}
        base = f"http://127.0.0.1:{behind_port}"
        form = httpx.get(f"{base}/login", headers=https, verify=TLS)
        csrf = _cookie(form, "scrutiny_csrf")
        assert "; Secure" in csrf and form.headers["strict-transport-security"] == "max-age=31536000"
        token = csrf.split(";")[0].split("=", 1)[1]
        logged_in = httpx.post(f"{base}/login", headers={**https, "Cookie": f"scrutiny_csrf={token}"},
                               data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}, verify=TLS)
        assert logged_in.status_code == 303
        assert "; Secure" in _cookie(logged_in, "scrutiny_session")
        assert "; Secure" in _cookie(logged_in, "scrutiny_csrf")  # the session's own token, set at login
        # the proxy said plain HTTP: not Secure, or the browser would never send the cookie back
        assert "Secure" not in _cookie(httpx.get(f"{base}/login", headers={"X-Forwarded-Proto": "http"}, verify=TLS),
                                       "scrutiny_csrf")
        # without --proxy-headers nobody's X-Forwarded-Proto is believed
        unbelieved = httpx.get(f"http://127.0.0.1:{plain_port}/login", headers=https, verify=TLS)
        assert "Secure" not in _cookie(unbelieved, "scrutiny_csrf")
        assert "strict-transport-security" not in unbelieved.headers
        assert_secured(unbelieved)
    finally:
        for server in (behind, plain):
            server.terminate()
            server.wait(timeout=15)


# ---- in Chromium ------------------------------------------------------------------------------------------

PUBLIC_PAGES = ["/", "/force/kent", "/forces", "/compare", "/bias", "/disposals", "/coverage", "/downloads",
                "/methods", "/report", "/rights", "/community-reports", "/panels", "/recommendations",
                "/api/v1/docs", "/login"]
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
CSP_VIOLATIONS = """() => { window.cspViolations = [];
  document.addEventListener('securitypolicyviolation',
    e => window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
}"""


@pytest.fixture(scope="module")
def live(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


class Tab:
    """A page that records console errors and CSP violations (an init script sees them before any other)."""

    def __init__(self, browser: Any, size: str) -> None:
        self.context = browser.new_context(viewport=SIZES[size])
        self.context.add_init_script(script=f"({CSP_VIOLATIONS})()")
        self.page = self.context.new_page()
        self.size = size
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def visit(self, url: str) -> None:
        self.errors.clear()
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('[data-vega-spec]'))"
            ".every(e => ['yes', 'failed'].includes(e.dataset.drawn))", timeout=20_000)
        charts = self.page.eval_on_selector_all("[data-vega-spec]", "els => els.map(e => e.dataset.drawn)")
        assert all(drawn == "yes" for drawn in charts), (url, charts, self.errors)
        assert self.page.evaluate("window.cspViolations") == [], url
        assert [e for e in self.errors if "Content Security Policy" in e or "Refused" in e] == [], url

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"security-{name}-{self.size}.png"), full_page=True)


def _browser_login(tab: Tab, base: str) -> None:
    tab.page.goto(f"{base}/login")
    tab.page.fill("input[name=email]", ADMIN)
    tab.page.fill("input[name=password]", PASSWORD)
    tab.page.locator("main form button[type=submit]").click()
    tab.page.wait_for_url(f"{base}/workspace")


def _swap_on_compare(tab: Tab, base: str) -> None:
    """An htmx swap over drawn charts: htmx settles attributes of elements kept by id, and copying a chart's
    style attribute would be refused (its settle list leaves "style" out)."""
    tab.visit(f"{base}/compare")
    tab.page.evaluate("() => { window.settled = false; document.body.addEventListener('htmx:afterSettle',"
                      " () => { window.settled = true; }, {once: true}); }")
    tab.page.locator("input[name=ethnicity][value=officer]").check()
    tab.page.wait_for_function("() => window.settled === true", timeout=20_000)
    assert "ethnicity=officer" in tab.page.url
    tab.page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-vega-spec]'))"
        ".every(e => ['yes', 'failed'].includes(e.dataset.drawn))", timeout=20_000)
    assert tab.page.locator("[data-drawn=yes]").count() == tab.page.locator("[data-vega-spec]").count() > 0
    assert tab.page.evaluate("window.cspViolations") == []
    assert [e for e in tab.errors if "Content Security Policy" in e] == []


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
def test_pages_work_under_the_policy_in_chromium(browser: Any, live: LiveServer, size: str) -> None:
    tab = Tab(browser, size)
    try:
        charts = 0
        for path in PUBLIC_PAGES:
            tab.visit(live.url + path)
            charts += tab.page.locator("[data-drawn=yes]").count()
            if path in ("/", "/compare", "/api/v1/docs"):
                tab.shot(path.strip("/").replace("/", "-") or "overview")
        assert charts >= 5  # the charts really drew (by Vega's CSP-safe interpreter), not merely none failed
        _swap_on_compare(tab, live.url)
        assert tab.page.goto(live.url + "/api/v1/docs") is not None
        tab.page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI started from its own file
        _browser_login(tab, live.url)  # the login form's CSRF token and Sec-Fetch-Site: a real browser passes
        for part in PARTS:
            tab.visit(live.url + part.url)
        tab.visit(live.url + "/workspace/panels")
        tab.page.fill("#f-name", f"Chromium panel {size}")
        tab.page.fill("#f-area_name", "Kent")
        tab.page.locator("main form[action='/workspace/panels'] button[type=submit]").click()
        tab.page.wait_for_url(re.compile(r"/workspace/panels/\d+$"))
        assert tab.page.locator("h1").inner_text() == f"Chromium panel {size}"
        tab.visit(tab.page.url)
        tab.shot("workspace-panel")
    finally:
        tab.context.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.browser
def test_another_local_port_cannot_frame_the_workspace(browser: Any, live: LiveServer, tmp_path: Path) -> None:
    """The attack the issue measured: a page on another port frames a workspace page while the browser is
    logged in (the cookies go: SameSite ignores ports). The frame must stay empty; a page the other port
    frames of its own renders, so the check can tell a framed page from a refused one."""
    (tmp_path / "own.html").write_text("<!doctype html><title>own</title><p id=own>framed fine</p>")
    (tmp_path / "attack.html").write_text(
        f'<!doctype html><title>attack</title><iframe id=target src="{live.url}/workspace/panels"></iframe>'
        '<iframe id=own src="/own.html"></iframe>')
    other = HTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    tab = Tab(browser, "desktop")
    try:
        _browser_login(tab, live.url)
        tab.page.goto(f"http://127.0.0.1:{other.server_address[1]}/attack.html")
        tab.page.wait_for_load_state("load")
        own = tab.page.frame_locator("#own").locator("#own")
        assert own.inner_text() == "framed fine"
        target = tab.page.frame(url=re.compile(r"/workspace/panels"))
        framed = target.content() if target is not None else ""
        assert "Add it" not in framed and "csrf_token" not in framed  # no form of the workspace in the frame
        assert any("frame-ancestors" in e for e in tab.errors), tab.errors
        tab.shot("framed")
    finally:
        tab.context.close()
        other.shutdown()
        thread.join(timeout=5)

