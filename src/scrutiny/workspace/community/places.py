"""Where a stop happened, as far as Scrutiny keeps it: a local authority of England and Wales (ONS code), or a map
pin rounded to a grid of about 200 m before it is stored, and which force's professional standards department
hears complaints.

`authorities.csv` lists the 331 local authorities of England and Wales (ONS Local Authority Districts, December
2022: the Census 2021 geography) and the force that polices each (ONS local authority to police force area
lookup, 2020; North and West Northamptonshire, made in 2021, are Northamptonshire Police's). Source: Office for
National Statistics, Open Government Licence v3.0. The complaints contacts are the catalogue's
(`catalog/professional_standards.csv`, each row with the public page it was checked against and the date); for a
force not there the letter says plainly that Scrutiny holds none and how to find it.

Pins: latitude to a 0.002° grid (222 m north–south) and longitude to a 0.003° grid (about 208 m east–west at
London's latitude, 51.5°N; 191–214 m across England and Wales). The exact point a person tapped is never
stored, logged or echoed back: only the grid point is.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scrutiny.catalog import Contact, professional_standards
from scrutiny.vocab.areas import plain_name
from scrutiny.workspace.errors import Invalid

HERE = Path(__file__).resolve().parent
LAT_STEP = 0.002
LON_STEP = 0.003
# England and Wales, generously (PACE Code A applies there); a pin outside is a slip of the finger.
LAT_RANGE = (49.8, 55.9)
LON_RANGE = (-6.5, 1.8)
IOPC_URL = "https://www.policeconduct.gov.uk/"
# The IOPC's own complaint form, which sends a complaint straight to the force concerned (the page says so).
IOPC_COMPLAINT_URL = "https://policeconduct.gov.uk/complaints/submit-a-complaint"


@dataclass(frozen=True)
class Authority:
    code: str
    name: str  # as ONS writes it ("Bristol, City of")
    force: str  # the force id in the catalogue that polices it



@cache
def authorities() -> dict[str, Authority]:
    """The local authorities of England and Wales by ONS code, in code order."""
    with (HERE / "authorities.csv").open(newline="", encoding="utf-8") as f:
        return {row["area_code"]: Authority(row["area_code"], row["area_name"], row["force"])
                for row in csv.DictReader(f)}


def by_name() -> list[Authority]:
    """The authorities as a form lists them: by the name people say ("Bristol", not "Bristol, City of")."""
    return sorted(authorities().values(), key=lambda a: (plain_name(a.name), a.code))


def where_words(found: Authority) -> str:
    """How a letter says where: "Hackney, London", "Bristol, City of"."""
    return f"{found.name}, London" if found.code.startswith("E09") else found.name


def spoken_name(found: Authority) -> str:
    """The council's name as people say it: "City of Bristol" for ONS's "Bristol, City of"."""
    name, _, prefix = found.name.partition(", ")
    return f"{prefix} {name}" if prefix else name


def authority(code: str | None) -> Authority | None:
    return authorities().get(code) if code else None


def department_for(area_code: str | None) -> Contact | None:
    """The complaints contact of the force that polices the area, if the catalogue holds one."""
    found = authority(area_code)
    return professional_standards().get(found.force) if found else None


def snap(value: float, step: float) -> float:
    """`value` on a grid of `step` degrees (rounded to 4 places so the stored number is the grid point)."""
    return round(round(value / step) * step, 4)


def rounded_pin(latitude: float, longitude: float) -> tuple[float, float]:
    """The grid point for a pin, refusing one outside England and Wales (naming the field at fault)."""
    if not LAT_RANGE[0] <= latitude <= LAT_RANGE[1]:
        raise Invalid("latitude", "the map pin is not in England or Wales")
    if not LON_RANGE[0] <= longitude <= LON_RANGE[1]:
        raise Invalid("longitude", "the map pin is not in England or Wales")
    return snap(latitude, LAT_STEP), snap(longitude, LON_STEP)
