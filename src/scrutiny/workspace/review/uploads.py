"""An uploaded CSV waits here, between the upload and the mapping form, and nowhere else.

It holds raw officer and unit identifiers, so it never goes into the database: it is a private temporary file
(mode 0600) named by a random token and the uploader's id, read back when the mapping is submitted. A mistake
in the column choices keeps it for the corrected choices; once an import is tried it is deleted, whatever the
outcome (a refused file is fixed and uploaded again). Files left behind by an abandoned upload are deleted
after an hour, at the next upload.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from scrutiny.workspace.errors import NotFound

KEEP_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class PendingUploads:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = (folder or Path(tempfile.gettempdir())) / "scrutiny-review-uploads"

    def _path(self, user_id: int, token: str) -> Path:
        if not TOKEN.match(token):
            raise NotFound("this upload has expired or was already used: upload the file again")
        return self.folder / f"{user_id}-{token}.csv"

    def put(self, user_id: int, data: bytes) -> str:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(24)
        path = self._path(user_id, token)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return token

    def peek(self, user_id: int, token: str) -> bytes:
        try:
            return self._path(user_id, token).read_bytes()
        except FileNotFoundError:
            raise NotFound("this upload has expired or was already used: upload the file again") from None

    def take(self, user_id: int, token: str) -> bytes:
        """The file's bytes, deleting it: it can be used once."""
        data = self.peek(user_id, token)
        self._path(user_id, token).unlink(missing_ok=True)
        return data

    def sweep(self, now: float | None = None) -> None:
        cutoff = (now or time.time()) - KEEP_SECONDS
        for path in self.folder.glob("*.csv"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
