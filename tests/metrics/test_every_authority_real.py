"""Every force of 2021-09 placed in every local authority of England and Wales, on the real files.

Loaded: `police_uk/archive/2021-09/` and `police_uk/archive_national/2021-09/` (every force that published the
month), `census2021/`, `geography/` (London's exact boroughs and the authority to force lookup) and
`geography_england_wales/local_authority_districts_dec2022_uk_buc.geojson` (ONS's generalised outlines of every
UK authority). Checked without Scrutiny's own code:

- each force's searches (rows of its file, counted with the csv module) are exactly the sum of its area rows:
  the authorities, "no location" (rows with no latitude) and "outside every boundary";
- for five authorities outside London, far from it (so London's finer outlines never compete): the searches
  of the force that polices it, counted here with shapely point by point against every outline of the ONS
  file (a point on a shared border goes to the lowest code), the rate per 1,000 residents from the 19-group
  Census table read here, and British Transport Police's searches there (the page's "also searched here").
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from typer.testing import CliRunner

from tests.conftest import shared

pytestmark = pytest.mark.shared_data

MONTH = "2021-09"
FOLDERS = (("police_uk", "archive", MONTH), ("police_uk", "archive_national", MONTH))
LADS = ("geography_england_wales", "local_authority_districts_dec2022_uk_buc.geojson")
CENSUS_19 = ("census2021", "ethnicity_19_groups_by_local_authority.csv")
FIVE = {  # authority -> the force that polices it
    "E06000023": "avon-and-somerset",  # Bristol, City of
    "E08000035": "west-yorkshire",  # Leeds
    "W06000015": "south-wales",  # Cardiff
    "E08000012": "merseyside",  # Liverpool
    "E07000148": "norfolk",  # Norwich
}


def _files() -> dict[str, Path]:
    """Force id -> its 2021-09 stop-and-search file."""
    found: dict[str, Path] = {}
    for folder in FOLDERS:
        for path in sorted(shared(*folder).glob(f"{MONTH}-*-stop-and-search.csv")):
            found[path.name.removeprefix(f"{MONTH}-").removesuffix("-stop-and-search.csv")] = path
    return found


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def national_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrutiny.cli import app

    db = tmp_path_factory.mktemp("every-authority") / "national.duckdb"
    paths = [shared(*f) for f in FOLDERS] + [shared("census2021"), shared("geography"), shared(*LADS)]
    result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _document(db: Path, force: str, area: str | None = None) -> dict[str, Any]:
    from scrutiny.metrics.document import compute_metrics
    from scrutiny.metrics.scope import Scope

    return compute_metrics(db, Scope(force, area, MONTH, MONTH))


def test_each_forces_areas_add_up_to_its_searches(national_db: Path) -> None:
    files = _files()
    assert len(files) >= 40  # every force that published the month, BTP among them
    for force, path in files.items():
        rows = _rows(path)
        doc = _document(national_db, force)
        areas = {a["area_code"]: a["searches"] for a in doc["areas"]}
        assert doc["searches"] == len(rows), force
        assert sum(areas.values()) == len(rows), force
        assert areas.get("no_location", 0) == sum(1 for r in rows if not r["Latitude"]), force
        assert not ({"no_location", "outside"} & {a["area_code"] for a in doc["areas"] if a["population"]}), force


def _outlines() -> tuple[list[str], list[Any]]:
    features = json.loads(shared(*LADS).read_text(encoding="utf-8"))["features"]
    codes = [f["properties"]["LAD22CD"] for f in features]
    return codes, [shape(f["geometry"]) for f in features]


def _placed_in(code: str, path: Path) -> int:
    """Rows of the file whose point's lowest-coded containing outline is `code`."""
    codes, outlines = _outlines()
    points = [(float(r["Longitude"]), float(r["Latitude"])) for r in _rows(path) if r["Latitude"]]
    x, y = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    owner = np.full(len(points), "~", dtype=object)  # "~" sorts after every code
    for area_code, outline in sorted(zip(codes, outlines, strict=True), key=lambda pair: pair[0], reverse=True):
        owner[shapely.intersects_xy(outline, x, y)] = area_code  # lower codes written last, so they win
    return int((owner == code).sum())


def _residents(code: str) -> int:
    """All residents of an authority: the sum of the 19 groups' counts (`.` is the thousands separator)."""
    with shared(*CENSUS_19).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        counted = [i for i, name in enumerate(header) if name.replace("\n", " ").endswith("(number)")]
        assert len(counted) == 19
        for row in reader:
            if row and row[0].strip() == code:
                return sum(int(row[i].strip().replace(".", "")) for i in counted)
    raise AssertionError(f"{code} not in the Census table")


@pytest.mark.parametrize("code", list(FIVE))
def test_five_authorities_against_an_independent_placement(national_db: Path, code: str) -> None:
    force = FIVE[code]
    files = _files()
    searches = _placed_in(code, files[force])
    assert searches > 0
    doc = _document(national_db, force, code)
    assert doc["searches"] == searches
    row = next(a for a in doc["areas"] if a["area_code"] == code)
    assert row["searches"] == searches and row["policed_by"] == [force] and row["neighbour"] is False
    assert row["population"] == _residents(code)
    assert row["rate_per_1000"] == pytest.approx(searches / _residents(code) * 1000, rel=1e-12)
    btp = _placed_in(code, files["btp"])
    assert [o["searches"] for o in row["other_forces"] if o["force"] == "btp"] == ([btp] if btp else [])
