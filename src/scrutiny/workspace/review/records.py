"""Search records from a force's own CSV export: the user maps each of our fields to one of the file's columns,
then every row is checked before anything is written (all or nothing), officer and unit identifiers become
pseudonyms before they reach the database, and a row already here (same force reference, else the same content)
is skipped, so importing the same file twice changes nothing.

Row numbers in refusals are spreadsheet rows: the header is row 1, the first record row 2. Every cell that
cannot be read is refused, each by row, column and value; an ethnicity with no group in the catalogues (an
unknown code such as `B7`) is refused like a bad date, never stored as Not stated.
Dates without a time zone are read as UK local time (Europe/London) and stored in UTC.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.grounds import classify
from scrutiny.workspace.models.review import Review, SearchRecord
from scrutiny.workspace.pseudonyms import pseudonymiser
from scrutiny.workspace.review.vocab import (
    ETHNIC_GROUPS,
    UnmappedEthnicity,
    ethnic_group,
    read_ethnicity,
    yes_no,
    yes_no_unknown,
)

MAX_BYTES = 10 * 2**20
MAX_ROWS = 50_000
MAX_REFUSALS = 20  # named in the message; the count says how many more
LONDON = ZoneInfo("Europe/London")
ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
DERIVED = {"ethnic_group"}  # worked out from a stored value, so not part of a row's identity


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # short: a choice in the mapping screen's list, which must fit a phone
    required: bool = False
    note: str = ""  # what the value must be, said under the list


# The names forces give these columns, for the mapping screen's first guess, are in review.columns.
FIELDS: tuple[Field, ...] = (
    Field("occurred_at", "Date and time", True, "31/01/2024 14:05 or 2024-01-31 14:05, UK time unless it says"),
    Field("force", "Force"),
    Field("area", "Area or borough", False, "a name, or an ONS code such as E09000022"),
    Field("self_defined_ethnicity", "Self-defined ethnicity", False,
          "a code (W1, B2, A4, NS: the 16+1 and 18+1 sets) or the published words; blank is Not stated"),
    Field("officer_defined_ethnicity", "Officer-defined ethnicity", False, "IC1 to IC6, IC9, or a group name"),
    Field("age_range", "Age range"),
    Field("gender", "Gender"),
    Field("object_of_search", "Object of search"),
    Field("legislation", "Legislation or power"),
    Field("grounds", "Grounds", True, "the officer's own words, as recorded"),
    Field("outcome", "Outcome"),
    Field("outcome_linked", "Outcome linked to object", False, "yes or no"),
    Field("body_worn_video", "Body-worn video used", False, "yes, no or unknown"),
    Field("officer", "Officer", False, "a collar or warrant number: stored only as a pseudonym"),
    Field("unit", "Unit", False, "stored only as a pseudonym"),
    Field("force_reference", "Force's reference", False,
          "the force's own record number; a row already here is skipped"),
)
FIELD_KEYS = {f.key for f in FIELDS}
TEXT_LIMITS = {"force": 100, "self_defined_ethnicity": 200, "officer_defined_ethnicity": 100, "age_range": 40,
               "gender": 40, "object_of_search": 200, "legislation": 200, "outcome": 200, "force_reference": 100}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                "%d/%m/%Y")


@dataclass(frozen=True)
class Refusal:
    row: int
    column: str
    message: str
    value: str | None = None  # the cell, where the refusal is of a value with no meaning here (an unknown code)

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


class RowsRefused(Invalid):
    """Rows that cannot be imported; nothing was written. `field` is the first refused row's column."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        shown = "; ".join(str(r) for r in self.refusals[:MAX_REFUSALS])
        more = len(self.refusals) - MAX_REFUSALS
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(self.refusals[0].column, f"nothing imported: {shown}{suffix}")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    skipped: int  # already in the workspace (or repeated in the file)
    groups: dict[str, int] = field(default_factory=dict)  # rows read, by self-defined ethnic group
    regrouped: int = 0  # of the skipped, records here whose stored group the catalogue now corrects


def unmapped_values(refusals: Sequence[Refusal]) -> list[tuple[str, str, list[int]]]:
    """(column, value, rows) for each value refused as having no meaning here, in the order first met."""
    found: dict[tuple[str, str], list[int]] = {}
    for r in refusals:
        if r.value is not None:
            found.setdefault((r.column, r.value), []).append(r.row)
    return [(column, value, rows) for (column, value), rows in found.items()]


def read_table(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (UTF-8, with or without a byte-order mark)."""
    if len(data) > MAX_BYTES:
        raise Invalid("file", f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("file", "the file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Invalid("file", f"the file is not readable as CSV: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise Invalid("file", "the file is empty")
    header = [h.strip() for h in rows[0]]
    if not any(header) or len(set(header)) != len(header):
        raise Invalid("file", "the first row must name every column once")
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid("file", f"the file has more than {MAX_ROWS} rows: split it")
    return header, rows[1:]


def check_mapping(mapping: Mapping[str, str], columns: Sequence[str]) -> dict[str, int]:
    """Each mapped field's column index; refuses an unknown column or a required field left unmapped."""
    found: dict[str, int] = {}
    for key, column in mapping.items():
        if key not in FIELD_KEYS:
            raise Invalid(key, "not a field of a search record")
        if not column:
            continue
        if column not in columns:
            raise Invalid(key, f"the file has no column {column!r}")
        found[key] = list(columns).index(column)
    for f in FIELDS:
        if f.required and f.key not in found:
            raise Invalid(f.key, f"choose the file's column for {f.label.lower()}: it is needed")
    return found


def parse_datetime(value: str) -> datetime:
    """A moment in UTC from ISO 8601 (with or without an offset) or day/month/year; naive means UK time."""
    text = value.strip()
    if not text:
        raise ValueError("no date")
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"{text!r} is not a date and time (use 2024-01-31 14:05 or 31/01/2024 14:05)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


def _text(value: str | None, limit: int = 200) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text or None


def record_key(values: Mapping[str, Any]) -> str:
    """The force's reference when the row has one (with the force), else a hash of the stored content.

    The content hashed is what is stored (pseudonyms, never raw identifiers), so the key reveals nothing."""
    if values.get("force_reference"):
        basis = json.dumps(["ref", values.get("force") or "", values["force_reference"]])
    else:
        basis = json.dumps(["row", *(_plain(values.get(k)) for k in sorted(values) if k not in DERIVED)])
    return hashlib.sha256(basis.encode()).hexdigest()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def area_parts(value: str | None) -> tuple[str | None, str | None]:
    """(area_code, area_name): an ONS code (E09000022) goes in the first, a name in the second."""
    text = (value or "").strip()
    if not text:
        return None, None
    if ONS_CODE.match(text.upper()):
        return text.upper(), None
    if len(text) > 120:
        raise ValueError("longer than 120 characters")
    return None, text


def _ethnicity(kind: str) -> Any:
    return lambda text: read_ethnicity(text, "self" if kind == "self_defined_ethnicity" else "officer")


def _row_values(cells: Mapping[str, str], officer: Any, unit: Any) -> dict[str, Any]:
    """The stored values of one row, or _CellErrors naming every value of it that cannot be read."""
    values: dict[str, Any] = {}
    steps: list[tuple[str, Any]] = [
        ("occurred_at", lambda: parse_datetime(cells.get("occurred_at", ""))),
        ("area", lambda: area_parts(cells.get("area"))),
        ("outcome_linked", lambda: yes_no(cells.get("outcome_linked"))),
        ("body_worn_video", lambda: yes_no_unknown(cells.get("body_worn_video"))),
        ("officer", lambda: officer(_text(cells.get("officer"), 100))),
        ("unit", lambda: unit(_text(cells.get("unit"), 100))),
        ("grounds", lambda: (cells.get("grounds") or "").strip()),
        *((key, (lambda k=key, n=limit: _text(cells.get(k), n))) for key, limit in TEXT_LIMITS.items()),
    ]
    errors: list[_CellError] = []
    for key, read in steps:
        try:
            values[key] = read()
        except ValueError as exc:
            errors.append(_CellError(key, str(exc)))
    for key in ("self_defined_ethnicity", "officer_defined_ethnicity"):
        try:
            group = _ethnicity(key)(values.get(key))
        except UnmappedEthnicity as exc:
            errors.append(_CellError(key, str(exc), exc.value))
            continue
        if key == "self_defined_ethnicity":
            values["ethnic_group"] = group
    if len(values.get("grounds", "")) > 20_000:
        errors.append(_CellError("grounds", "longer than 20,000 characters"))
    if errors:
        raise _CellErrors(errors)
    values["area_code"], values["area_name"] = values.pop("area")
    values["officer_pseudonym"] = values.pop("officer")
    values["unit_pseudonym"] = values.pop("unit")
    return values


class _CellError(Exception):
    def __init__(self, field: str, message: str, value: str | None = None) -> None:
        self.field = field
        self.message = message
        self.value = value


class _CellErrors(Exception):
    def __init__(self, errors: Sequence[_CellError]) -> None:
        self.errors = list(errors)


def import_csv(session: Session, data: bytes, mapping: Mapping[str, str]) -> ImportResult:
    """Import every row of `data` under `mapping` (our field -> the file's column), or none of them."""
    header, rows = read_table(data)
    columns = check_mapping(mapping, header)
    officer = pseudonymiser(session, "officer")
    unit = pseudonymiser(session, "unit")
    refusals: list[Refusal] = []
    parsed: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):
        cells = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        try:
            values = _row_values(cells, officer, unit)
        except _CellErrors as row_errors:
            refusals += [Refusal(number, mapping[e.field] if e.field in columns else e.field, e.message, e.value)
                         for e in row_errors.errors]
            continue
        parsed.append(values)
    if refusals:
        raise RowsRefused(refusals)
    groups = dict.fromkeys(ETHNIC_GROUPS, 0)
    for values in parsed:
        groups[values["ethnic_group"]] += 1
    created = regrouped = 0
    seen: set[str] = set()
    for values in parsed:
        key = record_key(values)
        if key in seen:
            continue
        seen.add(key)
        here = session.scalar(select(SearchRecord).where(SearchRecord.source_key == key))
        if here is None:
            session.add(new_record("csv", key, values))
            created += 1
        elif _regroup(here, values):
            regrouped += 1
    session.flush()
    return ImportResult(rows=len(parsed), created=created, skipped=len(parsed) - created, groups=groups,
                        regrouped=regrouped)


def _regroup(record: SearchRecord, values: Mapping[str, Any]) -> bool:
    """Correct the group of a record imported before its code was in the catalogue (B1 was once Not stated):
    the same self-defined value now has a group. Whether it was reviewed does not matter, the group is not
    what the reviewers judged."""
    if record.source != "csv" or record.self_defined_ethnicity != values.get("self_defined_ethnicity"):
        return False
    if record.ethnic_group == values["ethnic_group"]:
        return False
    record.ethnic_group = values["ethnic_group"]
    return True


def new_record(source: str, key: str, values: Mapping[str, Any]) -> SearchRecord:
    grounds = values.get("grounds") or ""
    return SearchRecord(
        source=source, source_key=key, occurred_at=values["occurred_at"], force=values.get("force"),
        area_code=values.get("area_code"), area_name=values.get("area_name"),
        self_defined_ethnicity=values.get("self_defined_ethnicity"),
        ethnic_group=values.get("ethnic_group") or ethnic_group(values.get("self_defined_ethnicity")),
        officer_defined_ethnicity=values.get("officer_defined_ethnicity"), age_range=values.get("age_range"),
        gender=values.get("gender"), object_of_search=values.get("object_of_search"),
        legislation=values.get("legislation"), grounds=grounds, grounds_class=classify(grounds).grounds_class.value,
        outcome=values.get("outcome"), outcome_linked=values.get("outcome_linked"),
        body_worn_video=values.get("body_worn_video") or "unknown",
        officer_pseudonym=values.get("officer_pseudonym"), unit_pseudonym=values.get("unit_pseudonym"),
        force_reference=values.get("force_reference"),
    )


def edit_grounds(session: Session, record_id: int, grounds: str) -> SearchRecord:
    """Fill in a warehouse-drawn record's grounds from the force's own record (police.uk publishes none).

    Refused once the record has a review: the reviewers must all have judged the same text."""
    record = session.get(SearchRecord, record_id)
    if record is None:
        raise NotFound(f"no search record {record_id}")
    if record.source != "warehouse":
        raise Invalid("grounds", "only a record drawn from the warehouse has its grounds typed in; "
                                 "an imported record keeps the force's text")
    if session.scalar(select(Review.id).where(Review.record_id == record_id).limit(1)) is not None:
        raise Invalid("grounds", "this record has been reviewed: its grounds can no longer change")
    text = grounds.strip()
    if len(text) > 20_000:
        raise Invalid("grounds", "longer than 20,000 characters")
    record.grounds = text
    record.grounds_class = classify(text).grounds_class.value
    session.flush()
    return record
