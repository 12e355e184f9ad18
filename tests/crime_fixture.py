"""A hand-made force of street crimes and outcomes small enough to count by eye (tests of issue 17).

metropolitan, street files 2024-01..2024-03, outcomes files 2024-02, 2024-03 and 2024-05:

    crime  month    type                          place            outcomes (month: type)
    A1     2024-01  Drugs                         Hackney 001A     02: Suspect charged; 03: Offender fined
    A2     2024-01  Drugs                         Hackney 002B     02: Offender given a drugs possession warning
    A3     2024-01  Burglary                      Lambeth 001A     -
    (ASB)  2024-01  Anti-social behaviour         Hackney 001A     (no Crime ID)
    B1     2024-02  Drugs                         No location      03: Investigation complete; no suspect identified
    B2     2024-02  Violence and sexual offences  Hackney 001A     -
    C1     2024-03  Drugs                         Lambeth 001A     05: Local resolution
    X      never published                                         03: Offender given a caution

Stop and search 2024-01 only: three searches for controlled drugs, one for offensive weapons.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_archive

A1, A2, A3, B1, B2, C1, X = ("a1" * 32, "a2" * 32, "a3" * 32, "b1" * 32, "b2" * 32, "c1" * 32, "ee" * 32)
STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context")
OUTCOMES_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type"
MET = "Metropolitan Police Service,Metropolitan Police Service"
HACKNEY_1 = "-0.07,51.55,On or near Mare Street,E01001708,Hackney 001A"
HACKNEY_2 = "-0.06,51.54,On or near Dalston Lane,E01001709,Hackney 002B"
LAMBETH_1 = "-0.12,51.46,On or near Brixton Road,E01003007,Lambeth 001A"
NOWHERE = ",,No location,,"

STREET = {
    "2024-01": [f"{A1},2024-01,{MET},{HACKNEY_1},Drugs,Court result unavailable,",
                f"{A2},2024-01,{MET},{HACKNEY_2},Drugs,Offender given a drugs possession warning,",
                f"{A3},2024-01,{MET},{LAMBETH_1},Burglary,Investigation complete; no suspect identified,",
                f",2024-01,{MET},{HACKNEY_1},Anti-social behaviour,,"],
    "2024-02": [f"{B1},2024-02,{MET},{NOWHERE},Drugs,Under investigation,",
                f"{B2},2024-02,{MET},{HACKNEY_1},Violence and sexual offences,Unable to prosecute suspect,"],
    "2024-03": [f"{C1},2024-03,{MET},{LAMBETH_1},Drugs,Under investigation,"],
}
OUTCOMES = {
    "2024-02": [f"{A1},2024-02,{MET},{HACKNEY_1},Suspect charged",
                f"{A2},2024-02,{MET},{HACKNEY_2},Offender given a drugs possession warning"],
    "2024-03": [f"{A1},2024-03,{MET},{HACKNEY_1},Offender fined",
                f"{B1},2024-03,{MET},{NOWHERE},Investigation complete; no suspect identified",
                f"{X},2024-03,{MET},{LAMBETH_1},Offender given a caution"],
    "2024-05": [f"{C1},2024-05,{MET},{LAMBETH_1},Local resolution"],
}
STOP = ("Person search,{date},False,,,,Male,18-24,White - English/Welsh/Scottish/Northern Irish/British,White,"
        "{law},{obj},A no further action disposal,False,False")
DRUGS_STOP = STOP.format(date="2024-01-10T10:00:00+00:00", law="Misuse of Drugs Act 1971 (section 23)",
                         obj="Controlled drugs")
WEAPON_STOP = STOP.format(date="2024-01-11T10:00:00+00:00", law="Police and Criminal Evidence Act 1984 (section 1)",
                          obj="Offensive weapons")


def write_crime_file(folder: Path, month: str, kind: str, rows: list[str], force: str = "metropolitan",
                     newline: str = "\n") -> Path:
    header = STREET_HEADER if kind == "street" else OUTCOMES_HEADER
    path = folder / month / f"{month}-{force}-{kind}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join([header, *rows]) + newline).encode("utf-8"))
    return path


def write_fixture(folder: Path, *, stops: bool = True) -> list[Path]:
    """Every file of the fixture under `folder` (official names); the paths written."""
    paths = [write_crime_file(folder, m, "street", rows) for m, rows in STREET.items()]
    paths += [write_crime_file(folder, m, "outcomes", rows) for m, rows in OUTCOMES.items()]
    if stops:
        paths.append(write_archive(folder, "2024-01", "metropolitan", [DRUGS_STOP] * 3 + [WEAPON_STOP]))
    return paths
