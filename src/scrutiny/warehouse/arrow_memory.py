"""Arrow memory that goes back to the operating system soon after it is freed, while an ingest runs.

An ingest reads files ahead on two threads and frees each batch's Arrow tables once DuckDB has inserted them.
pyarrow's default pool (mimalloc) keeps freed pages for reuse, so those batches stay in the process's resident
memory long after they are gone. jemalloc returns pages left unused for DECAY_MS (bench/README.md, the ingest's
peak memory): 0 ms gave about the same peak as 200 ms but cost about 10% more time, in madvise calls.

Two ways in, because Arrow's C++ code allocates from the pool chosen when pyarrow loads, and Python can only
change the pool its own calls use:
- a command that ingests calls `before_arrow_starts` first, so the whole process uses that jemalloc;
- `ingest_paths` uses `returned_soon` wherever it runs (a test, a notebook): the pool of pyarrow's Python
  calls, for the ingest only, restored after it.

This module imports pyarrow only inside `returned_soon`, so calling `before_arrow_starts` loads nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

POOL = "ARROW_DEFAULT_MEMORY_POOL"  # read by pyarrow when it loads
JEMALLOC_CONF = "JE_ARROW_MALLOC_CONF"  # read by pyarrow's jemalloc (symbols prefixed je_arrow_) when it starts
DECAY_MS = 200
JEMALLOC_OPTIONS = f"dirty_decay_ms:{DECAY_MS},muzzy_decay_ms:{DECAY_MS}"


def before_arrow_starts() -> None:
    """Choose jemalloc, giving memory back after DECAY_MS, for this process: unless pyarrow is loaded already or
    the user chose otherwise."""
    if "pyarrow" in sys.modules:
        return
    os.environ.setdefault(POOL, "jemalloc")
    os.environ.setdefault(JEMALLOC_CONF, JEMALLOC_OPTIONS)


@contextmanager
def returned_soon() -> Iterator[None]:
    """pyarrow's calls allocate from jemalloc, with a DECAY_MS decay, inside the block (if pyarrow has jemalloc)."""
    import pyarrow as pa

    os.environ.setdefault(JEMALLOC_CONF, JEMALLOC_OPTIONS)  # jemalloc reads it when it starts: its first allocation
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # built without jemalloc: the default pool, as before
        pool = None
    if pool is None:
        yield
        return
    before = pa.default_memory_pool()
    pa.jemalloc_set_decay_ms(DECAY_MS)  # for arenas made from now on, in case jemalloc had started already
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(before)
