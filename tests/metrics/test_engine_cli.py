"""The product's own commands on PySpark: `scrutiny export --format parquet DIR`, then `scrutiny metrics ...
--engine pyspark --source DIR` prints the same document, byte for byte, as `scrutiny metrics ... --db` on DuckDB,
on Spark in local mode and through a Spark Connect server (a real one, started here on the loopback interface).

Sample: two months of Metropolitan and City of London stops with the Census and the geography (as the
portability test). Skipped with a message without Java or the shared data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.warehouse import engine
from scrutiny.warehouse.spark_engine import MIN_JAVA, java_major, java_version
from tests.conftest import shared
from tests.loopback import TLS

pytestmark = [
    pytest.mark.spark,
    pytest.mark.shared_data,
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]

MONTHS = ("2018-04", "2018-05")
SCOPES = {
    "metropolitan": ["--force", "metropolitan", "--from", "2018-04", "--to", "2018-05"],
    "hackney-drugs": ["--force", "metropolitan", "--area", "Hackney", "--from", "2018-04", "--to", "2018-05",
                      "--purpose", "drugs"],
}  # all forces and the officer basis are compared on Spark by test_portability.py


def _java() -> None:
    version = java_version()
    if version is None:
        pytest.skip("no Java runtime (`java` on PATH or $JAVA_HOME): PySpark needs Java 17")
    major = java_major(version)
    if major is not None and major < MIN_JAVA:
        pytest.skip(f"PySpark 4.0 needs Java {MIN_JAVA} or later; found {version!r}")
    pytest.importorskip("pyspark", reason="pyspark is not installed: run `.venv/bin/pip install -e '.[dev]'`")


def _run(*args: str | Path) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample's warehouse and its export, both made by the commands a user runs."""
    _java()
    data = shared()
    inputs = [data / "police_uk" / "archive" / m for m in MONTHS] + [data / "census2021", data / "geography"]
    for path in inputs:
        if not path.exists():
            pytest.skip(f"real data not present at {path} (../shared/data beside the repository)")
    work = tmp_path_factory.mktemp("engine")
    db, out = work / "sample.duckdb", work / "export"
    _run("ingest", *inputs, "--db", db)
    _run("export", out, "--format", "parquet", "--db", db)
    return db, out


@pytest.fixture(scope="module")
def on_duckdb(exported: tuple[Path, Path]) -> dict[str, str]:
    """Each scope's document from DuckDB, computed before any Spark session starts in this process."""
    db, _ = exported
    assert engine.active_backend() is None
    return {name: _run("metrics", *args, "--db", db) for name, args in SCOPES.items()}


@pytest.fixture
def spark_stopped() -> Iterator[None]:
    yield
    engine.stop()


def test_metrics_on_local_spark_prints_the_same_document(exported: tuple[Path, Path], on_duckdb: dict[str, str],
                                                         spark_stopped: None) -> None:
    _, out = exported
    for name, args in SCOPES.items():
        got = _run("metrics", *args, "--engine", "pyspark", "--source", out)
        assert got == on_duckdb[name], name
    assert '"searches": 0' not in on_duckdb["metropolitan"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def connect_server(tmp_path: Path) -> Iterator[str]:
    """A Spark Connect server of the installed PySpark on a free loopback port, stopped after the test."""
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    log = (tmp_path / "connect.log").open("w")
    server = subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
         "--master", "local[2]", "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", "spark.ui.enabled=false",
         "--conf", "spark.sql.session.timeZone=UTC", "--conf", "spark.sql.shuffle.partitions=2", "spark-internal"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"the Spark Connect server exited: {(tmp_path / 'connect.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the Spark Connect server did not listen within 180 s")
        yield f"sc://127.0.0.1:{port}"
    finally:
        engine.stop()
        _stop(server)
        log.close()


def test_metrics_through_spark_connect_prints_the_same_document(exported: tuple[Path, Path],
                                                                on_duckdb: dict[str, str], connect_server: str) -> None:
    _, out = exported
    got = _run("metrics", *SCOPES["hackney-drugs"], "--engine", "pyspark", "--source", out, "--spark", connect_server)
    assert got == on_duckdb["hackney-drugs"]
    engine.stop()  # PySpark's Connect mode is switched off again: later sessions (and servers started) are local
    assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ and "SPARK_REMOTE" not in os.environ


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "pyspark"], "--engine pyspark needs --source DIR"),
    (["--source", "x"], "--source goes with --engine pyspark"),
    (["--engine", "pyspark", "--source", "{missing}"], "no export at"),
    (["--engine", "pyspark", "--source", "{out}", "--spark", "sc://127.0.0.1:1"], "cannot be reached"),
    (["--engine", "pyspark", "--source", "{out}", "--spark", "https://spark.example.org"], "starts with sc://"),
])
def test_engine_mistakes_are_one_line(exported: tuple[Path, Path], tmp_path: Path, args: list[str],
                                      message: str) -> None:
    _, out = exported
    filled = [a.format(missing=tmp_path / "none", out=out) for a in args]
    result = CliRunner().invoke(app, ["metrics", *SCOPES["metropolitan"], *filled])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_serve_on_pyspark_answers_the_same_document(exported: tuple[Path, Path], on_duckdb: dict[str, str],
                                                    tmp_path: Path) -> None:
    """`scrutiny serve --engine pyspark --source DIR`, a real server process: the API's document is the command's."""
    import json
    import sys

    import httpx

    _, out = exported
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "scrutiny", "serve", "--engine", "pyspark", "--source", str(out), "--port", str(port),
         "--workspace", f"sqlite:///{tmp_path / 'ws.sqlite'}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2, verify=TLS).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        query = {"force": "metropolitan", "from": "2018-04", "to": "2018-05"}
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/metrics", params=query, timeout=240, verify=TLS)
        assert answer.status_code == 200, answer.text
        assert answer.json() == json.loads(on_duckdb["metropolitan"])
        page = httpx.get(f"http://127.0.0.1:{port}/force/metropolitan", params=query, timeout=240, verify=TLS)
        assert page.status_code == 200
    finally:
        _stop(server)
        log.close()


def test_serve_on_pyspark_is_one_process(exported: tuple[Path, Path]) -> None:
    _, out = exported
    result = CliRunner().invoke(app, ["serve", "--engine", "pyspark", "--source", str(out), "--workers", "2"])
    assert result.exit_code == 1 and "--engine pyspark serves from one process" in result.output
