"""docs/update.md's systemd units are valid units (systemd-analyze verify), and its cron line a cron line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "update.md"


def blocks(kind: str) -> list[str]:
    """The fenced blocks of the page whose fence names `kind` ("" for a bare fence)."""
    found: list[str] = []
    inside: str | None = None
    lines: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        fence = re.fullmatch(r"```(\w*)", line)
        if fence and inside is None:
            inside, lines = fence[1], []
        elif line == "```" and inside is not None:
            if inside == kind:
                found.append("\n".join(lines) + "\n")
            inside = None
        elif inside is not None:
            lines.append(line)
    return found


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the units cannot be verified")
    units = {block.splitlines()[0].removeprefix("# ").rsplit("/", 1)[-1]: block for block in blocks("ini")}
    assert sorted(units) == ["scrutiny-update.service", "scrutiny-update.timer"]
    assert "ExecStart=/srv/scrutiny/.venv/bin/scrutiny update" in units["scrutiny-update.service"]
    for name, text in units.items():  # the program need not exist here: verify checks it is executable
        (tmp_path / name).write_text(text.replace("/srv/scrutiny/.venv/bin/scrutiny", "/bin/true"))
    done = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in units)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_cron_line_has_five_time_fields_and_runs_update() -> None:
    [block] = [b for b in blocks("") if "MAILTO=" in b]
    [line] = [line for line in block.splitlines() if line and not line.startswith("MAILTO=")]
    fields = line.split(maxsplit=5)
    assert fields[:5] == ["30", "5", "*", "*", "*"]
    assert "scrutiny update" in fields[5]
