"""Docs that drift from the code are a defect: every command must be in the README."""

from __future__ import annotations

import typer.main

from scrutiny.cli import app
from tests.conftest import REPO


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_group(app)
    names = list(group.commands)
    assert {"ingest", "status", "fetch", "synth"} <= set(names)
    for name in names:
        assert f"scrutiny {name}" in readme, f"`scrutiny {name}` is not documented in README.md"
    for sub in ("census", "boundaries"):
        assert f"scrutiny fetch {sub}" in readme


def test_readme_gives_the_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
