"""The web server's reads (issue 22): one DuckDB instance attaching each version of the warehouse, and the
Reader backend's per-version cache of schemas, table names and compiled SQL (templates by shape).

Every template is checked here against Ibis compiling the same expression in full, and every answer converted
from Arrow against Ibis's own frame (`ReaderCache.verify`), on documents for several scopes of the small
warehouse; the documents must equal `compute_metrics`'s."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import ibis
from ibis.backends.duckdb import Backend as DuckDBBackend

from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.warehouse_backend import Reader, ReaderCache, SqlShapes, reader_cache
from scrutiny.warehouse.connect import connect
from scrutiny.web.api.metrics import document
from scrutiny.web.deps import ScopeParams, Warehouse
from tests.web.conftest import write_march

SCOPES = [  # force, area, from, to, ethnicity, purpose, power
    ("kent", None, "2024-01", "2024-01", "self", None, None),
    ("kent", None, "2024-02", "2024-02", "self", None, None),
    ("kent", None, "2024-01", "2024-02", "officer", None, None),
    ("btp", None, "2024-01", "2024-01", "self", None, None),
    ("all", None, "2024-01", "2024-02", "self", None, None),
    ("btp,kent", None, "2024-01", "2024-01", "self", "drugs", None),
    ("kent", "E07000110", "2024-01", "2024-02", "self", None, None),
    ("kent", None, "2024-01", "2024-02", "self", None, "s23"),
]


def count_kent(backend: ibis.BaseBackend) -> int:
    stops = backend.table("stop_search")
    return int(stops.filter(stops.force == "kent").count().execute())


def test_documents_through_templates_equal_full_compilation_and_compute_metrics(web_db: Path) -> None:
    warehouse = Warehouse(web_db, lock_wait=1.0, slots=2)
    warehouse.read(lambda backend: None)
    cache = warehouse.cache
    assert cache is not None
    cache.verify = True  # every SQL filled from a template is compared with Ibis's own compilation
    for force, area, start, end, ethnicity, purpose, power in SCOPES:
        params = ScopeParams(force, area, start, end, ethnicity, purpose, power)
        served = warehouse.read(lambda backend, p=params: document(backend, p))
        area_name = served["scope"]["area_name"]
        assert served == compute_metrics(web_db, Scope(force, area, start, end, ethnicity, area_name, purpose,
                                                       power))
    # a shape is compiled as it is when first met and cut into a template when met again; from then on it is
    # filled in, not compiled: the third time over the same scopes compiles nothing
    # (not "more fills than compilations" overall: that depends on how many queries a document asks)
    for _ in range(2):
        before, filled_before = cache.compiles, cache.reuses
        for force, area, start, end, ethnicity, purpose, power in SCOPES:
            params = ScopeParams(force, area, start, end, ethnicity, purpose, power)
            warehouse.read(lambda backend, p=params: document(backend, p))
    assert before > 0 and cache.compiles == before and cache.reuses > filled_before
    warehouse.close()


def test_a_shape_met_again_is_cut_into_a_template_then_filled_in_not_compiled(web_db: Path) -> None:
    cache = ReaderCache("test")
    reader = Reader.over(connect(web_db, read_only=True), cache)
    try:
        def query(force: str, month: date) -> ibis.Table:
            stops = reader.table("stop_search")
            chosen = stops.filter(stops.force == force, stops.month <= month)
            return chosen.group_by("force").aggregate(n=chosen.count())

        first = reader.compile(query("kent", date(2024, 1, 1)))
        assert cache.compiles == 1 and cache.reuses == 0  # compiled as it is
        second = reader.compile(query("kent", date(2024, 2, 1)))
        assert cache.compiles == 2 and cache.reuses == 0  # compiled once with stand-ins, to cut the template
        assert second == DuckDBBackend.compile(reader, query("kent", date(2024, 2, 1)))
        third = reader.compile(query("btp", date(2024, 2, 1)))
        assert cache.compiles == 2 and cache.reuses == 1  # filled in
        assert third == DuckDBBackend.compile(reader, query("btp", date(2024, 2, 1)))  # as Ibis compiles it
        assert len({first, second, third}) == 3 and "'btp'" in third and "MAKE_DATE(2024, 2, 1)" in third
        assert reader.raw_sql(third).fetchall() == [("btp", 12)]
        # the same literal twice is one slot: another shape from two different ones
        stops = reader.table("stop_search")
        same = stops.filter(stops.force == "kent", stops.legislation == "kent")
        other = stops.filter(stops.force == "kent", stops.legislation == "btp")
        assert "'btp'" in reader.compile(other) and "'btp'" not in reader.compile(same)
    finally:
        reader.disconnect()


def test_the_next_read_after_an_ingest_sees_the_new_file(fresh_db: Path, tmp_path: Path) -> None:
    warehouse = Warehouse(fresh_db, lock_wait=1.0, slots=2)
    assert warehouse.read(count_kent) == 54
    before = warehouse.cache
    done = subprocess.run([sys.executable, "-m", "scrutiny", "ingest", str(write_march(tmp_path / "march")), "--db",
                           str(fresh_db)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert warehouse.read(count_kent) == 54 + 9
    assert warehouse.cache is not before  # nothing worked out for the old file's data is used for the new one
    assert warehouse.opened == 2
    warehouse.close()


def test_nothing_holds_the_file_between_reads(fresh_db: Path) -> None:
    """Between requests the file is detached, so a program that opens it for writing is not refused."""
    warehouse = Warehouse(fresh_db, lock_wait=1.0, slots=2)
    assert warehouse.read(count_kent) == 54
    writer = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                             str(fresh_db)], capture_output=True, text=True, timeout=60)
    assert writer.returncode == 0, writer.stderr
    assert warehouse.read(count_kent) == 54  # and the same instance attaches it again
    warehouse.close()


def test_one_instance_serves_every_read(web_db: Path) -> None:
    warehouse = Warehouse(web_db, lock_wait=1.0, slots=2)
    with warehouse.backend() as first:
        assert count_kent(first) == 54
        assert warehouse.read(count_kent) == 54  # overlapping work shares the attachment
    assert warehouse.opened == 1
    for _ in range(2):
        assert warehouse.read(count_kent) == 54
    assert warehouse.opened == 3  # attached once per read (none overlapped), in the same instance
    warehouse.close()
    warehouse.close()  # closing twice is harmless


def test_a_query_over_an_in_memory_table_is_compiled_as_it_is(web_db: Path) -> None:
    """Ibis names each in-memory table anew, so such a query has no shape to share: compiled once, not twice."""
    cache = ReaderCache("test")
    reader = Reader.over(connect(web_db, read_only=True), cache)
    try:
        for force in ("kent", "btp"):
            keys = ibis.memtable({"force": [force]})
            stops = reader.table("stop_search")
            joined = stops.join(keys, "force")
            assert reader.execute(joined.count()) == {"kent": 54, "btp": 12}[force]
        assert cache.compiles == 2 and cache.reuses == 0 and not cache.shapes.templates
    finally:
        reader.disconnect()


def test_a_new_version_of_the_file_fills_in_the_shapes_of_the_old_one(fresh_db: Path, tmp_path: Path) -> None:
    """Compiled SQL depends on the query, not the data: after an ingest, the server's documents over the new
    file are filled in from the templates cut over the old one (the same answers as compiling them)."""
    warehouse = Warehouse(fresh_db, lock_wait=1.0, slots=2)
    params = [ScopeParams(force, None, "2024-01", "2024-02", "self", None, None) for force in ("kent", "btp", "kent")]
    for p in params:  # met, cut into templates, filled in
        warehouse.read(lambda backend, p=p: document(backend, p))
    before = warehouse.cache
    assert before is not None and before.compiles > 0
    met_once = len(before.shapes.seen)  # shapes a document asks once per version (reference tables)
    done = subprocess.run([sys.executable, "-m", "scrutiny", "ingest", str(write_march(tmp_path / "march")), "--db",
                           str(fresh_db)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    served = warehouse.read(lambda backend: document(backend, params[0]))
    cache = warehouse.cache
    assert cache is not None and cache is not before and cache.shapes is before.shapes
    # only the shapes met once before are compiled now (cut into their templates); the rest are filled in
    assert 0 < cache.compiles == met_once < before.compiles and cache.reuses > 0
    assert served == compute_metrics(fresh_db, Scope("kent", None, "2024-01", "2024-02", "self"))
    warehouse.close()


def test_a_table_with_other_columns_is_another_shape(tmp_path: Path) -> None:
    """A shape names each table with its schema: the same query over a table that gained a column in the next
    version is compiled again (Ibis may expand `*` into the columns), not filled in from the old template."""
    shapes = SqlShapes()
    compiled = []
    for version, columns in enumerate(("a INTEGER, b VARCHAR", "a INTEGER, b VARCHAR, c INTEGER")):
        db = tmp_path / f"v{version}.duckdb"
        duckdb.connect(str(db)).execute(f"CREATE TABLE t ({columns})").close()
        cache = ReaderCache(("test", version), shapes=shapes)
        reader = Reader.over(connect(db, read_only=True), cache)
        try:
            for value in ("x", "y", "z"):
                t = reader.table("t")
                compiled.append(reader.compile(t.filter(t.b == value)))
                assert compiled[-1] == DuckDBBackend.compile(reader, t.filter(t.b == value))
        finally:
            reader.disconnect()
        assert cache.compiles == 2  # met, then cut (in the second version too: its table's shape is new)
    assert len(compiled) == 6


def test_one_process_compiles_a_shape_once_whatever_file_it_reads(web_db: Path, tmp_path: Path) -> None:
    """A report or a test suite reading several warehouse files: a shape names tables by name and schema, never
    the file, so SQL cut into templates over one file fills in every other file's documents (each checked against
    Ibis compiling it in full), and the documents are those of the file they read."""
    files = []
    for name in ("a", "b", "c"):
        files.append(tmp_path / f"{name}.duckdb")
        shutil.copy(web_db, files[-1])
    scopes = [Scope(force, area, start, end, ethnicity, None, purpose, power)
              for force, area, start, end, ethnicity, purpose, power in SCOPES]
    expected = [compute_metrics(files[0], scope) for scope in scopes]  # met, then cut into templates
    assert [compute_metrics(files[1], scope) for scope in scopes] == expected  # shapes read once per file: cut
    last = reader_cache(files[2])
    assert last is not reader_cache(files[0]) and last.shapes is reader_cache(files[0]).shapes
    last.verify = True
    assert [compute_metrics(files[2], scope) for scope in scopes] == expected
    assert last.compiles == 0 and last.reuses > 0
