"""GET /api/v1/searches (pages of records) and /api/v1/searches.csv, .parquet (the whole selection).

Pages are ordered by (source_id, source_row), which is unique and stable, and the cursor is the last key
seen, so paging visits every record once even while new months are loaded. A download is written by DuckDB
to a temporary file (the warehouse is closed before the first byte is sent, so an ingest never waits on a
slow client), which is opened and unlinked at once, so nothing is left behind even when a client hangs up.
Its file name is built only from checked parameters. In the CSV, a text cell a spreadsheet would run as a
formula starts with `'` (scrutiny.web.csv_safety); the Parquet file keeps every value as loaded.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

import ibis
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.selection import ORDER, Selection, page, record_json, resolve_area, select
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.csv_safety import neutralise
from scrutiny.web.deps import (
    CacheDep,
    PageDep,
    PageParams,
    SelectionDep,
    SelectionParams,
    SettingsDep,
    WarehouseDep,
    encode_cursor,
)
from scrutiny.web.errors import not_found
from scrutiny.web.schemas import SearchPage, error_responses

router = APIRouter(tags=["searches"])
Format = Literal["csv", "parquet"]
MEDIA_TYPES: dict[Format, str] = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def selection(backend: ibis.BaseBackend, params: SelectionParams) -> Selection:
    area = None
    if params.area is not None:
        try:
            area, _ = resolve_area(backend, params.force, params.area)
        except ScrutinyError as exc:
            raise not_found(str(exc), "area") from None
    return Selection(params.force, area, params.start, params.end, params.group, params.ethnicity,
                     params.purpose, params.outcome_class, params.power)


def page_body(backend: ibis.BaseBackend, params: SelectionParams, paging: PageParams) -> dict[str, Any]:
    rows = page(backend, selection(backend, params), paging.after, paging.limit + 1)
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    last = rows[-1] if rows else None
    return {
        "records": [record_json(r) for r in rows],
        "next_cursor": encode_cursor(last["source_id"], last["source_row"]) if more and last else None,
        "limit": paging.limit,
    }


@router.get("/searches", response_model=SearchPage, responses=error_responses(404, 422, 503),
            summary="Search records, filtered, a page at a time")
async def read_searches(
    request: Request, params: SelectionDep, paging: PageDep, warehouse: WarehouseDep, cache: CacheDep
) -> Response:
    """Records in (source_id, source_row) order. Follow `next_cursor` until it is null to see every record
    of the selection exactly once."""
    version = warehouse.version()
    entry, state = await cache.get(("searches", params, paging), version,
                                   lambda: dump(warehouse.read(lambda backend: page_body(backend, params, paging))))
    return respond(request, entry, state)


def download_name(params: SelectionParams, area: str | None, kind: Format) -> str:
    """`scrutiny-searches_metropolitan_E09000012_2024-01_2024-06_drugs.csv`: checked values only."""
    parts = [params.force or "all", area, params.start, params.end, params.group, params.purpose, params.power,
             params.outcome_class, None if params.group is None else params.ethnicity]
    name = "_".join(["scrutiny-searches", *(p for p in parts if p)])
    return SAFE_NAME.sub("-", name)[:200] + f".{kind}"


def write_download(backend: ibis.BaseBackend, params: SelectionParams, kind: Format, folder: Path | None) -> tuple[
    IO[bytes], str
]:
    """The selection written to an open, already unlinked temporary file, and the name to offer it under."""
    sel = selection(backend, params)
    fd, name = tempfile.mkstemp(prefix="scrutiny-download-", suffix=f".{kind}", dir=folder)
    os.close(fd)
    try:
        if kind == "csv":
            backend.to_csv(neutralise(select(backend, sel)).order_by(list(ORDER)), name)  # no formulas
        else:
            backend.to_parquet(select(backend, sel), name)
        handle = open(name, "rb")  # noqa: SIM115 - closed by the response's iterator
    finally:
        os.unlink(name)
    return handle, download_name(params, sel.area, kind)


def _chunks(handle: IO[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(size):
            yield chunk


async def download(params: SelectionParams, kind: Format, warehouse: WarehouseDep, settings: SettingsDep) -> Response:
    warehouse.version()  # 503 when there is no warehouse
    handle, filename = await warehouse.run(lambda backend: write_download(backend, params, kind, settings.tmp_dir))
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "Content-Length": str(os.fstat(handle.fileno()).st_size)}
    return StreamingResponse(_chunks(handle), media_type=MEDIA_TYPES[kind], headers=headers)


def _file_response(kind: Format) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": f"Every record of the selection as {kind.upper()}, canonical columns.",
                  "content": {MEDIA_TYPES[kind]: {"schema": {"type": "string", "format": "binary"}}}},
            **error_responses(404, 422, 503)}


@router.get("/searches.csv", response_class=StreamingResponse, responses=_file_response("csv"),
            summary="Download the selected records as CSV")
async def download_csv(params: SelectionDep, warehouse: WarehouseDep, settings: SettingsDep) -> Response:
    return await download(params, "csv", warehouse, settings)


@router.get("/searches.parquet", response_class=StreamingResponse, responses=_file_response("parquet"),
            summary="Download the selected records as Parquet")
async def download_parquet(params: SelectionDep, warehouse: WarehouseDep, settings: SettingsDep) -> Response:
    return await download(params, "parquet", warehouse, settings)
