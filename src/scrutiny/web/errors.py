"""Every error the web app answers has one shape, made in one place (`handle_error`).

    {"detail": [{"loc": ["query", "from"], "msg": "...", "type": "..."}]}

`loc` names the parameter at fault (FastAPI's own validation errors already do). The statuses: 422 a
parameter that cannot be right, 404 a valid question the warehouse has no answer to (an unknown area, no
searches in scope), 503 the warehouse missing or kept busy by an ingest, 500 a bug (logged, not shown).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from scrutiny.errors import ScrutinyError, UnknownForce
from scrutiny.warehouse.connect import WarehouseBusy
from scrutiny.workspace.errors import Invalid, WorkspaceError

log = logging.getLogger("scrutiny.web")
RETRY_AFTER_SECONDS = "2"
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}
BODY_NOT_PARSED = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode


class ApiError(ScrutinyError):
    """A refusal with its status and the parameter it is about."""

    def __init__(self, status: int, msg: str, loc: tuple[str, ...] = (), kind: str = "value_error") -> None:
        super().__init__(msg)
        self.status, self.msg, self.loc, self.kind = status, msg, loc, kind


def bad_parameter(name: str, msg: str) -> ApiError:
    return ApiError(422, msg, ("query", name))


def not_found(msg: str, name: str | None = None) -> ApiError:
    return ApiError(404, msg, ("query", name) if name else (), "not_found")


def unavailable(msg: str) -> ApiError:
    return ApiError(503, msg, (), "unavailable")


def _item(loc: tuple[Any, ...] | list[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": [str(part) if not isinstance(part, int) else part for part in loc], "msg": msg, "type": kind}


def describe(exc: Exception) -> tuple[int, list[dict[str, Any]], dict[str, str]]:
    """Status, detail items and extra headers for any exception the app lets out."""
    if isinstance(exc, RequestValidationError):
        return 422, [_item(e["loc"], e["msg"], e["type"]) for e in exc.errors()], {}
    if isinstance(exc, ApiError):
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if exc.status == 503 else {}
        return exc.status, [_item(exc.loc, exc.msg, exc.kind)], headers
    if isinstance(exc, WarehouseBusy):
        return 503, [_item((), str(exc), "busy")], {"Retry-After": RETRY_AFTER_SECONDS}
    if isinstance(exc, UnknownForce):
        return 422, [_item(("query", "force"), str(exc), "value_error")], {}
    if isinstance(exc, WorkspaceError):  # the workspace says what status its refusal is
        loc = ("body", exc.field) if isinstance(exc, Invalid) else ()
        return exc.status, [_item(loc, str(exc), type(exc).__name__)], {}
    if isinstance(exc, ScrutinyError):  # what metrics/ says of a scope it has no data for
        return 404, [_item(("query",), str(exc), "not_found")], {}
    if isinstance(exc, HTTPException) and exc.status_code == 400 and exc.detail == BODY_NOT_PARSED:
        return 422, [_item(("body",), "the body could not be read: send UTF-8 JSON", "json_invalid")], {}
    if isinstance(exc, HTTPException):
        return exc.status_code, [_item((), str(exc.detail), "http")], dict(exc.headers or {})
    log.exception("unhandled error", exc_info=exc)
    return 500, [_item((), "internal error: the server log has the details", "internal")], {}


def allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI document lists for this path. Starlette answers 405 with the methods of the
    first route whose path matches, which is wrong where GET and POST of one path are separate routes."""
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            return ", ".join(sorted(m.upper() for m in operations if m.upper() in HTTP_METHODS))
    return None


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    status, detail, headers = describe(exc)
    allowed = allowed_methods(request) if status == 405 else None
    if allowed:
        headers = {**headers, "Allow": allowed}
    return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)


def install(app: FastAPI) -> None:
    for kind in (RequestValidationError, ApiError, ScrutinyError, HTTPException, Exception):
        app.add_exception_handler(kind, handle_error)
