"""Diversion cases on SQLite and PostgreSQL: date order, CSV import all or nothing, idempotent re-import,
an export with no personal fields, and KPIs computed from what the database holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion import cases, csv_io, kpis
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.diversion import DiversionCase, DiversionRecontact, RecontactKind

DATA = Path(__file__).parent / "data"
FORBIDDEN = ("name", "birth", "dob", "address", "postcode", "street", "email", "phone")
BASE = {"person_id": "P-9", "ethnic_group": "Black", "age_band": "18-24", "borough": "Lambeth", "drug": "cannabis",
        "referral_source": "police stop", "referral_date": "2024-03-10"}


@pytest.mark.parametrize(("later", "earlier", "value"), [
    ("first_contact_date", "referral", "2024-03-09"),
    ("eligibility_date", "referral", "2024-03-01"),
    ("assessment_date", "first contact", "2024-03-11"),
    ("closed_date", "first contact", "2024-03-11"),
])
def test_dates_out_of_order_are_refused_naming_the_field(later: str, earlier: str, value: str) -> None:
    values = {**BASE, "first_contact_date": "2024-03-12" if later != "first_contact_date" else value, later: value}
    with pytest.raises(Invalid) as caught:
        cases.parse_case(values)
    assert caught.value.field == later
    assert f"is before the {earlier} date" in caught.value.message


def test_other_refusals() -> None:
    with pytest.raises(Invalid, match="completion date needs completed = yes") as caught:
        cases.parse_case({**BASE, "completion_date": "2024-04-01"})
    assert caught.value.field == "completion_date"
    with pytest.raises(Invalid) as caught:
        cases.parse_case({**BASE, "completed": "yes"})  # nothing was started
    assert caught.value.field == "completed"
    with pytest.raises(Invalid) as caught:
        cases.parse_case({**BASE, "ethnic_group": "Purple"})
    assert caught.value.field == "ethnic_group" and "Not stated" in caught.value.message
    with pytest.raises(Invalid) as caught:
        cases.parse_case({**BASE, "referral_date": "31/02/2024"})
    assert caught.value.field == "referral_date"
    assert cases.parse_case({**BASE, "referral_date": "10/03/2024"}).referral_date == date(2024, 3, 10)


def test_case_lifecycle_is_logged(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        case = cases.create_case(session, cases.parse_case(BASE))
        case_id = case.id
    with ws.session(accounts.actor(member)) as session:
        with pytest.raises(Invalid) as caught:
            cases.create_case(session, cases.parse_case(BASE))
        assert caught.value.field == "person_id"
    with ws.session(accounts.actor(member)) as session:
        cases.update_case(session, case_id, cases.parse_case({**BASE, "eligible": "yes", "first_contact_date":
                                                               "2024-03-15", "intervention": "treatment"}))
        cases.add_recontact(session, case_id, date(2024, 6, 1), RecontactKind.arrest)
        with pytest.raises(Invalid) as caught:
            cases.add_recontact(session, case_id, date(2024, 3, 1), RecontactKind.stop)
        assert caught.value.field == "contact_date"
    with ws.session() as session:
        stored = cases.get_case(session, case_id)
        assert stored.eligible is True and [r.kind for r in stored.recontacts] == [RecontactKind.arrest]
        record = kpis.record(stored)
        assert record.recontacts == (date(2024, 6, 1),) and record.intervention == "treatment"
        logged = session.scalars(select(AuditEntry.entity).order_by(AuditEntry.id)).all()
        assert logged.count("diversion_cases") == 2 and logged.count("diversion_recontacts") == 1


def test_import_is_all_or_nothing_with_row_numbers(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    with pytest.raises(csv_io.ImportRejected) as caught, ws.session(accounts.actor(member)) as session:
        csv_io.import_cases(session, (DATA / "diversion_bad.csv").read_bytes())
    problems = [(p.row, p.column) for p in caught.value.problems]
    # header is row 1: row 3 (P-2) has its first contact before the referral, row 5 (P-4) an unknown group
    assert problems == [(3, "first_contact_date"), (5, "ethnic_group")]
    assert "row 3, column first_contact_date" in str(caught.value)
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(DiversionCase)) == 0  # row 2 and 4 not kept


def test_unknown_and_personal_columns_are_refused() -> None:
    header = ",".join(csv_io.REQUIRED) + ",name,date_of_birth"
    with pytest.raises(csv_io.ImportRejected) as caught:
        csv_io.parse_file(f"{header}\n".encode())
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "name"), (1, "date_of_birth")]
    assert "no names, dates of birth or addresses" in caught.value.problems[0].message


def test_reimport_changes_nothing_and_export_round_trips(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    data = (DATA / "diversion_cases.csv").read_bytes()
    with ws.session(accounts.actor(member)) as session:
        assert csv_io.import_cases(session, data) == csv_io.ImportResult(created=8, updated=0, unchanged=0)
    with ws.session() as session:
        logged = session.scalar(select(func.count()).select_from(AuditEntry))
        assert session.scalar(select(func.count()).select_from(DiversionRecontact)) == 3
    with ws.session(accounts.actor(member)) as session:
        assert csv_io.import_cases(session, data) == csv_io.ImportResult(created=0, updated=0, unchanged=8)
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == logged  # not one write
        exported = csv_io.export_cases(session)
        records = [kpis.record(c) for c in cases.list_cases(session)]
    header = exported.splitlines()[0].split(",")
    assert header == list(csv_io.COLUMNS)
    assert not [c for c in header if any(word in c.lower() for word in FORBIDDEN)]
    with ws.session(accounts.actor(member)) as session:  # the export imports back unchanged
        assert csv_io.import_cases(session, exported.encode()) == csv_io.ImportResult(0, 0, 8)
    # the KPIs from the database match the hand count in test_diversion_kpis (uptake 4 of 6, completion 2 of 5)
    k = kpis.kpis(records, date(2025, 1, 31))
    assert (k.referrals, k.uptake.numerator, k.uptake.denominator) == (7, 4, 6)
    assert (k.completion.numerator, k.completion.denominator, k.recontact_6m.numerator) == (2, 5, 2)
    changed = data.replace(b"P-C,Black,25-34,Southwark,,cocaine,custody,2024-03-01,yes,,,2024-03-21,,education "
                           b"course,unknown", b"P-C,Black,25-34,Southwark,,cocaine,custody,2024-03-01,yes,,,"
                           b"2024-03-21,,education course,yes")
    with ws.session(accounts.actor(member)) as session:
        assert csv_io.import_cases(session, changed) == csv_io.ImportResult(0, 1, 7)


def test_export_guards_against_spreadsheet_formulas(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        cases.create_case(session, cases.parse_case({**BASE, "drug": "=HYPERLINK(\"x\")"}))
    with ws.session() as session:
        exported = csv_io.export_cases(session)
    assert "'=HYPERLINK" in exported
    assert csv_io.parse_file(exported.encode())[0].drug == '=HYPERLINK("x")'


def test_migration_0004_downgrades_and_upgrades(ws: Workspace) -> None:
    mine = {"diversion_cases", "diversion_recontacts", "strategy_priorities", "strategy_indicators"}
    assert mine <= set(inspect(ws.engine).get_table_names())
    columns = {c["name"] for c in inspect(ws.engine).get_columns("diversion_cases")}
    assert not [c for c in columns if any(word in c for word in FORBIDDEN)]  # no personal field, by construction
    ws.downgrade("0001")
    assert not mine & set(inspect(ws.engine).get_table_names())
    ws.upgrade()
    assert mine <= set(inspect(ws.engine).get_table_names())
