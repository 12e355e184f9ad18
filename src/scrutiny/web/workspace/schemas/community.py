"""Community stop reports and their moderation: the schema family (see the package's doc).

`CommunityReportCreate` is what the public form (POST /report) and the API (POST /api/v1/community-reports)
both parse into. As JSON it is checked for shape only, as the API documents it; as a form (context FORM) each
box is read by scrutiny.workspace.community.reports's own readers, so the form shows the service's words. The
meaning of the whole (a date not in the future, a borough or a map pin, consent for contact details) is the
service's to check when it stores the report (`reports.submit`), for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from scrutiny.web.workspace.forms import FormValue
from scrutiny.workspace.community import moderation, reports
from scrutiny.workspace.community.reports import TEXT_LIMITS
from scrutiny.workspace.models.community import AdultPresent, AgeBand, Answer, EthnicGroup, Outcome, StopKind

YesNo = Literal["yes", "no", "not_sure"]


def _text(limit: int) -> BeforeValidator:
    return BeforeValidator(FormValue(lambda name, value: reports.read_text(name, value, limit)))


def _choice(kind: type[Enum], required: str | None = None) -> BeforeValidator:
    """A radio button's value, read as the service reads it (its words for a value not offered)."""

    def read(name: str, value: str) -> Any:
        member = reports.read_choice(name, value, kind)
        return None if member is None else member.value

    return BeforeValidator(FormValue(read, required))


def _reads(read: Callable[[str, str], Any], required: str | None = None) -> BeforeValidator:
    return BeforeValidator(FormValue(read, required))


AnAnswer = Annotated[YesNo | None, _choice(Answer)]
Latitude = Annotated[float | None, _reads(reports.read_number)]


class CommunityReportBase(BaseModel):
    """The boxes of the report form, with the API's types and limits (`CommunityReportCreate` says more)."""

    model_config = ConfigDict(extra="forbid")

    date: Annotated[dt.date, _reads(reports.read_day, "say which day it happened")] = Field(
        description="The day it happened (not in the future, at most 2 years ago).")
    time: Annotated[dt.time | None, _reads(reports.read_time)] = Field(
        None, description="About what time (HH:MM), if you remember.")
    borough: Annotated[str | None, _reads(reports.read_borough)] = Field(
        None, description="ONS code of the local authority of England or Wales (E06, E07, E08, E09 or "
                    "W06 followed by six digits).")
    latitude: Latitude = Field(None, description="Map pin; rounded to a 0.002° grid before it is stored.")
    longitude: Latitude = Field(None, description="Map pin; rounded to a 0.003° grid before it is stored.")
    kind: Annotated[Literal["search", "stop"], _choice(StopKind, "say whether you were searched or only stopped")] = \
        Field(description="Searched, or stopped and questioned only.")
    suspected_of: Annotated[str | None, _text(TEXT_LIMITS["suspected_of"])] = Field(
        None, max_length=TEXT_LIMITS["suspected_of"])
    grounds_given: AnAnswer = None
    name_given: AnAnswer = None
    station_given: AnAnswer = None
    power_given: AnAnswer = None
    power_stated: Annotated[str | None, _text(TEXT_LIMITS["power_stated"])] = Field(
        None, max_length=TEXT_LIMITS["power_stated"])
    record_offered: AnAnswer = None
    body_camera: AnAnswer = None
    searched_for: Annotated[str | None, _text(TEXT_LIMITS["searched_for"])] = Field(
        None, max_length=TEXT_LIMITS["searched_for"])
    found: Annotated[str | None, _text(TEXT_LIMITS["found"])] = Field(None, max_length=TEXT_LIMITS["found"])
    outcome: Annotated[Literal["no_further_action", "arrest", "penalty_notice", "drugs_warning",
                               "community_resolution", "summons", "other", "not_sure"] | None,
                       _choice(Outcome)] = None
    outer_clothing_removed: AnAnswer = None
    appropriate_adult: Annotated[Literal["yes", "no", "not_sure", "over_18"] | None, _choice(AdultPresent)] = Field(
        None, description="If you were under 18: was a parent, carer or other appropriate adult with you when you "
        "were searched? \"over_18\": you were 18 or over, so the question is not yours.")
    age_band: Annotated[Literal["under 10", "10-17", "18-24", "25-34", "over 34"] | None, _choice(AgeBand)] = None
    ethnicity_text: Annotated[str | None, _text(TEXT_LIMITS["ethnicity_text"])] = Field(
        None, max_length=TEXT_LIMITS["ethnicity_text"], description="Your ethnicity in your own words.")
    ethnic_group: Annotated[Literal["asian", "black", "mixed", "white", "other", "not_stated"] | None,
                            _choice(EthnicGroup)] = None
    respect: Annotated[int | None, _reads(reports.read_respect)] = Field(
        None, ge=1, le=5, description="How respectfully you were treated, 1 to 5.")
    account: Annotated[str | None, _text(TEXT_LIMITS["account"])] = Field(
        None, max_length=TEXT_LIMITS["account"], description="What happened, in your own words. Never published "
        "unless a moderator approves it.")
    contact_email: Annotated[str | None, _reads(reports.read_email)] = Field(
        None, max_length=reports.CONTACT_LIMITS["contact_email"])
    contact_phone: Annotated[str | None, _reads(reports.read_phone)] = Field(
        None, max_length=reports.CONTACT_LIMITS["contact_phone"])
    contact_consent: Annotated[bool, _reads(reports.read_consent)] = Field(
        False, description="Required to keep contact details; they are deleted after the retention period "
        "(90 days by default).")
    website: str | None = Field(None, description="Leave empty (a field for robots).")


class CommunityReportCreate(CommunityReportBase):
    """A report of a stop or search, in the person's own terms. Only `date`, `kind` and a place (a borough,
    or a map pin as latitude and longitude, rounded to a ~200 m grid before it is stored) are required."""


class CommunityReportAccepted(BaseModel):
    """The answer to the person who reported: never public (the reference, or the token, fetches their letter)."""

    reference: str = Field(description="The report's random reference: fetches your complaint letter for the "
                           "contact retention period (90 days by default; POST /report/letter with reference and "
                           "format, or the page /report/letter). Keep it to yourself.")
    letter_token: str = Field(description="Also fetches your complaint letter, for the same period (POST "
                              "/report/letter with token and format). Keep it to yourself.")


class CommunitySummaryCellPublic(BaseModel):
    borough_code: str | None
    borough_name: str
    month: str
    reports: int | str = Field(description="Published community reports: searched + stopped only, each rounded "
                                           "to 5; \"<5\" for 1-4.")
    searched: int | str = Field(description="Of which the person was searched, rounded to 5; 1-4 shown as \"<5\".")
    official_searches: int | None = Field(description="Searches recorded by the police for the same borough and "
                                          "month in the loaded data (null: not loaded).")


class CommunitySummaryPublic(BaseModel):
    """What anyone may see of the reports: published ones only, counted by borough and month."""

    cells: list[CommunitySummaryCellPublic]


def _known_action(action: str) -> str:
    if action not in moderation.ACTIONS:
        raise PydanticCustomError("action", "choose one of: {actions}", {"actions": ", ".join(moderation.ACTIONS)})
    return action


class ModerationCreate(BaseModel):
    """A moderator's decision on one report (the last part of the form's address): one of `moderation.ACTIONS`."""

    action: Annotated[str, Field(max_length=20), AfterValidator(_known_action)]
