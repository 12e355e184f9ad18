"""scrub reporters' own words from audit rows written before the log stopped keeping them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Community report audit rows used to keep the reporter's account and other free text in their before/after
JSON. New rows store a marker instead (`scrutiny.workspace.audit.FREE_TEXT`); this replaces the words in rows a
workspace already holds, so the database itself no longer keeps them. The columns are listed here as they were
when this ran (a migration must not follow later model changes). There is no way back: downgrade does nothing.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FREE_TEXT = "(free text, not kept in the log)"
FREE_TEXT_CHANGED = "(free text, changed; not kept in the log)"
WORDS = {"community_reports": ("account", "ethnicity_text", "power_stated", "searched_for", "found", "suspected_of")}


def _scrub(state: Any, columns: tuple[str, ...]) -> Any:
    if isinstance(state, str):
        state = json.loads(state)
    if not isinstance(state, dict):
        return state
    return {key: FREE_TEXT if key in columns and value not in (None, FREE_TEXT, FREE_TEXT_CHANGED) else value
            for key, value in state.items()}


def upgrade() -> None:
    audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("entity", sa.String),
                     sa.column("before", sa.JSON), sa.column("after", sa.JSON))
    bind = op.get_bind()
    for entity, columns in WORDS.items():
        rows = bind.execute(sa.select(audit.c.id, audit.c.before, audit.c.after).where(audit.c.entity == entity))
        for row_id, before, after in rows.fetchall():
            new_before, new_after = _scrub(before, columns), _scrub(after, columns)
            if (new_before, new_after) != (before, after):
                bind.execute(sa.update(audit).where(audit.c.id == row_id)
                             .values(before=new_before, after=new_after))


def downgrade() -> None:
    pass  # the words are gone: nothing to restore
