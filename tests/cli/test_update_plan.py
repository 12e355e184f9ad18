"""What `scrutiny update` fetches (scrutiny.sources.update_plan), without a network or a warehouse."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from scrutiny.errors import SourceUnavailable
from scrutiny.sources.update_plan import Held, UpdateState, parse_listing, plan

DATES = [{"date": "2024-10", "stop-and-search": ["city-of-london", "metropolitan"]},
         {"date": "2024-09", "stop-and-search": ["btp", "city-of-london", "metropolitan"]}]
LISTING = parse_listing(DATES, {"date": "2024-11-21"})
API, ARCHIVE = "stops_json", "stop_search_csv"


def test_listing_is_read_oldest_first_with_its_forces() -> None:
    assert list(LISTING.months) == ["2024-09", "2024-10"]
    assert LISTING.forces == ["btp", "city-of-london", "metropolitan"]
    assert LISTING.last_updated == date(2024, 11, 21)
    assert parse_listing([], {"date": "2024-11-21T00:00:00"}).last_updated == date(2024, 11, 21)


@pytest.mark.parametrize(("dates", "updated", "message"), [
    ({"date": "2024-10"}, {"date": "2024-11-21"}, "crimes-street-dates: expected a JSON list"),
    ([{"date": "Oct 2024", "stop-and-search": []}], {"date": "2024-11-21"}, "unexpected entry"),
    ([{"date": "2024-10"}], {"date": "2024-11-21"}, "unexpected entry"),
    (DATES, {"date": "soon"}, "crime-last-updated: expected"),
    (DATES, {"date": "2024-13-40"}, "is not a date"),
    (DATES, [], "crime-last-updated: expected"),
])
def test_an_answer_of_another_shape_is_the_api_failing(dates: object, updated: object, message: str) -> None:
    with pytest.raises(SourceUnavailable, match=message):
        parse_listing(dates, updated)


def held(kind: str, loaded: str) -> Held:
    return Held(kind, datetime.fromisoformat(loaded), 10)


def test_missing_months_and_months_the_api_does_not_list() -> None:
    have = {("metropolitan", "2024-09"): held(API, "2024-12-01T09:00")}
    todo = plan(LISTING, have, None, {})
    assert todo.missing == [("btp", "2024-09"), ("city-of-london", "2024-09"), ("city-of-london", "2024-10"),
                            ("metropolitan", "2024-10")]
    assert todo.recheck == []  # loaded after the API's release: cannot have been republished since
    assert todo.unlisted == {"btp": ["2024-10"]}
    assert plan(LISTING, have, ["btp", "kent"], {}).unlisted == {"btp": ["2024-10"], "kent": ["2024-09", "2024-10"]}


def test_recheck_only_api_months_loaded_by_the_release_and_not_checked_against_it() -> None:
    have = {
        ("metropolitan", "2024-09"): held(API, "2024-11-20T23:00"),  # before the release
        ("metropolitan", "2024-10"): held(API, "2024-11-21T08:00"),  # the release's day: cannot tell, so check
        ("city-of-london", "2024-09"): held(ARCHIVE, "2024-11-01T00:00"),  # the archive's: left alone
        ("city-of-london", "2024-10"): held(API, "2024-11-22T00:00"),  # after it
        ("btp", "2024-09"): held(API, "2024-11-01T00:00"),
    }
    todo = plan(LISTING, have, None, {"btp": "2024-11-21", "metropolitan": "2024-10-17"})
    assert todo.missing == []
    assert todo.recheck == [("metropolitan", "2024-09"), ("metropolitan", "2024-10")]  # btp checked already
    assert todo.fetch == sorted(todo.recheck)


def test_state_is_kept_beside_the_warehouse_and_merged(tmp_path: Path) -> None:
    state = UpdateState(tmp_path / "w.duckdb")
    assert state.checked() == {}
    state.record(["metropolitan", "btp"], date(2024, 11, 21))
    state.record(["btp"], date(2024, 12, 19))
    assert state.checked() == {"btp": "2024-12-19", "metropolitan": "2024-11-21"}
    assert (tmp_path / "w.duckdb.update.json").is_file()
    (tmp_path / "w.duckdb.update.json").write_text("{not json")
    assert state.checked() == {}  # lost or damaged: one more check, never an error
