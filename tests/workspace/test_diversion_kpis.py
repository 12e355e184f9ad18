"""Diversion KPIs counted by hand on the eight cases of tests/workspace/data/diversion_cases.csv.

As of 2025-01-31 (case H, referred 2025-03-01, is after it and never counts):

| case | group      | referred   | eligible | first contact      | intervention | completed       | re-contacts |
|------|------------|------------|----------|--------------------|--------------|-----------------|-------------|
| A    | White      | 2024-01-10 | yes      | 2024-01-20 (10 d)  | education    | yes 2024-02-15  | 2024-05-01  |
| B    | Black      | 2024-01-15 | yes      | 2024-02-05 (21 d)  | treatment    | no              | 2024-10-01  |
| C    | Black      | 2024-03-01 | yes      | 2024-03-21 (20 d)  | education    | unknown         |             |
| D    | Black      | 2024-06-01 | yes      |                    |              |                 |             |
| E    | Asian      | 2024-08-01 | no       |                    |              |                 |             |
| F    | White      | 2024-07-31 | yes      | 2024-08-07 (7 d)   | treatment    | yes 2024-12-01  | 2025-01-31  |
| G    | Not stated | 2024-12-01 | yes      | 2025-02-10 (later) | education    | unknown         |             |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrutiny.workspace.diversion import kpis
from scrutiny.workspace.diversion.csv_io import parse_file
from scrutiny.workspace.diversion.kpis import CaseRecord

DATA = Path(__file__).parent / "data"
AS_OF = date(2025, 1, 31)


def fixture_cases() -> list[CaseRecord]:
    parsed = parse_file((DATA / "diversion_cases.csv").read_bytes())
    return [CaseRecord(ethnic_group=c.ethnic_group.value, age_band=c.age_band.value, borough=c.borough,
                       referral_date=c.referral_date, eligible=c.eligible, first_contact_date=c.first_contact_date,
                       intervention=c.intervention.value if c.intervention else None, completed=c.completed.value,
                       completion_date=c.completion_date, recontacts=tuple(d for d, _ in c.recontacts or ()))
            for c in parsed]


def test_overall_kpis_counted_by_hand() -> None:
    k = kpis.kpis(fixture_cases(), AS_OF)
    assert k.referrals == 7  # A-G; H is referred after the as-of date
    assert k.eligible == 6  # all but E
    # uptake: of the 6 eligible, A, B, C and F attended; D never did and G's first contact is after as_of
    assert (k.uptake.numerator, k.uptake.denominator) == (4, 6)
    assert k.uptake.share == pytest.approx(4 / 6)
    # completion: started = A, B, C, F, G (5); completed = A, F (2); C and G unknown count as not completed
    assert (k.completion.numerator, k.completion.denominator) == (2, 5)
    # waits 10, 21, 20, 7 days -> sorted 7, 10, 20, 21 -> even count: (10 + 20) / 2 = 15.0
    assert (k.days_to_first_contact.cases, k.days_to_first_contact.median_days) == (4, 15.0)
    # 6 months: A (window to 2024-07-10), B (07-15), C (09-01), D (12-01), F (2025-01-31, the as-of day itself)
    # closed by as_of = 5; E (2025-02-01) and G are not. Re-contact inside: A (05-01) and F (01-31, the last
    # day of its window) = 2; B's 2024-10-01 is after its 6 months.
    assert (k.recontact_6m.numerator, k.recontact_6m.denominator) == (2, 5)
    # 12 months: only A (2025-01-10) and B (2025-01-15) closed; both re-contacted inside = 2 of 2
    assert (k.recontact_12m.numerator, k.recontact_12m.denominator) == (2, 2)
    # Wilson 2/2: (1 + 1.96²/4) / (1 + 1.96²/2) ∓ 1.96·√(1.96²/16) / (1 + 1.96²/2) = 0.67119 ∓ 0.32881
    assert k.recontact_12m.ci_low == pytest.approx(0.34238, abs=1e-4)
    assert k.recontact_12m.ci_high == pytest.approx(1.0)
    # Wilson 4/6: p = 0.6667, z²/n = 0.64027; centre (0.6667 + 0.32013) / 1.64027 = 0.60161,
    # half 1.96·√(0.6667·0.3333/6 + 3.8416/144) / 1.64027 = 1.96·0.25242 / 1.64027 = 0.30162
    assert k.uptake.ci_low == pytest.approx(0.29999, abs=1e-4)
    assert k.uptake.ci_high == pytest.approx(0.90323, abs=1e-4)


def test_odd_median_and_an_earlier_as_of() -> None:
    # As of 2024-03-25: A, B, C referred; waits 10, 21, 20 -> odd count, median 20
    k = kpis.kpis(fixture_cases(), date(2024, 3, 25))
    assert k.referrals == 3
    assert k.days_to_first_contact.median_days == 20.0
    # no case is 6 months old yet: empty windows, no share
    assert (k.recontact_6m.denominator, k.recontact_6m.share) == (0, None)
    # completion as of then: A completed (02-15); B, C started -> 1 of 3
    assert (k.completion.numerator, k.completion.denominator) == (1, 3)


def test_six_month_window_boundary() -> None:
    # F (referred 2024-07-31) enters the 6-month window exactly on 2025-01-31, not a day before
    f = [c for c in fixture_cases() if c.referral_date == date(2024, 7, 31)]
    assert kpis.kpis(f, date(2025, 1, 30)).recontact_6m.denominator == 0
    assert kpis.kpis(f, date(2025, 1, 31)).recontact_6m.numerator == 1
    # month ends clamp: 31 August + 6 months is the last day of February
    assert kpis.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_by_ethnicity_counted_by_hand() -> None:
    groups = dict(kpis.kpis_by(fixture_cases(), AS_OF, "ethnicity"))
    assert list(groups) == ["Asian", "Black", "Mixed", "White", "Other", "Not stated"]
    black = groups["Black"]  # B, C, D
    assert (black.referrals, black.eligible) == (3, 3)
    assert (black.uptake.numerator, black.uptake.denominator) == (2, 3)  # B, C attended
    assert (black.completion.numerator, black.completion.denominator) == (0, 2)  # B no, C unknown
    assert black.days_to_first_contact.median_days == 20.5  # 21 and 20 -> (20 + 21) / 2
    assert (black.recontact_6m.numerator, black.recontact_6m.denominator) == (0, 3)
    assert (black.recontact_12m.numerator, black.recontact_12m.denominator) == (1, 1)  # only B is 12 months old
    assert groups["Mixed"].referrals == 0 and groups["Mixed"].uptake.share is None
    boroughs = [g for g, _ in kpis.kpis_by(fixture_cases(), AS_OF, "borough")]
    assert boroughs == ["Lambeth", "Southwark"]
    ages = dict(kpis.kpis_by(fixture_cases(), AS_OF, "age_band"))
    assert ages["18-24"].referrals == 3  # A, B, G (H is after as_of)


def test_public_report_suppresses_small_cells_and_says_what_the_windows_are() -> None:
    report = kpis.report(fixture_cases(), AS_OF, "ethnicity", public=True)
    overall = report["overall"]
    # overall = the sum of the groups' figures rounded to 5 (docs/disclosure.md), not the true 7 and 6:
    # referrals White 2 -> 0, Black 3 -> 5, Asian 1 -> 0, Not stated 1 -> 0; eligible White 2, Black 3, NS 1
    assert overall["referrals"] == 5 and overall["eligible"] == 5
    # uptake 4 of 6: White 2 -> 0 plus Black 2 -> 0 attended; a true 4 is "<5", so the share is withheld
    assert overall["uptake"] == {"numerator": "<5", "denominator": 5, "share": None, "ci_low": None,
                                 "ci_high": None, "suppressed": True}
    assert overall["days_to_first_contact"] == {"cases": "<5", "median_days": None, "suppressed": True}
    black = next(g for g in report["groups"] if g["group"] == "Black")
    assert black["referrals"] == "<5"
    assert black["recontact_6m"]["numerator"] == 0 and black["recontact_6m"]["suppressed"] is True  # 0 of <5
    mixed = next(g for g in report["groups"] if g["group"] == "Mixed")
    assert mixed["referrals"] == 0 and mixed["uptake"]["suppressed"] is False  # 0 may be shown
    assert any("at least 6 months before 2025-01-31 (on or before 2024-07-31)" in n for n in report["notes"])
    assert any("at least 12 months before 2025-01-31 (on or before 2024-01-31)" in n for n in report["notes"])
    # the overall row is the same on every view: the sum over the ethnic groups' rounded figures
    for view in (None, "age_band", "borough"):
        assert kpis.report(fixture_cases(), AS_OF, view, public=True)["overall"] == overall
    raw = kpis.report(fixture_cases(), AS_OF, None, public=False)
    assert raw["overall"]["uptake"]["numerator"] == 4 and raw["groups"] == []
