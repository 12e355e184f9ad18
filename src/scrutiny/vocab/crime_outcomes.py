"""What happens after a crime is recorded: data.police.uk's outcome types (`Outcome type` of the outcomes
files, `Last outcome category` of the street files) grouped into classes by two catalogue files,
`crime_outcomes.csv` (type → class) and `crime_outcome_classes.csv` (each class, in the order tables show
them, with its label and whether it means a charge or no further action). A type the catalogue does not
know is `other`, never dropped, so a new wording shows up in the figures instead of vanishing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from scrutiny.catalog import read_catalog

OTHER = "other"
ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"  # published with no Crime ID, and never counted as crime
DRUGS = "Drugs"  # the crime type of possession and trafficking together


@dataclass(frozen=True)
class OutcomeClass:
    key: str
    label: str
    charged: bool  # the crime reached a charge or summons (court classes included: no court without one)
    no_further_action: bool  # the police closed it with no action against anyone


@cache
def outcome_classes() -> dict[str, OutcomeClass]:
    """Every class, in the catalogue's order (the order of every table)."""
    return {row["class"]: OutcomeClass(row["class"], row["label"], row["charged"] == "true",
                                       row["no_further_action"] == "true")
            for row in read_catalog("crime_outcome_classes.csv")}


@cache
def outcome_types() -> dict[str, str]:
    """Published outcome type → class."""
    known = outcome_classes()
    types = {row["outcome_type"]: row["class"] for row in read_catalog("crime_outcomes.csv")}
    unknown = sorted(set(types.values()) - set(known))
    if unknown:
        raise ValueError(f"crime_outcomes.csv names classes crime_outcome_classes.csv lacks: {unknown}")
    return types


def class_of(outcome_type: str | None) -> str | None:
    """The class of a published type; None for no type at all (a street row with no outcome yet)."""
    if outcome_type is None or not outcome_type.strip():
        return None
    return outcome_types().get(outcome_type.strip(), OTHER)


def charged_classes() -> tuple[str, ...]:
    return tuple(c.key for c in outcome_classes().values() if c.charged)


def no_further_action_classes() -> tuple[str, ...]:
    return tuple(c.key for c in outcome_classes().values() if c.no_further_action)
