"""`--area` beyond London, on real files: Avon and Somerset's searches of 2021-09
(`archive_national/2021-09/2021-09-avon-and-somerset-stop-and-search.csv`) placed in the ONS local authority
districts (`geography_england_wales/local_authority_districts_dec2022_uk_buc.geojson`). "Bristol" finds
"Bristol, City of"; its count equals one made here with shapely from the two files; a name several authorities
start with is listed; an authority another force polices says whose searches it has."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from typer.testing import Result

from tests.conftest import shared

pytestmark = pytest.mark.shared_data

AVON = ("police_uk", "archive_national", "2021-09", "2021-09-avon-and-somerset-stop-and-search.csv")
LADS = ("geography_england_wales", "local_authority_districts_dec2022_uk_buc.geojson")
BRISTOL = "E06000023"
MONTH = ("--from", "2021-09", "--to", "2021-09")


@pytest.fixture(scope="module")
def avon_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    db = tmp_path_factory.mktemp("avon") / "avon.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(shared(*AVON)), str(shared(*LADS)), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _metrics(cli: Callable[..., object], db: Path, *args: str, ok: bool = True) -> Result:
    result = cli("metrics", "--force", "avon-and-somerset", *MONTH, *args, "--db", db, ok=ok)
    assert isinstance(result, Result)
    return result


def _inside_bristol() -> int:
    """Rows of the file whose point lies in Bristol's polygon (counted here, not by Scrutiny)."""
    features = json.loads(shared(*LADS).read_text(encoding="utf-8"))["features"]
    bristol = next(shape(f["geometry"]) for f in features if f["properties"]["LAD22CD"] == BRISTOL)
    with shared(*AVON).open(encoding="utf-8", newline="") as handle:
        points = [(float(r["Longitude"]), float(r["Latitude"])) for r in csv.DictReader(handle)
                  if r["Longitude"] and r["Latitude"]]
    return int(shapely.covers(bristol, shapely.points(points)).sum())


def test_bristol_by_its_plain_name_is_bristol_city_of(avon_db: Path, cli: Callable[..., object]) -> None:
    by_name: dict[str, Any] = json.loads(_metrics(cli, avon_db, "--area", "Bristol").output)
    by_code: dict[str, Any] = json.loads(_metrics(cli, avon_db, "--area", BRISTOL.lower()).output)
    assert (by_name["scope"]["area"], by_name["scope"]["area_name"]) == (BRISTOL, "Bristol, City of")
    assert by_name == by_code
    assert by_name["searches"] == _inside_bristol() > 100


def test_a_name_several_authorities_start_with_lists_them(avon_db: Path, cli: Callable[..., object]) -> None:
    result = _metrics(cli, avon_db, "--area", "north", ok=False)
    assert result.exit_code == 1
    assert "area 'north' matches" in result.output and "North Somerset (E06000024)" in result.output
    assert "Traceback" not in result.output


def test_an_authority_of_another_force_says_whose_searches_it_has(avon_db: Path,
                                                                 cli: Callable[..., object]) -> None:
    result = cli("metrics", "--force", "metropolitan", *MONTH, "--area", "Bristol", "--db", avon_db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert ("Bristol, City of (E06000023) has no searches by metropolitan in any month loaded; its searches are "
            "by avon-and-somerset") in " ".join(result.output.split())


def test_a_misspelt_area_suggests_the_name_and_lists_the_forces_own_areas(avon_db: Path,
                                                                          cli: Callable[..., object]) -> None:
    """With 374 outlines loaded, the error lists the force's own areas (its searches', 9 here), not all of them."""
    result = _metrics(cli, avon_db, "--area", "Bristl", ok=False)
    words = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in words
    assert "unknown area 'Bristl'; did you mean 'Bristol, City of'?" in words
    listed = words.split("avon-and-somerset's searches are in: ")[1]
    assert "Sedgemoor" in listed and "Swansea" not in listed and "Leeds" not in listed
