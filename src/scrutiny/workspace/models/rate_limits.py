"""Slots of per-client rate limits, kept in the workspace database so every server process shares them.

A client has at most `limit` rows per limit (`slot` 0 to limit-1), each holding when it was last taken; a slot
is free once that time has left the window. The client is a keyed hash, never an address. Written only by
single SQL statements (`scrutiny.workspace.community.ratelimit`), so these rows are not in the audit log.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base


class RateSlot(Base):
    __tablename__ = "rate_slots"

    client: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<limit>:<keyed hash of the address>"
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    taken_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch (UTC), by the server clock
