"""Guards every request passes before a route sees it, so hostile input is refused with a 4xx, never a 500:

- `BodyLimits`: a body that is not a form (JSON, or anything a route might parse as JSON) is read up to
  `MAX_BODY_BYTES` (413 past it) and refused with 422 if it nests arrays and objects deeper than
  `MAX_JSON_DEPTH`: Python's JSON parser recurses once per level and fails near 1,000 levels with a
  RecursionError, so the depth is measured first without parsing. Any body announcing more than
  `MAX_UPLOAD_BYTES` is refused with 413 before a byte is read (forms and uploads keep their own, smaller
  limits in their routes).
- `check_ids`: an integer path or query parameter outside 1..`MAX_ID` is refused with 422 naming it. No
  record has such an id, and the database cannot even be asked: SQLite and PostgreSQL fail on integers
  beyond their column types (a 500 before this check).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.sources.json_depth import MAX_JSON_DEPTH, json_depth
from scrutiny.workspace.record_ids import MAX_ID

MAX_BODY_BYTES = 1 * 2**20
"""Largest non-form body (JSON): the biggest real one, a recommendation with 50 KPIs, is under 40 KB."""
MAX_UPLOAD_BYTES = 32 * 2**20
"""Largest body of any kind a client may announce (the biggest upload, review records, is limited to 10 MB)."""
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
TOO_LARGE = f"the body is larger than {MAX_BODY_BYTES:,} bytes"
TOO_DEEP = "the JSON body nests arrays and objects {depth:,} levels deep: the limit is {limit}"


def _refusal(status: int, msg: str, kind: str) -> bytes:
    return json.dumps({"detail": [{"loc": ["body"], "msg": msg, "type": kind}]}).encode()


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimits:
    """ASGI middleware: refuse a too large or too deeply nested body before the app reads it, then hand the
    app the body it has already read."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH,
                 max_upload: int = MAX_UPLOAD_BYTES) -> None:
        self.app, self.max_bytes, self.max_depth, self.max_upload = app, max_bytes, max_depth, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        is_form = headers.get("content-type", "").lower().startswith(FORM_TYPES)
        limit = self.max_upload if is_form else self.max_bytes
        if declared.isdigit() and int(declared) > limit:
            too_large = f"the body is larger than {limit:,} bytes"
            await _answer(send, 413, _refusal(413, too_large, "too_large"))
            return
        if is_form:
            await self.app(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _answer(send, 413, _refusal(413, TOO_LARGE, "too_large"))
                return
        depth = json_depth(bytes(body))
        if depth > self.max_depth:
            await _answer(send, 422, _refusal(422, TOO_DEEP.format(depth=depth, limit=self.max_depth),
                                              "json_too_deep"))
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body already read, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _int_params(route: APIRoute) -> list[tuple[str, str]]:
    """(where, name) of the route's parameters declared as plain integers."""
    found = []
    for where, params in (("path", route.dependant.path_params), ("query", route.dependant.query_params)):
        for param in params:
            if param.field_info.annotation in (int, int | None) and not param.field_info.metadata:  # no own bounds
                found.append((where, param.alias))
    return found


def check_ids(request: Request) -> None:
    """An app-wide dependency: integer parameters must fit a record id (see the module's docstring)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    errors: list[dict[str, Any]] = []
    for where, name in _int_params(route):
        raw = (request.path_params if where == "path" else request.query_params).get(name)
        try:
            value = int(raw) if raw is not None else None
        except ValueError:
            continue  # not a number: FastAPI's own validation names it
        if value is not None and not 1 <= value <= MAX_ID:
            errors.append({"loc": (where, name), "msg": f"must be an id from 1 to {MAX_ID}", "type": "id_range",
                           "input": raw})
    if errors:
        raise RequestValidationError(errors)


def document_body_limits(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the guard's answers to every operation that takes a body: 413 (too large) and 422 (too deep)."""
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("413", {"description": f"The body is too large ({TOO_LARGE}).",
                                         "content": {"application/json": {"schema": error}}})
            responses.setdefault("422", {"description": "A field is not valid, or the JSON body nests deeper than "
                                                        f"{MAX_JSON_DEPTH} levels.",
                                         "content": {"application/json": {"schema": error}}})
    return openapi
