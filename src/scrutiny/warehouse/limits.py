"""The ingest's shrink guard, in a module of its own so `scrutiny --help` can state it (--allow-shrink) without
importing the ingest (DuckDB, NumPy, PyArrow)."""

from __future__ import annotations

# A replacement may remove at most this share of a loaded force-month without --allow-shrink. A corrected
# republication changes a month by a few records (late additions, duplicates removed); losing more than a
# tenth looks like a truncated download, a partial API answer or the wrong file, not a correction.
SHRINK_LIMIT_PERCENT = 10
