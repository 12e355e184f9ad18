"""GET /api/v1/revisions answers what `scrutiny status --revisions --format json` prints, and refuses a bad force."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from scrutiny.web import create_app, get_settings
from tests.conftest import write_archive
from tests.warehouse.test_ingest_fixture import ROWS
from tests.warehouse.test_revisions import NEW_ROW

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_the_api_gives_the_command_s_document(tmp_path: Path, cli: Callable[..., object], db: Path) -> None:
    cli("ingest", write_archive(tmp_path / "v1", "2020-06", "essex", ROWS), "--db", db)
    client = TestClient(create_app(get_settings(db)))
    first = client.get("/api/v1/revisions")
    assert first.status_code == 200 and first.json() == {"force": "all", "revisions": []}
    cli("ingest", write_archive(tmp_path / "v2", "2020-06", "essex", [*ROWS, NEW_ROW]), "--db", db)
    status = cli("status", "--revisions", "--format", "json", "--db", db)
    assert isinstance(status, Result)
    printed = json.loads(status.output)
    answer = client.get("/api/v1/revisions", params={"force": "essex"})
    assert answer.status_code == 200
    assert answer.json() == {**printed, "force": "essex"}
    revision = answer.json()["revisions"][0]
    assert (revision["month"], revision["before"], revision["after"]) == ("2020-06", 5, 6)
    assert client.get("/api/v1/revisions", params={"force": "kent"}).json()["revisions"] == []
    bad = client.get("/api/v1/revisions", params={"force": "<script>"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/json")
    assert "unknown force" in bad.json()["detail"][0]["msg"]
