"""Search-record review: drawing a sample, a review of one record, a warehouse record's grounds, and the
public results; the schema family (see the package's doc). scrutiny.workspace.review checks the meaning of
each (a period in order, records to draw from, a record in a sample with room for a review)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import Long, Short
from scrutiny.workspace.panels import form_date
from scrutiny.workspace.review import reviews, sampling

Filter = Annotated[str, Field(max_length=200)]  # a force or an area, as typed (blank: any)
YesOrNo = Annotated[bool, BeforeValidator(FormValue(reviews.form_answer))]


class DrawCreate(BaseModel):
    """A seeded sample to draw: the same seed, records, period, force, area and size give the same sample."""

    period_start: Annotated[date, BeforeValidator(FormValue(form_date, "give the first day of the period"))]
    period_end: Annotated[date, BeforeValidator(FormValue(form_date, "give the last day of the period"))]
    size: Annotated[int, BeforeValidator(FormValue(sampling.form_size, sampling.SIZE_WORDS)),
                    Field(ge=1, le=sampling.MAX_SIZE)]
    source: Short = "workspace"
    force: Filter = ""
    area: Filter = ""
    seed: Annotated[int | None, BeforeValidator(FormValue(sampling.form_seed)),
                    Field(ge=0, le=sampling.MAX_SEED)] = None


class ReviewCreate(BaseModel):
    """One person's review of one sampled record, against the rubric (scrutiny.workspace.review.reviews)."""

    object_stated: YesOrNo
    grounds_stated: YesOrNo
    reasonable_suspicion: YesOrNo
    smell_only: YesOrNo
    body_worn_video: Short
    conduct: Short
    grounds_class: Short
    notes: Annotated[str, StringConstraints(strip_whitespace=True), Field(max_length=20000)] = ""
    sample: Short = Field("", description="The sample whose page to go back to; not part of the review.")


class GroundsUpdate(BaseModel):
    """A warehouse-drawn record's grounds, typed in from the force's own record."""

    grounds: Long


class GroupFiguresPublic(BaseModel):
    group: str = Field(description="Self-defined ethnic group (five groups, Not stated), or All")
    counts: dict[str, int | str] = Field(
        description='Counts rounded to 5, 1-4 shown as "<5"; totals summed from rounded parts')
    rates: dict[str, float | None] = Field(description="Shares and find rates; null when undefined or suppressed")
    suppressed: list[str] = Field(description="Rates hidden because their numerator or denominator is 1-4")


class ReviewResultsPublic(BaseModel):
    sample: int | None = Field(description="The sample these figures are for; null for every sampled record")
    groups: list[GroupFiguresPublic]
