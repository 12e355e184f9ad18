"""Officer and unit identifiers become keyed hashes before they are stored: stable inside one workspace (a
panel can see that the same officer made several searches), meaningless outside it (the key never leaves)."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.workspace.models.accounts import Secret

KEY_NAME = "pseudonym_key"


def pseudonymiser(session: Session, kind: str) -> Pseudonymiser:
    key = session.scalar(select(Secret.value).where(Secret.name == KEY_NAME))
    if key is None:
        raise RuntimeError("the workspace has no pseudonym key: run `scrutiny workspace upgrade`")
    return Pseudonymiser(bytes.fromhex(key), kind)


class Pseudonymiser:
    def __init__(self, key: bytes, kind: str) -> None:
        self._key = key
        self.kind = kind  # "officer", "unit": the prefix says what a pseudonym stands for

    def __call__(self, identifier: str | None) -> str | None:
        value = (identifier or "").strip().upper()
        if not value:
            return None
        digest = hmac.new(self._key, f"{self.kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{self.kind}-{digest[:10]}"
