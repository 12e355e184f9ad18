"""Web fixtures: a small warehouse built with the CLI, a TestClient on it, and a real uvicorn server.

The warehouse is the hand-counted Kent month of tests/metrics/test_fixture_metrics.py (43 rows, one of them
rejected, with Census residents, the force lookup and one boundary) plus a second Kent month and a BTP
month, so there are several forces, months and areas to filter, page through and download.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.web import create_app, get_settings
from tests.conftest import write_archive
from tests.metrics.test_fixture_metrics import (
    BLACK,
    DRUGS_ACT,
    IN_MAIDSTONE,
    NFA,
    OUTSIDE,
    PACE,
    ROWS,
    WHITE,
    row,
    write_kent_reference,
)

with warnings.catch_warnings():  # Starlette 1.x would like httpx2 for its TestClient; httpx works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

KENT_FEBRUARY = (
    [row("Person search", IN_MAIDSTONE, "18-24", BLACK, "Black", DRUGS_ACT, "Controlled drugs", "Arrest", "True",
         "False")] * 4
    + [row("Person and Vehicle search", OUTSIDE, "25-34", WHITE, "White", PACE, "Stolen goods", NFA, "False",
           "False")] * 6
    + [row("Vehicle search", ",", "", "", "", PACE, "Firearms", "Community resolution", "", "")] * 2
)
BTP_JANUARY = (
    [row("Person search", "51.5,-0.12", "over 34", WHITE, "White", PACE, "Stolen goods", NFA, "", "")] * 7
    + [row("Person search", "51.5,-0.12", "18-24", BLACK, "Black", DRUGS_ACT, "Controlled drugs", "Arrest", "", "")]
    * 5
)
KENT_MARCH = [row("Person search", IN_MAIDSTONE, "over 34", WHITE, "White", PACE, "Offensive weapons", NFA, "False",
                  "False")] * 9


def _dated(rows: list[str], month: str) -> list[str]:
    return [r.replace("2024-01-15T", f"{month}-15T") for r in rows]


def write_sources(folder: Path) -> Path:
    """Every file of the small warehouse, in the layouts `scrutiny ingest` recognises."""
    write_archive(folder, "2024-01", "kent", ROWS)
    write_archive(folder, "2024-02", "kent", _dated(KENT_FEBRUARY, "2024-02"))
    write_archive(folder, "2024-01", "btp", BTP_JANUARY)
    write_kent_reference(folder)
    return folder


def write_march(folder: Path) -> Path:
    """A third Kent month (9 searches), for loading while a server runs."""
    return write_archive(folder, "2024-03", "kent", _dated(KENT_MARCH, "2024-03"))


def ingest(*args: str | Path) -> None:
    result = CliRunner().invoke(cli_app, ["ingest", *map(str, args)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_sources(tmp_path_factory.mktemp("web-sources"))
    db = tmp_path_factory.mktemp("web-db") / "web.duckdb"
    ingest(folder, "--db", db)
    return db


@pytest.fixture
def fresh_db(web_db: Path, tmp_path: Path) -> Path:
    """A copy of the small warehouse that a test may change."""
    db = tmp_path / "fresh.duckdb"
    shutil.copy(web_db, db)
    return db


@pytest.fixture(scope="session")
def web_app(web_db: Path) -> FastAPI:
    return create_app(get_settings(web_db))


@pytest.fixture(scope="session")
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app) as test_client:
        yield test_client


def make_client(db: Path, **settings: object) -> TestClient:
    return TestClient(create_app(get_settings(db, **settings)))


class LiveServer:
    """The app under a real uvicorn server on 127.0.0.1 (a free port), in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()


@pytest.fixture(scope="session")
def live_server(web_app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(web_app) as server:
        yield server
