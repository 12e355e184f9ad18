"""The schema is made by migrations alone: upgrade from empty, downgrade to empty, upgrade again, on both
databases; and what the migrations make matches the models (no change left for autogenerate to find)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from scrutiny.workspace.database import Workspace, head_revisions
from scrutiny.workspace.models import Base, Secret


def test_upgrade_from_empty_then_downgrade_cleanly(empty_workspace_url: str) -> None:
    ws = Workspace(empty_workspace_url)
    assert ws.revisions() == set()
    ws.upgrade()
    assert ws.revisions() == head_revisions()
    tables = set(inspect(ws.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    ws.downgrade("base")
    assert ws.revisions() == set()
    assert set(inspect(ws.engine).get_table_names()) <= {"alembic_version"}
    ws.upgrade()  # and back up again from nothing
    assert ws.revisions() == head_revisions()
    ws.dispose()


def test_migrations_match_the_models(ws: Workspace) -> None:
    with ws.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_each_workspace_gets_its_own_pseudonym_key(ws: Workspace, tmp_path: object) -> None:
    other = Workspace(f"sqlite:///{tmp_path}/other.sqlite")
    other.upgrade()
    keys = []
    for w in (ws, other):
        with w.session() as session:
            keys.append(session.scalar(select(Secret.value).where(Secret.name == "pseudonym_key")))
    assert keys[0] and keys[1] and keys[0] != keys[1] and len(keys[0]) == 64
    other.dispose()
