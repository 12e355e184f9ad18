"""The words of the Home Office's police use of force statistics, and how each maps to Scrutiny's own.

One home for them: the source adapter (`sources/home_office_use_of_force.py`) stores a published column or row
under these keys, and the figures (`metrics/use_of_force.py`), pages and report read the same keys. The
releases name the same thing several ways over the years ("CED, of which", "CED of which", "CED"; "*Total
Tactics" and "Total Tactics"), so recognition folds case, spacing, asterisks and the words "of which".
"""

from __future__ import annotations

import re

NATIONAL = "england-and-wales"  # the `force` of a release's England and Wales total rows


def financial_year(first: int) -> str:
    """A financial year as the releases write it: 2019 (April 2019 to March 2020) is '2019/20'."""
    return f"{first}/{(first + 1) % 100:02d}"


def year_months(year: str) -> tuple[str, str]:
    """A financial year's first and last months (YYYY-MM): 2019/20 is 2019-04 to 2020-03."""
    first = int(year[:4])
    return f"{first}-04", f"{first + 1}-03"


def year_of_month(month: str) -> str:
    """The financial year a month (YYYY-MM) falls in: 2020-03 is in 2019/20."""
    year = int(month[:4])
    return financial_year(year if int(month[5:7]) >= 4 else year - 1)

# What a row of the canonical table counts (`use_of_force.figure`).
INCIDENTS = "incidents"  # incidents recorded by a force (Table 12), or involving a group (national tables)
TACTIC_USES = "tactic_uses"  # times a tactic was used, by breakdown
CED = "ced"  # incidents involving a CED (Taser), by the highest level of use (the CED table by force)
FIGURES = (INCIDENTS, TACTIC_USES, CED)

# How a row is broken down (`use_of_force.breakdown`), and the canonical group of each published column.
ALL = "all"
AGE = "age"
GENDER = "gender"
ETHNICITY = "ethnicity"
BREAKDOWNS = (ALL, AGE, GENDER, ETHNICITY)
UNKNOWN = "unknown"  # "Not reported", "Don't know"

# Perceived ethnicity as the releases head their columns. Chinese is its own column up to 2018/19 and part of
# Asian from 2019/20, as in the 2021 Census: it is counted with Asian so every year compares with the Census.
ETHNIC_COLUMNS = {
    "white": "White", "black (or black british)": "Black", "asian (or asian british)": "Asian",
    "chinese": "Asian", "mixed": "Mixed", "other": "Other", "don't know": UNKNOWN, "not reported": UNKNOWN,
}
AGE_COLUMNS = {
    "under 11 years": "under_11", "11 - 17 years": "11_17", "18 - 34 years": "18_34", "35 - 49 years": "35_49",
    "50 - 64 years": "50_64", "65 and over": "65_plus", "not reported": UNKNOWN,
}
AGE_BANDS = ("under_11", "11_17", "18_34", "35_49", "50_64", "65_plus", UNKNOWN)
AGE_LABELS = {"under_11": "Under 11", "11_17": "11–17", "18_34": "18–34", "35_49": "35–49", "50_64": "50–64",
              "65_plus": "65 and over", UNKNOWN: "Not reported"}
CHILD_BANDS = ("under_11", "11_17")  # under 18
GENDER_COLUMNS = {"male": "male", "female": "female", "other": "other", "not reported": UNKNOWN}

# The CED (Taser) table's columns: the highest level of use in an incident.
CED_COLUMNS = {
    "total": "total", "total non-discharge": "total_non_discharge", "drawn": "drawn", "aimed": "aimed",
    "red-dot": "red_dot", "arced": "arced", "total discharge": "total_discharge", "drive stun": "drive_stun",
    "fired": "fired", "angled drive stun": "angled_drive_stun", "not stated": "not_stated",
    "ced not stated": "not_stated",
}
CED_TYPES = ("drawn", "aimed", "red_dot", "arced", "drive_stun", "fired", "angled_drive_stun", "not_stated")
CED_LABELS = {"drawn": "Drawn", "aimed": "Aimed", "red_dot": "Red-dotted", "arced": "Arced",
              "drive_stun": "Drive-stun", "fired": "Fired", "angled_drive_stun": "Angled drive-stun",
              "not_stated": "Not stated", "total": "All incidents with a CED",
              "total_non_discharge": "Not discharged", "total_discharge": "Discharged"}

# Tactic rows: the canonical key of a published row label. A "Not stated" row takes its parent's name
# (`handcuffing_not_stated`), since the 2017/18 release writes a bare "Not stated" under each parent.
TOTAL_TACTICS = "total_tactics"  # every tactic, excluding not reported and tactical communication
TACTIC_CED = "ced"  # every incident with a CED in the breakdown tables (only those with full details)
TACTIC_TYPE_TOTALS = ("total_restraint", "total_unarmed_skills", "total_other_equipment",
                      "total_less_lethal_weapons", "total_firearms", "total_other")
_TACTIC_ALIASES = {
    "ced of which": TACTIC_CED, "ced": TACTIC_CED, "total tactics": TOTAL_TACTICS,
    "total number of incidents": "incidents", "total incidents per tactic": "incidents",
    "tactical communication (with other tactic)": "tactical_communication",
}
_FOOTNOTE = re.compile(r"(?<=[a-z])[0-9]+$")  # "CED1": a footnote number after the label


def fold(text: object) -> str:
    """A published label compared the way the releases vary it: case, spacing, line breaks, a leading `*`,
    a trailing comma and footnote digits folded away."""
    value = " ".join(str(text).replace("\n", " ").split()).strip().lstrip("*").strip().casefold()
    return value.rstrip(",").strip()


def tactic_key(label: str, parent: str | None = None) -> str:
    """The canonical key of a tactic row's label; `parent` is the key of the last "X, of which" row, which
    a bare "Not stated" belongs to."""
    folded = _FOOTNOTE.sub("", fold(label).replace(", of which", " of which"))
    if folded in _TACTIC_ALIASES:
        return _TACTIC_ALIASES[folded]
    if folded == "not stated" and parent:
        return f"{parent}_not_stated"
    folded = re.sub(r"^not stated (.+)$", r"\1 not stated", folded)  # 2018/19: "Not stated handcuffing"
    key = re.sub(r"[^a-z0-9]+", "_", folded.removesuffix(" of which")).strip("_")
    if parent == TACTIC_CED and not key.startswith("ced_"):
        key = f"ced_{key}"  # 2017/18 lists CED levels bare ("Drawn") under "CED, of which"
    return key
