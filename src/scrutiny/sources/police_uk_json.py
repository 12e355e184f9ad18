"""data.police.uk API responses (`stops-force`, `stops-no-location`): recognise and flatten to rows.

A response is a JSON array of stop records with no force or month inside, so both come from the name the
fetcher saves it under: `stops-force-<force>/YYYY-MM.json` or `stops-force-<force>-YYYY-MM.json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from scrutiny.catalog import forces
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TextRecords
from scrutiny.sources.json_depth import load_json
from scrutiny.sources.police_uk_archive import force_month_unit, parse_month

MAX_STOPS_JSON_BYTES = 32 * 1024 * 1024
"""Largest stops response read. The largest real one (Metropolitan, a month of 2025) is 3.3 MB; parsed into
Python objects a response takes about 25 times its size, so 32 MiB keeps one file's load well under 1 GB."""

STOP_RECORD_KEYS = frozenset({"age_range", "datetime", "involved_person", "officer_defined_ethnicity", "type"})

_DIR_NAME = re.compile(r"^(?P<endpoint>stops-force|stops-no-location)-(?P<force>[a-z0-9-]+)$")
_FILE_NAME = re.compile(
    r"^(?P<endpoint>stops-force|stops-no-location)-(?P<force>[a-z0-9-]+?)-(?P<month>\d{4}-\d{2})\.json$"
)

# Column order of the rows handed to the warehouse: strings as published, cast there with reasons.
ROW_FIELDS = (
    "search_type",
    "occurred_at",
    "part_of_operation",
    "operation_name",
    "latitude",
    "longitude",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked",
    "strip_search",
    "raw",
)


@dataclass(frozen=True)
class ApiName:
    endpoint: str
    force: str
    month: date


def looks_like_stops(head: str) -> bool:
    """True for a JSON array whose first object carries the keys of a stop record (or an empty array)."""
    stripped = head.lstrip()
    if not stripped.startswith("["):
        return False
    if re.fullmatch(r"\[\s*\]\s*", stripped):
        return True
    keys = set(re.findall(r'"([a-z_]+)"\s*:', stripped[:4000]))
    return keys >= STOP_RECORD_KEYS


def api_name(path: Path) -> ApiName:
    """Endpoint, force and month from the saved name; refuse names that do not say them."""
    file_match = _FILE_NAME.match(path.name)
    dir_match = _DIR_NAME.match(path.parent.name)
    if file_match:
        endpoint, force, month = file_match["endpoint"], file_match["force"], file_match["month"]
    elif dir_match and re.fullmatch(r"\d{4}-\d{2}\.json", path.name):
        endpoint, force, month = dir_match["endpoint"], dir_match["force"], path.stem
    else:
        raise SourceRefused(
            path,
            "cannot tell the force and month of this API response: save it as "
            "stops-force-<force>/YYYY-MM.json (as `scrutiny fetch` does)",
        )
    if force not in forces():
        raise SourceRefused(path, f"unknown force {force!r} in the file name (not a data.police.uk force id)")
    return ApiName(endpoint, force, parse_month(month, path))


def _text(value: Any) -> str | None:
    """API nulls, empty strings and `false` placeholders all mean 'not published'."""
    if value is None or value is False or value == "":
        return None
    return str(value)


def _flag(value: Any) -> str | None:
    return None if value is None else str(value).lower()


def _outcome(record: dict[str, Any]) -> str | None:
    outcome = _text(record.get("outcome"))
    if outcome is None and isinstance(record.get("outcome_object"), dict):
        outcome = _text(record["outcome_object"].get("name"))
    return outcome


def flatten(record: dict[str, Any]) -> tuple[str | None, ...]:
    location = record.get("location") if isinstance(record.get("location"), dict) else {}
    assert location is not None
    return (
        _text(record.get("type")),
        _text(record.get("datetime")),
        _flag(record.get("operation")),
        _text(record.get("operation_name")),
        _text(location.get("latitude")),
        _text(location.get("longitude")),
        _text(record.get("gender")),
        _text(record.get("age_range")),
        _text(record.get("self_defined_ethnicity")),
        _text(record.get("officer_defined_ethnicity")),
        _text(record.get("legislation")),
        _text(record.get("object_of_search")),
        _outcome(record),
        _flag(record.get("outcome_linked_to_object_of_search")),
        _flag(record.get("removal_of_more_than_outer_clothing")),
        raw_text(record),
    )


def raw_text(record: object) -> str:
    """A record's text as `rejects` keeps it: its JSON, keys sorted."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def read_stops(path: Path) -> pa.Table:
    """All records of one response as strings, plus `source_row` (1-based position in the array)."""
    size = path.stat().st_size
    if size > MAX_STOPS_JSON_BYTES:
        raise SourceRefused(path, f"{size:,} bytes: larger than any stops response ({MAX_STOPS_JSON_BYTES:,}-byte "
                                  "limit); fetch the month again (`scrutiny fetch`)")
    try:
        records = load_json(path, path.read_bytes())
    except UnicodeDecodeError as exc:
        raise SourceRefused(path, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceRefused(path, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(records, list):
        raise SourceRefused(path, "expected a JSON array of stop records")
    rows: list[tuple[str | None, ...]] = []
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not record.keys() >= STOP_RECORD_KEYS:
            raise SourceRefused(path, f"record {index} is not a stop-and-search record")
        rows.append(flatten(record))
    columns = {name: pa.array([row[i] for row in rows], pa.string()) for i, name in enumerate(ROW_FIELDS)}
    columns["source_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    return pa.table(columns)


def raw_texts(path: Path, positions: list[int]) -> list[str]:
    """The text `rejects` keeps of the records at these 1-based positions of the response."""
    records = load_json(path, path.read_bytes())
    return [raw_text(records[n - 1]) for n in positions]


class ApiStops:
    """`stops-force` responses of the data.police.uk API, saved by `scrutiny fetch`: one force-month each.

    A `stops-no-location` response is recognised and skipped: the `stops-force` response of the same month
    already holds its records."""

    kind = SourceKind.STOPS_JSON
    label = "api"
    table = Table("stop_search")
    load_order = 2
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        if not looks_like_stops(head.text):
            return None
        name = api_name(head.path)
        if name.endpoint == "stops-no-location":
            return Recognised(
                head.path, SourceKind.STOPS_NO_LOCATION_JSON, name.force, name.month,
                note="not loaded: the stops-force response for the same month already holds these records",
            )
        return Recognised(head.path, self.kind, name.force, name.month, source=self)

    def unit(self, item: Recognised) -> str:
        return force_month_unit(item)

    def read(self, item: Recognised) -> TextRecords:
        path = item.path
        return TextRecords(lambda: read_stops(path), lambda positions: raw_texts(path, positions))


API_STOPS = ApiStops()
