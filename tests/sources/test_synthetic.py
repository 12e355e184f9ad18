"""Synthetic archive files: layout and quirks of data.police.uk, plausible shares, never taken for real."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scrutiny.errors import UnknownForce
from scrutiny.sources import synthetic
from scrutiny.sources.synthetic import HEADER, NOTE, month_window, write_synthetic

ROWS = 200_000
COLUMNS = HEADER.split(",")


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("synth")
    return out, write_synthetic(out, ROWS, seed=11)


@pytest.fixture(scope="module")
def records(synth_set: tuple[Path, list[Path]]) -> list[tuple[str, str, list[str]]]:
    """(force, month, row) for every data row, parsed by the csv module."""
    out: list[tuple[str, str, list[str]]] = []
    for path in synth_set[1]:
        month, force = path.parent.name, path.name[8 : -len("-stop-and-search.csv")]
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            assert next(reader) == COLUMNS
            out.extend((force, month, row) for row in reader)
    return out


def shares(values: list[str]) -> dict[str, float]:
    return {k: v / len(values) for k, v in Counter(values).items()}


def test_layout_header_and_encoding(synth_set: tuple[Path, list[Path]]) -> None:
    out, paths = synth_set
    assert len(paths) == 44 * 12
    endings = set()
    for path in paths:
        assert path.name == f"{path.parent.name}-{path.name[8:]}"
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        first, _, rest = raw.partition(b"\n")
        crlf = first.endswith(b"\r")
        assert first.rstrip(b"\r").decode() == HEADER
        assert raw.count(b"\n") == (raw.count(b"\r\n") if crlf else raw.count(b"\n")) and raw.endswith(b"\n")
        assert (b"\r" in rest) == crlf  # one line ending per file
        endings.add(crlf)
    assert endings == {True, False}
    assert NOTE in (out / "SYNTHETIC.md").read_text()


def test_every_csv_has_a_sidecar(synth_set: tuple[Path, list[Path]]) -> None:
    out, paths = synth_set
    total = 0
    for path in paths:
        meta = json.loads(path.with_name(path.name + ".synthetic.json").read_text())
        assert meta["synthetic"] is True and meta["generator"] == "scrutiny synth" and meta["note"] == NOTE
        assert meta["seed"] == 11
        total += meta["rows"]
    assert total == ROWS
    assert len(list(out.rglob("*.synthetic.json"))) == len(paths)


def test_row_count_exact_and_fifteen_fields(records: list[tuple[str, str, list[str]]]) -> None:
    assert len(records) == ROWS
    assert all(len(row) == 15 for _, _, row in records)


def test_dates_inside_the_local_month(records: list[tuple[str, str, list[str]]]) -> None:
    bst_start_hours: Counter[int] = Counter()
    for _, month, row in records:
        stamp = row[1]
        assert stamp.endswith("+00:00") and len(stamp) == 25
        start, minutes = month_window(month)
        when = datetime.fromisoformat(stamp[:19])
        assert start <= when < start + timedelta(minutes=minutes), (month, stamp)
        if month == "2024-07" and when.month == 6:
            bst_start_hours[when.hour] += 1
    assert set(bst_start_hours) == {23}  # July starts at 23:00 UTC on 30 June


def test_month_window_follows_british_summer_time() -> None:
    assert month_window("2024-01") == (datetime(2024, 1, 1), 31 * 1440)
    assert month_window("2024-04") == (datetime(2024, 3, 31, 23), 30 * 1440)
    assert month_window("2024-03")[1] == 31 * 1440 - 60  # the clocks go forward
    assert month_window("2024-10")[1] == 31 * 1440 + 60  # and back


def test_shares_near_the_real_ones(records: list[tuple[str, str, list[str]]]) -> None:
    col = {name: [row[i] for _, _, row in records] for i, name in enumerate(COLUMNS)}
    expected = {
        "Type": {"Person search": 0.79, "Person and Vehicle search": 0.18, "Vehicle search": 0.03},
        "Gender": {"Male": 0.72, "": 0.22, "Female": 0.06},
        "Age range": {"18-24": 0.32, "25-34": 0.21, "10-17": 0.17, "over 34": 0.17, "": 0.13},
        "Officer-defined ethnicity": {"White": 0.35, "Black": 0.27, "": 0.20, "Asian": 0.15, "Other": 0.03},
        "Object of search": {"Controlled drugs": 0.58, "Offensive weapons": 0.16, "Stolen goods": 0.10},
        "Outcome": {"A no further action disposal": 0.71, "Arrest": 0.135, "": 0.04},
    }
    for name, want in expected.items():
        got = shares(col[name])
        for value, share in want.items():
            assert got.get(value, 0) == pytest.approx(share, abs=0.015), (name, value, got)
    legislation = shares(col["Legislation"])
    assert legislation[synthetic.S60] == pytest.approx(0.036, abs=0.005)
    assert legislation["Misuse of Drugs Act 1971 (section 23)"] == pytest.approx(0.60, abs=0.015)
    forces = shares([force for force, _, _ in records])
    assert forces["metropolitan"] == pytest.approx(0.35, abs=0.01)
    assert max(forces, key=lambda f: forces[f] if f != "metropolitan" else 0) == "west-midlands"
    # self-defined follows officer-defined: most searches the officer records as Black self-define as Black
    black = [
        s for s, o in zip(col["Self-defined ethnicity"], col["Officer-defined ethnicity"], strict=True) if o == "Black"
    ]
    assert sum(s.startswith("Black/") for s in black) / len(black) > 0.5


def test_blanks_where_real_files_have_them(records: list[tuple[str, str, list[str]]]) -> None:
    met = [row for force, _, row in records if force == "metropolitan"]
    no_location = sum(row[4] == "" for row in met) / len(met)
    assert 0.08 <= no_location <= 0.11
    assert 0.04 <= sum(row[7] == "" for row in met) / len(met) <= 0.14
    assert all(row[13] == "" and row[14] == "" for row in met)
    assert all((row[4] == "") == (row[5] == "") for row in met)
    located = [row for row in met if row[4]]
    assert all(51.29 <= float(r[4]) <= 51.69 and -0.51 <= float(r[5]) <= 0.33 for r in located)
    assert all(len(r[4].split(".")[1]) == 6 and len(r[5].split(".")[1]) == 6 for r in located)
    assert 1000 < len({(r[4], r[5]) for r in located}) <= 6000  # a finite set of snap points
    others = [row for force, _, row in records if force != "metropolitan"]
    assert {row[13] for row in others} == {"True", "False"}
    vehicle = [row for _, _, row in records if row[0] == "Vehicle search"]
    assert vehicle and all(row[6:10] == ["", "", "", ""] and row[14] == "" for row in vehicle)
    person = [row for row in others if row[0] != "Vehicle search"]
    assert {row[14] for row in person} == {"True", "False"}


def test_same_seed_same_bytes_whatever_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kw = {"forces": ["metropolitan", "essex", "gwent"], "months": ["2023-03", "2023-10"]}
    one = write_synthetic(tmp_path / "a", 30_000, seed=5, workers=1, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(synthetic, "PARALLEL_MIN_ROWS", 0)
    two = write_synthetic(tmp_path / "b", 30_000, seed=5, workers=2, **kw)  # type: ignore[arg-type]
    other = write_synthetic(tmp_path / "c", 30_000, seed=6, workers=1, **kw)  # type: ignore[arg-type]
    assert [p.relative_to(tmp_path / "a") for p in one] == [p.relative_to(tmp_path / "b") for p in two]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / "SYNTHETIC.md").read_bytes() == (tmp_path / "b" / "SYNTHETIC.md").read_bytes()
    assert one[0].read_bytes() != other[0].read_bytes()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        write_synthetic(tmp_path, 0)
    with pytest.raises(UnknownForce):
        write_synthetic(tmp_path, 10, forces=["atlantis"])
    with pytest.raises(ValueError, match="YYYY-MM"):
        write_synthetic(tmp_path, 10, months=["2024-13"])
    assert not list(tmp_path.iterdir())


def run_cli(*args: str) -> object:
    from scrutiny.cli import synth as synth_cli

    app = typer.Typer()
    synth_cli.register(app)
    app.command("noop")(lambda: None)  # keep `synth` a named subcommand
    return CliRunner().invoke(app, ["synth", *args])


def test_cli_writes_and_says_synthetic(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = run_cli(
        "--rows",
        "5000",
        "--out",
        str(out),
        "--forces",
        "metropolitan,essex",
        "--from",
        "2024-03",
        "--to",
        "2024-04",
        "--seed",
        "2",
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert "4 files, 5,000 rows" in text and "SYNTHETIC" in text
    assert sorted(p.name for p in out.rglob("*.csv")) == [
        "2024-03-essex-stop-and-search.csv",
        "2024-03-metropolitan-stop-and-search.csv",
        "2024-04-essex-stop-and-search.csv",
        "2024-04-metropolitan-stop-and-search.csv",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows", "0"], "rows"),
        (["--rows", "10", "--forces", "metropolitan,atlantis"], "unknown force 'atlantis'"),
        (["--rows", "10", "--from", "2024-13"], "YYYY-MM"),
        (["--rows", "10", "--from", "2024-05", "--to", "2024-01"], "after"),
    ],
)
def test_cli_refuses_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, "--out", str(tmp_path / "s"))
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert message in " ".join(result.output.split())  # type: ignore[attr-defined]
    assert not (tmp_path / "s").exists()
