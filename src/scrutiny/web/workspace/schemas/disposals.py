"""Disposal policies: the case tried on the public policies page and the policy chosen for a panel's records
(see the package's doc). Neither is stored: both are read for one response.

The case's values are checked by `CaseBuilder` (scrutiny.workspace.disposal_policy), which names every field at
fault at once with its own words; the model only bounds the sizes and reads the boxes (priors one a line or
comma-separated, "yes"/"no" flags, a blank intent as possession)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.web.workspace.schemas import Short
from scrutiny.workspace.disposal_policy import list_policies
from scrutiny.workspace.errors import Invalid

EVALUATED_WHEN = ("date", "drug", "age")  # a case is tried once any of these is given
MAX_PRIORS = 1000  # earlier disposals of one case: far more than any record holds


def read_priors(name: str, text: str) -> list[str]:
    """The earlier disposals, one a line or separated by commas, blank ones dropped."""
    return [p for p in text.replace(",", "\n").splitlines() if p.strip()]


def read_flag(name: str, text: str) -> bool | None:
    """A yes/no <select>: anything else (its "Not known") is None, as before."""
    return {"yes": True, "no": False}.get(text)


def read_intent(name: str, text: str) -> str:
    """A blank intent is possession, the <select>'s first option; CaseBuilder checks any other value."""
    return text or "possession"


def read_policy(name: str, text: str) -> str:
    """Only a built-in policy's name: load_policy would also open a .toml path."""
    if text not in list_policies():
        raise Invalid(name, "choose one of the policies")
    return text


class PolicyCase(BaseModel):
    """A case to try against every policy, described by its facts only (no names)."""

    date: Short = ""
    drug: Short = ""
    age: Short = ""
    priors: Annotated[list[Short], Field(max_length=MAX_PRIORS), BeforeValidator(FormValue(read_priors))] = []
    admits: Annotated[bool | None, BeforeValidator(FormValue(read_flag))] = None
    on_bail: Annotated[bool | None, BeforeValidator(FormValue(read_flag))] = None
    intent: Annotated[Short, BeforeValidator(FormValue(read_intent))] = "possession"


class RecordsUpload(BaseModel):
    """The form beside a panel's CSV of disposal records (the file itself is an UploadFile, read once)."""

    policy: Annotated[str, Field(max_length=100), BeforeValidator(FormValue(read_policy))] = ""


__all__ = ["EVALUATED_WHEN", "PolicyCase", "RecordsUpload"]
