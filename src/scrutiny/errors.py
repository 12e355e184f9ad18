"""One family of errors, so the CLI can tell a user's bad input from a bug and say where it came from."""

from __future__ import annotations

from pathlib import Path


class ScrutinyError(Exception):
    """Base of every error Scrutiny raises on purpose; the CLI prints these without a traceback."""


class SourceRefused(ScrutinyError):
    """A whole file is not something Scrutiny can load; nothing of it is written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnknownForce(ScrutinyError):
    """A force id that is not in the catalogue of data.police.uk forces."""

    def __init__(self, force: str) -> None:
        self.force = force
        super().__init__(f"unknown force {force!r}: expected a data.police.uk force id such as metropolitan or "
                         "west-midlands (every id is in catalog/forces.csv and at /api/v1/forces)")


class SourceUnavailable(ScrutinyError):
    """The outside source could not be reached or kept failing: an outage, not a bug."""
