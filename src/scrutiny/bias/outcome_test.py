"""The outcome test: how often a search of each ethnic group finds something (Becker; Knowles, Persico and Todd).

A *hit* is a person search whose outcome is not `no_further_action`, among searches with a recorded
outcome (the find rate of docs/metrics.md, per group). Where `outcome_linked` is published, the stricter *linked
hit* is a hit whose outcome was linked to the object searched for, among searches with a recorded outcome
and a published link. Each rate has a Wilson score 95% interval; each group's difference to White people
has Newcombe's hybrid score 95% interval (built from the two Wilson intervals). Searches of unknown
ethnicity are left out of the groups but counted, so a reader sees how many there were.

The counts are one Ibis query over the scope; the arithmetic on the few grouped rows is here in Python.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from scrutiny.metrics.categories import GROUPS, PERSON_TYPES, count_true
from scrutiny.metrics.intervals import share, wilson
from scrutiny.metrics.scope import Scope, boundary_names, in_scope, scope_json
from scrutiny.vocab import numbers
from scrutiny.vocab.ethnicity import REFERENCE, UNKNOWN
from scrutiny.vocab.outcomes import NO_FURTHER_ACTION, UNKNOWN_OUTCOME
from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES, ratio_suppressed

NO_AREA = "unknown"  # area code of searches with no location
COUNT_COLUMNS = ("searches", "known", "hits", "linked_published", "linked_hits")

DEFINITIONS = {
    "hit": "a search of a person whose outcome is not 'no further action', of searches with a recorded outcome",
    "linked_hit": "a hit whose outcome the police recorded as linked to the object searched for, of searches "
                  "with a recorded outcome where that link is published",
    "interval": "Wilson score 95% interval",
    "difference_vs_white": "the group's hit rate minus White people's, with Newcombe's hybrid score 95% "
                           f"interval; not given when either group has fewer than {RATIO_MIN_SEARCHES} searches "
                           "with a recorded outcome",
}
CAN_SHOW = (
    "Whether searches of one group find something less often than searches of White people. If officers "
    "search a group on weaker grounds (a lower bar), fewer of those searches find anything, so a lower hit "
    "rate is evidence of a lower bar for searching that group.",
    "It needs no population figures: it compares searches with searches, so it does not depend on who lives "
    "in or passes through an area.",
)
CANNOT_SHOW = (
    "It cannot prove or rule out bias on its own (infra-marginality): hit rates are averages over everyone "
    "searched, not the rate at the margin where officers decide. Groups whose members carry things at "
    "different rates can have different hit rates under the same bar, and equal hit rates can hide different "
    "bars. The threshold test models this, at the cost of more assumptions.",
    "An outcome other than 'no further action' is not proof that the search was justified: a community "
    "resolution or an arrest can follow for something unrelated to the grounds, and the linked hit (where "
    "published) is the stricter measure.",
    "Recorded outcomes depend on what officers record; ethnicity recorded as not stated or missing is left "
    "out of the groups, and could change the picture if it is not missing at random.",
)


def difference(hits_a: int, n_a: int, hits_c: int, n_c: int) -> dict[str, Any]:
    """p_a - p_c with Newcombe's hybrid score interval (his method 10), from the Wilson intervals."""
    if ratio_suppressed(n_a, n_c):
        return {"value": None, "ci_low": None, "ci_high": None, "suppressed": True}
    p_a, p_c = hits_a / n_a, hits_c / n_c
    a, c = wilson(hits_a, n_a), wilson(hits_c, n_c)
    assert a.low is not None and a.high is not None and c.low is not None and c.high is not None
    d = p_a - p_c
    low = d - math.sqrt((p_a - a.low) ** 2 + (c.high - p_c) ** 2)
    high = d + math.sqrt((a.high - p_a) ** 2 + (p_c - c.low) ** 2)
    return {"value": d, "ci_low": low, "ci_high": high, "suppressed": False}


def counts_query(stops: ir.Table, scope: Scope, by_area: bool) -> ir.Table:
    """Person searches, known outcomes, hits and linked hits by [area ×] group (unknown group kept)."""
    person = in_scope(stops, scope).filter(stops.search_type.isin(PERSON_TYPES))
    keyed = person.mutate(
        group=person[scope.group_column].fill_null(UNKNOWN),
        known=person.outcome_class.notnull() & (person.outcome_class != UNKNOWN_OUTCOME),
    )
    keyed = keyed.mutate(hit=keyed.known & (keyed.outcome_class != NO_FURTHER_ACTION))
    keys = ["area_code", "group"] if by_area else ["group"]
    return keyed.group_by(keys).aggregate(
        searches=keyed.count(),
        known=count_true(keyed.known),
        hits=count_true(keyed.hit),
        linked_published=count_true(keyed.known & keyed.outcome_linked.notnull()),
        linked_hits=count_true(keyed.hit & keyed.outcome_linked.fill_null(False)),
    )


def outcome_counts(backend: ibis.BaseBackend, scope: Scope, by_area: bool = False) -> pd.DataFrame:
    """The grouped counts as a small frame; `area_code` is `unknown` for searches with no location."""
    frame = counts_query(backend.table("stop_search"), scope, by_area).to_pandas()
    if by_area:
        frame["area_code"] = frame["area_code"].fillna(NO_AREA).astype(str)
    frame["group"] = frame["group"].astype(str).where(frame["group"].isin(GROUPS), UNKNOWN)
    keys = ["area_code", "group"] if by_area else ["group"]
    grouped: pd.DataFrame = frame.groupby(keys, as_index=False)[list(COUNT_COLUMNS)].sum()
    for column in COUNT_COLUMNS:
        grouped[column] = grouped[column].astype("int64")
    return grouped


def _totals(frame: pd.DataFrame, group: str) -> dict[str, int]:
    rows = frame[frame.group == group]
    return {column: int(rows[column].sum()) for column in COUNT_COLUMNS}


def _rate(hits: int, n: int) -> dict[str, Any]:
    ci = wilson(hits, n)
    return {"rate": share(hits, n), "ci_low": ci.low, "ci_high": ci.high}


def group_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One entry per Census group, in the Census order, with rates, intervals and differences to White."""
    white = _totals(frame, REFERENCE)
    rows = []
    for group in GROUPS:
        t = _totals(frame, group)
        hit = _rate(t["hits"], t["known"])
        linked = _rate(t["linked_hits"], t["linked_published"])
        is_white = group == REFERENCE
        rows.append({
            "group": group,
            "searches": t["searches"],
            "known_outcome": t["known"],
            "hits": t["hits"],
            "hit_rate": hit["rate"], "ci_low": hit["ci_low"], "ci_high": hit["ci_high"],
            "difference_vs_white": None if is_white else difference(t["hits"], t["known"], white["hits"],
                                                                    white["known"]),
            "linked_published": t["linked_published"],
            "linked_hits": t["linked_hits"] if t["linked_published"] else None,
            "linked_hit_rate": linked["rate"], "linked_ci_low": linked["ci_low"], "linked_ci_high": linked["ci_high"],
            "linked_difference_vs_white": None if is_white or not t["linked_published"] else difference(
                t["linked_hits"], t["linked_published"], white["linked_hits"], white["linked_published"]),
        })
    return rows


def _unknown(frame: pd.DataFrame) -> dict[str, Any]:
    t = _totals(frame, UNKNOWN)
    everyone = int(frame.searches.sum())
    return {"searches": t["searches"], "known_outcome": t["known"], "hits": t["hits"],
            "share_of_person_searches": share(t["searches"], everyone)}


def _area_names(backend: ibis.BaseBackend, scope: Scope, codes: list[str]) -> dict[str, str]:
    names = dict(boundary_names(backend))
    missing = [c for c in codes if c not in names and c != NO_AREA]
    if missing:
        stops = in_scope(backend.table("stop_search"), scope)
        found = stops.filter(stops.area_code.isin(missing)).select("area_code", "area_name").distinct()
        for code, name in found.to_pandas().itertuples(index=False):
            if name is not None:
                names[str(code)] = str(name)
    return names


def _notes(frame: pd.DataFrame, unknown: dict[str, Any]) -> list[str]:
    notes = []
    if unknown["searches"]:
        unknown_share = numbers.pct(unknown["share_of_person_searches"])
        notes.append(f"{unknown['searches']:,} searches of people ({unknown_share}) have "
                     "no recorded ethnicity on this basis: they are counted here but left out of the groups.")
    no_outcome = int(frame.searches.sum() - frame.known.sum())
    if no_outcome:
        notes.append(f"{no_outcome:,} searches of people have no recorded outcome and are left out of hit rates.")
    published = int(frame.linked_published.sum())
    if not published:
        notes.append("Whether the outcome was linked to the object searched for is not published for this scope, "
                     "so there are no linked hit rates.")
    elif published < int(frame.known.sum()):
        notes.append(f"Whether the outcome was linked to the object searched for is published for {published:,} of "
                     f"{int(frame.known.sum()):,} searches with an outcome; linked hit rates use those only.")
    return notes


def outcome_test(backend: ibis.BaseBackend, scope: Scope, by_area: bool = False) -> dict[str, Any]:
    """The outcome test for a resolved scope (`resolve_scope`), over the scope and, if asked, per area."""
    frame = outcome_counts(backend, scope, by_area)
    unknown = _unknown(frame)
    result: dict[str, Any] = {
        "scope": scope_json(scope),
        "definitions": DEFINITIONS,
        "person_searches": int(frame.searches.sum()),
        "groups": group_rows(frame),
        "unknown_ethnicity": unknown,
        "linked_published": int(frame.linked_published.sum()),
        "areas": None,
        "notes": _notes(frame, unknown),
        "can_show": list(CAN_SHOW),
        "cannot_show": list(CANNOT_SHOW),
    }
    if by_area:
        codes = sorted(set(frame.area_code), key=lambda c: (c == NO_AREA, c))
        names = _area_names(backend, scope, codes)
        result["areas"] = [
            {"area_code": code, "area_name": None if code == NO_AREA else names.get(code),
             "person_searches": int(frame[frame.area_code == code].searches.sum()),
             "groups": group_rows(frame[frame.area_code == code]),
             "unknown_ethnicity": _unknown(frame[frame.area_code == code])}
            for code in codes
        ]
    return result
