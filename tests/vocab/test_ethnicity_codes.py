"""The police's ethnicity codes and their groups, written out here by hand from the published lists (16+1:
2001 Census; 18+1: 2011 Census, the Home Office's current set; IC codes), not read from the catalogue: the
catalogue must say exactly this, every code must read as its group, and what is not a known code is refused
with its value, never read as Not stated."""

from __future__ import annotations

import duckdb
import pytest

from scrutiny.catalog import catalog_path, read_catalog
from scrutiny.vocab.ethnicity import UnmappedEthnicity, read_ethnicity, self_defined_group
from scrutiny.warehouse.stop_search_load import SELF_GROUP

SIXTEEN = {"W1": "White", "W2": "White", "W9": "White", "M1": "Mixed", "M2": "Mixed", "M3": "Mixed",
           "M9": "Mixed", "A1": "Asian", "A2": "Asian", "A3": "Asian", "A9": "Asian", "B1": "Black",
           "B2": "Black", "B9": "Black", "O1": "Other", "O9": "Other", "NS": "Not stated"}
EIGHTEEN = {"W1": "White", "W2": "White", "W3": "White", "W9": "White", "M1": "Mixed", "M2": "Mixed",
            "M3": "Mixed", "M9": "Mixed", "A1": "Asian", "A2": "Asian", "A3": "Asian", "A4": "Asian",
            "A9": "Asian", "B1": "Black", "B2": "Black", "B9": "Black", "O2": "Other", "O9": "Other",
            "NS": "Not stated"}
OFFICER = {"IC1": "White", "IC2": "White", "IC3": "Black", "IC4": "Asian", "IC5": "Asian", "IC6": "Other",
           "IC9": "Not stated"}


def test_the_catalogue_holds_exactly_the_published_codes() -> None:
    rows = read_catalog("ethnicity_codes.csv")
    by_set: dict[str, dict[str, str]] = {}
    for row in rows:
        assert row["description"].strip(), row
        by_set.setdefault(row["code_set"], {})[row["code"]] = row["group"]
    assert by_set == {"16+1": SIXTEEN, "18+1": EIGHTEEN, "officer-defined": OFFICER}
    assert len(SIXTEEN) == 16 + 1 and len(EIGHTEEN) == 18 + 1 and len(rows) == 17 + 19 + 7


@pytest.mark.parametrize("code_set", [SIXTEEN, EIGHTEEN], ids=["16+1", "18+1"])
def test_every_self_defined_code_reads_as_its_group(code_set: dict[str, str]) -> None:
    for code, group in code_set.items():
        assert read_ethnicity(code) == group, code
        assert read_ethnicity(f" {code.lower()} ") == group, code  # as typed: case and spaces do not matter
        assert read_ethnicity(code, "officer") == group, code  # an officer may use the self-defined codes


def test_every_officer_defined_code_reads_as_its_group() -> None:
    for code, group in OFFICER.items():
        assert read_ethnicity(code, "officer") == group, code
        assert read_ethnicity(code.lower(), "officer") == group, code


def test_a_code_within_words() -> None:
    assert read_ethnicity("White - White British (W1)") == "White"
    assert read_ethnicity("Chinese or other ethnic group - Chinese (O1)") == "Other"
    assert read_ethnicity("W3 - Gypsy or Irish Traveller") == "White"
    assert read_ethnicity("A4 Chinese") == "Asian"
    assert read_ethnicity("B2: African") == "Black"
    assert read_ethnicity("Not Stated (NS)") == "Not stated"
    assert read_ethnicity("IC3 - Black", "officer") == "Black"


def test_words_and_not_stated() -> None:
    assert read_ethnicity("Black/African/Caribbean/Black British - Caribbean") == "Black"
    assert read_ethnicity("Asian/Asian British - Chinese") == "Asian"
    assert read_ethnicity("Mixed") == "Mixed"
    assert read_ethnicity("white", "officer") == "White"
    for nothing in ("", "   ", None, "Not stated", "Other ethnic group - Not stated", "Unknown", "not known"):
        assert read_ethnicity(nothing) == "Not stated", nothing


@pytest.mark.parametrize(("value", "kind", "says"), [
    ("B7", "self", "B7 is not a self-defined ethnicity code"),
    ("W4", "self", "W4 is not a self-defined ethnicity code"),
    ("IC3", "self", "IC3 is an officer-defined code, not a self-defined one"),
    ("IC7", "officer", "IC7 is not an ethnicity code"),
    ("Q1", "officer", "Q1 is not an ethnicity code"),
    ("White British", "self", "is not an ethnicity code or a description"),
    ("Martian - Red", "self", "is not an ethnicity code or a description"),
    ("Somewhere (Z9)", "self", "Z9 is not a self-defined ethnicity code"),
])
def test_an_unknown_code_is_refused_with_its_value(value: str, kind: str, says: str) -> None:
    with pytest.raises(UnmappedEthnicity) as refused:
        read_ethnicity(value, "self" if kind == "self" else "officer")
    assert refused.value.value == value and says in str(refused.value) and repr(value) in str(refused.value)


def test_the_lenient_reading_keeps_the_warehouse_rule() -> None:
    """Where a group must be given (records built in code), a value read_ethnicity refuses falls back to the
    warehouse's rule: an old code's letter, else Not stated."""
    assert self_defined_group("B1") == "Black"
    assert self_defined_group("Something (W7)") == "White"
    assert self_defined_group("Martian") == "Not stated"


# Every self-defined value in the real data.police.uk archive files under /work/shared/data (2016-2023), with
# its group as the Census groups it (counted by hand, letter by letter for the coded ones).
PUBLISHED = {
    "Asian or Asian British - Any other Asian ethnic background (A9)": "Asian",
    "Asian or Asian British - Bangladeshi (A3)": "Asian", "Asian or Asian British - Indian (A1)": "Asian",
    "Asian or Asian British - Pakistani (A2)": "Asian", "Asian/Asian British - Any other Asian background": "Asian",
    "Asian/Asian British - Bangladeshi": "Asian", "Asian/Asian British - Chinese": "Asian",
    "Asian/Asian British - Indian": "Asian", "Asian/Asian British - Pakistani": "Asian",
    "Black or Black British - African (B2)": "Black",
    "Black or Black British - Any other Black ethnic background (B9)": "Black",
    "Black or Black British - Caribbean (B1)": "Black", "Black/African/Caribbean/Black British - African": "Black",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": "Black",
    "Black/African/Caribbean/Black British - Caribbean": "Black",
    "Chinese or other ethnic group - Any other ethnic group (O9)": "Other",
    "Chinese or other ethnic group - Chinese (O1)": "Other",
    "Mixed - Any other Mixed ethnic background (M9)": "Mixed", "Mixed - White and Asian (M3)": "Mixed",
    "Mixed - White and Black African (M2)": "Mixed", "Mixed - White and Black Caribbean (M1)": "Mixed",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": "Mixed",
    "Mixed/Multiple ethnic groups - White and Asian": "Mixed",
    "Mixed/Multiple ethnic groups - White and Black African": "Mixed",
    "Mixed/Multiple ethnic groups - White and Black Caribbean": "Mixed", "Not Stated (NS)": "Not stated",
    "Other ethnic group - Any other ethnic group": "Other", "Other ethnic group - Arab": "Other",
    "Other ethnic group - Not stated": "Not stated", "White - Any other White background": "White",
    "White - Any other White ethnic background (W9)": "White",
    "White - English/Welsh/Scottish/Northern Irish/British": "White", "White - Gypsy or Irish Traveller": "White",
    "White - Irish": "White", "White - White British (W1)": "White", "White - White Irish (W2)": "White",
}


def test_published_values_read_as_the_census_and_the_warehouse_group_them() -> None:
    """The same group for every published value whether an import reads it or the warehouse loads it (its
    SQL run here in DuckDB over the same prefix catalogue), so imported and drawn records compare."""
    con = duckdb.connect()
    con.execute("CREATE TABLE ethnic_prefix AS SELECT * FROM read_csv($p, header = true, all_varchar = true)",
                {"p": str(catalog_path("ethnic_groups.csv"))})
    con.execute("CREATE TABLE v (value VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[value] for value in PUBLISHED])
    warehouse = dict(con.execute(f"SELECT v.value, {SELF_GROUP} FROM v LEFT JOIN ethnic_prefix p "
                                 "ON p.prefix = trim(split_part(v.value, ' - ', 1))").fetchall())
    con.close()
    for value, group in PUBLISHED.items():
        assert read_ethnicity(value) == group, value
        assert warehouse[value] == ("unknown" if group == "Not stated" else group), value
