"""Strategic priorities and their indicators: the schema family (see the package's doc). Priorities and
indicators are written only through the workspace's forms; their progress is public (`PriorityPublic`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import Short
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, TargetDirection
from scrutiny.workspace.strategy import parse_target


def read_granularity(name: str, text: str) -> Granularity:
    try:
        return Granularity(text)
    except ValueError:
        raise Invalid(name, "choose each month or each quarter") from None


CHOOSE_FROM_LISTS = "choose a figure and a direction from the lists"


def read_metric(name: str, text: str) -> IndicatorMetric:
    try:
        return IndicatorMetric(text)
    except ValueError:
        raise Invalid(name, CHOOSE_FROM_LISTS) from None


def read_direction(name: str, text: str) -> TargetDirection:
    try:
        return TargetDirection(text)
    except ValueError:
        raise Invalid(name, CHOOSE_FROM_LISTS) from None


def read_target(name: str, text: str) -> float:
    """The service's reading of a share (0.4 or 40%), so a form's words are the service's."""
    return parse_target(text)


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


class IndicatorBase(BaseModel):
    """An indicator as chosen and typed; scrutiny.workspace.strategy checks the force and the area
    (`add_indicator`). Figure, direction and target have no default: a form that leaves one out is refused."""

    metric: Annotated[IndicatorMetric, BeforeValidator(FormValue(read_metric))]
    direction: Annotated[TargetDirection, BeforeValidator(FormValue(read_direction))]
    target: Annotated[float, Field(ge=0, le=1), BeforeValidator(FormValue(read_target))]
    force: Short = ""
    area: Short = ""


class IndicatorCreate(IndicatorBase):
    pass


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
