"""Strategic priorities and their indicators: the schema family (see the package's doc). Priorities are
written only through the workspace's forms; their progress is public (`PriorityPublic`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import Short
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, TargetDirection


def read_granularity(name: str, text: str) -> Granularity:
    try:
        return Granularity(text)
    except ValueError:
        raise Invalid(name, "choose each month or each quarter") from None


class PriorityBase(BaseModel):
    """A priority as typed; scrutiny.workspace.strategy checks the title and the months."""

    title: Short = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    start_month: Short = ""
    end_month: Short = ""
    granularity: Annotated[Granularity, BeforeValidator(FormValue(read_granularity))] = Granularity.month


class PriorityCreate(PriorityBase):
    pass


class PriorityUpdate(PriorityBase):
    """Every field is replaced, as the edit form sends them all."""


class PointPublic(BaseModel):
    period: str
    value: float | None
    status: str  # met, not met, no data, suppressed


class IndicatorPublic(BaseModel):
    id: int
    metric: IndicatorMetric
    name: str
    direction: TargetDirection
    target: float
    scope: str
    whole_period: PointPublic
    periods: list[PointPublic]
    notes: list[str]


class PriorityPublic(BaseModel):
    id: int
    title: str
    description: str
    start_month: str
    end_month: str
    granularity: Granularity
    indicators: list[IndicatorPublic]
