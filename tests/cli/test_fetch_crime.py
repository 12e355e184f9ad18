"""`scrutiny fetch --kind outcomes` end to end, against a loopback server: the outcome histories of the crimes
the warehouse holds are saved one file a month and loaded by ingest; resumable; bad input stops before any
request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scrutiny.cli import app
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query
from tests.loopback import LoopbackServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crime_api"
STREET = FIXTURES / "crimes-street-city-of-london-2024-01.json"  # C1 (Drugs), an ASB row, C3 (Violence)
C1, C3 = "aaaa" + "0" * 59 + "1", "aaaa" + "0" * 59 + "3"
MONTH_FILE = "outcomes-for-crime-city-of-london-2024-01.json"


def history(crime_id: str, category: str, *events: tuple[str, str]) -> dict[str, object]:
    crime = {"category": category, "persistent_id": crime_id, "location_subtype": "", "location_type": "Force",
             "location": {"latitude": "51.515000", "street": {"id": 1, "name": "On or near Cheapside"},
                          "longitude": "-0.093000"}, "context": "", "month": "2024-01", "id": 1}
    return {"crime": crime, "outcomes": [{"category": {"code": "x", "name": name}, "date": date, "person_id": None}
                                         for name, date in events]}


ANSWERS = {
    C1: history(C1, "drugs", ("Under investigation", "2024-01"), ("Offender given a drugs possession warning",
                                                                  "2024-02")),
    C3: history(C3, "violent-crime", ("Unable to prosecute suspect", "2024-02")),
}


@pytest.fixture
def answers() -> dict[str, dict[str, object]]:
    return dict(ANSWERS)


@pytest.fixture
def server(answers: dict[str, dict[str, object]]) -> Iterator[LoopbackServer]:
    def route(path: str, query: dict[str, str]) -> bytes | None:
        crime_id = path.removeprefix("/api/outcomes-for-crime/")
        return json.dumps(answers[crime_id]).encode() if crime_id in answers else None

    with LoopbackServer(route=route) as s:
        yield s


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse holding the City's street crimes of 2024-01 (as the API answered them)."""
    path = tmp_path / "w.duckdb"
    ingest_paths([STREET], path)
    return path


def run(server: LoopbackServer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, ["fetch", "--kind", "outcomes", "--force", "city-of-london",
                                    "--base-url", f"{server.url}/api", *[str(a) for a in args]])


def asked(server: LoopbackServer) -> list[str]:
    return sorted(r.path.removeprefix("/api/outcomes-for-crime/") for r in server.requests)


EVENTS = "SELECT crime_id, strftime(month, '%Y-%m'), outcome_type, outcome_class FROM crime_outcome ORDER BY ALL"


def test_histories_are_saved_one_file_a_month_and_ingested(server: LoopbackServer, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "api"
    result = run(server, "--from", "2024-01", "--to", "2024-01", "--out", out, "--db", db)
    assert result.exit_code == 0, result.output
    assert asked(server) == [C1, C3]
    assert "2 outcome histories downloaded, 0 already saved, of 2 crimes, in 1 month file(s)" in result.output
    saved = json.loads((out / MONTH_FILE).read_bytes())
    assert saved == [ANSWERS[C1], ANSWERS[C3]]
    assert sorted(p.name for p in out.iterdir()) == [MONTH_FILE]  # the answers kept while downloading are gone
    assert query(db, EVENTS) == [
        (C1, "2024-01", "Under investigation", "under_investigation"),
        (C1, "2024-02", "Offender given a drugs possession warning", "drugs_warning"),
        (C3, "2024-02", "Unable to prosecute suspect", "unable_to_prosecute")]
    assert query(db, "SELECT kind, unit, force FROM ingest_log WHERE kind = 'outcomes_for_crime_json'") == [
        ("outcomes_for_crime_json", "outcomes-for-crime/city-of-london/2024-01", None)]

    server.clear()
    again = run(server, "--from", "2024-01", "--out", out, "--db", db)  # --to: the last month loaded
    assert again.exit_code == 0, again.output
    assert "0 outcome histories downloaded, 2 already saved" in again.output
    assert server.requests == []
    assert len(query(db, EVENTS)) == 3


def test_type_narrows_the_crimes_asked_about(server: LoopbackServer, db: Path, tmp_path: Path) -> None:
    result = run(server, "--latest", "1", "--type", "Drugs", "--out", tmp_path / "api", "--db", db, "--no-ingest")
    assert result.exit_code == 0, result.output
    assert asked(server) == [C1]
    assert [h["crime"]["persistent_id"] for h in json.loads((tmp_path / "api" / MONTH_FILE).read_bytes())] == [C1]


def test_a_crime_the_api_does_not_know_is_reported_and_left_out(
    server: LoopbackServer, answers: dict[str, dict[str, object]], db: Path, tmp_path: Path
) -> None:
    del answers[C3]
    result = run(server, "--from", "2024-01", "--out", tmp_path / "api", "--db", db)
    assert result.exit_code == 0, result.output
    assert "1 crime(s) the API does not know (HTTP 404" in result.output and C3 in result.output
    assert query(db, "SELECT DISTINCT crime_id FROM crime_outcome") == [(C1,)]


def test_an_interrupted_month_goes_on_where_it_stopped(server: LoopbackServer, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "api"
    server.fail(400, match=C3)  # not retried: the download stops with C1 saved
    failed = run(server, "--from", "2024-01", "--out", out, "--db", db, "--workers", "1")
    assert failed.exit_code == 1 and "HTTP 400" in failed.output and "Traceback" not in failed.output
    assert not (out / MONTH_FILE).exists()
    server.clear()
    result = run(server, "--from", "2024-01", "--out", out, "--db", db)
    assert result.exit_code == 0, result.output
    assert asked(server) == [C3]
    assert len(json.loads((out / MONTH_FILE).read_bytes())) == 2


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2024-01", "--type", "Space crime"), "unknown crime type 'Space crime': one of Anti-social"),
    (("--from", "2023-01", "--to", "2023-02"), "no crimes with a Crime ID of city-of-london are loaded for 2023-01"),
    (("--from", "2024-01", "--type", "Burglary"), "no Burglary crimes of city-of-london are loaded for 2024-01"),
    (("--latest", "0"), "--latest must be at least 1"),
])
def test_bad_input_is_a_clear_error_before_any_request(server: LoopbackServer, db: Path, tmp_path: Path,
                                                       args: tuple[str, ...], message: str) -> None:
    result = run(server, *args, "--out", tmp_path / "api", "--db", db)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert server.requests == []
    assert not (tmp_path / "api").exists()


def test_without_street_crimes_loaded_it_says_what_to_load_first(server: LoopbackServer, tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    ingest_paths([FIXTURES / "outcomes-for-crime-city-of-london-2024-01.json"], db)
    result = run(server, "--from", "2024-01", "--out", tmp_path / "api", "--db", db)
    assert result.exit_code == 1
    assert "no street crimes of city-of-london are loaded" in result.output
    missing = run(server, "--from", "2024-01", "--out", tmp_path / "api", "--db", tmp_path / "none.duckdb")
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert server.requests == []


def test_kind_and_type_do_not_mix_with_other_fetches(server: LoopbackServer, tmp_path: Path) -> None:
    census = CliRunner().invoke(app, ["fetch", "--kind", "outcomes", "census", "--out", tmp_path, "--no-ingest"])
    assert census.exit_code == 1 and "do not apply to `fetch census`" in census.output
    stops = CliRunner().invoke(app, ["fetch", "--force", "city-of-london", "--from", "2024-01", "--type", "Drugs",
                                     "--out", tmp_path, "--base-url", f"{server.url}/api", "--no-ingest"])
    assert stops.exit_code == 1 and "--type applies to --kind outcomes only" in stops.output
    assert server.requests == []
