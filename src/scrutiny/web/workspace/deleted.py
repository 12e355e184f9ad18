"""Recently deleted (admins): the panels, governance bodies and recommendations deleted in the last 30 days, each
with a Restore button (scrutiny.workspace.deleted). Restoring is a write like any other: logged, CSRF-checked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import Admin, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.workspace import deleted as service
from scrutiny.workspace.errors import NotFound

router = APIRouter()
URL = "/workspace/deleted"
PAGES = {service.Kind.panel: "/workspace/panels/{}", service.Kind.body: "/workspace/governance/bodies/{}",
         service.Kind.recommendation: "/workspace/recommendations/{}"}


def _index(request: Request, ws: WorkspaceDep, *, errors: dict[str, str] | None = None,
           form: dict[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        found = service.recently_deleted(session, service.now_utc())
    return page(request, "workspace/deleted.html", {
        "title": "Recently deleted", "deleted": found, "labels": service.LABELS, "days": service.RESTORE_DAYS,
        "errors": errors or {}, "form": form or {}}, status)


@router.get(URL)
def index(request: Request, ws: WorkspaceDep, user: Admin) -> Response:
    return _index(request, ws)


def _kind(kind: str) -> service.Kind:
    try:
        return service.Kind(kind)
    except ValueError:
        raise NotFound(f"nothing called a {kind!r} can be deleted and restored") from None


def _page_of(record: Any) -> str:
    """Where a restored record is seen (a panel's body is restored as its panel)."""
    kind = next(k for k, model in service.MODELS.items() if isinstance(record, model))
    return PAGES[kind].format(record.id)


@router.post(URL + "/{kind}/{record_id}/restore")
def restore(request: Request, ws: WorkspaceDep, user: Admin, kind: str, record_id: int) -> Response:
    """Back where it was, then on to its page; a refusal (it names a body still deleted) is shown on the list,
    status 422; a restore after its 30 days is a 410 page."""
    chosen = _kind(kind)
    work = forms.saving(request, ws, user, lambda s, _: service.restore(s, chosen, record_id, service.now_utc()),
                        _page_of)
    return forms.attempt({}, lambda: work(None), lambda **again: _index(request, ws, **again))


__all__ = ["URL", "router"]
