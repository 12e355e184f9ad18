"""The policy-change test through the warehouse: a Kent fixture counted by hand, and the real Metropolitan months.

Kent, January 2023 to February 2024 with May 2023 not loaded (no file). Maidstone (residents: 1,000 White,
200 Black, 300 Asian, 100 Mixed, 50 Other = 1,650) has drug searches of 13 Black and 20 White people a month
before August 2023 and 26 and 40 from it, plus 5 weapons searches a month the drugs lens leaves out. Sevenoaks
(the same residents) has 10 Black and 20 White drug searches every month. By hand, with the drugs lens:
Maidstone's rate is 33 / 1,650 x 1,000 = 20 a month before and 40 from August (level change 20, no slope
change), its ratio to White (13/200) / (20/1,000) = 3.25 throughout (level change 0); Sevenoaks' rate is
30 / 1,650 x 1,000 = 18.18 throughout, so the difference in differences is 20 and 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import ibis
import pytest
from typer.testing import CliRunner

from scrutiny.bias.policy_change import change_document
from scrutiny.errors import BadInput
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.vocab.months import month_labels
from tests.bias.test_outcome_test import IN_SEVENOAKS, MAIDSTONE, SEVENOAKS, ingest_folder, write_kent_places
from tests.conftest import SHARED_DATA, shared, write_archive
from tests.metrics.test_fixture_metrics import (
    BLACK,
    DRUGS_ACT,
    IN_MAIDSTONE,
    NFA,
    PACE,
    WHITE,
)

MONTHS = [m for m in month_labels("2023-01", "2024-02") if m != "2023-05"]
AT = "2023-08"


def _row(month: str, where: str, ethnicity: str, officer: str, law: str = DRUGS_ACT,
         obj: str = "Controlled drugs") -> str:
    return (f"Person search,{month}-15T12:00:00+00:00,False,,{where},Male,18-24,{ethnicity},{officer},{law},{obj},"
            f"{NFA},False,False")


def _month_rows(month: str) -> list[str]:
    k = 2 if month >= AT else 1
    return ([_row(month, IN_MAIDSTONE, BLACK, "Black")] * (13 * k)
            + [_row(month, IN_MAIDSTONE, WHITE, "White")] * (20 * k)
            + [_row(month, IN_MAIDSTONE, WHITE, "White", PACE, "Offensive weapons")] * 5
            + [_row(month, IN_SEVENOAKS, BLACK, "Black")] * 10 + [_row(month, IN_SEVENOAKS, WHITE, "White")] * 20)


def build_change_db(folder: Path) -> Path:
    """The 14 Kent months (May 2023 not loaded), Census and boundaries, ingested into folder/change.duckdb."""
    for month in MONTHS:
        write_archive(folder, month, "kent", _month_rows(month))
    write_kent_places(folder)
    return ingest_folder(folder, "change.duckdb")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    db = build_change_db(tmp_path_factory.mktemp("change"))
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


def kent(backend: ibis.BaseBackend) -> Scope:
    return resolve_scope(backend, Scope("kent", "Maidstone", "2023-01", "2024-02", purpose="drugs"))


def test_the_series_and_both_designs_by_hand(backend: ibis.BaseBackend) -> None:
    doc = change_document(backend, kent(backend), AT, ["Sevenoaks"])
    json.dumps(doc, allow_nan=False)
    assert doc["available"] and doc["scope"]["area"] == MAIDSTONE and doc["scope"]["purpose"] == "drugs"
    series = {row["month"]: row for row in doc["figures"]["series"]}
    assert series["2023-05"] == {"month": "2023-05", "covered": False, "searches": None, "residents": None,
                                 "rate_per_1000": None, "groups": series["2023-05"]["groups"]}
    assert all(g["searches"] is None for g in series["2023-05"]["groups"])
    assert (series["2023-04"]["searches"], series["2023-04"]["residents"]) == (33, 1650)
    assert series["2023-04"]["rate_per_1000"] == pytest.approx(20)
    assert series["2023-09"]["rate_per_1000"] == pytest.approx(40)
    black = next(g for g in series["2023-09"]["groups"] if g["group"] == "Black")
    assert (black["searches"], black["residents"], black["ratio_vs_white"]) == (26, 200, pytest.approx(3.25))
    asian = next(g for g in series["2023-09"]["groups"] if g["group"] == "Asian")
    assert (asian["searches"], asian["ratio_vs_white"], asian["suppressed"]) == (0, None, True)
    its = doc["figures"]["its"]
    rate, ratio = its["search_rate"], its["log_ratio"]
    assert (rate["months_before"], rate["months_after"]) == (6, 7)
    assert rate["level_change"]["estimate"] == pytest.approx(20, abs=1e-8)
    assert rate["slope_change"]["estimate"] == pytest.approx(0, abs=1e-8)
    assert ratio["level_change"]["estimate"] == pytest.approx(0, abs=1e-7)
    assert ratio["level_change_multiplier"]["estimate"] == pytest.approx(1, abs=1e-7)
    may = next(m for m in rate["months"] if m["month"] == "2023-05")
    assert may["observed"] is None and may["fitted"] == pytest.approx(20)
    sep = next(m for m in rate["months"] if m["month"] == "2023-09")
    assert (sep["observed"], sep["fitted"], sep["counterfactual"]) == (pytest.approx(40), pytest.approx(40),
                                                                         pytest.approx(20))
    did = doc["figures"]["did"]
    assert did["controls"] == [SEVENOAKS]
    assert did["search_rate"]["estimate"]["estimate"] == pytest.approx(20, abs=1e-8)
    assert did["log_ratio"]["estimate"]["estimate"] == pytest.approx(0, abs=1e-8)
    assert did["search_rate"]["parallel_trends"]["consistent"] is True
    assert doc["figures"]["controls"] == [{"code": SEVENOAKS, "name": "Sevenoaks"}]
    assert any("2023-05" in note for note in doc["notes"])


def test_refusals_through_the_warehouse(backend: ibis.BaseBackend) -> None:
    scope = kent(backend)
    same = change_document(backend, scope, AT, ["maidstone"])
    assert not same["available"] and "is the area where the policy changed" in same["refused"][0]
    unknown = change_document(backend, scope, AT, ["Narnia"])
    assert not unknown["available"] and "'Narnia' is not known" in unknown["refused"][0]
    outside = change_document(backend, scope, "2025-01")
    assert not outside["available"] and "outside the data" in outside["refused"][0]
    early = change_document(backend, scope, "2023-04")  # 3 months before it
    assert not early["available"] and "3 month(s) before the change" in early["refused"][0]
    with pytest.raises(BadInput, match="at: bad month '2023-13'"):
        change_document(backend, scope, "2023-13")
    whole_force = resolve_scope(backend, Scope("kent", None, "2023-01", "2024-02"))
    with pytest.raises(BadInput, match="area"):
        change_document(backend, whole_force, AT)


@pytest.fixture(scope="module")
def met(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    from scrutiny.cli import app

    archive = shared("police_uk", "archive")
    files = sorted(str(p) for p in archive.glob("*/*-metropolitan-stop-and-search.csv"))
    db = tmp_path_factory.mktemp("met-change") / "met.duckdb"
    result = CliRunner().invoke(app, ["ingest", *files, str(SHARED_DATA / "census2021"),
                                      str(SHARED_DATA / "geography"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


def test_lambeth_drugs_on_the_real_metropolitan_months(met: ibis.BaseBackend) -> None:
    """Lambeth, searches for drugs, the change at 2018-09: six loaded months each side (2016-06, 2018-04..08;
    2018-09, 2021-06..09, 2022-09), Southwark and Lewisham as controls. The figures are not known in advance:
    the test checks that it runs, that only loaded months are used, and that what it shows is consistent."""
    scope = resolve_scope(met, Scope("metropolitan", "E09000022", "2016-06", "2022-09", purpose="drugs"))
    doc = change_document(met, scope, "2018-09", ["Southwark", "Lewisham"])
    json.dumps(doc, allow_nan=False)
    assert doc["available"], doc["refused"]
    loaded = [r["month"] for r in doc["figures"]["series"] if r["covered"]]
    assert loaded == ["2016-06", "2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09", "2021-06",
                      "2021-07", "2021-08", "2021-09", "2022-09"]
    for outcome in ("search_rate", "log_ratio"):
        fit = doc["figures"]["its"][outcome]
        assert (fit["months_before"], fit["months_after"]) == (6, 6)
        level = fit["level_change"]
        assert level["low"] < level["estimate"] < level["high"]
        observed = [m for m in fit["months"] if m["observed"] is not None]
        assert [m["month"] for m in observed] == loaded
    rows = {r["month"]: r for r in doc["figures"]["series"]}
    first = doc["figures"]["its"]["search_rate"]["months"][0]
    assert first["observed"] == pytest.approx(rows["2016-06"]["searches"] / rows["2016-06"]["residents"] * 1000)
    ratio = doc["figures"]["its"]["log_ratio"]
    assert ratio["level_change_multiplier"]["estimate"] == pytest.approx(math.exp(ratio["level_change"]["estimate"]))
    assert doc["figures"]["did"]["search_rate"]["available"] and doc["figures"]["did"]["log_ratio"]["available"]
