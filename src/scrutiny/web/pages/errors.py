"""What a page raises for a request it cannot answer: classes of the one family (`scrutiny.errors`), whose
status the page answers with, as the API would."""

from __future__ import annotations

from typing import ClassVar

from scrutiny.errors import BadRequest, NotFound, Unavailable


class PageError(BadRequest):
    """A request a page cannot answer as asked (an unknown sort, a month that is not one): 400."""


class NoData(Unavailable):
    """Nothing is loaded yet: 503, and no Retry-After (it takes an ingest, not a moment)."""

    retry: ClassVar[bool] = False


__all__ = ["NoData", "NotFound", "PageError"]
