"""Every write to the workspace is logged, and none happens without someone to log it against.

The log is kept by a SQLAlchemy flush hook, not by each service remembering to call it: a service that
forgets cannot write unlogged. A session must say who is acting (`act_as`) before it flushes a change; a
session without an actor raises `LoginRequired` instead of writing, which is the last line behind the web
layer's role checks.

Secrets are never written to it (`ALWAYS_REDACTED` and a model's `__audit_redact__`: "[redacted]"), nor is what
a member of the public wrote in their own words (a model's `__audit_free_text__`: `FREE_TEXT` in its place), so
the log can be read by every admin without showing them a reporter's account.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, attributes

from scrutiny.workspace.errors import LoginRequired
from scrutiny.workspace.models.accounts import AuditEntry, LoginSession

NOT_AUDITED = {AuditEntry.__tablename__, LoginSession.__tablename__}
ALWAYS_REDACTED = {"password_hash", "token_hash", "value"}
REDACTED = "[redacted]"
FREE_TEXT = "(free text, not kept in the log)"
FREE_TEXT_CHANGED = "(free text, changed; not kept in the log)"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str  # the account's email, or "command line"


def act_as(session: Session, actor: Actor) -> Session:
    session.info["actor"] = actor
    return session


def actor_of(session: Session) -> Actor | None:
    found = session.info.get("actor")
    return found if isinstance(found, Actor) else None


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _redacted(obj: Any) -> set[str]:
    return ALWAYS_REDACTED | set(getattr(obj, "__audit_redact__", ()))


def free_text(obj: Any) -> frozenset[str]:
    """The columns of `obj` (a model or its class) that hold a member of the public's own words."""
    return frozenset(getattr(obj, "__audit_free_text__", ()))


def _state(obj: Any, *, before: bool, update: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hidden, words = _redacted(obj), free_text(obj)
    for column in inspect(obj).mapper.column_attrs:
        key = column.key
        history = attributes.get_history(obj, key)
        if before:
            value = history.deleted[0] if history.deleted else (history.unchanged or [None])[0]
        else:
            value = getattr(obj, key)
        if value is None:
            out[key] = None
        elif key in words:
            out[key] = FREE_TEXT_CHANGED if update and not before and history.has_changes() else FREE_TEXT
        else:
            out[key] = REDACTED if key in hidden else _plain(value)
    return out


def _changed(obj: Any) -> bool:
    return any(attributes.get_history(obj, c.key).has_changes() for c in inspect(obj).mapper.column_attrs)


def _identity(obj: Any) -> str:
    """The row's primary key, read from the object: a new row's identity key is not set yet after the flush."""
    state = inspect(obj)
    key = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def _audited(objects: Any) -> list[Any]:
    return [o for o in objects if getattr(o, "__tablename__", None) not in NOT_AUDITED]


@event.listens_for(Session, "before_flush")
def _require_actor(session: Session, _context: Any, _instances: Any) -> None:
    pending = _audited(session.new) + _audited(session.deleted) + [o for o in _audited(session.dirty) if _changed(o)]
    if pending and actor_of(session) is None:
        raise LoginRequired("refused to write: no logged-in account is acting (every write is logged)")


@event.listens_for(Session, "after_flush")
def _log(session: Session, _context: Any) -> None:
    actor = actor_of(session)
    rows: list[dict[str, Any]] = []
    for obj in _audited(session.new):
        rows.append({"action": "create", "obj": obj, "before": None, "after": _state(obj, before=False)})
    for obj in _audited(session.dirty):
        if _changed(obj):
            rows.append({"action": "update", "obj": obj, "before": _state(obj, before=True),
                         "after": _state(obj, before=False, update=True)})
    for obj in _audited(session.deleted):
        rows.append({"action": "delete", "obj": obj, "before": _state(obj, before=True), "after": None})
    if not rows or actor is None:
        return
    values = [
        {"user_id": actor.user_id, "actor": actor.label, "action": r["action"], "entity": r["obj"].__tablename__,
         "entity_id": _identity(r["obj"]), "before": r["before"], "after": r["after"]}
        for r in rows
    ]
    session.connection().execute(insert(AuditEntry), values)
