"""Hotspots within an area (`metrics.hotspots`): the grid, the concentration figures and the withheld cells on
counts small enough to check by eye; the test of cells that stand out on simulated areas, with a planted
hotspot (found) and without (flagged no more often than the stated false-discovery rate); and Hackney's
searches of 2018-04 counted here from the raw file and the borough boundary, cell by cell."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from scrutiny.metrics.hotspots import Grid, _withheld, compute_hotspots, concentration, stand_out
from scrutiny.metrics.scope import Scope
from tests.conftest import shared

# ---------------------------------------------------------------------------------------------- by eye


def test_a_point_falls_in_the_cell_its_metres_say() -> None:
    grid = Grid(west=0.0, south=50.0, middle=50.0, size=500)
    # 0.01 degree north is 1,111.95 m (row 2); 0.01 degree east at 50 degrees north is 714.76 m (column 1)
    columns, rows = grid.cell(np.array([0.01, 0.0, -0.001]), np.array([50.01, 50.0, 50.0]))
    assert columns.tolist() == [1, 0, -1] and rows.tolist() == [2, 0, 0]
    west, south, east, north = grid.bounds(np.array([1]), np.array([2]))[0]
    assert math.isclose((east - west) * 111_195.08 * math.cos(math.radians(50)), 500, rel_tol=1e-5)
    assert math.isclose((north - south) * 111_195.08, 500, rel_tol=1e-5) and math.isclose(south, 50 + 1000 / 111_195.08,
                                                                                         rel_tol=1e-9)


def test_concentration_over_ten_cells() -> None:
    counts = np.array([10, 5, 3, 0, 0, 0, 0, 0, 0, 2])  # 20 searches in 10 cells
    assert concentration(counts) == {"busiest_cells": 1, "busiest_share_of_searches": 0.5,
                                     "busiest_share_suppressed": False, "cells_holding_half": 1,
                                     "half_in_share_of_area": 0.1}
    spread = np.array([4] * 5 + [0] * 15)  # 20 searches in 5 of 20 cells: half in 3 cells, the busiest 2 hold 8
    assert concentration(spread) == {"busiest_cells": 2, "busiest_share_of_searches": 0.4,
                                     "busiest_share_suppressed": False, "cells_holding_half": 3,
                                     "half_in_share_of_area": 0.15}
    assert concentration(np.zeros(4, np.int64))["half_in_share_of_area"] is None


def test_small_cells_are_withheld_and_one_alone_takes_another_with_it() -> None:
    assert _withheld(np.array([10, 5, 3, 0])).tolist() == [False, True, True, False]  # 3 alone: 5 goes too
    assert _withheld(np.array([10, 3, 2, 0])).tolist() == [False, True, True, False]
    assert _withheld(np.array([3, 0])).tolist() == [True, False]
    assert _withheld(np.array([5, 9])).tolist() == [False, False]


def test_the_busiest_share_is_withheld_when_a_withheld_cell_is_among_the_busiest() -> None:
    counts = np.array([3] + [0] * 9)
    figures = concentration(counts, _withheld(counts))
    assert figures["busiest_share_of_searches"] is None and figures["busiest_share_suppressed"] is True


# ------------------------------------------------------------------------------------------ simulated


def test_a_planted_hotspot_is_found() -> None:
    rng = np.random.default_rng(18)
    found = 0
    for _ in range(100):
        counts = rng.poisson(3, size=200)
        counts[17] = 30
        _, flagged = stand_out(counts)
        found += bool(flagged[17])
    assert found >= 95


@pytest.mark.parametrize("draw", ["poisson", "negative binomial"])
def test_with_nothing_planted_cells_are_flagged_about_as_often_as_the_rate_allows(draw: str) -> None:
    """With no hotspot every flag is false, so the false discovery rate is the chance of any flag: at most 5%."""
    rng = np.random.default_rng(5)
    runs, any_flag = 400, 0
    for _ in range(runs):
        counts = rng.poisson(5, 120) if draw == "poisson" else rng.negative_binomial(2, 2 / 7, 120)  # mean 5
        any_flag += bool(stand_out(counts)[1].any())
    assert any_flag / runs <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / runs)


# ------------------------------------------------------------------------------------------- real data

MET = ("police_uk", "archive", "2018-04", "2018-04-metropolitan-stop-and-search.csv")
BOROUGHS = ("geography", "london_boroughs.geojson")
HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def hackney_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    db = tmp_path_factory.mktemp("hotspots") / "met.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(shared(*MET)), str(shared(*BOROUGHS)), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _by_hand() -> dict[tuple[int, int], int]:
    """Hackney's searches per 500 m cell, from the raw file and the boundary, with this test's own arithmetic."""
    features = json.loads(shared(*BOROUGHS).read_text(encoding="utf-8"))["features"]
    hackney = next(shape(f["geometry"]) for f in features if HACKNEY in f["properties"].values())
    west, south, _, north = hackney.bounds
    per_degree = 6_371_008.8 * math.pi / 180
    east_metres = per_degree * math.cos(math.radians((south + north) / 2))
    cells: dict[tuple[int, int], int] = {}
    with shared(*MET).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not (row["Longitude"] and row["Latitude"]):
                continue
            lon, lat = float(row["Longitude"]), float(row["Latitude"])
            if not shapely.covers(hackney, shapely.Point(lon, lat)):
                continue
            cell = (math.floor((lon - west) * east_metres / 500), math.floor((lat - south) * per_degree / 500))
            cells[cell] = cells.get(cell, 0) + 1
    return cells


def test_hackney_cell_by_cell(hackney_db: Path) -> None:
    doc = compute_hotspots(hackney_db, Scope("metropolitan", "Hackney", "2018-04", "2018-04"))
    expected = _by_hand()
    assert doc["searches"] == sum(expected.values()) > 200
    assert doc["cells_with_searches"] == len(expected)
    shown = {(c["column"], c["row"]): c["searches"] for c in doc["grid"] if not c["suppressed"]}
    assert shown == {cell: n for cell, n in expected.items() if cell in shown}
    withheld = [c for c in doc["grid"] if c["suppressed"]]
    assert all(c["searches"] is None and c["p_value"] is None for c in withheld)
    true_counts = [expected[(c["column"], c["row"])] for c in withheld]
    assert sum(n >= 5 for n in true_counts) <= (1 if sum(n < 5 for n in true_counts) == 1 else 0)
    ordered = sorted(expected.values(), reverse=True)
    busiest = math.ceil(doc["cells"] * 0.1)
    assert doc["busiest_share_of_searches"] == sum(ordered[:busiest]) / sum(ordered)


def test_a_region_is_refused_by_name(hackney_db: Path) -> None:
    """Greater London is an area of a scope (its 33 authorities), but hotspots are counted within one."""
    from scrutiny.errors import BadInput

    with pytest.raises(BadInput, match="within one local authority, not across London"):
        compute_hotspots(hackney_db, Scope("metropolitan", "London", "2018-04", "2018-04"))
