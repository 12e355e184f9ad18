"""Samples, reviews and results, on SQLite and PostgreSQL: seeded samples that draw the same again, two blind
reviews per record and no third, and the results by ethnic group counted by hand, exact and suppressed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.review import ReviewSample, SearchRecord
from scrutiny.workspace.review import agreement, records, results, reviews, sampling
from tests.workspace.factories_review import add_record, review, sample_of, write_warehouse

MARCH = sampling.Filters(date(2024, 3, 1), date(2024, 3, 31))


def _draw(ws: Workspace, user: User, size: int, seed: int | None, filters: sampling.Filters = MARCH,
          **kwargs: object) -> tuple[ReviewSample, list[int]]:
    with ws.session(accounts.actor(user)) as session:
        sample = sampling.draw_sample(session, user, filters, size, seed, **kwargs)  # type: ignore[arg-type]
        return sample, sampling.sample_record_ids(session, sample.id)


def test_seeded_samples_are_reproducible_and_seeds_differ(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        made = [add_record(session, day=1 + i % 28, area="Lambeth" if i % 3 else "Hackney").id for i in range(30)]
        add_record(session, day=1).occurred_at = datetime(2024, 4, 2, 12)  # outside the period
    first, ids = _draw(ws, member, 8, 12345)
    _, same = _draw(ws, member, 8, 12345)
    _, different = _draw(ws, member, 8, 54321)
    assert ids == same and ids != different and len(ids) == len(set(ids)) == 8
    assert set(ids) <= set(made)
    assert (first.seed, first.size, first.population, first.drawn_by_id) == (12345, 8, 30, member.id)
    # The draw is positions in the content order, by the documented rule.
    with ws.session() as session:
        ordered = [r.id for r in session.scalars(select(SearchRecord).where(SearchRecord.id.in_(made))
                                                  .order_by(SearchRecord.occurred_at, SearchRecord.source_key))]
    assert ids == [ordered[i] for i in random.Random(12345).sample(range(30), 8)]
    in_march = sampling.Filters(date(2024, 3, 1), date(2024, 3, 31), None, "hackney")
    hackney, in_hackney = _draw(ws, member, 50, 7, in_march)
    assert hackney.population == 10 and len(in_hackney) == 10  # asked 50, 10 match: all of them
    with pytest.raises(Invalid) as nothing:
        _draw(ws, member, 5, 1, sampling.Filters(date(2023, 1, 1), date(2023, 1, 31)))
    assert nothing.value.field == "period_start"
    with pytest.raises(Invalid) as backwards:
        _draw(ws, member, 5, 1, sampling.Filters(date(2024, 3, 31), date(2024, 3, 1)))
    assert backwards.value.field == "period_end"


def test_warehouse_sample_copies_drawn_records_without_grounds(
        ws: Workspace, make_user: Callable[..., User], tmp_path: Path) -> None:
    member = make_user(Role.panel_member)
    rows = [{"occurred_at": datetime(2024, 3, 1 + i, 10), "self_defined_ethnicity": e, "self_defined_group": g,
             "area_code": "E09000022", "area_name": "Lambeth", "outcome": "Arrest", "outcome_linked": None}
            for i, (e, g) in enumerate([("White - English", "White"), ("Black - African", "Black"),
                                        ("Other ethnic group - Not stated", "unknown")] * 4)]
    rows.append({"occurred_at": datetime(2024, 3, 5, 10), "area_code": "E09000012", "area_name": "Hackney"})
    db = write_warehouse(tmp_path / "wh.duckdb", rows)
    filters = sampling.Filters(date(2024, 3, 1), date(2024, 3, 31), "testshire", "E09000022")
    sample, ids = _draw(ws, member, 5, 99, filters, source="warehouse", db=db)
    assert (sample.source, sample.population, len(ids)) == ("warehouse", 12, 5)
    _, same = _draw(ws, member, 5, 99, filters, source="warehouse", db=db)
    assert same == ids  # the same records, not copies of them
    with ws.session() as session:
        copied = session.scalars(select(SearchRecord)).all()
        assert len(copied) == 5 and {r.source for r in copied} == {"warehouse"} and {r.grounds for r in copied} == {""}
        assert {r.ethnic_group for r in copied} <= {"White", "Black", "Not stated"}
        assert all(r.area_code == "E09000022" for r in copied)
    with ws.session(accounts.actor(member)) as session:
        edited = records.edit_grounds(session, ids[0], "  Smell of cannabis only.  ")
        assert (edited.grounds, edited.grounds_class) == ("Smell of cannabis only.", "smell_only")
    review(ws, member, ids[0])
    with ws.session(accounts.actor(member)) as session, pytest.raises(Invalid, match="reviewed"):
        records.edit_grounds(session, ids[0], "something else")


def test_two_blind_reviews_per_record_and_no_third(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    first, second, third = (make_user(Role.reviewer) for _ in range(3))
    with ws.session(accounts.actor(member)) as session:
        record = add_record(session).id
        loose = add_record(session).id  # in no sample
        sample_of(session, member, [record])
    review(ws, first, record, notes="first reviewer's note")
    with ws.session() as session:
        assert reviews.visible_reviews(session, second, record) == []  # blind until they submit
        assert [r.reviewer_id for r in reviews.visible_reviews(session, first, record)] == [first.id]
    with pytest.raises(Invalid, match="already reviewed"):
        review(ws, first, record)
    review(ws, second, record, rs=True)
    with ws.session() as session:
        shown = reviews.visible_reviews(session, second, record)
        assert [(r.reviewer_id, r.slot) for r in shown] == [(first.id, 1), (second.id, 2)]
        assert len(reviews.visible_reviews(session, third, record)) == 2  # complete: nobody can review it now
    with pytest.raises(Invalid, match="two reviews"):
        review(ws, third, record)
    with pytest.raises(Invalid, match="sample"):
        review(ws, third, loose)
    with pytest.raises(Invalid) as bad:
        review(ws, third, record, conduct="fine")
    assert bad.value.field == "conduct"


def _hand_counted(ws: Workspace, make_user: Callable[..., User]) -> list[int]:
    """Six records (see the results test for the count of each), two reviewers."""
    member = make_user(Role.panel_member)
    a, b = make_user(Role.reviewer), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        black = "Black/African/Caribbean/Black British - African"
        b1 = add_record(session, ethnicity=black, outcome="A no further action disposal").id
        b2 = add_record(session, ethnicity=black, outcome="Arrest", linked=True).id
        b3 = add_record(session, ethnicity=black, grounds="Smell of cannabis.", outcome="Arrest", linked=False).id
        w1 = add_record(session, ethnicity="White - Irish", outcome="Arrest").id
        w2 = add_record(session, ethnicity="White (W1)", grounds="Nervous, hand in waistband.", outcome=None).id
        n1 = add_record(session, ethnicity="Other ethnic group - Not stated",
                        outcome="Nothing found - no further action").id
        ids = [b1, b2, b3, w1, w2, n1]
        sample_of(session, member, ids)
    review(ws, a, b1, rs=False, smell=True)
    review(ws, b, b1, rs=False, smell=True)
    review(ws, a, b2, rs=False, smell=False)
    review(ws, b, b2, rs=True, smell=False)
    review(ws, a, w1, rs=True, smell=False)
    review(ws, b, w1, rs=True, smell=False)
    review(ws, a, w2, rs=False, smell=False)  # one review only: pending
    review(ws, a, n1, rs=False, smell=True)
    review(ws, b, n1, rs=False, smell=False)
    return ids


def test_results_by_ethnic_group_counted_by_hand(ws: Workspace, make_user: Callable[..., User]) -> None:
    _hand_counted(ws, make_user)
    with ws.session() as session:
        rows = {r.group: r for r in results.results(session)}
        kappas = agreement.agreement(session)
    assert list(rows) == ["Asian", "Black", "Mixed", "White", "Other", "Not stated", "All"]
    c = rows["Black"].counts
    assert (c["records"], c["reviewed"], c["insufficient"], c["sufficient"], c["disputed"]) == (3, 2, 1, 0, 1)
    assert (c["smell_only"], c["not_smell_only"], c["smell_disputed"], c["smell_known"]) == (2, 1, 0, 3)
    assert (c["finds"], c["find_known"]) == (1, 3)
    assert (c["finds_insufficient"], c["find_known_insufficient"]) == (0, 1)
    assert (c["finds_smell_only"], c["find_known_smell_only"]) == (0, 2)
    assert (c["finds_not_smell_only"], c["find_known_not_smell_only"]) == (1, 1)
    r = rows["Black"].rates
    assert r["insufficient_share"] == 0.5 and r["disputed_share"] == 0.5
    assert r["smell_only_share"] == pytest.approx(2 / 3) and r["find_rate"] == pytest.approx(1 / 3)
    assert r["find_rate_sufficient"] is None
    w = rows["White"].counts
    assert (w["records"], w["reviewed"], w["sufficient"], w["smell_only"], w["not_smell_only"]) == (2, 1, 1, 0, 2)
    assert (w["finds"], w["find_known"], w["finds_sufficient"], w["find_known_sufficient"]) == (1, 1, 1, 1)
    n = rows["Not stated"].counts
    assert (n["records"], n["insufficient"], n["smell_disputed"], n["smell_known"], n["find_known"]) == (1, 1, 1, 0, 1)
    every = rows["All"].counts
    assert (every["records"], every["reviewed"], every["insufficient"], every["sufficient"], every["disputed"]) == (
        6, 4, 2, 1, 1)
    assert (every["smell_only"], every["not_smell_only"], every["smell_disputed"]) == (2, 3, 1)
    assert (every["finds"], every["find_known"], every["finds_not_smell_only"], every["find_known_not_smell_only"]) == (
        2, 5, 2, 2)
    assert rows["All"].rates["insufficient_share"] == 0.5
    assert all(v == 0 for g in ("Asian", "Mixed", "Other") for v in rows[g].counts.values())
    # Reasonable suspicion on the four complete records: (n,n) (n,y) (y,y) (n,n): p_o 3/4, p_e 8/16, kappa 0.5
    k = kappas["reasonable_suspicion"]
    assert (k.n, k.observed, k.expected, k.value) == (4, 0.75, 0.5, 0.5)
    assert kappas["object_stated"].value is None  # everyone said yes: undefined


def test_public_results_suppress_small_cells(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    a, b = make_user(Role.reviewer), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        white = [add_record(session, ethnicity="White - English").id for _ in range(6)]
        black = [add_record(session, ethnicity="Black - African").id for _ in range(2)]
        sample_of(session, member, white + black)
    for record in white + black:
        review(ws, a, record)
        review(ws, b, record)
    with ws.session() as session:
        shown = {row["group"]: row for row in results.public(results.results(session))}
    # published (docs/disclosure.md): 6 rounds to 5; a total is the sum of its rounded parts
    assert shown["White"]["counts"]["records"] == 5 and shown["White"]["counts"]["insufficient"] == 5
    assert shown["White"]["rates"]["insufficient_share"] == 1.0 and shown["White"]["suppressed"] == []
    assert shown["Black"]["counts"]["records"] == "<5" and shown["Black"]["counts"]["insufficient"] == "<5"
    assert shown["Black"]["rates"]["insufficient_share"] is None
    assert "insufficient_share" in shown["Black"]["suppressed"] and "find_rate" in shown["Black"]["suppressed"]
    assert shown["Asian"]["counts"]["records"] == 0 and shown["Asian"]["suppressed"] == []
    # All = White's rounded 5 + Black's rounded 0 (a true 2), not the true 8
    assert shown["All"]["counts"]["records"] == 5 and shown["All"]["rates"]["find_rate"] == 1.0
