"""Failed logins counted per account and per client address, so guessing slows down whatever process answers.

One row per key: `account:<keyed hash of the email as typed>` or `address:<keyed hash of the address>`. The email
is hashed whether or not an account has it, so the table says nothing about which accounts exist, and it never
holds an address. Written only by single SQL statements (`scrutiny.workspace.login_throttle`), so these rows
are not in the audit log.

Not `rate_slots`: that is a sliding window of N uses; a login needs a count of failures in a row and a lock
that grows with it.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base


class ThrottleKey(Base):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)  # attempts in a row not followed by a success
    last_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch (UTC), by the server clock
    locked_until: Mapped[float] = mapped_column(Float)  # no attempt is checked before this moment
