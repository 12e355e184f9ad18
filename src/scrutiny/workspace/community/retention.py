"""Contact details are kept only as long as the person agreed to: once `contact_expires_at` has passed they
are deleted (set to NULL, the report itself stays). Run at start-up, by `scrutiny community purge`, and on
every moderation page load, so an expired address is never shown even if the server has run for months."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scrutiny.workspace.audit import Actor, act_as, actor_of
from scrutiny.workspace.models.community import CommunityReport

RETENTION = Actor(None, "contact retention")


def purge_expired_contacts(session: Session, now: datetime) -> int:
    """Delete the contact details whose retention period ended at or before `now`; how many reports had some.

    Through the ORM, so each deletion is in the audit log (with the values redacted)."""
    if actor_of(session) is None:
        act_as(session, RETENTION)
    now = now.astimezone(UTC)  # SQLite keeps times as UTC text without a zone: compare like with like
    expired = session.scalars(
        select(CommunityReport).where(
            CommunityReport.contact_expires_at <= now,
            or_(CommunityReport.contact_email.is_not(None), CommunityReport.contact_phone.is_not(None)),
        )
    ).all()
    for report in expired:
        report.contact_email = None
        report.contact_phone = None
    session.flush()
    return len(expired)
