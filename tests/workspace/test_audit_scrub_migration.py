"""Migration 0010 removes reporters' own words from audit rows written before the log stopped keeping them,
and leaves every other value (and other tables' rows) as it was, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from scrutiny.workspace.audit import FREE_TEXT
from scrutiny.workspace.database import Workspace

WORDS = "they pushed me against the wall near the chip shop"


@pytest.mark.parametrize("empty_workspace_url", ["sqlite", "postgresql"], indirect=True)
def test_old_audit_rows_lose_the_reporters_words(empty_workspace_url: str) -> None:
    ws = Workspace(empty_workspace_url)
    ws.upgrade("0009")
    before = {"account": WORDS, "found": "nothing", "age_band": "10-17", "suspected_of": None}
    other = {"account": WORDS, "name": "Panel A"}  # a table without reporters' words keeps its values
    insert = text("INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before, after) "
                  "VALUES (:id, CURRENT_TIMESTAMP, 'a@example.org', :action, :entity, '1', :before, :after)")
    with ws.engine.begin() as con:
        con.execute(insert, {"id": 1, "action": "update", "entity": "community_reports",
                             "before": json.dumps(before), "after": json.dumps({**before, "found": "a phone"})})
        con.execute(insert, {"id": 2, "action": "create", "entity": "panels", "before": None,
                             "after": json.dumps(other)})
    ws.upgrade()
    with ws.engine.connect() as con:
        rows = {i: (b, a) for i, b, a in con.execute(text("SELECT id, before, after FROM audit_log ORDER BY id"))}
    ws.dispose()

    def loaded(value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    assert loaded(rows[1][0]) == {"account": FREE_TEXT, "found": FREE_TEXT, "age_band": "10-17", "suspected_of": None}
    assert loaded(rows[1][1]) == {"account": FREE_TEXT, "found": FREE_TEXT, "age_band": "10-17", "suspected_of": None}
    assert loaded(rows[2][1]) == other and rows[2][0] is None
    assert WORDS not in json.dumps([loaded(rows[1][0]), loaded(rows[1][1])])
