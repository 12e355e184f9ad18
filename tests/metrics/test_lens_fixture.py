"""The lens (--purpose / --power), several forces and trends on a fixture counted by hand (docs/lens-contract.md).

Kent (Maidstone) has searches in 2024-01, 02 and 03; Essex (Chelmsford) only in 2024-01; British Transport
Police (no residents) only in 2024-02. Every scope runs over 2024-01..2024-03 (N = 3), so Essex's residents
count 1/3. Residents per group (Asian, Black, Mixed, White, Other): Maidstone 300, 200, 100, 1000, 50 (1,650);
Chelmsford 600, 300, 100, 3000, 150 (4,150). Both boroughs are squares; a third point is outside both.

Readings of the contract chosen here (each also listed in the report handed to the lead):
- A fraction with nothing to divide by (a share, rate or find rate of zero searches) is null, never 0.0.
- A month a used force covers but with no search in the lens has `searches: 0`, its shares null.
- `strip_searches` stays an integer (0) under a lens with no search when the force publishes strip searches.
- `age`, `children`, `data_quality.no_age` count person searches (as the existing Kent fixture shows).
- Where several reasons keep targets unjudged (Kent has none on file AND a lens is set; several forces AND a
  lens), `targets_note` may give any of them.
- Plain names not in a catalogue (purpose names, `not_recorded`, `other`) are checked only as non-empty text;
  power names are `catalog/powers.csv`'s `name`.
- `coverage.missing` lists the months of the period the force does not cover.
- In an area scope `scope.forces` is still every force of `--force` with a search in the period.
- White's row: ratio 1.0 and `suppressed` false when it has 10 or more searches, else null and true; its
  interval and `unknown_bounds` are null. `unknown_bounds` counts rated searches of unknown ethnicity.
- `age_specific` is checked loosely (no Census age table is loaded): rated counts only, populations null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import binomtest
from typer.testing import CliRunner, Result

from tests.conftest import write_archive

S23, PACE = "Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)"
S60, S47 = "Criminal Justice and Public Order Act 1994 (section 60)", "Firearms Act 1968 (section 47)"
EXPLOSIVES = "Explosives Act 1875 (section 73)"  # not in powers.csv: power `other`
BLACK, ASIAN = "Black/African/Caribbean/Black British - African", "Asian/Asian British - Indian"
WHITE, NOT_STATED = "White - English/Welsh/Scottish/Northern Irish/British", "Other ethnic group - Not stated"
MIXED = "Mixed/Multiple ethnic groups - White and Black Caribbean"
MAID, CHEL, OUT, NOWHERE = "51.27,0.52", "51.73,0.47", "51.0,0.0", ","
P, PV, V = "Person search", "Person and Vehicle search", "Vehicle search"
NFA, ARREST = "A no further action disposal", "Arrest"


def rows(n: int, month: str, kind: str, where: str, age: str, eth: str, officer: str, law: str, obj: str,
         outcome: str, linked: str, strip: str) -> list[str]:
    line = (f"{kind},{month}-15T12:00:00+00:00,False,,{where},Male,{age},{eth},{officer},{law},{obj},{outcome},"
            f"{linked},{strip}")
    return [line] * n


REJECT = "Person search,not a date,False,,51.27,0.52,Male,18-24,,,,,,,"
FILES = {
    ("kent", "2024-01"): [  # 30 searches (+1 rejected)
        *rows(8, "2024-01", P, MAID, "18-24", BLACK, "Black", S23, "Controlled drugs", NFA, "False", "False"),  # a
        *rows(2, "2024-01", P, MAID, "10-17", BLACK, "Black", S23, "Controlled drugs", ARREST, "True", "True"),  # b
        *rows(1, "2024-01", P, MAID, "10-17", BLACK, "Black", PACE, "Psychoactive substances",  # c: drugs, s1
              "Khat or Cannabis warning", "True", "False"),
        *rows(5, "2024-01", P, MAID, "over 34", WHITE, "White", S23, "Controlled drugs", NFA, "False", "False"),  # d
        *rows(4, "2024-01", P, OUT, "over 34", WHITE, "White", PACE, "Stolen goods", NFA, "False", "False"),  # e
        *rows(2, "2024-01", P, MAID, "25-34", WHITE, "White", PACE, "Offensive weapons", ARREST, "True", "True"),  # f
        *rows(3, "2024-01", P, MAID, "18-24", BLACK, "Black", S60, "", NFA, "False", "False"),  # g: s60 = weapons
        *rows(2, "2024-01", PV, MAID, "25-34", ASIAN, "Asian", S47, "Firearms", "Community resolution", "False",
              "False"),  # h
        *rows(2, "2024-01", V, NOWHERE, "", "", "", "", "Controlled drugs", NFA, "", ""),  # i: not_recorded
        *rows(1, "2024-01", P, OUT, "", NOT_STATED, "Black", PACE, "Article for use in theft", "", "", "False"),  # j
        REJECT,
    ],
    ("kent", "2024-02"): [  # 9 searches (+1 rejected)
        *rows(5, "2024-02", P, MAID, "18-24", WHITE, "White", S23, "Controlled drugs", NFA, "False", "False"),  # A
        *rows(2, "2024-02", P, MAID, "10-17", MIXED, "Mixed", S60, "Offensive weapons", ARREST, "True", "False"),  # B
        *rows(2, "2024-02", P, NOWHERE, "18-24", BLACK, "Black", EXPLOSIVES, "Evidence of offences under the Act",
              "Suspect summonsed to court", "False", "False"),  # C: power other, group other
        REJECT,
    ],
    ("kent", "2024-03"): [  # 4 searches
        *rows(2, "2024-03", P, CHEL, "over 34", WHITE, "White", "", "Controlled drugs", "Penalty Notice for Disorder",
              "False", "False"),  # D: a Kent search in Chelmsford
        *rows(1, "2024-03", P, MAID, "under 10", BLACK, "Black", PACE, "Stolen goods", NFA, "False", "False"),  # E
        *rows(1, "2024-03", V, MAID, "", "", "", PACE, "Article for use in theft", "Article found - unclassified",
              "", ""),  # F: outcome class other
    ],
    ("essex", "2024-01"): [  # 17 searches (+1 rejected); Essex never publishes strip searches
        *rows(6, "2024-01", P, CHEL, "18-24", BLACK, "Black", S23, "Controlled drugs", NFA, "False", ""),  # ea
        *rows(6, "2024-01", P, CHEL, "25-34", WHITE, "White", S23, "Controlled drugs",
              "Offender given drugs possession warning", "True", ""),  # eb
        *rows(3, "2024-01", P, CHEL, "10-17", MIXED, "Mixed", PACE, "Stolen goods", "Suspect arrested", "True",
              ""),  # ec
        *rows(1, "2024-01", P, OUT, "18-24", NOT_STATED, "White", EXPLOSIVES, "", NFA, "False", ""),  # ed: other
        *rows(1, "2024-01", V, NOWHERE, "", "", "", S23, "Controlled drugs", NFA, "", ""),  # ee
        REJECT,
    ],
    ("btp", "2024-02"): [  # 3 searches (+1 rejected): counted, never rated outside an area scope
        *rows(2, "2024-02", P, MAID, "18-24", BLACK, "Black", S23, "Controlled drugs", NFA, "False", "False"),  # ta
        *rows(1, "2024-02", P, NOWHERE, "25-34", NOT_STATED, "", PACE, "Stolen goods", ARREST, "True", "False"),  # tb
        REJECT,
    ],
}

TS022 = ("Lower tier local authorities Code,Lower tier local authorities,"
         "Ethnic Group (detailed) (288 categories) Code,Ethnic Group (detailed) (288 categories),Observation\n")
CATEGORIES = [  # (code, label, Maidstone, Chelmsford)
    (9, "Asian, Asian British or Asian Welsh: Chinese", 100, 200),
    (12, "Asian, Asian British or Asian Welsh: Indian or British Indian", 200, 400),
    (40, "Black, Black British, Black Welsh of African background: Nigerian", 200, 300),
    (120, "Mixed or Multiple ethnic groups: White and Black Caribbean", 100, 100),
    (200, "White: English, Welsh, Scottish, Northern Irish or British", 1000, 3000),
    (250, "Other ethnic group: Arab", 50, 150),
]
LOOKUP = """\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM
1,E07000110,Maidstone,E22000001,Maidstone,E23000032,Kent
2,E07000070,Chelmsford,E22000002,Chelmsford,E23000028,Essex
"""


def square(lon: float, lat: float) -> list[list[float]]:
    return [[lon - 0.05, lat - 0.05], [lon + 0.05, lat - 0.05], [lon + 0.05, lat + 0.05], [lon - 0.05, lat + 0.05],
            [lon - 0.05, lat - 0.05]]


def write_reference(folder: Path) -> None:
    lines = [f'{code},{name},{n},"{label}",{counts[i]}'
             for i, (code, name) in enumerate((("E07000110", "Maidstone"), ("E07000070", "Chelmsford")))
             for n, label, *counts in CATEGORIES]
    (folder / "ts022.csv").write_text(TS022 + "\n".join(lines) + "\n")
    (folder / "lookup.csv").write_text(LOOKUP)
    features = [{"type": "Feature", "properties": {"CODE": code, "NAME": name},
                 "geometry": {"type": "Polygon", "coordinates": [square(lon, lat)]}}
                for code, name, lon, lat in (("E07000110", "Maidstone", 0.52, 51.27),
                                             ("E07000070", "Chelmsford", 0.47, 51.73))]
    (folder / "boroughs.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))


@pytest.fixture(scope="module")
def lens_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("lens")
    for (force, month), lines in FILES.items():
        write_archive(folder, month, force, lines)
    write_reference(folder)
    db = folder / "lens.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


# ------------------------------------------------------------------ expected values, from the contract's formulas

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
MAIDSTONE = {"Asian": 300, "Black": 200, "Mixed": 100, "White": 1000, "Other": 50}
CHELMSFORD = {"Asian": 600, "Black": 300, "Mixed": 100, "White": 3000, "Other": 150}
MONTHS = ("2024-01", "2024-02", "2024-03")
POWER_NAMES = {"s1": "PACE section 1: stolen or prohibited articles",
               "s23": "Misuse of Drugs Act section 23: controlled drugs",
               "s60": "Section 60: no suspicion needed in an authorised area",
               "s47": "Firearms Act section 47: firearms",
               "s139b": "Criminal Justice Act section 139B: blades on school premises"}
PSEUDO = {"outside": "Outside the loaded boundaries", "no_location": "No location"}
FORCE_NAMES = {"kent": "Kent Police", "essex": "Essex Police", "btp": "British Transport Police"}


def F(x: float | Fraction) -> Any:
    """A float from several operations (rates, ratios, intervals): equal to 12 significant digits."""
    return pytest.approx(float(x), rel=1e-12)


@dataclass(eq=False)
class Text:
    """Any non-empty string (containing `part`, case-insensitive): for plain names no catalogue fixes."""

    part: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other != "" and self.part.lower() in other.lower()


@dataclass(eq=False)
class Pop:
    """A person-month population: an int when whole, else a float (lens-contract "It is exact")."""

    value: Fraction

    def __eq__(self, other: object) -> bool:
        if self.value.denominator == 1:
            return type(other) is int and other == self.value
        return type(other) is float and other == F(float(self.value))


def pops(*units: tuple[dict[str, int], Fraction | int]) -> dict[str, Fraction]:
    """Σ residents(g) × weight over the population units."""
    return {g: sum((res[g] * Fraction(w) for res, w in units), Fraction(0)) for g in GROUPS}


KENT = pops((MAIDSTONE, 1))  # Kent covers 3/3 months
TWO = pops((MAIDSTONE, 1), (CHELMSFORD, Fraction(1, 3)))  # Essex covers 1/3: 500, 300, 133.33, 2000, 100
BOTH_FULL = pops((MAIDSTONE, 1), (CHELMSFORD, 1))  # a month both cover


def share(n: int, total: int) -> float | None:
    return n / total if total else None


def ratio_row(a: int, c: int, p: dict[str, Fraction], group: str) -> dict[str, Any]:
    """ratio vs White, 95% interval exp(ln r ± 1.96 √(1/a + 1/c)), suppressed when a or c < 10."""
    if group == "White":
        return {"ratio_vs_white": 1.0 if c >= 10 else None, "ci_low": None, "ci_high": None, "suppressed": c < 10}
    if a < 10 or c < 10:
        return {"ratio_vs_white": None, "ci_low": None, "ci_high": None, "suppressed": True}
    r = (a / p[group]) / (c / p["White"])
    spread = 1.96 * math.sqrt(1 / a + 1 / c)
    return {"ratio_vs_white": F(r), "ci_low": F(r * math.exp(-spread)), "ci_high": F(r * math.exp(spread)),
            "suppressed": False}


def exact_interval(a: int, pa: Fraction, c: int, pc: Fraction) -> tuple[float, float]:
    """Clopper-Pearson limits of a's share of a + c searches (scipy's exact binomial test), as ratios of rates."""
    ci = binomtest(a, a + c).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low / (1 - ci.low) * float(pc / pa), ci.high / (1 - ci.high) * float(pc / pa)


def dispro(p: dict[str, Fraction], counts: dict[str, int], unknown: int = 0) -> list[dict[str, Any]]:
    out = []
    c = counts.get("White", 0)
    for g in GROUPS:
        a = counts.get(g, 0)
        row = {"group": g, "searches": a, "population": Pop(p[g]), "rate_per_1000": F(a / p[g] * 1000),
               **ratio_row(a, c, p, g), "exact_ci_low": None, "exact_ci_high": None, "unknown_bounds": None}
        if row["ratio_vs_white"] is not None and g != "White":  # unknown all White (low) / all g (high)
            low, high = exact_interval(a, p[g], c, p["White"])
            # two root-findings of the same beta quantile agree to about 1e-11, not F's 12 digits
            row["exact_ci_low"], row["exact_ci_high"] = pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9)
            row["unknown_bounds"] = [F((a / p[g]) / ((c + unknown) / p["White"])),
                                     F(((a + unknown) / p[g]) / (c / p["White"]))]
        out.append(row)
    return out


def bw(black: int, white: int, p: dict[str, Fraction]) -> dict[str, Any]:
    r = ratio_row(black, white, p, "Black")
    return {"black": black, "white": white, "ratio": r["ratio_vs_white"], "ci_low": r["ci_low"],
            "ci_high": r["ci_high"], "suppressed": r["suppressed"]}


def window(period: str, frm: str, to: str, months: int, covered: int, p: dict[str, Fraction],
           counts: dict[str, int]) -> dict[str, Any]:
    c = counts.get("White", 0)
    groups = [{"group": g, "searches": counts.get(g, 0), "population": Pop(p[g]),
               "rate_per_1000": F(counts.get(g, 0) / p[g] * 1000),
               **ratio_row(counts.get(g, 0), c, p, g)} for g in GROUPS]
    return {"period": period, "from": frm, "to": to, "months": months, "months_covered": covered, "groups": groups}


def trend(jan: dict[str, int], feb: dict[str, int], mar: dict[str, int], jan_pop: dict[str, Fraction] = KENT,
          whole: dict[str, Fraction] = KENT) -> dict[str, Any]:
    """Monthly windows (Feb and Mar: Maidstone's residents only), one quarter (= the period), no rolling_12."""
    total = {g: jan.get(g, 0) + feb.get(g, 0) + mar.get(g, 0) for g in GROUPS}
    return {"monthly": [window("2024-01", "2024-01", "2024-01", 1, 1, jan_pop, jan),
                        window("2024-02", "2024-02", "2024-02", 1, 1, KENT, feb),
                        window("2024-03", "2024-03", "2024-03", 1, 1, KENT, mar)],
            "quarterly": [window("2024 Q1", "2024-01", "2024-03", 3, 3, whole, total)],
            "rolling_12": []}


def object_groups(total: int, drugs: int = 0, weapons: int = 0, key_crime: int = 0, other: int = 0) -> dict[str, Any]:
    counts = {"drugs": drugs, "weapons": weapons, "key_crime": key_crime, "other": other}
    assert sum(counts.values()) == total
    return {k: {"count": n, "share": share(n, total)} for k, n in counts.items()}


CLASSES = ("no_further_action", "arrest", "drugs_warning", "penalty_notice", "community_resolution", "caution",
           "summons", "other", "unknown")


def outcomes(total: int, linked: tuple[int, int], **counts: int) -> dict[str, Any]:
    """linked = (rows with outcome_linked true, rows where it is published)."""
    assert sum(counts.values()) == total
    out: dict[str, Any] = {c: {"count": counts.get(c, 0), "share": share(counts.get(c, 0), total)} for c in CLASSES}
    known = total - counts.get("unknown", 0)
    out |= {"find_rate": share(known - counts.get("no_further_action", 0), known),
            "arrest_rate": share(counts.get("arrest", 0), known),
            "linked_find_rate": share(*linked), "linked_coverage": share(linked[1], total)}
    return out


def age(u10: int = 0, a10: int = 0, a18: int = 0, a25: int = 0, o34: int = 0, unknown: int = 0) -> dict[str, int]:
    return {"under 10": u10, "10-17": a10, "18-24": a18, "25-34": a25, "over 34": o34, "unknown": unknown}


POLICED_BY = {"E07000110": ["kent"], "E07000070": ["essex"]}  # the fixture's lookup


def area(code: str, name: str, searches: int, drugs: int, residents: dict[str, int] | None = None,
         weight: Fraction | int = 1, black: int = 0, white: int = 0, *, neighbour: bool = False,
         others: dict[str, int] | None = None) -> dict[str, Any]:
    """An area row; a `neighbour` (no used force polices it) has no rate or ratio; `others`: force -> searches of
    forces outside the scope placed there (same months and lens)."""
    row = {"area_code": code, "area_name": name, "searches": searches, "drugs_share": drugs / searches}
    row |= {"policed_by": POLICED_BY.get(code, []), "neighbour": neighbour,
            "other_forces": [{"force": f, "searches": n} for f, n in (others or {}).items()]}
    if residents is None:
        return row | {"population": None, "rate_per_1000": None, "black_white_ratio": None}
    p = {g: residents[g] * Fraction(weight) for g in GROUPS}  # the area's residents x its weight
    total = sum(p.values(), Fraction(0))
    if neighbour:
        return row | {"population": Pop(total), "rate_per_1000": None, "black_white_ratio": None}
    return row | {"population": Pop(total), "rate_per_1000": F(searches / total * 1000),
                  "black_white_ratio": bw(black, white, p)["ratio"]}


def pseudo(code: str, searches: int, drugs: int) -> dict[str, Any]:  # null population, rate and ratio
    return area(code, PSEUDO[code], searches, drugs)


def month(m: str, searches: int, drugs: int, known: int, finds: int, forces: int = 1) -> dict[str, Any]:
    """A covered month; `forces`: how many of the scope's forces have data that month."""
    return {"month": m, "searches": searches, "drugs_share": share(drugs, searches), "find_rate": share(finds, known),
            "covered": True, "forces": forces}


def by_group(*rows_: tuple[int, int, int, int]) -> list[dict[str, Any]]:
    """Per Asian, Black, Mixed, White, Other, unknown: (searches, known outcomes, finds, arrests)."""
    return [{"group": g, "searches": n, "find_rate": share(f, k), "arrest_rate": share(a, k)}
            for g, (n, k, f, a) in zip((*GROUPS, "unknown"), rows_, strict=True)]


def bd(key: str, name: object, total: int, p: dict[str, Fraction], searches: int = 0, known: int = 0,
       finds: int = 0, arrests: int = 0, black: int = 0, white: int = 0) -> dict[str, Any]:
    return {"key": key, "name": name, "searches": searches, "share": share(searches, total),
            "find_rate": share(finds, known), "arrest_rate": share(arrests, known), "black_white": bw(black, white, p)}


def breakdowns(total: int, p: dict[str, Fraction], purpose: dict[str, tuple[int, ...]],
               *power: tuple[Any, ...]) -> dict[str, Any]:
    """purpose[group] / power rows = (searches, known outcomes, finds, arrests, rated Black, rated White)."""
    return {"purpose": [bd(k, Text(), total, p, *purpose.get(k, ())) for k in ("drugs", "weapons", "key_crime",
                                                                                  "other")],
            "power": [bd(k, POWER_NAMES.get(k, Text()), total, p, *counts) for k, *counts in power]}


def coverage(*forces: str) -> list[dict[str, Any]]:
    covered = {"kent": MONTHS, "essex": ("2024-01",), "btp": ("2024-02",)}
    return [{"force": f, "name": FORCE_NAMES[f], "months_covered": len(covered[f]), "months_in_period": 3,
             "missing": [m for m in MONTHS if m not in covered[f]], "residents": f != "btp"} for f in forces]


def scope(force: str, forces: list[str], purpose: str | None = None, power: str | None = None,
          area_code: str | None = None, area_name: str | None = None) -> dict[str, Any]:
    return {"force": force, "area": area_code, "area_name": area_name, "from": "2024-01", "to": "2024-03",
            "ethnicity": "self", "forces": forces, "purpose": purpose, "power": power,
            "purpose_name": Text(purpose) if purpose else None, "power_name": POWER_NAMES.get(power or "")}


NO_TARGETS = "No targets are on file for Kent Police."
PER_FORCE = "Targets are set per force: none is judged for several forces together."
LENS_NOTE = "Targets are shares of all searches: they are not judged for"


def metrics(cli: Callable[..., object], db: Path, force: str, *extra: str) -> dict[str, Any]:
    result = cli("metrics", "--force", force, "--from", "2024-01", "--to", "2024-03", "--db", db, *extra)
    assert isinstance(result, Result)
    doc: dict[str, Any] = json.loads(result.output)
    return doc


def check(doc: dict[str, Any], expected: dict[str, Any], targets_notes: tuple[str, ...]) -> None:
    """Every key of `expected` exactly; targets unjudged with one of the allowed notes; plain-word notes."""
    for key, value in expected.items():
        assert doc[key] == value, key
    assert doc["targets"] == []
    note = doc["targets_note"]
    assert note in targets_notes or (LENS_NOTE in targets_notes and note.startswith(LENS_NOTE)), note
    assert all(isinstance(n, str) for n in doc["notes"] + doc["notes_detail"])
    assert not [n for n in doc["notes"] if re.search(r"\b[EWKNS]\d{8}\b", n)], "ONS codes belong in notes_detail"


def age_specific_counts(doc: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Loose: 4 age bands x 5 groups, no Census age table so no population; the non-zero rated counts."""
    rows_ = doc["age_specific"]
    assert [(r["age_range"], r["group"]) for r in rows_] == [
        (a, g) for a in ("10-17", "18-24", "25-34", "over 34") for g in GROUPS]
    assert all(r["population"] is None for r in rows_)
    return {(r["age_range"], r["group"]): r["searches"] for r in rows_ if r["searches"]}


# ------------------------------------------------------------------ the scopes, counted by hand from FILES
# Letters name the blocks of FILES: kent a-j (Jan), A-C (Feb), D-F (Mar); essex ea-ee; btp ta-tb.
Z = (0, 0, 0, 0)
DQ = ("no_location", "outside_boundaries", "no_age", "rejected_rows")
# D: Kent's searches in Essex's Chelmsford, a neighbour (its residents count 3/3 but give no rate); Essex's
# ea eb ec (15, 12 of them for drugs) are there too.
CHEL_KENT = area("E07000070", "Chelmsford", 2, 2, CHELMSFORD, 1, 0, 2, neighbour=True, others={"essex": 15})
CHEL_KENT_DRUGS = area("E07000070", "Chelmsford", 2, 2, CHELMSFORD, 1, 0, 2, neighbour=True, others={"essex": 12})
BTP_IN_MAIDSTONE = {"btp": 2}  # ta: drugs, under s23
THIRD = Fraction(1, 3)  # Chelmsford in a scope using Essex: Essex covers 1 of 3 months
SCOPES: dict[str, tuple[tuple[str, ...], dict[str, Any], tuple[str, ...]]] = {
    "kent": (("kent",), {
        "scope": scope("kent", ["kent"]),
        "searches": 43, "person_searches": 40,  # 30 + 9 + 4; less vehicle-only i (2) and F (1)
        "object_groups": object_groups(43, drugs=25, weapons=9, key_crime=7, other=2),  # abcdi A D | fgh B | ej EF | C
        "outcomes": outcomes(43, (7, 39), no_further_action=28, arrest=6, drugs_warning=1, penalty_notice=2,
                             community_resolution=2, summons=2, other=1, unknown=1),  # linked: bcf B; all but i j F
        "age": age(1, 5, 18, 4, 11, 1), "children": 6, "strip_searches": 4, "child_strip_searches": 2,  # b f
        "disproportionality": dispro(KENT, {"Asian": 2, "Black": 17, "Mixed": 2, "White": 18}, unknown=1),
        "unknown_ethnicity_share": 1 / 40,
        "areas": [CHEL_KENT, area("E07000110", "Maidstone", 32, 21, MAIDSTONE, 1, 15, 12, others=BTP_IN_MAIDSTONE),
                  pseudo("outside", 5, 0), pseudo("no_location", 4, 2)],  # e j | i C
        "data_quality": dict(zip(DQ, (4, 5, 1, 2), strict=True)),
        "monthly": [month("2024-01", 30, 18, 29, 7), month("2024-02", 9, 5, 9, 4), month("2024-03", 4, 2, 4, 3)],
        "outcomes_by_group": by_group((2, 2, 2, 0), (17, 17, 5, 2), (2, 2, 2, 2), (18, 18, 4, 2), Z, (1, 0, 0, 0)),
        "breakdowns": breakdowns(43, KENT, {"drugs": (25, 25, 5, 2, 11, 12), "weapons": (9, 9, 6, 4, 3, 2),
                                            "key_crime": (7, 6, 1, 0, 1, 4), "other": (2, 2, 2, 0, 2, 0)},
                                 ("s23", 20, 20, 2, 2, 10, 10), ("s1", 10, 9, 4, 2, 2, 6), ("s60", 5, 5, 2, 2, 3, 0),
                                 ("not_recorded", 4, 4, 2, 0, 0, 2), ("other", 2, 2, 2, 0, 2, 0),  # tie: by key
                                 ("s47", 2, 2, 2, 0, 0, 0)),
        "trend": trend({"Asian": 2, "Black": 14, "White": 11}, {"Black": 2, "Mixed": 2, "White": 5},
                       {"Black": 1, "White": 2}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS,)),
    "kent drugs": (("kent", "--purpose", "drugs"), {  # a b c d i A D
        "scope": scope("kent", ["kent"], purpose="drugs"),
        "searches": 25, "person_searches": 23,
        "object_groups": object_groups(25, drugs=25),
        "outcomes": outcomes(25, (3, 23), no_further_action=20, arrest=2, drugs_warning=1, penalty_notice=2),
        "age": age(0, 3, 13, 0, 7, 0), "children": 3, "strip_searches": 2, "child_strip_searches": 2,
        "disproportionality": dispro(KENT, {"Black": 11, "White": 12}),  # abc | d A D: 55/12
        "unknown_ethnicity_share": 0.0,
        "areas": [CHEL_KENT_DRUGS,
                  area("E07000110", "Maidstone", 21, 21, MAIDSTONE, 1, 11, 10, others=BTP_IN_MAIDSTONE),
                  pseudo("no_location", 2, 2)],
        "data_quality": dict(zip(DQ, (2, 0, 0, 2), strict=True)),
        "monthly": [month("2024-01", 18, 18, 18, 3), month("2024-02", 5, 5, 5, 0), month("2024-03", 2, 2, 2, 2)],
        "outcomes_by_group": by_group(Z, (11, 11, 3, 2), Z, (12, 12, 2, 0), Z, Z),
        "breakdowns": breakdowns(25, KENT, {"drugs": (25, 25, 5, 2, 11, 12)}, ("s23", 20, 20, 2, 2, 10, 10),
                                 ("not_recorded", 4, 4, 2, 0, 0, 2), ("s1", 1, 1, 1, 0, 1, 0)),
        "trend": trend({"Black": 11, "White": 5}, {"White": 5}, {"White": 2}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS, LENS_NOTE)),
    "kent s60": (("kent", "--power", "s60"), {  # g B
        "scope": scope("kent", ["kent"], power="s60"),
        "searches": 5, "person_searches": 5,
        "object_groups": object_groups(5, weapons=5),
        "outcomes": outcomes(5, (2, 5), no_further_action=3, arrest=2),
        "age": age(0, 2, 3, 0, 0, 0), "children": 2, "strip_searches": 0, "child_strip_searches": 0,
        "disproportionality": dispro(KENT, {"Black": 3, "Mixed": 2}),  # all suppressed, White too (0)
        "unknown_ethnicity_share": 0.0,
        "areas": [area("E07000110", "Maidstone", 5, 0, MAIDSTONE, 1, 3, 0)],
        "data_quality": dict(zip(DQ, (0, 0, 0, 2), strict=True)),
        "monthly": [month("2024-01", 3, 0, 3, 0), month("2024-02", 2, 0, 2, 2), month("2024-03", 0, 0, 0, 0)],
        "outcomes_by_group": by_group(Z, (3, 3, 0, 0), (2, 2, 2, 2), Z, Z, Z),
        "breakdowns": breakdowns(5, KENT, {"weapons": (5, 5, 2, 2, 3, 0)}, ("s60", 5, 5, 2, 2, 3, 0)),
        "trend": trend({"Black": 3}, {"Mixed": 2}, {}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS, LENS_NOTE)),
    "kent s23": (("kent", "--power", "s23"), {  # a b d A
        "scope": scope("kent", ["kent"], power="s23"),
        "searches": 20, "person_searches": 20,
        "object_groups": object_groups(20, drugs=20),
        "outcomes": outcomes(20, (2, 20), no_further_action=18, arrest=2),
        "age": age(0, 2, 13, 0, 5, 0), "children": 2, "strip_searches": 2, "child_strip_searches": 2,
        "disproportionality": dispro(KENT, {"Black": 10, "White": 10}),  # (10/200) / (10/1000) = 5
        "unknown_ethnicity_share": 0.0,
        "areas": [area("E07000110", "Maidstone", 20, 20, MAIDSTONE, 1, 10, 10, others=BTP_IN_MAIDSTONE)],
        "data_quality": dict(zip(DQ, (0, 0, 0, 2), strict=True)),
        "monthly": [month("2024-01", 15, 15, 15, 2), month("2024-02", 5, 5, 5, 0), month("2024-03", 0, 0, 0, 0)],
        "outcomes_by_group": by_group(Z, (10, 10, 2, 2), Z, (10, 10, 0, 0), Z, Z),
        "breakdowns": breakdowns(20, KENT, {"drugs": (20, 20, 2, 2, 10, 10)}, ("s23", 20, 20, 2, 2, 10, 10)),
        "trend": trend({"Black": 10, "White": 5}, {"White": 5}, {}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS, LENS_NOTE)),
    "essex,kent": (("essex,kent",), {  # Kent's 43 + Essex's 17
        "scope": scope("essex,kent", ["essex", "kent"]),
        "searches": 60, "person_searches": 56,
        "object_groups": object_groups(60, drugs=38, weapons=9, key_crime=10, other=3),  # + ea eb ee | ec | ed
        "outcomes": outcomes(60, (16, 55), no_further_action=36, arrest=9, drugs_warning=7, penalty_notice=2,
                             community_resolution=2, summons=2, other=1, unknown=1),
        "age": age(1, 8, 25, 10, 11, 1), "children": 9, "strip_searches": 4, "child_strip_searches": 2,
        # population Maidstone + Chelmsford/3 = 500, 300, 133.33, 2000, 100; Black (23/300) / (24/2000)
        "disproportionality": dispro(TWO, {"Asian": 2, "Black": 23, "Mixed": 5, "White": 24}, unknown=2),
        "unknown_ethnicity_share": 2 / 56,
        "areas": [area("E07000070", "Chelmsford", 17, 14, CHELMSFORD, THIRD, 6, 8),
                  area("E07000110", "Maidstone", 32, 21, MAIDSTONE, 1, 15, 12, others=BTP_IN_MAIDSTONE),
                  pseudo("outside", 6, 0), pseudo("no_location", 5, 3)],
        "data_quality": dict(zip(DQ, (5, 6, 1, 3), strict=True)),
        "monthly": [month("2024-01", 47, 31, 46, 16, forces=2), month("2024-02", 9, 5, 9, 4),
                    month("2024-03", 4, 2, 4, 3)],
        "outcomes_by_group": by_group((2, 2, 2, 0), (23, 23, 5, 2), (5, 5, 5, 5), (24, 24, 10, 2), Z, (2, 1, 0, 0)),
        "breakdowns": breakdowns(60, TWO, {"drugs": (38, 38, 11, 2, 17, 18), "weapons": (9, 9, 6, 4, 3, 2),
                                           "key_crime": (10, 9, 4, 3, 1, 4), "other": (3, 3, 2, 0, 2, 0)},
                                 ("s23", 33, 33, 8, 2, 16, 16), ("s1", 13, 12, 7, 5, 2, 6), ("s60", 5, 5, 2, 2, 3, 0),
                                 ("not_recorded", 4, 4, 2, 0, 0, 2), ("other", 3, 3, 2, 0, 2, 0),
                                 ("s47", 2, 2, 2, 0, 0, 0)),
        "trend": trend({"Asian": 2, "Black": 20, "Mixed": 3, "White": 17}, {"Black": 2, "Mixed": 2, "White": 5},
                       {"Black": 1, "White": 2}, jan_pop=BOTH_FULL, whole=TWO),
        "coverage": coverage("essex", "kent"),
    }, (PER_FORCE,)),
    "essex,kent drugs": (("essex,kent", "--purpose", "drugs"), {
        "scope": scope("essex,kent", ["essex", "kent"], purpose="drugs"),
        "searches": 38, "person_searches": 35,
        "object_groups": object_groups(38, drugs=38),
        "outcomes": outcomes(38, (9, 35), no_further_action=27, arrest=2, drugs_warning=7, penalty_notice=2),
        "age": age(0, 3, 19, 6, 7, 0), "children": 3, "strip_searches": 2, "child_strip_searches": 2,
        "disproportionality": dispro(TWO, {"Black": 17, "White": 18}),  # (17/300) / (18/2000)
        "unknown_ethnicity_share": 0.0,
        "areas": [area("E07000070", "Chelmsford", 14, 14, CHELMSFORD, THIRD, 6, 8),
                  area("E07000110", "Maidstone", 21, 21, MAIDSTONE, 1, 11, 10, others=BTP_IN_MAIDSTONE),
                  pseudo("no_location", 3, 3)],
        "data_quality": dict(zip(DQ, (3, 0, 0, 3), strict=True)),
        "monthly": [month("2024-01", 31, 31, 31, 9, forces=2), month("2024-02", 5, 5, 5, 0),
                    month("2024-03", 2, 2, 2, 2)],
        "outcomes_by_group": by_group(Z, (17, 17, 3, 2), Z, (18, 18, 8, 0), Z, Z),
        "breakdowns": breakdowns(38, TWO, {"drugs": (38, 38, 11, 2, 17, 18)}, ("s23", 33, 33, 8, 2, 16, 16),
                                 ("not_recorded", 4, 4, 2, 0, 0, 2), ("s1", 1, 1, 1, 0, 1, 0)),
        "trend": trend({"Black": 17, "White": 11}, {"White": 5}, {"White": 2}, jan_pop=BOTH_FULL, whole=TWO),
        "coverage": coverage("essex", "kent"),
    }, (PER_FORCE, LENS_NOTE)),
    "all": (("all",), {  # + btp's ta tb: counted everywhere, rated nowhere
        "scope": scope("all", ["btp", "essex", "kent"]),
        "searches": 63, "person_searches": 59,
        "object_groups": object_groups(63, drugs=40, weapons=9, key_crime=11, other=3),
        "outcomes": outcomes(63, (17, 58), no_further_action=38, arrest=10, drugs_warning=7, penalty_notice=2,
                             community_resolution=2, summons=2, other=1, unknown=1),
        "age": age(1, 8, 27, 11, 11, 1), "children": 9, "strip_searches": 4, "child_strip_searches": 2,
        "disproportionality": dispro(TWO, {"Asian": 2, "Black": 23, "Mixed": 5, "White": 24}, unknown=2),
        "unknown_ethnicity_share": 3 / 59,
        "areas": [area("E07000070", "Chelmsford", 17, 14, CHELMSFORD, THIRD, 6, 8),
                  area("E07000110", "Maidstone", 34, 23, MAIDSTONE, 1, 17, 12),  # ratio counts btp's 2 Black
                  pseudo("outside", 6, 0), pseudo("no_location", 6, 3)],
        "data_quality": dict(zip(DQ, (6, 6, 1, 4), strict=True)),
        "monthly": [month("2024-01", 47, 31, 46, 16, forces=2), month("2024-02", 12, 7, 12, 5, forces=2),
                    month("2024-03", 4, 2, 4, 3)],
        "outcomes_by_group": by_group((2, 2, 2, 0), (25, 25, 5, 2), (5, 5, 5, 5), (24, 24, 10, 2), Z, (3, 2, 1, 1)),
        "breakdowns": breakdowns(63, TWO, {"drugs": (40, 40, 11, 2, 17, 18), "weapons": (9, 9, 6, 4, 3, 2),
                                           "key_crime": (11, 10, 5, 4, 1, 4), "other": (3, 3, 2, 0, 2, 0)},
                                 ("s23", 35, 35, 8, 2, 16, 16), ("s1", 14, 13, 8, 6, 2, 6), ("s60", 5, 5, 2, 2, 3, 0),
                                 ("not_recorded", 4, 4, 2, 0, 0, 2), ("other", 3, 3, 2, 0, 2, 0),
                                 ("s47", 2, 2, 2, 0, 0, 0)),
        "trend": trend({"Asian": 2, "Black": 20, "Mixed": 3, "White": 17}, {"Black": 2, "Mixed": 2, "White": 5},
                       {"Black": 1, "White": 2}, jan_pop=BOTH_FULL, whole=TWO),
        "coverage": coverage("btp", "essex", "kent"),
    }, (PER_FORCE,)),
    "Maidstone drugs": (("kent", "--area", "Maidstone", "--purpose", "drugs"), {  # a b c d A
        "scope": scope("kent", ["kent"], purpose="drugs", area_code="E07000110", area_name="Maidstone"),
        "searches": 21, "person_searches": 21,
        "object_groups": object_groups(21, drugs=21),
        "outcomes": outcomes(21, (3, 21), no_further_action=18, arrest=2, drugs_warning=1),
        "age": age(0, 3, 13, 0, 5, 0), "children": 3, "strip_searches": 2, "child_strip_searches": 2,
        "disproportionality": dispro(KENT, {"Black": 11, "White": 10}),  # Maidstone x 3/3: (11/200) / (10/1000)
        "unknown_ethnicity_share": 0.0,
        "areas": [area("E07000110", "Maidstone", 21, 21, MAIDSTONE, 1, 11, 10, others=BTP_IN_MAIDSTONE)],
        "data_quality": dict(zip(DQ, (0, 0, 0, 2), strict=True)),
        "monthly": [month("2024-01", 16, 16, 16, 3), month("2024-02", 5, 5, 5, 0), month("2024-03", 0, 0, 0, 0)],
        "outcomes_by_group": by_group(Z, (11, 11, 3, 2), Z, (10, 10, 0, 0), Z, Z),
        "breakdowns": breakdowns(21, KENT, {"drugs": (21, 21, 3, 2, 11, 10)}, ("s23", 20, 20, 2, 2, 10, 10),
                                 ("s1", 1, 1, 1, 0, 1, 0)),
        "trend": trend({"Black": 11, "White": 5}, {"White": 5}, {}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS, LENS_NOTE)),
    "kent s139b (nothing)": (("kent", "--power", "s139b"), {  # the lens narrows searches, never the population
        "scope": scope("kent", ["kent"], power="s139b"),
        "searches": 0, "person_searches": 0,
        "object_groups": object_groups(0),
        "outcomes": outcomes(0, (0, 0)),
        "age": age(), "children": 0, "strip_searches": 0, "child_strip_searches": 0,
        "disproportionality": dispro(KENT, {}),
        "unknown_ethnicity_share": None,
        "areas": [],
        "data_quality": dict(zip(DQ, (0, 0, 0, 2), strict=True)),
        "monthly": [month(m, 0, 0, 0, 0) for m in MONTHS],
        "outcomes_by_group": by_group(Z, Z, Z, Z, Z, Z),
        "breakdowns": breakdowns(0, KENT, {}),
        "trend": trend({}, {}, {}),
        "coverage": coverage("kent"),
    }, (NO_TARGETS, LENS_NOTE)),
}
AGE_SPECIFIC = {  # rated person searches by age band and group (under 10 is not a band of age_specific)
    "kent": {("10-17", "Black"): 3, ("10-17", "Mixed"): 2, ("18-24", "Black"): 13, ("18-24", "White"): 5,
             ("25-34", "Asian"): 2, ("25-34", "White"): 2, ("over 34", "White"): 11},
    "all": {("10-17", "Black"): 3, ("10-17", "Mixed"): 5, ("18-24", "Black"): 19, ("18-24", "White"): 5,
            ("25-34", "Asian"): 2, ("25-34", "White"): 8, ("over 34", "White"): 11},  # btp's ta left out
}


@pytest.mark.parametrize("name", list(SCOPES))
def test_every_key_of_the_document(lens_db: Path, cli: Callable[..., object], name: str) -> None:
    args, expected, targets_notes = SCOPES[name]
    doc = metrics(cli, lens_db, *args)
    check(doc, expected, targets_notes)
    counts = age_specific_counts(doc)
    assert counts == AGE_SPECIFIC.get(name, counts)
    if name == "all":  # a note names BTP, whose 3 searches are counted but not rated
        assert any("British Transport Police" in n and "3" in n for n in doc["notes"]), doc["notes"]


def test_months_a_force_does_not_cover_are_missing_never_zero(lens_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, lens_db, "essex")  # ea-ee, all in 2024-01; Essex publishes no strip searches
    essex = pops((CHELMSFORD, THIRD))  # 200, 100, 33.33, 1000, 50
    uncovered = {"searches": None, "drugs_share": None, "find_rate": None, "covered": False, "forces": 0}
    assert doc["monthly"] == [month("2024-01", 17, 13, 17, 9), {"month": "2024-02", **uncovered},
                              {"month": "2024-03", **uncovered}]
    assert doc["coverage"] == coverage("essex")
    assert doc["strip_searches"] is None and doc["child_strip_searches"] is None
    assert doc["disproportionality"] == dispro(essex, {"Black": 6, "Mixed": 3, "White": 6}, unknown=1)
    monthly = doc["trend"]["monthly"]
    assert monthly[0] == window("2024-01", "2024-01", "2024-01", 1, 1, pops((CHELMSFORD, 1)),
                                {"Black": 6, "Mixed": 3, "White": 6})
    for empty in monthly[1:]:  # no population unit covers the month: no count at all
        assert empty["months_covered"] == 0 and [g["searches"] for g in empty["groups"]] == [None] * 5
    assert doc["trend"]["quarterly"] == [window("2024 Q1", "2024-01", "2024-03", 3, 1, essex,
                                                {"Black": 6, "Mixed": 3, "White": 6})]


def test_a_force_list_is_normalised_and_unused_forces_are_named(lens_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, lens_db, " kent, essex,kent,surrey")
    assert doc["scope"]["force"] == "essex,kent,surrey" and doc["scope"]["forces"] == ["essex", "kent"]
    assert doc["searches"] == 60 and doc["disproportionality"] == SCOPES["essex,kent"][1]["disproportionality"]
    surrey = {"force": "surrey", "name": "Surrey Police", "months_covered": 0, "months_in_period": 3,
              "missing": list(MONTHS), "residents": False}
    assert doc["coverage"] == [*coverage("essex", "kent"), surrey]
    assert any("Surrey" in n for n in doc["notes"]), doc["notes"]


@pytest.mark.parametrize(
    ("args", "searches", "population", "counts", "forces"),
    [
        # every search in the area is rated, btp's ta too: (17/200) / (12/1000); Kent polices it, 3/3
        (("all", "--area", "Maidstone"), 34, KENT, {"Asian": 2, "Black": 17, "Mixed": 2, "White": 12},
         ["btp", "essex", "kent"]),
        # Essex polices Chelmsford and covers 1 of 3 months; Kent's D counts there too
        (("essex,kent", "--area", "E07000070"), 17, pops((CHELMSFORD, THIRD)),
         {"Black": 6, "Mixed": 3, "White": 8}, ["essex", "kent"]),
        # no used force polices Chelmsford: the months any used force covers, 3/3
        (("kent", "--area", "chelmsford"), 2, pops((CHELMSFORD, 1)), {"White": 2}, ["kent"]),
    ],
)
def test_area_populations_are_weighted_by_the_forces_that_police_them(
    lens_db: Path, cli: Callable[..., object], args: tuple[str, ...], searches: int,
    population: dict[str, Fraction], counts: dict[str, int], forces: list[str],
) -> None:
    doc = metrics(cli, lens_db, *args)
    assert doc["searches"] == searches and doc["scope"]["forces"] == forces
    assert doc["disproportionality"] == dispro(population, counts)
    assert [a["population"] for a in doc["areas"]] == [Pop(sum(population.values(), Fraction(0)))]


def test_purpose_and_power_together(lens_db: Path, cli: Callable[..., object]) -> None:
    doc = metrics(cli, lens_db, "kent", "--purpose", "weapons", "--power", "s1")  # f only
    assert doc["searches"] == 2 and doc["scope"]["purpose"] == "weapons" and doc["scope"]["power"] == "s1"
    assert doc["scope"]["power_name"] == POWER_NAMES["s1"] and doc["scope"]["purpose_name"] == Text()
    nothing = metrics(cli, lens_db, "essex,kent", "--purpose", "key_crime", "--power", "s23")
    assert nothing["searches"] == 0 and nothing["disproportionality"] == dispro(TWO, {})


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--force", "kent", "--purpose", "cannabis"), ("drugs", "weapons", "key_crime", "other")),
        (("--force", "kent", "--power", "s99"), ("s1", "s23", "s60", "s47", "s139b")),
        (("--force", "surrey,sussex"), ("no searches for",)),
    ],
)
def test_bad_lens_is_a_clear_error(
    lens_db: Path, cli: Callable[..., object], args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    result = cli("metrics", *args, "--from", "2024-01", "--to", "2024-03", "--db", lens_db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, (word, result.output)
