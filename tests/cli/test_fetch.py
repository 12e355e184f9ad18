"""`scrutiny fetch` end to end through the CLI, against a loopback server serving ../shared/data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scrutiny.cli import app
from scrutiny.sources.police_uk_api import BASE_URL_ENV
from tests.loopback import LoopbackServer, shared_data

pytestmark = pytest.mark.shared_data


NATIONAL_LADS = "local_authority_districts_dec2022_uk_buc.geojson"


@pytest.fixture
def data() -> Path:
    return shared_data("police_uk", "api", "stops-force-metropolitan").parents[2]


@pytest.fixture
def server(data: Path) -> Iterator[LoopbackServer]:
    """Census and geography as files; the police API with crimes-street-dates listing 2024-09..2024-11."""
    api = data / "police_uk" / "api"
    dates = [{"date": m, "stop-and-search": ["metropolitan"]} for m in ("2024-11", "2024-10", "2024-09")]

    def route(path: str, query: dict[str, str]) -> bytes | Path | None:
        if path == f"/geography/{NATIONAL_LADS}":  # the mirror's one folder; the shared data keeps it apart
            return data / "geography_england_wales" / NATIONAL_LADS
        if path == "/api/crimes-street-dates":
            return json.dumps(dates).encode()
        if path in ("/api/stops-force", "/api/stops-no-location"):
            recorded = api / f"stops-force-{query.get('force')}" / f"{query.get('date')}.json"
            if not recorded.is_file():
                return None
            if path == "/api/stops-force":
                return recorded
            return json.dumps([r for r in json.loads(recorded.read_bytes()) if r["location"] is None]).encode()
        return None

    with LoopbackServer(root=data, route=route) as s:
        yield s


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def fetched(server: LoopbackServer) -> list[tuple[str, str]]:
    return sorted((r.path, r.query.get("date", "")) for r in server.requests)


def test_fetch_force_range_downloads_and_resumes(server: LoopbackServer, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "api"
    args = ("fetch", "--force", "metropolitan", "--from", "2024-09", "--to", "2024-10", "--out", out)
    result = run(*args, "--base-url", f"{server.url}/api", "--no-ingest")
    assert result.exit_code == 0, result.output
    assert "4 file(s) downloaded, 0 already complete" in result.output
    for month in ("2024-09", "2024-10"):
        saved = out / "stops-force-metropolitan" / f"{month}.json"
        recorded = data / "police_uk" / "api" / "stops-force-metropolitan" / f"{month}.json"
        assert saved.read_bytes() == recorded.read_bytes()
        assert (out / "stops-no-location-metropolitan" / f"{month}.json").is_file()
    server.clear()
    again = run(*args, "--base-url", f"{server.url}/api", "--no-ingest")
    assert again.exit_code == 0, again.output
    assert "0 file(s) downloaded, 4 already complete" in again.output
    assert server.requests == []


def test_fetch_latest_uses_available_dates_and_env_base_url(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASE_URL_ENV, f"{server.url}/api")
    result = run("fetch", "--force", "metropolitan", "--latest", "2", "--out", tmp_path, "--no-ingest")
    assert result.exit_code == 0, result.output
    assert fetched(server) == [
        ("/api/crimes-street-dates", ""),
        ("/api/stops-force", "2024-10"),
        ("/api/stops-force", "2024-11"),
        ("/api/stops-no-location", "2024-10"),
        ("/api/stops-no-location", "2024-11"),
    ]


def test_fetch_from_without_to_runs_to_the_latest_month(server: LoopbackServer, tmp_path: Path) -> None:
    result = run(
        "fetch", "--force", "metropolitan", "--from", "2024-10", "--out", tmp_path,
        "--base-url", f"{server.url}/api", "--no-ingest",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "stops-force-metropolitan").iterdir()) == [
        "2024-10.json",
        "2024-11.json",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--force", "atlantis", "--from", "2024-09", "--to", "2024-10"), "unknown force 'atlantis'"),
        (("--force", "metropolitan", "--from", "2024-13", "--to", "2024-10"), "bad month '2024-13'"),
        (("--force", "metropolitan", "--from", "2024-09", "--to", "Oct-2024"), "bad month 'Oct-2024'"),
        (
            ("--force", "metropolitan", "--from", "2024-11", "--to", "2024-09"),
            "from 2024-11 is after to 2024-09",
        ),
        (("--force", "metropolitan", "--from", "2024-09", "--to", "2999-01"), "2999-01 is in the future"),
        (("--force", "metropolitan", "--latest", "2", "--from", "2024-09"), "--latest cannot be combined"),
        (("--force", "metropolitan"), "give --from"),
        ((), "say what to fetch"),
    ],
)
def test_bad_input_is_a_clear_error_before_any_request(
    server: LoopbackServer, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run("fetch", *args, "--out", tmp_path, "--base-url", f"{server.url}/api", "--no-ingest")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert server.requests == []
    assert list(tmp_path.iterdir()) == []


def test_source_failure_is_a_clear_error(server: LoopbackServer, tmp_path: Path) -> None:
    result = run(
        "fetch", "--force", "metropolitan", "--from", "2023-01", "--to", "2023-01", "--out", tmp_path,
        "--base-url", f"{server.url}/api", "--no-ingest",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "force=metropolitan&date=2023-01" in result.output and "HTTP 404" in result.output


def test_fetch_census_and_boundaries(server: LoopbackServer, data: Path, tmp_path: Path) -> None:
    census = run("fetch", "census", "--out", tmp_path / "c", "--base-url", f"{server.url}/census2021", "--no-ingest")
    assert census.exit_code == 0, census.output
    name = "ts022_detailed_ethnicity_london_boroughs.csv"
    assert (tmp_path / "c" / name).read_bytes() == (data / "census2021" / name).read_bytes()
    geo = run("fetch", "boundaries", "--out", tmp_path / "g", "--base-url", f"{server.url}/geography", "--no-ingest")
    assert geo.exit_code == 0, geo.output
    name = "london_boroughs.geojson"
    assert (tmp_path / "g" / name).read_bytes() == (data / "geography" / name).read_bytes()
    national = data / "geography_england_wales" / NATIONAL_LADS
    assert (tmp_path / "g" / NATIONAL_LADS).read_bytes() == national.read_bytes()


def test_fetch_hands_the_files_to_ingest(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --no-ingest every file (fetched or already there) goes to run_ingest with --db."""
    import scrutiny.cli.warehouse as warehouse

    calls: list[tuple[list[Path], Path | None]] = []
    shrink: list[bool] = []

    def fake_ingest(paths: list[Path], db: Path | None, allow_shrink: bool = False) -> None:
        calls.append((paths, db))
        shrink.append(allow_shrink)

    monkeypatch.setattr(warehouse, "run_ingest", fake_ingest, raising=False)
    db = tmp_path / "w.duckdb"
    out = tmp_path / "api"
    result = run(
        "fetch", "--force", "metropolitan", "--from", "2024-09", "--to", "2024-10", "--out", out,
        "--db", db, "--base-url", f"{server.url}/api",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [(paths, given_db)] = calls
    assert given_db == db
    assert sorted(paths) == sorted(
        out / f"{kind}-metropolitan" / f"{m}.json"
        for kind in ("stops-force", "stops-no-location")
        for m in ("2024-09", "2024-10")
    )
    again = run(
        "fetch", "--force", "metropolitan", "--from", "2024-09", "--to", "2024-10", "--out", out,
        "--db", db, "--base-url", f"{server.url}/api", "--allow-shrink",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert shrink == [False, True]
    calls.clear()
    census = run("fetch", "census", "--out", tmp_path / "c", "--db", db, "--base-url", f"{server.url}/census2021")
    assert census.exit_code == 0, census.output
    assert calls == [([tmp_path / "c" / "ts022_detailed_ethnicity_london_boroughs.csv"], db)]


def test_force_options_do_not_mix_with_subcommands(server: LoopbackServer, tmp_path: Path) -> None:
    result = run("fetch", "--force", "metropolitan", "census", "--out", tmp_path, "--no-ingest")
    assert result.exit_code == 1
    assert "do not apply to `fetch census`" in result.output
    assert server.requests == []


def test_fetch_then_ingest_loads_the_warehouse(server: LoopbackServer, tmp_path: Path) -> None:
    """The real ingest: the fetched month lands in stop_search once (no-location is not loaded twice)."""
    import duckdb

    db = tmp_path / "w.duckdb"
    result = run(
        "fetch", "--force", "metropolitan", "--from", "2024-09", "--to", "2024-09", "--out", tmp_path / "api",
        "--db", db, "--base-url", f"{server.url}/api",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(rows,)] = con.execute("SELECT count(*) FROM stop_search WHERE force = 'metropolitan'").fetchall()
    finally:
        con.close()
    assert rows == 3253  # the records in the recorded 2024-09 response
