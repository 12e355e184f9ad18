"""The one error a page raises for a request it cannot answer, with the HTTP status to answer it with."""

from __future__ import annotations

from scrutiny.errors import ScrutinyError


class PageError(ScrutinyError):
    """A request a page cannot answer, with the HTTP status to answer it with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
