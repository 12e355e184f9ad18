"""The publication rule for anything counted from workspace data (DESIGN.md Privacy): a count of 1-4 could
point at a person, so it is shown as "<5"; 0 and 5 or more are shown as they are."""

from __future__ import annotations

SUPPRESS_BELOW = 5


def public_count(n: int) -> int | str:
    return n if n == 0 or n >= SUPPRESS_BELOW else "<5"
