"""Vocabularies kept as data (catalog/*.csv) so users can read and change them without Python."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from scrutiny.errors import UnknownForce

ALL_FORCES = "all"  # the word for every force with searches in the period (--force all, ?force=all)


def catalog_path(name: str) -> Path:
    """Filesystem path of a catalogue file shipped inside the package."""
    return Path(str(resources.files("scrutiny") / "catalog" / name))


def read_catalog(name: str) -> list[dict[str, str]]:
    with catalog_path(name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Force:
    id: str
    name: str
    pfa_code: str | None


@cache
def forces() -> dict[str, Force]:
    """data.police.uk force ids, with the ONS police force area code where the force has one."""
    return {
        row["id"]: Force(row["id"], row["name"], row["pfa_code"] or None) for row in read_catalog("forces.csv")
    }


def force_name(force: str) -> str:
    """A force id as people read it ("btp" as "British Transport Police"); an id not in the catalogue as it is."""
    known = forces().get(force)
    return known.name if known else force


def check_force(force: str) -> Force:
    try:
        return forces()[force]
    except KeyError:
        raise UnknownForce(force, close_forces(force)) from None


def close_forces(text: str, most: int = 3) -> list[str]:
    """Force ids a mistyped one may mean: ids or names starting with it (`met`), else close in spelling."""
    wanted = text.strip().casefold()
    known = forces()
    if not wanted:
        return []
    starting = [f.id for f in known.values() if f.id.startswith(wanted) or f.name.casefold().startswith(wanted)]
    if starting:
        return starting[:most]
    by_name = {f.name.casefold(): f.id for f in known.values()}
    close = difflib.get_close_matches(wanted, [*known, *by_name], n=most, cutoff=0.6)
    return list(dict.fromkeys(by_name.get(c, c) for c in close))


@dataclass(frozen=True)
class Contact:
    """Where a force hears complaints, as a public page showed it on the day it was checked.

    `department` and `postal_address` are empty where the page did not show them; `postal_address` is the lines
    after the department and the force's name, separated by ";". `online_form` is the force's page for making a
    complaint online (the form, or the page that leads to it). `source` is the public page the row was checked
    against, where the department and address were read; `online_form` is that page or another one read too."""
    force: str
    force_name: str
    department: str
    postal_address: str
    online_form: str
    source: str
    checked: date


@cache
def professional_standards() -> dict[str, Contact]:
    """Complaints contacts by force id (professional_standards.csv): only forces whose contact was found on a
    public page, that page kept as the row's source. A force not here has no contact Scrutiny can vouch for."""
    return {
        row["force"]: Contact(row["force"], row["force_name"], row["department"], row["postal_address"],
                              row["online_form"], row["source"], date.fromisoformat(row["checked"]))
        for row in read_catalog("professional_standards.csv")
    }
