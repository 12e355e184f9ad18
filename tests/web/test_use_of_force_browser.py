"""The use-of-force pages in Chromium, on a phone and a desktop window: every chart drawn, no sideways scroll, no
script error and nothing asked of another host (on the hand-made releases of tests/use_of_force_fixture.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutiny.web import create_app, get_settings
from tests.use_of_force_fixture import build
from tests.web.conftest import LiveServer
from tests.web.test_browser import DESKTOP, PHONE, Visit

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db: Path = build(tmp_path_factory.mktemp("uof-browser"))
    with LiveServer(create_app(get_settings(db))) as live:
        yield live


@pytest.mark.parametrize("path", ["/use-of-force", "/force/kent/use-of-force?year=2019/20",
                                  "/force/kent/use-of-force?year=2017/18"])
def test_use_of_force_pages_fit_a_phone_and_a_desktop(browser: Any, server: LiveServer, path: str) -> None:
    name = "use-of-force-" + (path.split("/")[2] if path.startswith("/force/") else "national")
    if "2017" in path:
        name += "-2017-18"
    for label, viewport in (("375", PHONE), ("1280", DESKTOP)):
        visit = Visit(browser, server, viewport)
        visit.open(path)
        assert visit.page.locator("h1").inner_text().startswith("Use of force")
        visit.no_sideways_scroll()
        visit.shot(f"{name}-{label}")
        visit.close()
