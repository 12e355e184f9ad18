"""Importing search records from a force's CSV with a column mapping, on SQLite and PostgreSQL: exact rows,
pseudonyms only, refusals that name the row and column, all or nothing, and a second import that changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.review import SearchRecord
from scrutiny.workspace.pseudonyms import pseudonymiser
from scrutiny.workspace.review import columns, records
from tests.workspace.factories_review import HEADER, MAPPING, count, database_text, export_bytes


def _import(ws: Workspace, user: User, data: bytes, mapping: dict[str, str] | None = None) -> records.ImportResult:
    with ws.session(accounts.actor(user)) as session:
        return records.import_csv(session, data, mapping or MAPPING)


def test_import_maps_every_field_and_stores_only_pseudonyms(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    result = _import(ws, member, export_bytes())
    assert (result.rows, result.created, result.skipped) == (4, 4, 0)
    with ws.session() as session:
        rows = session.scalars(select(SearchRecord).order_by(SearchRecord.force_reference)).all()
        officer = pseudonymiser(session, "officer")
        unit = pseudonymiser(session, "unit")
        first, second, third, fourth = rows
        assert first.occurred_at.replace(tzinfo=UTC) == datetime(2024, 3, 1, 10, 15, tzinfo=UTC)  # GMT in March
        assert (first.area_code, first.area_name) == ("E09000022", None)
        assert (second.area_code, second.area_name) == (None, "Lambeth")
        assert [r.ethnic_group for r in rows] == ["Black", "White", "Not stated", "Mixed"]
        assert [r.grounds_class for r in rows] == ["smell_only", "no_smell", "smell_plus", "no_smell"]
        assert [r.outcome_linked for r in rows] == [None, True, False, None]
        assert [r.body_worn_video for r in rows] == ["yes", "no", "unknown", "unknown"]
        assert third.occurred_at.replace(tzinfo=UTC) == datetime(2024, 3, 2, 23, 5, tzinfo=UTC)  # dd/mm/yyyy
        assert fourth.occurred_at.replace(tzinfo=UTC) == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
        assert first.officer_pseudonym == second.officer_pseudonym == officer("PC 4821")
        assert first.officer_pseudonym is not None and first.officer_pseudonym.startswith("officer-")
        assert len(first.officer_pseudonym) == 18
        assert third.officer_pseudonym == officer("ps 77") != first.officer_pseudonym
        assert first.unit_pseudonym == unit("TSG-7") and fourth.unit_pseudonym is None
        assert first.legislation == "Misuse of Drugs Act 1971 (section 23)"
        assert first.self_defined_ethnicity == "Black/African/Caribbean/Black British - Caribbean"
        assert session.scalar(select(AuditEntry).where(AuditEntry.entity == "review_records")) is not None
    stored = database_text(ws)  # every table, the audit log included
    for raw in ("PC 4821", "PS 77", "TSG-7", "Response 2"):
        assert raw not in stored and raw.lower() not in stored.lower()


def test_importing_the_same_file_twice_changes_nothing(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    _import(ws, member, export_bytes())
    with ws.session() as session:
        audit_before = len(session.scalars(select(AuditEntry)).all())
    again = _import(ws, member, export_bytes())
    assert (again.rows, again.created, again.skipped) == (4, 0, 4)
    assert count(ws, SearchRecord) == 4
    with ws.session() as session:
        assert len(session.scalars(select(AuditEntry)).all()) == audit_before
    # Without a force reference the key is the row's content: the same rows are still found.
    no_reference = {k: v for k, v in MAPPING.items() if k != "force_reference"}
    first = _import(ws, member, export_bytes(), no_reference)
    second = _import(ws, member, export_bytes(), no_reference)
    assert (first.created, second.created, second.skipped) == (4, 0, 4)
    assert count(ws, SearchRecord) == 8


def test_bad_rows_are_refused_by_row_and_column_and_nothing_is_written(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    common = "Testshire Police,Lambeth,White,White,18-24,Male,Drugs,PACE"
    good = f"2024-03-05 10:00,{common},Smell of weed.,Arrest,,,PC 1,U1,TS-9"
    bad_date = f"31/02/2024 10:00,{common},x,Arrest,,,,,TS-10"
    bad_linked = f"2024-03-05 11:00,{common},x,Arrest,maybe,,,,TS-11"
    data = "\n".join([HEADER, good, bad_date, good.replace("TS-9", "TS-12"), bad_linked]).encode()
    with pytest.raises(records.RowsRefused) as refused:
        _import(ws, member, data)
    assert [(r.row, r.column) for r in refused.value.refusals] == [(3, "Date"), (5, "Outcome linked")]
    assert "row 3, column 'Date'" in str(refused.value) and "row 5, column 'Outcome linked'" in str(refused.value)
    assert count(ws, SearchRecord) == 0
    assert "PC 1" not in database_text(ws)


def test_mapping_must_name_the_grounds_and_real_columns(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    without_grounds = {k: v for k, v in MAPPING.items() if k != "grounds"}
    with pytest.raises(Invalid) as missing:
        _import(ws, member, export_bytes(), without_grounds)
    assert missing.value.field == "grounds"
    with pytest.raises(Invalid) as unknown:
        _import(ws, member, export_bytes(), {**MAPPING, "outcome": "Result"})
    assert unknown.value.field == "outcome" and "'Result'" in unknown.value.message
    with pytest.raises(Invalid) as not_csv:
        _import(ws, member, b"\xff\xfe\x00bad")
    assert not_csv.value.field == "file"
    assert count(ws, SearchRecord) == 0


def test_guess_mapping_by_column_name() -> None:
    header = HEADER.split(",")
    guess = columns.guess_mapping(header)
    assert guess["occurred_at"] == "Date" and guess["grounds"] == "Grounds" and guess["force_reference"] == "Reference"
    assert guess["self_defined_ethnicity"] == "Self-defined ethnicity" and guess["body_worn_video"] == "BWV"
    assert guess["area"] == "Borough" and guess["officer"] == "Officer ID"


def test_dates_are_read_as_uk_time() -> None:
    assert records.parse_datetime("2024-07-01 10:00") == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)  # BST
    assert records.parse_datetime("2024-07-01T10:00:00+00:00") == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a date"):
        records.parse_datetime("yesterday")
