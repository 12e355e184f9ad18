"""The dashboard and the open JSON API (FastAPI). `create_app(settings)` in app.py builds the app."""

from __future__ import annotations

from scrutiny.web.app import create_app
from scrutiny.web.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
