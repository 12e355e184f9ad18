"""An admin assigns login accounts to a panel (scrutiny.workspace.panel_access) from the panel's page: only
those accounts, and admins, may change the panel and its meetings, members and recommendations. Part of the
panels part (its router is included by `panels`). Taking an account off a panel deletes no record and is undone
by adding it again, so it asks no confirmation."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import Admin, WorkspaceDep
from scrutiny.workspace import panel_access
from scrutiny.workspace.panels import form_id

router = APIRouter()


class AccountPick(BaseModel):
    user_id: str = ""  # read by `form_id`: one of the listed accounts


Picked = Annotated[forms.Posted[AccountPick], Depends(forms.posted(AccountPick))]


@router.post("/workspace/panels/{panel_id}/accounts")
def assign(request: Request, ws: WorkspaceDep, user: Admin, panel_id: int, form: Picked) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, picked: panel_access.assign(s, panel_id, form_id("user_id", picked.user_id)),
        f"/workspace/panels/{panel_id}#accounts")
    from scrutiny.web.workspace.panels import _edit  # the panel's page again; panels includes this router

    return forms.submit(form, work, partial(_edit, request, ws, user, panel_id))


@router.post("/workspace/panels/{panel_id}/accounts/{user_id}/remove")
def unassign(request: Request, ws: WorkspaceDep, user: Admin, panel_id: int, user_id: int) -> Response:
    return forms.write(request, ws, user, lambda s: panel_access.unassign(s, panel_id, user_id),
                       f"/workspace/panels/{panel_id}#accounts")
