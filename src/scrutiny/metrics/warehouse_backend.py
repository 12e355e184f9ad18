"""Open the DuckDB warehouse read-only for a piece of metrics work: the one place every figure's backend
comes from, so `metrics.document` and `metrics.crime` need not import each other.

`Reader` is the Ibis backend every piece of work gets. A warehouse file never changes while it is being read
(writers swap a new file in whole: scrutiny.warehouse.writing), so what Ibis would otherwise ask DuckDB or
work out again for every query is kept in a `ReaderCache` for one version of the file: each table's schema
(a DESCRIBE per `backend.table(...)`), the list of tables, and the SQL each expression compiles to (Ibis
spends more CPU compiling a small query than DuckDB spends running it). The web server shares one cache
across all the requests that read one version (scrutiny.web.deps.Warehouse).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends.duckdb import Backend as DuckDBBackend

from scrutiny.warehouse.connect import connect

T = TypeVar("T")
COMPILED_ENTRIES = 4096  # compiled queries kept per version; a document compiles about twenty


class ReaderCache:
    """What one version of the warehouse file cannot change: schemas, table names, compiled SQL. Thread-safe."""

    def __init__(self, identity: Hashable, compiled_entries: int = COMPILED_ENTRIES) -> None:
        self.identity = identity  # Ibis compares backends (and so expressions) by it: one per version
        self.compiled_entries = compiled_entries
        self._guard = threading.Lock()
        self._schemas: dict[str, Any] = {}
        self._tables: list[str] | None = None
        self._compiled: OrderedDict[Hashable, str] = OrderedDict()
        self.compiles = 0  # compiled, not found (tests and benchmarks read these)
        self.reuses = 0

    def schema(self, name: str, find: Callable[[], Any]) -> Any:
        found = self._schemas.get(name)
        if found is None:
            found = self._schemas.setdefault(name, find())
        return found

    def tables(self, find: Callable[[], list[str]]) -> list[str]:
        if self._tables is None:
            self._tables = find()
        return list(self._tables)

    def compiled(self, key: Hashable, compile_: Callable[[], str]) -> str:
        with self._guard:
            sql = self._compiled.get(key)
            if sql is not None:
                self._compiled.move_to_end(key)
                self.reuses += 1
                return sql
        sql = compile_()  # outside the lock: two threads may compile one query at once, and agree
        with self._guard:
            self.compiles += 1
            self._compiled[key] = sql
            while len(self._compiled) > self.compiled_entries:
                self._compiled.popitem(last=False)
        return sql


class Reader(DuckDBBackend):  # type: ignore[misc]  # Ibis has no type hints
    """Ibis's DuckDB backend over one connection (a cursor), answering from `cache` what the file fixes."""

    cache: ReaderCache

    @classmethod
    def over(cls, con: duckdb.DuckDBPyConnection, cache: ReaderCache) -> Reader:
        reader: Reader = cls.from_connection(con)
        reader.cache = cache
        return reader

    @property
    def db_identity(self) -> Any:
        # Ibis's default makes every `from_connection` backend equal; expressions over two versions must differ
        return (type(self), self.cache.identity)

    def table(self, name: str, /, *, database: Any = None) -> ir.Table:
        if database is not None:
            return super().table(name, database=database)
        schema = self.cache.schema(name, lambda: self.get_schema(name))
        if schema.geospatial:  # Ibis loads DuckDB's spatial extension for these: leave it to do so
            return super().table(name)
        return ops.DatabaseTable(name, schema=schema, source=self,
                                 namespace=ops.Namespace(catalog=None, database=None)).to_expr()

    def list_tables(self, *, like: str | None = None, database: Any = None) -> list[str]:
        if database is not None:
            return list(super().list_tables(like=like, database=database))
        names = self.cache.tables(lambda: list(super(Reader, self).list_tables()))
        return list(self._filter_with_like(names, like))

    def compile(self, expr: ir.Expr, /, *, limit: Any = None, params: Any = None, pretty: bool = False) -> str:
        if params:  # bound parameters change the SQL: not kept
            return str(super().compile(expr, limit=limit, params=params, pretty=pretty))
        return self.cache.compiled((expr.op(), limit, pretty),
                                   lambda: str(super(Reader, self).compile(expr, limit=limit, pretty=pretty)))


def compute_metrics_with(db: Path, work: Callable[[ibis.BaseBackend], T]) -> T:
    """`work` over the DuckDB warehouse at `db`, opened read-only for it (a clear error when it is missing)."""
    backend = Reader.over(connect(db, read_only=True), ReaderCache(object()))
    try:
        return work(backend)
    finally:
        backend.disconnect()
