"""Local authority to police force lookup: a hand-made file, refusals, and the real ONS file."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scrutiny.catalog import forces
from scrutiny.errors import SourceRefused
from scrutiny.sources.geography import LOOKUP_COLUMNS, read_la_force_lookup, sniff_la_force_lookup

from .conftest import FIXTURES, head_of

SMALL = FIXTURES / "geography" / "la_force_small.csv"
LOOKUP = "local_authority_to_police_force_2020.csv"


def test_sniff() -> None:
    assert sniff_la_force_lookup(SMALL, head_of(SMALL))
    assert sniff_la_force_lookup(SMALL, "LAD23CD,LAD23NM,PFA23CD,PFA23NM\n")
    assert not sniff_la_force_lookup(SMALL, "LAD20CD,LAD20NM,PFA21CD\n")  # years disagree
    assert not sniff_la_force_lookup(SMALL, "Census Year,Geocode,Police Force Area\n")
    assert not sniff_la_force_lookup(SMALL, "")


def test_small_lookup_with_bom_and_quoted_commas() -> None:
    assert SMALL.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_la_force_lookup(SMALL)
    assert tuple(frame.columns) == LOOKUP_COLUMNS
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in LOOKUP_COLUMNS)
    # Bournemouth, Christchurch and Poole is split over two community safety partnerships: one row.
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("metropolitan", "E09000002", "Barking and Dagenham", "la_force_lookup_2020"),
        ("city-of-london", "E09000001", "City of London", "la_force_lookup_2020"),
        ("dorset", "E06000058", "Bournemouth, Christchurch and Poole", "la_force_lookup_2020"),
        ("south-wales", "W06000024", "Merthyr Tydfil", "la_force_lookup_2020"),
    ]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lookup.csv"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(SourceRefused) as caught:
        read_la_force_lookup(path)
    assert str(path) in str(caught.value)
    return caught.value.reason


def test_unknown_force_area_is_refused(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8-sig").replace("W15000003,South Wales", "W15000099,Atlantis")
    assert refusal(write(tmp_path, text)) == "line 6: police force area 'W15000099' is not in the force catalogue"


def test_la_in_two_forces_is_refused(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8-sig").replace("Poole,E23000039,Dorset", "Poole,E23000036,Avon")
    assert refusal(write(tmp_path, text)) == "line 5: E06000058 is in avon-and-somerset but line 4 puts it in dorset"


def test_bad_files_are_refused(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "")) == "empty file"
    assert refusal(write(tmp_path, "FID,LAD20CD,LAD20NM,PFA20CD\n")) == "no data rows after the header"
    assert refusal(write(tmp_path, "FID,LA,NAME,PFA\n1,E09000002,X,E23000001\n")).startswith(
        "header has no LADyyCD, LADyyNM and PFAyyCD columns"
    )
    short = "FID,LAD20CD,LAD20NM,PFA20CD\n1,E09000002,Barking and Dagenham,E23000001\n2,E09000003\n"
    assert refusal(write(tmp_path, short)) == "line 3: '' is not a police force area code"


@pytest.mark.shared_data
def test_real_lookup(geography_dir: Path) -> None:
    path = geography_dir / LOOKUP
    assert sniff_la_force_lookup(path, head_of(path))
    frame = read_la_force_lookup(path)
    with path.open(newline="", encoding="utf-8-sig") as f:
        by_hand = {(row["LAD20CD"], row["PFA20CD"]) for row in csv.DictReader(f)}
    pfa_of = {force.id: force.pfa_code for force in forces().values()}
    assert {(r.la_code, pfa_of[r.force]) for r in frame.itertuples()} == by_hand
    assert frame.la_code.is_unique and len(frame) == 336
    assert set(frame.force) <= set(forces())
    met = set(frame[frame.force == "metropolitan"].la_code)
    assert met == {f"E090000{n:02d}" for n in range(2, 34)}
    assert list(frame[frame.la_code == "E09000001"].force) == ["city-of-london"]
    # Every territorial force of England and Wales is in the file (not BTP, not Northern Ireland).
    assert set(frame.force) == {f.id for f in forces().values() if f.pfa_code}
    assert set(frame.source) == {"la_force_lookup_2020"}
