"""What happened after searches for drugs (or, with a lens, for another purpose or under one power): the
outcome mix (no further action, cannabis/khat warning, penalty
notice, community resolution, caution, summons/charge, arrest) by ethnic group and by age range.

The published outcome texts are already mapped to outcome classes when the warehouse loads them
(catalog/outcome_classes.csv), and `counts.cube` groups the rows in scope; this module only sums that small
frame, so the shares here and in the metrics document rest on the same counts. Campaigners' question is
whether the same find leads to the same disposal whoever is searched: a share of one group's drug searches
ending in arrest set beside another's, each with its Wilson 95% interval.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ibis
import pandas as pd

from scrutiny.metrics import counts
from scrutiny.metrics.categories import AGE_RANGES, GROUPS, OUTCOME_CLASSES
from scrutiny.metrics.intervals import share, wilson
from scrutiny.metrics.scope import Scope, in_scope, scope_json
from scrutiny.vocab.ethnicity import UNKNOWN  # also the key for an age range not recorded
from scrutiny.vocab.objects import DRUGS

DEFINITIONS = {
    "searches": "searches whose object (or legislation) the catalogue maps to the purpose (drugs unless another "
                "is chosen), under the chosen power if any",
    "rows": "searches of people (person, or person and vehicle) in `searches`; a vehicle-only search has no "
            "person's ethnicity or age",
    "share": "the outcome's count divided by the row's searches (all of them, including an unknown outcome)",
    "interval": "Wilson score 95% interval of the share",
    "group": f"ethnic group on the chosen basis; '{UNKNOWN}' is not stated or not recorded",
}


def proportion(count: int, n: int) -> dict[str, Any]:
    """A count out of n with its share and Wilson 95% interval: the one form every disposal share takes."""
    ci = wilson(count, n)
    return {"count": count, "share": share(count, n), "ci_low": ci.low, "ci_high": ci.high}


def _sum(frame: pd.DataFrame) -> int:
    return int(frame["n"].sum())


def outcome_mix(rows: pd.DataFrame) -> dict[str, Any]:
    """Searches and each outcome class's proportion of them, for the cube rows of one group or age range."""
    n = _sum(rows)
    return {"searches": n, "outcomes": {c: proportion(_sum(rows[rows.outcome_class == c]), n)
                                        for c in OUTCOME_CLASSES}}


def with_purpose(scope: Scope) -> Scope:
    """Disposals are of searches for drugs unless the scope's lens names another purpose."""
    return replace(scope, purpose=scope.purpose or DRUGS)


def drug_cube(backend: ibis.BaseBackend, scope: Scope) -> pd.DataFrame:
    """The grouped counts of the scope's searches for its purpose (person, group, age, outcome class, n)."""
    lensed = with_purpose(scope)
    cube = counts.cube(in_scope(backend.table("stop_search"), lensed), lensed, ibis.literal(True))
    return cube[["person", "group", "age", "outcome_class", "n"]]


def disposals_document(backend: ibis.BaseBackend, scope: Scope) -> dict[str, Any]:
    """The outcome mix of searches for drugs (or the lens's purpose and power) by ethnic group and by age range,
    for a checked scope."""
    cube = drug_cube(backend, scope)
    person = cube[cube.person]
    groups = person.group.where(person.group.isin(GROUPS), UNKNOWN)
    return {
        "scope": scope_json(with_purpose(scope)),
        "searches": _sum(cube),
        "person_searches": _sum(person),
        "outcome_classes": list(OUTCOME_CLASSES),
        "all": outcome_mix(person),
        "by_group": [{"group": g, **outcome_mix(person[groups == g])} for g in (*GROUPS, UNKNOWN)],
        "by_age": [{"age_range": a, **outcome_mix(person[person.age == a])} for a in (*AGE_RANGES, UNKNOWN)],
        "definitions": DEFINITIONS,
    }
