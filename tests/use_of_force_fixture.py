"""A hand-made warehouse of use-of-force figures small enough to count by eye (tests of issue 20).

Residents (2021 Census, TS022 layout), two forces:

    Kent (Maidstone, Sevenoaks), each: White 1,000  Black 200  Asian 300 (100 Chinese)  Mixed 100  Other 50
        so Kent:                        White 2,000  Black 400  Asian 600                Mixed 200  Other 100 (3,300)
    Essex (Basildon):                   White 3,000  Black 100  Asian 200                Mixed 100  Other 100 (3,500)
    England and Wales (both forces):    White 5,000  Black 500  Asian 800                Mixed 300  Other 200 (6,800)

Three releases (the `use_of_force` table exactly as docs of issue 20 define it, filled by hand):

    use_of_force/2017-18  published 2018-12-13: 2017/18 only; incidents by force; national tactic uses without
                          a `total_tactics` row (the six tactic-type totals instead); CED 2017/18; no table by force
                          and ethnicity, age or gender.
    use_of_force/2018-19  published 2019-12-12: 2018/19 tables (Kent's CED uses by age); CED 2017/18 and 2018/19.
    use_of_force/2019-20  published 2020-12-17: 2019/20 tables; CED 2017/18 to 2019/20, with Kent's 2018/19 CED
                          total revised from 40 to 42.

The national 2019/20 tactic uses by ethnicity are published twice (Table_4 and the by-force Table_16's England and
Wales block), as the releases do: they count once.

Kent 2019/20 tactic uses by perceived ethnicity (total_tactics): White 200, Black 120, Asian 24 + Chinese 6,
Mixed 8, Other 2, Don't know 15 + Not reported 25. By age: under 11: 4, 11-17: 36, 18-34: 200, 35-49: 100,
50-64: 40, 65+: 10, not reported 10; the age table's CED row: 0, 5, 30, 10, 3, 0, 2. Incidents 330.

Stop and search: Kent, 2019-04 only (one month of the year): 20 Black, 10 White, 10 Asian person searches.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from tests.conftest import write_archive

KENT, ESSEX, EW = "kent", "essex", "england-and-wales"
R17, R18, R19 = "use_of_force/2017-18", "use_of_force/2018-19", "use_of_force/2019-20"
PUBLISHED = {R17: date(2018, 12, 13), R18: date(2019, 12, 12), R19: date(2020, 12, 17)}

RESIDENTS = {  # area code -> (name, force, {group label: residents})
    "E07000110": ("Maidstone", "Kent", {"White": 1000, "Black": 200, "Indian": 200, "Chinese": 100, "Mixed": 100,
                                        "Other": 50}),
    "E07000111": ("Sevenoaks", "Kent", {"White": 1000, "Black": 200, "Indian": 200, "Chinese": 100, "Mixed": 100,
                                        "Other": 50}),
    "E07000066": ("Basildon", "Essex", {"White": 3000, "Black": 100, "Indian": 150, "Chinese": 50, "Mixed": 100,
                                        "Other": 100}),
}
CATEGORY = {  # TS022 category number and label of each group label above
    "White": (200, "White: English, Welsh, Scottish, Northern Irish or British"),
    "Black": (40, "Black, Black British, Black Welsh of African background: Nigerian"),
    "Indian": (12, "Asian, Asian British or Asian Welsh: Indian or British Indian"),
    "Chinese": (9, "Asian, Asian British or Asian Welsh: Chinese"),
    "Mixed": (120, "Mixed or Multiple ethnic groups: White and Black Caribbean"),
    "Other": (250, "Other ethnic group: Arab"),
}
PFA = {"Kent": "E23000032", "Essex": "E23000028"}

ETHNIC_LABELS = {"White": "White", "Black": "Black (or Black British)", "Asian": "Asian (or Asian British)",
                 "Chinese": "Chinese", "Mixed": "Mixed", "Other": "Other", "Don't know": "Don't know",
                 "Not reported": "Not reported"}
ETHNIC_GRP = {"White": "White", "Black": "Black", "Asian": "Asian", "Chinese": "Asian", "Mixed": "Mixed",
              "Other": "Other", "Don't know": "unknown", "Not reported": "unknown"}
AGES = ("under_11", "11_17", "18_34", "35_49", "50_64", "65_plus", "unknown")
TYPE_TOTALS = ("total_restraint", "total_unarmed_skills", "total_other_equipment", "total_less_lethal_weapons",
               "total_firearms", "total_other")
CED_KEYS = ("total", "total_non_discharge", "drawn", "aimed", "red_dot", "arced", "total_discharge", "drive_stun",
            "fired", "angled_drive_stun", "not_stated")

Row = tuple[str, str, str, str, str, str, str, str, int | None, str | None]
# release, financial_year, force, figure, breakdown, grp, label, tactic, value, and the marker, or (marker None)
# the sheet when it is not the first ("Table_4") of the cell


def _ced(release: str, year: str, force: str, values: dict[str, int]) -> list[Row]:
    return [(release, year, force, "ced", "all", "all", "all", k, values.get(k, 0), None) for k in CED_KEYS]


def _ethnic(release: str, year: str, force: str, figure: str, tactic: str, values: dict[str, int]) -> list[Row]:
    return [(release, year, force, figure, "ethnicity", ETHNIC_GRP[c], ETHNIC_LABELS[c], tactic, n, None)
            for c, n in values.items()]


def _ages(release: str, year: str, force: str, figure: str, tactic: str, values: tuple[int, ...]) -> list[Row]:
    return [(release, year, force, figure, "age", band, band, tactic, n, None)
            for band, n in zip(AGES, values, strict=True)]


def _rows() -> list[Row]:
    rows: list[Row] = []
    # 2017/18 release: the first, fewer tables.
    rows += [(R17, "2017/18", KENT, "incidents", "all", "all", "all", "incidents", 250, None),
             (R17, "2017/18", ESSEX, "incidents", "all", "all", "all", "incidents", None, ":"),
             (R17, "2017/18", EW, "incidents", "all", "all", "all", "incidents", 900, None)]
    rows += [(R17, "2017/18", EW, "tactic_uses", "all", "all", "all", t, n, None)
             for t, n in zip(TYPE_TOTALS, (800, 500, 100, 300, 50, 50), strict=True)]  # 1,800, no total row
    rows += _ethnic(R17, "2017/18", EW, "tactic_uses", "total_restraint",
                    {"White": 500, "Black": 150, "Asian": 50, "Chinese": 10, "Mixed": 40, "Other": 20,
                     "Don't know": 20, "Not reported": 10})
    rows += _ced(R17, "2017/18", KENT, {"total": 30, "drawn": 20, "fired": 3, "total_discharge": 3,
                                        "total_non_discharge": 27, "aimed": 7})
    rows += _ced(R17, "2017/18", EW, {"total": 300, "fired": 30})
    # 2018/19 release.
    rows += [(R18, "2018/19", KENT, "incidents", "all", "all", "all", "incidents", 300, None),
             (R18, "2018/19", EW, "incidents", "all", "all", "all", "incidents", 950, None)]
    rows += _ages(R18, "2018/19", KENT, "tactic_uses", "ced", (1, 3, 20, 10, 4, 0, 2))  # 40, children 4
    rows += _ced(R18, "2017/18", KENT, {"total": 30, "drawn": 20, "fired": 3, "total_discharge": 3,
                                        "total_non_discharge": 27, "aimed": 7})
    rows += _ced(R18, "2018/19", KENT, {"total": 40, "fired": 5})
    rows += _ced(R18, "2018/19", EW, {"total": 350, "fired": 35})
    # 2019/20 release.
    rows += [(R19, "2019/20", KENT, "incidents", "all", "all", "all", "incidents", 330, None),
             (R19, "2019/20", ESSEX, "incidents", "all", "all", "all", "incidents", 170, None),
             (R19, "2019/20", EW, "incidents", "all", "all", "all", "incidents", 1000, None),
             (R19, "2019/20", EW, "tactic_uses", "all", "all", "all", "total_tactics", 2000, None)]
    kent_ethnic = {"White": 200, "Black": 120, "Asian": 24, "Chinese": 6, "Mixed": 8, "Other": 2, "Don't know": 15,
                   "Not reported": 25}
    rows += _ethnic(R19, "2019/20", KENT, "tactic_uses", "total_tactics", kent_ethnic)
    rows += _ethnic(R19, "2019/20", KENT, "tactic_uses", "ced", {"White": 30, "Black": 20})
    rows += _ages(R19, "2019/20", KENT, "tactic_uses", "total_tactics", (4, 36, 200, 100, 40, 10, 10))
    rows += _ages(R19, "2019/20", KENT, "tactic_uses", "ced", (0, 5, 30, 10, 3, 0, 2))
    rows += [(R19, "2019/20", KENT, "tactic_uses", "gender", g, g.title(), "total_tactics", n, None)
             for g, n in (("male", 300), ("female", 90), ("unknown", 10))]
    national_ethnic = _ethnic(R19, "2019/20", EW, "tactic_uses", "total_tactics",
                              {"White": 1000, "Black": 400, "Asian": 200, "Mixed": 100, "Other": 100,
                               "Don't know": 150, "Not reported": 50})
    rows += national_ethnic
    # The by-force table's England and Wales block publishes the same cells again, on another sheet.
    rows += [(*r[:9], "Table_16") for r in national_ethnic]
    rows += _ethnic(R19, "2019/20", EW, "incidents", "incidents",
                    {"White": 500, "Black": 150, "Asian": 100, "Mixed": 50, "Other": 40, "Don't know": 100,
                     "Not reported": 60})
    rows += _ages(R19, "2019/20", EW, "tactic_uses", "total_tactics", (10, 190, 1000, 500, 200, 50, 50))
    rows += _ages(R19, "2019/20", EW, "tactic_uses", "ced", (1, 19, 100, 50, 20, 5, 5))
    rows += _ages(R19, "2019/20", EW, "incidents", "incidents", (5, 95, 500, 250, 100, 25, 25))
    rows += [(R19, "2019/20", EW, "tactic_uses", "gender", g, g.title(), "total_tactics", n, None)
             for g, n in (("male", 1500), ("female", 400), ("unknown", 100))]
    rows += _ced(R19, "2017/18", KENT, {"total": 30, "drawn": 20, "fired": 3, "total_discharge": 3,
                                        "total_non_discharge": 27, "aimed": 7})
    rows += _ced(R19, "2018/19", KENT, {"total": 42, "fired": 5})  # revised: 40 in the 2018/19 release
    rows += _ced(R19, "2019/20", KENT, {"total": 60, "total_non_discharge": 50, "drawn": 30, "aimed": 10,
                                        "red_dot": 10, "total_discharge": 10, "drive_stun": 2, "fired": 8})
    rows += _ced(R19, "2017/18", EW, {"total": 290, "fired": 30})  # revised: 300 in the 2017/18 release
    rows += _ced(R19, "2018/19", EW, {"total": 350, "fired": 35})
    rows += _ced(R19, "2019/20", EW, {"total": 400, "fired": 48})
    return rows


# The table as the contract of issue 20 defines it (the adapter's own DDL, once it lands, makes the same columns).
CREATE = """CREATE TABLE IF NOT EXISTS use_of_force (
    release VARCHAR, published DATE, financial_year VARCHAR, force VARCHAR, figure VARCHAR, breakdown VARCHAR,
    grp VARCHAR, label VARCHAR, tactic VARCHAR, tactic_label VARCHAR, value BIGINT, marker VARCHAR,
    sheet VARCHAR, sheet_row INTEGER)"""
COLUMNS = ("release, published, financial_year, force, figure, breakdown, grp, label, tactic, tactic_label, value, "
           "marker, sheet, sheet_row")


def add_use_of_force(db: Path, rows: list[Row] | None = None) -> None:
    """The hand-made releases written into the `use_of_force` table of the warehouse at `db`."""
    con = duckdb.connect(str(db))
    try:
        con.execute(CREATE)
        values = []
        for i, r in enumerate(_rows() if rows is None else rows):
            marker, sheet = (None, r[9]) if r[9] and r[9].startswith("Table_") else (r[9], "Table_4")
            values.append((r[0], PUBLISHED[r[0]], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[7], r[8], marker,
                           sheet, i + 1))
        con.executemany(f"INSERT INTO use_of_force ({COLUMNS}) VALUES ({', '.join('?' * 14)})", values)
    finally:
        con.close()


TS022 = ("Lower tier local authorities Code,Lower tier local authorities,"
         "Ethnic Group (detailed) (288 categories) Code,Ethnic Group (detailed) (288 categories),Observation\n")
LOOKUP = "\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM\n"


def write_reference(folder: Path) -> None:
    """The Census (TS022 layout) of the three authorities and the lookup of their forces."""
    lines = []
    for code, (name, _, groups) in RESIDENTS.items():
        for group, n in groups.items():
            number, text = CATEGORY[group]
            lines.append(f'{code},{name},{number},"{text}",{n}')
    (folder / "ts022_uof.csv").write_text(TS022 + "\n".join(lines) + "\n")
    lookup = [f"{i},{code},{name},E2200000{i},{name},{PFA[force]},{force}"
              for i, (code, (name, force, _)) in enumerate(RESIDENTS.items(), start=1)]
    (folder / "lookup.csv").write_text(LOOKUP + "\n".join(lookup) + "\n")


BLACK = "Black/African/Caribbean/Black British - African"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
ASIAN = "Asian/Asian British - Indian"


def _search(ethnicity: str, officer: str) -> str:
    return (f"Person search,2019-04-15T12:00:00+00:00,False,,51.0,0.0,Male,18-24,{ethnicity},{officer},"
            "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,False,False")


STOPS = [_search(BLACK, "Black")] * 20 + [_search(WHITE, "White")] * 10 + [_search(ASIAN, "Asian")] * 10


def build(folder: Path, *, stops: bool = True, use_of_force: bool = True) -> Path:
    """A warehouse with the residents, optionally Kent's April 2019 searches and the use-of-force releases."""
    from scrutiny.cli import app

    folder.mkdir(parents=True, exist_ok=True)
    if stops:
        write_archive(folder, "2019-04", "kent", STOPS)
    write_reference(folder)
    db = folder / "uof.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    if use_of_force:
        add_use_of_force(db)
    return db
