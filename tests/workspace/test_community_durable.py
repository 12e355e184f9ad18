"""A report answered with 201 is on disk: a real uvicorn server in a subprocess is killed with SIGKILL the
moment the 201 arrives, and the report must be in the database afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from scrutiny.workspace.community import reports
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.community import CommunityReport
from tests.loopback import TLS
from tests.workspace.factories_community import valid

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_an_accepted_report_survives_kill_9(ws: Workspace, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SCRUTINY_WORKSPACE": ws.url, "SCRUTINY_DB": str(tmp_path / "none.duckdb")}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "scrutiny.web.workspace.community_app:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # importing the app takes seconds on a busy 2-core machine
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else "server exited"
            try:
                if httpx.get(f"{url}/rights", timeout=1, verify=TLS).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        day = (datetime.now(reports.LONDON).date() - timedelta(days=1)).isoformat()
        body = {k: v for k, v in valid(date=day).items() if v != ""} | {"respect": 2}
        answer = httpx.post(f"{url}/api/v1/community-reports", json=body, timeout=10, verify=TLS)
        if answer.status_code == 201:
            os.kill(server.pid, signal.SIGKILL)
        assert answer.status_code == 201, answer.text
        assert server.wait(timeout=10) == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()
    ws.dispose()  # a fresh connection: nothing cached from before the kill
    with Workspace(ws.url).session() as session:
        stored = session.get(CommunityReport, answer.json()["reference"])
        assert stored is not None and stored.account == "They pushed me against the wall."
