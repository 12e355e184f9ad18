"""Synthetic street-crime and outcomes files: recognised and loaded like the real ones, outcomes naming crimes of
the set, marked synthetic, the same bytes for the same seed."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from scrutiny.errors import BadInput, UnknownForce
from scrutiny.sources.adapter import SourceKind
from scrutiny.sources.police_uk_crime import OUTCOMES_HEADER, STREET_HEADER
from scrutiny.sources.recognise import recognise
from scrutiny.sources.synthetic import NOTE
from scrutiny.sources.synthetic_crime import parse_kinds, write_synthetic_crime
from scrutiny.vocab.crime_outcomes import outcome_types
from scrutiny.warehouse.ingest import ingest_paths

ROWS = 4000
MONTHS = ["2024-01", "2024-02"]
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def crime_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("crime")
    return out, write_synthetic_crime(out, ROWS, seed=4, forces=["kent"], months=MONTHS)


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_names_headers_and_recognition(crime_set: tuple[Path, list[Path]]) -> None:
    out, paths = crime_set
    assert [p.relative_to(out).as_posix() for p in paths] == [
        f"{m}/{m}-kent-{k}.csv" for m in MONTHS for k in ("outcomes", "street")]
    for path in paths:
        street = path.name.endswith("-street.csv")
        first = path.read_bytes().split(b"\n", 1)[0].rstrip(b"\r").decode()
        assert first == ",".join(STREET_HEADER if street else OUTCOMES_HEADER)
        assert recognise(path).kind == (SourceKind.STREET_CSV if street else SourceKind.OUTCOMES_CSV)


def test_every_file_is_marked_synthetic(crime_set: tuple[Path, list[Path]]) -> None:
    out, paths = crime_set
    street_rows = 0
    for path in paths:
        meta = json.loads(path.with_name(path.name + ".synthetic.json").read_text())
        assert meta["synthetic"] is True and meta["note"] == NOTE and meta["seed"] == 4
        assert meta["rows"] == len(rows_of(path)) and meta["force"] == "kent" and meta["month"] == path.parent.name
        assert meta["kind"] == ("street" if path.name.endswith("-street.csv") else "outcomes")
        street_rows += meta["rows"] if meta["kind"] == "street" else 0
    assert street_rows == ROWS
    assert NOTE in (out / "SYNTHETIC.md").read_text()


def test_street_rows_look_published(crime_set: tuple[Path, list[Path]]) -> None:
    _, paths = crime_set
    rows = [(p.parent.name, r) for p in paths if p.name.endswith("-street.csv") for r in rows_of(p)]
    types = Counter(r["Crime type"] for _, r in rows)
    assert len(types) == 14
    assert 0.015 < types["Drugs"] / len(rows) < 0.04
    assert 0.1 < types["Anti-social behaviour"] / len(rows) < 0.22
    authority_of: dict[str, str] = {}
    for month, r in rows:
        assert r["Month"] == month and r["Reported by"] == r["Falls within"] == "Kent Police"
        asb = r["Crime type"] == "Anti-social behaviour"
        assert (r["Crime ID"] == "") == asb and (asb or HEX64.match(r["Crime ID"]))
        assert (r["Last outcome category"] == "") == asb and r["Context"] == ""
        if r["Location"] == "No Location":
            assert r["Longitude"] == r["Latitude"] == r["LSOA code"] == r["LSOA name"] == ""
            continue
        assert r["Location"].startswith("On or near ") and float(r["Longitude"]) and float(r["Latitude"])
        assert re.match(r"^E01[0-9]{6}$", r["LSOA code"]) and re.match(r"^.+ [0-9]{3}[A-D]$", r["LSOA name"])
        la = r["LSOA name"].rsplit(" ", 1)[0]
        assert authority_of.setdefault(r["LSOA code"], la) == la  # a code names one authority, always


def test_outcomes_name_crimes_of_the_same_or_earlier_months(crime_set: tuple[Path, list[Path]]) -> None:
    _, paths = crime_set
    crimes: dict[str, tuple[str, dict[str, str]]] = {}
    for path in paths:
        if path.name.endswith("-street.csv"):
            crimes.update((r["Crime ID"], (path.parent.name, r)) for r in rows_of(path) if r["Crime ID"])
    events: Counter[str] = Counter()
    known = outcome_types()
    for path in paths:
        if not path.name.endswith("-outcomes.csv"):
            continue
        for r in rows_of(path):
            month, crime = crimes[r["Crime ID"]]  # every outcome names a published crime
            assert month <= r["Month"] == path.parent.name
            assert [r[c] for c in STREET_HEADER[4:9]] == [crime[c].replace("No Location", "No location")
                                                         for c in STREET_HEADER[4:9]]  # the crime's place
            assert r["Outcome type"] in known
            events[r["Crime ID"]] += 1
    assert max(events.values()) > 1  # some crimes have several outcomes
    assert len(events) < len(crimes)  # and some none yet
    assert sum(events.values()) > 0.4 * len(crimes)


def test_ingest_loads_every_row_without_a_reject(crime_set: tuple[Path, list[Path]], tmp_path: Path) -> None:
    out, paths = crime_set
    report = ingest_paths([out], tmp_path / "w.duckdb")
    loaded = [r for r in report.results if r.kind in (SourceKind.STREET_CSV, SourceKind.OUTCOMES_CSV)]
    assert len(loaded) == len(paths)
    assert all(r.rows_rejected == 0 and r.synthetic and r.action == "new" for r in loaded)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        street = con.execute("SELECT count(*) FROM street_crime").fetchone()
        linked = con.execute("SELECT count(*) FILTER (WHERE s.crime_id IS NULL), count(*) FROM crime_outcome o "
                             "LEFT JOIN street_crime s USING (crime_id)").fetchone()
    assert street == (ROWS,)
    assert linked is not None and linked[0] == 0 and linked[1] == sum(r.rows_loaded for r in loaded) - ROWS


def test_same_seed_same_bytes_whatever_the_kinds(crime_set: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, paths = crime_set
    again = write_synthetic_crime(tmp_path / "a", ROWS, seed=4, workers=2, forces=["kent"], months=MONTHS)
    alone = write_synthetic_crime(tmp_path / "b", ROWS, seed=4, kinds=("outcomes",), forces=["kent"], months=MONTHS)
    other = write_synthetic_crime(tmp_path / "c", ROWS, seed=5, forces=["kent"], months=MONTHS)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    assert [p.read_bytes() for p in alone] == [p.read_bytes() for p in paths if p.name.endswith("-outcomes.csv")]
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in paths]


def test_every_force_writes_unquoted_rows_of_the_right_width(tmp_path: Path) -> None:
    """No place or vocabulary text holds a comma (the files quote nothing, like the published ones)."""
    paths = write_synthetic_crime(tmp_path, 20_000, seed=2, months=["2024-06"])
    assert {p.name[len("2024-06-"):].rsplit("-", 1)[0] for p in paths} >= {"dorset", "btp", "metropolitan"}
    for path in paths:
        header, *lines = path.read_bytes().splitlines()
        assert b'"' not in path.read_bytes()
        assert {line.count(b",") for line in lines} == {header.count(b",")}


def test_btp_crimes_have_no_crime_id_and_no_outcomes(tmp_path: Path) -> None:
    paths = write_synthetic_crime(tmp_path, 500, seed=1, forces=["btp"], months=["2024-03"])
    assert [p.name for p in paths] == ["2024-03-btp-street.csv"]
    rows = rows_of(paths[0])
    assert {r["Crime ID"] for r in rows} == {""} and "Anti-social behaviour" not in {r["Crime type"] for r in rows}
    assert all(r["Location"].endswith(" (Station)") for r in rows if r["Location"] != "No Location")


def test_kinds_and_bad_arguments() -> None:
    assert parse_kinds("outcomes, street") == ("street", "outcomes")
    assert parse_kinds("stop-and-search") == ("stop-and-search",)
    for bad in ("foo", "street,foo", ",", ""):
        with pytest.raises(BadInput, match="--kind"):
            parse_kinds(bad)
    with pytest.raises(ValueError):
        write_synthetic_crime(Path("unused"), 0)
    with pytest.raises(UnknownForce):
        write_synthetic_crime(Path("unused"), 10, forces=["atlantis"])
