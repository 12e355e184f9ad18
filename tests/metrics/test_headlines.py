"""The headline figures of a period against the one before (`metrics.headlines`) and their sentences, on a
fixture counted by eye:

    kent 2024-01: 20 searches: 12 for drugs (4 arrests, 8 no further action), 8 for weapons (1 arrest, 7 NFA)
    kent 2024-02: 15 searches:  6 for drugs (3 arrests, 3 NFA),               9 for weapons (0 arrests)
    btp  2024-02:  2 searches for drugs, no further action (btp published no January)

No Census is loaded, so there is no rate ratio to compare.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.headlines import compute_headlines, previous_period
from scrutiny.report.headlines import sentences
from tests.conftest import write_archive

ROW = ("Person search,{month}-10T10:00:00+00:00,False,,,,Male,18-24,"
       "White - English/Welsh/Scottish/Northern Irish/British,White,{law},{obj},{outcome},False,False")
DRUGS = ("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs")
WEAPONS = ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons")
ARREST, NFA = "Arrest", "A no further action disposal"


def rows(month: str, kind: tuple[str, str], outcome: str, n: int) -> list[str]:
    return [ROW.format(month=month, law=kind[0], obj=kind[1], outcome=outcome)] * n


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("headline-sources")
    write_archive(folder, "2024-01", "kent", rows("2024-01", DRUGS, ARREST, 4) + rows("2024-01", DRUGS, NFA, 8)
                  + rows("2024-01", WEAPONS, ARREST, 1) + rows("2024-01", WEAPONS, NFA, 7))
    write_archive(folder, "2024-02", "kent", rows("2024-02", DRUGS, ARREST, 3) + rows("2024-02", DRUGS, NFA, 3)
                  + rows("2024-02", WEAPONS, NFA, 9))
    write_archive(folder, "2024-02", "btp", rows("2024-02", DRUGS, NFA, 2))
    out = tmp_path_factory.mktemp("headline-db") / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(out)])
    assert result.exit_code == 0, result.output
    return out


def headlines(db: Path, scope: Scope) -> dict:
    return compute_headlines(db, scope, compute_metrics(db, scope))


@pytest.mark.parametrize(("start", "end", "before"), [
    ("2018-07", "2018-09", ("2018-04", "2018-06")),
    ("2019-01", "2019-03", ("2018-10", "2018-12")),
    ("2024-02", "2024-02", ("2024-01", "2024-01")),
    ("2020-11", "2021-04", ("2020-05", "2020-10")),
])
def test_the_period_before_has_the_same_length(start: str, end: str, before: tuple[str, str]) -> None:
    assert previous_period(start, end) == before


def test_february_against_january(db: Path) -> None:
    h = headlines(db, Scope("kent", None, "2024-02", "2024-02"))
    assert h["previous"] == {"from": "2024-01", "to": "2024-01"} and h["previous_missing"] is None
    assert h["unlike"] == []
    every = h["all"]
    assert every["searches"] == {"now": 15, "before": 20, "change": -0.25}
    assert every["drugs"] == {"now": 6, "before": 12, "change": -0.5}
    assert every["drugs_share"]["now"] == pytest.approx(6 / 15) and every["drugs_share"]["before"] == pytest.approx(0.6)
    assert every["drugs_share"]["points"] == pytest.approx(-20.0)
    assert every["find_rate"]["now"] == pytest.approx(3 / 15) and every["find_rate"]["before"] == pytest.approx(5 / 20)
    assert every["find_rate"]["points"] == pytest.approx(-5.0)
    drugs = h["drug_searches"]
    assert drugs["searches"] == {"now": 6, "before": 12, "change": -0.5}
    assert drugs["find_rate"]["now"] == pytest.approx(0.5) and drugs["find_rate"]["before"] == pytest.approx(4 / 12)
    assert every["black"]["now"]["ratio_vs_white"] is None  # no Census loaded


def test_the_sentences_say_the_figures(db: Path) -> None:
    scope = Scope("kent", None, "2024-02", "2024-02")
    doc = compute_metrics(db, scope)
    said = sentences(compute_headlines(db, scope, doc), doc["scope"])
    assert said[0] == "There were 15 searches in February 2024: the number fell 25% (20 in January 2024)."
    assert said[1] == ("Searches for drugs fell 50%, from 12 in January 2024 to 6: 40.0% of all searches (60.0% in "
                       "January 2024).")
    assert said[2] == ("20.0% of searches found something (an outcome other than no further action), against 25.0% in "
                       "January 2024; of searches for drugs, 50.0% (33.3% in January 2024).")
    assert said[3].startswith("Across all searches: no rate ratio of Black to White people")


def test_a_drugs_lens_has_no_second_drugs_side(db: Path) -> None:
    scope = Scope("kent", None, "2024-02", "2024-02", purpose="drugs")
    h = headlines(db, scope)
    assert h["all"]["searches"] == {"now": 6, "before": 12, "change": -0.5}
    assert h["drug_searches"]["searches"] == h["all"]["searches"]
    weapons = headlines(db, Scope("kent", None, "2024-02", "2024-02", purpose="weapons"))
    assert weapons["all"]["searches"] == {"now": 9, "before": 8, "change": 0.125} and weapons["drug_searches"] is None


def test_a_force_with_a_month_missing_is_not_like_with_like(db: Path) -> None:
    scope = Scope("btp,kent", None, "2024-02", "2024-02")
    doc = compute_metrics(db, scope)
    h = compute_headlines(db, scope, doc)
    assert h["all"]["searches"] == {"now": 17, "before": 20, "change": -0.15}
    assert [(u["force"], u["months_now"], u["months_before"]) for u in h["unlike"]] == [("btp", 1, 0)]
    assert any(s.startswith("Not like with like: British Transport Police published 1 month of February 2024 and "
                            "0 of January 2024") for s in sentences(h, doc["scope"]))


def test_no_earlier_period_loaded_says_so(db: Path) -> None:
    scope = Scope("kent", None, "2024-01", "2024-01")
    doc = compute_metrics(db, scope)
    h = compute_headlines(db, scope, doc)
    assert h["previous_missing"] and h["all"]["searches"] == {"now": 20, "before": None, "change": None}
    assert sentences(h, doc["scope"])[0] == ("There were 20 searches in January 2024. No searches are loaded for "
                                             "December 2023, so nothing here is compared with the period before.")
