"""Static files (scrutiny.web.static_assets): content-hashed names, compressed bodies, a year's cache; the light
pages (the report-a-stop form, the rights page, the login page) load no chart library.

Every hash and size here is computed in the test from the files on disk (hashlib, os.stat), never taken from
the module under test; compressed bodies are read raw off the wire and decompressed with gzip and brotli.
The crawl opens every page of tests/web/test_accessibility.py's page list (its warehouse and workspace, one of
every record) in a TestClient, logged in for the workspace's pages, and fetches what each page names.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import brotli
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts
from tests.crime_fixture import write_fixture as write_crime
from tests.use_of_force_fixture import add_use_of_force
from tests.web.conftest import LiveServer, ingest, write_sources
from tests.web.test_accessibility import ADMIN, PUBLIC, PUBLIC_ERRORS, WORKSPACE, WORKSPACE_ERRORS, _workspace
from tests.workspace.conftest import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[2] / "src" / "scrutiny" / "web" / "static"
YEAR = "public, max-age=31536000, immutable"
CHART_LIBRARY = ("vendor/vega/vega.min.js", "vendor/vega-lite/vega-lite.min.js",
                 "vendor/vega-embed/vega-embed.min.js")
HTMX = "vendor/htmx/htmx.min.js"
LIGHT_PAGES = ("/report", "/rights", "/login")
LIGHT_BUDGET = 100_000  # bytes of script, uncompressed
KINDS = {"js/dashboard.js": "text/javascript", "css/site.css": "text/css", "favicon.svg": "image/svg+xml",
         "vendor/swagger-ui/favicon-32x32.png": "image/png", "vendor/htmx/LICENSE": "text/plain",
         "vendor/vega/vega.min.js": "text/javascript"}


def sha8(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:8]


def hashed(path: str) -> str:
    """`js/a.b.js` → `js/a.b.<first 8 hex of its SHA-256>.js`, worked out here, not by the module."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    new = f"{stem}.{sha8(path)}.{suffix}" if dot and stem else f"{name}.{sha8(path)}"
    return f"{folder}/{new}" if folder else new


def raw(client: TestClient, url: str, encoding: str) -> tuple[int, dict[str, str], bytes]:
    """The answer's bytes as sent, before httpx would decode them."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, dict(response.headers), body


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("static")
    with TestClient(create_app(get_settings(folder / "none.duckdb"))) as client:
        yield client


# ---- one file: its name, its bytes, its headers ------------------------------------------------------------

@pytest.mark.parametrize("path", list(KINDS))
def test_a_hashed_url_answers_the_files_bytes_for_a_year(bare: TestClient, path: str) -> None:
    status, headers, body = raw(bare, f"/static/{hashed(path)}", "identity")
    assert status == 200
    assert body == (STATIC / path).read_bytes()
    assert headers["cache-control"] == YEAR
    assert headers["content-type"].startswith(KINDS[path])
    assert "content-encoding" not in headers


@pytest.mark.parametrize("path", ["js/dashboard.js", "css/site.css", "vendor/vega/vega.min.js", "favicon.svg"])
def test_gzip_and_brotli_bodies_decompress_to_the_file(bare: TestClient, path: str) -> None:
    file = (STATIC / path).read_bytes()
    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        for _ in range(2):  # the first answer compresses, the second is the kept body: both exact
            status, headers, body = raw(bare, f"/static/{hashed(path)}", encoding)
            assert status == 200 and headers["content-encoding"] == encoding
            assert len(body) < len(file) and decompress(body) == file
            assert int(headers["content-length"]) == len(body)
            assert headers["cache-control"] == YEAR and "Accept-Encoding" in headers["vary"]


def test_accept_encoding_preferences_are_honoured(bare: TestClient) -> None:
    url = f"/static/{hashed('css/site.css')}"
    for header, expected in (("gzip, deflate, br", "br"), ("br;q=0, gzip", "gzip"), ("gzip;q=0.5, br;q=0.1", "gzip"),
                             ("*", "br"), ("deflate", None), ("identity", None), ("br;q=0, gzip;q=0", None)):
        _, headers, _ = raw(bare, url, header)
        assert headers.get("content-encoding") == expected, header


def test_a_png_is_sent_as_it_is(bare: TestClient) -> None:
    path = "vendor/swagger-ui/favicon-32x32.png"
    _, headers, body = raw(bare, f"/static/{hashed(path)}", "gzip, br")
    assert "content-encoding" not in headers and body == (STATIC / path).read_bytes()


def test_a_browser_that_holds_the_file_gets_304(bare: TestClient) -> None:
    url = f"/static/{hashed('js/dashboard.js')}"
    first = bare.get(url, headers={"Accept-Encoding": "gzip"})
    again = bare.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["cache-control"] == YEAR
    other = bare.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["etag"]})
    assert other.status_code == 200  # a gzip ETag is not the brotli body's


def test_an_unhashed_name_answers_with_a_short_cache(bare: TestClient) -> None:
    response = bare.get("/static/js/dashboard.js")
    assert response.status_code == 200 and response.content == (STATIC / "js/dashboard.js").read_bytes()
    assert response.headers["cache-control"] == "public, max-age=300"


def test_a_stale_hash_answers_the_current_file_uncached(bare: TestClient) -> None:
    stale = "00000000" if sha8("js/dashboard.js") != "00000000" else "11111111"
    response = bare.get(f"/static/js/dashboard.{stale}.js")
    assert response.status_code == 200 and response.content == (STATIC / "js/dashboard.js").read_bytes()
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("url", ["/static/js/nothing.js", "/static/js/nothing.0123abcd.js", "/static/js",
                                 "/static/", "/static/js/dashboard.js.gz", "/static/.gitignore"])
def test_what_is_not_a_file_is_404(bare: TestClient, url: str) -> None:
    response = bare.get(url)
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")


def test_only_get_and_head(bare: TestClient) -> None:
    url = f"/static/{hashed('js/dashboard.js')}"
    assert bare.post(url).status_code == 405
    head = bare.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.headers["cache-control"] == YEAR


# ---- every page: what it names, and what that weighs -------------------------------------------------------

@dataclass
class Names(HTMLParser):
    """The static files a page names: scripts (in order), stylesheets and icons; whether it has charts and htmx."""

    scripts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    charts: bool = False
    htmx: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link" and a.get("href", "").startswith("/static/"):
            self.links.append(a["href"])
        self.charts = self.charts or "data-vega-spec" in a
        self.htmx = self.htmx or any(k.startswith("hx-") for k in a)


def names(html: str) -> Names:
    found = Names()
    found.feed(html)
    return found


def on_disk(url: str) -> str:
    """The file a page's URL names, after checking its hash against the file's own (computed here)."""
    match = re.fullmatch(r"/static/(.+)\.([0-9a-f]{8})(\.[^./]+)?", url)
    assert match, f"{url}: not a content-hashed name"
    path = match[1] + (match[3] or "")
    assert (STATIC / path).is_file(), url
    assert match[2] == sha8(path), f"{url}: the name's hash is not the file's"
    return path


@dataclass
class Site:
    client: TestClient
    ids: dict[str, object]

    def url(self, address: str) -> str:
        return address.format(**self.ids)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The accessibility test's site (every page in one of its states), in a TestClient."""
    folder = tmp_path_factory.mktemp("pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        sources = write_sources(folder / "sources")
        write_crime(sources)
        db = folder / "warehouse.duckdb"
        ingest(sources, "--db", db)
        add_use_of_force(db)
        ws, ids = _workspace(folder / "workspace.sqlite")
        app: FastAPI = create_app(get_settings(db, workspace_url=ws.url))
        with TestClient(app) as client:
            yield Site(client, ids)
        app.state.workspace.dispose()


def page(site: Site, address: str, status: int = 200) -> Names:
    response = site.client.get(site.url(address))
    assert response.status_code == status, f"{address}: {response.status_code}"
    assert response.headers["content-type"].startswith("text/html"), address
    return names(response.text)


def check_page(site: Site, address: str, found: Names) -> None:
    """Every file the page names answers 200 with its bytes and a year's cache; scripts run in a working order."""
    assert found.scripts, address
    for url in found.scripts + found.links:
        path = on_disk(url)
        response = site.client.get(url)
        assert response.status_code == 200, f"{address}: {url} answers {response.status_code}"
        assert response.content == (STATIC / path).read_bytes() and response.headers["cache-control"] == YEAR
    scripts = [on_disk(url) for url in found.scripts]
    if found.charts:  # the charts draw: the library, in order, before dashboard.js
        at = [scripts.index(p) for p in (*CHART_LIBRARY, "js/dashboard.js")]
        assert at == sorted(at), f"{address}: {scripts}"
    if found.htmx:
        assert HTMX in scripts and scripts.index(HTMX) < scripts.index("js/dashboard.js"), address


def test_every_page_loads_what_it_names(site: Site) -> None:
    pages = 0
    for addresses in PUBLIC.values():
        for address in addresses:
            check_page(site, address, page(site, address))
            pages += 1
    for address, status in PUBLIC_ERRORS.items():
        check_page(site, address, page(site, address, status))
    site.client.get("/login")
    answer = site.client.post("/login", data={"email": ADMIN, "password": PASSWORD,
                                              "csrf_token": site.client.cookies["scrutiny_csrf"]},
                              follow_redirects=False)
    assert answer.status_code == 303
    for addresses in WORKSPACE.values():
        for address in addresses:
            check_page(site, address, page(site, address))
            pages += 1
    for address, status in WORKSPACE_ERRORS.items():
        check_page(site, address, page(site, address, status))
    site.client.cookies.clear()
    assert pages >= 60


def test_pages_with_charts_and_only_they_load_the_chart_library(site: Site) -> None:
    with_charts = 0
    for addresses in PUBLIC.values():
        for address in addresses:
            found = page(site, address)
            scripts = [on_disk(url) for url in found.scripts]
            loads = [p for p in CHART_LIBRARY if p in scripts]
            assert loads == (list(CHART_LIBRARY) if found.charts or loads else []), address
            with_charts += found.charts
    assert with_charts >= 8  # the force, area, forces, compare, bias and use-of-force pages


@pytest.mark.parametrize("address", LIGHT_PAGES)
def test_the_light_pages_load_under_100_kb_of_script(site: Site, address: str) -> None:
    site.client.cookies.clear()  # as a visitor sees them
    found = page(site, address)
    scripts = [on_disk(url) for url in found.scripts]
    assert not set(scripts) & set(CHART_LIBRARY), address
    weight = sum((STATIC / path).stat().st_size for path in scripts)
    assert weight < LIGHT_BUDGET, f"{address}: {weight} bytes of script: {scripts}"
    assert not found.htmx  # nothing on them needs htmx, so it is left out



# ---- in Chromium: compressed, drawn, and from the cache on the next page ------------------------------------

@pytest.mark.browser
def test_in_chromium_the_files_come_compressed_and_then_from_the_cache(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict[str, Any]] = {}
    cached: set[str] = set()
    cdp.on("Network.responseReceived", lambda e: seen.__setitem__(e["requestId"], e["response"]))
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_server.url}/force/kent?from=2024-01&to=2024-02")
        page.wait_for_function("Array.from(document.querySelectorAll('[data-vega-spec]'))"
                               ".every(e => e.dataset.drawn === 'yes')", timeout=30_000)
        assert page.locator("[data-drawn=yes]").count() > 0
        first = [r for r in seen.values() if "/static/" in r["url"]]
        assert len(first) >= 7  # has-js, css, icon, htmx, the chart library, dashboard.js
        for response in first:
            assert response["status"] == 200, response["url"]
            headers = {k.lower(): v for k, v in response["headers"].items()}
            assert headers["cache-control"] == YEAR, response["url"]
            if not response["url"].endswith(".png"):
                assert headers.get("content-encoding") in ("gzip", "br"), response["url"]
        seen.clear()
        page.goto(f"{live_server.url}/rights")
        page.wait_for_load_state("load")
        again = {rid: r for rid, r in seen.items() if "/static/" in r["url"]}
        assert again, "the rights page names static files"
        for rid, response in again.items():  # no request, not even a revalidation: immutable
            assert response.get("fromDiskCache") or response.get("fromMemoryCache") or rid in cached, response["url"]
        assert not any("vega" in r["url"] for r in again.values())
        assert not problems, problems
    finally:
        context.close()
