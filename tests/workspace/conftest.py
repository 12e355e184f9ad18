"""Workspace fixtures: every test that takes `ws` runs twice, on SQLite and on the real PostgreSQL server
(127.0.0.1:5432, trust auth; `.ci/run` starts it), each time in a database that holds nothing but what the
test writes. Factories for accounts, and a TestClient logged in as one of them.

The schema is migrated once per test process into a template (a SQLite file, a PostgreSQL template database)
and each test gets a copy with a pseudonym key of its own, as `upgrade()` would have made: running every
Alembic migration for each of ~700 workspace tests cost about 80 s of `make test-fast`. The migrations
themselves are tested from empty databases in test_migrations.py.

On PostgreSQL the copy is made once per test process and emptied again before each test (`_Recycled`): every
other connection to it ended, every table but Alembic's truncated with its sequences restarted, the template's
rows put back. A database whose schema a test changed (a downgrade) is dropped and copied anew. A copy per
test cost 0.2 to 0.4 s each (CREATE DATABASE after a dropped one), about 85 s of `make test-fast`.

$SCRUTINY_TEST_POSTGRES points at another server (a URL to its maintenance database); with PostgreSQL down
the PostgreSQL half fails with instructions, unless $SCRUTINY_SKIP_POSTGRES=1 says to skip it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.engine import make_url

from scrutiny.web import create_app, get_settings
from scrutiny.web.app import use_settings
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, Secret, User
from scrutiny.workspace.pseudonyms import KEY_NAME

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

POSTGRES = os.environ.get("SCRUTINY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery"
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _admin_connection() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("SCRUTINY_SKIP_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES} and SCRUTINY_SKIP_POSTGRES=1")
        pytest.fail(f"PostgreSQL not reachable at {POSTGRES} ({exc}); start it with `{START_POSTGRES}` "
                    "(or set SCRUTINY_SKIP_POSTGRES=1 to skip the PostgreSQL half)", pytrace=False)


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lightest in tests (still argon2id): hashing at the production cost (64 MiB, 3 passes)
    in every login would dominate the suite on CI's two cores, and the cost is not what these tests test."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _new_postgres_database(template: str | None = None) -> tuple[str, str]:
    name = f"scrutiny_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name, _postgres_url(name)


def _drop_postgres_database(name: str) -> None:
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A URL to a new, empty PostgreSQL database, dropped after the test."""
    name, url = _new_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def _migrated(url: str) -> None:
    workspace = Workspace(url)
    try:
        workspace.upgrade()
    finally:
        workspace.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite workspace migrated to head once for this test process."""
    path = tmp_path_factory.mktemp("workspace-template") / "template.sqlite"
    _migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head once for this test process (no one stays connected
    to it: CREATE DATABASE ... TEMPLATE needs it idle)."""
    name, url = _new_postgres_database()
    try:
        _migrated(url)
        yield name
    finally:
        _drop_postgres_database(name)


# What identifies the schema: every relation's columns, every constraint, every type, the Alembic revision.
_FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
  SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || coalesce(a.attname, '') || ':'
         || coalesce(a.atttypid::text, '') || ':' || coalesce(a.attnotnull::text, '') AS x
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_to%'
    AND n.nspname NOT LIKE 'pg\\_temp%'
  UNION ALL SELECT 'constraint:' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'type:' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
  UNION ALL SELECT 'revision:' || version_num FROM alembic_version
) parts
"""


class _Recycled:
    """One PostgreSQL copy of the template for this test process, handed out empty to each test in turn."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.name: str | None = None
        self.fingerprint = ""
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def _connect(self) -> psycopg.Connection[Any]:
        assert self.name is not None
        return psycopg.connect(make_url(POSTGRES).set(database=self.name).render_as_string(hide_password=False),
                               autocommit=True, connect_timeout=5)

    def _copy(self) -> None:
        self.name, _ = _new_postgres_database(template=self.template)
        with self._connect() as con:
            row = con.execute(_FINGERPRINT).fetchone()
            self.fingerprint = str(row[0]) if row else ""
            tables = [t for (t,) in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                "AND tablename <> 'alembic_version' ORDER BY 1").fetchall()]
            self.rows = {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}

    def _empty(self) -> bool:
        """Back to the template's rows; False when that cannot be done here (the schema changed, a lock held)."""
        try:
            with self._connect() as con:
                con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid()")
                row = con.execute(_FINGERPRINT).fetchone()
                if not row or row[0] != self.fingerprint:
                    return False
                with con.transaction():
                    con.execute("SET LOCAL lock_timeout = '5s'")
                    con.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in self.rows) + " RESTART IDENTITY CASCADE")
                    for (sequence,) in con.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                                                   ).fetchall():
                        con.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
                    for table, rows in self.rows.items():
                        if rows:
                            marks = ", ".join(["%s"] * len(rows[0]))
                            with con.cursor() as cursor:
                                cursor.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            return True
        except psycopg.Error:
            return False

    def url(self) -> str:
        if self.name is not None and not self._empty():
            _drop_postgres_database(self.name)
            self.name = None
        if self.name is None:
            self._copy()
        assert self.name is not None
        return _postgres_url(self.name)

    def drop(self) -> None:
        if self.name is not None:
            _drop_postgres_database(self.name)


@pytest.fixture(scope="session")
def postgres_recycled(postgres_template: str) -> Iterator[_Recycled]:
    recycled = _Recycled(postgres_template)
    try:
        yield recycled
    finally:
        recycled.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_workspace_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all, for the tests of the migrations."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workspace.sqlite'}"
    url: str = request.getfixturevalue("fresh_postgres")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def workspace_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated workspace of the test's own, copied from the process's template."""
    if request.param == "sqlite":
        path = tmp_path / "workspace.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    recycled: _Recycled = request.getfixturevalue("postgres_recycled")
    yield recycled.url()


@pytest.fixture
def ws(workspace_url: str) -> Iterator[Workspace]:
    workspace = Workspace(workspace_url)
    with workspace.engine.begin() as connection:  # each copy its own key, as upgrade() makes one
        connection.execute(update(Secret.__table__).where(Secret.__table__.c.name == KEY_NAME)
                           .values(value=secrets.token_hex(32)))
    yield workspace
    workspace.dispose()


@pytest.fixture
def make_user(ws: Workspace) -> Callable[..., User]:
    def make(role: Role = Role.reviewer, email: str | None = None, name: str = "") -> User:
        email = email or f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
        with ws.session(accounts.COMMAND_LINE) as session:
            return accounts.create_user(session, email, name or email.split("@")[0], role, PASSWORD)

    return make


class Browser:
    """A TestClient that keeps cookies like a browser and sends the CSRF token with every write."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    @property
    def csrf(self) -> str:
        if "scrutiny_csrf" not in self.client.cookies:
            self.client.get("/login")
        return str(self.client.cookies["scrutiny_csrf"])

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        response = self.post("/login", {"email": email, "password": password, "next": "/workspace"})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture(scope="session")
def routed_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The test process's one app: each test gives it its own settings and a state of its own (`use_settings`),
    where a new app per test spent 0.1-0.2 s analysing every route again, about a tenth of `make test-fast`."""
    return create_app(get_settings(tmp_path_factory.mktemp("app") / "none.duckdb"))


@pytest.fixture
def web(ws: Workspace, tmp_path: Path, routed_app: FastAPI) -> Iterator[Callable[[], Browser]]:
    """Browsers on one app over `ws` (a warehouse path that does not exist: the workspace needs none)."""
    app = use_settings(routed_app, get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    clients: list[TestClient] = []

    def browser() -> Browser:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        return Browser(client)

    yield browser
    for client in clients:
        client.close()
    app.state.workspace.dispose()
