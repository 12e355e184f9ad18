"""Grouped answers are classified and summed in Arrow (metrics.counts): the categories must be the catalogue's,
checked here by eye on a few rows, and the sums must be the frame pandas' groupby gives (values, order, dtypes),
checked against pandas itself on a table with a missing key, flags and dates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa

from scrutiny.metrics import counts
from scrutiny.metrics.categories import age_bands, people
from scrutiny.metrics.lens import object_groups, object_groups_of, power_keys, powers_of

S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
S23 = "Misuse of Drugs Act 1971 (section 23)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
LEGISLATION = [S23, PACE, S60, "A law no catalogue knows", "", None]
OBJECTS = ["Controlled drugs", "Stolen goods", "Controlled drugs", "Firearms", None, "Something else"]


def test_powers_by_eye() -> None:
    assert power_keys(pa.array(LEGISLATION, pa.string())).to_pylist() == [
        "s23", "s1", "s60", "other", "not_recorded", "not_recorded"]


def test_object_groups_by_eye_a_legislation_rule_wins() -> None:
    # section 60 is weapons whatever the object; an object the catalogue does not know is `other`
    groups = object_groups(pa.array(LEGISLATION, pa.string()), pa.array(OBJECTS, pa.string()))
    assert groups.to_pylist() == ["drugs", "key_crime", "weapons", "weapons", "other", "other"]


def test_age_bands_and_people_by_eye() -> None:
    ages = pa.array(["10-17", "over 34", "under 10", "12", None], pa.string())
    assert age_bands(ages).to_pylist() == ["10-17", "over 34", "under 10", "unknown", "unknown"]
    types = pa.array(["Person search", "Vehicle search", "Person and Vehicle search", None], pa.string())
    assert people(types).to_pylist() == [True, False, True, False]


def test_pandas_columns_keep_their_index() -> None:
    index = [7, 3, 9, 1, 4, 2]
    legislation = pd.Series(LEGISLATION, index=index, dtype="str")
    objects = pd.Series(OBJECTS, index=index, dtype="str")
    assert powers_of(legislation).to_dict() == {7: "s23", 3: "s1", 9: "s60", 1: "other", 4: "not_recorded",
                                                2: "not_recorded"}
    assert object_groups_of(legislation, objects).to_dict() == {7: "drugs", 3: "key_crime", 9: "weapons",
                                                                1: "weapons", 4: "other", 2: "other"}


def test_classified_replaces_published_values_with_categories() -> None:
    answer = pa.table({"search_type": pa.array(["Person search", "Vehicle search"]),
                       "age_range": pa.array(["18-24", None], pa.string()),
                       "legislation": pa.array([S23, S60]), "object_of_search": pa.array(["Controlled drugs", None]),
                       "n": pa.array([4, 2], pa.int64())})
    out = counts.classified(answer)
    assert out.column_names == ["n", "power", "object_group", "age", "person"]
    assert out.to_pylist() == [
        {"n": 4, "power": "s23", "object_group": "drugs", "age": "18-24", "person": True},
        {"n": 2, "power": "s60", "object_group": "weapons", "age": "unknown", "person": False},
    ]


def test_sums_are_pandas_groupby_values_order_and_dtypes() -> None:
    rows = pd.DataFrame({
        "group": pd.Series(["White", "Black", None, "Black", "White", None, "Asian"], dtype="str"),
        "rated": [True, False, True, False, True, True, False],
        "month": pd.to_datetime([date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 1),
                                 date(2024, 2, 1), date(2024, 1, 1), date(2024, 3, 1)]).astype("datetime64[s]"),
        "n": [1, 2, 3, 4, 5, 6, 7], "found": [0, 1, 1, 0, 2, 3, 0],
    })
    table = pa.Table.from_pandas(rows, preserve_index=False)
    table = table.set_column(2, "month", table["month"].cast(pa.date32()))  # as DuckDB answers a DATE
    for keys in (["group", "rated"], ["month"], ["rated", "group", "month"]):
        expected = rows.groupby(keys, dropna=False, as_index=False)[["n", "found"]].sum()
        got = counts._summed(table.select([*keys, "n", "found"]), keys)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # by eye: Black 2+4, White 1+5, the missing group last
    by_group = counts._summed(table.select(["group", "n"]), ["group"])
    assert by_group.fillna("-").values.tolist() == [["Asian", 7], ["Black", 6], ["White", 6], ["-", 9]]
