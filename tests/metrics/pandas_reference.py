"""An independent reference for `scrutiny metrics --format json`, in plain pandas over the RAW published files.

It never touches the warehouse or `scrutiny.metrics`: it reads the data.police.uk archive CSVs, the Census 2021
files and the geography files in ../shared/data directly, and follows the definitions in DESIGN.md ("Metric
definitions") and the JSON contract word for word, so the two implementations can be compared figure by figure.

Only the force list (`src/scrutiny/catalog/forces.csv`: force id -> police force area code) is shared with the
package, because it is reference data rather than logic.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / ".." / "shared" / "data").resolve()
FORCES_CSV = REPO / "src" / "scrutiny" / "catalog" / "forces.csv"

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
AGE_SPECIFIC = {"10-17": range(10, 18), "18-24": range(18, 25), "25-34": range(25, 35), "over 34": range(35, 101)}
PERSON_TYPES = ("Person search", "Person and Vehicle search")
UNKNOWN = "unknown"
Z95 = 1.96

# DESIGN.md, "Object groups" (written out here on purpose, not read from the package's catalog).
OBJECT_GROUP = {
    "Controlled drugs": "drugs",
    "Psychoactive substances": "drugs",
    "Offensive weapons": "weapons",
    "Firearms": "weapons",
    "Anything to threaten or harm anyone": "weapons",
    "Stolen goods": "key_crime",
    "Article for use in theft": "key_crime",
    "Articles for use in criminal damage": "key_crime",
}
SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"
OBJECT_GROUPS = ("drugs", "weapons", "key_crime", "other")
TARGETS = (("weapons", ">=", 0.2), ("key_crime", ">=", 0.4), ("drugs", "<=", 0.4))

# DESIGN.md, "Outcome classes".
OUTCOME_CLASS = {
    "A no further action disposal": "no_further_action",
    "Nothing found - no further action": "no_further_action",
    "Arrest": "arrest",
    "Suspect arrested": "arrest",
    "Khat or Cannabis warning": "drugs_warning",
    "Offender given drugs possession warning": "drugs_warning",
    "Penalty Notice for Disorder": "penalty_notice",
    "Offender given penalty notice": "penalty_notice",
    "Community resolution": "community_resolution",
    "Local resolution": "community_resolution",
    "Caution (simple or conditional)": "caution",
    "Offender cautioned": "caution",
    "Summons / charged by post": "summons",
    "Suspect summonsed to court": "summons",
}
OUTCOME_CLASSES = (
    "no_further_action", "arrest", "drugs_warning", "penalty_notice", "community_resolution", "caution",
    "summons", "other", "unknown",
)

SELF_DEFINED_PREFIX = {
    "Asian/Asian British": "Asian",
    "Asian or Asian British": "Asian",
    "Black/African/Caribbean/Black British": "Black",
    "Black or Black British": "Black",
    "Mixed/Multiple ethnic groups": "Mixed",
    "Mixed": "Mixed",
    "White": "White",
    "Other ethnic group": "Other",
    "Chinese or other ethnic group": "Other",
}
OLD_CODE_GROUP = {"A": "Asian", "B": "Black", "M": "Mixed", "W": "White", "O": "Other"}
OLD_CODE = re.compile(r"\(([ABMWO])\d+\)\s*$")

CITY_OF_LONDON = "E09000001"
WESTMINSTER = "E09000033"


# ----------------------------------------------------------------------------------------------- row mappings


def self_defined_group(text: str) -> str:
    value = text.strip()
    if not value or "not stated" in value.lower():
        return UNKNOWN
    code = OLD_CODE.search(value)
    if code:
        return OLD_CODE_GROUP[code[1]]
    return SELF_DEFINED_PREFIX.get(value.split(" - ", 1)[0].strip(), UNKNOWN)


def officer_defined_group(text: str) -> str:
    value = text.strip()
    return value if value in GROUPS else UNKNOWN


def object_group(obj: str, legislation: str) -> str:
    if legislation == SECTION_60:
        return "weapons"
    return OBJECT_GROUP.get(obj, "other")


def outcome_class(outcome: str) -> str:
    if outcome == "":
        return UNKNOWN
    return OUTCOME_CLASS.get(outcome, "other")


# ----------------------------------------------------------------------------------------------- raw searches


def months_between(start: str, end: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


def _raw_file(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


@lru_cache(maxsize=8)
def load_searches(force: str, start: str, end: str, data: Path = DATA) -> pd.DataFrame:
    """Every row of the force's stop-and-search files for the months, with the derived columns (cached: do not
    modify the frame returned)."""
    frames = []
    for month in months_between(start, end):
        path = data / "police_uk" / "archive" / month / f"{month}-{force}-stop-and-search.csv"
        if path.exists():
            frames.append(_raw_file(path).assign(month=month))
    if not frames:
        raise FileNotFoundError(f"no stop-and-search files for {force} {start}..{end} under {data}")
    df = pd.concat(frames, ignore_index=True)
    df["person"] = df["Type"].isin(PERSON_TYPES)
    df["self_group"] = df["Self-defined ethnicity"].map(self_defined_group)
    df["officer_group"] = df["Officer-defined ethnicity"].map(officer_defined_group)
    df["object_group"] = [
        object_group(obj, leg) for obj, leg in zip(df["Object of search"], df["Legislation"], strict=True)
    ]
    df["outcome_class"] = df["Outcome"].map(outcome_class)
    df["age"] = df["Age range"].where(df["Age range"].isin(AGE_RANGES), UNKNOWN)
    area_code = assign_areas(df["Latitude"], df["Longitude"], data)
    df["area_code"] = area_code
    return df


# ----------------------------------------------------------------------------------------------- geography


@cache
def boroughs(data: Path = DATA) -> tuple[list[str], dict[str, str], list[Any]]:
    """Borough codes sorted ascending, code -> name, and the geometries in the same order."""
    with (data / "geography" / "london_boroughs.geojson").open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    features.sort(key=lambda feat: feat["properties"]["CODE"])
    codes = [feat["properties"]["CODE"] for feat in features]
    names = {feat["properties"]["CODE"]: feat["properties"]["NAME"] for feat in features}
    return codes, names, [shape(feat["geometry"]) for feat in features]


def assign_areas(latitude: pd.Series, longitude: pd.Series, data: Path = DATA) -> np.ndarray:
    """The borough whose polygon covers the point (the lowest code on a border); 'unknown' otherwise."""
    codes, _, geoms = boroughs(data)
    result = np.full(len(latitude), UNKNOWN, dtype=object)
    located = ((latitude != "") & (longitude != "")).to_numpy()
    if not located.any():
        return result
    index = np.flatnonzero(located)
    points = shapely.points(longitude.to_numpy()[index].astype(float), latitude.to_numpy()[index].astype(float))
    tree = shapely.STRtree(geoms)
    point_i, geom_i = tree.query(points, predicate="intersects")
    best = pd.Series(geom_i).groupby(point_i).min()  # geoms are sorted by code: the smallest index is the lowest code
    result[index[best.index.to_numpy()]] = np.asarray(codes, dtype=object)[best.to_numpy()]
    return result


@cache
def force_local_authorities(force: str, data: Path = DATA) -> tuple[str, ...] | None:
    """The force's local authorities (LAD20 codes), or None for a force with no area (e.g. btp)."""
    with FORCES_CSV.open(encoding="utf-8") as f:
        pfa = {row["id"]: row["pfa_code"] for row in csv.DictReader(f)}
    code = pfa.get(force, "")
    if not code:
        return None
    with (data / "geography" / "local_authority_to_police_force_2020.csv").open(encoding="utf-8-sig") as f:
        las = sorted({row["LAD20CD"] for row in csv.DictReader(f) if row["PFA20CD"] == code})
    if force == "metropolitan":
        las = [la for la in las if la != CITY_OF_LONDON]
    return tuple(las) or None


# ----------------------------------------------------------------------------------------------- Census


def _group_of_heading(heading: str) -> str | None:
    first = heading.split(":", 1)[0].strip()
    for group in GROUPS:
        if first.startswith(group):
            return group
    return None


@cache
def population_all_ages(data: Path = DATA) -> dict[str, dict[str, int]]:
    """Local authority -> five groups -> residents (all ages). TS022 for London, else the 19-group table."""
    census = data / "census2021"
    result: dict[str, dict[str, int]] = {}

    wide = pd.read_csv(census / "ethnicity_19_groups_by_local_authority.csv", sep=";", dtype=str,
                       keep_default_na=False, encoding="utf-8")
    number_columns = [c for c in wide.columns if c.strip().endswith("(number)")]
    assert len(number_columns) == 19, number_columns
    for _, row in wide.iterrows():
        totals = dict.fromkeys(GROUPS, 0)
        for column in number_columns:
            group = _group_of_heading(column)
            assert group, column
            text = row[column].strip()
            totals[group] += 0 if text in ("", "-") else int(text.replace(".", ""))
        result[row["Area code"].strip()] = totals

    long = pd.read_csv(census / "ts022_detailed_ethnicity_london_boroughs.csv", dtype=str, keep_default_na=False)
    long = long[long["Ethnic Group (detailed) (288 categories) Code"] != "-8"]
    london: dict[str, dict[str, int]] = {}
    for la, heading, value in zip(long["Lower tier local authorities Code"],
                                  long["Ethnic Group (detailed) (288 categories)"], long["Observation"], strict=True):
        group = _group_of_heading(heading)
        assert group, heading
        london.setdefault(la, dict.fromkeys(GROUPS, 0))[group] += int(value)
    result.update(london)  # prefer TS022 for the London authorities
    return result


@cache
def population_by_age(data: Path = DATA) -> dict[str, dict[tuple[str, str], int]]:
    """Geography code -> (age range, group) -> residents, summed over single years and both sexes ('c' = 0)."""
    df = pd.read_csv(data / "census2021" / "ethnicity_age_sex_by_local_authority.csv", dtype=str,
                     keep_default_na=False)
    age = df["Age"].str.replace(" or over", "", regex=False).astype(int)
    band = pd.Series(pd.NA, index=df.index, dtype=object)
    for name, years in AGE_SPECIFIC.items():
        band[age.isin(list(years))] = name
    value_columns = [c for c in df.columns if c not in ("Geography Code", "Geography Name", "Age")]
    values = df[value_columns].replace("c", "0").astype(int)
    grouped: dict[str, pd.Series] = {}
    for group in GROUPS:
        cols = [c for c in value_columns if _group_of_heading(c) == group]
        grouped[group] = values[cols].sum(axis=1)
    frame = pd.DataFrame(grouped).assign(code=df["Geography Code"], band=band).dropna(subset=["band"])
    sums = frame.groupby(["code", "band"])[list(GROUPS)].sum()
    result: dict[str, dict[tuple[str, str], int]] = {}
    for (code, name), row in sums.iterrows():
        for group in GROUPS:
            result.setdefault(code, {})[(name, group)] = int(row[group])
    return result


# ----------------------------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class Scope:
    force: str
    start: str
    end: str
    area: str | None = None
    ethnicity: str = "self"


def _div(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _rate(count: int, population: int | None) -> float | None:
    return count / population * 1000 if population else None


def _find_rate(classes: pd.Series) -> float | None:
    known = classes != UNKNOWN
    return _div(int((known & (classes != "no_further_action")).sum()), int(known.sum()))


def _arrest_rate(classes: pd.Series) -> float | None:
    return _div(int((classes == "arrest").sum()), int((classes != UNKNOWN).sum()))


def _ratio(a: int, pg: int | None, c: int, pw: int | None) -> float | None:
    rate_g, rate_w = _rate(a, pg), _rate(c, pw)
    if rate_g is None or not rate_w:
        return None
    return rate_g / rate_w


def compute(scope: Scope, data: Path = DATA) -> dict[str, Any]:
    df = load_searches(scope.force, scope.start, scope.end, data)
    _, names, _ = boroughs(data)
    if scope.area is not None:
        df = df[df["area_code"] == scope.area]
    n = len(df)
    person = df[df["person"]]
    n_person = len(person)
    group_col = "self_group" if scope.ethnicity == "self" else "officer_group"

    # Whose residents are the denominator.
    if scope.area is not None:
        las: tuple[str, ...] | None = (scope.area,)
    else:
        las = force_local_authorities(scope.force, data)
    pop_all = population_all_ages(data)

    def population(group: str, areas: tuple[str, ...] | None) -> int | None:
        if not areas or any(la not in pop_all for la in areas):
            return None
        return sum(pop_all[la][group] for la in areas)

    doc: dict[str, Any] = {
        "scope": {"force": scope.force, "area": scope.area,
                  "area_name": names.get(scope.area) if scope.area else None,
                  "from": scope.start, "to": scope.end, "ethnicity": scope.ethnicity},
        "searches": n,
        "person_searches": n_person,
    }

    counts = df["object_group"].value_counts()
    doc["object_groups"] = {
        g: {"count": int(counts.get(g, 0)), "share": _div(int(counts.get(g, 0)), n)} for g in OBJECT_GROUPS
    }
    targets = []
    for group, op, target in TARGETS:
        actual = doc["object_groups"][group]["share"]
        met = None if actual is None else (actual >= target if op == ">=" else actual <= target)
        targets.append({"group": group, "op": op, "target": target, "actual": actual, "met": met})
    doc["targets"] = targets

    classes = df["outcome_class"].value_counts()
    outcomes: dict[str, Any] = {
        c: {"count": int(classes.get(c, 0)), "share": _div(int(classes.get(c, 0)), n)} for c in OUTCOME_CLASSES
    }
    linked = df["Outcome linked to object of search"]
    published = int((linked != "").sum())
    outcomes["find_rate"] = _find_rate(df["outcome_class"])
    outcomes["arrest_rate"] = _arrest_rate(df["outcome_class"])
    outcomes["linked_find_rate"] = _div(int((linked == "True").sum()), published)
    outcomes["linked_coverage"] = _div(published, n)
    doc["outcomes"] = outcomes

    ages = person["age"].value_counts()
    doc["age"] = {a: int(ages.get(a, 0)) for a in (*AGE_RANGES, UNKNOWN)}
    children = person["age"].isin(("under 10", "10-17"))
    doc["children"] = int(children.sum())
    strip_published = bool((df["Removal of more than just outer clothing"] != "").any())
    stripped = person["Removal of more than just outer clothing"] == "True"
    doc["strip_searches"] = int(stripped.sum()) if strip_published else None
    doc["child_strip_searches"] = int((stripped & children).sum()) if strip_published else None

    by_group = person[group_col].value_counts()
    u = int(by_group.get(UNKNOWN, 0))
    c = int(by_group.get("White", 0))
    pw = population("White", las)
    disproportionality = []
    for group in GROUPS:
        a = int(by_group.get(group, 0))
        pg = population(group, las)
        suppressed = a < 10 or c < 10
        entry: dict[str, Any] = {"group": group, "searches": a, "population": pg, "rate_per_1000": _rate(a, pg),
                                 "ratio_vs_white": None, "ci_low": None, "ci_high": None,
                                 "suppressed": suppressed, "unknown_bounds": None}
        ratio = _ratio(a, pg, c, pw)
        if not suppressed and ratio is not None:
            entry["ratio_vs_white"] = ratio
            if group != "White":
                half = Z95 * math.sqrt(1 / a + 1 / c)
                entry["ci_low"] = math.exp(math.log(ratio) - half)
                entry["ci_high"] = math.exp(math.log(ratio) + half)
                entry["unknown_bounds"] = [_ratio(a, pg, c + u, pw), _ratio(a + u, pg, c, pw)]
        disproportionality.append(entry)
    doc["disproportionality"] = disproportionality

    # Age-specific rates: the Census by single year merges the City with Westminster under E09000001.
    by_age = population_by_age(data)
    if not las or CITY_OF_LONDON in las:
        age_las: tuple[str, ...] | None = None
    else:
        age_las = tuple(CITY_OF_LONDON if la == WESTMINSTER else la for la in las)
        if any(la not in by_age for la in age_las):
            age_las = None

    def age_population(band: str, group: str) -> int | None:
        return None if age_las is None else sum(by_age[la][(band, group)] for la in age_las)

    age_group = person.groupby(["age", group_col]).size()
    age_specific = []
    for band in AGE_SPECIFIC:
        c_band = int(age_group.get((band, "White"), 0))
        pw_band = age_population(band, "White")
        for group in GROUPS:
            a = int(age_group.get((band, group), 0))
            pg = age_population(band, group)
            suppressed = a < 10 or c_band < 10
            ratio = None if suppressed else _ratio(a, pg, c_band, pw_band)
            age_specific.append({"age_range": band, "group": group, "searches": a, "population": pg,
                                 "rate_per_1000": _rate(a, pg), "ratio_vs_white": ratio, "suppressed": suppressed})
    doc["age_specific"] = age_specific

    doc["unknown_ethnicity_share"] = _div(u, n_person)

    areas = []
    for code, rows in df.groupby("area_code", sort=False):
        code = str(code)
        area_person = rows[rows["person"]][group_col].value_counts()
        black, white = int(area_person.get("Black", 0)), int(area_person.get("White", 0))
        known = code != UNKNOWN and code in pop_all
        area_pop = sum(pop_all[code].values()) if known else None
        bw = None
        if known and black >= 10 and white >= 10:
            bw = _ratio(black, pop_all[code]["Black"], white, pop_all[code]["White"])
        areas.append({"area_code": code, "area_name": names[code] if code != UNKNOWN else UNKNOWN,
                      "searches": len(rows), "drugs_share": _div(int((rows["object_group"] == "drugs").sum()),
                                                                 len(rows)),
                      "population": area_pop, "rate_per_1000": _rate(len(rows), area_pop), "black_white_ratio": bw})
    areas.sort(key=lambda e: (e["area_code"] == UNKNOWN, e["area_code"]))
    doc["areas"] = areas

    doc["data_quality"] = {"no_location": int((df["Latitude"] == "").sum()),
                           "no_age": int((person["age"] == UNKNOWN).sum()), "rejected_rows": 0}

    monthly = []
    for month, rows in df.groupby("month", sort=True):
        monthly.append({"month": str(month), "searches": len(rows),
                        "drugs_share": _div(int((rows["object_group"] == "drugs").sum()), len(rows)),
                        "find_rate": _find_rate(rows["outcome_class"])})
    doc["monthly"] = monthly

    outcomes_by_group = []
    for group in (*GROUPS, UNKNOWN):
        rows = person[person[group_col] == group]
        outcomes_by_group.append({"group": group, "searches": len(rows), "find_rate": _find_rate(rows["outcome_class"]),
                                  "arrest_rate": _arrest_rate(rows["outcome_class"])})
    doc["outcomes_by_group"] = outcomes_by_group
    return doc
