"""Slowing down password guessing: failed logins counted per account and per client address, in the database.

Measured before this existed: 40 wrong passwords in a row for one account were all answered (401) at about six
a second, and the right one then worked. Now each attempt is counted before its password is checked, against
two keys, the email as typed and the client's address. The first `LIMIT` attempts in a row are free; the
`LIMIT`-th locks the key for `FIRST_LOCK` seconds and each further failure doubles the lock, up to `MAX_LOCK`.
While either key is locked the password is not checked at all (the right one is refused too) and the answer
is `Throttled` with the seconds to wait. A success forgets the account's count and takes back its own attempt
from the address's (the address's other failures stay: the next failure from there locks it again, longer);
a key quiet for `FORGET` seconds starts again from nothing. Someone guessing the moment each lock ends gets 13
passwords checked in the first hour and 105 in a day, per account and per address (measured with a clock that
jumps to the end of each lock).

An email that no account has is counted and locked exactly the same way, and answered in the same words: the
throttle cannot be used to learn which accounts exist. The keys are keyed hashes (the workspace's pseudonym
key), so the table holds neither addresses nor emails.

Counting before checking is what makes it hold under concurrency: each attempt is one atomic upsert that
succeeds only while the key is not locked (PostgreSQL locks the row and re-checks against what a concurrent
transaction committed; SQLite takes its write lock for the statement), committed before the slow password
check, so parallel guesses cannot all pass a check made before any of them was recorded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from scrutiny.workspace.database import upsert_insert
from scrutiny.workspace.models.login_throttle import ThrottleKey
from scrutiny.workspace.pseudonyms import pseudonymiser

LIMIT = 5
FIRST_LOCK = 15.0
MAX_LOCK = 900.0
FORGET = 3600.0


class Throttled(Exception):
    """Too many failed attempts with this email or from this address; `retry_after` is whole seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many attempts to log in: try again in {retry_after} s")


def lock_seconds(failures: int) -> float:
    """How long a key is locked after `failures` attempts in a row: none before `LIMIT`, then doubling."""
    if failures < LIMIT:
        return 0.0
    return min(MAX_LOCK, FIRST_LOCK * 2.0 ** min(failures - LIMIT, 32))


@dataclass(frozen=True)
class Attempt:
    """The keys one attempt was counted against, to settle it once the password has been checked."""

    account: str
    address: str



class LoginThrottle:
    """The throttle's rules with a clock (tests give their own). It keeps no state: the counts are in the
    database, shared by every server process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    @staticmethod
    def keys(session: Session, email: str, address: str) -> Attempt:
        account = pseudonymiser(session, "login")(email.strip().lower()) or "login-blank"
        client = pseudonymiser(session, "client")(address) or "client-unknown"
        return Attempt(f"account:{account}", f"address:{client}")

    def attempt(self, session: Session, email: str, address: str) -> Attempt:
        """Count one attempt against the email and the address, or raise `Throttled` while either is locked.
        Commit before checking the password (so a concurrent attempt sees this one); on `Throttled` roll back,
        so nothing is counted."""
        keys = self.keys(session, email, address)  # reads, before the transaction's first write
        now = self.clock()
        taken = [self._take(session, key, now) for key in (keys.account, keys.address)]
        if not all(taken):
            raise Throttled(self._wait(session, keys, now))
        return keys

    def _take(self, session: Session, key: str, now: float) -> bool:
        table = ThrottleKey
        insert = upsert_insert(session, "the login throttle")
        statement = insert(table).values(key=key, failures=1, last_at=now, locked_until=0.0)
        statement = statement.on_conflict_do_update(
            index_elements=[table.key],
            set_={"failures": case((table.last_at <= now - FORGET, 1), else_=table.failures + 1), "last_at": now},
            where=table.locked_until <= now,
        ).returning(table.failures)
        failures = session.connection().execute(statement).scalar()
        if failures is None:
            return False
        if lock_seconds(failures):
            session.connection().execute(update(table).where(table.key == key)
                                         .values(locked_until=now + lock_seconds(failures)))
        return True

    @staticmethod
    def _wait(session: Session, keys: Attempt, now: float) -> int:
        until = session.scalar(select(ThrottleKey.locked_until).where(
            ThrottleKey.key.in_((keys.account, keys.address))).order_by(ThrottleKey.locked_until.desc()))
        return max(1, math.ceil((until or now) - now))

    @staticmethod
    def succeeded(session: Session, keys: Attempt) -> None:
        """The password was right: forget the account's count, and take this attempt back from the address's,
        with the lock it set (the address was not locked when it was counted, or it would have been refused)."""
        table = ThrottleKey
        connection = session.connection()
        connection.execute(delete(table).where(table.key == keys.account))
        connection.execute(update(table).where(table.key == keys.address, table.failures > 0).values(
            failures=table.failures - 1, locked_until=0.0))

    @staticmethod
    def forget_account(session: Session, email: str) -> None:
        """Forget the account's count (its password was just reset by a link an admin made)."""
        account = pseudonymiser(session, "login")(email.strip().lower()) or "login-blank"
        session.connection().execute(delete(ThrottleKey).where(ThrottleKey.key == f"account:{account}"))

    def forget_stale(self, session: Session) -> int:
        """Drop keys quiet for `FORGET` seconds (they would start again from nothing anyway). Run it in a
        transaction of its own: on PostgreSQL it skips keys a concurrent attempt holds, and holds none of its
        own afterwards that an attempt could wait on in a cycle."""
        stale = select(ThrottleKey.key).where(ThrottleKey.last_at <= self.clock() - FORGET).with_for_update(
            skip_locked=True)
        gone = delete(ThrottleKey).where(ThrottleKey.key.in_(stale)).returning(ThrottleKey.key)
        return len(session.connection().execute(gone).all())
