"""The registry of workspace parts: one line per part says where it lives, who may use it and how the
workspace home and menu show it.

A part is a module of `scrutiny.web.workspace` with `router` (pages) and optionally `api_router` (JSON under
/api/v1). `install` imports every registered module when the app is built and refuses to start, naming the
part, when one is missing or broken: a part that silently disappeared would leave its pages answering 404
while the home still offered them. The home page and the menu are drawn from `PARTS`, so a new part shows
up there by its registry line alone (docs/how-to/add-a-workspace-part.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from fastapi import APIRouter

from scrutiny.workspace import accounts
from scrutiny.workspace.models.accounts import Role, User

PACKAGE = "scrutiny.web.workspace"
ANY_ROLE = (Role.panel_member, Role.reviewer)  # admins may use every part
PANEL = (Role.panel_member,)
ADMIN: tuple[Role, ...] = ()


@dataclass(frozen=True)
class Part:
    """One part of the workspace. `roles` may use it (admins always); `menu` is its label in the workspace
    menu, or None when it has no place there (a public page, or one reached from another part)."""

    name: str
    module: str  # under scrutiny.web.workspace
    title: str
    url: str
    roles: tuple[Role, ...]
    description: str
    menu: str | None = None

    def allows(self, user: User | None) -> bool:
        return accounts.may(user, *self.roles)


PARTS: tuple[Part, ...] = (
    Part("panels", "panels", "Panels", "/workspace/panels", ANY_ROLE,
         "members, meetings, terms of reference; the public directory.", "Panels"),
    Part("governance", "governance", "Governance map", "/workspace/governance", ANY_ROLE,
         "who reports to, scrutinises or funds whom.", "Governance"),
    Part("recommendations", "recommendations", "Recommendations", "/workspace/recommendations", ANY_ROLE,
         "what was asked, of whom, by when, and the answer.", "Recommendations"),
    Part("review", "review", "Search-record review", "/workspace/review", ANY_ROLE,
         "samples of search records and their grounds.", "Search-record review"),
    Part("diversion", "diversion", "Diversion cases", "/workspace/diversion", PANEL,
         "the drug diversion scheme's cases, CSV import and export, and its public outcomes.", "Diversion"),
    Part("disposal_records", "disposal_records", "Disposal records against a policy", "/workspace/disposals/records",
         PANEL, "check a CSV of disposal records against a written policy (nothing is kept).", "Disposals"),
    Part("strategy", "strategy", "Strategic priorities", "/workspace/strategy", PANEL,
         "priorities, their indicators and targets, and progress period by period.", "Strategy"),
    Part("community", "community", "Community reports", "/workspace/community-reports", PANEL,
         "moderate the public's reports of stops and searches.", "Community reports"),
    Part("disposals", "disposals", "Disposal outcomes", "/disposals", ANY_ROLE,
         "what followed searches for drugs, by ethnic group and age, and the disposal policies side by side."),
    Part("accounts", "accounts", "Accounts", "/workspace/users", ADMIN,
         "invite people, change roles, deactivate accounts, make password reset links.",
         "Accounts"),
    Part("audit", "auth", "Audit log", "/workspace/audit", ADMIN, "every write to the workspace, newest first.",
         "Audit log"),
    Part("deleted", "deleted", "Recently deleted", "/workspace/deleted", ADMIN,
         "panels, bodies and recommendations deleted in the last 30 days, to restore.", "Recently deleted"),
)


class PartBroken(RuntimeError):
    """A registered part cannot be loaded: the app refuses to start rather than serve without it."""

    def __init__(self, part: Part, reason: str) -> None:
        super().__init__(f"workspace part {part.name!r} ({PACKAGE}.{part.module}) {reason}")
        self.part = part


def load(part: Part) -> ModuleType:
    """The part's module, checked to have a `router` (and an `api_router`, if any, that is a router)."""
    try:
        module = importlib.import_module(f"{PACKAGE}.{part.module}")
    except Exception as exc:  # any failure to import, named, not a module quietly left out
        raise PartBroken(part, f"cannot be imported: {type(exc).__name__}: {exc}") from exc
    if not isinstance(getattr(module, "router", None), APIRouter):
        raise PartBroken(part, "has no `router` (an APIRouter of its pages)")
    if hasattr(module, "api_router") and not isinstance(module.api_router, APIRouter):
        raise PartBroken(part, "has an `api_router` that is not an APIRouter")
    return module


def routers(parts: tuple[Part, ...]) -> tuple[APIRouter, APIRouter]:
    """(pages, api): every registered part's routers, each module included once."""
    pages, api = APIRouter(), APIRouter()
    seen: set[str] = set()
    for part in parts:
        module = load(part)
        if part.module in seen:
            continue
        seen.add(part.module)
        pages.include_router(module.router)
        if hasattr(module, "api_router"):
            api.include_router(module.api_router)
    return pages, api


def visible(user: User | None) -> list[Part]:
    """The parts `user` may use, for the home page and the menu."""
    return [part for part in PARTS if part.allows(user)]


__all__ = ["PARTS", "Part", "PartBroken", "load", "routers", "visible"]
