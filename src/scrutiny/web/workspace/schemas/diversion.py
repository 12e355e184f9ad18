"""Diversion cases and the scheme's public outcome measures: the schema family (see the package's doc).

Cases are written only through the workspace's form (and the CSV import, which reads its strings with the same
`scrutiny.workspace.diversion.cases.READERS`); their outcomes are public only as rounded counts
(`DiversionKpisOut`). Each case field's converter is the service's own reader, so a form and a CSV row are
refused in the same words; what needs the fields together (the pathway's date order) the service checks.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas.panels import PublicCount
from scrutiny.workspace.diversion import cases as service
from scrutiny.workspace.diversion.kpis import By
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.diversion import (
    AgeBand,
    Completed,
    EthnicGroup,
    Intervention,
    RecontactKind,
    ReferralSource,
)

MAX_FIELD = 2000  # what any one box may hold, checked before it is read (nothing longer is echoed back)


def bounded(read: service.Reader) -> service.Reader:
    """`read`, for text of at most MAX_FIELD characters: longer is refused first, so a service's message never
    quotes it."""

    def reader(name: str, text: str | None) -> Any:
        if len(text or "") > MAX_FIELD:
            raise Invalid(name, f"at most {MAX_FIELD} characters")
        return read(name, text)

    return reader


def read(field: str) -> BeforeValidator:
    """A form field read as `service.READERS[field]` reads it (a wrong name fails on import, not on a post)."""
    return BeforeValidator(FormValue(bounded(service.READERS[field])))


Text = Annotated[str, Field(max_length=MAX_FIELD)]


class CaseBase(BaseModel):
    """A case as the form sends it, each field in the order and under the name of `service.CASE_FIELDS`."""

    person_id: Annotated[Text, read("person_id")]
    ethnic_group: Annotated[EthnicGroup, read("ethnic_group")]
    age_band: Annotated[AgeBand, read("age_band")]
    borough: Annotated[Text, read("borough")]
    borough_code: Annotated[Text | None, read("borough_code")] = None
    drug: Annotated[Text, read("drug")]
    referral_source: Annotated[ReferralSource, read("referral_source")]
    referral_date: Annotated[date, read("referral_date")]
    eligible: Annotated[bool | None, read("eligible")] = None
    eligibility_reason: Annotated[Text, read("eligibility_reason")] = ""
    eligibility_date: Annotated[date | None, read("eligibility_date")] = None
    first_contact_date: Annotated[date | None, read("first_contact_date")] = None
    assessment_date: Annotated[date | None, read("assessment_date")] = None
    intervention: Annotated[Intervention | None, read("intervention")] = None
    completed: Annotated[Completed, read("completed")] = Completed.unknown
    completion_date: Annotated[date | None, read("completion_date")] = None
    closed_date: Annotated[date | None, read("closed_date")] = None
    closure_reason: Annotated[Text, read("closure_reason")] = ""

    def case(self) -> service.CaseInput:
        """The service's input; `create_case` / `update_case` check the fields together (`service.check`)."""
        return service.CaseInput(**self.model_dump())


class CaseCreate(CaseBase):
    pass


class CaseUpdate(CaseBase):
    """Every field is replaced, as the case form sends them all (re-contacts are kept: they have their own form)."""


def _read_kind(name: str, text: str | None) -> RecontactKind | None:
    return service.parse_choice(name, RecontactKind, text, default=RecontactKind.stop)


class RecontactCreate(BaseModel):
    """A police re-contact; a blank date is left to `service.add_recontact`, which says it is required."""

    contact_date: Annotated[date | None, BeforeValidator(FormValue(bounded(service.parse_date)))] = None
    kind: Annotated[RecontactKind, BeforeValidator(FormValue(bounded(_read_kind)))] = RecontactKind.stop


class SharePublic(BaseModel):
    """numerator ÷ denominator with a Wilson 95% interval; withheld (`suppressed`) when either is 1-4."""

    numerator: PublicCount
    denominator: PublicCount
    share: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


class MedianPublic(BaseModel):
    cases: PublicCount = Field(description="cases with a first contact by the as-of date")
    median_days: float | None = Field(description="median days from referral to first contact")
    suppressed: bool


class KpisPublic(BaseModel):
    referrals: PublicCount
    eligible: PublicCount
    uptake: SharePublic = Field(description="eligible referrals who attended a first appointment")
    completion: SharePublic = Field(description="of those who started an intervention, the share who completed it")
    days_to_first_contact: MedianPublic
    recontact_6m: SharePublic = Field(description="police re-contact within 6 months of referral, over cases "
                                                  "referred at least 6 months before as_of")
    recontact_12m: SharePublic = Field(description="police re-contact within 12 months of referral, over cases "
                                                   "referred at least 12 months before as_of")


class GroupKpisPublic(KpisPublic):
    group: str


# The family's public answer keeps the name the API has always published for it (OpenAPI clients are generated
# from that name, and tests/workspace/test_diversion_pages.py holds it); its docstring is the schema's description.
class DiversionKpisOut(BaseModel):
    """The diversion scheme's outcome measures, every count rounded to 5 and 1-4 shown as "<5" (docs/disclosure.md)."""

    as_of: date
    by: By | None
    overall: KpisPublic
    groups: list[GroupKpisPublic]
    notes: list[str]
