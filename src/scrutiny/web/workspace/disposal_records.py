"""A panel's disposal records checked against a written policy, as a workspace page (issue 7, the records side).

    GET  /workspace/disposals/records   the upload form (a CSV of records and a policy)
    POST /workspace/disposals/records   the disposal mix and policy compliance by ethnic group, and every row

Records are personal (pseudonymous) data, so the page is for panel members only and nothing is kept: the
upload is read for this one response and discarded, and nothing is written to the workspace (no audit entry
either). The figures are those of `scrutiny disposal --cases` (workspace.disposal_equity), formatted the same.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response

from scrutiny.errors import SourceRefused
from scrutiny.vocab import numbers
from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import PanelMember
from scrutiny.web.workspace.disposals import DISPOSAL_LABELS
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.disposals import RecordsUpload
from scrutiny.workspace import disposal_equity as equity
from scrutiny.workspace.disposal_policy import Disposal, list_policies, load_policy

router = APIRouter()
TEMPLATE = "workspace/disposals/records.html"
URL = "/workspace/disposals/records"
MAX_BYTES = 5 * 2**20
MAX_RECORDS = 20_000  # with MAX_PER_PERSON, keeps a check to seconds (see _read)
MAX_PER_PERSON = 50
MAX_SHOWN = 1000  # rows listed on the page; the figures always use every row
GROUP_LABELS = {equity.UNKNOWN: "Not stated", equity.ALL: "All records"}
Upload = Annotated[forms.Posted[RecordsUpload], Depends(forms.posted(RecordsUpload))]


def _read(data: bytes, name: str) -> list[equity.Record]:
    """The records, refused (SourceRefused) when malformed or too many for one page to check in seconds: each
    record's case carries all the person's earlier records, so the work grows with the square of their number."""
    records = equity.read_records_bytes(data, name)
    if len(records) > MAX_RECORDS:
        raise SourceRefused(name, f"{len(records)} records: this page checks at most {MAX_RECORDS} at a "
                            "time; split the file by period (`scrutiny disposal --cases` has no limit)")
    person, count = Counter(r.person_id for r in records).most_common(1)[0] if records else ("", 0)
    if count > MAX_PER_PERSON:
        raise SourceRefused(name, f"person_id {person!r} has {count} records: at most {MAX_PER_PERSON} "
                            "per person here (`scrutiny disposal --cases` has no limit)")
    return records


def _share(p: dict[str, Any]) -> dict[str, Any]:
    """A count with its share and Wilson 95% interval as the CLI prints them (33.3%, 6.1%–79.2%)."""
    return {"count": p["count"], "share": numbers.pct(p["share"], missing=numbers.DASH),
            "interval": numbers.pct_interval(p["ci_low"], p["ci_high"], missing=numbers.DASH)}


def _label(group: str) -> str:
    return GROUP_LABELS.get(group, group)


def _results(records: list[equity.Record], checked: list[equity.Checked]) -> dict[str, Any]:
    mix = equity.disposal_mix(records)
    everyone = next(r for r in mix if r["group"] == equity.ALL)
    shown = [d.value for d in Disposal if everyone["disposals"][d.value]["count"]]  # disposals given at all
    return {
        "disposals": [(d, DISPOSAL_LABELS.get(d, d)) for d in shown],
        "mix": [{"group": r["group"], "label": _label(r["group"]), "records": r["records"],
                 "cells": {d: _share(r["disposals"][d]) for d in shown}} for r in mix],
        "compliance": [{"group": r["group"], "label": _label(r["group"]), "records": r["records"],
                        "covered": r["covered"], "differs": _share(r["differs"]),
                        "charged": _share(r["charged_not_recommended"])} for r in equity.compliance(checked)],
        "rows": checked[:MAX_SHOWN], "total": len(checked),
    }


def _context(**extra: Any) -> dict[str, Any]:
    return {"title": "Disposal records against a policy", "policies": list_policies(), "labels": DISPOSAL_LABELS,
            "required": equity.REQUIRED, "optional": equity.OPTIONAL, "max_mb": MAX_BYTES // 2**20,
            "results": None, "policy": None, **extra}


@router.get(URL)
def records_form(request: Request, user: PanelMember) -> Response:
    return page(request, TEMPLATE, _context())


@router.post(URL)
def records_check(request: Request, user: PanelMember, form: Upload,
                  file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Refusals are shown on the form (413 too large, 422 otherwise), naming the line and column at fault.

    A plain `def`, so FastAPI runs it in a worker thread: checking a large file takes seconds of CPU, which
    must not stall every other request on the event loop.
    """

    def again(*, errors: dict[str, str], form: dict[str, str], status: int) -> Response:
        return page(request, TEMPLATE, _context(form=form, errors=errors), status)

    def check(upload: RecordsUpload) -> Response:
        data = file.file.read(MAX_BYTES + 1) if file is not None else b""
        if file is not None:
            file.file.close()
        if len(data) > MAX_BYTES:
            return again(errors={"file": f"the file is larger than {MAX_BYTES // 2**20} MB: split it and check "
                                         "each part"}, form=form.values, status=413)
        if not data.strip():
            return again(errors={"file": "choose a CSV file of records"}, form=form.values, status=422)
        name = Path((file.filename if file else None) or "upload.csv").name[:100] or "upload.csv"
        try:
            records = _read(data, name)
        except SourceRefused as exc:
            return again(errors={"file": exc.reason}, form=form.values, status=422)
        chosen = load_policy(upload.policy)
        return page(request, TEMPLATE, _context(form=form.values, policy=chosen, filename=name,
                                                results=_results(records, equity.check(chosen, records))))

    return forms.submit(form, check, again)
