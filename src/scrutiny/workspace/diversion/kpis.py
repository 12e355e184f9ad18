"""The diversion scheme's outcome measures, as pure functions of the cases and an "as of" date.

Taking `as_of` as a parameter (never today's date) makes every figure reproducible: the same cases and date
give the same answer, and nothing dated after `as_of` counts (a first contact recorded for next week is not an
attendance yet).

Definitions (the public page and API print them):
- referrals: cases referred on or before `as_of`;
- uptake: of the eligible referrals, the share who attended a first appointment;
- completion: of those who started an intervention (an education course or treatment), the share who
  completed it (completion "unknown" counts as not completed);
- days to first contact: the median of (first contact − referral) over those who attended;
- re-contact within 6 / 12 months: the share with a police re-contact in the 6 / 12 calendar months from the
  referral, over only the cases referred at least 6 / 12 months before `as_of` (for later ones the window
  has not closed, and counting them would flatter the figure).

Each share has a Wilson score 95% interval. `public` applies scrutiny.workspace.disclosure (docs/disclosure.md):
every count rounded to the nearest 5 and a true 1–4 shown as "<5", overall figures summed from the ethnic
groups' rounded figures, shares and intervals from the rounded counts, and a share whose numerator or denominator is
1–4 (or a median over 1–4 cases) withheld.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from scrutiny.metrics.intervals import share as fraction
from scrutiny.metrics.intervals import wilson
from scrutiny.workspace import disclosure
from scrutiny.workspace.disclosure import Figure, count, total, withheld
from scrutiny.workspace.models.diversion import AgeBand, Completed, DiversionCase, EthnicGroup, Intervention

By = Literal["ethnicity", "age_band", "borough"]
BY: tuple[By, ...] = ("ethnicity", "age_band", "borough")
STARTED = (Intervention.education.value, Intervention.treatment.value)
WINDOWS = (6, 12)
SHARES = ("uptake", "completion", "recontact_6m", "recontact_12m")
PUBLIC_NOTE = ("Every count is rounded to the nearest 5 (1 to 4 shown as <5) and each share is worked out from the "
               "rounded counts. Each overall figure is the sum of the rounded figures of the ethnic groups (the same "
               "on every view, so by age band or borough the rows may not add up to it exactly). No small number "
               "can be found by subtracting one figure from another (docs/disclosure.md).")


@dataclass(frozen=True)
class CaseRecord:
    """What the measures need of a case: no person id, so nothing here can point at someone."""

    ethnic_group: str
    age_band: str
    borough: str
    referral_date: date
    eligible: bool | None = None
    first_contact_date: date | None = None
    intervention: str | None = None
    completed: str = Completed.unknown.value
    completion_date: date | None = None
    recontacts: tuple[date, ...] = ()


def record(case: DiversionCase) -> CaseRecord:
    return CaseRecord(
        ethnic_group=case.ethnic_group.value, age_band=case.age_band.value, borough=case.borough,
        referral_date=case.referral_date, eligible=case.eligible, first_contact_date=case.first_contact_date,
        intervention=case.intervention.value if case.intervention is not None else None,
        completed=case.completed.value, completion_date=case.completion_date,
        recontacts=tuple(sorted(r.contact_date for r in case.recontacts)),
    )


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Median:
    cases: int
    median_days: float | None


@dataclass(frozen=True)
class Kpis:
    referrals: int
    eligible: int
    uptake: Share
    completion: Share
    days_to_first_contact: Median
    recontact_6m: Share
    recontact_12m: Share


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day where it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def make_share(numerator: int, denominator: int) -> Share:
    interval = wilson(numerator, denominator)
    return Share(numerator, denominator, fraction(numerator, denominator), interval.low, interval.high)


def _by(when: date | None, as_of: date) -> bool:
    return when is not None and when <= as_of


def _recontact(cases: Sequence[CaseRecord], as_of: date, months: int) -> Share:
    closed = [c for c in cases if add_months(c.referral_date, months) <= as_of]
    hit = [c for c in closed
           if any(c.referral_date <= r <= add_months(c.referral_date, months) for r in c.recontacts)]
    return make_share(len(hit), len(closed))


def kpis(cases: Iterable[CaseRecord], as_of: date) -> Kpis:
    referred = [c for c in cases if c.referral_date <= as_of]
    eligible = [c for c in referred if c.eligible is True]
    attended_eligible = [c for c in eligible if _by(c.first_contact_date, as_of)]
    started = [c for c in referred if c.intervention in STARTED]
    completed = [c for c in started if c.completed == Completed.yes.value
                 and (c.completion_date is None or c.completion_date <= as_of)]
    waits = [(c.first_contact_date - c.referral_date).days for c in referred
             if c.first_contact_date is not None and c.first_contact_date <= as_of]
    return Kpis(
        referrals=len(referred),
        eligible=len(eligible),
        uptake=make_share(len(attended_eligible), len(eligible)),
        completion=make_share(len(completed), len(started)),
        days_to_first_contact=Median(len(waits), float(statistics.median(waits)) if waits else None),
        recontact_6m=_recontact(referred, as_of, 6),
        recontact_12m=_recontact(referred, as_of, 12),
    )


def _key(by: By) -> Callable[[CaseRecord], str]:
    if by == "ethnicity":
        return lambda c: c.ethnic_group
    if by == "age_band":
        return lambda c: c.age_band
    return lambda c: c.borough


def groups_of(cases: Sequence[CaseRecord], by: By) -> list[str]:
    """Every ethnic group and age band (a group with no cases shows 0), or the boroughs that have cases."""
    if by == "ethnicity":
        return [g.value for g in EthnicGroup]
    if by == "age_band":
        return [a.value for a in AgeBand]
    return sorted({c.borough for c in cases})


def kpis_by(cases: Sequence[CaseRecord], as_of: date, by: By) -> list[tuple[str, Kpis]]:
    key = _key(by)
    return [(g, kpis([c for c in cases if key(c) == g], as_of)) for g in groups_of(cases, by)]


def notes(as_of: date) -> list[str]:
    return [
        f"Figures as of {as_of.isoformat()}: cases referred on or before that date; later events are not counted.",
        *(f"Re-contact within {m} months counts only cases referred at least {m} months before "
          f"{as_of.isoformat()} (on or before {_latest_referral(as_of, m).isoformat()}), whose {m} months have "
          "passed." for m in WINDOWS),
        "Completion counts an outcome recorded as unknown as not completed.",
        "Each share has a Wilson score 95% interval.",
    ]


def _latest_referral(as_of: date, months: int) -> date:
    """The last referral date whose window of `months` has closed by `as_of`."""
    day = add_months(as_of, -months)
    while add_months(date.fromordinal(day.toordinal() + 1), months) <= as_of:
        day = date.fromordinal(day.toordinal() + 1)
    return day


def share_dict(s: Share) -> dict[str, Any]:
    """A share as the workspace sees it: true counts."""
    return {"numerator": s.numerator, "denominator": s.denominator, "share": s.share, "ci_low": s.ci_low,
            "ci_high": s.ci_high, "suppressed": False}


def kpis_dict(k: Kpis) -> dict[str, Any]:
    """A row as the workspace sees it: true counts, nothing withheld."""
    return {
        "referrals": k.referrals,
        "eligible": k.eligible,
        **{name: share_dict(getattr(k, name)) for name in SHARES},
        "days_to_first_contact": {"cases": k.days_to_first_contact.cases,
                                  "median_days": k.days_to_first_contact.median_days, "suppressed": False},
    }


def published(k: Kpis) -> dict[str, Figure]:
    """Every count of a row as a published figure (rounded to 5), keyed so rows can be summed cell by cell."""
    figures = {"referrals": count(k.referrals), "eligible": count(k.eligible),
               "days_cases": count(k.days_to_first_contact.cases)}
    for name in SHARES:
        s: Share = getattr(k, name)
        figures[f"{name}.numerator"] = count(s.numerator)
        figures[f"{name}.denominator"] = count(s.denominator)
    return figures


def summed(rows: Sequence[dict[str, Figure]]) -> dict[str, Figure]:
    """The overall row of a breakdown: each figure the sum of the groups' published figures."""
    return {key: total(row[key] for row in rows) for key in rows[0]}


def public_share(figures: dict[str, Figure], name: str) -> dict[str, Any]:
    num, den = figures[f"{name}.numerator"], figures[f"{name}.denominator"]
    value = disclosure.share(num, den)
    interval = wilson(num.value, den.value) if value is not None else None
    return {"numerator": num.shown, "denominator": den.shown, "share": value,
            "ci_low": interval.low if interval else None, "ci_high": interval.high if interval else None,
            "suppressed": withheld(num, den)}


def public_dict(figures: dict[str, Figure], median_days: float | None) -> dict[str, Any]:
    """A row for anyone to see (scrutiny.workspace.disclosure): counts rounded to 5 with 1-4 as "<5", shares
    from the rounded counts, a share or median resting on 1-4 cases withheld."""
    cases = figures["days_cases"]
    return {
        "referrals": figures["referrals"].shown,
        "eligible": figures["eligible"].shown,
        **{name: public_share(figures, name) for name in SHARES},
        "days_to_first_contact": {"cases": cases.shown, "median_days": None if cases.small else median_days,
                                  "suppressed": cases.small},
    }


def report(cases: Sequence[CaseRecord], as_of: date, by: By | None = None, *, public: bool = True) -> dict[str, Any]:
    """The whole answer: overall, optionally by a breakdown, with the notes that say how to read it.

    `public` applies scrutiny.workspace.disclosure. The overall row is then, on every view, the sum of the ethnic
    groups' published figures (every case has exactly one group): overall minus the groups shown is a multiple
    of 5, never a hidden count, and no view publishes an overall figure another view does not."""
    overall = kpis(cases, as_of)
    rows = kpis_by(cases, as_of, by) if by else []
    if not public:
        return {"as_of": as_of.isoformat(), "by": by, "overall": kpis_dict(overall),
                "groups": [{"group": g, **kpis_dict(k)} for g, k in rows], "notes": notes(as_of)}
    whole = summed([published(k) for _, k in kpis_by(cases, as_of, "ethnicity")])
    return {
        "as_of": as_of.isoformat(),
        "by": by,
        "overall": public_dict(whole, overall.days_to_first_contact.median_days),
        "groups": [{"group": g, **public_dict(published(k), k.days_to_first_contact.median_days)} for g, k in rows],
        "notes": [*notes(as_of), PUBLIC_NOTE],
    }
