"""Polite HTTP: a token bucket, a retry policy, and atomic downloads.

data.police.uk allows 15 requests/s with a burst of 30 and answers 429 beyond that; ONS and Nomis have
outages. Every outside request goes through `Fetcher`, so limits, retries and "never leave half a file"
live in one place.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from scrutiny import __version__
from scrutiny.errors import BadInput, SourceUnavailable
from scrutiny.settings import DEFAULT_DOWNLOAD_TRIES, current

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]
#: Rewrites a downloaded file (read from the first path) into its final form (written to the second).
Transform = Callable[[Path, IO[bytes]], None]

USER_AGENT = f"scrutiny/{__version__} (open-source stop-and-search analysis)"


class TokenBucket:
    """Thread-safe token bucket: `burst` requests at once, then `rate` per second.

    Tokens are reserved under the lock and the wait happens outside it, so concurrent callers queue
    fairly without holding the lock while sleeping. The clock and sleep are injectable for tests.
    """

    def __init__(
        self, rate: float = 15.0, burst: int = 30, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1 (got rate={rate}, burst={burst})")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one token (possibly going into debt) and return how long the caller must wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        """Block until a request may be sent."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429, 5xx and network failures with capped exponential backoff and full jitter.

    Retry-After (seconds or an HTTP date) wins over the backoff when the server sends it, capped at
    `max_retry_after` so a misconfigured server cannot park the CLI for hours.
    """

    max_tries: int = DEFAULT_DOWNLOAD_TRIES  # the CLI's Fetcher takes SCRUTINY_DOWNLOAD_TRIES
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    sleep: Sleep = field(default=time.sleep, compare=False, repr=False)
    rng: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    @staticmethod
    def retryable_status(status: int) -> bool:
        return status == 429 or 500 <= status <= 599

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self.rng())  # jitter in [ceiling/2, ceiling]: spreads, never 0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds; accepts both forms RFC 9110 allows (delta-seconds and HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}")


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if RetryPolicy.retryable_status(status):
        raise _RetryableStatus(status, parse_retry_after(response.headers.get("Retry-After")))
    raise SourceUnavailable(f"{url}: HTTP {status} {response.reason_phrase} (not retried)")


_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def call_with_retry(
    attempt: Callable[[], T], *, url: str, policy: RetryPolicy, limiter: TokenBucket | None = None
) -> T:
    """Run `attempt` (one request) until it succeeds or the policy gives up with SourceUnavailable."""
    last = "no response"
    for n in range(1, policy.max_tries + 1):
        if limiter is not None:
            limiter.acquire()
        retry_after: float | None = None
        try:
            return attempt()
        except _RetryableStatus as exc:
            last, retry_after = f"HTTP {exc.status}", exc.retry_after
        except _RETRYABLE_ERRORS as exc:
            last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except httpx.InvalidURL as exc:
            raise BadInput(f"invalid URL {url!r}: {exc}") from None
        except httpx.TransportError as exc:  # unsupported scheme, proxy or local protocol error
            raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
        if n < policy.max_tries:
            delay = policy.backoff(n, retry_after)
            log.warning("%s: %s; retry %d/%d in %.1fs", url, last, n, policy.max_tries - 1, delay)
            policy.sleep(delay)
    tries = "1 try" if policy.max_tries == 1 else f"{policy.max_tries} tries"
    raise SourceUnavailable(f"{url}: gave up after {tries} (last: {last})")


@contextlib.contextmanager
def atomic_file(dest: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside `dest`, fsync, then rename over it: all of it or none of it.

    A killed process can leave only a hidden `.NAME.*.part` file, which `remove_stale_parts` clears.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_stale_parts(dest: Path) -> None:
    """Delete temporary files a killed download of `dest` left behind."""
    for stale in dest.parent.glob(f".{dest.name}.*.part"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def is_json_list(path: Path) -> str | None:
    """None if the file holds a JSON array, else why not (the police API always answers with one)."""
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"response is not JSON ({exc})"
    return None if isinstance(data, list) else f"expected a JSON list, got {type(data).__name__}"


class Fetcher:
    """An httpx client behind a token bucket and a retry policy."""

    def __init__(
        self,
        *,
        rate: float = 15.0,
        burst: int = 30,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        limiter: TokenBucket | None = None,
    ) -> None:
        self.limiter = limiter or TokenBucket(rate, burst)
        self.retry = retry or RetryPolicy(max_tries=current().download_tries)
        self._owns_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
        )

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """GET and parse JSON, with the rate limit and retries."""
        label = _label(url, params)

        def attempt() -> Any:
            response = self.client.get(url, params=params)
            _raise_for_status(response, label)
            return response.json()

        try:
            return call_with_retry(attempt, url=label, policy=self.retry, limiter=self.limiter)
        except ValueError as exc:  # json.JSONDecodeError
            raise SourceUnavailable(f"{label}: response is not JSON ({exc})") from None

    def download(
        self,
        url: str,
        dest: Path,
        *,
        params: Mapping[str, str] | None = None,
        check: Callable[[Path], str | None] | None = None,
        transform: Transform | None = None,
    ) -> Path:
        """Stream `url` to `dest` atomically: `dest` ends up whole or absent, never half written.

        `check` vets the raw body (returning a reason refuses it); `transform` rewrites it on its way in.
        """
        label = _label(url, params)
        remove_stale_parts(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        os.close(fd)
        tmp = Path(name)

        def attempt() -> None:
            with self.client.stream("GET", url, params=params) as response:
                _raise_for_status(response, label)
                with tmp.open("wb") as sink:  # "wb" empties what a failed attempt left
                    for chunk in response.iter_bytes(1 << 16):
                        sink.write(chunk)
                    sink.flush()
                    os.fsync(sink.fileno())

        try:
            call_with_retry(attempt, url=label, policy=self.retry, limiter=self.limiter)
            problem = check(tmp) if check is not None else None
            if problem:
                raise SourceUnavailable(f"{label}: {problem}")
            if transform is None:
                os.replace(tmp, dest)
            else:
                with atomic_file(dest) as out:
                    transform(tmp, out)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return dest


def _label(url: str, params: Mapping[str, str] | None) -> str:
    return str(httpx.URL(url, params=params)) if params else url
