"""Diversion cases in and out as CSV: the format providers keep their records in.

Columns (UTF-8, a header row; names as below, any order; only the first seven are required):

    person_id           the provider's pseudonymous id (never a name)            required
    ethnic_group        Asian, Black, Mixed, White, Other, Not stated (self-defined)  required
    age_band            under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+         required
    borough             borough name                                             required
    drug                the drug the person was found with                       required
    referral_source     police stop, custody, self, other                        required
    referral_date       YYYY-MM-DD (or DD/MM/YYYY)                               required
    borough_code        ONS code, e.g. E09000022
    eligible            yes / no / blank (not yet checked)
    eligibility_reason  text
    eligibility_date    date
    first_contact_date  date
    assessment_date     date
    intervention        education course, treatment, none
    completed           yes / no / unknown (blank = unknown)
    completion_date     date
    closed_date         date
    closure_reason      text
    recontacts          police re-contacts: "2024-05-01:stop; 2024-07-02:arrest" (kinds: stop, arrest, other)

A file is imported whole or not at all: every faulty row is reported by its row number (the header is row 1,
as in a spreadsheet) and the column at fault, and nothing is written. A row matches a stored case on
(person_id, referral_date); the file is then taken as the truth for that case, so importing the same file
again changes nothing. There is no column for a name, date of birth or address, and a file with one is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from scrutiny.csv_formulas import restore_cell, safe_cell
from scrutiny.workspace.diversion.cases import CASE_FIELDS, CaseInput, form_values, list_cases, parse_case, upsert_case
from scrutiny.workspace.errors import Invalid

COLUMNS = (*CASE_FIELDS, "recontacts")
REQUIRED = ("person_id", "ethnic_group", "age_band", "borough", "drug", "referral_source", "referral_date")
TEXT_COLUMNS = ("person_id", "borough", "drug", "eligibility_reason", "closure_reason")
MAX_BYTES = 5_000_000
MAX_ROWS = 20_000
MAX_PROBLEMS = 50  # enough to fix a file by; more would bury the first


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportRejected(Invalid):
    """The file was refused whole; `problems` lists every fault found (up to MAX_PROBLEMS)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first.column, f"nothing was imported: {first}{more}")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def parse_file(data: bytes) -> list[CaseInput]:
    """Every row checked; raises `ImportRejected` naming each faulty row and column."""
    if len(data) > MAX_BYTES:
        raise ImportRejected([Problem(1, "file", f"the file is over {MAX_BYTES // 1_000_000} MB")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([Problem(1, "file", "the file is not UTF-8 text: save it as CSV UTF-8")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    problems = [Problem(1, name or "(blank)", "unknown column; this file keeps no names, dates of birth or "
                        "addresses, and the columns are: " + ", ".join(COLUMNS))
                for name in header if name not in COLUMNS]
    problems += [Problem(1, name, "required column missing") for name in REQUIRED if name not in header]
    if problems:
        raise ImportRejected(problems)
    cases: list[CaseInput] = []
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise ImportRejected([Problem(number, "file", f"more than {MAX_ROWS} rows: split the file")])
        if None in row:
            problems.append(Problem(number, "file", "more cells than columns in the header"))
            continue
        values = {k: restore_cell(v or "") for k, v in row.items() if k is not None}
        if not any(v.strip() for v in values.values()):
            continue  # a blank line
        try:
            case = parse_case(values, with_recontacts=True)
        except Invalid as exc:
            problems.append(Problem(number, exc.field, exc.message))
        else:
            key = (case.person_id, case.referral_date)
            if key in seen:
                problems.append(Problem(number, "person_id", f"the same person id and referral date as row "
                                                             f"{seen[key]}"))
            else:
                seen[key] = number
                cases.append(case)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ImportRejected(problems)
    return cases


def import_cases(session: Session, data: bytes) -> ImportResult:
    """Check the whole file, then write it in the caller's transaction (so a failure leaves nothing)."""
    outcome = {"created": 0, "updated": 0, "unchanged": 0}
    for case in parse_file(data):
        outcome[upsert_case(session, case)] += 1
    return ImportResult(**outcome)


def _safe(column: str, value: str) -> str:
    """Free text is made inert for spreadsheets (scrutiny.csv_formulas); coded columns are ours already."""
    return safe_cell(value) if column in TEXT_COLUMNS else value


def export_cases(session: Session) -> str:
    """Every case, in the import's columns (so an export can be edited and imported back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for case in reversed(list_cases(session)):
        values = form_values(case)
        writer.writerow([_safe(c, values[c]) for c in COLUMNS])
    return out.getvalue()
