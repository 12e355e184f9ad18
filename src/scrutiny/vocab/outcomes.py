"""Outcome classes: what happened after a search, from the published `Outcome` through the catalogue
`outcome_classes.csv`, in the order every table shows them."""

from __future__ import annotations

from functools import cache

from scrutiny.catalog import read_catalog

# The classes the figures single out (docs/metrics.md): a search's outcome is *known* unless it is UNKNOWN, and
# a *find* is a known outcome other than NO_FURTHER_ACTION (NOT_FINDS: the two that are not finds).
UNKNOWN_OUTCOME = "unknown"
NO_FURTHER_ACTION = "no_further_action"
ARREST = "arrest"
NOT_FINDS = (UNKNOWN_OUTCOME, NO_FURTHER_ACTION)

# Each class, in the order every table shows them, with the report's words for it.
OUTCOME_LABELS = {
    NO_FURTHER_ACTION: "No further action",
    ARREST: "Arrest",
    "drugs_warning": "Drugs warning",
    "penalty_notice": "Penalty notice",
    "community_resolution": "Community resolution",
    "caution": "Caution",
    "summons": "Summons",
    "other": "Other outcome",
    UNKNOWN_OUTCOME: "Not recorded",
}
OUTCOME_CLASSES = tuple(OUTCOME_LABELS)
# The workspace disposals page's words: it sits beside a force's own disposal policy, so it names the drugs
# warning and the summons as such policies do.
DISPOSAL_PAGE_LABELS = {
    **OUTCOME_LABELS,
    "drugs_warning": "Cannabis/khat warning", "summons": "Summons/charge", "other": "Other",
}


@cache
def no_further_action_outcomes() -> frozenset[str]:
    """The published outcomes (casefolded) the catalogue classes as no further action."""
    return frozenset(row["outcome"].casefold() for row in read_catalog("outcome_classes.csv")
                     if row["outcome_class"] == "no_further_action")
