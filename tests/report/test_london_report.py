"""`scrutiny report --london --quarter`: one London picture (the Metropolitan, City of London and British Transport
Police's searches inside Greater London) for a calendar quarter, on the real 2021-09 files of the three forces
(`police_uk/archive/2021-09/`), `census2021/` and `geography/`. Its figures are the metrics document's for the
same scope: `--force btp,city-of-london,metropolitan --area London`, July to September 2021."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.metrics import Scope, compute_metrics
from tests.conftest import shared

pytestmark = pytest.mark.shared_data

FILES = tuple(("police_uk", "archive", "2021-09", f"2021-09-{force}-stop-and-search.csv")
              for force in ("btp", "city-of-london", "metropolitan"))


@pytest.fixture(scope="module")
def london_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("london-report") / "london.duckdb"
    paths = [shared(*f) for f in FILES] + [shared("census2021"), shared("geography")]
    result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_the_quarter_report_is_london_inside_its_boundary(london_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "london.html"
    result = CliRunner().invoke(app, ["report", "--london", "--quarter", "2021Q3", "--out", str(out),
                                      "--db", str(london_db)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    doc = compute_metrics(london_db, Scope("btp,city-of-london,metropolitan", "London", "2021-07", "2021-09"))
    assert doc["scope"]["area"] == "E12000007" and doc["scope"]["area_name"] == "London"
    every = compute_metrics(london_db, Scope("btp,city-of-london,metropolitan", None, "2021-07", "2021-09"))
    assert 0 < doc["searches"] < every["searches"]  # BTP's searches outside London, and those with no place, left out
    assert ("<h1>All searches, London (British Transport Police, City of London Police and Metropolitan Police "
            "Service), July to September 2021</h1>") in html
    assert f"<div><dt>Searches</dt><dd>{doc['searches']:,}</dd></div>" in html
    boroughs = re.search(r'<section id="boroughs".*?</section>', html, re.S)
    assert boroughs and "<svg" in boroughs.group(0)
    hackney = next(a for a in doc["areas"] if a["area_code"] == "E09000012")
    assert '<th scope="row">Hackney</th>' in boroughs.group(0) and f"{hackney['searches']:,}" in boroughs.group(0)


@pytest.mark.parametrize(("args", "message"), [
    (["--london", "--quarter", "2021Q5"], "bad quarter '2021Q5': expected a year and a quarter, like 2018Q3"),
    (["--london", "--force", "metropolitan", "--quarter", "2021Q3"], "--london sets the forces and the area"),
    (["--london", "--area", "Hackney", "--quarter", "2021Q3"], "--london sets the forces and the area"),
    (["--force", "metropolitan", "--quarter", "2021Q3", "--from", "2021-07"], "give either --quarter or --from"),
    (["--quarter", "2021Q3"], "give --force (e.g. --force metropolitan), or --london"),
    (["--london", "--from", "2021-07"], "give --from and --to (YYYY-MM), or --quarter"),
])
def test_a_mistake_is_one_line(london_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path / "r.html"), "--db", str(london_db)])
    assert result.exit_code == 1 and message in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "r.html").exists()
