"""How a person names an area: its ONS code or its name in any case, without the ", City of" or ", County of"
official names carry ("Bristol" is "Bristol, City of"), or the first words of a name when one area alone starts
with them ("Kingston" is ambiguous: the error lists both). One matcher for the stop and search scope, street
crime and the Metropolitan Police's borough files, so `--area` means the same everywhere."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from scrutiny.errors import BadInput

# What official names put after a comma and LSOA names leave out (`Bristol, City of` / "Bristol 001A").
OFFICIAL_SUFFIX = ", (city|county) of$"
_SUFFIX = re.compile(OFFICIAL_SUFFIX, re.IGNORECASE)
LISTED = 40  # known names an unknown-area error lists
# Regions an area can name: Greater London (ONS region E12000007) is its 33 authorities, the codes starting E09.
# A region is one "area" of a scope: "London's searches", whichever force made them, against London's residents.
REGIONS = {"E12000007": ("London", "E09")}
LONDON = "E12000007"
# Whose searches make "one London picture": the two forces of London's authorities and British Transport Police.
LONDON_FORCES = "btp,city-of-london,metropolitan"


def region_prefix(code: str | None) -> str | None:
    """The code prefix of a region's authorities; None for an authority (or no area)."""
    found = REGIONS.get(code or "")
    return found[1] if found else None


def with_regions(known: Mapping[str, str]) -> dict[str, str]:
    """`known` (code: name) with each region some of whose authorities it holds."""
    out = dict(known)
    for code, (name, prefix) in REGIONS.items():
        if any(c.startswith(prefix) for c in known):
            out[code] = name
    return out


def plain_name(name: str) -> str:
    """The name as people say it: single spaces, no official suffix, case folded."""
    return _SUFFIX.sub("", " ".join(name.split())).casefold()


def find_area(known: Mapping[str, str], given: str, *, loc: tuple[str, ...] = ("query", "area"),
              ) -> tuple[str, str] | None:
    """(code, name) among `known` (code: name) of the area `given` names; None when none does (the caller says
    what was searched); an error listing them when several do."""
    wanted = plain_name(given)
    if not wanted:
        raise BadInput("an empty area: give an ONS code (E06000023) or a name (Bristol)", loc=loc)
    by_code = [c for c in known if c.casefold() == wanted]
    exact = by_code or [c for c, n in known.items() if plain_name(n) == wanted]
    starting = exact or [c for c, n in known.items() if plain_name(n).startswith(wanted + " ")]
    if len(starting) == 1:
        return starting[0], known[starting[0]]
    if starting:
        listed = "; ".join(f"{known[c]} ({c})" for c in sorted(starting, key=lambda c: (known[c], c)))
        raise BadInput(f"area {given!r} matches {len(starting)} areas: {listed}; give the code or the whole name",
                       loc=loc)
    return None


def listed_names(names: Iterable[str]) -> str:
    """Known names for an unknown-area error: the first LISTED in order, and how many more."""
    distinct = sorted(set(names))
    more = f" (and {len(distinct) - LISTED} more)" if len(distinct) > LISTED else ""
    return ", ".join(distinct[:LISTED]) + more


def close_names(names: Iterable[str], given: str, most: int = 3) -> list[str]:
    """Names a mistyped one may mean ("Bristl" -> "Bristol, City of"), close in spelling as people say them."""
    by_plain = {plain_name(name): name for name in names}
    return [by_plain[p] for p in difflib.get_close_matches(plain_name(given), list(by_plain), n=most, cutoff=0.75)]
