"""No input a user could give prints a traceback: every command, given a folder where a file belongs, a URL where
a path belongs, a file that is not there, or a database that cannot be reached, says so in one `error:` line
and exits non-zero.

The cases are every command `scrutiny --help` lists (a test below fails when a new one is not covered), each
with the mistakes its options allow. `serve` is run as a real process (it would otherwise start a server);
it starts on purpose without a warehouse (its pages say none is loaded), so only its workspace is tested."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from tests.test_errors import _commands

URL = "https://example.org/data/2024-01.zip"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"
SCOPE = ("--force", "metropolitan", "--from", "2024-01", "--to", "2024-02")
DIR, MISSING, FILE = "{dir}", "{missing}", "{file}"  # a folder where a file belongs; no file; a file (not a folder)


def _db_cases(*command: str) -> list[tuple[str, ...]]:
    return [(*command, "--db", DIR), (*command, "--db", URL), (*command, "--db", MISSING)]


def _workspace_cases(*command: str) -> list[tuple[str, ...]]:
    return [(*command, "--workspace", UNREACHABLE), (*command, "--workspace", URL),
            (*command, "--workspace", f"{MISSING}/ws.sqlite")]


CASES: dict[str, list[tuple[str, ...]]] = {
    "ingest": [("ingest", DIR + "/nothing-here"), ("ingest", URL), ("ingest", MISSING), ("ingest", DIR, "--db", URL)],
    "status": _db_cases("status"),
    "synth": [("synth", "--rows", "5", "--out", URL), ("synth", "--rows", "5", "--out", FILE),
              ("synth", "--rows", "5", "--out", DIR + "/s", "--kind", "foo"),
              ("synth", "--rows", "5", "--out", DIR + "/s", "--kind", "street", "--forces", "atlantis")],
    "metrics": [*_db_cases("metrics", *SCOPE), ("metrics", *SCOPE, "--engine", "pyspark", "--source", MISSING),
                ("metrics", *SCOPE, "--engine", "pyspark", "--source", FILE),
                ("metrics", *SCOPE, "--engine", "pyspark", "--source", URL)],
    "export": [*_db_cases("export", "{dir}/out"), ("export", FILE), ("export", URL, "--db", MISSING)],
    "crime": [*_db_cases("crime", *SCOPE), *_db_cases("crime", *SCOPE, "--type", "<script>", "--area", "x\x1b[31m")],
    "force-use": [*_db_cases("force-use", "--force", "metropolitan", "--year", "2019/20"),
                  *_db_cases("force-use", "--force", "x\x1b[31m", "--year", "<script>")],
    "hotspots": [*_db_cases("hotspots", *SCOPE, "--area", "Hackney"),
                 *_db_cases("hotspots", *SCOPE, "--area", "x\x1b[31m", "--purpose", "<script>")],
    "forces": _db_cases("forces", "--from", "2024-01", "--to", "2024-02"),
    "coverage": _db_cases("coverage"),
    "change": _db_cases("change", "--force", "metropolitan", "--before", "2024-01", "--after", "2024-02"),
    "bias": [*_db_cases("bias", *SCOPE, "--no-threshold"),
             ("bias", *SCOPE, "--exposure", MISSING), ("bias", *SCOPE, "--exposure", DIR),
             ("bias", *SCOPE, "--exposure", URL)],
    "report": [*_db_cases("report", *SCOPE, "--out", "{dir}/r.html")],
    "disposal": [("disposal", "--policy", MISSING + ".toml", "--list"), ("disposal", "--policy", URL, "--list"),
                 ("disposal", "--compare", "--cases", MISSING), ("disposal", "--compare", "--cases", DIR),
                 ("disposal", "--compare", "--cases", URL)],
    "fetch": [("fetch", *SCOPE, "--base-url", "http://127.0.0.1:1/api", "--out", "{dir}/api", "--no-ingest"),
              ("fetch", *SCOPE, "--base-url", URL + "/api", "--out", "{dir}/api", "--db", URL)],
    "update": [("update", "--db", DIR), ("update", "--db", URL), ("update", "--db", FILE), ("update", "--out", URL),
               ("update", "--out", FILE, "--db", "{dir}/w.duckdb"),
               ("update", "--base-url", "http://127.0.0.1:1/api", "--db", "{dir}/w.duckdb")],
    "workspace": [*_workspace_cases("workspace", "status"), *_workspace_cases("workspace", "upgrade")],
    "user": _workspace_cases("user", "create", "--admin", "a@example.org"),
    "grounds": [("grounds", "classify", MISSING), ("grounds", "classify", DIR), ("grounds", "classify", URL)],
    "governance": _workspace_cases("governance", "export"),
    "community": _workspace_cases("community", "purge"),
}
PARAMS = [pytest.param(args, id=" ".join(args)) for cases in CASES.values() for args in cases]


def _fill(args: tuple[str, ...], tmp_path: Path) -> list[str]:
    (tmp_path / "a-file").write_text("not a folder\n")
    return [a.format(dir=tmp_path, missing=tmp_path / "missing.csv", file=tmp_path / "a-file") for a in args]


def _one_clear_line(code: int, output: str) -> None:
    assert code != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output


def test_every_command_is_covered() -> None:
    listed = {name.split()[0] for name in _commands(app)}
    assert listed == set(CASES) | {"serve"}


@pytest.mark.parametrize("args", PARAMS)
def test_a_wrong_path_url_missing_file_or_database_is_one_line(args: tuple[str, ...], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCRUTINY_DB", raising=False)
    monkeypatch.setenv("SCRUTINY_DOWNLOAD_TRIES", "1")  # an unreachable address fails at once, not after 4-8 s
    result = CliRunner().invoke(app, _fill(args, tmp_path), input="a long enough password\n" * 2)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    _one_clear_line(result.exit_code, result.output)


@pytest.mark.parametrize("workspace", [UNREACHABLE, URL, "{missing}/ws.sqlite"])
def test_serve_with_a_workspace_it_cannot_open_is_one_line(workspace: str, tmp_path: Path) -> None:
    args = ["serve", "--port", "1", "--db", str(tmp_path / "w.duckdb"), "--workspace",
            workspace.format(missing=tmp_path / "missing")]
    done = subprocess.run([sys.executable, "-m", "scrutiny", *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    _one_clear_line(done.returncode, done.stdout + done.stderr)
