"""Answers kept in memory, keyed on the question and on the version of the warehouse that answered it.

The version is read from the file system, without opening the warehouse: the DuckDB file's inode, mtime and
size, and those of a write-ahead log beside it. Scrutiny's writes never change the live file in place: they
build a new file and rename it over the old one (scrutiny.warehouse.writing), so every write gives the path
a new inode and leaves no log. Only another program writing the live file directly leaves a log, which
readers replay, so it counts too. The next request for the same question misses and is answered from the
new data. The version is read *before* the answer is computed, so an answer can only be filed under a version at
least as old as its data: never stale under a new version.

Misses are computed once however many requests ask at the same moment (one flight per question and
version), in a worker thread; the event loop itself only does the dictionary look-up of a hit. While another
program holds the warehouse open for writing for longer than the wait (nothing of Scrutiny's does), a
question answered before gets its last answer (marked `X-Scrutiny-Cache: stale`) rather than a 503.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from scrutiny.warehouse.connect import WarehouseBusy
from scrutiny.warehouse.version import Version

State = Literal["hit", "miss", "stale"]
JSON = "application/json"


@dataclass(frozen=True)
class Entry:
    body: bytes
    media_type: str
    etag: str
    version: Version


@dataclass
class _Flight:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class ResponseCache:
    """A bounded LRU of response bodies (entries and bytes), safe to use from the loop and from threads."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._size = 0
        self._guard = threading.Lock()
        self._flights: dict[tuple[Hashable, Version], _Flight] = {}
        self.counts: dict[State, int] = {"hit": 0, "miss": 0, "stale": 0}

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
            self._size = 0

    def lookup(self, key: Hashable, version: Version) -> Entry | None:
        with self._guard:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            self._entries.move_to_end(key)
            self.counts["hit"] += 1
            return entry

    async def get(
        self, key: Hashable, version: Version, produce: Callable[[], bytes], media_type: str = JSON
    ) -> tuple[Entry, State]:
        """The answer to `key` at `version`: from memory, or `produce()` run once in a worker thread."""
        entry = self.lookup(key, version)
        if entry is not None:
            return entry, "hit"
        return await run_in_threadpool(self._fill, key, version, produce, media_type)

    def get_sync(
        self, key: Hashable, version: Version, produce: Callable[[], bytes], media_type: str = JSON
    ) -> tuple[Entry, State]:
        """`get` for code already in a worker thread (the HTML pages' synchronous routes)."""
        entry = self.lookup(key, version)
        if entry is not None:
            return entry, "hit"
        return self._fill(key, version, produce, media_type)

    def _fill(self, key: Hashable, version: Version, produce: Callable[[], bytes], media_type: str) -> tuple[
        Entry, State
    ]:
        if not self.enabled:
            entry = self._make(produce(), media_type, version)
            self._count("miss")
            return entry, "miss"
        with self._guard:
            flight = self._flights.setdefault((key, version), _Flight())
            flight.users += 1
        try:
            with flight.lock:  # later askers of the same question wait here for the first one's answer
                done = self.lookup(key, version)
                if done is not None:
                    return done, "hit"
                with self._guard:
                    previous = self._entries.get(key)
                try:
                    body = produce()
                except WarehouseBusy:
                    if previous is None:
                        raise
                    self._count("stale")
                    return previous, "stale"
                entry = self._make(body, media_type, version)
                self._store(key, entry)
                self._count("miss")
                return entry, "miss"
        finally:
            with self._guard:
                flight.users -= 1
                if flight.users == 0:
                    del self._flights[(key, version)]

    @staticmethod
    def _make(body: bytes, media_type: str, version: Version) -> Entry:
        return Entry(body, media_type, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"', version)

    def _count(self, state: State) -> None:
        with self._guard:
            self.counts[state] += 1

    def _store(self, key: Hashable, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:  # one huge answer must not push out everything else
            return
        with self._guard:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._entries and (len(self._entries) > self.max_entries or self._size > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)


def respond(request: Request, entry: Entry, state: State) -> Response:
    """The stored body with its ETag; 304 when the client already has it (If-None-Match)."""
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache", "X-Scrutiny-Cache": state}
    wanted = request.headers.get("if-none-match")
    if wanted and (wanted.strip() == "*" or entry.etag in {t.strip().removeprefix("W/") for t in wanted.split(",")}):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)
