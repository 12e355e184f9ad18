"""A force export with ethnicity codes (data/review_sde_codes.csv: "SDE" B1, W1, A2, ...; "ODE" IC1-IC9), on
SQLite and PostgreSQL: its columns are guessed from the names forces use, every code is stored with its group
and the review results by ethnic group count them as counted by eye (data/README.md); an unknown code refuses
the import by row, column and value; records stored as Not stated before the codes were known are corrected
by importing the file again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.review import SearchRecord
from scrutiny.workspace.review import columns, records, results
from tests.workspace.factories_review import DATA, count, review, sample_of

CODES = DATA / "review_sde_codes.csv"
HEADER = CODES.read_text(encoding="utf-8").splitlines()[0]
EXPECTED_MAPPING = {
    "occurred_at": "Search Date", "area": "Borough", "self_defined_ethnicity": "SDE",
    "officer_defined_ethnicity": "ODE", "object_of_search": "Object of Search", "grounds": "Grounds",
    "outcome": "Outcome", "officer": "Officer Collar No", "force_reference": "Search Ref",
}


def _import(ws: Workspace, user: User, data: bytes, mapping: dict[str, str]) -> records.ImportResult:
    with ws.session(accounts.actor(user)) as session:
        return records.import_csv(session, data, mapping)


def test_the_force_column_names_are_guessed() -> None:
    assert columns.guess_mapping(HEADER.split(",")) == EXPECTED_MAPPING


@pytest.mark.parametrize(("header", "field"), [
    ("Officer Collar No", "officer"), ("Officer Collar Number", "officer"), ("Warrant No", "officer"),
    ("SDE", "self_defined_ethnicity"), ("SDE Code", "self_defined_ethnicity"),
    ("Self Defined Ethnicity", "self_defined_ethnicity"), ("Ethnicity", "self_defined_ethnicity"),
    ("ODE", "officer_defined_ethnicity"), ("Officer Defined Ethnicity", "officer_defined_ethnicity"),
    ("IC Code", "officer_defined_ethnicity"), ("Search Ref", "force_reference"), ("Reference", "force_reference"),
    ("URN", "force_reference"), ("BWV Used", "body_worn_video"), ("Date/Time of Search", "occurred_at"),
    ("Outcome Linked to Object", "outcome_linked"), ("Search Outcome", "outcome"), ("Power", "legislation"),
])
def test_one_force_column_name(header: str, field: str) -> None:
    assert columns.guess_mapping([header]) == {field: header}


def test_similar_names_go_to_the_closest_field() -> None:
    """"Officer Defined Ethnicity" holds neither the officer nor the self-defined ethnicity; each column is
    guessed once, each field once."""
    header = ["Officer Defined Ethnicity", "Self Defined Ethnicity", "Officer ID", "Officer Unit", "Outcome",
              "Outcome Linked", "Object of Search", "Time"]
    assert columns.guess_mapping(header) == {
        "self_defined_ethnicity": "Self Defined Ethnicity", "officer_defined_ethnicity": "Officer Defined Ethnicity",
        "object_of_search": "Object of Search", "outcome": "Outcome", "outcome_linked": "Outcome Linked",
        "officer": "Officer ID", "unit": "Officer Unit"}


def test_the_first_rows_of_every_column() -> None:
    header, rows = records.read_table(CODES.read_bytes())
    samples = columns.column_samples(header, rows)
    assert samples[header.index("SDE")] == ["B1", "W1", "A2"]
    assert samples[header.index("Officer Collar No")] == ["PC 101", "PC 102", "PC 101"]
    long = columns.column_samples(["Grounds"], [["x" * 200], []])
    assert long == [["x" * 79 + "…", ""]]  # cut, and a short row is blank


def test_choices_become_a_mapping_and_a_field_is_chosen_once() -> None:
    header = ["Ref", "SDE", "Date"]
    assert columns.mapping_from_choices({0: "force_reference", 1: "self_defined_ethnicity", 2: ""}, header) == {
        "force_reference": "Ref", "self_defined_ethnicity": "SDE"}
    with pytest.raises(records.Invalid) as twice:
        columns.mapping_from_choices({0: "occurred_at", 2: "occurred_at"}, header)
    assert twice.value.field == "col_2" and "'Ref' and 'Date'" in twice.value.message
    with pytest.raises(records.Invalid):
        columns.mapping_from_choices({1: "shoe_size"}, header)
    with pytest.raises(records.Invalid):
        columns.mapping_from_choices({7: "grounds"}, header)


def test_sde_codes_are_stored_with_their_groups_and_counted_by_group(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    first, second = make_user(Role.reviewer), make_user(Role.reviewer)
    result = _import(ws, member, CODES.read_bytes(), EXPECTED_MAPPING)
    assert (result.rows, result.created, result.skipped, result.regrouped) == (12, 12, 0, 0)
    assert result.groups == {"Asian": 3, "Black": 3, "Mixed": 1, "White": 2, "Other": 2, "Not stated": 1}
    with ws.session(accounts.actor(member)) as session:
        stored = {r.force_reference: r for r in session.scalars(select(SearchRecord))}
        assert {ref: (r.self_defined_ethnicity, r.ethnic_group, r.officer_defined_ethnicity)
                for ref, r in stored.items() if ref in ("TS-101", "TS-106", "TS-107", "TS-110", "TS-111")} == {
            "TS-101": ("B1", "Black", "IC3"), "TS-106": ("w3", "White", "IC2"), "TS-107": ("A4", "Asian", "IC5"),
            "TS-110": ("O1", "Other", "IC5"), "TS-111": ("B9", "Black", None)}
        ids = {ref: r.id for ref, r in stored.items()}
        sample_of(session, member, sorted(ids.values()))
    for reviewer in (first, second):
        review(ws, reviewer, ids["TS-101"], rs=False)  # Black: both say the grounds fall short
        review(ws, reviewer, ids["TS-102"], rs=True)  # White: both say they are enough
    with ws.session() as session:
        rows = {row.group: row.counts for row in results.results(session)}
    by_group = {g: (c["records"], c["reviewed"], c["insufficient"], c["sufficient"], c["finds"], c["find_known"])
                for g, c in rows.items()}
    # Finds: any outcome but no further action (the file has no 'linked' column). By eye from the file.
    assert by_group == {
        "Asian": (3, 0, 0, 0, 2, 3), "Black": (3, 1, 1, 0, 2, 3), "Mixed": (1, 0, 0, 0, 1, 1),
        "White": (2, 1, 0, 1, 2, 2), "Other": (2, 0, 0, 0, 0, 2), "Not stated": (1, 0, 0, 0, 0, 1),
        "All": (12, 2, 1, 1, 7, 12)}


def test_an_unknown_code_refuses_the_import_by_row_column_and_value(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    lines = CODES.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",W1,IC1,", ",B7,IC1,")  # row 3: no such self-defined code
    lines[3] = lines[3].replace(",A2,IC4,", ",IC4,IC4,")  # row 4: an officer's code as self-defined
    lines[5] = lines[5].replace(",B2,IC3,", ",B2,IC8,")  # row 6: no such IC code
    lines[6] = lines[6].replace("2024-04-03 16:20,PC 104,w3", "2024-04-31 16:20,PC 104,B7")  # row 7: two faults
    with pytest.raises(records.RowsRefused) as refused:
        _import(ws, member, "\n".join(lines).encode(), EXPECTED_MAPPING)
    assert [(r.row, r.column, r.value) for r in refused.value.refusals] == [
        (3, "SDE", "B7"), (4, "SDE", "IC4"), (6, "ODE", "IC8"), (7, "Search Date", None), (7, "SDE", "B7")]
    assert records.unmapped_values(refused.value.refusals) == [
        ("SDE", "B7", [3, 7]), ("SDE", "IC4", [4]), ("ODE", "IC8", [6])]
    message = str(refused.value)
    assert "row 3, column 'SDE': 'B7': B7 is not a self-defined ethnicity code" in message
    assert "row 4, column 'SDE': 'IC4': IC4 is an officer-defined code" in message
    assert "row 6, column 'ODE': 'IC8': IC8 is not an ethnicity code" in message
    assert count(ws, SearchRecord) == 0


def test_importing_again_corrects_records_stored_as_not_stated(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    """Before the code catalogue, B1 and the rest were stored as Not stated: the same file imported again
    finds its records (same reference) and gives them their groups, without adding any."""
    member = make_user(Role.panel_member)
    _import(ws, member, CODES.read_bytes(), EXPECTED_MAPPING)
    with ws.session(accounts.actor(member)) as session:
        session.execute(update(SearchRecord).where(SearchRecord.self_defined_ethnicity.in_(["B1", "A4", "NS"]))
                        .values(ethnic_group="Not stated"))
    again = _import(ws, member, CODES.read_bytes(), EXPECTED_MAPPING)
    assert (again.created, again.skipped, again.regrouped) == (0, 12, 2)  # NS was Not stated all along
    with ws.session() as session:
        groups = dict(session.execute(select(SearchRecord.self_defined_ethnicity, SearchRecord.ethnic_group)
                                      .where(SearchRecord.self_defined_ethnicity.in_(["B1", "A4", "NS"]))).all())
    assert groups == {"B1": "Black", "A4": "Asian", "NS": "Not stated"}
    assert count(ws, SearchRecord) == 12
