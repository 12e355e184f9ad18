"""The outcome test on a Kent month counted by eye (two boroughs), and the exposure it feeds the threshold test.

Maidstone (a square around 51.27, 0.52): Black 20 searches (4 arrests linked, 2 community resolutions not
linked, 14 NFA), White 12 (6 arrests linked, 6 NFA), 2 of unknown ethnicity (arrests, linked), 2 vehicle-only
searches (left out). Sevenoaks (a square around 51.27, 0.19), link not published: Black 10 (1 arrest, 9 NFA),
White 15 (5 cautions, 10 NFA), Asian 4 (3 NFA, 1 with no outcome). Census residents as in
tests/metrics/test_fixture_metrics.py: each borough 1,000 White, 200 Black, 300 Asian, 100 Mixed, 50 Other.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import ibis
import pytest
from typer.testing import CliRunner

from scrutiny.bias import document as bias_doc
from scrutiny.bias.inputs import census_exposure, check_covers, read_exposure_csv
from scrutiny.bias.outcome_test import difference, outcome_test, wilson
from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from tests.conftest import write_archive
from tests.metrics.test_fixture_metrics import (
    ASIAN,
    BLACK,
    CATEGORIES,
    DRUGS_ACT,
    IN_MAIDSTONE,
    LOOKUP,
    NFA,
    NOT_STATED,
    SQUARE,
    TS022,
    WHITE,
    row,
)

IN_SEVENOAKS = "51.27,0.19"
SEVENOAKS_SQUARE = [[0.14, 51.22], [0.24, 51.22], [0.24, 51.32], [0.14, 51.32], [0.14, 51.22]]
P, D = "Person search", "Controlled drugs"
CAUTION = "Caution (simple or conditional)"
MAIDSTONE, SEVENOAKS = "E07000110", "E07000111"


def _r(where: str, eth: str, officer: str, outcome: str, linked: str, kind: str = P) -> str:
    return row(kind, where, "18-24", eth, officer, DRUGS_ACT, D, outcome, linked, "False")


ROWS = (
    [_r(IN_MAIDSTONE, BLACK, "Black", "Arrest", "True")] * 4
    + [_r(IN_MAIDSTONE, BLACK, "Black", "Community resolution", "False")] * 2
    + [_r(IN_MAIDSTONE, BLACK, "Black", NFA, "False")] * 14
    + [_r(IN_MAIDSTONE, WHITE, "White", "Arrest", "True")] * 6
    + [_r(IN_MAIDSTONE, WHITE, "White", NFA, "False")] * 6
    + [_r(IN_MAIDSTONE, NOT_STATED, "Black", "Arrest", "True")] * 2
    + [_r(IN_MAIDSTONE, "", "", "Arrest", "True", kind="Vehicle search")] * 2
    + [_r(IN_SEVENOAKS, BLACK, "Black", "Arrest", "")]
    + [_r(IN_SEVENOAKS, BLACK, "Black", NFA, "")] * 9
    + [_r(IN_SEVENOAKS, WHITE, "White", CAUTION, "")] * 5
    + [_r(IN_SEVENOAKS, WHITE, "White", NFA, "")] * 10
    + [_r(IN_SEVENOAKS, ASIAN, "Asian", NFA, "")] * 3
    + [_r(IN_SEVENOAKS, ASIAN, "Asian", "", "")]
)


def by_hand(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval written out from the formula: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    z = 1.96
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def write_kent_places(folder: Path) -> None:
    """Maidstone's and Sevenoaks' residents (TS022), the force lookup and the two square boundaries."""
    lines = [f'{code},{name},{n},"{label}",{count}' for code, name in ((MAIDSTONE, "Maidstone"),
             (SEVENOAKS, "Sevenoaks")) for n, label, count in CATEGORIES]
    (folder / "ts022_kent.csv").write_text(TS022.format(rows="\n".join(lines)) + "\n")
    (folder / "lookup.csv").write_text(LOOKUP)
    features = [{"type": "Feature", "properties": {"CODE": code, "NAME": name},
                 "geometry": {"type": "Polygon", "coordinates": [square]}}
                for code, name, square in ((MAIDSTONE, "Maidstone", SQUARE),
                                           (SEVENOAKS, "Sevenoaks", SEVENOAKS_SQUARE))]
    (folder / "kent.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def ingest_folder(folder: Path, name: str) -> Path:
    """Everything in `folder` loaded into folder/name by `scrutiny ingest`, which must succeed."""
    from scrutiny.cli import app

    db = folder / name
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def build(folder: Path) -> Path:
    write_archive(folder, "2024-01", "kent", ROWS)
    write_kent_places(folder)
    return ingest_folder(folder, "bias.duckdb")


@pytest.fixture(scope="module")
def bias_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bias"))


@pytest.fixture
def backend(bias_db: Path) -> Iterator[ibis.BaseBackend]:
    con = ibis.duckdb.connect(str(bias_db), read_only=True)
    yield con
    con.disconnect()


def scope_of(backend: ibis.BaseBackend, area: str | None = None, ethnicity: str = "self") -> Scope:
    return resolve_scope(backend, Scope("kent", area, "2024-01", "2024-01", ethnicity))


def test_wilson_and_newcombe_match_the_published_examples() -> None:
    ci = wilson(81, 263)  # Newcombe (1998), Statistics in Medicine 17:857, example: 0.2553 to 0.3662
    assert ci.low is not None and ci.high is not None
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.2553, 0.3662)
    d = difference(56, 70, 48, 80)  # Newcombe (1998) 17:873, method 10: 0.0524 to 0.3339
    assert d["value"] == pytest.approx(0.2) and (round(d["ci_low"], 4), round(d["ci_high"], 4)) == (0.0524, 0.3339)
    assert wilson(0, 3).low == 0.0 and wilson(3, 3).high == 1.0
    assert wilson(0, 0).low is None
    assert difference(3, 9, 5, 20)["suppressed"] is True


def test_counts_rates_and_intervals_by_group(backend: ibis.BaseBackend) -> None:
    doc = outcome_test(backend, scope_of(backend))
    groups = {g["group"]: g for g in doc["groups"]}
    assert [g["group"] for g in doc["groups"]] == ["Asian", "Black", "Mixed", "White", "Other"]
    assert doc["person_searches"] == 63  # 34 + 29; the 2 vehicle-only searches are left out
    expected = {"Black": (30, 30, 7, 20, 4), "White": (27, 27, 11, 12, 6), "Asian": (4, 3, 0, 0, None),
                "Mixed": (0, 0, 0, 0, None), "Other": (0, 0, 0, 0, None)}
    for group, (searches, known, hits, published, linked) in expected.items():
        g = groups[group]
        assert (g["searches"], g["known_outcome"], g["hits"], g["linked_published"], g["linked_hits"]) == (
            searches, known, hits, published, linked), group
    black, white = groups["Black"], groups["White"]
    assert black["hit_rate"] == 7 / 30 and white["hit_rate"] == 11 / 27
    assert (black["ci_low"], black["ci_high"]) == pytest.approx(by_hand(7, 30))
    assert (white["ci_low"], white["ci_high"]) == pytest.approx(by_hand(11, 27))
    assert black["linked_hit_rate"] == 4 / 20 and white["linked_hit_rate"] == 6 / 12
    assert (black["linked_ci_low"], black["linked_ci_high"]) == pytest.approx(by_hand(4, 20))
    assert groups["Asian"]["hit_rate"] == 0.0 and groups["Asian"]["ci_low"] == 0.0
    assert groups["Asian"]["ci_high"] == pytest.approx(by_hand(0, 3)[1])
    assert groups["Mixed"]["hit_rate"] is None and groups["Mixed"]["ci_low"] is None
    assert groups["Asian"]["linked_hit_rate"] is None and groups["Asian"]["linked_difference_vs_white"] is None
    # differences to White: Newcombe's interval from the two Wilson intervals
    d = black["difference_vs_white"]
    (bl, bh), (wl, wh) = by_hand(7, 30), by_hand(11, 27)
    assert d["value"] == pytest.approx(7 / 30 - 11 / 27)
    assert d["ci_low"] == pytest.approx(7 / 30 - 11 / 27 - math.hypot(7 / 30 - bl, wh - 11 / 27))
    assert d["ci_high"] == pytest.approx(7 / 30 - 11 / 27 + math.hypot(bh - 7 / 30, 11 / 27 - wl))
    assert black["linked_difference_vs_white"]["value"] == pytest.approx(4 / 20 - 6 / 12)
    assert groups["Asian"]["difference_vs_white"]["suppressed"] is True  # 3 searches with an outcome
    assert white["difference_vs_white"] is None
    assert doc["unknown_ethnicity"] == {"searches": 2, "known_outcome": 2, "hits": 2,
                                        "share_of_person_searches": 2 / 63}
    assert doc["linked_published"] == 34
    assert any("34 of 62" in n for n in doc["notes"]) and any("no recorded outcome" in n for n in doc["notes"])
    assert doc["can_show"] and any("infra-marginality" in t for t in doc["cannot_show"])
    assert doc["scope"] == {"force": "kent", "area": None, "area_name": None, "from": "2024-01", "to": "2024-01",
                            "ethnicity": "self", "purpose": None, "power": None, "purpose_name": None,
                            "power_name": None}


def test_officer_defined_puts_the_not_stated_searches_in_black(backend: ibis.BaseBackend) -> None:
    doc = outcome_test(backend, scope_of(backend, ethnicity="officer"))
    black = next(g for g in doc["groups"] if g["group"] == "Black")
    assert (black["searches"], black["hits"], black["linked_hits"]) == (32, 9, 6)
    assert doc["unknown_ethnicity"]["searches"] == 0


def test_by_area_and_one_area(backend: ibis.BaseBackend) -> None:
    doc = outcome_test(backend, scope_of(backend), by_area=True)
    areas = {a["area_code"]: a for a in doc["areas"]}
    assert list(areas) == [MAIDSTONE, SEVENOAKS]
    assert areas[MAIDSTONE]["area_name"] == "Maidstone" and areas[SEVENOAKS]["area_name"] == "Sevenoaks"
    m = {g["group"]: g for g in areas[MAIDSTONE]["groups"]}
    s = {g["group"]: g for g in areas[SEVENOAKS]["groups"]}
    assert (m["Black"]["hits"], m["Black"]["known_outcome"], m["Black"]["linked_hits"]) == (6, 20, 4)
    assert (s["Black"]["hits"], s["Black"]["known_outcome"], s["Black"]["linked_hits"]) == (1, 10, None)
    assert s["White"]["hit_rate"] == 5 / 15 and s["Black"]["difference_vs_white"]["value"] == pytest.approx(
        1 / 10 - 5 / 15)
    assert areas[MAIDSTONE]["unknown_ethnicity"]["searches"] == 2 and areas[SEVENOAKS]["person_searches"] == 29
    one = outcome_test(backend, scope_of(backend, "Sevenoaks"))
    assert one["scope"]["area"] == SEVENOAKS and one["person_searches"] == 29
    assert {g["group"]: g["hits"] for g in one["groups"]} == {"Asian": 0, "Black": 1, "Mixed": 0, "White": 5,
                                                              "Other": 0}
    assert one["areas"] is None and one["linked_published"] == 0


def test_scope_errors(backend: ibis.BaseBackend) -> None:
    with pytest.raises(ScrutinyError, match="unknown area 'Narnia'"):
        scope_of(backend, "Narnia")
    with pytest.raises(ScrutinyError, match="no searches for kent"):
        resolve_scope(backend, Scope("kent", None, "2023-01", "2023-02"))


def test_census_exposure_and_threshold_inputs(backend: ibis.BaseBackend) -> None:
    exposure = census_exposure(backend, [MAIDSTONE, SEVENOAKS])
    assert exposure.values[(MAIDSTONE, "Black")] == 200 and exposure.values[(SEVENOAKS, "Asian")] == 300
    assert exposure.complete_areas() == [MAIDSTONE, SEVENOAKS]
    exposed, searches, hits, areas, _, notes = bias_doc.threshold_inputs(backend, scope_of(backend))
    assert areas == [MAIDSTONE, SEVENOAKS]
    assert exposed.tolist() == [[300, 200, 100, 1000, 50]] * 2
    assert searches.tolist() == [[0, 20, 0, 12, 0], [3, 10, 0, 15, 0]]  # searches with a recorded outcome
    assert hits.tolist() == [[0, 6, 0, 6, 0], [0, 1, 0, 5, 0]]
    assert any("unknown ethnicity" in n for n in notes)


def test_exposure_csv_checked_with_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "exposure.csv"
    good.write_text("area_code,group,exposure,comment\nE07000110,Black,150,x\nE07000110,White,900.5,\n")
    assert read_exposure_csv(good).values == {(MAIDSTONE, "Black"): 150.0, (MAIDSTONE, "White"): 900.5}
    cases = {
        "area,group,exposure\n": "line 1: missing column.*area_code",
        "area_code,group,exposure\nE07000110,Black,many\n": "line 2: exposure 'many' is not a number",
        "area_code,group,exposure\nE07000110,Black,1\nE07000110,Purple,1\n": "line 3: unknown group 'Purple'",
        "area_code,group,exposure\nE07000110,Black,-1\n": "line 2: .*0 or more",
        "area_code,group,exposure\nE07000110,Black,1\nE07000110,Black,2\n": "line 3: a second row",
        "area_code,group,exposure\n,Black,1\n": "line 2: empty area_code",
        "area_code,group,exposure\n": "no rows",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(ScrutinyError, match=message) as caught:
            read_exposure_csv(bad)
        assert str(bad) in str(caught.value)
    with pytest.raises(ScrutinyError, match="no such exposure file"):
        read_exposure_csv(tmp_path / "missing.csv")
    with pytest.raises(ScrutinyError, match="covers none of the areas"):
        check_covers(read_exposure_csv(good), [SEVENOAKS])


def test_threshold_entry_without_numpyro_says_how_to_install(
    backend: ibis.BaseBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bias_doc, "threshold_available", lambda: False)
    doc = bias_doc.bias_document(backend, scope_of(backend), run_threshold=True)
    assert doc["threshold_test"] == {"available": False, "run": False, "install": "pip install 'scrutiny[bias]'",
                                     "reason": doc["threshold_test"]["reason"]}
    assert "infra-marginality" in doc["methods"]["outcome_test"]
    assert "residents" in doc["methods"]["threshold_test"] and "public space" in doc["methods"]["threshold_test"]
    assert doc["outcome_test"] == outcome_test(backend, scope_of(backend))
