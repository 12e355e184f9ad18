"""The ingest's Arrow memory comes from jemalloc with a short decay: for the whole process in `scrutiny ingest`, and
for the ingest alone in-process (warehouse/arrow_memory.py: the 10M-row ingest's peak memory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from scrutiny.warehouse.arrow_memory import JEMALLOC_OPTIONS, returned_soon
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query, write_archive
from tests.warehouse.test_ingest_fixture import ROWS


def test_the_pool_is_jemalloc_inside_and_the_default_again_after() -> None:
    before = pa.default_memory_pool()
    with returned_soon():
        assert pa.default_memory_pool().backend_name == "jemalloc"
        kept = pa.array(["a", "b"] * 1000)
    assert pa.default_memory_pool().backend_name == before.backend_name
    assert kept.to_pylist()[:3] == ["a", "b", "a"]  # what was allocated inside outlives the block
    with pytest.raises(RuntimeError), returned_soon():
        raise RuntimeError("a refused file")
    assert pa.default_memory_pool().backend_name == before.backend_name


def test_an_ingest_reads_its_files_into_jemalloc(tmp_path: Path, db: Path) -> None:
    jemalloc = pa.jemalloc_memory_pool()
    before, default = jemalloc.total_bytes_allocated(), pa.default_memory_pool().backend_name
    ingest_paths([write_archive(tmp_path / "in", "2020-06", "essex", ROWS)], db)
    assert jemalloc.total_bytes_allocated() > before
    assert pa.default_memory_pool().backend_name == default
    assert query(db, "SELECT count(*) FROM stop_search") == [(len(ROWS),)]


CHILD = """
import sys, typer.main
from scrutiny.cli import app
typer.main.get_command(app).main(args=sys.argv[1:], standalone_mode=False)
import os, pyarrow
print(pyarrow.default_memory_pool().backend_name, os.environ["JE_ARROW_MALLOC_CONF"])
"""


def test_the_ingest_command_runs_on_jemalloc_with_a_short_decay(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "JE_ARROW_MALLOC_CONF")}
    archive = write_archive(tmp_path / "in", "2020-06", "essex", ROWS)
    done = subprocess.run([sys.executable, "-c", CHILD, "ingest", str(archive), "--db", str(tmp_path / "w.duckdb")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"jemalloc {JEMALLOC_OPTIONS}"
    plain = "import pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    no_choice = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True, env=env, timeout=60)
    assert no_choice.stdout.strip() != "jemalloc"  # pyarrow's own default differs: the command chose
