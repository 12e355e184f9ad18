"""Where the workspace lives and how it is opened: one engine per URL, sessions per unit of work, and the
schema brought to the version this code expects by Alembic (never by `create_all`).

The URL is `--workspace`, else `$SCRUTINY_WORKSPACE`, else a SQLite file beside the warehouse
(`scrutiny.duckdb` → `scrutiny-workspace.sqlite`). PostgreSQL in production: `postgresql+psycopg://...`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from scrutiny.config import resolve_db
from scrutiny.workspace import audit
from scrutiny.workspace.errors import SchemaOutOfDate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_workspace_url(url: str | None = None, db: Path | str | None = None) -> str:
    """`--workspace`, else `$SCRUTINY_WORKSPACE`, else SQLite beside the warehouse (the order the CLI documents)."""
    if url:
        return url
    env = os.environ.get("SCRUTINY_WORKSPACE")
    if env:
        return env
    warehouse = resolve_db(db)
    return f"sqlite:///{warehouse.with_name(warehouse.stem + '-workspace.sqlite')}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked, every connection
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


class Workspace:
    """The workspace database: `session(actor)` for a unit of work that commits or rolls back as a whole."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self._current = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
            self._factory = sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    def upgrade(self, revision: str = "heads") -> None:
        """Create or upgrade the schema (Alembic), in one transaction where the database allows it."""
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        self._current = False

    def downgrade(self, revision: str = "base") -> None:
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
        self._current = False

    def revisions(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def check_current(self) -> None:
        """Refuse to work on a schema this code does not expect (checked once, then remembered)."""
        if self._current:
            return
        if self.revisions() != head_revisions():
            raise SchemaOutOfDate(
                f"the workspace database {make_url(self.url).render_as_string()} is not at this version's schema: "
                "run `scrutiny workspace upgrade`"
            )
        self._current = True

    @contextmanager
    def session(self, actor: audit.Actor | None = None) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back everything if it raises."""
        self.check_current()
        assert self._factory is not None  # made with the engine, which check_current opened
        with self._factory() as session, session.begin():
            if actor is not None:
                audit.act_as(session, actor)
            yield session

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
