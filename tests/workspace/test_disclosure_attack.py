"""The attacker's tests (issue 15, "no small count recoverable"), on SQLite and PostgreSQL.

Each public table built from workspace data is fed the small groups that leaked before (the four cases of the
issue, exactly as described), fetched anonymously through the real page and API, and its numbers parsed from
what a stranger sees. Two attacks are played on them:

- subtraction: every published figure, every difference a − b and every a − b − c of three published figures,
  within the table and across the same table before and after one more record, must not land on 1-4;
- bounds: for every total and its parts (a breakdown, a row of the All line, reports = searched + not), the
  attacker tries every true count consistent with what is shown under the rule the site states
  (docs/disclosure.md, re-implemented here from its words) and must not pin any part to a single value 1-4.

Both attacks are first shown to catch the old rule (1-4 as "<5", everything else exact) on the issue's numbers,
so neither can pass vacuously. And the control must not wreck big numbers: a cell of 100 is shown as 100.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.workspace import accounts, panels, strategy
from scrutiny.workspace.community import moderation
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.disclosure import count, total
from scrutiny.workspace.diversion import cases
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import IndicatorMetric, TargetDirection
from tests.workspace.conftest import Browser
from tests.workspace.factories_community import store
from tests.workspace.factories_review import add_record, review, sample_of

Web = Callable[[], Browser]
MakeUser = Callable[..., User]
Shown = int | str | None  # a published figure, "<5", or None for a part the table does not show
SMALL = range(1, 5)
ETHNIC = ("Asian", "Black", "Mixed", "White", "Other", "Not stated")


# ---- the rules, as an attacker reads them --------------------------------------------------------------------


def stated_cell(n: int) -> int | str:
    """docs/disclosure.md: 0 is 0, 1-4 is "<5", anything else the nearest multiple of 5."""
    return 0 if n == 0 else "<5" if n < 5 else 5 * ((2 * n + 5) // 10)


def stated_total(parts: Sequence[int]) -> int | str:
    """docs/disclosure.md: a total is the sum of its parts' rounded values (a part of 1-2 counts 0, 3-4 counts 5);
    if that is 0 it is "<5" when any part is "<5", but 5 when three or more are; 0 when every part is 0."""
    value, smalls = sum(5 * ((2 * p + 5) // 10) for p in parts), sum(0 < p < 5 for p in parts)
    if value == 0 and smalls >= 3:
        return 5
    return "<5" if value == 0 and smalls else value


def old_cell(n: int) -> int | str:
    """The rule before issue 15: 1-4 as "<5", everything else exact."""
    return "<5" if 0 < n < 5 else n


def old_total(parts: Sequence[int]) -> int | str:
    return old_cell(sum(parts))


Rule = tuple[Callable[[int], int | str], Callable[[Sequence[int]], int | str]]
STATED: Rule = (stated_cell, stated_total)
OLD: Rule = (old_cell, old_total)


# ---- the two attacks ------------------------------------------------------------------------------------------


def subtraction_leaks(figures: Iterable[Shown]) -> list[str]:
    """Every published integer, every a − b and every a − b − c (different figures) that lands on 1-4."""
    values = Counter(f for f in figures if isinstance(f, int))

    def available(*picks: int) -> bool:
        return all(values[v] >= k for v, k in Counter(picks).items())

    found = [f"{a}" for a in values if a in SMALL]
    found += [f"{a} - {b}" for a, b in itertools.product(values, repeat=2) if available(a, b) and a - b in SMALL]
    found += [f"{a} - {b} - {c}" for a, b, c in itertools.product(values, repeat=3)
              if available(a, b, c) and a - b - c in SMALL]
    return found


def pinned(total: Shown, parts: Sequence[Shown], rule: Rule = STATED, limit: int = 130) -> list[tuple[int, int]]:
    """(part index, value) for each part the attacker can pin to one value in 1-4, trying every true count of
    the parts that the rule would have published as shown (None: a part not shown, any count)."""
    cell, summed = rule
    choices = [[n for n in range(limit) if shown is None or cell(n) == shown] for shown in parts]
    seen: list[set[int]] = [set() for _ in parts]
    for candidate in itertools.product(*choices):
        if summed(candidate) == total:
            for i, n in enumerate(candidate):
                seen[i].add(n)
    assert all(seen), f"no true counts give {total} = {parts}: the parsing or the rule is wrong"
    return [(i, next(iter(s))) for i, s in enumerate(seen) if len(s) == 1 and next(iter(s)) in SMALL]


def test_both_attacks_catch_the_old_rule_on_the_issues_numbers() -> None:
    # diversion: overall 12, White 11, Black <5 -> 1; one day later overall 13 -> one more referral
    assert "12 - 11" in subtraction_leaks([12, 11, "<5"]) and "13 - 12" in subtraction_leaks([12, 13])
    assert pinned(12, [0, "<5", 0, 11, 0, 0], OLD) == [(1, 1)]
    # community: 7 reports, 6 searched -> 1 not searched
    assert "7 - 6" in subtraction_leaks([7, 6]) and pinned(7, [6, None], OLD) == [(1, 1)]
    # panel: total 23 minus the bands shown -> 2
    assert "23 - 11 - 10" in subtraction_leaks([23, 11, 10, "<5"]) and pinned(23, ["<5", 11, 10], OLD) == [(0, 2)]
    # review: 8 reviewed, 0 insufficient, sufficient and disputed <5 -> 4 and 4
    assert pinned(8, [0, "<5", "<5"], OLD) == [(1, 4), (2, 4)]
    # and the stated rule on the same true counts leaves nothing
    assert subtraction_leaks([stated_total([1, 11]), stated_cell(11), stated_cell(1)]) == []
    assert pinned(stated_total([0, 4, 4]), [0, "<5", "<5"]) == []


def test_the_module_rounds_as_the_document_says() -> None:
    assert [count(n).shown for n in range(14)] == [0, "<5", "<5", "<5", "<5", 5, 5, 5, 10, 10, 10, 10, 10, 15]
    assert [count(n).value for n in (1, 2, 3, 4, 100, 101, 102, 103)] == [0, 0, 5, 5, 100, 100, 100, 105]
    assert total([count(2), count(2), count(2)]).shown == 5  # three parts shown "<5" make at least 3
    assert total([count(1), count(2)]).shown == "<5" and total([count(1), count(3)]).shown == 5
    assert total([count(3), count(3)]).shown == 10 and total([count(0), count(0)]).shown == 0
    for parts in itertools.product(range(13), repeat=3):  # the module and the document agree
        assert total(count(p) for p in parts).shown == stated_total(parts)
        assert [count(p).shown for p in parts] == [stated_cell(p) for p in parts]


@pytest.mark.parametrize("size, hidden", [(2, False), (3, False), (4, False), (2, True), (3, True)])
def test_no_total_and_its_parts_pin_a_small_count(size: int, hidden: bool) -> None:
    """Exhaustively: every way `size` parts of 0-19 can fall, grouped by what the module publishes of them (the
    last part not shown when `hidden`); within each group, no part takes only one value, if that value is 1-4.
    Groups showing a figure above 10 are skipped: their true counts may run past 19, beyond what is tried."""
    seen: dict[tuple[Shown, ...], list[set[int]]] = {}
    for parts in itertools.product(range(20), repeat=size):
        shown = (total(count(p) for p in parts).shown,
                 *(None if hidden and i == size - 1 else count(p).shown for i, p in enumerate(parts)))
        for possible, p in zip(seen.setdefault(shown, [set() for _ in parts]), parts, strict=True):
            possible.add(p)
    checked = [(shown, sets) for shown, sets in seen.items() if all(not isinstance(x, int) or x <= 10 for x in shown)]
    assert len(checked) > 3
    for shown, sets in checked:
        assert not [v for v in sets if len(v) == 1 and next(iter(v)) in SMALL], shown


# ---- reading what a stranger sees -----------------------------------------------------------------------------


def figure(text: str) -> int | str:
    text = html.unescape(text).strip()
    return text if text == "<5" else int(text)


def diversion_page(b: Browser, as_of: date, by: str | None) -> list[list[int | str]]:
    """Each row of /diversion: referrals and every 'N of M' and 'N cases' figure, in order."""
    page = b.get(f"/diversion?as_of={as_of.isoformat()}" + (f"&by={by}" if by else ""))
    assert page.status_code == 200
    body = page.text.split('<table id="table-diversion">')[1].split("</table>")[0].split("<tbody>")[1]
    rows = []
    for row in body.split("</tr>")[:-1]:
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        pairs = re.findall(r"\((\d+|&lt;5) of (\d+|&lt;5)", row) + re.findall(r"\((\d+|&lt;5) cases\)", row)
        flat = [x for p in pairs for x in (p if isinstance(p, tuple) else (p,))]
        rows.append([figure(c) for c in cells + flat])
    return rows


def diversion_api(b: Browser, as_of: date, by: str | None) -> dict[str, Any]:
    answer = b.get(f"/api/v1/diversion/kpis?as_of={as_of.isoformat()}" + (f"&by={by}" if by else ""))
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def kpi_counts(k: dict[str, Any]) -> list[Shown]:
    shares = ("uptake", "completion", "recontact_6m", "recontact_12m")
    return [k["referrals"], k["eligible"], k["days_to_first_contact"]["cases"],
            *(k[s][end] for s in shares for end in ("numerator", "denominator"))]


def shares_rest_on_published_counts(k: dict[str, Any]) -> None:
    """A share shown is exactly numerator ÷ denominator as published: it tells nothing they do not."""
    for name in ("uptake", "completion", "recontact_6m", "recontact_12m"):
        s = k[name]
        if s["share"] is not None:
            assert s["share"] == pytest.approx(s["numerator"] / s["denominator"]), (name, s)


# ---- diversion KPIs: overall 12, White 11, Black 1; a day later one more referral -----------------------------

DAY = date(2025, 3, 1)


def add_cases(ws: Workspace, group: str, n: int, referred: date, first: int = 0) -> None:
    with ws.session(accounts.COMMAND_LINE) as session:
        for i in range(first, first + n):
            cases.create_case(session, cases.parse_case({
                "person_id": f"P-{group[:2]}-{i}", "ethnic_group": group, "age_band": "25-34", "borough": "Lambeth",
                "drug": "cannabis", "referral_source": "police stop", "referral_date": referred.isoformat(),
                "eligible": "yes", "first_contact_date": (referred + timedelta(days=1)).isoformat(),
                "intervention": "education course", "completed": "yes",
                "completion_date": (referred + timedelta(days=1)).isoformat()}))


def test_diversion_kpis_survive_subtraction_and_a_day_apart(web: Web, ws: Workspace) -> None:
    add_cases(ws, "White", 11, DAY - timedelta(days=30))
    add_cases(ws, "Black", 1, DAY - timedelta(days=30))
    b = web()
    before = {by: diversion_api(b, DAY, by) for by in (None, "ethnicity", "age_band")}
    add_cases(ws, "Black", 1, DAY + timedelta(days=1), first=1)  # one referral the next day
    after = {by: diversion_api(b, DAY + timedelta(days=1), by) for by in (None, "ethnicity", "age_band")}
    assert diversion_api(b, DAY, "ethnicity") == before["ethnicity"]  # the past does not move
    figures: list[Shown] = []
    for doc in (*before.values(), *after.values()):
        for k in (doc["overall"], *doc["groups"]):
            figures += kpi_counts(k)
            shares_rest_on_published_counts(k)
    pages = [row for when, by in itertools.product((DAY, DAY + timedelta(days=1)), (None, "ethnicity"))
             for row in diversion_page(b, when, by)]
    figures += [x for row in pages for x in row]
    assert subtraction_leaks(figures) == []
    for doc in (before["ethnicity"], after["ethnicity"]):
        rows = {g["group"]: g for g in doc["groups"]}
        assert list(rows) == list(ETHNIC)
        for name in ("referrals", "eligible"):
            assert pinned(doc["overall"][name], [rows[g][name] for g in ETHNIC]) == []
    groups = {g["group"]: g for g in before["ethnicity"]["groups"]}
    # published: White 11 -> 10, Black 1 -> "<5", and overall the sum of the groups' rounded figures, 10 + 0
    assert (before["ethnicity"]["overall"]["referrals"], groups["White"]["referrals"],
            groups["Black"]["referrals"]) == (10, 10, "<5")
    assert after["ethnicity"]["overall"]["referrals"] == 10 and after[None]["overall"]["referrals"] == 10
    assert pages[0][0] == 10 and "<5" in [row[0] for row in pages]


def test_diversion_big_numbers_stay(web: Web, ws: Workspace) -> None:
    add_cases(ws, "White", 100, DAY - timedelta(days=30))
    doc = diversion_api(web(), DAY, "ethnicity")
    white = next(g for g in doc["groups"] if g["group"] == "White")
    assert white["referrals"] == 100 and doc["overall"]["referrals"] == 100
    assert white["completion"]["share"] == 1.0 and white["uptake"]["numerator"] == 100


# ---- community reports: 7 published in a borough and month, 6 of them searches -------------------------------


def community_page(b: Browser) -> list[list[int | str]]:
    page = b.get("/community-reports")
    assert page.status_code == 200
    body = page.text.split('<table id="community-summary">')[1].split("</table>")[0].split("<tbody>")[1]
    return [[figure(c) for c in re.findall(r'<td class="num">([^<]*)</td>', row)[:2]]
            for row in body.split("</tr>")[:-1]]


def publish(ws: Workspace, member: User, refs: Iterable[str]) -> None:
    with ws.session(accounts.actor(member)) as session:
        for ref in refs:
            moderation.moderate(session, member, ref, "publish")


def no_official_figures(b: Browser) -> None:
    def metrics(scope: Scope) -> dict[str, Any]:
        raise ScrutinyError("no warehouse in this test")

    b.client.app.state.metrics = metrics  # type: ignore[attr-defined]


def test_community_summary_survives_subtraction(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    member = make_user(Role.panel_member)
    refs = [store(ws, kind="search" if i < 6 else "stop").reference for i in range(7)]
    publish(ws, member, refs)
    b = web()
    no_official_figures(b)
    before = b.get("/api/v1/community-reports/summary").json()["cells"]
    page_before = community_page(b)
    publish(ws, member, [store(ws, kind="stop").reference])  # one more report, a stop without a search
    after = b.get("/api/v1/community-reports/summary").json()["cells"]
    page_after = community_page(b)
    figures = [x for c in before + after for x in (c["reports"], c["searched"])]
    assert subtraction_leaks(figures + [x for row in page_before + page_after for x in row]) == []
    for c in before + after:
        assert pinned(c["reports"], [c["searched"], None]) == []
    # searched 6 -> 5, not searched 1 -> 0, reports = 5 + 0 (the true 7 minus 6 gave the 1 away)
    assert [(c["reports"], c["searched"]) for c in before] == [(5, 5)]
    assert page_before == [[5, 5]] and page_after == [[5, 5]]


def test_community_big_numbers_stay(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    member = make_user(Role.panel_member)
    publish(ws, member, [store(ws).reference for _ in range(100)])
    b = web()
    no_official_figures(b)
    assert [(c["reports"], c["searched"]) for c in b.get("/api/v1/community-reports/summary").json()["cells"]] \
        == [(100, 100)]


# ---- panel composition: 23 members, 11 and 10 in two bands and 2 in a third -----------------------------------


def make_panel(ws: Workspace, bands: dict[str, int]) -> int:
    with ws.session(accounts.COMMAND_LINE) as session:
        panel = panels.create_panel(session, panels.PanelFields(name="Test Panel", area_name="Greenwich"))
        for band, n in bands.items():
            for i in range(n):
                panels.add_member(session, panel.id, f"{band} {i}", band, "member", f"Community {i % 2}")
        return panel.id


def panel_page(b: Browser, panel_id: int) -> tuple[int | str, int | str, dict[str, int | str]]:
    page = b.get(f"/panels/{panel_id}").text
    under = re.search(r'<strong id="under-25">([^<]*)</strong>', page)
    total = re.search(r'<span id="members-total">([^<]*)</span>', page)
    table = page.split('<table id="table-age">')[1].split("</table>")[0]
    bands = re.findall(r'<th scope="row">([^<]*?)(?: <span[^>]*>[^<]*</span>)?</th><td class="num">([^<]*)</td>',
                       table)
    assert under and total and len(bands) == 8
    return figure(total.group(1)), figure(under.group(1)), {html.unescape(k): figure(v) for k, v in bands}


def test_panel_composition_survives_subtraction(web: Web, ws: Workspace) -> None:
    panel_id = make_panel(ws, {"under 18": 2, "25-34": 11, "35-44": 10})
    b = web()
    before = b.get(f"/api/v1/panels/{panel_id}").json()["composition"]
    page_before = panel_page(b, panel_id)
    assert page_before == (before["total"], before["under_25"], before["by_age_band"])
    with ws.session(accounts.COMMAND_LINE) as session:  # one more member, between two looks
        panels.add_member(session, panel_id, "Newcomer", "18-24", "member", "Community 0")
    after = b.get(f"/api/v1/panels/{panel_id}").json()["composition"]
    page_after = panel_page(b, panel_id)
    figures: list[Shown] = []
    for c in (before, after):
        figures += [c["total"], c["under_25"], *c["by_age_band"].values(), *c["by_community"].values()]
    for everyone, under, bands in (page_before, page_after):
        figures += [everyone, under, *bands.values()]
    assert subtraction_leaks(figures) == []
    for c in (before, after):
        assert pinned(c["total"], list(c["by_age_band"].values())) == []
        assert pinned(c["under_25"], [c["by_age_band"]["under 18"], c["by_age_band"]["18-24"]]) == []
    # bands 2 -> "<5", 11 -> 10, 10 -> 10; total = 0 + 10 + 10 = 20, so total minus the bands shown is 0, not 2
    assert (before["total"], before["by_age_band"]["under 18"], before["by_age_band"]["25-34"]) == (20, "<5", 10)


def test_panel_big_numbers_stay(web: Web, ws: Workspace) -> None:
    panel_id = make_panel(ws, {"45-54": 100})
    composition = web().get(f"/api/v1/panels/{panel_id}").json()["composition"]
    assert composition["total"] == 100 and composition["by_age_band"]["45-54"] == 100


# ---- review results: 8 reviewed, none insufficient, 4 sufficient and 4 disputed --------------------------------

SHOWN_COUNTS = ("records", "reviewed", "insufficient", "disputed", "smell_only")


def review_page(b: Browser) -> dict[str, dict[str, int | str]]:
    page = b.get("/review/results").text
    rows = re.findall(r'<tr data-group="([^"]+)">(.*?)</tr>', page, re.S)
    return {group: {k: figure(v) for k, v in re.findall(r'data-count="([a-z_]+)">([^<]*)<', row)}
            for group, row in rows}


def reviewed_sample(ws: Workspace, make_user: MakeUser, sufficient: int, disputed: int, pending: int = 0) -> None:
    member, a, b = make_user(Role.panel_member), make_user(Role.reviewer), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        ids = [add_record(session, ethnicity="White - English").id for _ in range(sufficient + disputed + pending)]
        sample_of(session, member, ids)
    for i, record in enumerate(ids[: sufficient + disputed]):
        review(ws, a, record, rs=True)
        review(ws, b, record, rs=i < sufficient)  # both yes: sufficient; yes and no: disputed


def test_review_results_survive_subtraction_and_bounds(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    reviewed_sample(ws, make_user, sufficient=4, disputed=4)
    visitor = web()
    before = {g["group"]: g for g in visitor.get("/api/v1/review/results").json()["groups"]}
    page_before = review_page(visitor)
    assert page_before["White"] == {k: before["White"]["counts"][k] for k in SHOWN_COUNTS}
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:  # one more record in the sample, not yet reviewed
        sample_of(session, member, [add_record(session, ethnicity="Black - African").id], seed=2)
    after = {g["group"]: g for g in visitor.get("/api/v1/review/results").json()["groups"]}
    page_after = review_page(visitor)
    figures: list[Shown] = []
    for doc in (before, after):
        for row in doc.values():
            c = row["counts"]
            figures += list(c.values())
            assert pinned(c["reviewed"], [c["insufficient"], c["sufficient"], c["disputed"]]) == []
            assert pinned(c["records"], [c["insufficient"], c["sufficient"], c["disputed"], None]) == []
            assert pinned(c["smell_known"], [c["smell_only"], c["not_smell_only"]]) == []
            for name, rate in row["rates"].items():  # a rate shown is the quotient of published counts
                if rate is not None:
                    num, den = {"insufficient_share": ("insufficient", "reviewed"),
                                "disputed_share": ("disputed", "reviewed"),
                                "smell_only_share": ("smell_only", "smell_known")}.get(
                        name, ("finds" + name.removeprefix("find_rate"), "find_known" + name.removeprefix("find_rate")))
                    assert rate == pytest.approx(c[num] / c[den]), name
        for name in ("records", "reviewed", "sufficient", "disputed", "finds"):
            assert pinned(doc["All"]["counts"][name], [doc[g]["counts"][name] for g in ETHNIC]) == []
    for page in (page_before, page_after):
        figures += [x for row in page.values() for x in row.values()]
    assert subtraction_leaks(figures) == []
    white = before["White"]["counts"]
    # 4 and 4 each "<5" but counted 5 and 5 in the total: reviewed 10, so 10 - 0 - <5 - <5 pins nothing
    assert (white["reviewed"], white["insufficient"], white["sufficient"], white["disputed"]) == (10, 0, "<5", "<5")


def test_review_big_numbers_stay(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    reviewed_sample(ws, make_user, sufficient=0, disputed=0, pending=100)
    doc = {g["group"]: g for g in web().get("/api/v1/review/results").json()["groups"]}
    assert doc["White"]["counts"]["records"] == 100 and doc["All"]["counts"]["records"] == 100


# ---- strategy: a diversion completion share is worked out from rounded counts --------------------------------


def test_strategy_share_rests_on_rounded_counts(web: Web, ws: Workspace) -> None:
    # 8 started in January 2024, 6 completed: true 0.75; published 6 -> 5 of 8 -> 10 = 0.5, so the share
    # cannot be turned back into the true counts
    add_cases(ws, "White", 6, date(2024, 1, 10))
    with ws.session(accounts.COMMAND_LINE) as session:
        for i in range(2):
            cases.create_case(session, cases.parse_case({
                "person_id": f"P-open-{i}", "ethnic_group": "White", "age_band": "25-34", "borough": "Lambeth",
                "drug": "cannabis", "referral_source": "police stop", "referral_date": "2024-01-12",
                "eligible": "yes", "first_contact_date": "2024-01-13", "intervention": "education course",
                "completed": "no"}))
        priority = strategy.create_priority(session, "Diversion", "", "2024-01", "2024-01")
        strategy.add_indicator(session, priority.id, IndicatorMetric.diversion_completion, TargetDirection.at_least,
                               0.6)
        priority_id = priority.id
    doc = web().get(f"/api/v1/strategy/{priority_id}").json()
    point = doc["indicators"][0]["periods"][0]
    assert (point["value"], point["status"]) == (0.5, "not met")
