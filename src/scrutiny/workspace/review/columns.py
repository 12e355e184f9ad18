"""The mapping screen's side of an import: which of our fields each of the file's columns holds, guessed from
the names forces give them ("Officer Collar No", "SDE", "Search Ref"), the first rows of every column to check
the guess by, and the user's choices read back into a mapping for records.import_csv.

The guess is only a starting point the user sees and corrects; nothing is imported on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.review.records import FIELD_KEYS, FIELDS

SAMPLE_ROWS = 3
SAMPLE_CHARS = 80
# Short forms in force exports, as the words they stand for.
ABBREVIATIONS = {
    "no": "number", "num": "number", "nr": "number", "ref": "reference",
    "sde": "self defined ethnicity", "ode": "officer defined ethnicity", "bwv": "body worn video",
    "eth": "ethnicity", "dob": "date of birth", "selfdefined": "self defined", "datetime": "date time",
}
# What each field is called in force exports, beside its own key and label (compared as words()).
NAMES: dict[str, tuple[str, ...]] = {
    "occurred_at": ("date", "date time", "search date", "date of search", "date and time", "date time of search",
                    "search date time", "occurred"),
    "force": ("force", "force name", "police force"),
    "area": ("borough", "area", "area code", "area name", "ward", "district", "local authority", "neighbourhood"),
    "self_defined_ethnicity": ("self defined ethnicity", "self defined ethnicity code", "ethnicity self defined",
                               "ethnicity", "ethnic group", "ethnicity code", "self defined ethnic group"),
    "officer_defined_ethnicity": ("officer defined ethnicity", "officer defined ethnicity code",
                                  "officer observed ethnicity", "ethnic appearance", "ic code", "identity code",
                                  "perceived ethnicity", "officer defined"),
    "age_range": ("age", "age range", "age group", "age band"),
    "gender": ("gender", "sex"),
    "object_of_search": ("object of search", "object", "search object", "reason for search", "search reason"),
    "legislation": ("legislation", "power", "power used", "search power", "legislation power"),
    "grounds": ("grounds", "grounds for search", "grounds text", "search grounds", "grounds narrative",
                "grounds for suspicion", "narrative"),
    "outcome": ("outcome", "search outcome", "result", "search result", "outcome of search"),
    "outcome_linked": ("outcome linked to object of search", "outcome linked to object", "outcome linked",
                       "linked", "linked to object", "find linked"),
    "body_worn_video": ("body worn video", "body worn video used", "bwv used", "body worn camera"),
    "officer": ("officer", "officer id", "officer number", "collar number", "officer collar number",
                "warrant number", "officer warrant number", "shoulder number", "searching officer",
                "officer payroll number", "payroll number"),
    "unit": ("unit", "unit id", "team", "squad", "unit name", "officer unit"),
    "force_reference": ("reference", "record reference", "urn", "search reference", "search record reference",
                        "record id", "search id", "record number", "search number", "id"),
}


def words(name: str) -> tuple[str, ...]:
    """A column name as lower-case words with short forms spelled out: "Officer Collar No" is
    ("officer", "collar", "number")."""
    out: list[str] = []
    for word in re.sub(r"[^a-z0-9]+", " ", name.casefold()).split():
        out += ABBREVIATIONS.get(word, word).split()
    return tuple(out)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _score(column: tuple[str, ...], names: Sequence[tuple[str, ...]]) -> int:
    """How well a column's name fits a field: a whole-name match beats any part, a longer part a shorter one
    (so "Officer Defined Ethnicity" is the officer-defined ethnicity, not the officer or the ethnicity)."""
    best = 0
    for name in names:
        if column == name:
            best = max(best, 100 + len(name))
        elif name and _contains(column, name):
            best = max(best, len(name))
    return best


def guess_mapping(columns: Sequence[str]) -> dict[str, str]:
    """Our field -> the file's column, best fits first, each field and column used once."""
    names = {f.key: [words(n) for n in (f.key.replace("_", " "), f.label.split("(")[0], *NAMES.get(f.key, ()))]
             for f in FIELDS}
    order = {f.key: i for i, f in enumerate(FIELDS)}
    fits = [(_score(words(c), names[f.key]), -order[f.key], -i, f.key, c)
            for i, c in enumerate(columns) for f in FIELDS]
    guess: dict[str, str] = {}
    taken: set[str] = set()
    for score, _, _, key, column in sorted(fits, reverse=True):
        if score and key not in guess and column not in taken:
            guess[key] = column
            taken.add(column)
    return {f.key: guess[f.key] for f in FIELDS if f.key in guess}


def column_samples(header: Sequence[str], rows: Sequence[Sequence[str]], n: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first `n` values of every column, each cut to SAMPLE_CHARS (grounds run long)."""
    def cut(text: str) -> str:
        text = text.strip()
        return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1].rstrip() + "…"

    return [[cut(row[i]) if i < len(row) else "" for row in rows[:n]] for i in range(len(header))]


def mapping_from_choices(choices: Mapping[int, str], header: Sequence[str]) -> dict[str, str]:
    """The mapping screen's answer (column number -> our field, "" for not used) as our field -> column.

    A field chosen for two columns is refused, naming both: the import would not know which to read."""
    mapping: dict[str, str] = {}
    labels = {f.key: f.label for f in FIELDS}
    for index, key in sorted(choices.items()):
        if not key:
            continue
        if key not in FIELD_KEYS:
            raise Invalid(f"col_{index}", f"{key!r} is not a field of a search record")
        if not 0 <= index < len(header):
            raise Invalid(f"col_{index}", "the file has no such column: upload it again")
        if key in mapping:
            raise Invalid(f"col_{index}", f"{labels[key].lower()} is chosen for two columns, "
                                          f"{mapping[key]!r} and {header[index]!r}: choose one")
        mapping[key] = header[index]
    return mapping
