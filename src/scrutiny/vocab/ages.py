"""Age bands as data.police.uk publishes them (`Age range`), and which of them are children."""

from __future__ import annotations

AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
CHILD_AGES = ("under 10", "10-17")
UNKNOWN = "unknown"  # no age range recorded
AGE_RANGES_OR_UNKNOWN = (*AGE_RANGES, UNKNOWN)


def age_label(age_range: str) -> str:
    """A band as text for a reader: `10–17` (an en dash for a range)."""
    return age_range.replace("-", "–")
