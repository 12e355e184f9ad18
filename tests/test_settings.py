"""Settings are declared once (scrutiny.settings), checked at start-up with one line for a bad value (exit 2),
documented in the README from the declaration; `--workspace` takes a plain path as well as a URL, and a workspace
that cannot be opened is one line too, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny import settings
from scrutiny.cli import app
from scrutiny.settings import BadSetting
from scrutiny.web.settings import get_settings
from scrutiny.workspace.database import Workspace, WorkspaceUnavailable, resolve_workspace_url
from tests.workspace.conftest import POSTGRES, fresh_postgres

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "scrutiny"
VARIABLES = ("SCRUTINY_DB", "SCRUTINY_WORKSPACE", "SCRUTINY_TMP", "SCRUTINY_SECURE_COOKIES", "SCRUTINY_TRUSTED_PROXIES",
             "SCRUTINY_CONTACT_RETENTION_DAYS", "SCRUTINY_POLICE_API_URL", "SCRUTINY_CENSUS_URL",
             "SCRUTINY_BOUNDARIES_URL", "SCRUTINY_DOWNLOAD_TRIES")
WORKSPACE_EXPECTS = ("expected a database URL such as postgresql://user@host/db, or the path of a SQLite file in an "
                     "existing folder")

__all__ = ["fresh_postgres"]  # the workspace tests' fixture: a new PostgreSQL database, dropped after the test


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from no SCRUTINY_* setting at all, whatever the shell running pytest has."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_every_variable_is_declared_once_in_order() -> None:
    assert tuple(settings.env_name(field) for field in settings.Environment.model_fields) == VARIABLES


def test_defaults_when_nothing_is_set() -> None:
    env = settings.current()
    assert (env.db, env.workspace, env.tmp, env.secure_cookies, env.trusted_proxies, env.contact_retention_days,
            env.police_api_url, env.census_url, env.boundaries_url, env.download_tries) == (
        Path("scrutiny.duckdb"), None, None, False, (), 90, "https://data.police.uk/api", None, None, 5)


def test_values_are_read_and_normalised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRUTINY_DB", "data/w.duckdb")
    monkeypatch.setenv("SCRUTINY_WORKSPACE", str(tmp_path / "ws.sqlite"))
    monkeypatch.setenv("SCRUTINY_TMP", str(tmp_path))
    monkeypatch.setenv("SCRUTINY_SECURE_COOKIES", "yes")
    monkeypatch.setenv("SCRUTINY_TRUSTED_PROXIES", " 127.0.0.1, ::1 ,10.0.0.0/8")
    monkeypatch.setenv("SCRUTINY_CONTACT_RETENTION_DAYS", "30")
    monkeypatch.setenv("SCRUTINY_POLICE_API_URL", "http://127.0.0.1:9/api/")
    monkeypatch.setenv("SCRUTINY_CENSUS_URL", "")  # empty counts as unset
    monkeypatch.setenv("SCRUTINY_DOWNLOAD_TRIES", "2")
    env = settings.current()
    assert env.db == Path("data/w.duckdb")
    assert env.workspace == f"sqlite:///{tmp_path}/ws.sqlite"
    assert env.tmp == tmp_path
    assert env.secure_cookies is True
    assert env.trusted_proxies == ("127.0.0.1", "::1", "10.0.0.0/8")
    assert env.contact_retention_days == 30
    assert env.police_api_url == "http://127.0.0.1:9/api"
    assert env.census_url is None
    assert env.download_tries == 2
    monkeypatch.setenv("SCRUTINY_SECURE_COOKIES", "0")
    assert settings.current().secure_cookies is False


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SCRUTINY_CONTACT_RETENTION_DAYS", "abc",
     "SCRUTINY_CONTACT_RETENTION_DAYS='abc' is not valid: expected a whole number of days, 1 or more"),
    ("SCRUTINY_CONTACT_RETENTION_DAYS", "0",
     "SCRUTINY_CONTACT_RETENTION_DAYS='0' is not valid: expected a whole number of days, 1 or more"),
    ("SCRUTINY_CONTACT_RETENTION_DAYS", "7.5",
     "SCRUTINY_CONTACT_RETENTION_DAYS='7.5' is not valid: expected a whole number of days, 1 or more"),
    ("SCRUTINY_DOWNLOAD_TRIES", "0", "SCRUTINY_DOWNLOAD_TRIES='0' is not valid: expected a whole number, 1 or more"),
    ("SCRUTINY_SECURE_COOKIES", "maybe",
     "SCRUTINY_SECURE_COOKIES='maybe' is not valid: expected true or false (1 or 0)"),
    ("SCRUTINY_TRUSTED_PROXIES", "127.0.0.1,nginx",
     "SCRUTINY_TRUSTED_PROXIES='127.0.0.1,nginx' is not valid: 'nginx' is not an IP address or network; "
     "expected IP addresses or networks, comma-separated, such as 127.0.0.1,10.0.0.0/8"),
    ("SCRUTINY_TMP", "/no/such/folder",
     "SCRUTINY_TMP='/no/such/folder' is not valid: no such folder; expected an existing folder"),
    ("SCRUTINY_POLICE_API_URL", "data.police.uk/api",
     "SCRUTINY_POLICE_API_URL='data.police.uk/api' is not valid: not an http:// or https:// URL; "
     "expected an http:// or https:// URL"),
    ("SCRUTINY_CENSUS_URL", "ftp://mirror/census2021",
     "SCRUTINY_CENSUS_URL='ftp://mirror/census2021' is not valid: not an http:// or https:// URL; "
     "expected an http:// or https:// URL"),
    ("SCRUTINY_WORKSPACE", "/no/such/folder/ws.sqlite",
     f"SCRUTINY_WORKSPACE='/no/such/folder/ws.sqlite' is not valid: the folder '/no/such/folder' does not exist; "
     f"{WORKSPACE_EXPECTS}"),
    ("SCRUTINY_WORKSPACE", "postgresql://u@host:port/db",
     f"SCRUTINY_WORKSPACE='postgresql://u@host:port/db' is not valid: not a database URL; {WORKSPACE_EXPECTS}"),
])
def test_a_bad_value_is_refused_naming_variable_value_and_what_is_expected(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadSetting) as caught:
        settings.current()
    assert str(caught.value) == message
    assert caught.value.exit_code == 2
    with pytest.raises(BadSetting):  # the web app refuses it when it is made, too
        get_settings(Path("none.duckdb"))


def test_the_web_settings_come_from_the_declaration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRUTINY_TMP", str(tmp_path))
    monkeypatch.setenv("SCRUTINY_SECURE_COOKIES", "true")
    monkeypatch.setenv("SCRUTINY_WORKSPACE", "ws.sqlite")
    made = get_settings(tmp_path / "w.duckdb", cache_entries=0)
    assert (made.tmp_dir, made.secure_cookies, made.workspace_url, made.cache_entries) == (
        tmp_path, True, "sqlite:///ws.sqlite", 0)
    assert get_settings(tmp_path / "w.duckdb", workspace_url="other.db").workspace_url == "sqlite:///other.db"


def test_workspace_plain_paths_are_sqlite_files_and_urls_stay_urls(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert resolve_workspace_url("ws.sqlite") == "sqlite:///ws.sqlite"
    assert resolve_workspace_url("./data/ws.db") == "sqlite:///data/ws.db"
    assert resolve_workspace_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path}/x.sqlite"
    assert resolve_workspace_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert resolve_workspace_url(None, tmp_path / "w.duckdb") == f"sqlite:///{tmp_path}/w-workspace.sqlite"
    with pytest.raises(BadSetting, match=r"^--workspace='nope/ws.sqlite' is not valid: the folder 'nope' does"):
        resolve_workspace_url("nope/ws.sqlite")
    with pytest.raises(BadSetting, match=r"^--workspace='.*' is not valid: that is a folder;"):
        resolve_workspace_url(str(tmp_path))


def test_a_workspace_that_cannot_be_opened_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceUnavailable) as caught:
        Workspace(f"sqlite:///{tmp_path}/missing/ws.sqlite").revisions()
    assert str(caught.value) == (f"cannot open the workspace database sqlite:///{tmp_path}/missing/ws.sqlite: "
                                 f"the folder '{tmp_path}/missing' does not exist")
    with pytest.raises(WorkspaceUnavailable) as caught:
        Workspace("postgresql://postgres:secret@127.0.0.1:1/x").revisions()
    assert str(caught.value).startswith("cannot open the workspace database postgresql://postgres:***@127.0.0.1:1/x: "
                                        "connection failed: ")
    assert "\n" not in str(caught.value) and "secret" not in str(caught.value)


# the command line: one line on stderr, exit code 2, whatever command runs

def test_a_bad_setting_stops_any_command_with_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRUTINY_CONTACT_RETENTION_DAYS", "abc")
    result = CliRunner().invoke(app, ["workspace", "status", "--workspace", str(tmp_path / "ws.sqlite")])
    assert result.exit_code == 2
    assert result.stderr == ("error: SCRUTINY_CONTACT_RETENTION_DAYS='abc' is not valid: expected a whole number "
                             "of days, 1 or more\n")
    assert not (tmp_path / "ws.sqlite").exists()  # stopped before the command ran


def test_workspace_option_takes_a_plain_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["workspace", "upgrade", "--workspace", "ws.sqlite"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("workspace sqlite:///ws.sqlite at revision ")
    assert (tmp_path / "ws.sqlite").is_file()
    monkeypatch.setenv("SCRUTINY_WORKSPACE", "./ws.sqlite")
    result = runner.invoke(app, ["workspace", "status"])
    assert (result.exit_code, result.stdout.endswith("(current)\n")) == (0, True), result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--workspace", "nope/ws.sqlite"],
     f"error: --workspace='nope/ws.sqlite' is not valid: the folder 'nope' does not exist; {WORKSPACE_EXPECTS}\n"),
    (["--workspace", "sqlite:///nope/ws.sqlite"],
     "error: cannot open the workspace database sqlite:///nope/ws.sqlite: the folder 'nope' does not exist\n"),
])
def test_workspace_in_a_missing_folder_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["workspace", "status", *args])
    assert (result.exit_code, result.stderr) == (2, message)


def test_unreachable_postgresql_is_one_line_with_no_traceback(tmp_path: Path) -> None:
    """A real process, so nothing but what a user sees is checked: stderr is one line, exit code 2."""
    env = {**os.environ, "SCRUTINY_DB": str(tmp_path / "none.duckdb")}
    done = subprocess.run([sys.executable, "-m", "scrutiny", "workspace", "status", "--workspace",
                           "postgresql://postgres@127.0.0.1:1/x"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot open the workspace database postgresql://postgres@127.0.0.1:1/x: "
                                  "connection failed: connection to server at \"127.0.0.1\", port 1 failed: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_real_postgresql_by_url(fresh_postgres: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["workspace", "upgrade", "--workspace", fresh_postgres])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["workspace", "status", "--workspace", fresh_postgres])
    assert (result.exit_code, result.stdout.endswith("(current)\n")) == (0, True), result.output
    assert POSTGRES  # the server the fixture made the database on


def test_the_server_factory_refuses_a_bad_setting_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "SCRUTINY_TRUSTED_PROXIES": "nginx", "SCRUTINY_DB": str(tmp_path / "none.duckdb")}
    code = "from scrutiny.web.workspace.community_app import app; app()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("error: SCRUTINY_TRUSTED_PROXIES='nginx' is not valid: 'nginx' is not an IP address "
                           "or network; expected IP addresses or networks, comma-separated, such as "
                           "127.0.0.1,10.0.0.0/8\n")


# one declaration: no module reads a SCRUTINY_* variable itself, and the README's table is generated from it

def _variable_names_outside_the_declaration() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        if path in (SRC / "settings.py", SRC / "setting_names.py"):  # the declaration, and its names kept light
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.relative_to(SRC)}: {node.value}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and node.value.startswith("SCRUTINY_")]
    return found


def test_no_module_names_a_variable_itself() -> None:
    assert _variable_names_outside_the_declaration() == []


def test_readme_settings_table_is_the_declarations() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert settings.readme_section(readme) == readme, (
        "README.md's settings table differs from src/scrutiny/settings.py: regenerate it with "
        "`python -m scrutiny.settings --write-readme README.md`")
    for name in VARIABLES:
        assert f"| `{name}` |" in readme


def test_markdown_table_has_one_row_per_setting() -> None:
    rows = settings.markdown_table().splitlines()
    assert len(rows) == 2 + 10
    assert rows[2] == ("| `SCRUTINY_DB` | `scrutiny.duckdb` | a file path | The DuckDB warehouse file; `--db` "
                       "overrides it. |")
    assert rows[7] == ("| `SCRUTINY_CONTACT_RETENTION_DAYS` | `90` | a whole number of days, 1 or more | Days a "
                       "community report's contact details are kept before they are deleted. |")


def test_readme_without_markers_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    assert settings.main(["--write-readme", str(readme)]) == 1
    assert readme.read_text(encoding="utf-8") == "# no markers\n"
