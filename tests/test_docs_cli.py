"""docs/cli.md is generated from the CLI's own `--help`; a command whose help changed makes this fail."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from scrutiny.cli import reference
from tests.conftest import REPO


def test_cli_reference_is_what_the_commands_print_now() -> None:
    page = REPO / "docs" / "cli.md"
    assert page == reference.DEFAULT_OUT
    current = page.read_text(encoding="utf-8") if page.exists() else ""
    wanted = reference.render()
    if current != wanted:
        diff = "".join(list(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True), "docs/cli.md",
                                                 "generated", n=1))[:40])
        raise AssertionError(f"docs/cli.md is out of date: regenerate it with `make docs`.\n{diff}")


def test_the_reference_covers_every_command_and_subcommand() -> None:
    paths = reference.command_paths()
    assert () in paths
    assert ("ingest",) in paths and ("fetch", "census") in paths and ("workspace", "upgrade") in paths
    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for path in paths:
        heading = "## " + " ".join(("scrutiny", *path))
        assert f"\n{heading}\n" in page, f"{heading} missing from docs/cli.md"
        assert f"Usage: scrutiny {' '.join(path)}".rstrip() in page


def test_the_help_is_rendered_at_a_fixed_width_without_colour() -> None:
    text = reference.help_text(("status",))
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) == reference.WIDTH
    assert text.startswith(" Usage: scrutiny status [OPTIONS]")


def test_check_mode_reports_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(reference, "DEFAULT_OUT", stale)
    assert reference.main(["--check"]) == 1
    assert "make docs" in capsys.readouterr().err
    assert reference.main([]) == 0
    assert reference.main(["--check"]) == 0
