"""Calendar months, the unit of every period in Scrutiny: parsed, checked, labelled and ranged in one place.

A month is held as the `date` of its first day (as `stop_search.month` stores it) and written `YYYY-MM`. Every
input that names a month (CLI options, query parameters, forms, file names) is checked by `month_start`, so a
bad month is always `BadMonth` with one message shape, and a period whose first month is after its last is
always `BackwardsPeriod`.
"""

from __future__ import annotations

import re
from datetime import date

from scrutiny.errors import BadInput

FIRST_YEAR, LAST_YEAR = 1000, 2999  # four-digit years: what any input may name (the API's query pattern too)
PATTERN = r"^[12][0-9]{3}-(0[1-9]|1[0-2])$"  # the same rule as a regular expression, for an HTTP query
EXAMPLE = "2018-04"
NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December")
SHORT_NAMES = tuple(name[:3] for name in NAMES)
_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: `\d` would take "２０２４"


class BadMonth(BadInput, ValueError):
    """Text that is not a `YYYY-MM` month (or names a year outside the limits a caller allows).

    Also a ValueError, so code that checks input by catching ValueError keeps working."""

    def __init__(self, text: object) -> None:
        self.text = text
        super().__init__(f"bad month {text!r}: expected YYYY-MM, e.g. {EXAMPLE}")


class BackwardsPeriod(BadInput, ValueError):
    """A period whose first month is after its last; the message names them as the user gave them."""

    def __init__(self, first: str, last: str, names: tuple[str, str] = ("--from", "--to")) -> None:
        self.first, self.last = first, last
        words = [f"{names[0]} {first}".strip(), "is after", f"{names[1]} {last}".strip()]
        super().__init__(" ".join(words))


def month_start(text: str, *, years: tuple[int, int] = (FIRST_YEAR, LAST_YEAR)) -> date:
    """The first day of a `YYYY-MM` month whose year is within `years` (both included); else BadMonth."""
    match = _SHAPE.fullmatch(text) if isinstance(text, str) else None
    if not match or not 1 <= int(match[2]) <= 12 or not years[0] <= int(match[1]) <= years[1]:
        raise BadMonth(text)
    return date(int(match[1]), int(match[2]), 1)


def check_month(text: str) -> str:
    """`text` itself once it is known to be a month (for code that keeps months as strings)."""
    month_start(text)
    return text


def check_period(first: str, last: str, names: tuple[str, str] = ("--from", "--to")) -> tuple[date, date]:
    """Both months checked and in order; `names` are what the user called them, for the message."""
    start, end = month_start(first), month_start(last)
    if start > end:
        raise BackwardsPeriod(first, last, names)
    return start, end


def label(month: date) -> str:
    return month.strftime("%Y-%m")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def shift(text: str, n: int) -> str:
    """The `YYYY-MM` month `n` months after `text` (before, for a negative `n`)."""
    return label(add_months(month_start(text), n))


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (empty when `first` is after `last`)."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_labels(first: str, last: str) -> list[str]:
    """Every `YYYY-MM` month from `first` to `last`, both included (empty when `first` is after `last`)."""
    return [label(m) for m in months_between(month_start(first), month_start(last))]


def month_range(first: str, last: str, names: tuple[str, str] = ("--from", "--to")) -> list[str]:
    """Every `YYYY-MM` month from `first` to `last`, both checked and in order (BackwardsPeriod if not)."""
    start, end = check_period(first, last, names)
    return [label(m) for m in months_between(start, end)]


def quarter_label(month: date) -> str:
    return f"{month.year} Q{(month.month - 1) // 3 + 1}"


def quarter_months(text: str) -> tuple[str, str]:
    """A calendar quarter written `2018Q3` (or `2018-Q3`, any case) as its first and last month, `2018-07` and
    `2018-09`; a clear error for anything else."""
    match = re.fullmatch(r"\s*(\d{4})-?[Qq]([1-4])\s*", text)
    if match is None:
        raise BadInput(f"bad quarter {text!r}: expected a year and a quarter, like 2018Q3")
    first = f"{match[1]}-{3 * int(match[2]) - 2:02d}"
    last = f"{match[1]}-{3 * int(match[2]):02d}"
    check_period(first, last, ("--quarter", "--quarter"))
    return first, last


def runs(months: list[date]) -> list[tuple[date, date]]:
    """Months (in any order) as runs of consecutive months, first and last of each."""
    out: list[tuple[date, date]] = []
    for month in sorted(months):
        if out and add_months(out[-1][1], 1) == month:
            out[-1] = (out[-1][0], month)
        else:
            out.append((month, month))
    return out


def ranges(months: list[str]) -> list[str]:
    """`YYYY-MM` months as runs (`runs`, so in calendar order): ["2016-07..2018-03", "2018-10"], for reading a long
    list of gaps."""
    return [label(first) if first == last else f"{label(first)}..{label(last)}"
            for first, last in runs([month_start(m) for m in months])]


def name(text: str, *, short: bool = False) -> str:
    """`2018-04` as `April 2018` (or `Apr 2018`)."""
    year, number = text.split("-")
    return f"{(SHORT_NAMES if short else NAMES)[int(number) - 1]} {year}"


def period_name(start: str, end: str) -> str:
    """"April to September 2018", "April 2018", "November 2019 to February 2020"."""
    if start == end:
        return name(start)
    if start[:4] == end[:4]:
        return f"{name(start).split()[0]} to {name(end)}"
    return f"{name(start)} to {name(end)}"


def is_quarter(start: str, end: str) -> bool:
    """A calendar quarter: the three months from January, April, July or October."""
    first, last = int(start[5:]), int(end[5:])
    return start[:4] == end[:4] and first % 3 == 1 and last == first + 2


def runs_in_words(months: list[str], joiner: str) -> str:
    """Months as runs of short names, e.g. `Mar 2020–Aug 2021, Oct 2021` with joiner "–" (web pages) or
    `Mar 2020 to Aug 2021, Oct 2021` with joiner " to " (the report)."""
    out = []
    for run in ranges(list(months)):
        first, _, last = run.partition("..")
        out.append(f"{name(first, short=True)}{joiner}{name(last, short=True)}" if last else name(first, short=True))
    return ", ".join(out)


DEFAULT_PERIOD_MONTHS = 12  # the period a reader sees first: the latest year of data


def year_to(end: str, n: int = DEFAULT_PERIOD_MONTHS) -> tuple[str, str]:
    """The `n` calendar months ending at `end` (both YYYY-MM), e.g. 2018-10..2019-09 for 2019-09."""
    return label(add_months(month_start(end), 1 - n)), end


def default_period(first_loaded: str, last_loaded: str) -> tuple[str, str]:
    """What a reader sees first: the 12 calendar months ending at the latest loaded month, not starting before
    the first loaded one (so no figure is averaged over months before any data exists)."""
    start, end = year_to(last_loaded)
    return max(start, first_loaded), end
