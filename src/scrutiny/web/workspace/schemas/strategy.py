"""Strategic priorities and their indicators: the schema family (see the package's doc). Priorities and
indicators are written only through the workspace's forms; their progress is public (`PriorityPublic`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import Short
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, TargetDirection
from scrutiny.workspace.strategy import check_target, parse_target


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


def read_target(value: Any, info: ValidationInfo) -> Any:
    """A form's target read by the service for the figure chosen above it (a share as 0.4 or 40%, a rate per
    1,000 residents as 2.5), so a form's words are the service's; an unreadable figure reads as a share."""
    metric = info.data.get("metric")
    return FormValue(lambda name, text: parse_target(text, metric))(value, info)


def target_in_range(value: float, info: ValidationInfo) -> float:
    """The figure's own range for any target, typed or sent as JSON (a share at most 1, a rate any number)."""
    try:
        return check_target(info.data.get("metric"), value)
    except Invalid as exc:
        raise PydanticCustomError("form", "{message}", {"message": exc.message}) from None


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
    target: Annotated[float, Field(ge=0), BeforeValidator(read_target), AfterValidator(target_in_range)]
    force: Short = ""
    area: Short = ""


class IndicatorCreate(IndicatorBase):
    pass


class PointPublic(BaseModel):
    period: str
    value: float | None
    status: str  # met, not met, no data, suppressed, not judged (a rate over a whole period of several)
    provisional: bool = False  # a crime share whose crimes do not all have an outcome loaded yet


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
