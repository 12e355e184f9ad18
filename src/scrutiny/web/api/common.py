"""What the resource routers share: JSON bodies as the API writes them, and the scope of a query."""

from __future__ import annotations

import json
from typing import Any

import ibis

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import Scope, resolve_scope
from scrutiny.metrics.selection import loaded_range, resolve_area
from scrutiny.web.deps import ScopeParams
from scrutiny.web.errors import bad_parameter, not_found


def dump(value: Any) -> bytes:
    """Compact JSON; NaN or infinity would be a bug in a figure, so they raise rather than pass."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def scope_of(backend: ibis.BaseBackend, params: ScopeParams) -> Scope:
    """The checked scope of a query: a missing month range is what is loaded, an area is found by name or code."""
    start, end = params.start, params.end
    if start is None or end is None:
        loaded = loaded_range(backend, params.force)
        if loaded is None:
            raise not_found(f"no searches loaded for {params.force}", "force")
        start, end = start or loaded[0], end or loaded[1]
        if start > end:
            raise bad_parameter("from" if params.start else "to", f"from {start} is after to {end} "
                                f"(the months loaded for {params.force} run {loaded[0]} to {loaded[1]})")
    area = None
    if params.area is not None:
        try:
            area, _ = resolve_area(backend, params.force, params.area)
        except ScrutinyError as exc:
            raise not_found(str(exc), "area") from None
    return resolve_scope(backend, Scope(params.force, area, start, end, params.ethnicity, None, params.purpose,
                                        params.power))
