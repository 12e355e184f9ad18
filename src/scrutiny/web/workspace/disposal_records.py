"""A panel's disposal records checked against a written policy, as a workspace page (issue 7, the records side).

    GET  /workspace/disposals/records   the upload form (a CSV of records and a policy)
    POST /workspace/disposals/records   the disposal mix and policy compliance by ethnic group, and every row

Records are personal (pseudonymous) data, so the page is for panel members only and nothing is kept: the
upload is read for this one response and discarded, and nothing is written to the workspace (no audit entry
either). The figures are those of `scrutiny disposal --cases` (workspace.disposal_equity), formatted the same.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, cast

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from scrutiny.errors import SourceRefused
from scrutiny.web.workspace.deps import PanelMember
from scrutiny.web.workspace.disposals import DISPOSAL_LABELS
from scrutiny.web.workspace.render import page
from scrutiny.workspace.disposal_equity import ALL, OPTIONAL, REQUIRED, UNKNOWN, Checked, Record, check, compliance
from scrutiny.workspace.disposal_equity import disposal_mix, read_records
from scrutiny.workspace.disposal_policy import Disposal, list_policies, load_policy

router = APIRouter()
TEMPLATE = "workspace/disposals/records.html"
URL = "/workspace/disposals/records"
MAX_BYTES = 5 * 2**20
MAX_SHOWN = 1000  # rows listed on the page; the figures always use every row
GROUP_LABELS = {UNKNOWN: "Not stated", ALL: "All records"}


@dataclass(frozen=True)
class _Upload:
    """Just enough of a `Path` for `read_records`, over the uploaded bytes: the file never touches the disk."""

    data: bytes
    name: str

    def open(self, encoding: str, newline: str) -> IO[str]:
        return io.TextIOWrapper(io.BytesIO(self.data), encoding=encoding, newline=newline)

    def __fspath__(self) -> str:  # SourceRefused(path, ...) makes a Path of it for its message
        return self.name


def _short_row(upload: _Upload) -> str | None:
    """A row with fewer fields than the header (read_records would fail on its missing cells), named by line."""
    try:
        reader = csv.reader(io.StringIO(upload.data.decode("utf-8-sig"), newline=""))
        width = len(next(reader, []))
        for row in reader:
            if any(cell.strip() for cell in row) and len(row) < width:
                return f"{upload.name} line {reader.line_num}: {len(row)} fields, but the header names {width}"
    except (UnicodeDecodeError, csv.Error):
        return None  # read_records says what is wrong, in its words
    return None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _share(p: dict[str, Any]) -> dict[str, Any]:
    """A count with its share and Wilson 95% interval as the CLI prints them (33.3%, 6.1%–79.2%)."""
    interval = "–" if p["ci_low"] is None else f"{p['ci_low']:.1%}–{p['ci_high']:.1%}"
    return {"count": p["count"], "share": _pct(p["share"]), "interval": interval}


def _label(group: str) -> str:
    return GROUP_LABELS.get(group, group)


def _results(records: list[Record], checked: list[Checked]) -> dict[str, Any]:
    mix = disposal_mix(records)
    shown = [d.value for d in Disposal if next(r for r in mix if r["group"] == ALL)["disposals"][d.value]["count"]]
    return {
        "disposals": [(d, DISPOSAL_LABELS.get(d, d)) for d in shown],
        "mix": [{"group": r["group"], "label": _label(r["group"]), "records": r["records"],
                 "cells": {d: _share(r["disposals"][d]) for d in shown}} for r in mix],
        "compliance": [{"group": r["group"], "label": _label(r["group"]), "records": r["records"],
                        "covered": r["covered"], "differs": _share(r["differs"]),
                        "charged": _share(r["charged_not_recommended"])} for r in compliance(checked)],
        "rows": checked[:MAX_SHOWN], "total": len(checked),
    }


def _context(**extra: Any) -> dict[str, Any]:
    return {"title": "Disposal records against a policy", "policies": list_policies(), "required": REQUIRED,
            "optional": OPTIONAL, "max_mb": MAX_BYTES // 2**20, "max_shown": MAX_SHOWN, "labels": DISPOSAL_LABELS,
            "results": None, "policy": None, **extra}


@router.get(URL)
def records_form(request: Request, user: PanelMember) -> Response:
    return page(request, TEMPLATE, _context())


@router.post(URL)
async def records_check(request: Request, user: PanelMember, file: Annotated[UploadFile | None, File()] = None,
                        policy: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Refusals are shown on the form (413 too large, 422 otherwise), naming the line and column at fault."""
    form = {"policy": policy}
    if policy not in list_policies():  # only built-in names: load_policy would also open a .toml path
        return page(request, TEMPLATE, _context(form=form, errors={"policy": "choose one of the policies"}), 422)
    data = await file.read(MAX_BYTES + 1) if file is not None else b""
    if file is not None:
        await file.close()
    if len(data) > MAX_BYTES:
        return page(request, TEMPLATE, _context(form=form, errors={
            "file": f"the file is larger than {MAX_BYTES // 2**20} MB: split it and check each part"}), 413)
    if not data.strip():
        return page(request, TEMPLATE, _context(form=form, errors={"file": "choose a CSV file of records"}), 422)
    upload = _Upload(data, Path((file.filename if file else None) or "upload.csv").name[:100] or "upload.csv")
    problem = _short_row(upload)
    if problem is None:
        try:
            records = read_records(cast(Path, upload))
        except SourceRefused as exc:
            problem = exc.reason
    if problem is not None:
        return page(request, TEMPLATE, _context(form=form, errors={"file": problem}), 422)
    chosen = load_policy(policy)
    return page(request, TEMPLATE, _context(form=form, policy=chosen, filename=upload.name,
                                            results=_results(records, check(chosen, records))))
