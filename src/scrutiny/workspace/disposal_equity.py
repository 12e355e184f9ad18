"""Disposal records checked against a policy: what was done, what the policy said, and for whom.

A record is one drug-possession event of a (pseudonymous) person with the disposal actually given; a
person's earlier records, by date, are the history the policy's occasion count is taken from. The figures
are the disposal mix by ethnic group and the share of records whose disposal differs from the policy's
recommendation by ethnic group (among the records the policy covers: a `not_eligible` recommendation leaves
a case to the normal route, so no disposal can differ from it), each share with its Wilson 95% interval
(metrics.disposals.proportion, the same form as the public figures). These are workspace data: anything
published from them must go through scrutiny.workspace.disclosure (docs/disclosure.md);
nothing is published from them today (the page and the command are for panel members only).
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrutiny.errors import SourceRefused
from scrutiny.metrics.disposals import proportion
from scrutiny.vocab.ethnicity import GROUPS
from scrutiny.vocab.ethnicity import UNKNOWN as UNKNOWN
from scrutiny.workspace.disposal_policy import INTENTS, Case, Decision, Disposal, Policy, Prior, evaluate

ALL = "all"
REQUIRED = ("person_id", "date", "drug", "age", "actual_disposal")
OPTIONAL = ("admits", "on_bail", "intent", "ethnic_group")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
NOT_STATED = {"", UNKNOWN, "not stated", "not recorded"}


@dataclass(frozen=True)
class Record:
    line: int  # in the source file, for messages
    person_id: str
    date: date
    drug: str
    age: int
    actual: Disposal
    admits: bool | None = None
    on_bail: bool | None = None
    intent: str = "possession"
    ethnic_group: str = UNKNOWN


@dataclass(frozen=True)
class Checked:
    record: Record
    case: Case
    decision: Decision

    @property
    def covered(self) -> bool:
        """Whether the policy says what to do: `not_eligible` leaves the case to the normal route."""
        return self.decision.disposal != Disposal.not_eligible

    @property
    def differs(self) -> bool | None:
        """The actual disposal is not the recommended one; None for a case the policy does not cover."""
        return self.record.actual != self.decision.disposal if self.covered else None


def _flag(value: str, column: str, where: str) -> bool | None:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    if text in ("", UNKNOWN):
        return None
    raise ValueError(f"{where}: {column} {value!r} is not yes, no or blank")


def _group(value: str, where: str) -> str:
    text = value.strip()
    if text.lower() in NOT_STATED:
        return UNKNOWN
    for g in GROUPS:
        if text.lower() == g.lower():
            return g
    raise ValueError(f"{where}: ethnic_group {value!r} is not one of {', '.join(GROUPS)} or blank (not stated)")


def _record(line: int, row: dict[str, str], name: str) -> Record:
    where = f"{name} line {line}"
    person = row["person_id"].strip()
    if not person:
        raise ValueError(f"{where}: person_id is blank")
    try:
        day = date.fromisoformat(row["date"].strip())
    except ValueError:
        raise ValueError(f"{where}: date {row['date']!r} is not YYYY-MM-DD") from None
    try:
        age = int(row["age"].strip())
        if not 0 <= age <= 120:
            raise ValueError
    except ValueError:
        raise ValueError(f"{where}: age {row['age']!r} is not an age in years") from None
    if not row["drug"].strip():
        raise ValueError(f"{where}: drug is blank")
    try:
        actual = Disposal(row["actual_disposal"].strip())
    except ValueError:
        raise ValueError(f"{where}: actual_disposal {row['actual_disposal']!r} is not one of "
                         f"{', '.join(d.value for d in Disposal)}") from None
    intent = (row.get("intent") or "possession").strip() or "possession"
    if intent not in INTENTS:
        raise ValueError(f"{where}: intent {intent!r} is not one of {', '.join(INTENTS)}")
    return Record(line, person, day, row["drug"].strip(), age, actual,
                  _flag(row.get("admits") or "", "admits", where), _flag(row.get("on_bail") or "", "on_bail", where),
                  intent, _group(row.get("ethnic_group") or "", where))


def read_records(path: Path) -> list[Record]:
    """Every row of a disposal CSV file, checked; a bad row refuses the whole file, naming its line and column."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return _read(f, path)
    except FileNotFoundError:
        raise SourceRefused(path, "no such file") from None
    except UnicodeDecodeError as exc:
        raise SourceRefused(path, f"not UTF-8 (byte {exc.start})") from None


def read_records_bytes(data: bytes, name: str) -> list[Record]:
    """The same for an upload held in memory (the workspace page never writes it to disk)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceRefused(name, f"not UTF-8 (byte {exc.start})") from None
    return _read(io.StringIO(text, newline=""), Path(name))


def _read(f: Iterable[str], path: Path) -> list[Record]:
    """Columns other than those named here (a name, an address) are never read, so they cannot reach an output."""
    try:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SourceRefused(path, f"no column {missing[0]!r} (needs {', '.join(REQUIRED)}; may have "
                                      f"{', '.join(OPTIONAL)})")
        reader.fieldnames = header
        rows = []
        for row in reader:
            values = [v for k, v in row.items() if k is not None]
            if not any((v or "").strip() for v in values):
                continue
            extra = row.get(None) or []  # DictReader puts cells beyond the header under None, missing ones are None
            if extra or any(v is None for v in values):
                width = sum(v is not None for v in values) + len(extra)
                raise SourceRefused(path, f"{path.name} line {reader.line_num}: {width} fields, but the header names "
                                          f"{len(header)}")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise SourceRefused(path, f"not a readable CSV: {exc}") from None
    try:
        return [_record(line, row, path.name) for line, row in rows]
    except ValueError as exc:
        raise SourceRefused(path, str(exc)) from None


def case_of(record: Record, records: Sequence[Record]) -> Case:
    """The record as a case: the person's records dated before it are its prior disposals."""
    history = sorted((r for r in records if r.person_id == record.person_id), key=lambda r: (r.date, r.line))
    return _case(record, history)


def _case(record: Record, history: Sequence[Record]) -> Case:
    """`history`: the person's records sorted by date; the priors are those strictly before the record's date."""
    before = bisect.bisect_left([r.date for r in history], record.date)
    priors = tuple(Prior(r.date, r.drug, r.actual) for r in history[:before])
    return Case(record.person_id, record.date, record.drug, record.age, priors, record.admits, record.on_bail,
                record.intent)  # type: ignore[arg-type]


def check(policy: Policy, records: Sequence[Record]) -> list[Checked]:
    """Each record with the decision the policy recommends for it, in the records' order. Each person's records
    are sorted once, so a long history costs n log n, not a sort per record."""
    by_person: dict[str, list[Record]] = {}
    for r in records:
        by_person.setdefault(r.person_id, []).append(r)
    for history in by_person.values():
        history.sort(key=lambda r: (r.date, r.line))
    return [Checked(r, case := _case(r, by_person[r.person_id]), evaluate(policy, case)) for r in records]


def _groups(records: Iterable[Record]) -> list[str]:
    present = {r.ethnic_group for r in records}
    return [g for g in (*GROUPS, UNKNOWN) if g in present]


def disposal_mix(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Per ethnic group present (and all records): the number of records and each disposal's proportion."""
    rows = []
    for g in [*_groups(records), ALL]:
        mine = [r for r in records if g in (ALL, r.ethnic_group)]
        rows.append({"group": g, "records": len(mine),
                     "disposals": {d.value: proportion(sum(r.actual == d for r in mine), len(mine))
                                   for d in Disposal}})
    return rows


def compliance(checked: Sequence[Checked]) -> list[dict[str, Any]]:
    """Per ethnic group present (and all): of the records the policy covers, how many got a disposal other than
    the recommended one, and how many were arrested or charged when the policy recommended something else."""
    rows = []
    for g in [*_groups(c.record for c in checked), ALL]:
        mine = [c for c in checked if g in (ALL, c.record.ethnic_group)]
        covered = [c for c in mine if c.covered]
        harsher = sum(c.record.actual == Disposal.arrest_charge and c.decision.disposal != Disposal.arrest_charge
                      for c in covered)
        rows.append({"group": g, "records": len(mine), "covered": len(covered),
                     "differs": proportion(sum(bool(c.differs) for c in covered), len(covered)),
                     "charged_not_recommended": proportion(harsher, len(covered))})
    return rows
