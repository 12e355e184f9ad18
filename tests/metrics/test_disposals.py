"""The outcome mix of searches for drugs by ethnic group and age range (metrics.disposals).

A 31-row Durham month whose every figure is counted by hand below, and the real Metropolitan files of
../shared/data cross-checked against plain pandas computed here from the published CSVs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from scrutiny.metrics.disposals import disposals_document
from scrutiny.metrics.intervals import wilson
from scrutiny.metrics.scope import Scope, resolve_scope
from tests.conftest import shared, write_archive
from tests.metrics.test_fixture_metrics import DRUGS_ACT, NFA, PACE, S60, row

BLACK = "Black/African/Caribbean/Black British - Caribbean"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
ASIAN = "Asian/Asian British - Pakistani"
MIXED = "Mixed/Multiple ethnic groups - White and Black Caribbean"
OTHER = "Other ethnic group - Any other ethnic group"
NOT_STATED = "Other ethnic group - Not stated"
HERE = "54.77,-1.57"
WARNING = "Khat or Cannabis warning"
PND = "Penalty Notice for Disorder"


def person(age: str, self_: str, officer: str, outcome: str, *, kind: str = "Person search", law: str = DRUGS_ACT,
           obj: str = "Controlled drugs") -> str:
    return row(kind, HERE, age, self_, officer, law, obj, outcome, "", "")


FIXTURE = (
    # Black, 18-24: 3 arrests, 1 warning, 2 NFA, 1 summons (7); and a person-and-vehicle search, 25-34, arrest.
    [person("18-24", BLACK, "Black", "Arrest")] * 3 + [person("18-24", BLACK, "Black", WARNING)]
    + [person("18-24", BLACK, "Black", NFA)] * 2 + [person("18-24", BLACK, "Black", "Summons / charged by post")]
    + [person("25-34", BLACK, "Black", "Arrest", kind="Person and Vehicle search")]
    # White, 18-24: 1 arrest, 4 warnings, 3 NFA, 1 penalty notice, 1 community resolution (10); over 34: 1 caution.
    + [person("18-24", WHITE, "White", "Arrest")] + [person("18-24", WHITE, "White", WARNING)] * 4
    + [person("18-24", WHITE, "White", NFA)] * 3 + [person("18-24", WHITE, "White", PND)]
    + [person("18-24", WHITE, "White", "Community resolution")]
    + [person("over 34", WHITE, "White", "Caution (simple or conditional)")]
    # Asian 25-34: 2 NFA. Mixed, no age: a local resolution (community resolution). Other 18-24: psychoactive, PND.
    + [person("25-34", ASIAN, "Asian", NFA)] * 2 + [person("", MIXED, "Mixed", "Local resolution")]
    + [person("18-24", OTHER, "Other", PND, obj="Psychoactive substances")]
    # Not stated (officer: Black), 10-17: a community resolution and one with no outcome.
    + [person("10-17", NOT_STATED, "Black", "Community resolution"), person("10-17", NOT_STATED, "Black", "")]
    # Not for drugs: 3 stolen-goods arrests, and a section 60 search for drugs (weapons by its legislation).
    + [person("25-34", WHITE, "White", "Arrest", law=PACE, obj="Stolen goods")] * 3
    + [person("18-24", BLACK, "Black", "Arrest", law=S60)]
    # Two vehicle-only drug searches: drug searches, but of no person.
    + [row("Vehicle search", ",", "", "", "", DRUGS_ACT, "Controlled drugs", NFA, "", "")] * 2
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("durham")
    write_archive(folder, "2024-01", "durham", FIXTURE)
    db = folder / "durham.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


def document(backend: ibis.BaseBackend, ethnicity: str = "self") -> dict[str, Any]:
    return disposals_document(backend, resolve_scope(backend, Scope("durham", None, "2024-01", "2024-01", ethnicity)))


def counts(entry: dict[str, Any]) -> dict[str, int]:
    return {c: p["count"] for c, p in entry["outcomes"].items() if p["count"]}


def test_hand_counted_mix_by_group(backend: ibis.BaseBackend) -> None:
    doc = document(backend)
    assert doc["scope"] == {"force": "durham", "area": None, "area_name": None, "from": "2024-01", "to": "2024-01",
                            "ethnicity": "self", "purpose": "drugs", "power": None, "purpose_name": "drugs",
                            "power_name": None}
    assert (doc["searches"], doc["person_searches"]) == (27, 25)
    groups = {g["group"]: g for g in doc["by_group"]}
    assert list(groups) == ["Asian", "Black", "Mixed", "White", "Other", "unknown"]
    assert {g: e["searches"] for g, e in groups.items()} == {"Asian": 2, "Black": 8, "Mixed": 1, "White": 11,
                                                             "Other": 1, "unknown": 2}
    assert counts(groups["Black"]) == {"arrest": 4, "drugs_warning": 1, "no_further_action": 2, "summons": 1}
    assert counts(groups["White"]) == {"arrest": 1, "drugs_warning": 4, "no_further_action": 3, "penalty_notice": 1,
                                       "community_resolution": 1, "caution": 1}
    assert counts(groups["Asian"]) == {"no_further_action": 2}
    assert counts(groups["Mixed"]) == {"community_resolution": 1}
    assert counts(groups["Other"]) == {"penalty_notice": 1}
    assert counts(groups["unknown"]) == {"community_resolution": 1, "unknown": 1}
    assert counts(doc["all"]) == {"arrest": 5, "drugs_warning": 5, "no_further_action": 7, "summons": 1,
                                  "penalty_notice": 2, "community_resolution": 3, "caution": 1, "unknown": 1}
    arrest = groups["Black"]["outcomes"]["arrest"]  # 4 of 8: Wilson (0.215213, 0.784787) by hand
    assert arrest["share"] == 0.5
    assert (arrest["ci_low"], arrest["ci_high"]) == (pytest.approx(0.215213, abs=1e-6),
                                                     pytest.approx(0.784787, abs=1e-6))
    warning = groups["White"]["outcomes"]["drugs_warning"]
    ci = wilson(4, 11)
    assert warning["share"] == 4 / 11 and (warning["ci_low"], warning["ci_high"]) == (ci.low, ci.high)
    assert groups["Asian"]["outcomes"]["arrest"] == {"count": 0, "share": 0.0, "ci_low": 0.0,
                                                     "ci_high": pytest.approx(0.657628, abs=1e-6)}


def test_hand_counted_mix_by_age_and_officer_basis(backend: ibis.BaseBackend) -> None:
    doc = document(backend)
    ages = {a["age_range"]: a for a in doc["by_age"]}
    assert {a: e["searches"] for a, e in ages.items()} == {"under 10": 0, "10-17": 2, "18-24": 18, "25-34": 3,
                                                           "over 34": 1, "unknown": 1}
    assert counts(ages["25-34"]) == {"no_further_action": 2, "arrest": 1}
    assert ages["under 10"]["outcomes"]["arrest"] == {"count": 0, "share": None, "ci_low": None, "ci_high": None}
    officer = {g["group"]: g for g in document(backend, "officer")["by_group"]}
    assert (officer["Black"]["searches"], officer["unknown"]["searches"]) == (10, 0)
    assert counts(officer["Black"]) == {"arrest": 4, "drugs_warning": 1, "no_further_action": 2, "summons": 1,
                                        "community_resolution": 1, "unknown": 1}


# ---- the real Metropolitan files, against pandas -------------------------------------------------------------

REAL_MONTHS = ("2016-06", "2018-04")
PERSON = ("Person search", "Person and Vehicle search")
OUTCOMES = {  # the published texts, as the README of ../shared/data lists them
    "A no further action disposal": "no_further_action", "Nothing found - no further action": "no_further_action",
    "Arrest": "arrest", "Suspect arrested": "arrest",
    "Khat or Cannabis warning": "drugs_warning", "Offender given drugs possession warning": "drugs_warning",
    "Penalty Notice for Disorder": "penalty_notice", "Offender given penalty notice": "penalty_notice",
    "Community resolution": "community_resolution", "Local resolution": "community_resolution",
    "Caution (simple or conditional)": "caution", "Offender cautioned": "caution",
    "Summons / charged by post": "summons", "Suspect summonsed to court": "summons",
}
GROUP_WORDS = (("Asian", "Asian"), ("Black", "Black"), ("Mixed", "Mixed"), ("White", "White"), ("Other", "Other"),
               ("Chinese", "Other"))


def _group(text: object) -> str:
    if not isinstance(text, str) or "not stated" in text.lower():
        return "unknown"
    return next((g for word, g in GROUP_WORDS if text.startswith(word)), "unknown")


def reference(path: Path) -> pd.DataFrame:
    """Searches of people for drugs from a published file: (group, age, outcome class) per row, by plain pandas."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    drugs = frame["Object of search"].isin(["Controlled drugs", "Psychoactive substances"]) & ~frame[
        "Legislation"].str.contains("section 60", regex=False)
    people = frame[drugs & frame["Type"].isin(PERSON)]
    return pd.DataFrame({
        "group": people["Self-defined ethnicity"].map(_group),
        "age": people["Age range"].where(people["Age range"].isin(["under 10", "10-17", "18-24", "25-34", "over 34"]),
                                         "unknown"),
        "outcome": people["Outcome"].map(lambda t: "unknown" if t == "" else OUTCOMES.get(t, "other")),
    })


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ibis.BaseBackend, dict[str, Path]]]:
    from scrutiny.cli import app

    files = {m: shared("police_uk", "archive", m, f"{m}-metropolitan-stop-and-search.csv") for m in REAL_MONTHS}
    db = tmp_path_factory.mktemp("met") / "met.duckdb"
    result = CliRunner().invoke(app, ["ingest", *map(str, files.values()), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con, files
    con.disconnect()


@pytest.mark.shared_data
@pytest.mark.parametrize("month", REAL_MONTHS)
def test_real_metropolitan_counts_equal_pandas(real: tuple[ibis.BaseBackend, dict[str, Path]], month: str) -> None:
    backend, files = real
    doc = disposals_document(backend, resolve_scope(backend, Scope("metropolitan", None, month, month)))
    expected = reference(files[month])
    rejected = backend.table("rejects").count().to_pyarrow().as_py()
    assert rejected == 0, "the pandas reference assumes every row loads"
    assert doc["person_searches"] == len(expected) > 1000
    for entry in doc["by_group"]:
        mine = expected[expected.group == entry["group"]]
        assert entry["searches"] == len(mine), entry["group"]
        assert {c: p["count"] for c, p in entry["outcomes"].items()} == {
            c: int((mine.outcome == c).sum()) for c in doc["outcome_classes"]}, entry["group"]
    for entry in doc["by_age"]:
        mine = expected[expected.age == entry["age_range"]]
        assert {c: p["count"] for c, p in entry["outcomes"].items()} == {
            c: int((mine.outcome == c).sum()) for c in doc["outcome_classes"]}, entry["age_range"]
    black = next(g for g in doc["by_group"] if g["group"] == "Black")
    assert black["outcomes"]["arrest"]["share"] == pytest.approx(
        (expected[expected.group == "Black"].outcome == "arrest").mean(), rel=1e-12)
