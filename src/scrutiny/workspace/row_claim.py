"""Claiming one row for this transaction before acting on it, the same way on SQLite and PostgreSQL.

Check-then-write (read the invitation, see it unused, mark it used) lets concurrent requests all see it unused:
six accepts of one invitation made one account and five 500s; six uses of a one-use letter link gave six letters.
`claim` starts instead with a write that changes nothing, `UPDATE … SET col = col WHERE <conditions>`.
PostgreSQL locks the row and, if a concurrent transaction holds it, waits and re-checks the conditions against
what that one committed (READ COMMITTED); SQLite takes its database write lock before reading. So when `claim`
returns True the conditions hold until this transaction ends, and the caller then makes its real change through
the ORM, where the audit log records it like any other write. When it returns False nothing matched (any more).

Call it before anything else is written in the transaction: SQLite cannot wait for a write lock it must upgrade
to from an earlier read in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import InstrumentedAttribute, Session


def claim(session: Session, touch: InstrumentedAttribute[Any], *conditions: ColumnElement[bool]) -> bool:
    """Lock the one row of `touch`'s table that meets `conditions` (by setting `touch` to itself); True if one
    did. `conditions` must pick at most one row (a unique key among them)."""
    statement = update(touch.class_).where(*conditions).values({touch.key: touch}).returning(touch)
    return len(session.connection().execute(statement).all()) == 1  # RETURNING: rowcount is not always told
