"""Two independent, blind reviews per sampled record.

Rules: only a record in a sample is reviewed; one review per person per record; at most two per record (the
database's unique (record, slot) refuses a third even from a race); and nobody sees another review of a record
until they have submitted their own or the record has its two reviews. Anyone with a workspace role may
review: panel members are the people who review records at a scrutiny panel, reviewers are accounts made for
that alone, admins may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.grounds import GroundsClass
from scrutiny.workspace.models.accounts import User
from scrutiny.workspace.models.review import Review, SampleRecord, SearchRecord
from scrutiny.workspace.review.agreement import ITEM_LABELS

REVIEWS_PER_RECORD = 2
BWV = ("yes", "no", "unknown")
CONDUCT = ("appropriate", "concerns")
CLASSES = tuple(c.value for c in GroundsClass)


@dataclass(frozen=True)
class Answers:
    object_stated: bool
    grounds_stated: bool
    reasonable_suspicion: bool
    smell_only: bool
    body_worn_video: str
    conduct: str
    grounds_class: str
    notes: str = ""

    def check(self) -> Answers:
        if self.body_worn_video not in BWV:
            raise Invalid("body_worn_video", f"choose one of {', '.join(BWV)}")
        if self.conduct not in CONDUCT:
            raise Invalid("conduct", f"choose one of {', '.join(CONDUCT)}")
        if self.grounds_class not in CLASSES:
            raise Invalid("grounds_class", f"choose one of {', '.join(CLASSES)}")
        if len(self.notes) > 5000:
            raise Invalid("notes", "at most 5,000 characters")
        return self


def form_answer(field: str, text: str) -> bool:
    """A yes-or-no question of the rubric as the review form sends it: every one must be answered."""
    if text not in ("yes", "no"):
        raise Invalid(field, f"answer '{ITEM_LABELS.get(field, field)}' with yes or no")
    return text == "yes"


def get_record(session: Session, record_id: int) -> SearchRecord:
    record = session.get(SearchRecord, record_id)
    if record is None:
        raise NotFound(f"no search record {record_id}")
    return record


def reviews_of(session: Session, record_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.record_id == record_id).order_by(Review.slot)))


def own_review(session: Session, user: User, record_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.record_id == record_id, Review.reviewer_id == user.id))


def visible_reviews(session: Session, user: User, record_id: int) -> list[Review]:
    """The reviews `user` may see: none of anyone else's until they have submitted their own (blind), unless
    the record already has its two reviews (then nobody can review it any more)."""
    reviews = reviews_of(session, record_id)
    if len(reviews) >= REVIEWS_PER_RECORD or any(r.reviewer_id == user.id for r in reviews):
        return reviews
    return []


def submit(session: Session, user: User, record_id: int, answers: Answers) -> Review:
    answers = answers.check()
    get_record(session, record_id)
    if session.scalar(select(SampleRecord.id).where(SampleRecord.record_id == record_id).limit(1)) is None:
        raise Invalid("record", "only records in a sample are reviewed: draw a sample first")
    if own_review(session, user, record_id) is not None:
        raise Invalid("record", "you have already reviewed this record; a review cannot be made twice")
    count = session.scalar(select(func.count()).select_from(Review).where(Review.record_id == record_id)) or 0
    if count >= REVIEWS_PER_RECORD:
        raise Invalid("record", "this record already has its two reviews; a third is not taken")
    review = Review(record_id=record_id, reviewer_id=user.id, slot=count + 1, **answers.__dict__)
    session.add(review)
    try:
        session.flush()
    except IntegrityError:  # another review took the slot between the count and the insert; all rolls back
        raise Invalid("record", "another review of this record was submitted at the same moment: "
                                "reload the page") from None
    return review
