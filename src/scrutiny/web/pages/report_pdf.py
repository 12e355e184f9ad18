""""Download PDF" on every force and area page: the report `scrutiny report --pdf` writes for the same force,
area, period, basis and lens, made when first asked for and kept on disk for the warehouse version it read.

A PDF takes seconds of WeasyPrint, so one is made at a time (others wait their turn rather than share the
CPU), a second request for the same report waits for the first and is then served the same file, and at most
`KEPT` files are kept, the least recently served going first. At most `QUEUED` requests wait for a PDF to be
made; one more is told to try again (503) rather than hold one of the server's threads that pages need. The PDF
is public: it names the open API, never a command (`report.build.render(public=True)`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from scrutiny.errors import ScrutinyError, Unavailable
from scrutiny.report.build import write_report
from scrutiny.vocab.areas import find_area
from scrutiny.web.pages.common import Selection, error_page, selection, warehouse
from scrutiny.web.pages.lookups import force_areas

router = APIRouter()
KEPT = 64  # report PDFs kept on disk
QUEUED = 4  # requests waiting for a PDF to be made, the one being made among them
_one_at_a_time = threading.Lock()
_places = threading.BoundedSemaphore(QUEUED)


def _folder(request: Request) -> Path:
    base = request.app.state.settings.tmp_dir or Path(tempfile.gettempdir())
    folder = Path(base) / "scrutiny-reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _name(sel: Selection) -> str:
    """What the reader's browser saves it as: the force, area and period, the lens if any."""
    parts = ["scrutiny", sel.force, *([sel.area] if sel.area else []), sel.start, "to", sel.end,
             *sel.lens().values(), *(["officer-defined"] if sel.ethnicity == "officer" else [])]
    return "-".join(parts) + ".pdf"


def _pdf(request: Request, sel: Selection) -> Response:
    db = warehouse(request)
    version = db.version()
    key = hashlib.sha256(repr((str(db.db), version, sel)).encode()).hexdigest()[:32]
    folder = _folder(request)
    path = folder / f"{key}.pdf"
    if not path.exists():
        if not _places.acquire(blocking=False):
            raise Unavailable("Scrutiny is busy making other reports; try the PDF again in a minute.")
        try:
            with _one_at_a_time:
                if not path.exists():  # made while this request waited
                    with tempfile.TemporaryDirectory(dir=folder) as work:
                        html, pdf = Path(work) / "report.html", Path(work) / "report.pdf"
                        write_report(db.db, sel.scope, html, pdf, public=True)
                        os.replace(pdf, path)
                    _keep_newest(folder)
        finally:
            _places.release()
    path.touch()  # served now: the last to go
    return FileResponse(path, media_type="application/pdf", filename=_name(sel), content_disposition_type="inline")


def _keep_newest(folder: Path) -> None:
    kept = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT:]:
        old.unlink(missing_ok=True)


@router.get("/force/{force}/report.pdf", name="force_report_pdf")
def force_pdf(request: Request, force: str) -> Response:
    """The force's report for the page's period and lens, as a PDF."""
    try:
        sel, _ = selection(request, force)
        return _pdf(request, sel)
    except ScrutinyError as exc:
        return error_page(request, exc)


@router.get("/force/{force}/area/{code}/report.pdf", name="area_report_pdf")
def area_pdf(request: Request, force: str, code: str) -> Response:
    """An area's report for the page's period and lens, as a PDF."""
    try:
        found = find_area({a.code: a.name for a in force_areas(warehouse(request), force)}, code, loc=("path",))
        sel, _ = selection(request, force, found[0] if found else code)  # an unknown area: the scope says so
        return _pdf(request, sel)
    except ScrutinyError as exc:
        return error_page(request, exc)
