"""The table of a scope's areas: searches, the share for drugs, residents, rate and Black/White ratio per area.

With every local authority of England and Wales loaded, a force's searches land in its own authorities and in
a few of its neighbours' (a search at a border, snapped to a point across it). A neighbour's residents are not
the people a force polices, so such a row keeps its count and residents but no rate or ratio (`neighbour`).
And an authority's searches may come from several forces (British Transport Police at its stations, a
neighbour's snapped points): each row names the other forces whose searches in the same period and lens are
placed there (`other_forces`), so a reader knows the row is not the whole picture of the place.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import ibis
import numpy as np
import pandas as pd

from scrutiny.metrics import counts
from scrutiny.metrics.intervals import rate_per_1000, rate_ratio, share
from scrutiny.metrics.lens import lens_filters
from scrutiny.metrics.population import Population, Unit, exact_number
from scrutiny.metrics.scope import ALL_FORCES, Scope, in_months, in_scope, month_cells, prepared, stop_table
from scrutiny.vocab.areas import region_prefix
from scrutiny.vocab.ethnicity import HEADLINE_GROUP, REFERENCE

PSEUDO_AREAS = {"outside": "Outside the loaded boundaries", "no_location": "No location"}


def area_rows(backend: ibis.BaseBackend, stops: ibis.Table, scope: Scope, pop: Population,
              cube: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """`stops`: stop_search or its prepared counts by area (`scope.stop_table`), not yet narrowed to the scope;
    `cube`: the scope's `counts.cube`, which gives a one-authority scope its row on the prepared counts without
    asking again (the rows path, the reference, still asks)."""
    if cube is not None and scope.area is not None and region_prefix(scope.area) is None and prepared(stops):
        frame = counts.by_area_of(cube, scope.area)
    else:
        frame = counts.by_area(in_scope(stops, scope), scope)
    codes = sorted(c for c in frame.code if c not in PSEUDO_AREAS)
    residents = pop.all_ages
    names = counts.area_names(backend, codes, stops) | PSEUDO_AREAS
    policing = _policing(pop)
    neighbour = _neighbour_rule(pop, policing)
    others = other_forces(backend, scope, codes, stops)
    by_code: dict[str, dict[str, int]] = {
        str(code): {"n": int(n), "drugs": int(d), "black": int(b), "white": int(w)}
        for code, n, d, b, w in zip(frame.code, frame.n, frame.drugs, frame.black, frame.white, strict=True)
    }
    rows: list[dict[str, Any]] = []
    for code in [*codes, *(c for c in PSEUDO_AREAS if c in by_code)]:
        r = by_code[code]
        groups = residents.get(code, {})
        weight = pop.weight(Unit(code, pop.area_forces(policing.get(code, [])), groups))

        def weighted(n: int | None, w: Fraction = weight) -> int | float | None:
            return None if n is None else exact_number(n * w)

        total = weighted(sum(groups.values())) if groups else None
        apart = neighbour(code)
        ratio = rate_ratio(r["black"], weighted(groups.get(HEADLINE_GROUP)),
                           r["white"], weighted(groups.get(REFERENCE)))
        rows.append({"area_code": code, "area_name": names.get(code, code), "searches": r["n"],
                     "drugs_share": share(r["drugs"], r["n"]), "population": total,
                     "rate_per_1000": None if apart else rate_per_1000(r["n"], total),
                     "black_white_ratio": None if apart else ratio.value,
                     "policed_by": policing.get(code, []), "neighbour": apart, "other_forces": others.get(code, [])})
    return rows


def _policing(pop: Population) -> dict[str, list[str]]:
    """Area code -> the forces whose authorities it is in (the ONS lookup), sorted."""
    policing: dict[str, list[str]] = {}
    for force, las in sorted(pop.lookup.items()):
        for code in las:
            policing.setdefault(code, []).append(force)
    return policing


def _neighbour_rule(pop: Population, policing: dict[str, list[str]]) -> Callable[[str], bool]:
    """Whether an area lies outside every force of the scope: decided only when each force with searches in the
    period has authorities in the lookup (British Transport Police has none: it searches everywhere) and the
    lookup names the area's force (a code newer than the lookup is no one's neighbour)."""
    used = frozenset(pop.coverage)
    decided = bool(used) and all(pop.lookup.get(force) for force in used)

    def neighbour(code: str) -> bool:
        return decided and bool(policing.get(code)) and not used.intersection(policing[code])

    return neighbour


def other_forces(backend: ibis.BaseBackend, scope: Scope, codes: list[str],
                 stops: ibis.Table | None = None) -> dict[str, list[dict[str, Any]]]:
    """Area code -> [{force, searches}] of the forces outside the scope with searches placed there in the scope's
    period and lens, most searches first. Without a lens, summed from the prepared counts' force-month-area
    cells (`scope.month_cells`, read once per version of the file) instead of asking the database."""
    if scope.force == ALL_FORCES or not codes:
        return {}
    stops = stop_table(backend, area=True) if stops is None else stops
    cells = None if scope.lens.active else month_cells(backend, stops)
    if cells is None:
        kept = stops.filter(stops.month >= scope.first_month, stops.month <= scope.last_month,
                            stops.area_code.isin(codes), ~stops.force.isin(list(scope.force_ids or ())),
                            *lens_filters(stops, scope.lens))
        frame = kept.group_by(["area_code", "force"]).aggregate(searches=counts.searches(kept)).to_pandas()
        placed = zip(frame.area_code.tolist(), frame.force.tolist(), frame.searches.tolist(), strict=True)
    else:
        wanted = (in_months(cells, scope) & np.isin(cells.area_code.to_numpy(), codes)
                  & ~np.isin(cells.force.to_numpy(), list(scope.force_ids or ())))
        kept_cells = cells.take(np.flatnonzero(wanted))
        placed = zip(kept_cells.area_code.tolist(), kept_cells.force.tolist(), kept_cells.n.tolist(), strict=True)
    totals: dict[tuple[str, str], int] = {}
    for code, force, n in placed:  # a few hundred rows at most: a pandas groupby cost ten times a loop
        key = (str(code), str(force))
        totals[key] = totals.get(key, 0) + int(n)
    out: dict[str, list[dict[str, Any]]] = {}
    for (code, force), n in sorted(totals.items(), key=lambda item: (item[0][0], -item[1], item[0][1])):
        out.setdefault(code, []).append({"force": force, "searches": n})
    return out
