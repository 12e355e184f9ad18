"""The small vocabularies review records are read into: yes/no answers and whether an outcome is a find; the
ethnic groups (the five plus Not stated) are scrutiny.vocab.ethnicity's, named here as the review code uses them."""

from __future__ import annotations

from scrutiny.vocab.ethnicity import GROUPS_OR_NOT_STATED as ETHNIC_GROUPS
from scrutiny.vocab.ethnicity import NOT_STATED, UnmappedEthnicity, read_ethnicity, warehouse_group
from scrutiny.vocab.ethnicity import self_defined_group as ethnic_group
from scrutiny.vocab.outcomes import no_further_action_outcomes

__all__ = ["ETHNIC_GROUPS", "NOT_STATED", "UnmappedEthnicity", "ethnic_group", "is_find", "read_ethnicity",
           "warehouse_group", "yes_no", "yes_no_unknown"]

YES = {"yes", "y", "true", "t", "1"}
NO = {"no", "n", "false", "f", "0"}
UNKNOWN = {"", "unknown", "not known", "n/a", "na", "none", "null"}


def yes_no(value: str | None) -> bool | None:
    """True, False, or None for unknown; raises ValueError for anything else."""
    text = (value or "").strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    if text in UNKNOWN:
        return None
    raise ValueError(f"{value!r} is not yes, no or unknown")


def yes_no_unknown(value: str | None) -> str:
    answer = yes_no(value)
    return "unknown" if answer is None else ("yes" if answer else "no")


def is_find(outcome: str | None, linked: bool | None) -> bool | None:
    """Whether a search found something: the force's 'outcome linked to object' when it says; where it does
    not, any outcome other than no further action counts as a find; no outcome at all is unknown (None)."""
    if linked is not None:
        return linked
    text = (outcome or "").strip().casefold()
    if not text:
        return None
    return not (text in no_further_action_outcomes() or "no further action" in text or text == "nfa")
