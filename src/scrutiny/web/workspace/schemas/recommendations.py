"""Recommendations and the KPIs linked to them: the schema family (see the package's doc)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import ChosenBody, FormDate, RecordId
from scrutiny.workspace.models.recommendations import Status
from scrutiny.workspace.panels import choice, form_date, form_id

MaybeId = Annotated[RecordId | None, BeforeValidator(FormValue(form_id))]
MadeOn = Annotated[date, BeforeValidator(FormValue(form_date, "give the date the recommendation was made"))]
AStatus = BeforeValidator(FormValue(lambda name, text: choice(name, Status, text)))  # the service's words


class Ref(BaseModel):
    id: int
    name: str


class KpiCreate(BaseModel):
    """A figure to watch: `metric` is a dotted key of the metrics document, e.g. `object_groups.drugs.share`."""

    model_config = ConfigDict(extra="forbid")
    metric: str = Field(max_length=100, examples=["object_groups.drugs.share"])
    force: str = Field(max_length=60, examples=["metropolitan"])
    area_code: str | None = Field(None, max_length=9, examples=["E09000012"])
    start: str = Field(max_length=7, examples=["2024-01"], description="first month, YYYY-MM")
    end: str = Field(max_length=7, examples=["2024-12"], description="last month, YYYY-MM")


class KpiPublic(KpiCreate):
    label: str


class RecommendationBase(BaseModel):
    """What a recommendation says and between whom; scrutiny.workspace.recommendations checks the rest
    (the text, the status rules, the dates in order)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=10000)
    from_body_id: ChosenBody
    to_body_id: ChosenBody
    made_on: MadeOn
    panel_id: MaybeId = None
    response_due: FormDate = None


class RecommendationCreate(RecommendationBase):
    response_text: str | None = Field(None, max_length=20000)
    responded_on: FormDate = None
    status: Annotated[Status, AStatus] = Status.open
    kpis: list[KpiCreate] = Field(default_factory=list, max_length=50)


class RecommendationUpdate(BaseModel):
    """Only the fields sent change; the result is checked as a whole (status rules, dates)."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=10000)
    from_body_id: MaybeId = None
    to_body_id: MaybeId = None
    made_on: FormDate = None
    panel_id: MaybeId = None
    response_due: FormDate = None
    response_text: str | None = Field(None, max_length=20000)
    responded_on: FormDate = None
    status: Annotated[Status | None, AStatus] = None
    kpis: list[KpiCreate] | None = Field(None, max_length=50)


class RecommendationPublic(BaseModel):
    id: int
    text: str
    from_body: Ref
    to_body: Ref
    panel: Ref | None
    made_on: date
    response_due: date | None
    response_text: str | None
    responded_on: date | None
    status: Status
    overdue: bool = Field(description="still open and its response date has passed")
    kpis: list[KpiPublic]
