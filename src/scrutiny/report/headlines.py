"""Headline sentences written from `metrics.headlines` figures: this period against the one before.

Formatting only: each sentence reads figures the metrics computed (counts, shares, the change test) and says
them in words, so a sentence can be checked against the metrics document line by line.
"""

from __future__ import annotations

from typing import Any

from scrutiny.vocab import numbers
from scrutiny.vocab.months import is_quarter
from scrutiny.vocab.months import period_name as period_words
from scrutiny.vocab.suppression import RATIO_SUPPRESSED_WORDS

SAME = 0.005  # a relative change under half a percent reads "about the same"


def _move(change: float | None) -> str:
    """"rose 12%", "fell 4%", "was about the same"."""
    if change is None:
        return "cannot be compared"
    if abs(change) < SAME:
        return "was about the same"
    return f"{'rose' if change > 0 else 'fell'} {numbers.whole_pct(abs(change))}"


def _ratio(row: dict[str, Any], plain: bool = False) -> str | None:
    """"3.12 times (95% interval 2.90–3.35)" (plainly "3.1 times"), or None when there is no ratio to state."""
    if row["suppressed"] or row["ratio_vs_white"] is None:
        return None
    if plain:
        return f"{row['ratio_vs_white']:.1f} times"
    band = numbers.interval(row["ci_low"], row["ci_high"], missing="")
    return f"{numbers.ratio(row['ratio_vs_white'])} times" + (f" (95% interval {band})" if band else "")


def _verdict(test: dict[str, Any] | None, plain: bool = False) -> str:
    if test is None or test["changed"] is None:
        return "too few searches to tell" if plain else "too few searches to say whether it changed"
    if not test["changed"]:
        return "no clear change" if plain else "a difference within what chance alone would give"
    rise = "rise" if test["ratio_of_ratios"] > 1 else "fall"
    if plain:
        return f"a real {rise}, more than chance would explain"
    return f"a {rise} larger than chance alone would give (95% interval of the change " \
           f"{numbers.interval(test['ci_low'], test['ci_high'])}×)"


def _black(side: dict[str, Any], who: str, before_words: str, plain: bool) -> str:
    black = side["black"]
    now = _ratio(black["now"], plain)
    if now is None:
        why = RATIO_SUPPRESSED_WORDS if black["now"]["suppressed"] else "no population figures to compare with"
        return f"{who}: no rate ratio of Black to White people ({why})."
    text = (f"{who}, Black people were searched {now} as often as White people" if plain
            else f"{who}, Black people were searched at {now} the rate of White people")
    before = black["before"]
    if before is None:
        return text + "."
    then = _ratio(before)
    if then is None:
        return text + f"; {before_words} there is no ratio to compare with."
    then = f"{before['ratio_vs_white']:.1f}" if plain else numbers.ratio(before["ratio_vs_white"])
    return text + f", against {then} {before_words}: {_verdict(black['change'], plain)}."


def sentences(headlines: dict[str, Any], scope: dict[str, Any], *, plain: bool = False) -> list[str]:
    """The headline sentences of a report, in reading order; `plain` (the brief): whole percentages, ratios to
    one decimal, and the change test in words without its interval."""
    pct = numbers.whole_pct if plain else numbers.pct
    period = period_words(scope["from"], scope["to"])
    prev = headlines["previous"]
    prev_words = period_words(prev["from"], prev["to"])
    quarter = is_quarter(scope["from"], scope["to"])
    on = " on the quarter" if quarter else ""
    before_words = "the quarter before" if quarter else f"in {prev_words}"
    every = headlines["all"]
    out: list[str] = []
    searches = every["searches"]
    if headlines["previous_missing"]:
        out.append(f"There were {numbers.count(searches['now'])} searches in {period}. No searches are loaded for "
                   f"{prev_words}, so nothing here is compared with the period before.")
    else:
        out.append(f"There were {numbers.count(searches['now'])} searches in {period}: the number "
                   f"{_move(searches['change'])}{on} ({numbers.count(searches['before'])} in {prev_words}).")
    for row in headlines["unlike"]:
        months = "month" if row["months_now"] == 1 else "months"
        out.append(f"Not like with like: {row['name']} published {row['months_now']} {months} of {period} and "
                   f"{row['months_before']} of {prev_words}.")
    drugs = every["drugs"]
    if scope.get("purpose") is None and scope.get("power") is None and drugs["now"] is not None:
        share = every["drugs_share"]
        since = "" if quarter else f" in {prev_words}"
        text = (f"Searches for drugs {_move(drugs['change'])}{on}, from {numbers.count(drugs['before'])}{since} to "
                f"{numbers.count(drugs['now'])}" if drugs["before"] is not None
                else f"There were {numbers.count(drugs['now'])} searches for drugs")
        then = f" ({pct(share['before'])} {before_words})" if share["before"] is not None else ""
        out.append(f"{text}: {pct(share['now'])} of all searches{then}.")
    find = every["find_rate"]
    text = f"{pct(find['now'])} of searches found something" + (
        "" if plain else " (an outcome other than no further action)")
    if find["before"] is not None:
        text += f", against {pct(find['before'])} {before_words}"
    drug_side = headlines.get("drug_searches")
    if drug_side is not None and scope.get("purpose") is None:
        dfind = drug_side["find_rate"]
        text += f"; of searches for drugs, {pct(dfind['now'])}"
        if dfind["before"] is not None:
            text += f" ({pct(dfind['before'])} {before_words})"
    out.append(text + ".")
    out.append(_black(every, "Across " + ("these searches" if scope.get("purpose") or scope.get("power")
                                         else "all searches"), before_words, plain))
    if drug_side is not None and scope.get("purpose") is None:
        out.append(_black(drug_side, "In searches for drugs", before_words, plain))
    return out
