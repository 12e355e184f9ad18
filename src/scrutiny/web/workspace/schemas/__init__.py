"""One schema family per workspace entity, used by the JSON API and the HTML forms alike:

    XBase     the fields a person types, with the request's size limits (what every form and call shares)
    XCreate   what making one takes: the form's POST and the API's POST parse into it
    XUpdate   what changing one takes (the form replaces every field; the API's PATCH sends only some)
    XPublic   what may be shown to anyone: the API's answer and the public pages; never a person's details

The services (scrutiny.workspace) check the meaning of each value and refuse with `Invalid(field, words)`;
the schemas check only shape and size. A form is parsed with `forms.FORM` as context, so the `FormValue`
converters read a blank box, a typed date or a <select>'s id with the services' words, and JSON is untouched.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field

from scrutiny.web.workspace.forms import FormValue
from scrutiny.workspace.panels import form_date, form_id
from scrutiny.workspace.record_ids import MAX_ID

Short = Annotated[str, Field(max_length=600)]  # a one-line box
Long = Annotated[str, Field(max_length=20000)]  # a text area
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]  # a larger number names no record and fails in SQL
ChosenBody = Annotated[RecordId, BeforeValidator(FormValue(form_id, "choose a body"))]  # a <select> of bodies
FormDate = Annotated[date | None, BeforeValidator(FormValue(form_date))]  # a date box; blank is None

__all__ = ["ChosenBody", "FormDate", "Long", "RecordId", "Short"]
