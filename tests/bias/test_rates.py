"""The rates document (bias.rates) on a Kent month counted by eye, and on the real Metropolitan months.

Maidstone: Black 30 person searches (20 aged 18-24, 6 over 34, 4 of no recorded age), White 40 (15 aged 25-34,
25 over 34), Asian 12 (aged 10-17), 3 of unknown ethnicity, 2 vehicle-only searches. Sevenoaks: Black 12 and
White 24 (all aged 18-24), Mixed 5. Outside both boundaries: White 7. All searches for drugs.
Census residents of all ages in each borough (the TS022 file of tests/metrics/test_fixture_metrics.py): White
1,000, Black 200, Asian 300, Mixed 100, Other 50. Census by age (the file written below), residents aged 10-34:
Maidstone White 240, Black 60, Asian 90; Sevenoaks White 300, Black 50, Asian 0.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from scrutiny.bias.rates import rates_document
from scrutiny.errors import BadInput
from scrutiny.metrics import Scope
from scrutiny.metrics.document import metrics_document
from scrutiny.metrics.scope import resolve_scope
from tests.bias.test_outcome_test import IN_SEVENOAKS, ingest_folder, write_kent_places
from tests.conftest import shared, write_archive
from tests.metrics.test_fixture_metrics import (
    ASIAN,
    BLACK,
    DRUGS_ACT,
    IN_MAIDSTONE,
    NFA,
    NOT_STATED,
    OUTSIDE,
    WHITE,
    row,
)

MAIDSTONE, SEVENOAKS = "E07000110", "E07000111"
MIXED = "Mixed/Multiple ethnic groups - White and Black Caribbean"


def _r(where: str, age: str, eth: str, kind: str = "Person search") -> str:
    return row(kind, where, age, eth, "", DRUGS_ACT, "Controlled drugs", NFA, "False", "False")


ROWS = (
    [_r(IN_MAIDSTONE, "18-24", BLACK)] * 20 + [_r(IN_MAIDSTONE, "over 34", BLACK)] * 6
    + [_r(IN_MAIDSTONE, "", BLACK)] * 4
    + [_r(IN_MAIDSTONE, "25-34", WHITE)] * 15 + [_r(IN_MAIDSTONE, "over 34", WHITE)] * 25
    + [_r(IN_MAIDSTONE, "10-17", ASIAN)] * 12
    + [_r(IN_MAIDSTONE, "18-24", NOT_STATED)] * 3
    + [_r(IN_MAIDSTONE, "", "", kind="Vehicle search")] * 2
    + [_r(IN_SEVENOAKS, "18-24", BLACK)] * 12 + [_r(IN_SEVENOAKS, "18-24", WHITE)] * 24
    + [_r(IN_SEVENOAKS, "18-24", MIXED)] * 5
    + [_r(OUTSIDE, "18-24", WHITE)] * 7
)

AGE_GROUPS = ("Black, Black British, Black Welsh, Caribbean or African: African", "White: Irish",
              "Asian, Asian British or Asian Welsh: Indian", "Mixed or Multiple ethnic groups: White and Asian",
              "Other ethnic group: Arab")
AGE_HEADER = ",".join(["Geography Code", "Geography Name", "Age",
                       *(f'"{group} {sex}"' for group in AGE_GROUPS for sex in ("Female", "Male"))])
# age: Black F, M, White F, M, Asian F, M (Mixed and Other 0)
AGES = {
    (MAIDSTONE, "Maidstone"): {15: (10, 10, 40, 40, 15, 15), 20: (15, 15, 50, 50, 20, 20), 30: (5, 5, 30, 30, 10, 10),
                               50: (40, 40, 200, 200, 50, 50)},
    (SEVENOAKS, "Sevenoaks"): {15: (5, 5, 50, 50, 0, 0), 20: (10, 10, 60, 60, 0, 0), 30: (10, 10, 40, 40, 0, 0),
                               50: (30, 30, 250, 250, 0, 0)},
}


def build(folder: Path) -> Path:
    write_archive(folder, "2024-01", "kent", ROWS)
    write_kent_places(folder)
    ages = [f"{code},{name},{age},{','.join(map(str, cells))},0,0,0,0" for (code, name), by_age in AGES.items()
            for age, cells in by_age.items()]
    (folder / "age_sex_kent.csv").write_text("\n".join([AGE_HEADER, *ages]) + "\n")
    return ingest_folder(folder, "rates.duckdb")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    con = ibis.duckdb.connect(str(build(tmp_path_factory.mktemp("rates"))), read_only=True)
    yield con
    con.disconnect()


def kent(backend: ibis.BaseBackend, area: str | None = None) -> Scope:
    return resolve_scope(backend, Scope("kent", area, "2024-01", "2024-01"))


def by_hand(a: int, pop_a: float, c: int, pop_c: float) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """The ratio, the Wald interval written out, and the exact interval from statsmodels' Clopper-Pearson."""
    r = (a / pop_a) / (c / pop_c)
    half = 1.96 * math.sqrt(1 / a + 1 / c)
    p_low, p_high = proportion_confint(a, a + c, alpha=0.05, method="beta")
    return r, (r * math.exp(-half), r * math.exp(half)), (p_low / (1 - p_low) * pop_c / pop_a,
                                                          p_high / (1 - p_high) * pop_c / pop_a)


def check(entry: dict[str, Any], a: int, pop_a: float, c: int, pop_c: float, ratio: float) -> None:
    r, wald, exact = by_hand(a, pop_a, c, pop_c)
    assert r == pytest.approx(ratio)  # the ratio as counted in the module docstring
    assert (entry["searches"], entry["white_searches"]) == (a, c)
    assert (entry["denominator"], entry["white_denominator"]) == (pop_a, pop_c)
    assert entry["ratio"] == pytest.approx(ratio) and entry["suppressed"] is False
    assert (entry["wald"]["low"], entry["wald"]["high"]) == pytest.approx(wald)
    assert (entry["exact"]["low"], entry["exact"]["high"]) == pytest.approx(exact)


def groups(doc: dict[str, Any], code: str) -> dict[str, dict[str, Any]]:
    area = next(a for a in doc["figures"]["areas"] if a["area_code"] == code)
    return {g["group"]: g for g in area["groups"]}


def test_the_document_shape(backend: ibis.BaseBackend) -> None:
    doc = rates_document(backend, kent(backend))
    json.dumps(doc, allow_nan=False)  # JSON-safe: no NaN or infinity
    assert doc["test"] == "rates" and doc["available"] is True and doc["refused"] == []
    assert doc["scope"]["force"] == "kent"
    for key in ("assumptions", "can_show", "cannot_show", "notes"):
        assert isinstance(doc[key], list) and all(isinstance(s, str) for s in doc[key])
    assert "Clopper" in doc["method"] and "Marshall and Spiegelhalter" in doc["method"]
    areas = doc["figures"]["areas"]
    assert [(a["area_code"], a["area_name"]) for a in areas] == [(MAIDSTONE, "Maidstone"), (SEVENOAKS, "Sevenoaks")]
    assert [g["group"] for g in areas[0]["groups"]] == ["Asian", "Black", "Mixed", "Other"]
    entry = areas[0]["groups"][0]
    assert set(entry) == {"group", "searches", "white_searches", "ratio", "wald", "exact", "suppressed", "scenarios",
                          "standardised"}
    assert set(entry["scenarios"]) == {"residents", "aged_10_34", "exposure"}
    assert entry["scenarios"]["exposure"] is None  # no exposure table given


def test_ratios_and_intervals_counted_by_hand(backend: ibis.BaseBackend) -> None:
    doc = rates_document(backend, kent(backend))
    maidstone, sevenoaks = groups(doc, MAIDSTONE), groups(doc, SEVENOAKS)
    black = maidstone["Black"]
    check(black["scenarios"]["residents"], 30, 200.0, 40, 1000.0, 3.75)
    assert (black["ratio"], black["wald"], black["exact"]) == (3.75, black["scenarios"]["residents"]["wald"],
                                                               black["scenarios"]["residents"]["exact"])
    check(maidstone["Asian"]["scenarios"]["residents"], 12, 300.0, 40, 1000.0, 1.0)
    check(sevenoaks["Black"]["scenarios"]["residents"], 12, 200.0, 24, 1000.0, 2.5)
    # aged 10-34: only searches of people recorded at those ages, over residents of those ages
    check(black["scenarios"]["aged_10_34"], 20, 60.0, 15, 240.0, 16 / 3)
    check(maidstone["Asian"]["scenarios"]["aged_10_34"], 12, 90.0, 15, 240.0, 32 / 15)
    check(sevenoaks["Black"]["scenarios"]["aged_10_34"], 12, 50.0, 24, 300.0, 3.0)
    # suppressed below 10 searches: Sevenoaks' 5 Mixed and 0 Asian, Maidstone's 0 Mixed and 0 Other
    for entry in (sevenoaks["Mixed"], sevenoaks["Asian"], maidstone["Mixed"], maidstone["Other"]):
        assert entry["suppressed"] is True and entry["ratio"] is None
        assert entry["wald"] == entry["exact"] == {"low": None, "high": None}
    assert sevenoaks["Mixed"]["searches"] == 5


def test_notes_say_what_was_left_out(backend: ibis.BaseBackend) -> None:
    notes = rates_document(backend, kent(backend))["notes"]
    assert "3 person searches of unknown ethnicity are left out." in notes
    assert "7 person searches with no location, or outside every loaded boundary, are left out." in notes
    assert any(n.startswith("Asian: 1 area(s) not ranked") and SEVENOAKS in n for n in notes)


def test_ranks_over_the_two_boroughs(backend: ibis.BaseBackend) -> None:
    doc = rates_document(backend, kent(backend))
    areas = {a["area_code"]: a for a in doc["figures"]["areas"]}
    black_m, black_s = areas[MAIDSTONE]["rank"]["Black"], areas[SEVENOAKS]["rank"]["Black"]
    assert (black_m["rank"], black_s["rank"]) == (1, 2)  # 3.75 above 2.5
    assert black_m["p_highest"] + black_s["p_highest"] == pytest.approx(1.0)
    assert black_m["p_highest"] > 0.5 and 1 <= black_m["low"] <= black_m["high"] <= 2
    # Asian: Sevenoaks has no Asian searches, so Maidstone alone is ranked, first in every draw
    assert areas[MAIDSTONE]["rank"]["Asian"] == {"rank": 1, "low": 1, "high": 1, "p_highest": 1.0, "ratio": 1.0}
    assert areas[SEVENOAKS]["rank"]["Asian"] is None
    ranking = doc["figures"]["ranking"]
    assert (ranking["draws"], ranking["ranked"]["Black"], ranking["ranked"]["Mixed"]) == (2000, 2, 0)
    assert rates_document(backend, kent(backend))["figures"]["areas"] == doc["figures"]["areas"]  # seeded


def test_one_area_and_a_users_exposure(backend: ibis.BaseBackend, tmp_path: Path) -> None:
    exposure = tmp_path / "exposure.csv"
    exposure.write_text(f"area_code,group,exposure\n{MAIDSTONE},Black,500\n{MAIDSTONE},White,1000\n"
                        f"{MAIDSTONE},Asian,600\n")
    doc = rates_document(backend, kent(backend), exposure)
    maidstone, sevenoaks = groups(doc, MAIDSTONE), groups(doc, SEVENOAKS)
    check(maidstone["Black"]["scenarios"]["exposure"], 30, 500.0, 40, 1000.0, 1.5)
    check(maidstone["Asian"]["scenarios"]["exposure"], 12, 600.0, 40, 1000.0, 0.5)
    assert sevenoaks["Black"]["scenarios"]["exposure"]["ratio"] is None  # no row for Sevenoaks
    assert any("no rows for 1 of the 2 areas" in n and SEVENOAKS in n for n in doc["notes"])
    assert doc["figures"]["exposure_source"] == "user-supplied exposure table exposure.csv"
    one = rates_document(backend, kent(backend, "Sevenoaks"))
    assert [a["area_code"] for a in one["figures"]["areas"]] == [SEVENOAKS]
    assert one["figures"]["areas"][0]["rank"] is None and one["figures"]["ranking"] is None
    check(groups(one, SEVENOAKS)["Black"]["scenarios"]["residents"], 12, 200.0, 24, 1000.0, 2.5)
    exposure.write_text("area_code,group,exposure\nE07000110,Black,lots\n")
    with pytest.raises(BadInput, match="line 2"):
        rates_document(backend, kent(backend), exposure)


MET_MONTHS = ["2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09"]


@pytest.fixture(scope="module")
def met(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    from scrutiny.cli import app

    files = [shared("police_uk", "archive", m, f"{m}-metropolitan-stop-and-search.csv") for m in MET_MONTHS]
    db = tmp_path_factory.mktemp("met-rates") / "met.duckdb"
    sources = [*files, shared("census2021"), shared("geography")]
    result = CliRunner().invoke(app, ["ingest", *map(str, sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


@pytest.mark.shared_data
def test_metropolitan_drugs(met: ibis.BaseBackend) -> None:
    scope = resolve_scope(met, Scope("metropolitan", None, MET_MONTHS[0], MET_MONTHS[-1], purpose="drugs"))
    started = time.perf_counter()
    doc = rates_document(met, scope)
    seconds = time.perf_counter() - started
    json.dumps(doc, allow_nan=False)
    areas = doc["figures"]["areas"]
    assert doc["available"] and len(areas) == 32 and all(a["area_code"].startswith("E09") for a in areas)
    assert "E09000001" not in {a["area_code"] for a in areas}  # the City: another force's residents
    # each residents ratio is the metrics document's per-area Black/White ratio (the same counts and Census)
    metrics = {a["area_code"]: a["black_white_ratio"] for a in metrics_document(met, scope)["areas"]}
    black = {a["area_code"]: next(g for g in a["groups"] if g["group"] == "Black") for a in areas}
    for code, entry in black.items():
        assert entry["ratio"] == pytest.approx(metrics[code], rel=1e-12), code
        assert entry["exact"]["low"] < entry["ratio"] < entry["exact"]["high"]
        assert entry["scenarios"]["aged_10_34"]["ratio"] is not None
    top = sorted(areas, key=lambda a: -black[a["area_code"]]["ratio"])[:5]
    print(f"\nrates_document, Metropolitan drugs 2018-04..09: {seconds:.2f} s")
    for a in top:
        b, rank = black[a["area_code"]], a["rank"]["Black"]
        print(f"{a['area_name']:<22} {b['searches']:>5} {b['white_searches']:>5} {b['ratio']:6.2f} "
              f"Wald {b['wald']['low']:.2f}-{b['wald']['high']:.2f} exact {b['exact']['low']:.2f}-"
              f"{b['exact']['high']:.2f} rank {rank['rank']} ({rank['low']}-{rank['high']}) "
              f"P(highest) {rank['p_highest']:.3f}")
    # the highest ratio's rank is uncertain: its interval is wider than first place alone
    assert top[0]["rank"]["Black"]["rank"] == 1 and top[0]["rank"]["Black"]["high"] > 1
    assert sum(a["rank"]["Black"]["p_highest"] for a in areas) == pytest.approx(1.0)
    assert seconds < 30


def test_the_age_sex_standardised_ratio_beside_the_crude_one(backend: ibis.BaseBackend) -> None:
    """Maidstone, all searched people male. Residents of every group by stratum (each sex alike): 10-17 65, 18-24
    85, 25-34 45, over 34 290, none under 10: 970 in all, so a stratum's weight is its residents / 970. Asian: 12
    searches aged 10-17 of 15 Asian males: SR = 65/970 * 12/15 = 52/970. White: 15 aged 25-34 of 30, 25 over 34
    of 200: SR = (45 * 15/30 + 290 * 25/200) / 970 = 58.75/970. Black: 20 aged 18-24 of 15, 6 over 34 of 40 (4 of
    no age left out): SR = (85 * 20/15 + 290 * 6/40) / 970."""
    maidstone = groups(rates_document(backend, kent(backend)), MAIDSTONE)
    asian, black = maidstone["Asian"]["standardised"], maidstone["Black"]["standardised"]
    assert asian["ratio"] == pytest.approx(52 / 58.75) and asian["searches_used"] == 12
    assert black["ratio"] == pytest.approx((85 * 20 / 15 + 290 * 6 / 40) / 58.75) and black["searches_used"] == 26
    # log-scale interval: V = sum w^2 a / R^2 (the 970s cancel in V / SR^2)
    var = (65**2 * 12 / 15**2) / 52**2 + (45**2 * 15 / 30**2 + 290**2 * 25 / 200**2) / 58.75**2
    half = 1.96 * math.sqrt(var)  # the method text says 1.96
    assert (asian["low"], asian["high"]) == pytest.approx((52 / 58.75 * math.exp(-half), 52 / 58.75 * math.exp(half)),
                                                          rel=1e-9)
    assert asian["crude_ratio"] == pytest.approx((12 / 190) / (40 / 640))  # Asian 190 residents, White 640
