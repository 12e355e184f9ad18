"""data.police.uk API answers about crime, saved as files: street-level crimes (`crimes-street`) into
`street_crime`, outcome histories (`outcomes-for-crime`) into `crime_outcome`. Recognised by their keys; the
force, which no answer names, comes from the name `scrutiny fetch` saves them under (docs/crime-api.md).

The API lists crimes by area, never by force, except those without a location (`crimes-no-location`), so:

- a `crimes-street-<force>-YYYY-MM.json` file stands for that force's month, the unit the archive's street
  file has (`street/<force>/<month>`): whichever of the two was loaded last holds the month, whole;
- a `crimes-no-location` answer is recognised and skipped: it is only the month's unmapped crimes, which the
  archive's street file holds too, and loaded alone it would pass for a force's whole month;
- an outcome history replaces every outcome row of its crime, whichever file loaded it, and an archive
  outcomes file loaded later replaces its force-month whole, this crime's events of that month included: an
  event is never counted twice.

Records are checked as the archive's rows are (`crime_records`), each failing one rejected with its position
in the file and the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.catalog import forces, read_catalog
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, TableRows, rejects_table
from scrutiny.sources.crime_records import (
    _crime_id_check,
    _first_reason,
    _month_check,
    _number_check,
    _required,
    _why,
    crime_id_columns,
    number,
    text_or_null,
)
from scrutiny.sources.json_depth import load_json
from scrutiny.sources.police_uk_archive import parse_month
from scrutiny.sources.police_uk_crime import CRIME_OUTCOME, STREET_CRIME, classes
from scrutiny.sources.police_uk_json import raw_text
from scrutiny.vocab import months as vocab_months

MAX_CRIME_JSON_BYTES = 64 * 1024 * 1024
"""Largest answer file read. `crimes-street` answers at most 10,000 crimes (about 5 MB: the API refuses more);
a month of outcome histories of the largest force's drug crimes is about 10 MB. Parsed, JSON takes about 25
times its size, so 64 MiB keeps one file's load under 2 GB."""

CRIME_KEYS = frozenset({"category", "location_type", "month", "outcome_status", "persistent_id"})
HISTORY_KEYS = frozenset({"crime", "outcomes"})
BTP = "btp"  # British Transport Police: its crimes are `location_type` BTP, every other force's `Force`

_MONTH, _CRIME = r"\d{4}-\d{2}", "[0-9a-f]{64}"


@dataclass(frozen=True)
class NamePatterns:
    """How an endpoint's saved answers are named: `<endpoint>-<force>-<key>.json` or `<endpoint>-<force>/<key>.json`."""

    file: re.Pattern[str]
    folder: re.Pattern[str]
    in_folder: re.Pattern[str]
    example: str

    @classmethod
    def of(cls, endpoints: str, keys: str, example: str) -> NamePatterns:
        return cls(re.compile(rf"^(?P<endpoint>{endpoints})-(?P<force>[a-z0-9-]+?)-(?P<key>{keys})\.json$"),
                   re.compile(rf"^(?P<endpoint>{endpoints})-(?P<force>[a-z0-9-]+)$"),
                   re.compile(rf"^(?P<key>{keys})\.json$"), example)

    def names(self, path: Path) -> bool:
        """True if the path is named as one of these answers (content cannot tell an empty array's endpoint)."""
        return bool(self.file.match(path.name) or (self.folder.match(path.parent.name)
                                                   and self.in_folder.match(path.name)))


CRIMES_NAMES = NamePatterns.of("crimes-street|crimes-no-location", _MONTH, "crimes-street-<force>-YYYY-MM.json")
HISTORY_NAMES = NamePatterns.of("outcomes-for-crime", f"{_MONTH}|{_CRIME}",
                                "outcomes-for-crime-<force>/<crime id>.json")


@cache
def crime_categories() -> dict[str, str]:
    """The API's category slug → the archive's `Crime type` words (catalog/crime_categories.csv)."""
    return {row["category"]: row["crime_type"] for row in read_catalog("crime_categories.csv")}


def crime_types() -> list[str]:
    """Every `Crime type` the catalogue knows, in its order (what `scrutiny fetch --type` accepts)."""
    return list(dict.fromkeys(crime_categories().values()))


@dataclass(frozen=True)
class SavedName:
    """What a saved answer's name says: the endpoint, the force, and a month or crime id."""

    endpoint: str
    force: str
    key: str  # YYYY-MM, or a crime's persistent id (a single history)


def saved_name(path: Path, patterns: NamePatterns) -> SavedName:
    """The force (and month or crime id) from the saved name; refused when the name says neither or names no
    data.police.uk force."""
    whole, folder = patterns.file.match(path.name), patterns.folder.match(path.parent.name)
    inside = patterns.in_folder.match(path.name)
    if whole:
        found = SavedName(whole["endpoint"], whole["force"], whole["key"])
    elif folder and inside:
        found = SavedName(folder["endpoint"], folder["force"], inside["key"])
    else:
        raise SourceRefused(path, f"cannot tell the force of this API answer (the API does not say it): save it as "
                                  f"{patterns.example} (as `scrutiny fetch` does)")
    if found.force not in forces():
        raise SourceRefused(path, f"unknown force {found.force!r} in the file name (not a data.police.uk force id)")
    return found


def _head_keys(text: str) -> set[str]:
    """The keys of the first few records (nested ones too): enough to tell one answer from another."""
    return set(re.findall(r'"([a-z_]+)"\s*:', text[:4000]))


def _is_empty_array(text: str) -> bool:
    return re.fullmatch(r"\s*\[\s*\]\s*", text) is not None


def read_answer(path: Path) -> Any:
    """The parsed file, refused whole (with the reason) when too big, not UTF-8, not JSON or too deep."""
    size = path.stat().st_size
    if size > MAX_CRIME_JSON_BYTES:
        raise SourceRefused(path, f"{size:,} bytes: larger than any API answer about crime "
                                  f"({MAX_CRIME_JSON_BYTES:,}-byte limit)")
    try:
        return load_json(path, path.read_bytes())
    except UnicodeDecodeError as exc:
        raise SourceRefused(path, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceRefused(path, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """Published text, '' for null (the checks treat '' as blank, as in the archive's CSV)."""
    return "" if value is None else str(value)


def _checked(columns: dict[str, list[str]], raws: list[str], reasons: Callable[[pa.Table], list[pa.Array]]
             ) -> tuple[pa.Table, pa.Table]:
    """The records as text columns (plus `source_row`, the position) split into those that pass every check and
    rejects (`line` = position, `reason` = the first failing check's, `raw` = the record's JSON)."""
    table = pa.table({**{k: pa.array(v, pa.string()) for k, v in columns.items()},
                      "source_row": pa.array(range(1, len(raws) + 1), pa.int64())})
    reason = _first_reason(reasons(table)) if table.num_rows else pa.nulls(0, pa.string())
    bad = pc.is_valid(reason)
    rejects = rejects_table(pc.filter(table["source_row"], bad), pc.filter(reason, bad),
                            pc.filter(pa.array(raws, pa.string()), bad))
    return table.filter(pc.invert(bad)), rejects


def _place(rows: pa.Table, force: str) -> dict[str, pa.Array]:
    """The place columns the API gives (a point and its street); it gives no LSOA, so no local authority."""
    n = rows.num_rows
    nothing = pa.nulls(n, pa.string())
    return {
        "force": pa.array([force] * n, pa.string()),
        **crime_id_columns(rows["Crime ID"]),  # checked: 64 hex digits
        "reported_by": nothing, "falls_within": nothing,
        "longitude": number(rows["Longitude"].combine_chunks()),
        "latitude": number(rows["Latitude"].combine_chunks()),
        "location": text_or_null(rows["Location"].combine_chunks()),
        "lsoa_code": nothing, "lsoa_name": nothing, "la_name": nothing, "la_code": nothing,
    }


class ApiStreetCrime:
    """`crimes-street` answers saved as `crimes-street-<force>-YYYY-MM.json`: one force-month each, the same
    unit as the archive's street file, so the later of the two holds the month."""

    kind = SourceKind.CRIMES_JSON
    label = "api"
    table = STREET_CRIME
    load_order = 2
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        text = head.text.lstrip()
        if not text.startswith("["):
            return None
        if _is_empty_array(text):  # an answer with no crimes: only its name can say which endpoint's it is
            if not CRIMES_NAMES.names(head.path):
                return None
        elif not _head_keys(text) >= CRIME_KEYS:
            return None
        name = saved_name(head.path, CRIMES_NAMES)
        month = parse_month(name.key, head.path)
        if name.endpoint == "crimes-no-location":
            return Recognised(head.path, SourceKind.CRIMES_NO_LOCATION_JSON, name.force, month,
                              note="not loaded: only the month's crimes without a location (the archive's street "
                                   "file holds them with the rest; alone they would pass for the whole month)")
        return Recognised(head.path, self.kind, name.force, month, source=self)

    def unit(self, item: Recognised) -> str:
        assert item.month is not None
        return f"street/{item.force}/{item.month:%Y-%m}"  # the archive street file's unit: one holder a month

    def read(self, item: Recognised) -> TableRows:
        assert item.force is not None and item.month is not None
        force, month, path = item.force, item.month, item.path
        records = read_answer(path)
        if not isinstance(records, list):
            raise SourceRefused(path, "expected a JSON array of street-level crimes")
        words = crime_categories()
        columns: dict[str, list[str]] = {k: [] for k in ("Crime ID", "Month", "Longitude", "Latitude", "Location",
                                                         "category", "Crime type", "location_type",
                                                         "Last outcome category", "Context")}
        for index, record in enumerate(records, start=1):
            if not isinstance(record, dict) or not record.keys() >= CRIME_KEYS:
                raise SourceRefused(path, f"record {index} is not a street-level crime record")
            location, outcome = _dict(record.get("location")), _dict(record.get("outcome_status"))
            slug = _text(record.get("category"))
            for key, value in (("Crime ID", record.get("persistent_id")), ("Month", record.get("month")),
                               ("Longitude", location.get("longitude")), ("Latitude", location.get("latitude")),
                               ("Location", _dict(location.get("street")).get("name")), ("category", slug),
                               ("Crime type", words.get(slug, "")), ("location_type", record.get("location_type")),
                               ("Last outcome category", outcome.get("category")), ("Context", record.get("context"))):
                columns[key].append(_text(value))

        def reasons(table: pa.Table) -> list[pa.Array]:
            slugs = table["category"].combine_chunks()
            where = table["location_type"].combine_chunks()
            others = pc.equal(where, "Force" if force == BTP else "BTP")
            whose = ("a police force's crime (location_type Force), not British Transport Police's" if force == BTP
                     else f"a British Transport Police crime (location_type BTP), not {force}'s")
            return [
                _month_check(table, month, path),
                _crime_id_check(table["Crime ID"].combine_chunks(), allow_blank=True),
                _number_check(table["Longitude"].combine_chunks(), "Longitude"),
                _number_check(table["Latitude"].combine_chunks(), "Latitude"),
                _required(slugs, "category"),
                _why(pc.equal(table["Crime type"].combine_chunks(), ""), slugs,
                     "category {} is not in catalog/crime_categories.csv"),
                pc.if_else(others, pa.scalar(whose), pa.scalar(None, pa.string())),
            ]

        rows, rejects = _checked(columns, [raw_text(r) for r in records], reasons)
        last = text_or_null(rows["Last outcome category"].combine_chunks())
        table = pa.table({
            **_place(rows, force),
            "month": pa.array([month] * rows.num_rows, pa.date32()),
            "crime_type": rows["Crime type"].combine_chunks(),
            "last_outcome": last,
            "last_outcome_class": classes(rows["Last outcome category"].combine_chunks()),
            "context": text_or_null(rows["Context"].combine_chunks()),
            "source_row": rows["source_row"].combine_chunks(),
        })
        return TableRows(table, {"force": force, "month": month}, rejects)


def _history_id(head: Head) -> str | None:
    """The crime id a single history's start names (its `crime` comes first as the API writes it)."""
    found = re.search(r'"persistent_id"\s*:\s*"([^"]*)"', head.text)
    return found[1].lower() if found else None


class ApiCrimeOutcomes:
    """`outcomes-for-crime` answers: one crime's history (`outcomes-for-crime-<force>/<crime id>.json`), or,
    as `scrutiny fetch` saves them, an array of the histories of a force's crimes of one month
    (`outcomes-for-crime-<force>-YYYY-MM.json`). Each replaces every outcome row of its crimes.

    Its loads are not force-months of outcomes (an archive outcomes file is the events *dated* a month; these are
    the histories of crimes *recorded* in one), so they carry no force or month in `ingest_log` and `status`
    lists them by unit, as it lists the Census and boundaries."""

    kind = SourceKind.OUTCOMES_FOR_CRIME_JSON
    label = "api"
    table = CRIME_OUTCOME
    load_order = 3  # after the archive's outcomes in one ingest: a crime's whole history is the newer word
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        text = head.text.lstrip()
        if _is_empty_array(text):
            if not HISTORY_NAMES.names(head.path):
                return None
        elif not text.startswith(("{", "[")) or not _head_keys(text) >= {*HISTORY_KEYS, "persistent_id"}:
            return None
        self._name(head.path)  # refuses a name without a force
        return Recognised(head.path, self.kind, variant=self._key(head), source=self)

    def _name(self, path: Path) -> SavedName:
        return saved_name(path, HISTORY_NAMES)

    def _key(self, head: Head) -> str:
        """What the file holds: a month of a force's crimes (an array), or one crime (by the id inside)."""
        name = self._name(head.path)
        if head.text.lstrip().startswith("["):
            if not re.fullmatch(r"\d{4}-\d{2}", name.key):
                raise SourceRefused(head.path, "an array of outcome histories is a month of a force's crimes: save "
                                               "it as outcomes-for-crime-<force>-YYYY-MM.json")
            return f"{name.force}/{parse_month(name.key, head.path):%Y-%m}"
        inside = _history_id(head) or ""
        if re.fullmatch(r"[0-9a-f]{64}", name.key) and inside != name.key:
            raise SourceRefused(head.path, f"its name says crime {name.key} but it holds crime {inside or '(none)'}:"
                                           " was it renamed?")
        return inside or f"{name.force}/{head.path.stem}"

    def unit(self, item: Recognised) -> str:
        return f"outcomes-for-crime/{item.variant}"

    def read(self, item: Recognised) -> TableRows:
        path = item.path
        force = self._name(path).force
        answer = read_answer(path)
        histories = answer if isinstance(answer, list) else [answer]
        columns: dict[str, list[str]] = {k: [] for k in ("Crime ID", "Month", "Longitude", "Latitude", "Location",
                                                         "Outcome type")}
        raws: list[str] = []
        ids: set[str] = set()
        for index, history in enumerate(histories, start=1):
            if not isinstance(history, dict) or not history.keys() >= HISTORY_KEYS \
                    or not isinstance(history["outcomes"], list):
                raise SourceRefused(path, f"record {index} is not an outcomes-for-crime answer")
            crime = _dict(history["crime"])
            location = _dict(crime.get("location"))
            crime_id = _text(crime.get("persistent_id"))
            if re.fullmatch(r"[0-9a-fA-F]{64}", crime_id):
                ids.add(crime_id.lower())
            for outcome in history["outcomes"]:
                event = _dict(outcome)
                for key, value in (("Crime ID", crime_id), ("Month", event.get("date")),
                                   ("Longitude", location.get("longitude")), ("Latitude", location.get("latitude")),
                                   ("Location", _dict(location.get("street")).get("name")),
                                   ("Outcome type", _dict(event.get("category")).get("name"))):
                    columns[key].append(_text(value))
                raws.append(raw_text({"crime": crime_id, "outcome": outcome}))

        def reasons(table: pa.Table) -> list[pa.Array]:
            dates = table["Month"].combine_chunks()
            return [
                _crime_id_check(table["Crime ID"].combine_chunks(), allow_blank=False),
                _why(pc.invert(pc.match_substring_regex(dates, vocab_months.PATTERN)), dates,
                     "date {} is not a month (YYYY-MM)"),
                _number_check(table["Longitude"].combine_chunks(), "Longitude"),
                _number_check(table["Latitude"].combine_chunks(), "Latitude"),
                _required(table["Outcome type"].combine_chunks(), "Outcome type"),
            ]

        rows, rejects = _checked(columns, raws, reasons)
        types = rows["Outcome type"].combine_chunks()
        months = [vocab_months.month_start(m) for m in rows["Month"].to_pylist()]
        table = pa.table({
            **_place(rows, force),
            "month": pa.array(months, pa.date32()),
            "outcome_type": types,
            "outcome_class": classes(types),
            "source_row": rows["source_row"].combine_chunks(),
        })
        return TableRows(table, {"crime_id": tuple(sorted(ids))}, rejects)


API_STREET_CRIME = ApiStreetCrime()
API_CRIME_OUTCOMES = ApiCrimeOutcomes()
