"""Open the DuckDB warehouse read-only for a piece of metrics work: the one place every figure's backend
comes from, so `metrics.document` and `metrics.crime` need not import each other.

`Reader` is the Ibis backend every piece of work gets. A warehouse file never changes while it is being read
(writers swap a new file in whole: scrutiny.warehouse.writing), so what Ibis would otherwise ask DuckDB or
work out again for every query is kept in a `ReaderCache` for one version of the file: each table's schema
(a DESCRIBE per `backend.table(...)`), the list of tables, and the SQL each expression compiles to (Ibis
spends more CPU compiling a small query than DuckDB spends running it). The web server shares one cache
across all the requests that read one version (scrutiny.web.deps.Warehouse).

Compiled SQL is kept by the expression's *shape*: the expression with its string and date literals (force
ids, area codes, months: what differs between two scopes) taken out as slots. The first expression of a shape
is compiled as it is. When a second one of that shape comes, it is compiled once with a made-up value in each
slot and cut at those values into a template; the template is kept only if, filled with the first
expression's values, it gives exactly the first compilation (otherwise that shape is always compiled in
full). Later queries of that shape only fill the template with their own literals, each rendered as Ibis
renders a literal, so a document for another force or month range costs no compilation at all, and a single
document (a CLI command) compiles each query once.

A table's answer comes back from DuckDB as Arrow and, when its columns are plain (whole numbers, text, flags,
dates), becomes the frame Ibis would make without Ibis's column-by-column conversion (metrics.plain_frames).

Compiled SQL does not depend on the data, only on the expression, and an expression's shape names each table
with its schema: so shapes, templates and their SQL (`SqlShapes`) outlive a version of the file. The web
server keeps one `SqlShapes` for its warehouse across every version (after an ingest, its documents are
filled in from templates at once instead of being compiled again). `reader_cache` keeps one for the whole
process, whatever file it reads: nothing in a shape names the file, so a report or a test suite over several
warehouse files compiles each shape once, not once per file.

Outside the web server, `compute_metrics_with` keeps a cache for each of the last few versions of a file
(`reader_cache`), so a report or the tests computing many documents over one file share them.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.common.graph import Node

from scrutiny.metrics.plain_frames import plain_frame, plain_schema, same_rows
from scrutiny.warehouse.connect import connect
from scrutiny.warehouse.engine import active_backend
from scrutiny.warehouse.version import warehouse_version

T = TypeVar("T")
COMPILED_ENTRIES = 4096  # compiled queries (and templates) kept per version; a document compiles about twenty
SHAPES = 200_000  # distinct sub-expressions numbered (per SqlShapes) before the numbering starts again
MAX_SLOTS = 500  # literals taken out of one query at most (more: compiled in full)


class SqlShapes:
    """Query shapes and the SQL they compile to (`_shape`, `_Template`), kept across versions of a warehouse
    file: a shape names each table with its schema, never the file, so what it compiles to cannot change with
    the data. Thread-safe."""

    def __init__(self, entries: int = COMPILED_ENTRIES) -> None:
        self.entries = entries
        self.guard = threading.Lock()
        self.templates: OrderedDict[Hashable, _Template | None] = OrderedDict()  # None: compile in full
        self.seen: OrderedDict[Hashable, tuple[str, list[ops.Literal]]] = OrderedDict()  # met once: its SQL
        self.numbers: dict[Hashable, int] = {}
        self.counter = itertools.count()
        self.rendered: dict[ops.Literal, str] = {}
        self.token = secrets.token_hex(4)  # in made-up slot values, so no real value can look like one

    def keep(self, table: OrderedDict[Hashable, Any], key: Hashable, value: Any) -> None:
        """`table[key] = value`, the oldest entries dropped beyond `entries` (under the guard)."""
        table[key] = value
        while len(table) > self.entries:
            table.popitem(last=False)


class ReaderCache:
    """What one version of the warehouse file cannot change: schemas, table names, compiled SQL (its shapes'
    SQL in `shapes`, which may be shared with other versions of the file). Thread-safe."""

    def __init__(self, identity: Hashable, compiled_entries: int = COMPILED_ENTRIES,
                 shapes: SqlShapes | None = None) -> None:
        self.identity = identity  # Ibis compares backends (and so expressions) by it: one per version
        self.compiled_entries = compiled_entries
        self.shapes = shapes if shapes is not None else SqlShapes(compiled_entries)
        self._guard = threading.Lock()
        self._schemas: dict[str, Any] = {}
        self._tables: list[str] | None = None
        self._compiled: OrderedDict[Hashable, str] = OrderedDict()  # queries with no shape (they name this file)
        self._kept: dict[str, Any] = {}  # small reference tables (per_version)
        self.verify = False  # tests: compile each query in full and convert each answer as Ibis does, and compare
        self.compiles = 0  # compiled, not found (tests and benchmarks read these)
        self.reuses = 0  # found: the same expression, or one of the same shape

    @property
    def token(self) -> str:
        return self.shapes.token

    def schema(self, name: str, find: Callable[[], Any]) -> Any:
        found = self._schemas.get(name)
        if found is None:
            found = self._schemas.setdefault(name, find())
        return found

    def kept(self, name: str, compute: Callable[[], T]) -> T:
        found = self._kept.get(name)
        if found is None:
            found = self._kept.setdefault(name, compute())
        result: T = found
        return result

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


    def shape_id(self, signature: Hashable) -> int:
        """A number for a sub-expression's signature (its type, arguments and children's numbers)."""
        shapes = self.shapes
        found = shapes.numbers.get(signature)
        if found is None:
            with shapes.guard:
                if len(shapes.numbers) >= SHAPES:
                    shapes.numbers.clear()  # numbers already handed out stay unique: they keep counting up
                found = shapes.numbers.get(signature)
                if found is None:
                    found = shapes.numbers[signature] = next(shapes.counter)
        return found

    def template(self, key: Hashable) -> _Template | bool | None:
        """The template of a shape; None when it cannot have one; False when not known yet."""
        shapes = self.shapes
        with shapes.guard:
            if key not in shapes.templates:
                return False
            shapes.templates.move_to_end(key)
            found = shapes.templates[key]
        with self._guard:
            self.reuses += 1
        return found

    def first_seen(self, key: Hashable) -> tuple[str, list[ops.Literal]] | None:
        """The SQL a shape compiled to when it was met once before (and its literals then), or None."""
        with self.shapes.guard:
            return self.shapes.seen.pop(key, None)

    def keep_seen(self, key: Hashable, sql: str, literals: list[ops.Literal]) -> None:
        with self.shapes.guard:
            self.shapes.keep(self.shapes.seen, key, (sql, literals))
        with self._guard:
            self.compiles += 1

    def keep_template(self, key: Hashable, template: _Template | None) -> None:
        with self.shapes.guard:
            self.shapes.keep(self.shapes.templates, key, template)
        with self._guard:
            self.compiles += 1

    def rendered(self, literal: ops.Literal, render: Callable[[ops.Literal], str]) -> str:
        table = self.shapes.rendered
        text = table.get(literal)
        if text is None:
            if len(table) > SHAPES:
                table.clear()
            text = table[literal] = render(literal)
        return text


class _Template:
    """A query's SQL cut at its literals: `parts[0] + slot + parts[1] + ...`, `order` naming each cut's slot."""

    def __init__(self, parts: list[str], order: list[int]) -> None:
        self.parts, self.order = parts, order

    def fill(self, values: list[str]) -> str:
        out = [self.parts[0]]
        for slot, part in zip(self.order, self.parts[1:], strict=True):
            out.append(values[slot])
            out.append(part)
        return "".join(out)


def _templatable(literal: ops.Literal) -> bool:
    """String and date literals: what tells one scope from another, each rendered the same way anywhere."""
    value, dtype = literal.value, literal.dtype
    return (type(value) is str and dtype.is_string()) or (type(value) is date and dtype.is_date())


def _shape(op: Node, cache: ReaderCache) -> tuple[int, list[ops.Literal]]:
    """The shape number of `op` (the same for two expressions that differ only in templatable literals) and its
    templatable literals in slot order (an equal literal used twice is one slot). TypeError: an argument that
    cannot be hashed, or an in-memory table (Ibis names each one anew, so its shape would never recur)."""
    slots: dict[ops.Literal, int] = {}
    literals: list[ops.Literal] = []
    seen: dict[int, int] = {}

    def argument(value: Any) -> Hashable:
        if isinstance(value, Node):
            return node(value)
        if isinstance(value, tuple):
            return ("t", *map(argument, value))
        if isinstance(value, dict):  # Ibis's frozen (ordered) dicts: the order is part of the query
            return ("d", *((k, argument(v)) for k, v in value.items()))
        return (type(value), value)

    def node(n: Node) -> int:
        found = seen.get(id(n))
        if found is not None:
            return found
        if isinstance(n, ops.InMemoryTable):  # a new name every time: no shape to share
            raise TypeError("an in-memory table")
        if type(n) is ops.Literal and _templatable(n):
            slot = slots.get(n)
            if slot is None:
                slot = slots[n] = len(literals)
                literals.append(n)
            signature: Hashable = ("$", slot, n.dtype)
        elif type(n) is ops.DatabaseTable:  # its source is the file, which the SQL never names: its type stands in
            signature = (type(n), *(type(a) if isinstance(a, ibis.BaseBackend) else argument(a) for a in n.__args__))
        else:
            signature = (type(n), *map(argument, n.__args__))
        number = seen[id(n)] = cache.shape_id(signature)
        return number

    return node(op), literals


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
            return self._compile(expr, limit, pretty, params)
        op = expr.op()
        try:
            shape, literals = _shape(op, self.cache)
        except TypeError:  # unhashable, or an in-memory table: kept by the expression itself
            return self.cache.compiled((op, limit, pretty), lambda: self._compile(expr, limit, pretty))
        key = (shape, limit, pretty)
        template = self.cache.template(key)
        if template is False:
            before = self.cache.first_seen(key)
            if before is None:  # met for the first time: compiled as it is (most shapes of one piece of work)
                full = self._compile(expr, limit, pretty)
                self.cache.keep_seen(key, full, literals)
                return full
            template = self._template(expr, literals, *before, limit, pretty)  # met again: cut, checked
            self.cache.keep_template(key, template)
        if template is None or isinstance(template, bool):
            return self._compile(expr, limit, pretty)
        sql = template.fill([self.cache.rendered(lit, self._render) for lit in literals])
        if self.cache.verify:
            full = self._compile(expr, limit, pretty)
            assert sql == full, f"template of shape {shape} gave\n{sql}\ninstead of\n{full}"
        return sql

    def execute(self, expr: ir.Expr, /, *, params: Any = None, limit: Any = None, **kwargs: Any) -> Any:
        """A table's answer converted straight from Arrow when its columns are plain (metrics.plain_frames);
        anything else, and a column or scalar, as Ibis gives it."""
        schema = expr.schema() if isinstance(expr, ir.Table) else None
        if params or schema is None or not plain_schema(schema):
            return super().execute(expr, params=params, limit=limit, **kwargs)
        answer = self._to_duckdb_relation(expr, limit=limit, **kwargs).to_arrow_table()
        frame = plain_frame(answer, schema)
        if frame is None or self.cache.verify:  # a null where Ibis converts otherwise (rare), or a test
            ibis_frame = super().execute(expr, limit=limit, **kwargs)  # the query again: the file cannot change
            if frame is not None:
                same_rows(frame, ibis_frame)
            return ibis_frame
        return frame

    def _compile(self, expr: ir.Expr, limit: Any, pretty: bool, params: Any = None) -> str:
        return str(super().compile(expr, limit=limit, params=params, pretty=pretty))

    def _render(self, literal: ops.Literal) -> str:
        return str(self.compiler.visit_Literal(literal, value=literal.value, dtype=literal.dtype).sql(self.dialect))

    def _template(self, expr: ir.Expr, literals: list[ops.Literal], before: str, literals_before: list[ops.Literal],
                  limit: Any, pretty: bool) -> _Template | None:
        """The SQL of `expr` (whose literals are `literals`) cut at its literals; kept only if, filled with
        `literals_before`, it gives `before`, what the first expression of that shape compiled to. None: it
        cannot be cut so."""
        if not literals or len(literals) > MAX_SLOTS:
            return _Template([before], []) if not literals else None
        stand_ins = [ops.Literal(f"scrutiny{self.cache.token}slot{i}", lit.dtype) if lit.dtype.is_string()
                     else ops.Literal(date(1000 + i, 1, 1), lit.dtype) for i, lit in enumerate(literals)]
        try:
            marked = self._compile(expr.op().replace(dict(zip(literals, stand_ins, strict=True))).to_expr(), limit,
                                   pretty)
        except Exception:
            return None
        slot_of = {self._render(stand_in): i for i, stand_in in enumerate(stand_ins)}
        pieces = re.split("(" + "|".join(map(re.escape, slot_of)) + ")", marked)
        template = _Template(pieces[0::2], [slot_of[m] for m in pieces[1::2]])
        if sorted(set(template.order)) != list(range(len(literals))):  # a literal not in the SQL as rendered
            return None
        if template.fill([self._render(lit) for lit in literals_before]) != before:
            return None
        return template


def per_version(backend: ibis.BaseBackend, name: str, compute: Callable[[], T]) -> T:
    """`compute()` once per version of the file where `backend` keeps a cache (a Reader), else every time: for
    small reference tables every document reads whole (residents by authority, the force lookup). What it
    returns is shared by every piece of work on that version: callers must not change it."""
    cache = getattr(backend, "cache", None)
    return cache.kept(name, compute) if isinstance(cache, ReaderCache) else compute()


VERSIONS_KEPT = 4  # warehouse versions whose ReaderCache a process keeps for its metrics work
_kept: OrderedDict[Hashable, ReaderCache] = OrderedDict()
_process_shapes = SqlShapes()  # every file's: a shape names tables by name and schema, never the file
_kept_guard = threading.Lock()


def reader_cache(db: Path) -> ReaderCache:
    """The process's cache for the present version of the file at `db`: a report, a notebook or the tests,
    computing many documents over one file (or over several), work out each query's SQL once, not once per
    document."""
    version = warehouse_version(db)
    if version is None:
        return ReaderCache(object())
    key = ("warehouse", str(db.resolve()), version)
    with _kept_guard:
        found = _kept.get(key)
        if found is None:
            found = _kept[key] = ReaderCache(key, shapes=_process_shapes)
            while len(_kept) > VERSIONS_KEPT:
                _kept.popitem(last=False)
        _kept.move_to_end(key)
        return found


def compute_metrics_with(db: Path, work: Callable[[ibis.BaseBackend], T]) -> T:
    """`work` over the DuckDB warehouse at `db`, opened read-only for it (a clear error when it is missing); or,
    in a process that chose `--engine pyspark` (warehouse.engine), over Spark, and `db` is not read."""
    spark = active_backend()
    if spark is not None:
        return work(spark)
    backend = Reader.over(connect(db, read_only=True), reader_cache(db))
    try:
        return work(backend)
    finally:
        backend.disconnect()
