"""The registry of workspace parts: the home page links every part a person may use, the menu follows it,
every part's address is a page of the app, and a part that is missing or broken stops `create_app` with an
error naming it (instead of leaving its pages to answer 404)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

import scrutiny.web.workspace as package
from scrutiny.web import create_app, get_settings
from scrutiny.web.workspace import parts
from scrutiny.workspace.models.accounts import Role, User
from tests.workspace.conftest import Browser

# Written out by hand, not read from the registry: what the home should offer each role.
EVERY_PART = ["/workspace/panels", "/workspace/governance", "/workspace/recommendations", "/workspace/review",
              "/workspace/diversion", "/workspace/disposals/records", "/workspace/strategy",
              "/workspace/community-reports", "/disposals", "/workspace/users", "/workspace/audit",
              "/workspace/deleted"]
REVIEWER_PARTS = ["/workspace/panels", "/workspace/governance", "/workspace/recommendations", "/workspace/review",
                  "/disposals"]


def _home_links(browser: Browser) -> list[str]:
    home = browser.get("/workspace")
    assert home.status_code == 200
    cards = re.search(r'<ul class="cards" id="parts">(.*?)</ul>', home.text, re.S)
    assert cards is not None
    return re.findall(r'<a href="([^"]+)">', cards.group(1))


def test_the_home_links_every_part_a_role_may_use(web: Callable[[], Browser],
                                                   make_user: Callable[..., User]) -> None:
    admin, reviewer = web(), web()
    admin.login(make_user(Role.admin).email)
    reviewer.login(make_user(Role.reviewer).email)
    assert _home_links(admin) == EVERY_PART
    assert _home_links(reviewer) == REVIEWER_PARTS
    assert len(parts.PARTS) == 12 and [p.url for p in parts.PARTS] == EVERY_PART
    menu = admin.get("/workspace/panels").text
    assert '<li><a href="/workspace/strategy">Strategy</a></li>' in menu
    assert '<li><a href="/workspace/audit">Audit log</a></li>' in menu
    assert '<li><a href="/workspace/audit">Audit log</a></li>' not in reviewer.get("/workspace/panels").text


def test_every_part_address_is_a_page_of_the_app(tmp_path: Path) -> None:
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))
    pages = {context.path for context in iter_route_contexts(app.routes)
             if isinstance(context.original_route, APIRoute) and "GET" in (context.original_route.methods or ())}
    assert [p.url for p in parts.PARTS if p.url not in pages] == []
    assert len({p.name for p in parts.PARTS}) == len(parts.PARTS)  # names are unique


def _app(tmp_path: Path) -> None:
    create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))


def test_a_missing_part_stops_the_app_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = parts.Part("ghost", "ghost", "Ghost", "/workspace/ghost", parts.ANY_ROLE, "never written.")
    monkeypatch.setattr(parts, "PARTS", (*parts.PARTS, ghost))
    with pytest.raises(parts.PartBroken, match=r"^workspace part 'ghost' \(scrutiny\.web\.workspace\.ghost\) "
                                               r"cannot be imported: ModuleNotFoundError"):
        _app(tmp_path)


def test_a_part_that_fails_to_import_stops_the_app_naming_it(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "broken_part.py").write_text('raise RuntimeError("the database URL is not set")\n')
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    broken = parts.Part("broken", "broken_part", "Broken", "/workspace/broken", parts.PANEL, "fails.")
    monkeypatch.setattr(parts, "PARTS", (broken, *parts.PARTS))
    with pytest.raises(parts.PartBroken) as raised:
        _app(tmp_path)
    assert str(raised.value) == ("workspace part 'broken' (scrutiny.web.workspace.broken_part) cannot be imported: "
                                 "RuntimeError: the database URL is not set")


def test_a_part_without_a_router_stops_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_part = parts.Part("forms", "forms", "Forms", "/workspace/forms", parts.PANEL, "a helper, not a part.")
    monkeypatch.setattr(parts, "PARTS", (*parts.PARTS, not_a_part))
    with pytest.raises(parts.PartBroken, match=r"'forms' .* has no `router`"):
        _app(tmp_path)
