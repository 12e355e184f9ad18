"""Recorded crimes per 1,000 residents: the crimes of one type in a crime scope (`crime_document`'s
`recorded.by_type`) over the Census residents the stop-and-search rates use (`metrics.population`), so a
borough's drug crimes and its searches are measured against the same people. This module only divides:
the count is the crime document's, the residents the population module's, the rate `intervals.rate_per_1000`.
Like the crime document, it reads the crime aggregates when they are up to date, the rows otherwise or when asked.

Residents count for the months a force's street files cover, as they do for searches (a force with one month
of a quarter counts a third of its residents). In a scope of several forces, a force with no residents (British
Transport Police) is left out of the rate together with its crimes. A scope with no residents at all has no
rate: None and a note saying why, never a made-up figure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

import ibis

from scrutiny.catalog import force_name
from scrutiny.metrics.coverage import covered_months
from scrutiny.metrics.crime import CrimeScope, crime_document, resolve_crime_scope
from scrutiny.metrics.crime_prepared import PreparedCrime, available
from scrutiny.metrics.intervals import rate_per_1000
from scrutiny.metrics.population import Number, Population, exact_number, population
from scrutiny.metrics.scope import Scope, of_force
from scrutiny.vocab.months import month_start

AGE_NOTES = "Rates by age"  # the population's notes on age-specific rates: an all-ages rate has none
NO_RESIDENTS = "No Census residents are loaded for this scope, so no rate per 1,000 residents is given."


def _coverage(backend: ibis.BaseBackend, scope: CrimeScope, rows: bool) -> dict[str, frozenset[date]]:
    """Each force of the scope -> the months of the period its street files cover (whatever the area)."""
    if not rows and available(backend):
        cells = PreparedCrime(backend, scope.force, scope.start, scope.end).street()
        return covered_months(cells[["force", "month"]].drop_duplicates())
    t = backend.table("street_crime")
    held = t.filter(*of_force(t, scope.force), t.month >= month_start(scope.start),
                    t.month <= month_start(scope.end)).select("force", "month").distinct().to_pandas()
    return covered_months(held)


def residents(pop: Population) -> Number | None:
    """All residents of the population's units (every ethnic group), each weighted by the share of the period
    its forces cover; None when there are no units."""
    if not pop.units:
        return None
    return exact_number(sum((pop.weight(u) * sum(u.residents.values()) for u in pop.units), Fraction(0)))


def recorded_per_1000(backend: ibis.BaseBackend, scope: CrimeScope, doc: dict[str, Any], *,
                      rows: bool = False) -> dict[str, Any]:
    """Crimes of the scope's type (Drugs unless it names one) per 1,000 residents, for a checked scope and its
    `crime_document`: `crime_type`, `crimes`, `residents`, `per_1000` (None without residents) and `notes`.
    `rows` reads the street rows rather than the aggregates (metrics.crime)."""
    crime_type = scope.outcome_type
    lens = Scope(scope.force, scope.area, scope.start, scope.end, area_name=scope.area_name)
    pop = population(backend, lens, _coverage(backend, scope, rows))
    notes = [n for n in pop.notes if not n.startswith(AGE_NOTES)]
    counted = doc
    if pop.units and pop.rated_forces is not None and set(pop.coverage) - pop.rated_forces:
        left_out = sorted(set(pop.coverage) - pop.rated_forces)
        counted = crime_document(backend, replace(scope, force=",".join(sorted(pop.rated_forces))), rows=rows)
        notes.append(f"{', '.join(force_name(f) for f in left_out)}: no Census residents, so their {crime_type} "
                     "crimes are left out of the rate per 1,000 residents.")
    crimes = next((int(row["crimes"]) for row in counted["recorded"]["by_type"] if row["type"] == crime_type), 0)
    people = residents(pop)
    rate = rate_per_1000(crimes, people)
    if rate is None and not notes:
        notes.append(NO_RESIDENTS)
    return {"crime_type": crime_type, "crimes": crimes, "residents": people, "per_1000": rate, "notes": notes}


def crime_with_rate(backend: ibis.BaseBackend, scope: CrimeScope, *, rows: bool = False) -> dict[str, Any]:
    """The `crime` document of a scope (checked first, so an unknown area or a period with no street crime is
    an error) with its `per_1000` beside it: what a strategy indicator bound to crime reads."""
    checked = resolve_crime_scope(backend, scope, rows=rows)
    doc = crime_document(backend, checked, rows=rows)
    return {**doc, "per_1000": recorded_per_1000(backend, checked, doc, rows=rows)}


__all__ = ["NO_RESIDENTS", "crime_with_rate", "recorded_per_1000", "residents"]
