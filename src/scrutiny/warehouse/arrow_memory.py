"""Arrow memory that goes back to the operating system as soon as it is freed, while an ingest runs.

An ingest reads files ahead on two threads and frees each batch's Arrow tables once DuckDB has inserted them.
pyarrow's default pool (mimalloc) keeps freed pages for reuse, so those batches stay in the process's resident
memory long after they are gone. jemalloc with no decay returns them at once (bench/README.md, the ingest's peak
memory).

Two ways in, because Arrow's C++ code allocates from the pool chosen when pyarrow loads, and Python can only
change the pool its own calls use:
- a command that ingests calls `before_arrow_starts` first, so the whole process uses jemalloc with no decay;
- `ingest_paths` uses `returned_at_once` wherever it runs (a test, a notebook): the pool of pyarrow's Python
  calls, for the ingest only, restored after it.

This module imports pyarrow only inside `returned_at_once`, so calling `before_arrow_starts` loads nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

POOL = "ARROW_DEFAULT_MEMORY_POOL"  # read by pyarrow when it loads
JEMALLOC_CONF = "JE_ARROW_MALLOC_CONF"  # read by pyarrow's jemalloc (symbols prefixed je_arrow_) when it starts
NO_DECAY = "dirty_decay_ms:0,muzzy_decay_ms:0"


def before_arrow_starts() -> None:
    """Choose jemalloc with no decay for this process, unless pyarrow is already loaded or the user chose."""
    if "pyarrow" in sys.modules:
        return
    os.environ.setdefault(POOL, "jemalloc")
    os.environ.setdefault(JEMALLOC_CONF, NO_DECAY)


@contextmanager
def returned_at_once() -> Iterator[None]:
    """pyarrow's calls allocate from jemalloc with no decay inside the block, if this pyarrow has jemalloc."""
    import pyarrow as pa

    os.environ.setdefault(JEMALLOC_CONF, NO_DECAY)  # jemalloc reads it when it starts: its first allocation
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # built without jemalloc: the default pool, as before
        yield
        return
    before = pa.default_memory_pool()
    pa.jemalloc_set_decay_ms(0)  # for arenas made from now on, in case jemalloc had started already
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(before)
