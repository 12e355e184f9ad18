"""The use-of-force document's figures in words, the same on the dashboard and in the report: a release, a
revision, a financial year, and the answer to "are the same groups over-represented in stop and search and in
use of force?". Wording only: every figure is the document's (`metrics.use_of_force`), formatted here with
`scrutiny.vocab.numbers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from scrutiny.catalog import force_name
from scrutiny.vocab.months import name as month_name
from scrutiny.vocab.numbers import ratio
from scrutiny.vocab.use_of_force import AGE_LABELS, CED_LABELS, NATIONAL, year_months

NATIONAL_NAME = "England and Wales"
FIGURE_WORDS = {"incidents": "incidents", "tactic_uses": "tactic uses", "ced": "incidents with a Taser"}
TACTIC_WORDS = {"total_tactics": "all tactics", "ced": "Taser", "incidents": ""}


def and_list(names: Sequence[str]) -> str:
    """"Black", "Black and Mixed", "Asian, Black and Mixed"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def year_words(year: str) -> str:
    """"April 2019 to March 2020"."""
    start, end = year_months(year)
    return f"{month_name(start)} to {month_name(end)}"


def day(iso: str | date | None) -> str:
    """A publication date, "17 December 2020" ("" when there is none)."""
    if iso is None or iso == "":
        return ""
    when = iso if isinstance(iso, date) else date.fromisoformat(str(iso)[:10])
    return f"{when.day} {when:%B %Y}"


def release_words(release: str) -> str:
    """A release's id as a reader knows it: `use_of_force/2019-20` is "the 2019/20 release"."""
    tail = release.rsplit("/", 1)[-1]
    return f"the {tail.replace('-', '/')} release" if len(tail) == 7 and tail[4] == "-" else f"release {release}"


def place_words(force: str) -> str:
    return NATIONAL_NAME if force in (NATIONAL, "all") else force_name(force)


def figure_words(row: Mapping[str, Any]) -> str:
    """What a revised cell counts: "incidents with a Taser, fired", "tactic uses (all tactics) on Black people"."""
    words = FIGURE_WORDS.get(row["figure"], str(row["figure"]).replace("_", " "))
    tactic = str(row.get("tactic") or "")
    if row["figure"] == "ced":
        if tactic and tactic != "total":
            words += f", {CED_LABELS.get(tactic, tactic.replace('_', ' ')).lower()}"
    elif row["figure"] == "tactic_uses" and tactic:
        what = TACTIC_WORDS.get(tactic, tactic.replace("_", " "))
        words += f" ({what})" if what else ""
    group = str(row.get("grp") or "all")
    if row.get("breakdown") == "ethnicity" and group != "all":
        words += f" on {'people of unknown ethnicity' if group == 'unknown' else group + ' people'}"
    elif row.get("breakdown") == "age" and group != "all":
        words += f", aged {AGE_LABELS.get(group, group)}" if group != "unknown" else ", age not reported"
    elif row.get("breakdown") == "gender" and group != "all":
        words += f", {group}"
    return words


def revision_sentences(revisions: Sequence[Mapping[str, Any]],
                       releases: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """One sentence for each year and release that revised it: "Figures for 2017/18 were revised in the 2019/20
    release (published 17 December 2020): 11 figures first published in the 2017/18 release."."""
    published = {r["release"]: r.get("published") for r in releases}
    groups: dict[tuple[str, str], list[str]] = {}
    for r in revisions:
        groups.setdefault((str(r["financial_year"]), str(r["later_release"])), []).append(str(r["earlier_release"]))
    out = []
    for (year, later), earlier in groups.items():
        when = day(published.get(later))
        first = and_list([release_words(e) for e in dict.fromkeys(earlier)])
        n = len(earlier)
        out.append(f"Figures for {year} were revised in {release_words(later)}"
                   f"{f' (published {when})' if when else ''}: {n} figure{'s' if n != 1 else ''} first published "
                   f"in {first} changed.")
    return out


def revision_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's revisions that touch a figure a page shows, for a table: any year of its own force (the
    Taser table runs over the years), and England and Wales's for the year itself (the national column beside
    it); each with its place in the document's `revisions` (`index`) and its year, place and figure in words."""
    own = NATIONAL if doc["force"] == "all" else doc["force"]
    return [{"index": i, "row": r, "year": r["financial_year"], "where": place_words(str(r["force"])),
             "what": figure_words(r), "earlier_release": release_words(str(r["earlier_release"])),
             "later_release": release_words(str(r["later_release"]))}
            for i, r in enumerate(doc.get("revisions") or [])
            if r["force"] == own or (r["force"] == NATIONAL and r["financial_year"] == doc["financial_year"])]


def over_both_sentences(block: Mapping[str, Any], who: str, year: str) -> list[str]:
    """The answer to "are the same groups over-represented in both?" from the document's `stop_search` block, in
    words: each group's `both_over` (the document's judgement: the whole 95% interval of both ratios to White
    above 1), and where only one is, which. `who`: "by Kent Police", "across England and Wales"."""
    rows = list(block.get("by_group") or [])
    both = [str(r["group"]) for r in rows if r.get("both_over") is True]
    out = []
    if both:
        out.append(f"Yes, for {and_list(both)} people: compared with White people, they were over-represented both in "
                   f"stop and search and in use of force {who} in {year}.")
    elif any(r.get("both_over") is False for r in rows):
        out.append(f"No: no group was over-represented, compared with White people, both in stop and search and in "
                   f"use of force {who} in {year}.")
    for r in rows:
        if r.get("both_over") is not False:
            continue
        stop, force = r.get("stop_over"), r.get("force_over")
        where = ("over-represented in stop and search only" if stop is True and force is False
                 else "over-represented in use of force only" if force is True and stop is False
                 else "over-represented in neither" if stop is False and force is False
                 else "not over-represented in both")
        out.append(f"{r['group']} people: {where} (stop and search {ratio(r['stop_ratio_vs_white'])} times the White "
                   f"rate, use of force {ratio(r['force_ratio_vs_white'])} times).")
    unknown = [str(r["group"]) for r in rows if r.get("both_over") is None]
    if unknown:
        out.append(f"For {and_list(unknown)} people it cannot be said: one of the two ratios, or its interval, is "
                   "not available (too few, or not published).")
    return out
