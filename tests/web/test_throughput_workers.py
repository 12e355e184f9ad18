"""`scrutiny serve --workers N` (issue 22): N server processes on one port, each a whole app from the same
settings; a bad N is one line, not a traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.web.workers import MAX_WORKERS, check_workers
from tests.loopback import TLS


@pytest.mark.parametrize("workers", ["0", "-1", str(MAX_WORKERS + 1)])
def test_a_bad_number_of_workers_is_one_line(workers: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--db", str(tmp_path / "none.duckdb"), "--workers", workers])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert lines == [f"error: --workers {workers}: give 1 to {MAX_WORKERS} server processes (this machine has "
                     f"{os.cpu_count() or 1} cores)"], result.output
    assert "Traceback" not in result.output


def test_check_workers_accepts_the_range() -> None:
    assert [check_workers(n) for n in (1, 2, MAX_WORKERS)] == [1, 2, MAX_WORKERS]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_two_workers_answer_the_same_document(web_db: Path, tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scrutiny", "serve", "--db", str(web_db), "--workspace", str(tmp_path / "ws.db"),
         "--port", str(port), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    params = {"force": "kent", "from": "2024-01", "to": "2024-02"}
    try:
        deadline = time.monotonic() + 240  # two workers each import the app and settle it: slow on a busy machine
        answers: list[httpx.Response] = []
        while len(answers) < 4 and time.monotonic() < deadline:
            try:  # a new connection each time, so the kernel may hand it to either worker
                answers.append(httpx.get(f"http://127.0.0.1:{port}/api/v1/metrics", params=params, timeout=30,
                                         verify=TLS))
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.5)
        assert len(answers) == 4, "the server did not answer in time"
        expected = compute_metrics(web_db, Scope("kent", None, "2024-01", "2024-02"))
        assert all(a.status_code == 200 and a.json() == expected for a in answers)
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=60)
    assert out.count("Started server process") == 2, out
