"""The governance map's bodies, relations and memberships: the schema family (see the package's doc).
Memberships name people, so they have no public model: they appear only on logged-in pages."""

from __future__ import annotations

from pydantic import BaseModel

from scrutiny.web.workspace.schemas import ChosenBody, FormDate, Short
from scrutiny.workspace.models.governance import BodyKind, RelationKind


class BodyBase(BaseModel):
    """A body as typed; scrutiny.workspace.governance checks each field (and that the name is free)."""

    name: Short = ""
    kind: Short = BodyKind.other.value
    area: Short = ""
    website: Short = ""


class BodyCreate(BodyBase):
    pass


class BodyUpdate(BodyBase):
    """Every field is replaced, as the edit form sends them all."""


class BodyPublic(BaseModel):
    id: int
    name: str
    kind: BodyKind
    area: str
    website: str | None


class RelationCreate(BaseModel):
    """`source` <kind> `target`, each chosen from the listed bodies."""

    source_id: ChosenBody
    target_id: ChosenBody
    kind: Short = ""


class RelationPublic(BaseModel):
    """`source` <kind> `target`, e.g. a Community Safety Partnership `reports_to` MOPAC."""

    id: int
    source: int
    target: int
    kind: RelationKind


class GovernancePublic(BaseModel):
    bodies: list[BodyPublic]
    relations: list[RelationPublic]


class MembershipBase(BaseModel):
    """Who holds a role on a body: a person's name, for logged-in pages only."""

    body_id: ChosenBody
    person_name: Short = ""
    organisation: Short = ""
    role: Short = ""
    since: FormDate = None
    until: FormDate = None


class MembershipCreate(MembershipBase):
    pass


class MembershipUpdate(MembershipBase):
    """Every field is replaced, as the edit form sends them all."""
