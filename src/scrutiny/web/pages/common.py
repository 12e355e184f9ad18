"""What every page shares: the template environment, the reader's selection (force, area, period, ethnicity
basis) from the query string, the metrics document for it, and one way of showing an error.

A page asks `document` for its figures; it never computes one. When htmx asks (the `HX-Request` header) a
page answers with only its `<main>` content, which htmx swaps in and pushes to the address bar, so the URL a
reader shares gives the same page. Without JavaScript the same URLs come from plain GET forms.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.vocab.ethnicity import HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.months import BadMonth, month_labels, month_start
from scrutiny.vocab.months import default_period as latest_period
from scrutiny.vocab.objects import DRUGS, OBJECT_LABELS, PURPOSE_WORDS
from scrutiny.vocab.outcomes import OUTCOME_LABELS
from scrutiny.web import static_assets
from scrutiny.web.cache import respond
from scrutiny.web.deps import Warehouse
from scrutiny.web.pages import formatting
from scrutiny.web.pages.errors import NoData, NotFound, PageError
from scrutiny.web.pages.lens import lens_of
from scrutiny.web.pages.lookups import LoadedForce, loaded_forces

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PREFERRED_FORCE = "metropolitan"


def _json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json"> (no `</script>` or `<!--` can close it)."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.FILTERS)
    env.filters["json_script"] = _json_script
    env.globals.update(period=formatting.period, interval=formatting.interval, show=formatting.show,
                       short_period=formatting.short_period, headline=formatting.headline,
                       outcome_labels=OUTCOME_LABELS, object_labels=OBJECT_LABELS, purpose_words=PURPOSE_WORDS,
                       reference=REFERENCE, headline_group=HEADLINE_GROUP, drugs=DRUGS)
    return env


ENV = _environment()


def warehouse(request: Request) -> Warehouse:
    """The app's warehouse: read-only connections, a bounded number at once, answers cached by version."""
    found: Warehouse = request.app.state.warehouse
    return found


def document(request: Request, scope: Scope) -> dict[str, Any]:
    """The metrics document for `scope`, through the app's cache: the very answer `/api/v1/metrics` gives for
    the same force, area code, period and basis."""
    doc: dict[str, Any] = request.app.state.metrics(scope)
    return doc


@dataclass(frozen=True)
class Selection:
    """What the reader chose: a force, maybe an area, an inclusive month range, an ethnicity basis and a lens
    (purpose, power: None for every search)."""

    force: str
    area: str | None
    start: str
    end: str
    ethnicity: str
    purpose: str | None = None
    power: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.force, self.area, self.start, self.end, self.ethnicity,  # type: ignore[arg-type]
                     None, self.purpose, self.power)

    def lens(self) -> dict[str, str]:
        """The lens as query parameters (only those chosen)."""
        return {k: v for k, v in (("purpose", self.purpose), ("power", self.power)) if v}

    def params(self, *, area: bool = False, lens: bool = True) -> dict[str, str]:
        out = {"from": self.start, "to": self.end, "ethnicity": self.ethnicity}
        if area and self.area:
            out = {"area": self.area, **out}
        return {**out, **self.lens()} if lens else out

    def query(self, *, area: bool = False, force: bool = False, lens: bool = True) -> str:
        params = self.params(area=area, lens=lens)
        if force:
            params = {"force": self.force, **params}
        return urlencode(params)

    def with_area(self, area: str | None) -> Selection:
        return replace(self, area=area)

    def with_lens(self, purpose: str | bool | None = True, power: str | bool | None = True) -> Selection:
        """The same selection with `purpose` and/or `power` changed (None: every one; True: kept)."""
        return replace(self, purpose=self.purpose if purpose is True else purpose or None,
                       power=self.power if power is True else power or None)

    @property
    def words(self) -> str:
        """"searches for drugs" ("" without a lens)."""
        return formatting.lens_words(self.purpose, self.power)

    @property
    def title(self) -> str:
        """"Searches for drugs" or "Stop and search": what the lens keeps."""
        return formatting.what(self.purpose, self.power)


def find_force(forces: list[LoadedForce], force: str) -> LoadedForce:
    for f in forces:
        if f.id == force:
            return f
    if not forces:
        raise NoData("No stop and search data is loaded yet: load some with `scrutiny ingest`.")
    names = ", ".join(f.id for f in forces)
    raise NotFound(f"No data is loaded for force {force!r}. Loaded: {names}.")


def default_force(forces: list[LoadedForce]) -> str:
    ids = [f.id for f in forces if f.id != ALL_FORCES]
    if not ids:
        raise NoData("No stop and search data is loaded yet: load some with `scrutiny ingest`.")
    return PREFERRED_FORCE if PREFERRED_FORCE in ids else ids[0]


def default_period(months: tuple[str, ...]) -> tuple[str, str]:
    """The default period (scrutiny.vocab.months.default_period) for a force's loaded months."""
    return latest_period(months[0], months[-1])


def month_choices(months: tuple[str, ...], start: str, end: str) -> list[str]:
    """The months a period picker offers: every calendar month from the first loaded (or the chosen start) to
    the last (or the chosen end), so a month with no data can begin or end a period (it shows as a gap)."""
    first, last = min(months[0], start), max(months[-1], end)
    return month_labels(first, last)


def month_param(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        month_start(value)
    except BadMonth:
        raise PageError(f"The {name} month {value!r} is not a month: use YYYY-MM, e.g. 2018-04.") from None
    return value


def selection(request: Request, force: str, area: str | None = None, *, prefix: str = "",
              suffix: str = "") -> tuple[Selection, LoadedForce]:
    """The reader's selection from the query string (`from`, `to`, `ethnicity`, `purpose`, `power`), defaults
    filled in; an unknown value is a PageError that names the known ones."""
    loaded = find_force(loaded_forces(warehouse(request)), force)
    q = request.query_params
    start = month_param(q.get(f"{prefix}from{suffix}"), "from")
    end = month_param(q.get(f"{prefix}to{suffix}"), "to")
    first, last = default_period(loaded.months)
    start, end = start or (first if end is None else min(end, first)), end or last
    if start > end:
        raise PageError(f"The period starts ({formatting.month(start)}) after it ends ({formatting.month(end)}).")
    ethnicity = q.get("ethnicity") or "self"
    if ethnicity not in ("self", "officer"):
        raise PageError(f"Ethnicity basis {ethnicity!r} is not one of 'self' or 'officer'.")
    purpose, power = lens_of(request)
    return Selection(force, area, start, end, ethnicity, purpose, power), loaded


class _NotCached(Exception):  # a signal carrying the response, not an error
    def __init__(self, response: Response) -> None:
        self.response = response


def cached_page(request: Request, produce: Callable[[], Response]) -> Response:
    """A whole page through the app's cache: the same URL at the same warehouse version is the same bytes.

    Rendering a dashboard page costs a few hundred milliseconds of Python even when its figures are cached;
    keeping the HTML makes a repeat visit as cheap as an API answer. Only successful pages are kept.
    """
    try:
        version = warehouse(request).version()
    except ScrutinyError:
        return produce()
    key = ("page", request.url.path, request.url.query, is_partial(request))

    def render_body() -> bytes:
        response = produce()
        if response.status_code != 200:
            raise _NotCached(response)
        return bytes(response.body)

    try:
        entry, state = request.app.state.cache.get_sync(key, version, render_body, "text/html; charset=utf-8")
    except _NotCached as skipped:
        return skipped.response
    response = respond(request, entry, state)
    response.headers["Vary"] = "HX-Request"
    return response


def is_partial(request: Request) -> bool:
    """An htmx request for the page's <main> (not a history restore, which needs the whole page)."""
    headers = request.headers
    return headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    partial = is_partial(request)
    base = {
        "request": request,
        "layout": "partial.html" if partial else "layout.html",
        "static": lambda path: static_assets.url(request, path),  # /static/<content-hashed name>
        "path": request.url.path,
    }
    html = ENV.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status, headers={"Vary": "HX-Request"})


def status_of(error: ScrutinyError) -> int:
    """The HTTP status for an error, as the API would answer it: its class says (scrutiny.errors)."""
    return error.status


def error_page(request: Request, error: ScrutinyError) -> HTMLResponse:
    return render(request, "error.html", {"title": "Cannot show this page", "message": str(error)}, status_of(error))
