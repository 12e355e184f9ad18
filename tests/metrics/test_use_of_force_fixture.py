"""The use-of-force figures of the hand-made releases in tests/use_of_force_fixture.py, every expectation counted
by eye from that file's docstring and rows (residents: Kent 3,300, Essex 3,500, England and Wales 6,800)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scrutiny.errors import BadInput, NotFound, UnknownForce
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.use_of_force import (
    BadFinancialYear,
    NoUseOfForce,
    YearNotLoaded,
    compute_use_of_force,
    financial_year_of,
)
from scrutiny.web.schemas import MetricsDocument
from scrutiny.web.schemas_use_of_force import UseOfForceDocument
from scrutiny.workspace.recommendations import KPIS, kpi_value
from tests.use_of_force_fixture import R17, R18, R19, build

Z = 1.96


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("uof"))


@pytest.fixture(scope="module")
def kent(db: Path) -> dict[str, Any]:
    doc = compute_use_of_force(db, "kent", "2019/20")
    UseOfForceDocument.model_validate(doc)
    return doc


def group(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in rows if r["group"] == name)


def wald(a: int, pop_a: int, c: int, pop_c: int) -> tuple[float, float, float]:
    ratio = (a / pop_a) / (c / pop_c)
    spread = Z * math.sqrt(1 / a + 1 / c)
    return ratio, ratio * math.exp(-spread), ratio * math.exp(spread)


def test_kent_totals_per_1000_residents(kent: dict[str, Any]) -> None:
    assert kent["financial_year"] == "2019/20" and kent["force"] == "kent" and kent["force_name"] == "Kent Police"
    assert kent["incidents"] == {"count": 330, "residents": 3300, "per_1000": pytest.approx(100.0)}
    # The force's tactic uses: its table by ethnicity, every column (Chinese, Don't know, Not reported included).
    uses = 200 + 120 + 24 + 6 + 8 + 2 + 15 + 25
    assert uses == 400
    assert kent["tactic_uses"] == {"count": 400, "residents": 3300, "per_1000": pytest.approx(400 / 3300 * 1000)}


def test_kent_by_ethnicity_ratio_interval_and_unknown_bounds(kent: dict[str, Any]) -> None:
    rows = kent["by_ethnicity"]
    assert [r["group"] for r in rows] == ["Asian", "Black", "Mixed", "White", "Other", "unknown"]
    black = group(rows, "Black")
    ratio, low, high = wald(120, 400, 200, 2000)  # 0.3 per resident against 0.1: 3
    assert ratio == pytest.approx(3.0)
    assert black["tactic_uses"] == 120 and black["residents"] == 400 and black["per_1000"] == pytest.approx(300.0)
    assert black["ratio_vs_white"] == pytest.approx(ratio)
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # 40 uses of unknown ethnicity: all White -> 0.3 / (240/2000) = 2.5; all Black -> (160/400) / 0.1 = 4.
    assert black["unknown_bounds"] == [pytest.approx(2.5), pytest.approx(4.0)]
    assert black["suppressed"] is False and black["incidents"] is None and black["incidents_per_1000"] is None
    asian = group(rows, "Asian")  # Asian 24 + Chinese 6, over Census Asian (Chinese included) 600
    assert asian["tactic_uses"] == 30 and asian["residents"] == 600
    assert asian["ratio_vs_white"] == pytest.approx((30 / 600) / (200 / 2000))
    white = group(rows, "White")
    assert white["ratio_vs_white"] == 1.0 and white["per_1000"] == pytest.approx(100.0)
    for name, uses in (("Mixed", 8), ("Other", 2)):  # fewer than 10: no ratio
        row = group(rows, name)
        assert row["tactic_uses"] == uses and row["suppressed"] is True and row["ratio_vs_white"] is None
    assert group(rows, "unknown") == {"group": "unknown", "tactic_uses": 40, "incidents": None}


def test_kent_ages_children_and_taser(kent: dict[str, Any]) -> None:
    assert [(r["band"], r["tactic_uses"]) for r in kent["by_age"]] == [
        ("under_11", 4), ("11_17", 36), ("18_34", 200), ("35_49", 100), ("50_64", 40), ("65_plus", 10),
        ("unknown", 10)]
    assert kent["children"] == {"tactic_uses": 40, "share": pytest.approx(40 / 400)}
    taser = kent["taser"]
    assert taser["by_type"] == {"total": 60, "total_non_discharge": 50, "total_discharge": 10, "drawn": 30,
                                "aimed": 10, "red_dot": 10, "arced": 0, "drive_stun": 2, "fired": 8,
                                "angled_drive_stun": 0, "not_stated": 0}
    assert taser["fired_share"] == pytest.approx(8 / 60)
    assert taser["children"] == 5 and taser["children_share"] == pytest.approx(5 / 50)  # CED row by age: 0+5 of 50
    assert taser["years"] == [
        {"financial_year": "2017/18", "total": 30, "fired": 3, "fired_share": pytest.approx(0.1), "children": None,
         "children_share": None},
        # 2018/19: the 2019/20 release's revised total (42, not 40); children from the 2018/19 table by age.
        {"financial_year": "2018/19", "total": 42, "fired": 5, "fired_share": pytest.approx(5 / 42), "children": 4,
         "children_share": pytest.approx(4 / 40)},
        {"financial_year": "2019/20", "total": 60, "fired": 8, "fired_share": pytest.approx(8 / 60), "children": 5,
         "children_share": pytest.approx(5 / 50)},
    ]


def test_national_beside_the_force(kent: dict[str, Any]) -> None:
    national = kent["national"]
    assert national["incidents"] == {"count": 1000, "residents": 6800, "per_1000": pytest.approx(1000 / 6.8)}
    assert national["tactic_uses"] == {"count": 2000, "residents": 6800, "per_1000": pytest.approx(2000 / 6.8)}
    black = group(national["by_ethnicity"], "Black")
    ratio, low, high = wald(400, 500, 1000, 5000)
    assert black["ratio_vs_white"] == pytest.approx(4.0) == pytest.approx(ratio)
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert black["incidents"] == 150 and black["incidents_per_1000"] == pytest.approx(300.0)
    # 200 uses of unknown ethnicity (Don't know 150 + Not reported 50).
    assert black["unknown_bounds"] == [pytest.approx(0.8 / (1200 / 5000)), pytest.approx((600 / 500) / 0.2)]
    assert group(national["by_ethnicity"], "unknown") == {"group": "unknown", "tactic_uses": 200, "incidents": 160}
    assert national["children"] == {"tactic_uses": 200, "share": pytest.approx(0.1)}
    assert national["taser"]["by_type"]["total"] == 400 and national["taser"]["fired_share"] == pytest.approx(0.12)
    assert national["taser"]["children"] == 20 and national["taser"]["children_share"] == pytest.approx(20 / 200)
    assert "years" not in national["taser"]


def test_the_same_groups_over_represented_in_stop_and_search(kent: dict[str, Any]) -> None:
    stops = kent["stop_search"]
    assert stops["months"] == ["2019-04"] and stops["ethnicity"] == "self"
    assert "Only 1 of the year's 12 months of stop and search is loaded." in stops["note"]
    by = {r["group"]: r for r in stops["by_group"]}
    assert list(by) == ["Asian", "Black", "Mixed", "Other"]
    # Searches 20 Black, 10 White, 10 Asian in one month: residents are a twelfth of each group's, which cancels.
    ratio, low, high = wald(20, 400, 10, 2000)
    assert by["Black"]["stop_ratio_vs_white"] == pytest.approx(10.0) == pytest.approx(ratio)
    assert (by["Black"]["stop_ci_low"], by["Black"]["stop_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert by["Black"]["force_ratio_vs_white"] == pytest.approx(3.0)
    assert (by["Black"]["stop_over"], by["Black"]["force_over"], by["Black"]["both_over"]) == (True, True, True)
    assert by["Asian"]["stop_ratio_vs_white"] == pytest.approx(10 / 3)
    assert (by["Asian"]["stop_over"], by["Asian"]["force_over"], by["Asian"]["both_over"]) == (True, False, False)
    assert by["Mixed"]["both_over"] is None and by["Other"]["both_over"] is None  # no searches; uses suppressed
    assert (by["Mixed"]["stop_suppressed"], by["Mixed"]["force_suppressed"]) == (True, True)
    assert (by["Black"]["stop_suppressed"], by["Black"]["force_suppressed"]) == (False, False)


def test_latest_release_wins_and_revisions_are_listed(db: Path, kent: dict[str, Any]) -> None:
    assert kent["releases"] == [{"release": R18, "published": "2019-12-12"},
                                {"release": R19, "published": "2020-12-17"}]
    assert kent["revisions"] == [
        {"financial_year": "2017/18", "figure": "ced", "force": "england-and-wales", "breakdown": "all", "grp": "all",
         "tactic": "total", "earlier": 300, "earlier_release": R17, "later": 290, "later_release": R19},
        {"financial_year": "2018/19", "figure": "ced", "force": "kent", "breakdown": "all", "grp": "all",
         "tactic": "total", "earlier": 40, "earlier_release": R18, "later": 42, "later_release": R19},
    ]
    # 2018/19's incidents are only in its own release: a later release without them does not hide them.
    earlier = compute_use_of_force(db, "kent", "2018/19")
    assert earlier["incidents"]["count"] == 300
    assert [r["release"] for r in earlier["releases"]] == [R18, R19]


def test_a_year_without_tables_by_force_says_what_it_lacks(db: Path) -> None:
    doc = compute_use_of_force(db, "kent", "2017/18")
    UseOfForceDocument.model_validate(doc)
    assert doc["incidents"] == {"count": 250, "residents": 3300, "per_1000": pytest.approx(250 / 3.3)}
    assert doc["tactic_uses"]["count"] is None and doc["tactic_uses"]["per_1000"] is None
    assert all(r["tactic_uses"] is None and r.get("ratio_vs_white") is None for r in doc["by_ethnicity"])
    assert doc["children"] == {"tactic_uses": None, "share": None}
    assert doc["taser"]["by_type"]["total"] == 30 and doc["taser"]["children"] is None
    # the 2018/19 release's 2017/18 cells are superseded
    source = "The figures loaded for 2017/18 (the 2017/18 release, the 2019/20 release)"
    assert doc["lacks"] == [
        f"{source} have no tactic uses by perceived ethnicity for Kent Police, so tactic uses per 1,000 residents of "
        "each group and the ratios to White are not given.",
        f"{source} have no tactic uses by age for Kent Police, so uses of force and of Taser on children are not "
        "given.",
        f"{source} have no tactic uses by gender for Kent Police.",
        f"{source} have no tactic uses by age for England and Wales, so uses of force and of Taser on children are "
        "not given.",
        f"{source} have no tactic uses by gender for England and Wales.",
    ]
    # The 2017/18 national tables have no total row: the six tactic-type totals add to 1,800.
    assert doc["national"]["tactic_uses"]["count"] == 1800
    assert doc["national"]["taser"]["by_type"]["total"] == 290  # revised in the 2019/20 release
    assert doc["stop_search"] is None
    assert any("No stop-and-search data is loaded for Kent Police in 2017/18" in n for n in doc["notes"])


def test_a_force_with_only_incidents_and_a_marked_cell(db: Path) -> None:
    essex = compute_use_of_force(db, "essex", "2019/20")
    assert essex["incidents"] == {"count": 170, "residents": 3500, "per_1000": pytest.approx(170 / 3.5)}
    assert essex["tactic_uses"]["count"] is None and essex["stop_search"] is None
    assert [line.split(" have no ")[1].split(" for ")[0] for line in essex["lacks"]] == [
        "tactic uses by perceived ethnicity", "tactic uses by age", "tactic uses by gender", "CED (Taser) uses by type"]
    marked = compute_use_of_force(db, "essex", "2017/18")  # published as ':'
    assert marked["incidents"] == {"count": None, "residents": 3500, "per_1000": None}


def test_national_document(db: Path) -> None:
    doc = compute_use_of_force(db, "all", "2019/20")
    UseOfForceDocument.model_validate(doc)
    assert doc["force"] == "all" and doc["force_name"] == "England and Wales" and doc["national"] is None
    assert doc["tactic_uses"] == {"count": 2000, "residents": 6800, "per_1000": pytest.approx(2000 / 6.8)}
    assert [y["total"] for y in doc["taser"]["years"]] == [290, 350, 400]
    # Stop and search of every force loaded (Kent's April) beside the national use of force.
    by = {r["group"]: r for r in doc["stop_search"]["by_group"]}
    assert by["Black"]["stop_ratio_vs_white"] == pytest.approx(10.0)
    assert by["Black"]["force_ratio_vs_white"] == pytest.approx(4.0)
    assert doc["lacks"] == []


@pytest.mark.parametrize(("force", "year", "error", "words"), [
    ("kent", "2019-20", BadFinancialYear, "2019/20"),
    ("kent", "2019", BadFinancialYear, "years loaded: 2017/18, 2018/19, 2019/20"),
    ("kent", "2019/21", BadFinancialYear, "e.g. 2019/20"),
    ("kent", "2016/17", YearNotLoaded, "no use-of-force figures for 2016/17; years loaded: 2017/18, 2018/19, 2019/20"),
    ("kentt", "2019/20", UnknownForce, "did you mean kent"),
    ("kent,essex", "2019/20", BadInput, "one force or `all`"),
])
def test_mistakes_are_clear_errors(db: Path, force: str, year: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as caught:
        compute_use_of_force(db, force, year)
    assert words in str(caught.value)


def test_nothing_loaded(tmp_path: Path) -> None:
    bare = build(tmp_path / "bare", use_of_force=False)
    with pytest.raises(NoUseOfForce, match="no use-of-force figures are loaded"):
        compute_use_of_force(bare, "kent", "2019/20")
    assert issubclass(NoUseOfForce, NotFound) and issubclass(YearNotLoaded, NotFound)


def test_the_metrics_document_of_a_financial_year_carries_it(db: Path, kent: dict[str, Any]) -> None:
    year = compute_metrics(db, Scope("kent", None, "2019-04", "2020-03"))
    MetricsDocument.model_validate(year)
    assert year["use_of_force"] == kent
    assert compute_metrics(db, Scope("kent", None, "2019-04", "2019-04"))["use_of_force"] is None  # not a year
    assert compute_metrics(db, Scope("kent", None, "2018-04", "2020-03"))["use_of_force"] is None  # two years
    assert financial_year_of(Scope("kent", None, "2019-04", "2020-03")) == "2019/20"
    # KPIs bind to it by dotted key.
    for key, value in (("use_of_force.tactic_uses.per_1000", 400 / 3.3),
                       ("use_of_force.by_ethnicity.Black.ratio_vs_white", 3.0),
                       ("use_of_force.taser.by_type.fired", 8), ("use_of_force.taser.children", 5),
                       ("use_of_force.children.tactic_uses", 40)):
        assert key in KPIS
        assert kpi_value(year, key) == pytest.approx(value)


def test_fixture_table_has_the_contract_columns(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = [c for c, *_ in con.execute("DESCRIBE use_of_force").fetchall()]
    finally:
        con.close()
    assert set(columns) >= {"release", "published", "financial_year", "force", "figure", "breakdown", "grp", "label",
                            "tactic", "tactic_label", "value", "marker", "sheet", "sheet_row"}
