"""An independent reference for `scrutiny metrics --format json`, in plain pandas over the RAW published files.

It never touches the warehouse or `scrutiny.metrics`: it reads the data.police.uk archive CSVs, the Census 2021
files and the geography files in ../shared/data directly, and follows the definitions in docs/metrics.md (the
figures and their JSON keys) and docs/lens-contract.md (the lens, several forces, person-months, trends)
word for word, so the two implementations can be compared figure by figure.

Only the force list (`src/scrutiny/catalog/forces.csv`: force id -> name, police force area code) is read from
the package, because it is reference data rather than logic. The object groups, powers and targets are written
out below on purpose (a test checks that their keys agree with the package's catalogue files).

What the warehouse holds is given to `compute` as the list of stop-and-search files that were ingested
(`stop_search_files`); the boundaries are the London boroughs of `geography/` (what `scrutiny ingest geography`
loads).

Readings of the contract where it leaves room (each is marked "Reading:" where it is applied):
- `--force all` and a list of two or more ids are "several forces" for targets, even if one force is used.
- `purpose_name`, `power_name` (outside the catalogue), breakdown purpose names and the wording of
  `targets_note` beyond the contract's own examples are free text: they are `Wording` values, and the comparison
  checks only that a non-empty string is there.
- `unknown_bounds` uses the rated person searches of unknown ethnicity (it belongs to `disproportionality`).
- Strip searches are "not published" (null) when no row of the scope (its forces, period and area) before the
  lens fills the column: in an area, a force that publishes it but has no search there does not make 0 of it.
- `coverage[].missing` lists every month of the period the force does not cover (not only the gaps between its
  first and last loaded month).
- A force's age-specific residents exist only when every one of its authorities is in the Census by single year
  of age, with Westminster standing for the City and Westminster together (as that table publishes them); the
  City of London alone has none. A scope's age-specific population is null when any unit has none.
- A scope with no population unit (BTP alone) has null populations (not 0), in `disproportionality` and `trend`.
- A trend window with no covered month has `searches`, rates and ratios null and `suppressed` false: there is no
  count to suppress (suppression says "a few searches, too few to publish", which would mislead here).
- `coverage[].residents` says whether the force polices a resident population at all (false for btp only), in an
  area scope too (not whether its residents enter this scope's population).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / ".." / "shared" / "data").resolve()
FORCES_CSV = REPO / "src" / "scrutiny" / "catalog" / "forces.csv"
ARCHIVE = "police_uk/archive"

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
AGE_SPECIFIC = {"10-17": range(10, 18), "18-24": range(18, 25), "25-34": range(25, 35), "over 34": range(35, 101)}
PERSON_TYPES = ("Person search", "Person and Vehicle search")
UNKNOWN = "unknown"
Z95 = 1.96

# Pseudo areas (lens contract, "Areas and data quality").
OUTSIDE = "outside"
NO_LOCATION = "no_location"
PSEUDO_AREA_NAMES = {OUTSIDE: "Outside the loaded boundaries", NO_LOCATION: "No location"}


class Wording(str):
    """Plain words whose exact wording the contract leaves open: compared only as 'a non-empty string'."""

    __slots__ = ()


# Object groups, docs/metrics.md (written out here on purpose, not read from the package's catalog).
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
LEGISLATION_GROUP = {SECTION_60: "weapons"}
OBJECT_GROUPS = ("drugs", "weapons", "key_crime", "other")
PURPOSE_NAMES = {"drugs": "drugs", "weapons": "weapons", "key_crime": "key crime", "other": "other purposes"}
TARGETS = (("weapons", ">=", 0.2), ("key_crime", ">=", 0.4), ("drugs", "<=", 0.4))
TARGETS_BY_FORCE = {"metropolitan": TARGETS}  # the lens contract: the Met's 2016 targets, for the Met only

# The lens contract, "--power": the published `Legislation` -> short key, and the keys' plain names (these names
# are the catalogue's, copied, since a power's name is reference data).
POWER_OF_LEGISLATION = {
    "Police and Criminal Evidence Act 1984 (section 1)": "s1",
    "Misuse of Drugs Act 1971 (section 23)": "s23",
    SECTION_60: "s60",
    "Firearms Act 1968 (section 47)": "s47",
    "Criminal Justice Act 1988 (section 139B)": "s139b",
    "Terrorism Act 2000 (section 43)": "s43",
    "Terrorism Act 2000 (section 43A)": "s43a",
    "Terrorism Act 2000 (section 47A)": "s47a",
    "Psychoactive Substances Act 2016 (s36(2))": "psa_s36",
    "Psychoactive Substances Act 2016 (s37(2))": "psa_s37",
    "Police and Criminal Evidence Act 1984 (section 6)": "pace_s6",
    "Aviation Security Act 1982 (section 27(1))": "asa_s27",
    "Customs and Excise Management Act 1979 (section 163)": "cemas_s163",
    "Crossbows Act 1987 (section 4)": "crossbows_s4",
    "Deer Act 1991 (section 12)": "deer_s12",
    "Poaching Prevention Act 1862 (section 2)": "poaching_s2",
    "Protection of Badgers Act 1992 (section 11)": "badgers_s11",
    "Wildlife and Countryside Act 1981 (section 19)": "wildlife_s19",
    "Conservation of Seals Act 1970 (section 4)": "seals_s4",
    "Hunting Act 2004 (section 8)": "hunting_s8",
    "Sporting Events Act 1985 (section 7)": "sporting_s7",
    "Public Stores Act 1875 (section 6)": "public_stores_s6",
    "Environmental Protection Act 1990 (section 34B )": "epa_s34b",
    "Environmental Protection Act 1990 (section 34B)": "epa_s34b",
}
NOT_RECORDED = "not_recorded"
OTHER_POWER = "other"
POWER_NAMES: dict[str, str] = {
    "s1": "PACE section 1: stolen or prohibited articles",
    "s23": "Misuse of Drugs Act section 23: controlled drugs",
    "s60": "Section 60: no suspicion needed in an authorised area",
    "s47": "Firearms Act section 47: firearms",
    "s139b": "Criminal Justice Act section 139B: blades on school premises",
    "s43": "Terrorism Act section 43: a suspected terrorist",
    "s43a": "Terrorism Act section 43A: vehicles of a suspected terrorist",
    "s47a": "Terrorism Act section 47A: no suspicion needed in an authorised area",
    "psa_s36": "Psychoactive Substances Act section 36: persons",
    "psa_s37": "Psychoactive Substances Act section 37: vehicles, vessels",
    "pace_s6": "PACE section 6: statutory undertakers",
    "asa_s27": "Aviation Security Act section 27: airports",
    "cemas_s163": "Customs and Excise Management Act section 163",
    "crossbows_s4": "Crossbows Act section 4",
    "deer_s12": "Deer Act section 12",
    "poaching_s2": "Poaching Prevention Act section 2",
    "badgers_s11": "Protection of Badgers Act section 11",
    "wildlife_s19": "Wildlife and Countryside Act section 19",
    "seals_s4": "Conservation of Seals Act section 4",
    "hunting_s8": "Hunting Act section 8",
    "sporting_s7": "Sporting Events (Control of Alcohol etc.) Act section 7",
    "public_stores_s6": "Public Stores Act section 6",
    "epa_s34b": "Environmental Protection Act section 34B: waste carriers",
}
# Reading: the contract names no plain name for these two keys.
POWER_WORDING = {NOT_RECORDED: "power not recorded", OTHER_POWER: "other powers"}
POWERS = (*POWER_NAMES, NOT_RECORDED, OTHER_POWER)

# Outcome classes, docs/metrics.md and docs/data-model.md (written out, as above).
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

STOP_SEARCH_FILE = re.compile(r"^(\d{4}-\d{2})-(.+)-stop-and-search\.csv$")


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
    """The legislation rule first (section 60 is weapons whatever its object), then the object, else other."""
    if legislation in LEGISLATION_GROUP:
        return LEGISLATION_GROUP[legislation]
    return OBJECT_GROUP.get(obj, "other")


def power_of(legislation: str) -> str:
    if legislation == "":
        return NOT_RECORDED
    return POWER_OF_LEGISLATION.get(legislation, OTHER_POWER)


def outcome_class(outcome: str) -> str:
    if outcome == "":
        return UNKNOWN
    return OUTCOME_CLASS.get(outcome, "other")


# ----------------------------------------------------------------------------------------------- months


def months_between(start: str, end: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


def quarter_of(month: str) -> str:
    year, number = month.split("-")
    return f"{year} Q{(int(number) - 1) // 3 + 1}"


def trend_windows(period: list[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """The contract's windows: every month; every calendar quarter meeting the period, clipped to it; every
    12 consecutive months inside the period, one per end month."""
    quarters: dict[str, list[str]] = {}
    for month in period:
        quarters.setdefault(quarter_of(month), []).append(month)
    rolling = [(f"12 months to {period[i]}", period[i - 11:i + 1]) for i in range(11, len(period))]
    return {"monthly": [(m, [m]) for m in period], "quarterly": list(quarters.items()), "rolling_12": rolling}


# ----------------------------------------------------------------------------------------------- raw searches


def stop_search_files(data: Path = DATA, *folders: str | Path) -> tuple[Path, ...]:
    """The stop-and-search files under the folders (relative to `data`, default the whole archive): what an
    `scrutiny ingest` of those folders loads."""
    found: set[Path] = set()
    for folder in folders or (ARCHIVE,):
        root = data / folder
        if root.is_file():
            found.add(root)
        else:
            found.update(p for p in root.rglob("*-stop-and-search.csv") if STOP_SEARCH_FILE.match(p.name))
    return tuple(sorted(found))


def file_month_force(path: Path) -> tuple[str, str]:
    match = STOP_SEARCH_FILE.match(path.name)
    if not match:
        raise ValueError(f"not an archive stop-and-search file name: {path}")
    return match[1], match[2]


def forces_in_files(files: Iterable[Path], start: str, end: str) -> list[str]:
    """The forces with a file for a month of the period (every published file has rows), sorted."""
    period = set(months_between(start, end))
    return sorted({force for month, force in map(file_month_force, files) if month in period})


def _raw_file(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


def _check_loadable(df: pd.DataFrame, month: str, path: Path) -> None:
    """The reference reports no rejected rows: make sure the loader's rules (README "Loading data") reject none."""
    when = pd.to_datetime(df["Date"], utc=True, errors="coerce", format="ISO8601")
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1)
    latitude = pd.to_numeric(df["Latitude"], errors="coerce")
    longitude = pd.to_numeric(df["Longitude"], errors="coerce")
    bad = (when.isna() | (when < start - pd.Timedelta(days=1)) | (when >= end + pd.Timedelta(days=1))
           | ((df["Latitude"] == "") != (df["Longitude"] == ""))
           | ((df["Latitude"] != "") & (latitude.isna() | (latitude.abs() > 90)))
           | ((df["Longitude"] != "") & (longitude.isna() | (longitude.abs() > 180))))
    if bad.any():
        raise AssertionError(f"{path}: {int(bad.sum())} row(s) the loader would reject; the reference assumes none")


@cache
def load_file(path: Path, data: Path = DATA) -> pd.DataFrame:
    """One archive file's rows with the derived columns (cached: do not modify the frame returned)."""
    month, force = file_month_force(path)
    raw = _raw_file(path)
    _check_loadable(raw, month, path)
    df = pd.DataFrame({"force": force, "month": month}, index=raw.index)
    df["person"] = raw["Type"].isin(PERSON_TYPES)
    df["self_group"] = raw["Self-defined ethnicity"].map(self_defined_group)
    df["officer_group"] = raw["Officer-defined ethnicity"].map(officer_defined_group)
    df["object_group"] = [
        object_group(obj, leg) for obj, leg in zip(raw["Object of search"], raw["Legislation"], strict=True)
    ]
    df["power"] = raw["Legislation"].map(power_of)
    df["outcome_class"] = raw["Outcome"].map(outcome_class)
    df["linked"] = raw["Outcome linked to object of search"]
    df["strip"] = raw["Removal of more than just outer clothing"]
    df["age"] = raw["Age range"].where(raw["Age range"].isin(AGE_RANGES), UNKNOWN)
    df["area_code"] = assign_areas(raw["Latitude"], raw["Longitude"], data)
    return df


def load_searches(files: Iterable[Path], data: Path = DATA) -> pd.DataFrame:
    frames = [load_file(path, data) for path in files]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=bool if column == "person" else object) for column in (
            "force", "month", "person", "self_group", "officer_group", "object_group", "power", "outcome_class",
            "linked", "strip", "age", "area_code")})
    return pd.concat(frames, ignore_index=True)


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


@cache
def _borough_tree(data: Path = DATA) -> Any:
    return shapely.STRtree(boroughs(data)[2])


def assign_areas(latitude: pd.Series, longitude: pd.Series, data: Path = DATA) -> np.ndarray:
    """The borough whose polygon covers the point (the lowest code on a border); `outside` for a point no borough
    covers; `no_location` without coordinates."""
    codes, _, _ = boroughs(data)
    located = ((latitude != "") & (longitude != "")).to_numpy()
    result = np.where(located, OUTSIDE, NO_LOCATION).astype(object)
    if not located.any():
        return result
    index = np.flatnonzero(located)
    points = shapely.points(longitude.to_numpy()[index].astype(float), latitude.to_numpy()[index].astype(float))
    point_i, geom_i = _borough_tree(data).query(points, predicate="intersects")
    best = pd.Series(geom_i).groupby(point_i).min()  # geoms are sorted by code: the smallest index is the lowest code
    result[index[best.index.to_numpy()]] = np.asarray(codes, dtype=object)[best.to_numpy()]
    return result


@cache
def forces_catalogue() -> dict[str, tuple[str, str]]:
    """Force id -> (name, police force area code or '')."""
    with FORCES_CSV.open(encoding="utf-8") as f:
        return {row["id"]: (row["name"], row["pfa_code"]) for row in csv.DictReader(f)}


@cache
def authority_forces(data: Path = DATA) -> dict[str, list[str]]:
    """Local authority code -> the force ids policing it, from the 2020 lookup (a force's PFA code)."""
    by_pfa = {pfa: force for force, (_, pfa) in forces_catalogue().items() if pfa}
    out: dict[str, set[str]] = {}
    with (data / "geography" / "local_authority_to_police_force_2020.csv").open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["LAD20CD"], set()).add(by_pfa[row["PFA20CD"]])
    return {code: sorted(forces) for code, forces in out.items()}


def force_name(force: str) -> str:
    return forces_catalogue().get(force, (force, ""))[0]


@cache
def force_local_authorities(force: str, data: Path = DATA) -> tuple[str, ...] | None:
    """The force's local authorities (LAD20 codes), or None for a force with no area (e.g. btp)."""
    code = forces_catalogue().get(force, ("", ""))[1]
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
def population_by_police_force_area(data: Path = DATA) -> dict[str, dict[str, int]]:
    """Police force area code -> five groups -> Census 2021 residents (the table by police force area)."""
    df = pd.read_csv(data / "census2021" / "ethnicity_5_groups_by_police_force_area_2011_2021.csv", dtype=str,
                     keep_default_na=False)
    df = df[df["Census Year"].str.strip() == "2021"]
    result: dict[str, dict[str, int]] = {}
    for code, heading, value in zip(df["Geocode"], df["Self-defined ethnicity"], df["Population"], strict=True):
        group = _group_of_heading(heading)
        assert group, heading
        result.setdefault(code.strip(), dict.fromkeys(GROUPS, 0))[group] += int(value.replace(",", ""))
    return result


@cache
def force_residents(force: str, data: Path = DATA) -> dict[str, int] | None:
    """The force's residents by group: the sum of its local authorities; where the lookup's authority codes are
    not all in the Census (Northamptonshire's changed in 2021), the Census table by police force area. None for a
    force that polices no resident population (btp)."""
    las = force_local_authorities(force, data)
    if not las:
        return None
    pop = population_all_ages(data)
    if all(la in pop for la in las):
        return {g: sum(pop[la][g] for la in las) for g in GROUPS}
    return population_by_police_force_area(data).get(forces_catalogue()[force][1])


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


def age_residents(las: tuple[str, ...] | None, data: Path = DATA) -> dict[tuple[str, str], int] | None:
    """(age range, group) -> residents of the authorities, or None. The Census by single year publishes the City
    with Westminster under E09000001: Westminster stands for both, and the City alone has no figure."""
    by_age = population_by_age(data)
    if not las or CITY_OF_LONDON in las:
        return None
    codes = tuple(CITY_OF_LONDON if la == WESTMINSTER else la for la in las)
    if any(la not in by_age for la in codes):
        return None
    return {key: sum(by_age[la][key] for la in codes) for key in by_age[codes[0]]}


# ----------------------------------------------------------------------------------------------- helpers

LONDON_REGION = "E12000007"  # ONS code of the London region: an area standing for the 33 London authorities


@dataclass(frozen=True)
class Scope:
    force: str | tuple[str, ...]  # one id, "all", "a,b" or a tuple of ids
    start: str
    end: str
    area: str | None = None
    ethnicity: str = "self"
    purpose: str | None = None
    power: str | None = None

    def forces_text(self) -> str:
        """The `--force` argument as a user would type it."""
        return self.force if isinstance(self.force, str) else ",".join(self.force)


def normalise_forces(force: str | tuple[str, ...]) -> tuple[str, list[str] | None]:
    """(echo, listed ids) — listed is None for `all`. Ids trimmed, de-duplicated and sorted."""
    text = force if isinstance(force, str) else ",".join(force)
    if text.strip() == "all":
        return "all", None
    listed = sorted({part.strip() for part in text.split(",") if part.strip()})
    return ",".join(listed), listed


def exact(value: Fraction | None) -> int | float | None:
    """The contract: a population is exact, an integer when whole, else a float."""
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def _div(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _rate(count: int | None, population: Fraction | int | None) -> float | None:
    if count is None or not population:
        return None
    return count / float(population) * 1000


def _find_rate(classes: pd.Series) -> float | None:
    known = classes != UNKNOWN
    return _div(int((known & (classes != "no_further_action")).sum()), int(known.sum()))


def _arrest_rate(classes: pd.Series) -> float | None:
    return _div(int((classes == "arrest").sum()), int((classes != UNKNOWN).sum()))


def _ratio(a: int, pg: Fraction | int | None, c: int, pw: Fraction | int | None) -> float | None:
    rate_g, rate_w = _rate(a, pg), _rate(c, pw)
    if rate_g is None or not rate_w:
        return None
    return rate_g / rate_w


def _ratio_with_interval(a: int | None, pg: Fraction | None, c: int | None, pw: Fraction | None,
                         white: bool = False) -> dict[str, Any]:
    """ratio_vs_white, the 95% interval and suppression, as `disproportionality` defines them."""
    if a is None or c is None:  # a trend window no unit covers: nothing counted, so nothing suppressed
        return {"ratio": None, "ci_low": None, "ci_high": None, "suppressed": False}
    suppressed = a < 10 or c < 10
    entry: dict[str, Any] = {"ratio": None, "ci_low": None, "ci_high": None, "suppressed": suppressed}
    if suppressed:
        return entry
    ratio = _ratio(a, pg, c, pw)
    if ratio is None:
        return entry
    entry["ratio"] = ratio
    if not white:
        half = Z95 * math.sqrt(1 / a + 1 / c)
        entry["ci_low"] = math.exp(math.log(ratio) - half)
        entry["ci_high"] = math.exp(math.log(ratio) + half)
    return entry


def _exact_interval(a: int, pg: Fraction | None, c: int, pw: Fraction | None) -> tuple[float, float]:
    """The exact conditional interval from scipy's exact binomial test of a out of a + c: the Clopper-Pearson
    limits of the group's share of the two groups' searches, turned into a ratio of rates by the residents."""
    from scipy.stats import binomtest

    assert pg and pw
    ci = binomtest(a, a + c).proportion_ci(confidence_level=0.95, method="exact")
    scale = float(pw) / float(pg)
    return ci.low / (1 - ci.low) * scale, ci.high / (1 - ci.high) * scale


@dataclass(frozen=True)
class Unit:
    """A population unit: residents by group, by (age range, group) (or None), and the months it covers."""
    residents: dict[str, int]
    age: dict[tuple[str, str], int] | None
    months: frozenset[str]


def weighted(units: list[Unit], window: list[str], value: Any) -> Fraction | None:
    """Σ over units of value(unit) × (months of the window the unit covers) / (months in the window); None when
    there is no unit or a unit has no value."""
    if not units:
        return None
    total = Fraction(0)
    for unit in units:
        v = value(unit)
        if v is None:
            return None
        total += Fraction(v * len(unit.months.intersection(window)), len(window))
    return total


# ----------------------------------------------------------------------------------------------- the document


def compute(scope: Scope, data: Path = DATA, files: Iterable[Path] | None = None) -> dict[str, Any]:
    """The metrics document of the scope, over the stop-and-search `files` (default: the whole archive)."""
    if scope.purpose is not None and scope.purpose not in OBJECT_GROUPS:
        raise ValueError(f"unknown purpose {scope.purpose!r}: known {', '.join(OBJECT_GROUPS)}")
    if scope.power is not None and scope.power not in POWERS:
        raise ValueError(f"unknown power {scope.power!r}: known {', '.join(POWERS)}")
    files = stop_search_files(data) if files is None else tuple(files)
    period = months_between(scope.start, scope.end)
    n_months = len(period)
    echo, listed = normalise_forces(scope.force)

    chosen = []
    for path in files:
        month, force = file_month_force(path)
        if month in period and (listed is None or force in listed):
            chosen.append(path)
    force_months = [file_month_force(p) for p in chosen]
    assert len(set(force_months)) == len(force_months), f"a force-month in two files: {sorted(force_months)}"
    base = load_searches(chosen, data)  # every search of the scope's forces in the period, before area and lens

    present = sorted(set(base["force"]))
    scope_forces = present if listed is None else listed
    used = [f for f in scope_forces if f in present]
    if not used:
        raise ValueError(f"no searches for {echo} from {scope.start} to {scope.end}")
    covered = {f: frozenset(base.loc[base["force"] == f, "month"]) for f in used}
    residents = {f: force_residents(f, data) for f in scope_forces}
    authorities = {f: force_local_authorities(f, data) or () for f in used}
    pop_all = population_all_ages(data)
    _, names, _ = boroughs(data)

    def policing_months(code: str) -> frozenset[str]:
        """The area-scope rule: months covered by any used force that polices the area, else by any used force."""
        policing = [f for f in used if code in authorities[f]] or used
        return frozenset().union(*(covered[f] for f in policing))

    # Population units and "rated" searches.
    if scope.area is None:
        scoped = base
        units = [Unit(r, age_residents(force_local_authorities(f, data), data), covered[f])
                 for f in used if (r := residents[f]) is not None]
        with_residents = [f for f in used if residents[f] is not None]
        rated_forces = with_residents or used
        rated_all = scoped["force"].isin(rated_forces)
    else:
        # Greater London (the region E12000007) stands for its 33 authorities: one unit each, each with its own
        # policing months; the Census by age counts the City with Westminster, so the City's ages are zero there.
        members = sorted(c for c in pop_all if c.startswith("E09")) if scope.area == LONDON_REGION else [scope.area]
        scoped = base[base["area_code"].isin(members)]
        units = []
        for code in members:
            if code not in pop_all:
                continue
            age = age_residents((code,), data)
            if code == CITY_OF_LONDON and WESTMINSTER in members:
                age = {key: 0 for key in age_residents((WESTMINSTER,), data) or {}}
            units.append(Unit(pop_all[code], age, policing_months(code)))
        rated_all = pd.Series(True, index=scoped.index)
    unit_months = frozenset().union(*(u.months for u in units)) if units else frozenset().union(*covered.values())

    lens = pd.Series(True, index=scoped.index)
    if scope.purpose is not None:
        lens &= scoped["object_group"] == scope.purpose
    if scope.power is not None:
        lens &= scoped["power"] == scope.power
    df = scoped[lens]
    rated_mask = rated_all[lens]
    n = len(df)
    person = df[df["person"]]
    n_person = len(person)
    group_col = "self_group" if scope.ethnicity == "self" else "officer_group"
    rated_person = df[df["person"] & rated_mask]

    def population(group: str, window: list[str] = period) -> Fraction | None:
        return weighted(units, window, lambda u: u.residents[group])

    def age_population(band: str, group: str) -> Fraction | None:
        return weighted(units, period, lambda u: None if u.age is None else u.age[(band, group)])

    purpose_name = Wording(PURPOSE_NAMES[scope.purpose]) if scope.purpose else None
    power_name = None
    if scope.power:
        power_name = POWER_NAMES[scope.power] if scope.power in POWER_NAMES else Wording(POWER_WORDING[scope.power])

    doc: dict[str, Any] = {
        "scope": {"force": echo, "area": scope.area,
                  "area_name": ("London" if scope.area == LONDON_REGION else names.get(scope.area)) if scope.area
                  else None,
                  "from": scope.start, "to": scope.end, "ethnicity": scope.ethnicity,
                  "forces": used, "purpose": scope.purpose, "power": scope.power,
                  "purpose_name": purpose_name, "power_name": power_name},
        "searches": n,
        "person_searches": n_person,
    }

    counts = df["object_group"].value_counts()
    doc["object_groups"] = {
        g: {"count": int(counts.get(g, 0)), "share": _div(int(counts.get(g, 0)), n)} for g in OBJECT_GROUPS
    }

    # Targets: a single force with targets on file, no lens. Reading: `all` and any list of two or more ids are
    # "several forces", even when only one of them is used.
    single = listed is not None and len(listed) == 1
    on_file = TARGETS_BY_FORCE.get(listed[0]) if single and listed else None
    lensed = scope.purpose is not None or scope.power is not None
    targets = []
    note: str | None = None
    if on_file and not lensed:
        for group, op, target in on_file:
            actual = doc["object_groups"][group]["share"]
            met = None if actual is None else (actual >= target if op == ">=" else actual <= target)
            targets.append({"group": group, "op": op, "target": target, "actual": actual, "met": met})
    elif not lensed:
        note = (f"No targets are on file for {force_name(used[0] if used else echo)}." if single else
                "Targets are set per force: none is judged for several forces together.")
    else:
        lens_name = " and ".join(str(x) for x in (purpose_name, power_name) if x)
        text = f"Targets are shares of all searches: they are not judged for searches for {lens_name} alone."
        # The contract's own example is exact only for a purpose alone on a force with targets.
        note = text if on_file and scope.power is None and scope.purpose == "drugs" else Wording(text)
    doc["targets"] = targets
    doc["targets_note"] = note

    classes = df["outcome_class"].value_counts()
    outcomes: dict[str, Any] = {
        c: {"count": int(classes.get(c, 0)), "share": _div(int(classes.get(c, 0)), n)} for c in OUTCOME_CLASSES
    }
    published = int((df["linked"] != "").sum())
    outcomes["find_rate"] = _find_rate(df["outcome_class"])
    outcomes["arrest_rate"] = _arrest_rate(df["outcome_class"])
    outcomes["linked_find_rate"] = _div(int((df["linked"] == "True").sum()), published)
    outcomes["linked_coverage"] = _div(published, n)
    doc["outcomes"] = outcomes

    ages = person["age"].value_counts()
    doc["age"] = {a: int(ages.get(a, 0)) for a in (*AGE_RANGES, UNKNOWN)}
    children = person["age"].isin(("under 10", "10-17"))
    doc["children"] = int(children.sum())
    # Reading: publication is a property of the forces' files, judged before the lens.
    strip_published = bool((scoped["strip"] != "").any())
    stripped = person["strip"] == "True"
    doc["strip_searches"] = int(stripped.sum()) if strip_published else None
    doc["child_strip_searches"] = int((stripped & children).sum()) if strip_published else None

    by_group = rated_person[group_col].value_counts()
    u = int(by_group.get(UNKNOWN, 0))
    c = int(by_group.get("White", 0))
    pw = population("White")
    disproportionality = []
    for group in GROUPS:
        a = int(by_group.get(group, 0))
        pg = population(group)
        r = _ratio_with_interval(a, pg, c, pw, white=group == "White")
        entry: dict[str, Any] = {"group": group, "searches": a, "population": exact(pg), "rate_per_1000": _rate(a, pg),
                                 "ratio_vs_white": r["ratio"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                 "exact_ci_low": None, "exact_ci_high": None,
                                 "suppressed": r["suppressed"], "unknown_bounds": None}
        if r["ratio"] is not None and group != "White":
            entry["exact_ci_low"], entry["exact_ci_high"] = _exact_interval(a, pg, c, pw)
        if r["ratio"] is not None and group != "White":
            entry["unknown_bounds"] = [_ratio(a, pg, c + u, pw), _ratio(a + u, pg, c, pw)]
        disproportionality.append(entry)
    doc["disproportionality"] = disproportionality

    age_group = rated_person.groupby(["age", group_col]).size()
    age_specific = []
    for band in AGE_SPECIFIC:
        c_band = int(age_group.get((band, "White"), 0))
        pw_band = age_population(band, "White")
        for group in GROUPS:
            a = int(age_group.get((band, group), 0))
            pg = age_population(band, group)
            suppressed = a < 10 or c_band < 10
            ratio = None if suppressed else _ratio(a, pg, c_band, pw_band)
            age_specific.append({"age_range": band, "group": group, "searches": a, "population": exact(pg),
                                 "rate_per_1000": _rate(a, pg), "ratio_vs_white": ratio, "suppressed": suppressed})
    doc["age_specific"] = age_specific

    doc["unknown_ethnicity_share"] = _div(int((person[group_col] == UNKNOWN).sum()), n_person)

    areas = []
    # Forces outside the scope with searches in its period and lens, by area (none for `all`).
    others = pd.DataFrame(columns=["area_code", "force"])
    if listed is not None:
        outside = [p for p in files if file_month_force(p)[0] in period and file_month_force(p)[1] not in listed]
        other = load_searches(outside, data)
        keep = pd.Series(True, index=other.index)
        if scope.purpose is not None:
            keep &= other["object_group"] == scope.purpose
        if scope.power is not None:
            keep &= other["power"] == scope.power
        others = other[keep]
    decided = all(force_local_authorities(f, data) for f in used)
    for code, rows in df.groupby("area_code", sort=False):
        code = str(code)
        policed_by = [] if code in PSEUDO_AREA_NAMES else authority_forces(data).get(code, [])
        neighbour = decided and bool(policed_by) and not set(policed_by) & set(used)
        counted = others[others["area_code"] == code]["force"].value_counts()
        entry = {"area_code": code, "area_name": PSEUDO_AREA_NAMES.get(code) or names[code], "searches": len(rows),
                 "drugs_share": _div(int((rows["object_group"] == "drugs").sum()), len(rows)),
                 "population": None, "rate_per_1000": None, "black_white_ratio": None,
                 "policed_by": policed_by, "neighbour": neighbour,
                 "other_forces": [] if code in PSEUDO_AREA_NAMES else [
                     {"force": f, "searches": int(n)} for f, n in sorted(counted.items(), key=lambda x: (-x[1], x[0]))]}
        if code not in PSEUDO_AREA_NAMES and code in pop_all:
            weight = Fraction(len(policing_months(code)), n_months)
            area_pop = sum(pop_all[code].values()) * weight
            entry["population"] = exact(area_pop)
            entry["rate_per_1000"] = None if neighbour else _rate(len(rows), area_pop)
            area_person = rows[rows["person"]][group_col].value_counts()
            black, white = int(area_person.get("Black", 0)), int(area_person.get("White", 0))
            if black >= 10 and white >= 10 and not neighbour:
                entry["black_white_ratio"] = _ratio(black, pop_all[code]["Black"] * weight,
                                                    white, pop_all[code]["White"] * weight)
        areas.append(entry)
    pseudo_order = {OUTSIDE: 1, NO_LOCATION: 2}
    areas.sort(key=lambda e: (pseudo_order.get(e["area_code"], 0), e["area_code"]))
    doc["areas"] = areas

    doc["data_quality"] = {"no_location": int((df["area_code"] == NO_LOCATION).sum()),
                           "outside_boundaries": int((df["area_code"] == OUTSIDE).sum()),
                           "no_age": int((person["age"] == UNKNOWN).sum()),
                           "rejected_rows": 0}  # _check_loadable: no row of the files read is rejected

    any_covered = frozenset().union(*covered.values())
    monthly: list[dict[str, Any]] = []
    for month in period:
        if month not in any_covered:
            monthly.append({"month": month, "searches": None, "drugs_share": None, "find_rate": None,
                            "covered": False, "forces": 0})
            continue
        rows = df[df["month"] == month]
        monthly.append({"month": month, "searches": len(rows),
                        "drugs_share": _div(int((rows["object_group"] == "drugs").sum()), len(rows)),
                        "find_rate": _find_rate(rows["outcome_class"]), "covered": True,
                        "forces": sum(month in months for months in covered.values())})
    doc["monthly"] = monthly

    pb, pwh = population("Black"), population("White")

    def breakdown_row(key: str, name: str, mask: pd.Series) -> dict[str, Any]:
        rows = df[mask]
        rated = rated_person[mask[rated_person.index]]
        black = int((rated[group_col] == "Black").sum())
        white = int((rated[group_col] == "White").sum())
        r = _ratio_with_interval(black, pb, white, pwh)
        return {"key": key, "name": name, "searches": len(rows), "share": _div(len(rows), n),
                "find_rate": _find_rate(rows["outcome_class"]), "arrest_rate": _arrest_rate(rows["outcome_class"]),
                "black_white": {"black": black, "white": white, **r}}

    power_counts = df["power"].value_counts()
    power_keys = sorted(power_counts.index, key=lambda k: (-int(power_counts[k]), str(k)))
    doc["breakdowns"] = {
        "purpose": [breakdown_row(g, Wording(PURPOSE_NAMES[g]), df["object_group"] == g) for g in OBJECT_GROUPS],
        "power": [breakdown_row(str(k), POWER_NAMES.get(str(k)) or Wording(POWER_WORDING[str(k)]), df["power"] == k)
                  for k in power_keys],
    }

    trend: dict[str, list[dict[str, Any]]] = {}
    for kind, windows in trend_windows(period).items():
        entries = []
        for label, window in windows:
            months_covered = len(unit_months.intersection(window))
            in_window = rated_person[rated_person["month"].isin(window)][group_col].value_counts()
            counts_w = {g: (int(in_window.get(g, 0)) if months_covered else None) for g in GROUPS}
            pw_window = population("White", window)
            groups = []
            for group in GROUPS:
                pg = population(group, window)
                r = _ratio_with_interval(counts_w[group], pg, counts_w["White"], pw_window, white=group == "White")
                groups.append({"group": group, "searches": counts_w[group], "population": exact(pg),
                               "rate_per_1000": _rate(counts_w[group], pg), "ratio_vs_white": r["ratio"],
                               "ci_low": r["ci_low"], "ci_high": r["ci_high"], "suppressed": r["suppressed"]})
            entries.append({"period": label, "from": window[0], "to": window[-1], "months": len(window),
                            "months_covered": months_covered, "groups": groups})
        trend[kind] = entries
    doc["trend"] = trend

    doc["coverage"] = [{"force": f, "name": force_name(f), "months_covered": len(covered.get(f, ())),
                        "months_in_period": n_months, "missing": [m for m in period if m not in covered.get(f, ())],
                        "residents": residents[f] is not None} for f in sorted(scope_forces)]

    outcomes_by_group = []
    for group in (*GROUPS, UNKNOWN):
        rows = person[person[group_col] == group]
        outcomes_by_group.append({"group": group, "searches": len(rows), "find_rate": _find_rate(rows["outcome_class"]),
                                  "arrest_rate": _arrest_rate(rows["outcome_class"])})
    doc["outcomes_by_group"] = outcomes_by_group
    return doc
