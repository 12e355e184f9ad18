"""A table of forces for one period and lens: each force's figures side by side, each equal to what that
force's own metrics document gives (one grouped scan for them all, not one document per force)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ibis
import pandas as pd

from scrutiny.catalog import force_name
from scrutiny.metrics import counts
from scrutiny.metrics.coverage import covered_months
from scrutiny.metrics.intervals import rate_per_1000, rate_ratio, share
from scrutiny.metrics.plain_frames import arrow_frame
from scrutiny.metrics.population import exact_number, force_lookup, force_units
from scrutiny.metrics.scope import ALL_FORCES, Scope, in_scope
from scrutiny.vocab.ethnicity import HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.objects import DRUGS
from scrutiny.vocab.outcomes import NO_FURTHER_ACTION, UNKNOWN_OUTCOME


def _grouped(backend: ibis.BaseBackend, scope: Scope) -> pd.DataFrame:
    """Searches by force, person/vehicle, group, object group and outcome class, the lens applied."""
    scoped = in_scope(backend.table("stop_search"), scope)
    keyed = scoped.mutate(group=scoped[scope.group_column])
    query = keyed.group_by(
        ["force", "search_type", "group", "legislation", "object_of_search", "outcome_class"]
    ).aggregate(n=keyed.count())
    return arrow_frame(counts.classified(query.to_pyarrow()))


def forces_table(backend: ibis.BaseBackend, scope: Scope) -> dict[str, Any]:
    """`scope`: a checked scope of `all` (or a list of forces) with no area; one row per force with data."""
    coverage = covered_months(counts.force_months(backend, scope))
    used = sorted(coverage)
    units = {u.label: u for u in force_units(backend, used, force_lookup(backend)).units}
    frame = _grouped(backend, scope)
    n_months = len(scope.months)
    rows = []
    for force in used:
        mine = frame[frame.force == force]
        person = mine[mine.person]
        searches = int(mine.n.sum())
        weight = Fraction(len(coverage[force]), n_months)
        unit = units.get(force)

        def residents(group: str | None, unit_: Any = unit, w: Fraction = weight) -> int | float | None:
            if unit_ is None:
                return None
            n = sum(unit_.residents.values()) if group is None else unit_.residents.get(group, 0)
            return exact_number(n * w)

        black = int(person[person.group == HEADLINE_GROUP].n.sum())
        white = int(person[person.group == REFERENCE].n.sum())
        ratio = rate_ratio(black, residents(HEADLINE_GROUP), white, residents(REFERENCE))
        known = mine[mine.outcome_class != UNKNOWN_OUTCOME]
        found = known[known.outcome_class != NO_FURTHER_ACTION]
        rows.append({
            "force": force, "name": force_name(force), "searches": searches, "person_searches": int(person.n.sum()),
            "population": residents(None), "rate_per_1000": rate_per_1000(searches, residents(None)),
            "black_white": {"black": black, "white": white, "ratio": ratio.value, "ci_low": ratio.ci_low,
                            "ci_high": ratio.ci_high, "suppressed": ratio.suppressed},
            "drugs_share": share(int(mine[mine.object_group == DRUGS].n.sum()), searches),
            "find_rate": share(int(found.n.sum()), int(known.n.sum())),
            "months_covered": len(coverage[force]), "months_in_period": n_months,
        })
    lens = scope.lens
    return {"from": scope.start, "to": scope.end, "ethnicity": scope.ethnicity, "purpose": lens.purpose,
            "power": lens.power, "purpose_name": lens.purpose_name, "power_name": lens.power_name,
            "forces": rows}


def national_scope(start: str, end: str, ethnicity: str = "self", purpose: str | None = None,
                   power: str | None = None) -> Scope:
    return Scope(ALL_FORCES, None, start, end, ethnicity, None, purpose, power)  # type: ignore[arg-type]
