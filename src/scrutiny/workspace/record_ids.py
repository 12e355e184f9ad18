"""The range of a workspace record id, so a number no record can have is refused as input, not sent to SQL."""

from __future__ import annotations

MAX_ID = 2**31 - 1
"""Largest id: primary keys are INTEGER, 32 bits on PostgreSQL (SQLite's 64 bits hold them too). A larger
number cannot name a record, and binding it makes the database driver fail (PostgreSQL: out of range;
SQLite: Python int too large to convert)."""


def is_record_id(value: int) -> bool:
    return 1 <= value <= MAX_ID
