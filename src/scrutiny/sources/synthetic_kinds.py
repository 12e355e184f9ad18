"""What `scrutiny synth` can write and for which months by default: the names its options show in `--help`,
kept apart from the generators (NumPy, PyArrow) so the help does not import them."""

from __future__ import annotations

STOP_AND_SEARCH, STREET, OUTCOMES = "stop-and-search", "street", "outcomes"
KINDS = (STOP_AND_SEARCH, STREET, OUTCOMES)  # what `scrutiny synth --kind` takes
CRIME_KINDS = (STREET, OUTCOMES)
DEFAULT_MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
