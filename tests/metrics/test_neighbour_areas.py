"""Searches snapped across a border, and places several forces search: the fixture of test_fixture_metrics
(Kent, 2024-01) with a second authority, Brentwood (Essex Police), drawn as a square around (51.0, 0.0), where
Kent's 15 "outside" searches (12 White, 3 not stated; weapons, stolen goods, theft articles) lie; and an Essex
file of 6 searches: 4 in Brentwood (drugs), 2 in Maidstone (1 drugs, 1 weapons). Counted by eye:

- Kent: Maidstone 25 searches, rate 25/1650 per resident, Essex also searched there (2); Brentwood 15 searches,
  a neighbour (Essex polices it): no rate, no ratio, Essex's 4 named.
- Essex: Brentwood its own (4, rate 4/1650 x 1000, Kent's 15 named); Maidstone a neighbour (Kent's 25 named).
- Kent and Essex together, or all forces: no neighbours, no other forces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.conftest import write_archive
from tests.metrics.test_fixture_metrics import CATEGORIES, LOOKUP, ROWS, TS022, row, write_kent_reference

BRENTWOOD = [[-0.05, 50.95], [0.05, 50.95], [0.05, 51.05], [-0.05, 51.05], [-0.05, 50.95]]
DRUGS = ("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs")
WEAPONS = ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons")
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
ESSEX_ROWS = (
    [row("Person search", "51.0,0.0", "18-24", WHITE, "White", *DRUGS, "Arrest", "True", "False")] * 4
    + [row("Person search", "51.27,0.52", "18-24", WHITE, "White", *DRUGS, "Arrest", "True", "False")]
    + [row("Person search", "51.27,0.52", "18-24", WHITE, "White", *WEAPONS, "Arrest", "True", "False")]
)


@pytest.fixture(scope="module")
def two_forces_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("kent-essex")
    write_archive(folder, "2024-01", "kent", ROWS)
    write_archive(folder, "2024-01", "essex", ESSEX_ROWS)
    write_kent_reference(folder)
    (folder / "lookup.csv").write_text(LOOKUP + "3,E07000068,Brentwood,E22000003,Brentwood,E23000028,Essex\n")
    # One TS022 file replaces another, so Brentwood joins the Kent authorities' file.
    authorities = (("E07000110", "Maidstone"), ("E07000111", "Sevenoaks"), ("E07000068", "Brentwood"))
    (folder / "ts022_kent.csv").write_text(TS022.format(rows="\n".join(
        f'{code},{name},{n},"{label}",{count}' for code, name in authorities for n, label, count in CATEGORIES)) + "\n")
    (folder / "brentwood.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CODE": "E07000068", "NAME": "Brentwood"},
         "geometry": {"type": "Polygon", "coordinates": [BRENTWOOD]}}]}))
    db = folder / "two.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def areas(cli: Callable[..., object], db: Path, force: str, *extra: str) -> dict[str, dict[str, object]]:
    result = cli("metrics", "--force", force, "--from", "2024-01", "--to", "2024-01", "--db", db, *extra)
    assert isinstance(result, Result)
    return {a["area_code"]: a for a in json.loads(result.output)["areas"]}


def test_a_neighbours_authority_is_counted_without_a_rate(two_forces_db: Path, cli: Callable[..., object]) -> None:
    kent = areas(cli, two_forces_db, "kent")
    assert list(kent) == ["E07000068", "E07000110", "no_location"]
    assert kent["E07000068"] == {
        "area_code": "E07000068", "area_name": "Brentwood", "searches": 15, "drugs_share": 0.0, "population": 1650,
        "rate_per_1000": None, "black_white_ratio": None, "policed_by": ["essex"], "neighbour": True,
        "other_forces": [{"force": "essex", "searches": 4}]}
    maidstone = kent["E07000110"]
    assert maidstone["rate_per_1000"] == 25 / 1650 * 1000 and maidstone["neighbour"] is False
    assert maidstone["other_forces"] == [{"force": "essex", "searches": 2}]


def test_the_other_force_sees_the_mirror_image(two_forces_db: Path, cli: Callable[..., object]) -> None:
    essex = areas(cli, two_forces_db, "essex")
    assert essex["E07000068"]["rate_per_1000"] == 4 / 1650 * 1000 and essex["E07000068"]["neighbour"] is False
    assert essex["E07000068"]["other_forces"] == [{"force": "kent", "searches": 15}]
    assert essex["E07000110"]["neighbour"] is True and essex["E07000110"]["rate_per_1000"] is None
    assert essex["E07000110"]["other_forces"] == [{"force": "kent", "searches": 25}]


@pytest.mark.parametrize("force", ["kent,essex", "all"])
def test_together_no_one_is_a_neighbour(two_forces_db: Path, cli: Callable[..., object], force: str) -> None:
    both = areas(cli, two_forces_db, force)
    assert both["E07000068"]["searches"] == 19 and both["E07000068"]["rate_per_1000"] == 19 / 1650 * 1000
    assert both["E07000110"]["searches"] == 27
    assert all(not a["neighbour"] and a["other_forces"] == [] for a in both.values())


def test_other_forces_follow_the_lens(two_forces_db: Path, cli: Callable[..., object]) -> None:
    kent = areas(cli, two_forces_db, "kent", "--purpose", "drugs")
    assert "E07000068" not in kent  # none of Kent's 15 there were for drugs
    assert kent["E07000110"]["other_forces"] == [{"force": "essex", "searches": 1}]
    essex_area = areas(cli, two_forces_db, "essex", "--area", "Maidstone")
    assert essex_area["E07000110"]["other_forces"] == [{"force": "kent", "searches": 25}]
