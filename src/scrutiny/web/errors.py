"""Every error the web app answers has one shape, made in one place (`handle_error`).

    {"detail": [{"loc": ["query", "from"], "msg": "...", "type": "..."}]}

`loc` names the parameter at fault (FastAPI's own validation errors already do). A refusal's status, `type`
and headers come from its class in `scrutiny.errors` (422 a parameter that cannot be right, 404 a valid
question the warehouse has no answer to, 503 the warehouse missing or kept busy by an ingest, ...), the same
mapping the pages and the CLI use; anything else is a bug: 500, logged, not shown.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from scrutiny.errors import BadInput, NotFound, ScrutinyError, Unavailable

log = logging.getLogger("scrutiny.web")
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}
BODY_NOT_PARSED = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode


def bad_parameter(name: str, msg: str) -> BadInput:
    return BadInput(msg, loc=("query", name))


def not_found(msg: str, name: str | None = None) -> NotFound:
    return NotFound(msg, loc=("query", name) if name else ())


def unavailable(msg: str) -> Unavailable:
    return Unavailable(msg)


def error_item(loc: tuple[Any, ...] | list[Any], msg: str, kind: str) -> dict[str, Any]:
    """One item of the `detail` list every error answer of the API carries."""
    return {"loc": [str(part) if not isinstance(part, int) else part for part in loc], "msg": msg, "type": kind}


def describe(exc: Exception) -> tuple[int, list[dict[str, Any]], dict[str, str]]:
    """Status, detail items and extra headers for any exception the app lets out."""
    if isinstance(exc, RequestValidationError):
        return 422, [error_item(e["loc"], e["msg"], e["type"]) for e in exc.errors()], {}
    if isinstance(exc, ScrutinyError):  # the class says what it means: scrutiny.errors
        return exc.status, [error_item(exc.loc, str(exc), exc.error_type)], exc.headers()
    if isinstance(exc, HTTPException) and exc.status_code == 400 and exc.detail == BODY_NOT_PARSED:
        return 422, [error_item(("body",), "the body could not be read: send UTF-8 JSON", "json_invalid")], {}
    if isinstance(exc, HTTPException):
        return exc.status_code, [error_item((), str(exc.detail), "http")], dict(exc.headers or {})
    log.exception("unhandled error", exc_info=exc)
    return 500, [error_item((), "internal error: the server log has the details", "internal")], {}


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
    for kind in (RequestValidationError, ScrutinyError, HTTPException, Exception):
        app.add_exception_handler(kind, handle_error)
