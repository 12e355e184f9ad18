"""Every `scrutiny ...` command shown in README.md runs, so the README cannot teach a command that fails.

Each line of a ```sh block that starts with `scrutiny` (with its `\\` continuations, without its `# comment`)
is run with every optional `[...]` part included (the first of `a|b` alternatives), against the small Kent
warehouse the web and CLI tests use. The README's examples name the Met's 2018 and 2021 months and Hackney;
that warehouse holds Kent's January and February 2024 and Maidstone, so those values are mapped (MAPPED);
`scrutiny crime` runs with the street-crime fixture loaded beside it, and `scrutiny report --london` with two Met
searches inside a square "London borough" (`fixtures/geography/squares.geojson`, code E09000002) in 2024Q1.
Skipped, with the reason: `fetch` (needs the network) and `serve` (serves until stopped). The threshold test
is a long fit, so `bias` runs with `--no-threshold`, and without `--exposure`, which only that test uses.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from tests.conftest import write_archive
from tests.crime_fixture import DRUGS_STOP, write_fixture
from tests.use_of_force_fixture import add_use_of_force
from tests.web.conftest import write_sources

README = Path(__file__).resolve().parents[2] / "README.md"
SKIP = {"fetch": "needs the network (data.police.uk, Nomis, the ONS portal)", "serve": "serves until stopped"}
MAPPED = {"metropolitan": "kent", "Hackney": "Maidstone", "E09000012": "E07000110", "2018-04": "2024-01",
          "2018-09": "2024-01", "2021-06": "2024-02", "2021-09": "2024-02",
          # `scrutiny crime`'s example: the street-crime fixture (tests/crime_fixture.py) is the Met's, in Hackney
          "cambridgeshire": "metropolitan", "2023-03": "2024-01", "Peterborough": "Hackney",
          # `scrutiny report --london`'s quarter: the London fixture's (write_london)
          "2018Q3": "2024Q1"}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CENSUS = FIXTURES / "census" / "ts022_small.csv"
SQUARES = FIXTURES / "geography" / "squares.geojson"
NOT_WITHOUT_THE_FIT = ("--exposure",)


def readme_commands() -> list[str]:
    """The `scrutiny` lines of the README's shell blocks, continuations joined, comments dropped."""
    commands: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith("scrutiny "):
                commands.append(" ".join(line.split()))
    return commands


def expand(command: str) -> list[str]:
    """The command with its optional parts in, the first alternative of each `a|b`, values mapped."""
    while (inner := re.search(r"\[([^\[\]]*)\]", command)) is not None:
        keep = inner.group(1)
        if "..." in keep or keep.split()[0] in NOT_WITHOUT_THE_FIT:
            keep = ""
        command = command[:inner.start()] + keep + command[inner.end():]
    words = []
    for word in shlex.split(command)[1:]:
        if word == "--threshold/--no-threshold":
            word = "--no-threshold"
        elif "|" in word:
            word = word.split("|")[0]
        words.append(MAPPED.get(word, ",".join(MAPPED.get(w, w) for w in word.split(",")) if "," in word else word))
    return [_period(w) for w in words]


def _period(word: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}:\d{4}-\d{2}", word):
        return ":".join(MAPPED.get(m, m) for m in word.split(":"))
    return word


def _placeholders(words: list[str], folder: Path, sources: Path, db: Path) -> list[str]:
    grounds = folder / "grounds.csv"
    grounds.write_text("id,grounds\n1,Smell of cannabis\n", encoding="utf-8")
    values = {"PATH...": str(sources), "FILE": str(db), "DIR": str(folder / "synthetic"), "N": "20",
              "EMAIL": "admin@example.org", "URL": str(folder / "workspace.sqlite")}
    out: list[str] = []
    for word in words:
        if word == "FILE.csv":
            word = str(folder / "classified.csv") if out and out[-1] == "--out" else str(grounds)
        elif out and out[-1] == "--out" and word.startswith("report."):
            word = str(folder / word)
        out.append(values.get(word, word))
    return out


def write_london(folder: Path) -> Path:
    """Two Met drug searches at (0.5, 0.5): inside the squares' "East" (E09000002), so inside Greater London."""
    inside = DRUGS_STOP.replace("False,,,,", "False,,0.5,0.5,", 1)
    assert inside != DRUGS_STOP
    write_archive(folder, "2024-01", "metropolitan", [inside] * 2)
    return folder


COMMANDS = readme_commands()


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 20 and all(c.split()[1] in {*SKIP, *(c.split()[1] for c in COMMANDS)} for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_runs(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = command.split()[1]
    if name in SKIP:
        pytest.skip(f"`scrutiny {name}` {SKIP[name]}")
    sources = write_sources(tmp_path / "sources")
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRUTINY_DB", str(db))
    monkeypatch.setenv("SCRUTINY_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    runner = CliRunner()
    loaded = runner.invoke(app, ["ingest", str(sources), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    if name == "crime":
        write_fixture(tmp_path / "crime", stops=False)
        loaded = runner.invoke(app, ["ingest", str(tmp_path / "crime"), str(CENSUS), "--db", str(db)])
        assert loaded.exit_code == 0, loaded.output
    if name == "force-use":
        add_use_of_force(db)  # the hand-made releases (tests/use_of_force_fixture.py): Kent's 2019/20 among them
    if "--london" in command.split():
        london = write_london(tmp_path / "london")
        loaded = runner.invoke(app, ["ingest", str(london), str(SQUARES), "--db", str(db)])
        assert loaded.exit_code == 0, loaded.output
    if command.split()[1:3] == ["workspace", "purge"]:  # the README runs it nightly on a workspace in use
        upgraded = runner.invoke(app, ["workspace", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
    args = _placeholders(expand(command), tmp_path, sources, db)
    result = runner.invoke(app, args, input="a long enough password\n" * 2)
    assert result.exit_code == 0, f"scrutiny {' '.join(args)}\n{result.output}"
    assert "Traceback" not in result.output
