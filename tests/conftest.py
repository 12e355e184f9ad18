"""Shared test helpers: where the real data is, a fresh warehouse, the CLI runner, tiny archive files."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.sources.police_uk_archive import STOP_SEARCH_HEADER

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# Modules whose every test carries the marker `one_process` and no other (a `pytestmark`): building their tests
# is work (schemathesis generates its cases while the module is collected), so a run whose -m leaves that marker
# out does not collect them at all, rather than collect and then deselect them (`make test`'s first part,
# `make test-fast`). tests/test_one_process_modules.py checks the list against the modules' markers.
ONE_PROCESS_MODULES = ("web/test_schemathesis.py",)
TESTS = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """True (not collected) for a module of ONE_PROCESS_MODULES when -m would deselect its tests."""
    if not config.option.markexpr or not collection_path.is_relative_to(TESTS) \
            or collection_path.relative_to(TESTS).as_posix() not in ONE_PROCESS_MODULES:
        return None
    from _pytest.mark.expression import Expression

    selects = Expression.compile(config.option.markexpr).evaluate(lambda name, **_: name == "one_process")
    return None if selects else True


def shared(*parts: str) -> Path:
    """A path inside ../shared/data, or skip the test saying why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present at {path} (../shared/data beside the repository)")
    return path


CHROMIUM = Path("/usr/bin/chromium")  # Debian's (packages chromium, chromium-driver); never `playwright install`
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test (each test opens its own context in it)."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian packages chromium and chromium-driver)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def cli() -> Callable[..., object]:
    runner = CliRunner()

    def run(*args: str | Path, ok: bool = True) -> object:
        result = runner.invoke(app, [str(a) for a in args])
        if ok and result.exit_code != 0:
            raise AssertionError(f"scrutiny {' '.join(map(str, args))} failed:\n{result.output}") from result.exception
        return result

    return run


def write_archive(
    folder: Path, month: str, force: str, rows: Sequence[str], *, newline: str = "\n",
    header: Sequence[str] = STOP_SEARCH_HEADER,
) -> Path:
    """An archive file with the official name and layout, rows given as raw CSV lines."""
    path = folder / month / f"{month}-{force}-stop-and-search.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join([",".join(header), *rows]) + newline).encode("utf-8"))
    return path


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def reader(db: Path) -> Any:
    """The backend every metrics command reads `db` through (metrics.warehouse_backend.Reader), sharing the
    process's compiled SQL for this version of the file as they do: for tests computing many documents."""
    from scrutiny.metrics.warehouse_backend import Reader, reader_cache
    from scrutiny.warehouse.connect import connect

    return Reader.over(connect(db, read_only=True), reader_cache(db))


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, to prove a failed ingest changed nothing."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        con.close()
