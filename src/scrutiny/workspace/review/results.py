"""What the reviews found, by self-defined ethnic group (the five groups plus Not stated), with every count
exact for the workspace and a public version with small cells suppressed.

Definitions (each a choice the panel can read on the results page):
- A record is *reviewed* once it has its two reviews. It counts as *insufficient grounds* when BOTH reviewers
  answered "no" to "grounds amount to reasonable suspicion", *sufficient* when both answered "yes", and
  *disputed* when they differ. Shares are over reviewed records.
- *Smell only*: for a reviewed record, both reviewers answered "yes" to "smell of cannabis the only ground"
  (both "no": not smell only; they differ: disputed, left out of the share). A record not yet reviewed twice
  counts by the classifier's class (`smell_only`), except when it has no grounds text yet (unknown, left out).
  The share is over records whose smell-only status is known.
- A *find*: the outcome is linked to the object of search where the record says; where it does not, any outcome
  other than no further action. A record with neither is left out of find rates. Find rates are given for all
  records, for those with insufficient and sufficient grounds, and for smell-only and not smell-only ones.
- Public (scrutiny.workspace.disclosure): the counts that split records up (insufficient, sufficient, disputed,
  not yet reviewed; smell only, not, disputed; finds and not) are each rounded to the nearest 5, 1-4 shown as
  "<5"; every total (reviewed, records, smell known, find known, and the All row) is the sum of those rounded
  figures, and every share is worked out from them. A share whose numerator or denominator is 1-4 is not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.workspace.disclosure import Figure, count, share, total, withheld
from scrutiny.workspace.models.review import Review, SampleRecord, SearchRecord
from scrutiny.workspace.review.vocab import ETHNIC_GROUPS, is_find

ALL = "All"
COUNTS = ("records", "reviewed", "insufficient", "sufficient", "disputed", "smell_only", "not_smell_only",
          "smell_disputed", "smell_known", "finds", "find_known", "finds_insufficient", "find_known_insufficient",
          "finds_sufficient", "find_known_sufficient", "finds_smell_only", "find_known_smell_only",
          "finds_not_smell_only", "find_known_not_smell_only")
RATES: dict[str, tuple[str, str]] = {
    "insufficient_share": ("insufficient", "reviewed"),
    "disputed_share": ("disputed", "reviewed"),
    "smell_only_share": ("smell_only", "smell_known"),
    "find_rate": ("finds", "find_known"),
    "find_rate_insufficient": ("finds_insufficient", "find_known_insufficient"),
    "find_rate_sufficient": ("finds_sufficient", "find_known_sufficient"),
    "find_rate_smell_only": ("finds_smell_only", "find_known_smell_only"),
    "find_rate_not_smell_only": ("finds_not_smell_only", "find_known_not_smell_only"),
}


@dataclass
class GroupResult:
    group: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    @property
    def rates(self) -> dict[str, float | None]:
        return {name: (self.counts[num] / self.counts[den] if self.counts[den] else None)
                for name, (num, den) in RATES.items()}


def _verdict(answers: Sequence[bool]) -> str:
    if len(answers) < 2:
        return "pending"
    if all(answers):
        return "yes"
    return "no" if not any(answers) else "disputed"


def _tally(result: GroupResult, record: SearchRecord, reviews: Sequence[Review]) -> None:
    c = result.counts
    c["records"] += 1
    grounds = _verdict([r.reasonable_suspicion for r in reviews])
    if grounds != "pending":
        c["reviewed"] += 1
        c[{"no": "insufficient", "yes": "sufficient", "disputed": "disputed"}[grounds]] += 1
    smell = _verdict([r.smell_only for r in reviews])
    if smell == "pending":
        smell = "unknown" if not record.grounds.strip() else ("yes" if record.grounds_class == "smell_only" else "no")
    if smell == "disputed":
        c["smell_disputed"] += 1
    elif smell != "unknown":
        c["smell_known"] += 1
        c["smell_only" if smell == "yes" else "not_smell_only"] += 1
    find = is_find(record.outcome, record.outcome_linked)
    if find is None:
        return
    subsets = [""]
    subsets += {"no": ["_insufficient"], "yes": ["_sufficient"]}.get(grounds, [])
    subsets += {"yes": ["_smell_only"], "no": ["_not_smell_only"]}.get(smell, [])
    for suffix in subsets:
        c[f"find_known{suffix}"] += 1
        c[f"finds{suffix}"] += int(find)


def results(session: Session, record_ids: Sequence[int] | None = None) -> list[GroupResult]:
    """One row per ethnic group, then All, over `record_ids` (default: every record in any sample)."""
    if record_ids is None:
        record_ids = list(session.scalars(select(SampleRecord.record_id).distinct()))
    ids = list(dict.fromkeys(record_ids))
    rows = {g: GroupResult(g) for g in (*ETHNIC_GROUPS, ALL)}
    reviews: dict[int, list[Review]] = {}
    records: list[SearchRecord] = []
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start : start + 500]
        records += session.scalars(select(SearchRecord).where(SearchRecord.id.in_(chunk)))
        for review in session.scalars(select(Review).where(Review.record_id.in_(chunk)).order_by(Review.slot)):
            reviews.setdefault(review.record_id, []).append(review)
    for record in records:
        for group in (record.ethnic_group, ALL):
            _tally(rows[group], record, reviews.get(record.id, []))
    return list(rows.values())


FIND_SUFFIXES = ("", "_insufficient", "_sufficient", "_smell_only", "_not_smell_only")
GROUNDS = ("insufficient", "sufficient", "disputed", "pending")
SMELL = ("smell_only", "not_smell_only", "smell_disputed")


def _leaves(c: dict[str, int]) -> dict[str, Figure]:
    """The counts that split a group's records into parts that do not overlap, each rounded to 5."""
    out = {name: count(c[name]) for name in (*GROUNDS[:3], *SMELL)}
    out["pending"] = count(c["records"] - c["reviewed"])
    for suffix in FIND_SUFFIXES:
        out[f"finds{suffix}"] = count(c[f"finds{suffix}"])
        out[f"misses{suffix}"] = count(c[f"find_known{suffix}"] - c[f"finds{suffix}"])
    return out


def _published(leaves: dict[str, Figure]) -> dict[str, Figure]:
    """Every published count from the rounded parts: a total is their sum, never rounded from the true total."""
    out = {name: leaves[name] for name in (*GROUNDS[:3], *SMELL)}
    out["reviewed"] = total(leaves[name] for name in GROUNDS[:3])
    out["records"] = total([out["reviewed"], leaves["pending"]])
    out["smell_known"] = total([leaves["smell_only"], leaves["not_smell_only"]])
    for suffix in FIND_SUFFIXES:
        out[f"finds{suffix}"] = leaves[f"finds{suffix}"]
        out[f"find_known{suffix}"] = total([leaves[f"finds{suffix}"], leaves[f"misses{suffix}"]])
    return {name: out[name] for name in COUNTS}


def public(rows: Sequence[GroupResult]) -> list[dict[str, Any]]:
    """The same figures for anyone to see (scrutiny.workspace.disclosure): counts rounded to 5 with 1-4 as "<5",
    totals and the All row summed from the rounded parts, shares from the rounded counts and hidden when they
    rest on a count of 1-4. So no difference of published figures, within a row, between rows or between two
    dates, can be a count of 1-4."""
    leaves = {row.group: _leaves(row.counts) for row in rows if row.group != ALL}
    if any(row.group == ALL for row in rows):
        parts = list(leaves.values())
        leaves[ALL] = {name: total(part[name] for part in parts) for name in parts[0]} if parts else \
            _leaves(dict.fromkeys(COUNTS, 0))
    out = []
    for row in rows:
        figures = _published(leaves[row.group])
        out.append({"group": row.group, "counts": {k: f.shown for k, f in figures.items()},
                    "rates": {name: share(figures[num], figures[den]) for name, (num, den) in RATES.items()},
                    "suppressed": [name for name, (num, den) in RATES.items() if withheld(figures[num], figures[den])]})
    return out
