"""One way to handle a workspace form: read the posted fields, parse them into the entity's Create or Update
model (the same pydantic model the JSON API takes), run the change, and on any refusal show the page again,
status 422, with each field's error beside it and what was typed still in the boxes (the templates escape it).

    NewPanel = Annotated[forms.Posted[PanelCreate], Depends(forms.posted(PanelCreate))]
    ... return forms.submit(form, work, partial(_index, request, ws, user))   (web/workspace/panels.py)

A form is parsed with the validation context `FORM`: the `FormValue` converters in the schemas then read
what an HTML form sends (a blank box is None, a date as typed, an id from a <select>) with the services' own
words for a wrong value, and do nothing for JSON, so the API's answers are unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from scrutiny.web.workspace.render import redirect
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import User

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
FORM: dict[str, bool] = {"form": True}  # the validation context of a parsed form
Again = Callable[..., Response]  # (errors=..., form=..., status=...) -> the page again


@dataclass(frozen=True)
class Posted(Generic[M]):
    """A posted form: `values` as typed (to show again), and either `model` or per-field `errors`."""

    values: dict[str, str]
    model: M | None = None
    errors: dict[str, str] = field(default_factory=dict)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """{field: message}, the first message for each field (a form shows one per box)."""
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(name, error["msg"])
    return found


def parse(model: type[M], values: Mapping[str, str]) -> Posted[M]:
    """The values parsed into `model` as a form (context FORM), or the fields at fault."""
    try:
        return Posted(dict(values), model.model_validate(dict(values), context=FORM))
    except ValidationError as exc:
        return Posted(dict(values), None, field_errors(exc))


def posted(model: type[M], fields: tuple[str, ...] | None = None,
           defaults: Mapping[str, str] | None = None) -> Callable[[Request], Awaitable[Posted[M]]]:
    """A dependency: the posted `fields` (all of the model's by default) as strings, parsed into `model`.
    A field not sent reads as `defaults` gives, else as the model's text default, else blank (an empty box)."""
    names = fields if fields is not None else tuple(model.model_fields)
    given = {name: _text_default(model, name) for name in names} | dict(defaults or {})

    async def dependency(request: Request) -> Posted[M]:
        form = await request.form()
        values = {}
        for name in names:
            value = form.get(name)
            values[name] = value if isinstance(value, str) else given[name]
        return parse(model, values)

    return dependency


def _text_default(model: type[BaseModel], name: str) -> str:
    """The model's default for a field as a form would send it: text (an enum's value), else blank."""
    default = model.model_fields[name].default
    return str(default) if isinstance(default, str) else ""


def submit(form: Posted[M], work: Callable[[M], Response], again: Again,
           rename: Mapping[str, str] | None = None) -> Response:
    """`work(model)`'s answer; when the form did not parse, or the service refuses a value (`Invalid`), the
    page again (`again(errors=, form=, status=422)`). `rename` maps a service's field name to the form's."""
    if form.model is None:
        return again(errors=form.errors, form=form.values, status=422)
    model = form.model
    return attempt(form.values, lambda: work(model), again, rename)


def attempt(values: Mapping[str, str], work: Callable[[], Response], again: Again,
            rename: Mapping[str, str] | None = None) -> Response:
    """`submit` for a form with no model of its own (a service reads the strings): refusals shown again."""
    try:
        return work()
    except Invalid as exc:
        name = (rename or {}).get(exc.field, exc.field)
        return again(errors={name: exc.message}, form=dict(values), status=422)


def write(request: Request, ws: Workspace, user: User, change: Callable[[Any], object], done: str) -> Response:
    """`change(session)` in one transaction as `user` (so the audit log names them), then on to `done`."""
    return saving(request, ws, user, lambda session, _: change(session), done)(None)


def saving(request: Request, ws: Workspace, user: User, change: Callable[[Any, Any], Any],
           done: str | Callable[[Any], str]) -> Callable[[Any], Response]:
    """A form's work for `submit`: `change(session, model)` as `user`, then on to `done` (or to `done(what
    change returned)`, e.g. the page of the record just made)."""

    def work(model: Any) -> Response:
        with ws.session(accounts.actor(user)) as session:
            made = change(session, model)
        return redirect(request, done if isinstance(done, str) else done(made))

    return work


class FormValue:
    """A field converter used only when parsing a form: `read(field, text)` turns the typed text into the
    value (raising `Invalid` with the service's words); `required`, if given, is the message for a blank box.
    For JSON (no FORM context) the value passes to the field's own validation untouched."""

    def __init__(self, read: Callable[[str, str], Any], required: str | None = None) -> None:
        self.read, self.required = read, required

    def __call__(self, value: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get("form") or not isinstance(value, str):
            return value
        name = info.field_name or "form"
        try:
            parsed = self.read(name, value)
        except Invalid as exc:
            raise PydanticCustomError("form", "{message}", {"message": exc.message}) from None
        if parsed is None and self.required is not None:
            raise PydanticCustomError("form", "{message}", {"message": self.required})
        return parsed


__all__ = ["FORM", "FormValue", "Posted", "attempt", "field_errors", "parse", "posted", "saving", "submit", "write"]
