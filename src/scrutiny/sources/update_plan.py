"""What `scrutiny update` fetches: the months data.police.uk lists against what the warehouse holds.

data.police.uk says two things about its stop-and-search data: which forces have which months
(`crimes-street-dates`, each month with its `stop-and-search` forces) and one date for the whole API
(`crime-last-updated`). It never says which force-month a release revised. So a force-month is fetched when

- the warehouse lacks it (no `ingest_log` row for its unit `<force>/<YYYY-MM>`), or
- it may have been republished: the warehouse holds it from an API response (kind `stops_json`) loaded on or
  before the API's date, and this warehouse has not yet been checked against that date for the force (the
  `checked` record of the last successful update). The response is fetched again and ingest compares its
  sha256 with the loaded file's: identical bytes change nothing, other bytes replace the month.

Months held from the monthly archive are the archive's and are left alone (a newer archive is ingested as such).
This module only decides; it makes no request and writes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from scrutiny.errors import SourceUnavailable
from scrutiny.sources.adapter import SourceKind
from scrutiny.vocab import months as vocab_months

_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Listing:
    """What the API lists: month → the forces with stop-and-search data for it, and the API's last update."""

    months: dict[str, frozenset[str]]
    last_updated: date

    @property
    def forces(self) -> list[str]:
        return sorted(set().union(*self.months.values())) if self.months else []


def parse_listing(dates: Any, last_updated: Any) -> Listing:
    """The answers of `crimes-street-dates` and `crime-last-updated`, checked: an answer of another shape is the
    API failing (SourceUnavailable), not bad input."""
    if not isinstance(dates, list):
        raise SourceUnavailable(f"crimes-street-dates: expected a JSON list, got {type(dates).__name__}")
    months: dict[str, frozenset[str]] = {}
    for entry in dates:
        month = entry.get("date") if isinstance(entry, dict) else None
        forces = entry.get("stop-and-search") if isinstance(entry, dict) else None
        if not isinstance(month, str) or not _is_month(month) or not isinstance(forces, list):
            raise SourceUnavailable(f"crimes-street-dates: unexpected entry {json.dumps(entry)[:120]}")
        months[month] = frozenset(str(f) for f in forces)
    raw = last_updated.get("date") if isinstance(last_updated, dict) else None
    day = _DAY.match(raw) if isinstance(raw, str) else None
    if day is None:
        raise SourceUnavailable(f"crime-last-updated: expected {{\"date\": \"YYYY-MM-DD\"}}, got "
                                f"{json.dumps(last_updated)[:120]}")
    try:
        updated = date.fromisoformat(day[1])
    except ValueError:
        raise SourceUnavailable(f"crime-last-updated: {raw!r} is not a date") from None
    return Listing(dict(sorted(months.items())), updated)


def _is_month(text: str) -> bool:
    try:
        vocab_months.month_start(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Held:
    """A force-month the warehouse holds: what loaded it and when."""

    kind: str
    loaded_at: datetime
    rows: int

    @property
    def from_api(self) -> bool:
        return self.kind == SourceKind.STOPS_JSON


def held_months(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Held]:
    """(force, YYYY-MM) → its current load, for every stop-and-search force-month of the warehouse open on
    `con` (none if nothing was ever loaded)."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'ingest_log'").fetchall():
        return {}
    rows = con.execute(
        """
        SELECT force, strftime(month, '%Y-%m'), kind, loaded_at, rows_loaded FROM ingest_log
        WHERE force IS NOT NULL AND month IS NOT NULL AND unit = force || '/' || strftime(month, '%Y-%m')
        QUALIFY row_number() OVER (PARTITION BY unit ORDER BY id DESC) = 1
        """
    ).fetchall()
    return {(f, m): Held(str(k), at, int(n)) for f, m, k, at, n in rows}


@dataclass(frozen=True)
class Plan:
    """The force-months to fetch, and the months the API lists no data for, by force."""

    missing: list[tuple[str, str]]  # listed, not held: (force, month)
    recheck: list[tuple[str, str]]  # held from the API, possibly republished since
    unlisted: dict[str, list[str]] = field(default_factory=dict)  # force → listed months it has no data for
    forces: list[str] = field(default_factory=list)

    @property
    def fetch(self) -> list[tuple[str, str]]:
        return sorted(self.missing + self.recheck)


def plan(listing: Listing, held: dict[tuple[str, str], Held], forces: Iterable[str] | None,
         checked: dict[str, str]) -> Plan:
    """Decide what to fetch for `forces` (None: every force the listing names). `checked`: force → the API date
    (YYYY-MM-DD) its months were last checked against (`UpdateState`)."""
    wanted = sorted(set(forces)) if forces is not None else listing.forces
    api_date = listing.last_updated.isoformat()
    missing: list[tuple[str, str]] = []
    recheck: list[tuple[str, str]] = []
    unlisted: dict[str, list[str]] = {}
    for force in wanted:
        stale = checked.get(force) != api_date
        for month, listed in listing.months.items():
            if force not in listed:
                unlisted.setdefault(force, []).append(month)
                continue
            have = held.get((force, month))
            if have is None:
                missing.append((force, month))
            elif stale and have.from_api and have.loaded_at.date() <= listing.last_updated:
                recheck.append((force, month))
    return Plan(missing, recheck, unlisted, wanted)


class UpdateState:
    """`<db>.update.json`: for each force, the API date (`crime-last-updated`) its months were last checked
    against. Written only after a successful update; losing it costs one more check, never data."""

    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".update.json")

    def checked(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        found = data.get("checked") if isinstance(data, dict) else None
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def record(self, forces: Iterable[str], api_date: date) -> None:
        checked = self.checked() | dict.fromkeys(forces, api_date.isoformat())
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps({"checked": dict(sorted(checked.items()))}, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
