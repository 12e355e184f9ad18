"""The audit log as people read it: each entry's changed fields, before and after, in words.

A row written before the log stopped keeping reporters' own words may still hold them: they are replaced here, as
the page reads them, by the same marker new rows store (`audit.FREE_TEXT`), so no admin is shown them. (The rows
themselves lose the text in migration 0010; this stays for a workspace not yet upgraded.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from scrutiny.workspace.audit import FREE_TEXT, FREE_TEXT_CHANGED, REDACTED, free_text
from scrutiny.workspace.models.accounts import AuditEntry
from scrutiny.workspace.models.base import Base

EMPTY = "(empty)"
ACTIONS = {"create": "Added", "update": "Changed", "delete": "Deleted"}


@dataclass(frozen=True)
class Change:
    field: str  # the column
    label: str  # the column in words
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str  # in words: Added, Changed, Deleted
    entity: str
    entity_id: str
    changes: list[Change]


@cache
def _free_text_columns() -> dict[str, frozenset[str]]:
    """Each table's columns of a reporter's own words, from the models (`__audit_free_text__`)."""
    return {mapper.class_.__tablename__: free_text(mapper.class_) for mapper in Base.registry.mappers
            if free_text(mapper.class_)}


def scrubbed(entity: str, state: dict[str, Any] | None) -> dict[str, Any] | None:
    """`state` with any reporter's words replaced by the marker (a row logged before they were left out)."""
    if state is None:
        return None
    words = _free_text_columns().get(entity, frozenset())
    return {key: FREE_TEXT if key in words and value not in (None, FREE_TEXT, FREE_TEXT_CHANGED) else value
            for key, value in state.items()}


def shown(value: Any) -> str:
    """A logged value in words: nothing as "(empty)", true/false as yes/no, a hidden secret as "(hidden)"."""
    if value is None or value == "":
        return EMPTY
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value == REDACTED:
        return "(hidden)"
    return str(value)


def label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def changes(entity: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The fields an entry changed: every field given when a row is added or deleted, those that differ when it
    is changed (a field not set either side is left out)."""
    before, after = scrubbed(entity, before), scrubbed(entity, after)
    old, new = before or {}, after or {}
    found = []
    for field in list(old) + [key for key in new if key not in old]:
        was, now = old.get(field), new.get(field)
        if (before is not None and after is not None and was == now) or (was is None and now is None):
            continue
        found.append(Change(field, label(field), shown(was) if before is not None else "",
                            shown(now) if after is not None else ""))
    return found


def action(row: AuditEntry) -> str:
    """The entry's action in words. Deleting a panel, body or recommendation only sets its `deleted_at`
    (scrutiny.workspace.deleted), and restoring clears it: logged as changes, said as what they are."""
    if row.action == "update" and row.before is not None and row.after is not None and "deleted_at" in row.after:
        was, now = row.before.get("deleted_at"), row.after.get("deleted_at")
        if was is None and now is not None:
            return "Deleted (restorable for 30 days)"
        if was is not None and now is None:
            return "Restored"
    return ACTIONS.get(row.action, row.action)


def entry(row: AuditEntry) -> Entry:
    return Entry(row.at, row.actor, action(row), row.entity, row.entity_id, changes(row.entity, row.before, row.after))
