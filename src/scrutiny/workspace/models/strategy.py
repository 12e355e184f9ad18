"""Strategic priorities (e.g. "On-street drug markets and substance misuse 2019-22") and the indicators a
panel tracks them by: each bound to one figure (from the warehouse or the diversion cases) and a target."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrutiny.workspace.models.base import Base, Created


class IndicatorMetric(enum.StrEnum):
    """The figures an indicator can follow: from the warehouse metrics document (`object_groups.drugs.share`,
    `outcomes.find_rate`), from the diversion cases, and from recorded crime (`metrics.crime`: Drugs crimes per
    1,000 residents, and the shares of them charged or summonsed and with no further action), and from use of force
    (`metrics.use_of_force`: tactic uses per 1,000 residents, the shares on children, and of Taser fired and on
    children, per financial year). Stored as text (VARCHAR(30), no CHECK), so a new member needs no migration."""

    drugs_share = "drugs_share"
    find_rate = "find_rate"
    diversion_completion = "diversion_completion"
    drug_crimes_per_1000 = "drug_crimes_per_1000"
    drug_crime_charge_share = "drug_crime_charge_share"
    drug_crime_nfa_share = "drug_crime_nfa_share"
    # Use of force (`metrics.use_of_force`), one figure per financial year (April to March).
    use_of_force_per_1000 = "use_of_force_per_1000"
    use_of_force_children_share = "use_of_force_children_share"
    taser_fired_share = "taser_fired_share"
    taser_children_share = "taser_children_share"


class TargetDirection(enum.StrEnum):
    at_most = "at_most"
    at_least = "at_least"


class Granularity(enum.StrEnum):
    month = "month"
    quarter = "quarter"


def _enum(kind: type[enum.Enum], name: str, length: int) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class StrategyPriority(Created, Base):
    __tablename__ = "strategy_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, inclusive
    end_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, inclusive
    granularity: Mapped[Granularity] = mapped_column(_enum(Granularity, "granularity", 10), default=Granularity.month)

    indicators: Mapped[list[StrategyIndicator]] = relationship(
        back_populates="priority", cascade="all, delete-orphan", order_by="StrategyIndicator.id")


class StrategyIndicator(Created, Base):
    """One figure against one target, for one force (and optionally one of its areas or boroughs)."""

    __tablename__ = "strategy_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("strategy_priorities.id", ondelete="CASCADE"), index=True)
    metric: Mapped[IndicatorMetric] = mapped_column(_enum(IndicatorMetric, "indicator_metric", 30))
    direction: Mapped[TargetDirection] = mapped_column(_enum(TargetDirection, "target_direction", 10))
    target: Mapped[float] = mapped_column(Float)
    force: Mapped[str] = mapped_column(String(64), default="")  # warehouse force id; unused for diversion
    area: Mapped[str | None] = mapped_column(String(100), default=None)  # area code or name / borough

    priority: Mapped[StrategyPriority] = relationship(back_populates="indicators")
