"""Every setting Scrutiny reads from the environment, declared once: its variable, type, default, help and check.

Modules never read `os.environ` themselves: they ask `current()`, which reads the environment afresh (tests set
variables with monkeypatch) and refuses a bad value with one line naming the variable, the value and what is
expected (`BadSetting`, exit code 2), instead of guessing a default. The CLI and the web app call it at start-up,
so a mistake stops the program before it does anything. An empty variable counts as unset.

The README's settings table is generated from this declaration: `python -m scrutiny.settings --markdown` prints
it, `--write-readme` puts it between the README's settings markers, and a test fails when the two differ.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, PositiveInt, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scrutiny.errors import BadInput, ScrutinyError
from scrutiny.setting_names import PREFIX as PREFIX
from scrutiny.setting_names import env_name as env_name

README_START = "<!-- settings:start -->"
README_END = "<!-- settings:end -->"
DEFAULT_POLICE_API_URL = "https://data.police.uk/api"
DEFAULT_DOWNLOAD_TRIES = 5
WORKSPACE_EXPECTS = ("a database URL such as postgresql://user@host/db, or the path of a SQLite file in an "
                     "existing folder")


class BadSetting(ScrutinyError):
    """A setting (environment variable or option) whose value cannot be used: a usage error, never guessed at."""

    exit_code = 2

    def __init__(self, name: str, value: object, expected: str, reason: str = "") -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name}={value!r} is not valid: {reason + '; ' if reason else ''}expected {expected}")


def _setting(default: Any, help: str, expects: str, unset: str = "") -> Any:
    """A declared setting: `help` says what it sets, `expects` what a valid value looks like (shown in errors),
    `unset` what happens without it when that is not a plain value (the README's default column)."""
    return Field(default, description=help, json_schema_extra={"expects": expects, "unset": unset})


def http_url(value: str) -> str:
    """An http(s) URL with a host, without its trailing slash (files are fetched from `URL/name`)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http:// or https:// URL")
    return value.rstrip("/")


def proxy_list(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Comma-separated addresses or networks, each checked (blanks between commas are ignored)."""
    entries = value.split(",") if isinstance(value, str) else value
    found = tuple(entry.strip() for entry in entries if entry.strip())
    for entry in found:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return found


def is_url(value: str) -> bool:
    """A workspace value with a scheme (`postgresql://…`, `sqlite:///…`) is a URL; anything else is a file path."""
    return "://" in value


def workspace_url(value: str, name: str = "--workspace") -> str:
    """A workspace given as a URL stays a URL; a plain path (`ws.sqlite`, `./data/ws.db`) is that SQLite file,
    whose folder must exist (else `BadSetting` naming `name`, the option or variable it came from)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    expected = WORKSPACE_EXPECTS
    if is_url(value):
        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise BadSetting(name, value, expected, "not a database URL") from None
        return value
    path = Path(value).expanduser()
    if path.is_dir():
        raise BadSetting(name, value, expected, "that is a folder")
    if not path.parent.is_dir():
        raise BadSetting(name, value, expected, f"the folder {str(path.parent)!r} does not exist")
    return f"sqlite:///{path}"


class Environment(BaseSettings):
    """The declaration: one field per `SCRUTINY_*` variable (the field name, upper-cased, after the prefix)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    db: Path = _setting(
        Path("scrutiny.duckdb"), "The DuckDB warehouse file; `--db` overrides it.", "a file path")
    workspace: str | None = _setting(
        None, "The workspace database: a URL (`postgresql://user@host/db`, `sqlite:///ws.sqlite`) or the path of a "
        "SQLite file (`ws.sqlite`); `--workspace` overrides it.", WORKSPACE_EXPECTS,
        "`scrutiny-workspace.sqlite` beside the warehouse")
    tmp: Path | None = _setting(
        None, "Folder where the web app writes downloads and uploads before using them.", "an existing folder",
        "the system's temporary folder")
    secure_cookies: bool = _setting(
        False, "Mark login cookies Secure; set it when the site is served over HTTPS.", "true or false (1 or 0)")
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = _setting(
        (), "Proxies whose `X-Forwarded-For` is believed (e.g. `127.0.0.1` behind nginx on the same machine). "
        "With none, the connection's own address is the client's.",
        "IP addresses or networks, comma-separated, such as 127.0.0.1,10.0.0.0/8", "none")
    contact_retention_days: PositiveInt = _setting(
        90, "Days a community report's contact details are kept before they are deleted.",
        "a whole number of days, 1 or more")
    police_api_url: str = _setting(
        DEFAULT_POLICE_API_URL, "Root of the data.police.uk API for `scrutiny fetch`; `--base-url` overrides it.",
        "an http:// or https:// URL")
    census_url: str | None = _setting(
        None, "Mirror of the Census 2021 files for `scrutiny fetch census`; `--base-url` overrides it.",
        "an http:// or https:// URL", "the ONS")
    boundaries_url: str | None = _setting(
        None, "Mirror of the borough boundaries for `scrutiny fetch boundaries`; `--base-url` overrides it.",
        "an http:// or https:// URL", "the ONS")

    download_tries: PositiveInt = _setting(
        DEFAULT_DOWNLOAD_TRIES, "Times `scrutiny fetch` and `scrutiny update` try a download before giving up: a "
        "network failure, a 429 or a 5xx answer is tried again after a wait that doubles (0.5 s, 1 s, 2 s...).",
        "a whole number, 1 or more")

    @field_validator("workspace")
    @classmethod
    def _workspace(cls, value: str | None) -> str | None:
        return None if value is None else workspace_url(value, env_name("workspace"))

    @field_validator("tmp")
    @classmethod
    def _tmp(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError("no such folder")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return proxy_list(value)

    @field_validator("police_api_url", "census_url", "boundaries_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)


def value_of(name: str) -> Any:
    """The checked value of one variable, by its name (`SCRUTINY_CENSUS_URL`): for code that names the variable."""
    return getattr(current(), name.removeprefix(PREFIX).lower())


def _extra(field: str, key: str) -> str:
    extra = Environment.model_fields[field].json_schema_extra
    return str(extra.get(key) or "") if isinstance(extra, dict) else ""


def _expects(field: str) -> str:
    return _extra(field, "expects")


def _bad(error: ValidationError) -> BadSetting:
    """The first invalid variable, as one line: pydantic's own wording for a type is not shown (it names Python
    types); the reason a check of ours gave is."""
    first = error.errors()[0]
    field = str(first["loc"][0])
    name = env_name(field)
    reason = str(first["ctx"]["error"]) if first["type"] == "value_error" and "ctx" in first else ""
    return BadSetting(name, os.environ.get(name, first.get("input")), _expects(field), reason)


def current() -> Environment:
    """The settings as the environment gives them now, checked; `BadSetting` names the first bad variable."""
    try:
        return Environment()
    except ValidationError as exc:
        raise _bad(exc) from None


def validate_or_exit(report: Callable[[str], None]) -> None:
    """Start-up check for a program's entry point: a bad setting is reported as one line, then exit code 2."""
    try:
        current()
    except BadSetting as exc:
        report(str(exc))
        raise SystemExit(BadSetting.exit_code) from None


def _default_text(field: str) -> str:
    value = Environment.model_fields[field].default
    if _extra(field, "unset"):
        return _extra(field, "unset")
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def markdown_table() -> str:
    """The README's settings table, one row per declared setting, in declaration order."""
    rows = ["| variable | default | expects | what it sets |", "|---|---|---|---|"]
    for field, info in Environment.model_fields.items():
        rows.append(f"| `{env_name(field)}` | {_default_text(field)} | {_expects(field)} | {info.description} |")
    return "\n".join(rows) + "\n"


def readme_section(readme: str) -> str:
    """`readme` with the text between the settings markers replaced by the generated table."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise BadInput(f"the README has no {README_START} ... {README_END} markers")
    return readme[:start + len(README_START)] + "\n" + markdown_table() + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrutiny.settings", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--markdown", action="store_true", help="print the settings table (Markdown)")
    group.add_argument("--write-readme", metavar="README", type=Path,
                       help="replace the table between the settings markers of this README")
    group.add_argument("--check", action="store_true", help="check the environment's settings now")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown_table())
    elif args.check:
        validate_or_exit(lambda line: print(f"error: {line}", file=sys.stderr))
        print("settings: ok")
    else:
        try:
            text = args.write_readme.read_text(encoding="utf-8")
            args.write_readme.write_text(readme_section(text), encoding="utf-8")
        except (OSError, ScrutinyError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
