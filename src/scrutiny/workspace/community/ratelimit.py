"""How many reports one client address may send in a window, kept in the server's memory.

In memory, per process: enough to stop one phone or script flooding the form, lost on restart (which only
forgives). Behind a reverse proxy, run uvicorn with --proxy-headers (and --forwarded-allow-ips) so the address
is the client's, not the proxy's; this module never reads X-Forwarded-For itself, which anyone can forge.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 5
WINDOW_SECONDS = 600.0


class RateLimiter:
    """A sliding window: at most `limit` hits per key in any `window` seconds."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int:
        """0 if `key` may go ahead now, else the whole seconds until it may."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                if not hits:
                    del self._hits[key]  # keep memory to the addresses actually limited
                return 0
            return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)
