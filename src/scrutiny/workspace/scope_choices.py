"""The lists a watched figure's scope is chosen from, and the checks that a chosen value is one of them.

Forces are the catalogue's (catalog/forces.csv, the data.police.uk ids) with "All forces" first; areas are the
local authorities of England and Wales (ONS, the list the public report form uses: community/authorities.csv),
grouped under the force that polices each, so a form offers them without the warehouse and without JavaScript.
A value a form did not offer (a stale page, a forged request) is refused naming the field, in words a person
can act on.
"""

from __future__ import annotations

from functools import cache

from scrutiny.catalog import check_force, force_name, forces
from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.vocab.areas import plain_name
from scrutiny.workspace.community.places import Authority, authorities
from scrutiny.workspace.errors import Invalid

Option = tuple[str, str]  # (value, what the list shows)


def force_label(force: str) -> str:
    return "All forces" if force == ALL_FORCES else force_name(force)


@cache
def force_options() -> tuple[Option, ...]:
    """"All forces", then every catalogue force by name."""
    by_name = sorted(forces().values(), key=lambda f: f.name)
    return ((ALL_FORCES, force_label(ALL_FORCES)), *((f.id, f.name) for f in by_name))


@cache
def area_groups() -> tuple[tuple[str, tuple[Option, ...]], ...]:
    """Each force (by name) with its local authorities (by the name people say, ONS code as the value)."""
    grouped: dict[str, list[Authority]] = {}
    for found in authorities().values():
        grouped.setdefault(found.force, []).append(found)
    return tuple(
        (force_name(force), tuple((a.code, a.name) for a in sorted(areas, key=lambda a: (plain_name(a.name), a.code))))
        for force, areas in sorted(grouped.items(), key=lambda kv: force_name(kv[0])))


def check_force_choice(field: str, value: str | None) -> str:
    """A catalogue force id or "all"; anything else refused with the catalogue's suggestions."""
    force = (value or "").strip()
    if not force:
        raise Invalid(field, "choose a force from the list")
    if force == ALL_FORCES:
        return force
    try:
        return check_force(force).id
    except ScrutinyError as exc:  # names catalog/forces.csv and /api/v1/forces, and close ids
        raise Invalid(field, str(exc)) from None


def check_area_choice(field: str, force: str, value: str | None) -> str | None:
    """Blank, or the ONS code of a local authority the force polices (any authority for all forces)."""
    code = (value or "").strip().upper()
    if not code:
        return None
    found = authorities().get(code)
    if found is None:
        raise Invalid(field, f"{code!r} is not one of the listed local authorities: choose one, or leave the area "
                             "blank for the whole force")
    if force != ALL_FORCES and found.force != force:
        raise Invalid(field, f"{found.name} is policed by {force_name(found.force)}, not {force_label(force)}: "
                             "choose one of its areas, or leave the area blank for the whole force")
    return found.code


def area_words(code: str | None) -> str:
    """An area as people read it ("Lambeth (E09000022)"); a code not in the list as it is."""
    found = authorities().get(code or "")
    return f"{found.name} ({found.code})" if found else (code or "")
