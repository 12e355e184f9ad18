"""Deleted panels, governance bodies and recommendations: kept for `RESTORE_DAYS` so an admin can restore one
deleted by mistake, then purged for good.

Deleting sets `deleted_at` (models.base.SoftDeleted) and every query leaves the row out, so a deleted panel is
gone from the workspace, the public directory, the API and every count at once; its members and meetings stay
with it, untouched, to come back with it. Each step is a write through the session, so the audit log records
who deleted, restored or purged what. Expired rows stay hidden until `purge` deletes them (`scrutiny workspace
purge`, run by hand or nightly from cron): restoring one is refused from the moment its 30 days are up,
whether or not it has been purged yet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scrutiny.workspace.audit import Actor
from scrutiny.workspace.errors import Gone, Invalid, NotFound
from scrutiny.workspace.models.accounts import AuditEntry
from scrutiny.workspace.models.base import SoftDeleted
from scrutiny.workspace.models.governance import Body
from scrutiny.workspace.models.panels import Panel
from scrutiny.workspace.models.recommendations import Recommendation

RESTORE_DAYS = 30
WINDOW = timedelta(days=RESTORE_DAYS)
INCLUDE_DELETED = {"include_deleted": True}  # the execution option that lets a query see deleted rows
PURGE = Actor(None, f"purge (deleted over {RESTORE_DAYS} days ago)")  # who the audit log says purged


class Kind(enum.StrEnum):
    panel = "panel"
    body = "body"
    recommendation = "recommendation"


MODELS: dict[Kind, type[Any]] = {Kind.panel: Panel, Kind.body: Body, Kind.recommendation: Recommendation}
LABELS = {Kind.panel: "Panel", Kind.body: "Governance body", Kind.recommendation: "Recommendation"}
NOUNS = {Kind.panel: ("panel", "panels"), Kind.body: ("governance body", "governance bodies"),
         Kind.recommendation: ("recommendation", "recommendations")}


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def soft_delete(session: Session, record: SoftDeleted, now: datetime) -> None:
    record.deleted_at = now
    session.flush()


def restorable_until(record: SoftDeleted) -> datetime:
    assert record.deleted_at is not None
    return _aware(record.deleted_at) + WINDOW


def name_of(record: Any) -> str:
    """How a deleted record is named on the page: a panel or body by its name, a recommendation by its words."""
    if isinstance(record, Recommendation):
        text = " ".join(record.text.split())
        return text if len(text) <= 120 else text[:119] + "…"
    return str(record.name)


@dataclass(frozen=True)
class Deleted:
    kind: Kind
    id: int
    name: str
    deleted_at: datetime
    until: datetime
    by: str  # who deleted it, from the audit log


def _deleted_by(session: Session, record: Any) -> str:
    """The actor of the record's latest audit entry: a deleted row cannot be changed, so that is its deletion."""
    actor = session.scalar(select(AuditEntry.actor).where(AuditEntry.entity == record.__tablename__,
                                                          AuditEntry.entity_id == str(record.id))
                           .order_by(AuditEntry.id.desc()).limit(1))
    return actor or "unknown"


def recently_deleted(session: Session, now: datetime) -> list[Deleted]:
    """Every deleted record still restorable at `now`, the most recently deleted first."""
    found = []
    panels_bodies = _panels_bodies(session)
    for kind, model in MODELS.items():
        query = (select(model).where(model.deleted_at.is_not(None), model.deleted_at > now - WINDOW)
                 .execution_options(**INCLUDE_DELETED))
        for record in session.scalars(query):
            if kind is Kind.body and record.id in panels_bodies:
                continue  # listed, and restored, as its panel
            found.append(Deleted(kind, record.id, name_of(record), _aware(record.deleted_at),
                                 restorable_until(record), _deleted_by(session, record)))
    return sorted(found, key=lambda d: (d.deleted_at, d.kind.value, d.id), reverse=True)


def _panels_bodies(session: Session) -> dict[int, int]:
    """Body id -> panel id, for every body that is a panel's (deleted or not)."""
    rows = session.execute(select(Panel.body_id, Panel.id).execution_options(**INCLUDE_DELETED))
    return {body_id: panel_id for body_id, panel_id in rows}


def get_deleted(session: Session, kind: Kind, record_id: int) -> Any:
    """The deleted record, or NotFound (also for one that is not deleted: there is nothing to restore)."""
    model = MODELS[kind]
    record = session.scalar(select(model).where(model.id == record_id).execution_options(**INCLUDE_DELETED))
    if record is None or record.deleted_at is None:
        raise NotFound(f"no deleted {kind.value} {record_id}")
    return record


def restore(session: Session, kind: Kind, record_id: int, now: datetime) -> Any:
    """Undo a deletion within the window; refused (410) once its days are up. A panel comes back with its body
    (a panel's body is restored as its panel); a recommendation comes back only when the bodies it names are
    there: restore a deleted body first."""
    if kind is Kind.body and record_id in (panels := _panels_bodies(session)):
        kind, record_id = Kind.panel, panels[record_id]
    record = get_deleted(session, kind, record_id)
    if now >= restorable_until(record):
        raise Gone(f"{name_of(record)} was deleted on {_aware(record.deleted_at):%d %b %Y}, more than "
                   f"{RESTORE_DAYS} days ago: it can no longer be restored")
    if isinstance(record, Recommendation):
        for body_id in (record.from_body_id, record.to_body_id):
            body = session.scalar(select(Body).where(Body.id == body_id).execution_options(**INCLUDE_DELETED))
            if body is not None and body.deleted_at is not None:
                raise Invalid("body", f"it names {body.name}, which is deleted: restore {body.name} first")
    if isinstance(record, Panel) and record.body.deleted_at is not None:
        record.body.deleted_at = None
    record.deleted_at = None
    session.flush()
    return record


def purge(session: Session, now: datetime) -> dict[Kind, int]:
    """Delete for good every record deleted more than `RESTORE_DAYS` before `now`, and say how many of each kind:
    a panel with its members, meetings and body (counted as the panel), a body with its relations and memberships.
    Recommendations go first, and a body stays while any recommendation, deleted or not, still names it."""
    counts = dict.fromkeys(Kind, 0)
    panels_bodies = _panels_bodies(session)
    for kind in (Kind.recommendation, Kind.panel, Kind.body):
        model = MODELS[kind]
        query = (select(model).where(model.deleted_at.is_not(None), model.deleted_at <= now - WINDOW)
                 .order_by(model.id).execution_options(**INCLUDE_DELETED))
        for record in session.scalars(query).all():
            if kind is Kind.body and (record.id in panels_bodies or _named(session, record.id)):
                continue
            session.delete(record)
            if isinstance(record, Panel) and record.body.deleted_at is not None and not _named(session, record.body_id):
                session.delete(record.body)
            counts[kind] += 1
        session.flush()
    return counts


def name_held_by_deleted(session: Session, name: str, body_id: int | None = None) -> str | None:
    """What a form says when a deleted body (other than `body_id`) still holds `name`: body names are unique,
    deleted or not, so the name is free again only once the body is purged, or renamed after a restore."""
    held = session.scalar(select(Body).where(Body.name == name, Body.deleted_at.is_not(None),
                                             Body.id != (body_id or 0)).execution_options(**INCLUDE_DELETED))
    if held is None:
        return None
    if now_utc() >= restorable_until(held):
        return (f"a body deleted more than {RESTORE_DAYS} days ago is still called {name!r} until `scrutiny workspace "
                "purge` removes it: choose another name, or ask an admin to run it")
    return (f"a deleted body is called {name!r}: an admin can restore it from Recently deleted until "
            f"{restorable_until(held):%d %b %Y}, or choose another name")


def _named(session: Session, body_id: int) -> bool:
    return session.scalar(select(Recommendation.id).where(
        or_(Recommendation.from_body_id == body_id, Recommendation.to_body_id == body_id))
        .execution_options(**INCLUDE_DELETED).limit(1)) is not None


__all__ = ["INCLUDE_DELETED", "LABELS", "MODELS", "NOUNS", "PURGE", "RESTORE_DAYS", "Deleted", "Kind", "get_deleted",
           "name_held_by_deleted", "name_of", "now_utc", "purge", "recently_deleted", "restorable_until", "restore",
           "soft_delete"]
