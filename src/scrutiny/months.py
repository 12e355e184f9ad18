"""Calendar months, the unit of every period in Scrutiny: parsed, labelled and ranged in one place.

A month is held as the `date` of its first day (as `stop_search.month` stores it) and written `YYYY-MM`.
"""

from __future__ import annotations

import re
from datetime import date

from scrutiny.errors import BadInput


def month_start(text: str) -> date:
    """The first day of a `YYYY-MM` month; a clear error for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise BadInput(f"bad month {text!r}: expected YYYY-MM, e.g. 2018-04")
    return date(int(match[1]), int(match[2]), 1)


def label(month: date) -> str:
    return month.strftime("%Y-%m")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (empty when `first` is after `last`)."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def quarter_label(month: date) -> str:
    return f"{month.year} Q{(month.month - 1) // 3 + 1}"


def ranges(months: list[str]) -> list[str]:
    """`YYYY-MM` months as runs: ["2016-07..2018-03", "2018-10"], for reading a long list of gaps."""
    out: list[list[str]] = []
    for text in months:
        if out and add_months(month_start(out[-1][-1]), 1) == month_start(text):
            out[-1].append(text)
        else:
            out.append([text])
    return [run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}" for run in out]


DEFAULT_PERIOD_MONTHS = 12  # the period a reader sees first: the latest year of data


def year_to(end: str, n: int = DEFAULT_PERIOD_MONTHS) -> tuple[str, str]:
    """The `n` calendar months ending at `end` (both YYYY-MM), e.g. 2018-10..2019-09 for 2019-09."""
    return label(add_months(month_start(end), 1 - n)), end


def default_period(first_loaded: str, last_loaded: str) -> tuple[str, str]:
    """What a reader sees first: the 12 calendar months ending at the latest loaded month, not starting before
    the first loaded one (so no figure is averaged over months before any data exists)."""
    start, end = year_to(last_loaded)
    return max(start, first_loaded), end
