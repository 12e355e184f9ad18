"""Panels decide what of the public's reports counts in public: publish, hide, flag, and, as a separate
decision, whether the person's own words may be shown. Every change goes through the ORM, so the audit hook
logs who did it; contact details are shown only to moderators, and only while they are still retained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scrutiny.workspace import accounts
from scrutiny.workspace.community.reports import REFERENCE
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.community import CommunityReport, ReportStatus

ACTIONS = ("publish", "hide", "flag", "approve-text", "withhold-text")
PAGE_SIZE = 50


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reports(session: Session, user: User | None, status: ReportStatus | None = None,
            limit: int = PAGE_SIZE) -> list[CommunityReport]:
    """The newest reports first, of one status or all."""
    accounts.require(user, Role.panel_member)
    query = select(CommunityReport).order_by(CommunityReport.created_at.desc(), CommunityReport.id).limit(limit)
    if status is not None:
        query = query.where(CommunityReport.status == status)
    return list(session.scalars(query))


def counts(session: Session, user: User | None) -> dict[ReportStatus, int]:
    accounts.require(user, Role.panel_member)
    rows = session.execute(select(CommunityReport.status, func.count()).group_by(CommunityReport.status)).all()
    found = {status: int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in ReportStatus}


def get(session: Session, user: User | None, report_id: str) -> CommunityReport:
    accounts.require(user, Role.panel_member)
    report = session.get(CommunityReport, report_id) if REFERENCE.fullmatch(report_id) else None
    if report is None:
        raise NotFound("no such community report")
    return report


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None
    expires_at: datetime


def contact(report: CommunityReport, now: datetime) -> Contact | None:
    """The person's contact details, only while they are retained (even before the purge has run)."""
    if report.contact_expires_at is None or _aware(report.contact_expires_at) <= now:
        return None
    if report.contact_email is None and report.contact_phone is None:
        return None
    return Contact(report.contact_email, report.contact_phone, _aware(report.contact_expires_at))


def moderate(session: Session, user: User | None, report_id: str, action: str) -> CommunityReport:
    """Apply one moderation action. Approving the text is separate from publishing the report: a published
    report counts in the figures, but its words stay private until someone approves them too."""
    report = get(session, user, report_id)
    if action == "publish":
        report.status = ReportStatus.published
    elif action == "hide":
        report.status = ReportStatus.hidden
    elif action == "flag":
        report.status = ReportStatus.flagged
    elif action == "approve-text":
        if not report.account:
            raise Invalid("action", "this report has no text of the person's own to approve")
        report.account_approved = True
    elif action == "withhold-text":
        report.account_approved = False
    else:
        raise Invalid("action", f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    session.flush()
    return report
