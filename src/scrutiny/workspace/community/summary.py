"""What the public sees of community reports: counts of published reports by borough and month, and the few
accounts whose words a moderator approved.

Counts go through scrutiny.workspace.disclosure: searches and stops without a search are each rounded to the
nearest 5 (1–4 shown as "<5"), and a cell's reports are the sum of those two rounded figures, so reports minus
searches is a multiple of 5 and never gives back a small count.

Only published reports count. Reports placed by a map pin alone (no borough) are counted under no borough.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.workspace.community import places
from scrutiny.workspace.disclosure import count, total
from scrutiny.workspace.models.community import CommunityReport, ReportStatus

APPROVED_SHOWN = 20


@dataclass(frozen=True)
class Cell:
    borough_code: str | None
    borough_name: str
    force: str | None  # the force that polices the borough, for the official figures beside it
    month: str  # YYYY-MM
    reports: int | str  # published: searches + stops without a search, each rounded to 5
    searches: int | str  # of which the person was searched (not only stopped), rounded to 5


def cells(session: Session) -> list[Cell]:
    """One cell per borough and month with any published report, newest month first, then by borough name."""
    rows = session.execute(
        select(CommunityReport.borough_code, CommunityReport.occurred_on, CommunityReport.kind)
        .where(CommunityReport.status == ReportStatus.published)
    ).all()
    reports: Counter[tuple[str | None, str]] = Counter()
    searches: Counter[tuple[str | None, str]] = Counter()
    for code, day, kind in rows:
        key = (code, f"{day:%Y-%m}")
        reports[key] += 1
        searches[key] += int(kind.value == "search")
    out = []
    for (code, month), n in reports.items():
        found = places.authority(code)
        searched = count(searches[(code, month)])
        reported = total([searched, count(n - searched.true)])
        out.append(Cell(code, found.name if found else "Not given (map pin only)", found.force if found else None,
                        month, reported.shown, searched.shown))
    out.sort(key=lambda c: (c.borough_name.startswith("Not given"), c.borough_name))
    out.sort(key=lambda c: c.month, reverse=True)
    return out


def approved_accounts(session: Session, limit: int = APPROVED_SHOWN) -> list[str]:
    """People's own words that a moderator approved for publication, on published reports only, newest first.

    Shown without their date or place, so a quote cannot be matched to a borough and month with few reports."""
    query = (select(CommunityReport.account)
             .where(CommunityReport.status == ReportStatus.published, CommunityReport.account_approved,
                    CommunityReport.account.is_not(None))
             .order_by(CommunityReport.created_at.desc()).limit(limit))
    return [text for text in session.scalars(query) if text]
