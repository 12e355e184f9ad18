"""Community reports for tests: a valid submission, the payloads that must pass through untouched, and a way to
store reports straight through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrutiny.workspace.community import reports
from scrutiny.workspace.database import Workspace

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # 13:00 in London
PAYLOADS = ("<script>alert(1)</script>", "'; DROP TABLE community_reports; --", '"><img src=x onerror=alert(1)>')
TEXT_FIELDS = ("suspected_of", "power_stated", "searched_for", "found", "ethnicity_text", "account")
EMAIL = "reporter-7f3a@example.net"
PHONE = "07700 900461"


def valid(**changes: Any) -> dict[str, Any]:
    """A complete, valid submission as the form sends it (strings)."""
    data: dict[str, Any] = {
        "date": "2026-06-01", "time": "17:30", "borough": "E09000022", "kind": "search",
        "suspected_of": "carrying drugs", "grounds_given": "no", "name_given": "yes", "station_given": "not_sure",
        "power_given": "no", "power_stated": "", "record_offered": "no", "body_camera": "yes",
        "searched_for": "drugs", "found": "nothing", "outcome": "no_further_action", "outer_clothing_removed": "no",
        "age_band": "18-24", "ethnicity_text": "Black British", "ethnic_group": "black", "respect": "2",
        "account": "They pushed me against the wall.",
    }
    data.update(changes)
    return data


def payload_submission(payload: str) -> dict[str, Any]:
    return valid(**dict.fromkeys(TEXT_FIELDS, payload))


def store(ws: Workspace, now: datetime = NOW, **changes: Any) -> reports.Submitted:
    with ws.session(reports.PUBLIC_FORM) as session:
        return reports.submit(session, valid(**changes), now)
