"""The dashboard and the open JSON API (FastAPI). `create_app(settings)` in app.py builds the app.

`create_app` is imported from app.py when first asked for: the settings alone (what `scrutiny serve` checks
before anything else) should not cost the ~2 s of importing every route, page and chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrutiny.web.settings import Settings, get_settings

if TYPE_CHECKING:
    from scrutiny.web.app import create_app

__all__ = ["Settings", "create_app", "get_settings"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from scrutiny.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
