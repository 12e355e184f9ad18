"""One error family: each class carries its HTTP status, the API's item and the CLI exit code; hints name
commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from scrutiny import errors
from scrutiny.catalog import close_forces
from scrutiny.cli import app
from scrutiny.web.errors import describe
from scrutiny.workspace import errors as ws

SRC = Path(__file__).resolve().parents[1] / "src" / "scrutiny"


@pytest.mark.parametrize(("error", "status", "kind"), [
    (errors.BadRequest("x"), 400, "bad_request"),
    (errors.BadInput("x"), 422, "value_error"),
    (errors.Unauthorised("x"), 401, "unauthorised"),
    (errors.Forbidden("x"), 403, "forbidden"),
    (errors.NotFound("x"), 404, "not_found"),
    (errors.Conflict("x"), 409, "conflict"),
    (errors.Gone("x"), 410, "gone"),
    (errors.Unavailable("x"), 503, "unavailable"),
    (errors.Busy("x"), 503, "busy"),
    (ws.Invalid("email", "x"), 422, "Invalid"),
    (ws.NotFound("x"), 404, "NotFound"),
    (ws.Gone("x"), 410, "Gone"),
    (ws.Conflict("x"), 409, "Conflict"),
    (ws.LoginRequired(), 401, "LoginRequired"),
    (ws.Forbidden("x"), 403, "Forbidden"),
    (ws.SchemaOutOfDate("x"), 503, "SchemaOutOfDate"),
])
def test_each_class_knows_its_status_and_api_type(error: errors.ScrutinyError, status: int, kind: str) -> None:
    answered, detail, _ = describe(error)
    assert (answered, detail[0]["type"], error.exit_code) == (status, kind, 1)


def test_the_api_item_names_the_parameter_and_retry_only_for_what_passes() -> None:
    assert describe(errors.BadInput("bad month", loc=("query", "from"))) == (
        422, [{"loc": ["query", "from"], "msg": "bad month", "type": "value_error"}], {})
    assert describe(ws.Invalid("email", "not an address"))[1][0]["loc"] == ["body", "email"]
    assert describe(errors.Busy("locked"))[2] == {"Retry-After": "2"}
    assert describe(ws.SchemaOutOfDate("upgrade first"))[2] == {}
    assert describe(errors.UnknownForce("nowhere"))[1][0]["loc"] == ["query", "force"]


def test_workspace_errors_are_the_family_and_a_bug_is_a_500() -> None:
    assert issubclass(ws.Gone, errors.Gone) and issubclass(ws.Gone, ws.NotFound)
    assert issubclass(ws.Invalid, errors.BadInput) and issubclass(ws.LoginRequired, errors.Unauthorised)
    assert describe(RuntimeError("bug"))[0] == 500


@pytest.mark.parametrize(("typed", "meant"), [
    ("met", ["metropolitan"]), ("kennt", ["kent", "gwent"]), ("thames", ["thames-valley"]), ("zzz", []),
])
def test_an_unknown_force_suggests_the_close_ones(typed: str, meant: list[str]) -> None:
    assert close_forces(typed) == meant
    assert str(errors.UnknownForce(typed, meant)).startswith(
        f"unknown force {typed!r}: " + (f"did you mean {' or '.join(meant)}? " if meant else "expected"))


def _commands(group: typer.Typer, prefix: str = "") -> set[str]:
    names = {prefix + (c.name or c.callback.__name__ if c.callback else "") for c in group.registered_commands}
    for sub in group.registered_groups:
        names.add(prefix + str(sub.name))
        names |= _commands(sub.typer_instance, f"{prefix}{sub.name} ") if sub.typer_instance else set()
    return names


def test_every_command_a_message_names_exists() -> None:
    known = _commands(app)
    named = set()
    for path in SRC.rglob("*.py"):
        for match in re.finditer(r"`scrutiny ([a-z][a-z-]*)", path.read_text(encoding="utf-8")):
            named.add(match.group(1))
    assert named and named <= known, sorted(named - known)
