"""A 43-row month for Kent whose every figure is counted by hand below (docs/metrics.md).

Two local authorities (Maidstone, Sevenoaks), each with 1,000 White, 200 Black, 300 Asian, 100 Mixed and
50 Other residents. Maidstone's boundary is a square around (51.27, 0.52); other points are outside it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.conftest import write_archive

DRUGS_ACT = "Misuse of Drugs Act 1971 (section 23)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
BLACK = "Black/African/Caribbean/Black British - African"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
ASIAN = "Asian/Asian British - Indian"
NOT_STATED = "Other ethnic group - Not stated"
IN_MAIDSTONE = "51.27,0.52"
OUTSIDE = "51.0,0.0"


def row(kind: str, where: str, age: str, ethnicity: str, officer: str, law: str, obj: str, outcome: str,
        linked: str, strip: str) -> str:
    return (f"{kind},2024-01-15T12:00:00+00:00,False,,{where},Male,{age},{ethnicity},{officer},{law},{obj},"
            f"{outcome},{linked},{strip}")


NFA = "A no further action disposal"
ROWS = (
    # 20 Black, Maidstone, drugs: 10 aged 10-17 (2 strip searched), 10 aged 18-24; 5 arrests (linked) and 15 NFA.
    [row("Person search", IN_MAIDSTONE, "10-17", BLACK, "Black", DRUGS_ACT, "Controlled drugs", "Arrest", "True",
         "True")] * 2
    + [row("Person search", IN_MAIDSTONE, "10-17", BLACK, "Black", DRUGS_ACT, "Controlled drugs", "Arrest", "True",
           "False")] * 3
    + [row("Person search", IN_MAIDSTONE, "10-17", BLACK, "Black", DRUGS_ACT, "Controlled drugs", NFA, "False",
           "False")] * 5
    + [row("Person search", IN_MAIDSTONE, "18-24", BLACK, "Black", DRUGS_ACT, "Controlled drugs", NFA, "False",
           "False")] * 10
    # 12 White, outside, over 34: 6 weapons, 6 stolen goods; 3 community resolutions, 9 NFA.
    + [row("Person search", OUTSIDE, "over 34", WHITE, "White", PACE, "Offensive weapons", "Community resolution",
           "False", "False")] * 3
    + [row("Person search", OUTSIDE, "over 34", WHITE, "White", PACE, "Offensive weapons", NFA, "False", "False")] * 3
    + [row("Person search", OUTSIDE, "over 34", WHITE, "White", PACE, "Stolen goods", NFA, "False", "False")] * 6
    # 5 Asian, Maidstone, 25-34, NFA, strip and linked not published; one under section 60 (so weapons).
    + [row("Person search", IN_MAIDSTONE, "25-34", ASIAN, "Asian", DRUGS_ACT, "Controlled drugs", NFA, "", "")] * 4
    + [row("Person search", IN_MAIDSTONE, "25-34", ASIAN, "Asian", S60, "Controlled drugs", NFA, "", "")]
    # 3 not stated (officer: Black), outside, no age, theft articles, no outcome.
    + [row("Person search", OUTSIDE, "", NOT_STATED, "Black", PACE, "Article for use in theft", "", "", "False")] * 3
    # 2 vehicle-only searches, no location, drugs, NFA.
    + [row("Vehicle search", ",", "", "", "", DRUGS_ACT, "Controlled drugs", NFA, "False", "")] * 2
    # 1 unreadable row: rejected.
    + ["Person search,not a date,False,,51.27,0.52,Male,18-24,,,,,,,"]
)

TS022 = (
    "Lower tier local authorities Code,Lower tier local authorities,"
    "Ethnic Group (detailed) (288 categories) Code,Ethnic Group (detailed) (288 categories),Observation\n{rows}"
)
CATEGORIES = [
    (9, "Asian, Asian British or Asian Welsh: Chinese", 100),
    (12, "Asian, Asian British or Asian Welsh: Indian or British Indian", 200),
    (40, "Black, Black British, Black Welsh of African background: Nigerian", 200),
    (120, "Mixed or Multiple ethnic groups: White and Black Caribbean", 100),
    (200, "White: English, Welsh, Scottish, Northern Irish or British", 1000),
    (250, "Other ethnic group: Arab", 50),
]
LOOKUP = """\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM
1,E07000110,Maidstone,E22000001,Maidstone,E23000032,Kent
2,E07000111,Sevenoaks,E22000002,Sevenoaks,E23000032,Kent
"""
SQUARE = [[0.47, 51.22], [0.57, 51.22], [0.57, 51.32], [0.47, 51.32], [0.47, 51.22]]


def write_kent_reference(folder: Path) -> None:
    """The Census (TS022 layout), lookup and boundary files of the two Kent authorities."""
    lines = [f'{code},{name},{n},"{label}",{count}' for code, name in (("E07000110", "Maidstone"),
             ("E07000111", "Sevenoaks")) for n, label, count in CATEGORIES]
    (folder / "ts022_kent.csv").write_text(TS022.format(rows="\n".join(lines)) + "\n")
    (folder / "lookup.csv").write_text(LOOKUP)
    (folder / "maidstone.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CODE": "E07000110", "NAME": "Maidstone"},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}))


@pytest.fixture(scope="module")
def kent_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("kent")
    write_archive(folder, "2024-01", "kent", ROWS)
    write_kent_reference(folder)
    db = folder / "kent.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def metrics(cli: Callable[..., object], db: Path, *extra: str) -> dict[str, object]:
    result = cli("metrics", "--force", "kent", "--from", "2024-01", "--to", "2024-01", "--db", db, *extra)
    assert isinstance(result, Result)
    doc: dict[str, object] = json.loads(result.output)
    return doc


def test_counts_shares_targets_outcomes(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db)
    assert doc["searches"] == 42 and doc["person_searches"] == 40
    assert doc["object_groups"] == {
        "drugs": {"count": 26, "share": 26 / 42}, "weapons": {"count": 7, "share": 7 / 42},
        "key_crime": {"count": 9, "share": 9 / 42}, "other": {"count": 0, "share": 0.0},
    }
    # Targets are per force (catalog/targets.csv): only the Metropolitan Police has set any.
    assert doc["targets"] == [] and doc["targets_note"] == "No targets are on file for Kent Police."
    outcomes = doc["outcomes"]
    assert isinstance(outcomes, dict)
    counted = {k: v["count"] for k, v in outcomes.items() if isinstance(v, dict)}
    assert counted == {"no_further_action": 31, "arrest": 5, "drugs_warning": 0, "penalty_notice": 0,
                       "community_resolution": 3, "caution": 0, "summons": 0, "other": 0, "unknown": 3}
    assert outcomes["arrest"]["share"] == 5 / 42
    assert outcomes["find_rate"] == 8 / 39 and outcomes["arrest_rate"] == 5 / 39
    assert outcomes["linked_find_rate"] == 5 / 34 and outcomes["linked_coverage"] == 34 / 42


def test_age_children_strip_and_quality(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db)
    assert doc["age"] == {"under 10": 0, "10-17": 10, "18-24": 10, "25-34": 5, "over 34": 12, "unknown": 3}
    assert doc["children"] == 10
    assert doc["strip_searches"] == 2 and doc["child_strip_searches"] == 2
    assert doc["data_quality"] == {"no_location": 2, "outside_boundaries": 15, "no_age": 3, "rejected_rows": 1}
    assert doc["unknown_ethnicity_share"] == 3 / 40


def test_disproportionality_with_interval_and_bounds(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db)
    rows = {d["group"]: d for d in doc["disproportionality"]}  # type: ignore[attr-defined]
    black = rows["Black"]
    ratio = (20 / 400) / (12 / 2000)
    spread = 1.96 * math.sqrt(1 / 20 + 1 / 12)
    assert black["searches"] == 20 and black["population"] == 400
    assert black["rate_per_1000"] == pytest.approx(50.0, rel=1e-12)
    assert black["ratio_vs_white"] == pytest.approx(ratio, rel=1e-12)
    assert black["ci_low"] == pytest.approx(ratio * math.exp(-spread), rel=1e-12)
    assert black["ci_high"] == pytest.approx(ratio * math.exp(spread), rel=1e-12)
    assert black["unknown_bounds"] == pytest.approx([(20 / 400) / (15 / 2000), (23 / 400) / (12 / 2000)], rel=1e-12)
    assert black["suppressed"] is False
    assert rows["White"]["ratio_vs_white"] == 1.0 and rows["White"]["rate_per_1000"] == 6.0
    for small in ("Asian", "Mixed", "Other"):  # fewer than 10 searches: shown as suppressed, never as a number
        assert rows[small]["suppressed"] is True
        assert rows[small]["ratio_vs_white"] is None and rows[small]["ci_low"] is None
    assert rows["Asian"]["searches"] == 5 and rows["Asian"]["population"] == 600


def test_officer_defined_basis(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db, "--ethnicity", "officer")
    rows = {d["group"]: d["searches"] for d in doc["disproportionality"]}  # type: ignore[attr-defined]
    assert rows == {"Asian": 5, "Black": 23, "Mixed": 0, "White": 12, "Other": 0}
    assert doc["unknown_ethnicity_share"] == 0.0


def test_areas_sum_to_the_force(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db)
    assert doc["areas"] == [
        {"area_code": "E07000110", "area_name": "Maidstone", "searches": 25, "drugs_share": 24 / 25,
         "population": 1650, "rate_per_1000": 25 / 1650 * 1000, "black_white_ratio": None,
         "policed_by": ["kent"], "neighbour": False, "other_forces": []},
        # 12 White and 3 not stated placed at (51.0, 0.0): a location, but outside the loaded boundary
        {"area_code": "outside", "area_name": "Outside the loaded boundaries", "searches": 15, "drugs_share": 0.0,
         "population": None, "rate_per_1000": None, "black_white_ratio": None,
         "policed_by": [], "neighbour": False, "other_forces": []},
        {"area_code": "no_location", "area_name": "No location", "searches": 2, "drugs_share": 1.0,
         "population": None, "rate_per_1000": None, "black_white_ratio": None,
         "policed_by": [], "neighbour": False, "other_forces": []},
    ]
    area = metrics(cli, kent_db, "--area", "maidstone")
    assert area["searches"] == 25
    assert area["scope"] == {"force": "kent", "forces": ["kent"], "area": "E07000110", "area_name": "Maidstone",
                             "from": "2024-01", "to": "2024-01", "ethnicity": "self", "purpose": None, "power": None,
                             "purpose_name": None, "power_name": None}


def test_monthly_and_outcomes_by_group(kent_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, kent_db)
    assert doc["monthly"] == [{"month": "2024-01", "searches": 42, "drugs_share": 26 / 42, "find_rate": 8 / 39,
                               "covered": True, "forces": 1}]
    assert doc["outcomes_by_group"] == [
        {"group": "Asian", "searches": 5, "find_rate": 0.0, "arrest_rate": 0.0},
        {"group": "Black", "searches": 20, "find_rate": 5 / 20, "arrest_rate": 5 / 20},
        {"group": "Mixed", "searches": 0, "find_rate": None, "arrest_rate": None},
        {"group": "White", "searches": 12, "find_rate": 3 / 12, "arrest_rate": 0.0},
        {"group": "Other", "searches": 0, "find_rate": None, "arrest_rate": None},
        {"group": "unknown", "searches": 3, "find_rate": None, "arrest_rate": None},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--force", "gotham", "--from", "2024-01", "--to", "2024-01"), "unknown force 'gotham'"),
        (("--force", "kent", "--from", "2024-02", "--to", "2024-03"), "no searches for kent from 2024-02 to 2024-03"),
        (("--force", "kent", "--from", "2024-01", "--to", "2024-01", "--area", "Narnia"), "unknown area 'Narnia'"),
        (("--force", "kent", "--from", "2024-13", "--to", "2024-01"), "bad month '2024-13'"),
        (("--force", "kent", "--from", "2024-02", "--to", "2024-01"), "--from 2024-02 is after --to 2024-01"),
    ],
)
def test_bad_scopes_are_clear_errors(
    kent_db: Path, cli: Callable[..., object], args: tuple[str, ...], message: str
) -> None:
    result = cli("metrics", *args, "--db", kent_db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert message in result.output


def test_table_format_shows_the_same_figures(kent_db: Path, cli: Callable[..., object]) -> None:
    result = cli("metrics", "--force", "kent", "--from", "2024-01", "--to", "2024-01", "--db", kent_db,
                 "--format", "table")
    assert isinstance(result, Result)
    assert "42 searches" in result.output and "No targets are on file for Kent Police" in result.output
    assert "8.33" in result.output  # Black/White ratio, 50 / 6
