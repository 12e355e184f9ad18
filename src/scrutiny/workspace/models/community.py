"""Community stop reports: what a member of the public says happened when they were stopped or searched.

The primary key is a random token, not a counter, so a report's address cannot be guessed. Contact details are
kept only with consent and only until `contact_expires_at`; they never reach the audit log, and nor do the
person's own words. The complaint letter is fetched with the report's reference (or a token held only as a hash)
for the retention period.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Enum, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base, Created


def _enum(kind: type[enum.Enum], name: str, length: int = 24) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda k: [m.value for m in k])


class StopKind(enum.Enum):
    search = "search"
    stop = "stop"  # stopped and asked to account for themselves, not searched


class Answer(enum.Enum):
    yes = "yes"
    no = "no"
    not_sure = "not_sure"


class AdultPresent(enum.Enum):
    """Whether a parent, carer or other appropriate adult was with them, asked of anyone under 18 (PACE wants one
    for a child's strip search): yes, no or not sure say they were under 18; `over_18` says the question is not
    theirs."""

    yes = "yes"
    no = "no"
    not_sure = "not_sure"
    over_18 = "over_18"


class Outcome(enum.Enum):
    no_further_action = "no_further_action"
    arrest = "arrest"
    penalty_notice = "penalty_notice"
    drugs_warning = "drugs_warning"
    community_resolution = "community_resolution"
    summons = "summons"
    other = "other"
    not_sure = "not_sure"


class AgeBand(enum.Enum):  # the bands police.uk publishes, so reports sit beside the official figures
    under_10 = "under 10"
    age_10_17 = "10-17"
    age_18_24 = "18-24"
    age_25_34 = "25-34"
    over_34 = "over 34"


class EthnicGroup(enum.Enum):  # the Census's five groups, plus not saying
    asian = "asian"
    black = "black"
    mixed = "mixed"
    white = "white"
    other = "other"
    not_stated = "not_stated"


class ReportStatus(enum.Enum):
    new = "new"  # not yet looked at: never counted in public
    published = "published"  # counted in the public aggregates
    hidden = "hidden"  # not counted (spam, duplicate, outside the area)
    flagged = "flagged"  # needs a second look before anyone decides


class CommunityReport(Created, Base):
    __tablename__ = "community_reports"
    __audit_redact__ = ("contact_email", "contact_phone", "letter_token_hash")
    # the person's own words: never in the audit log (scrutiny.workspace.audit.FREE_TEXT stands in for them)
    __audit_free_text__ = ("suspected_of", "power_stated", "searched_for", "found", "ethnicity_text", "account")
    __table_args__ = (CheckConstraint("respect IS NULL OR (respect >= 1 AND respect <= 5)", name="respect_1_to_5"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # secrets.token_urlsafe: not guessable
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    occurred_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" London time, as the person gave it
    borough_code: Mapped[str | None] = mapped_column(String(9), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)  # rounded to a ~200 m grid before it is stored
    longitude: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[StopKind] = mapped_column(_enum(StopKind, "stop_kind", 10))
    suspected_of: Mapped[str | None] = mapped_column(Text)
    grounds_given: Mapped[Answer | None] = mapped_column(_enum(Answer, "grounds_given", 10))
    name_given: Mapped[Answer | None] = mapped_column(_enum(Answer, "name_given", 10))
    station_given: Mapped[Answer | None] = mapped_column(_enum(Answer, "station_given", 10))
    power_given: Mapped[Answer | None] = mapped_column(_enum(Answer, "power_given", 10))
    power_stated: Mapped[str | None] = mapped_column(Text)
    record_offered: Mapped[Answer | None] = mapped_column(_enum(Answer, "record_offered", 10))
    body_camera: Mapped[Answer | None] = mapped_column(_enum(Answer, "body_camera", 10))
    searched_for: Mapped[str | None] = mapped_column(Text)
    found: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "stop_outcome", 24))
    outer_clothing_removed: Mapped[Answer | None] = mapped_column(_enum(Answer, "outer_clothing_removed", 10))
    appropriate_adult: Mapped[AdultPresent | None] = mapped_column(_enum(AdultPresent, "appropriate_adult", 10))
    age_band: Mapped[AgeBand | None] = mapped_column(_enum(AgeBand, "age_band", 10))
    ethnicity_text: Mapped[str | None] = mapped_column(String(200))
    ethnic_group: Mapped[EthnicGroup | None] = mapped_column(_enum(EthnicGroup, "ethnic_group", 12))
    respect: Mapped[int | None] = mapped_column(Integer)
    account: Mapped[str | None] = mapped_column(Text)  # the person's own words: public only once approved
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus, "report_status", 10), default=ReportStatus.new,
                                                 index=True)
    account_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    letter_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    letter_expires_at: Mapped[datetime | None] = mapped_column()
    letter_text_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    letter_pdf_taken: Mapped[bool] = mapped_column(Boolean, default=False)
