"""How many reports one client may send in a window, kept in the workspace database and taken atomically.

A limit checked in one step and recorded in another lets concurrent posts all pass the check (30 at once got 30
201s against a limit of 5), and a limit kept in one process's memory does not bind the next process. Here a
client has `limit` slots (`RateSlot` rows); `take` claims one with a single upsert that succeeds only where the
slot is new or its last use has left the window. PostgreSQL locks the slot row and re-checks the condition
against whatever a concurrent transaction committed; SQLite takes its write lock for the statement. The slot is
taken in the transaction that stores the report, so a report refused as invalid gives it back (rollback) and a
stored one is always counted, whichever server process took it.

The client is named by a keyed hash of its address (the workspace's pseudonym key): the database never holds
the addresses of people who reported a stop. Which address is the client's is the web layer's business
(`scrutiny.web.client_address`: forwarded headers only from trusted proxies).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from scrutiny.workspace.database import upsert_insert
from scrutiny.workspace.models.rate_limits import RateSlot
from scrutiny.workspace.pseudonyms import pseudonymiser

LIMIT = 5
WINDOW_SECONDS = 600.0
NAME = "community-report"


class TooMany(Exception):
    """The client has used every slot in the window; `retry_after` is the whole seconds until one frees."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many reports: try again in {retry_after} s")



class RateLimiter:
    """A sliding window: at most `limit` takes per client in any `window` seconds, shared through the database."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.time,
                 name: str = NAME) -> None:
        self.limit, self.window, self.clock, self.name = limit, window, clock, name

    def client(self, session: Session, address: str) -> str:
        pseudonym = pseudonymiser(session, "client")(address) or "client-unknown"
        return f"{self.name}:{pseudonym}"

    def _wait(self, session: Session, client: str) -> int:
        """Whole seconds until the oldest slot frees, counted from now: a `now` read before this request waited
        for the write lock can precede a slot a concurrent request took meanwhile, and would promise more than
        the window. Never more than the window, whatever two processes' clocks say."""
        oldest = session.scalar(select(func.min(RateSlot.taken_at)).where(RateSlot.client == client))
        if oldest is None:
            return 1
        return min(math.ceil(self.window), max(1, math.ceil(oldest + self.window - self.clock())))

    def retry_after(self, session: Session, address: str) -> int:
        """0 if `address` has a free slot now, else the whole seconds until one frees. Only a hint, read without
        taking anything (to refuse early, before reading a body): `take` is what holds."""
        now, client = self.clock(), self.client(session, address)
        busy = session.scalar(select(func.count()).select_from(RateSlot).where(
            RateSlot.client == client, RateSlot.taken_at > now - self.window)) or 0
        return self._wait(session, client) if busy >= self.limit else 0

    def take(self, session: Session, address: str) -> None:
        """Claim a slot for `address` in this transaction, or raise `TooMany` (nothing taken). Call it before any
        other write in the transaction, so SQLite's write lock is taken here, not upgraded from a read later."""
        client = self.client(session, address)  # a read, before the transaction's first write
        now = self.clock()
        insert = upsert_insert(session, "the rate limit")
        for slot in range(self.limit):
            statement = insert(RateSlot).values(client=client, slot=slot, taken_at=now).on_conflict_do_update(
                index_elements=[RateSlot.client, RateSlot.slot], set_={"taken_at": now},
                where=RateSlot.taken_at <= now - self.window).returning(RateSlot.slot)
            if session.connection().execute(statement).first() is not None:  # a row: inserted, or free and retaken
                return
        raise TooMany(self._wait(session, client))

    def forget_stale(self, session: Session) -> int:
        """Delete slots whose use has left the window (they would be reused anyway; this drops clients gone
        quiet). Run in a transaction of its own; on PostgreSQL it skips slots a `take` holds, so the two never
        wait on each other in a cycle."""
        stale = select(RateSlot.client, RateSlot.slot).where(
            RateSlot.client.startswith(f"{self.name}:"), RateSlot.taken_at <= self.clock() - self.window,
        ).with_for_update(skip_locked=True)
        gone = delete(RateSlot).where(tuple_(RateSlot.client, RateSlot.slot).in_(stale)).returning(RateSlot.slot)
        return len(session.connection().execute(gone).all())
