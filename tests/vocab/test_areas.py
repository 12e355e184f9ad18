"""Naming an area (`vocab.areas`): by code or name in any case, without the official ", City of", or by the
first whole words of one name; several matches are listed, not guessed between."""

from __future__ import annotations

import pytest

from scrutiny.errors import BadInput
from scrutiny.vocab.areas import find_area, listed_names, plain_name

KNOWN = {"E06000023": "Bristol, City of", "E06000010": "Kingston upon Hull, City of",
         "E09000021": "Kingston upon Thames", "E09000012": "Hackney", "W06000015": "Cardiff",
         "E07000008": "Cambridge", "E06000019": "Herefordshire, County of"}


@pytest.mark.parametrize(("given", "code"), [
    ("Bristol", "E06000023"), ("bristol, city of", "E06000023"), ("  BRISTOL ", "E06000023"),
    ("e06000023", "E06000023"), ("Kingston upon Hull", "E06000010"), ("kingston  upon thames", "E09000021"),
    ("Herefordshire", "E06000019"), ("Hackney", "E09000012"), ("Hack", None),
    ("Camb", None), ("Narnia", None), ("E06", None),
])
def test_an_area_is_found_by_code_name_or_plain_name(given: str, code: str | None) -> None:
    found = find_area(KNOWN, given)
    assert (found and found[0]) == code
    if found:
        assert found[1] == KNOWN[found[0]]


def test_kingston_is_two_places_and_both_are_listed_with_their_codes() -> None:
    with pytest.raises(BadInput) as refused:
        find_area(KNOWN, "Kingston")
    assert str(refused.value) == ("area 'Kingston' matches 2 areas: Kingston upon Hull, City of (E06000010); "
                                  "Kingston upon Thames (E09000021); give the code or the whole name")


def test_an_empty_area_is_refused() -> None:
    with pytest.raises(BadInput, match="an empty area"):
        find_area(KNOWN, "   ")


def test_names_are_listed_forty_at_most() -> None:
    assert plain_name("Bristol,  City of") == "bristol"
    names = [f"Area {i:02d}" for i in range(45)]
    assert listed_names(names + names[:3]) == ", ".join(names[:40]) + " (and 5 more)"
    assert listed_names(["B", "A"]) == "A, B"
