"""How far the two reviewers of a record agree beyond chance: Cohen's kappa per rubric item.

kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of records on which the two answers agree and p_e the
agreement expected by chance, sum over categories c of (share of first answers that are c) x (share of second
answers that are c). The "first" and "second" rater are the first and second review of each record, whoever
wrote them: with many reviewers this is the usual pragmatic reading of Cohen's two-rater statistic.

Undefined cases return `value=None` with a reason instead of a number: no record has two reviews (n = 0), or
p_e = 1 (both reviews gave one and the same answer on every record, so agreement tells nothing beyond chance;
the 0/0 is not turned into 1 or 0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.workspace.models.review import Review

ITEMS = ("object_stated", "grounds_stated", "reasonable_suspicion", "smell_only", "body_worn_video", "conduct",
         "grounds_class")
ITEM_LABELS = {
    "object_stated": "Object of search stated",
    "grounds_stated": "Grounds stated",
    "reasonable_suspicion": "Grounds amount to reasonable suspicion",
    "smell_only": "Smell of cannabis the only ground",
    "body_worn_video": "Body-worn video on",
    "conduct": "Conduct",
    "grounds_class": "Grounds class (after the classifier)",
}


@dataclass(frozen=True)
class Kappa:
    n: int
    observed: float | None
    expected: float | None
    value: float | None
    reason: str = ""


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> Kappa:
    n = len(pairs)
    if n == 0:
        return Kappa(0, None, None, None, "no record has two reviews yet")
    observed = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first.keys() | second.keys()) / (n * n)
    if expected >= 1.0:
        return Kappa(n, observed, expected, None,
                     "every review gave the same answer, so agreement beyond chance cannot be measured")
    return Kappa(n, observed, expected, (observed - expected) / (1.0 - expected))


def agreement(session: Session, record_ids: Sequence[int] | None = None) -> dict[str, Kappa]:
    """Kappa for each rubric item over the records (all, or `record_ids`) that have two reviews."""
    query = select(Review).order_by(Review.record_id, Review.slot)
    if record_ids is not None:
        query = query.where(Review.record_id.in_(record_ids))
    by_record: dict[int, list[Review]] = {}
    for review in session.scalars(query):
        by_record.setdefault(review.record_id, []).append(review)
    complete = [rs for rs in by_record.values() if len(rs) == 2]
    return {item: cohen_kappa([(getattr(a, item), getattr(b, item)) for a, b in complete]) for item in ITEMS}
