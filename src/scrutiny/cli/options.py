"""The options that say what a figure is about, shared by every command that computes figures, so `metrics`,
`report`, `bias`, `change` and `forces` read them the same way (and check them in one place: metrics.scope)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from scrutiny.metrics import Scope

ForceOption = Annotated[
    str,
    typer.Option("--force", help="data.police.uk force id, e.g. metropolitan; several joined by commas "
                                 "(kent,essex); or `all` for every force with data in the period."),
]
AreaOption = Annotated[str | None, typer.Option(
    "--area", help="An area by code or name, e.g. E06000023 or Bristol (for 'Bristol, City of'); the first words of "
                   "one name do too.")]
FromOption = Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")]
ToOption = Annotated[str, typer.Option("--to", help="Last month, YYYY-MM (inclusive).")]
PurposeOption = Annotated[
    str | None,
    typer.Option("--purpose", help="Only searches for: drugs, weapons (with every section 60 search), key_crime or "
                                   "other (catalog/object_groups.csv)."),
]
PowerOption = Annotated[
    str | None,
    typer.Option("--power", help="Only searches under one power: s1, s23, s60, s47, s139b, ... (catalog/powers.csv); "
                                 "`other` for a power not in the catalogue, `not_recorded` for none."),
]


class Basis(StrEnum):
    self = "self"
    officer = "officer"


class Format(StrEnum):
    json = "json"
    table = "table"


EthnicityOption = Annotated[
    Basis, typer.Option("--ethnicity", help="Self-defined (as in official statistics) or officer-defined.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="json (the documented contract) or table.")]


def scope_of(force: str, area: str | None, start: str, end: str, ethnicity: Basis, purpose: str | None,
             power: str | None) -> Scope:
    """An unchecked scope from the options (metrics.scope.resolve_scope checks it against the warehouse)."""
    from scrutiny.metrics import Scope

    return Scope(force, area, start, end, ethnicity.value, None, purpose, power)
