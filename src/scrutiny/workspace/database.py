"""Where the workspace lives and how it is opened: one engine per URL, sessions per unit of work, and the
schema brought to the version this code expects by Alembic (never by `create_all`).

The URL is `--workspace`, else `$SCRUTINY_WORKSPACE`, else a SQLite file beside the warehouse
(`scrutiny.duckdb` → `scrutiny-workspace.sqlite`); a plain path (`ws.sqlite`) in either means that SQLite file.
PostgreSQL in production: `postgresql+psycopg://...`. A database that cannot be opened (a server that does not
answer, a file in a missing folder) is `WorkspaceUnavailable`, one line, found when the engine is first made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from scrutiny import settings
from scrutiny.config import resolve_db
from scrutiny.errors import Unavailable
from scrutiny.workspace import audit, panel_access  # noqa: F401  (panel_access: its flush hook, always on)
from scrutiny.workspace.errors import SchemaOutOfDate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class WorkspaceUnavailable(Unavailable):
    """The workspace database cannot be opened: the server does not answer, the file cannot be made, the driver is
    not installed. A setting to fix (exit code 2), or an outage for the web (503, type `unavailable`)."""

    exit_code = 2


def resolve_workspace_url(url: str | None = None, db: Path | str | None = None) -> str:
    """`--workspace`, else `$SCRUTINY_WORKSPACE`, else SQLite beside the warehouse (the order the CLI documents);
    a plain path is a SQLite file (scrutiny.settings.workspace_url)."""
    if url:
        return settings.workspace_url(url, "--workspace")
    env = settings.current().workspace
    if env:
        return env
    warehouse = resolve_db(db)
    return f"sqlite:///{warehouse.with_name(warehouse.stem + '-workspace.sqlite')}"


def _unavailable(url: str, exc: Exception) -> WorkspaceUnavailable:
    """One line saying which database could not be opened and why (the driver's first line, or the missing
    folder of a SQLite file), with any password hidden."""
    shown = url
    text = str(getattr(exc, "orig", None) or exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    try:
        parsed = make_url(url)
        shown = parsed.render_as_string()
        folder = Path(parsed.database or "").parent
        if parsed.get_backend_name() == "sqlite" and parsed.database and not folder.is_dir():
            reason = f"the folder {str(folder)!r} does not exist"
    except (ArgumentError, ValueError):
        pass
    return WorkspaceUnavailable(f"cannot open the workspace database {shown}: {reason}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked, every connection
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def upsert_insert(session: Session, what: str) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for the workspace's two databases; `what` names the caller in
    the error for any other database (a counter kept in the database must be one statement to be atomic)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"{what} needs SQLite or PostgreSQL, not {dialect}")


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


@cache
def head_revisions() -> frozenset[str]:
    """The migrations' heads, read from their scripts once a process: they ship with the code, and parsing
    them cost every new `Workspace` (each app, each command) 20-40 ms."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


class Workspace:
    """The workspace database: `session(actor)` for a unit of work that commits or rolls back as a whole."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self._current = False

    @property
    def engine(self) -> Engine:
        """The engine, made on first use after one connection proves the database can be opened."""
        if self._engine is None:
            engine: Engine | None = None
            try:
                engine = make_engine(self.url)
                with engine.connect():
                    pass
            except (DBAPIError, NoSuchModuleError, ArgumentError, ImportError, ValueError) as exc:
                if engine is not None:
                    engine.dispose()
                raise _unavailable(self.url, exc) from None
            self._engine = engine
            self._factory = sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    def upgrade(self, revision: str = "heads") -> None:
        """Create or upgrade the schema (Alembic), in one transaction where the database allows it."""
        self._migrate(command.upgrade, revision)

    def downgrade(self, revision: str = "base") -> None:
        self._migrate(command.downgrade, revision)

    def _migrate(self, step: Any, revision: str) -> None:
        """Run `step` in one transaction. On SQLite, foreign keys are off meanwhile (SQLite's own procedure for
        rebuilding a table: with them on, dropping the old copy of `panels` would cascade to its members and
        meetings) and checked before committing."""
        with self.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # outside any transaction, or SQLite ignores it
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    config = alembic_config(self.url)
                    config.attributes["connection"] = connection
                    step(config, revision)
                    if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
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
