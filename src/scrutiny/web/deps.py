"""What routes depend on, as typed aliases: the settings, the warehouse, the cache and the query parameters.

Parameters are checked here, before any query runs, so a bad one is a 422 that names it; whether an area or
any data exists is for the warehouse to say (404).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import os
import re
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import ibis
from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from scrutiny.catalog import forces
from scrutiny.errors import ScrutinyError
from scrutiny.metrics.lens import power_names
from scrutiny.metrics.scope import ALL_FORCES, normalise_forces
from scrutiny.metrics.warehouse_backend import Reader, ReaderCache, SqlShapes
from scrutiny.vocab.months import PATTERN as MONTH  # the query pattern of a month (web.api.change uses it too)
from scrutiny.vocab.months import BadMonth, month_start
from scrutiny.warehouse.connect import ATTACHED, MEMORY_LIMIT, attach
from scrutiny.warehouse.engine import active_backend, active_source
from scrutiny.warehouse.version import Version, warehouse_version
from scrutiny.web.cache import ResponseCache
from scrutiny.web.errors import bad_parameter, unavailable
from scrutiny.web.schemas import Basis as BasisName
from scrutiny.web.schemas import GroupName, ObjectGroupName, OutcomeClassName, PurposeName
from scrutiny.web.settings import Settings

T = TypeVar("T")
MAX_PAGE = 1000
FORCE_IDS = sorted(forces())


_SPARK_TURN = threading.Lock()


def export_version(source: Path) -> Version:
    """Changes whenever a new export is made (its manifest is replaced whole: warehouse.export)."""
    from scrutiny.warehouse.export import MANIFEST

    try:
        found = (source / MANIFEST).stat()
    except FileNotFoundError:
        raise unavailable(f"no export at {source}: make one with `scrutiny export --format parquet {source}`") from None
    return (-1, found.st_ino, found.st_mtime_ns, found.st_size)  # -1: never a warehouse file's version


class Warehouse:
    """The DuckDB file, read for each piece of work through a snapshot of the file the path names when the work
    starts. Writers swap a new file in whole (scrutiny.warehouse.writing), so reading never holds them up.

    One in-memory DuckDB instance per server process (one memory limit for all the work, started once: a new
    instance costs more than a small query) ATTACHes the file while work reads it: work that overlaps on one
    version of the file shares one attachment, each piece on its own cursor; the file is detached as soon as
    its last piece ends (so nothing holds it between requests), and work that starts after a swap attaches
    the new file under a new name while older work finishes on the old one.

    Each piece of work gets a `Reader` backend sharing one `ReaderCache` per version of the file: table
    schemas and the list of tables are worked out once per version, not once per request, and the SQL of each
    query shape once for the server's life (`SqlShapes`: it does not change with the data)."""

    def __init__(self, db: Path, *, lock_wait: float, slots: int) -> None:
        self.db = db
        self.lock_wait = lock_wait
        self._slots = threading.BoundedSemaphore(max(1, slots))
        self._guard = threading.Lock()
        self._current: _Snapshot | None = None
        self._root = _Root(Path(tempfile.gettempdir()) / f"scrutiny-read-{os.getpid()}-{next(_SPILLS)}.tmp")
        weakref.finalize(self, self._root.close)
        self._cache: ReaderCache | None = None
        self._shapes = SqlShapes()
        self.opened = 0  # versions of the file attached so far (tests count them)

    def version(self) -> Version:
        source = active_source()  # `serve --engine pyspark`: the export is what changes (warehouse.engine)
        if source is not None:
            return export_version(source)
        version = warehouse_version(self.db)
        if version is None:
            raise unavailable(f"no warehouse at {self.db}: load data first with `scrutiny ingest PATH --db {self.db}`")
        return version

    @property
    def cache(self) -> ReaderCache | None:
        """The reader cache of the version read last (None before any read)."""
        return self._cache

    @contextmanager
    def backend(self) -> Iterator[ibis.BaseBackend]:
        """An Ibis backend over a cursor of the current snapshot; at most `slots` open at once. On the PySpark
        engine, its one Spark backend, one piece of work at a time (Spark runs each query on every core)."""
        spark = active_backend()
        if spark is not None:
            with _SPARK_TURN:
                yield spark
            return
        with self._slots:
            snapshot = self._acquire()
            try:
                with self._guard:
                    cursor = self._root.connection().cursor()
                cursor.execute(f"USE {snapshot.alias}")
                backend = Reader.over(cursor, self._reader_cache(snapshot.version))
                try:
                    yield backend
                finally:
                    backend.disconnect()
            finally:
                self._release(snapshot)

    def read(self, work: Callable[[ibis.BaseBackend], T]) -> T:
        with self.backend() as backend:
            return work(backend)

    async def run(self, work: Callable[[ibis.BaseBackend], T]) -> T:
        """`read` in a worker thread, for routes that do not go through the cache (downloads)."""
        return await run_in_threadpool(self.read, work)

    def close(self) -> None:
        """Close the DuckDB instance and remove its spill folder (also done when the Warehouse is collected)."""
        self._root.close()

    def _reader_cache(self, version: Version | None) -> ReaderCache:
        with self._guard:
            if self._cache is None or self._cache.identity != ("warehouse", str(self.db), version):
                self._cache = ReaderCache(("warehouse", str(self.db), version), shapes=self._shapes)
            return self._cache

    def _acquire(self) -> _Snapshot:
        # The version is read before the file is opened, so a snapshot is never labelled newer than its data.
        version = warehouse_version(self.db)
        with self._guard:
            current = self._current
            if current is not None and current.version == version:
                current.users += 1
                return current
            alias = f"{ATTACHED}_{next(_ALIASES)}"
            root = self._root.connection()
            with_cursor = root.cursor()
        try:
            attach(with_cursor, self.db, alias, lock_wait=self.lock_wait)
        finally:
            with_cursor.close()
        fresh = _Snapshot(alias, version, users=1)
        with self._guard:
            self.opened += 1
            if self._current is None or self._current.version != version:
                self._current = fresh
        return fresh

    def _release(self, snapshot: _Snapshot) -> None:
        with self._guard:
            snapshot.users -= 1
            if snapshot.users > 0:
                return
            if self._current is snapshot:
                self._current = None
            cursor = self._root.connection().cursor()
        try:
            cursor.execute(f"DETACH {snapshot.alias}")
        finally:
            cursor.close()


@dataclass
class _Snapshot:
    """One version of the warehouse file, attached under `alias`, and the work using it."""

    alias: str
    version: Version | None
    users: int = 0


class _Root:
    """The process's in-memory DuckDB instance for reads, started on first use, and its spill folder."""

    def __init__(self, temp: Path) -> None:
        self.temp = temp
        self._con: duckdb.DuckDBPyConnection | None = None
        self._guard = threading.Lock()

    def connection(self) -> duckdb.DuckDBPyConnection:
        with self._guard:
            if self._con is None:
                self._con = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT,
                                                               "temp_directory": str(self.temp)})
            return self._con

    def close(self) -> None:
        with self._guard:
            if self._con is not None:
                self._con.close()
                self._con = None
        shutil.rmtree(self.temp, ignore_errors=True)


_SPILLS = itertools.count()
_ALIASES = itertools.count()


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _warehouse(request: Request) -> Warehouse:
    warehouse: Warehouse = request.app.state.warehouse
    return warehouse


async def _cache(request: Request) -> ResponseCache:
    cache: ResponseCache = request.app.state.cache
    return cache


SettingsDep = Annotated[Settings, Depends(_settings)]
WarehouseDep = Annotated[Warehouse, Depends(_warehouse)]
CacheDep = Annotated[ResponseCache, Depends(_cache)]

# ---- query parameters ------------------------------------------------------------------------------------

_FORCE_HELP = "data.police.uk force id (GET /api/v1/forces), or `all` for every force loaded."
_FORCE_ENUM: dict[str, object] = {"enum": [*FORCE_IDS, ALL_FORCES]}
_FORCES_HELP = ("data.police.uk force id (GET /api/v1/forces), several joined by commas (`kent,essex`), or `all` for "
                "every force with data in the period.")
FORCES_PATTERN = r"^(all|[a-z-]{2,40}(,[a-z-]{2,40}){0,49})$"
Force = Annotated[str, Query(description=_FORCES_HELP, max_length=2100, pattern=FORCES_PATTERN)]
OptionalForce = Annotated[
    str | None,
    Query(description=_FORCE_HELP + " Every force when absent.", max_length=64,
          json_schema_extra=_FORCE_ENUM),
]
Area = Annotated[
    str | None,
    Query(description="A borough by name or code, e.g. Hackney or E09000012 (GET /api/v1/areas).", min_length=1,
          max_length=100),
]
From = Annotated[str | None, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM.")]
To = Annotated[str | None, Query(alias="to", pattern=MONTH, description="Last month, YYYY-MM (inclusive).")]
Basis = Annotated[
    BasisName,
    Query(description="Ethnicity as the person defined it (as in official statistics) or as the officer did."),
]
Group = Annotated[GroupName | None, Query(description="Ethnic group (on the `ethnicity` basis).")]
ObjectGroup = Annotated[
    ObjectGroupName | None, Query(description="The older name of `purpose`: give `purpose` instead.", deprecated=True)
]
OutcomeClass = Annotated[OutcomeClassName | None, Query(description="Outcome class (docs/metrics.md).")]
Purpose = Annotated[
    PurposeName | None,
    Query(description="Only searches for this purpose (object group: drugs, weapons with every section 60 search, "
                      "key_crime, other)."),
]
Power = Annotated[
    str | None,
    Query(description="Only searches under this power (catalog/powers.csv: s1, s23, s60, s47, s139b, ...; "
                      "`other` for a power not in the catalogue, `not_recorded` for none).", max_length=40,
          json_schema_extra={"enum": list(power_names())}),
]
Cursor = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page; absent for the first page.", max_length=64,
          pattern=r"^[A-Za-z0-9_-]+$"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Records per page, at most {MAX_PAGE}.")]


def _check_force(force: str | None) -> None:
    if force is not None and force != ALL_FORCES and force not in forces():
        raise bad_parameter("force", f"unknown force {force!r}: expected a data.police.uk force id such as "
                                     "metropolitan (GET /api/v1/forces lists them), or all")


def check_power(power: str | None) -> str | None:
    if power is not None and power not in power_names():
        raise bad_parameter("power", f"unknown power {power!r}: expected one of {', '.join(power_names())}")
    return power


def check_forces(force: str) -> str:
    """One force, `all`, or several joined by commas: normalised, each one known."""
    try:
        return normalise_forces(force)
    except ScrutinyError as exc:
        raise bad_parameter("force", str(exc)) from None


def check_months(start: str | None, end: str | None) -> None:
    for name, value in (("from", start), ("to", end)):
        try:
            if value is not None:
                month_start(value)
        except BadMonth as exc:
            raise bad_parameter(name, str(exc)) from None
    if start is not None and end is not None and start > end:
        raise bad_parameter("from", f"from {start} is after to {end}")


@dataclass(frozen=True)
class ScopeParams:
    force: str
    area: str | None
    start: str | None
    end: str | None
    ethnicity: BasisName
    purpose: str | None = None
    power: str | None = None


async def scope_params(
    force: Force, area: Area = None, start: From = None, end: To = None, ethnicity: Basis = "self",
    purpose: Purpose = None, power: Power = None,
) -> ScopeParams:
    check_months(start, end)
    return ScopeParams(check_forces(force), area.strip() if area else None, start, end, ethnicity, purpose,
                       check_power(power))


@dataclass(frozen=True)
class SelectionParams:
    force: str | None
    area: str | None
    start: str | None
    end: str | None
    group: str | None
    ethnicity: BasisName
    purpose: str | None
    outcome_class: str | None
    power: str | None = None


async def selection_params(
    force: OptionalForce = None, area: Area = None, start: From = None, end: To = None, group: Group = None,
    purpose: Purpose = None, power: Power = None, outcome_class: OutcomeClass = None, ethnicity: Basis = "self",
    object_group: ObjectGroup = None,
) -> SelectionParams:
    _check_force(force)
    check_months(start, end)
    if object_group is not None and purpose is not None and object_group != purpose:
        raise bad_parameter("object_group", f"object_group {object_group!r} and purpose {purpose!r} disagree: "
                                            "give purpose only (object_group is its older name)")
    return SelectionParams(force, area.strip() if area else None, start, end, group, ethnicity,
                           purpose or object_group, outcome_class, check_power(power))


@dataclass(frozen=True)
class PageParams:
    after: tuple[int, int] | None
    limit: int


def encode_cursor(source_id: int, source_row: int) -> str:
    return base64.urlsafe_b64encode(f"{source_id}.{source_row}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = re.fullmatch(r"(\d{1,18})\.(\d{1,18})", text)
    if not match:
        raise bad_parameter("cursor", "not a cursor from this API: pass the next_cursor of the previous page")
    return int(match[1]), int(match[2])


async def page_params(cursor: Cursor = None, limit: Limit = 100) -> PageParams:
    return PageParams(decode_cursor(cursor) if cursor else None, limit)


async def optional_force(force: OptionalForce = None) -> str | None:
    _check_force(force)
    return force


async def forces_filter(force: Force = ALL_FORCES) -> str:
    return check_forces(force)


ScopeDep = Annotated[ScopeParams, Depends(scope_params)]
ForcesFilter = Annotated[str, Depends(forces_filter)]
SelectionDep = Annotated[SelectionParams, Depends(selection_params)]
PageDep = Annotated[PageParams, Depends(page_params)]
ForceFilterDep = Annotated[str | None, Depends(optional_force)]
