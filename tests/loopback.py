"""A real HTTP server on 127.0.0.1 for tests: serves files, misbehaves on request, records every request.

Tests talk to it with the real client (no mocking), so retries, timeouts, rate limits and partial bodies
are exercised over a real socket. Faults are queued and consumed in order by matching requests:

    with LoopbackServer(root=shared / "census2021") as server:
        server.fail(429, times=1, retry_after="1")
        server.fail(503, times=2)
        server.slow(2.0)              # answer after 2 s (longer than a short client timeout)
        server.truncate()             # promise the whole body, send half, hang up
        sent = server.stall()         # send half, then hold the connection until released
        ...
        server.requests               # [Request(method, path, query, time, status), ...]
"""

from __future__ import annotations

import json
import mimetypes
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

# httpx builds a new SSL context (the CA bundle parsed: ~25 ms of CPU) for every Client and every httpx.get or
# post, even for a plain-HTTP request to 127.0.0.1: the tests pass this one instead (`verify=TLS`).
TLS = ssl.create_default_context()

#: Maps (path, query) to a file or a body; None falls through to `root`, then 404.
Route = Callable[[str, dict[str, str]], "bytes | Path | None"]

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not found at {path} (expected beside the repository: ../shared/data)")
    return path


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    time: float  # time.monotonic() when the request line arrived
    status: int | None = None


@dataclass
class Fault:
    kind: str  # "status" | "slow" | "truncate" | "stall"
    times: int
    match: str | None = None  # substring of "path?query"; None matches every request
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    fraction: float = 0.5
    reached: threading.Event = field(default_factory=threading.Event)  # a stall has sent its part


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (the CLI giving up on the other downloads after one failed) is no error
    of the server's: http.server would print its traceback to the process's stderr, which the in-process CLI
    tests capture as the command's own (a 20-line "error" seen in tests/cli/test_update.py)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    def __init__(self, root: Path | None = None, route: Route | None = None) -> None:
        self.root = root.resolve() if root is not None else None
        self.route = route
        self.requests_log: list[Request] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    # lifecycle -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # programming faults ----------------------------------------------------------------------------
    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None, match: str | None = None) -> None:
        """Answer the next `times` matching requests with `status` (and Retry-After if given)."""
        self._add(Fault("status", times, match, status=status, retry_after=retry_after))

    def slow(self, seconds: float, times: int = 1, *, match: str | None = None) -> None:
        """Wait `seconds` before answering the next `times` matching requests."""
        self._add(Fault("slow", times, match, seconds=seconds))

    def truncate(self, times: int = 1, *, match: str | None = None, fraction: float = 0.5) -> None:
        """Announce the full Content-Length, send only `fraction` of the body, close the connection."""
        self._add(Fault("truncate", times, match, fraction=fraction))

    def stall(self, times: int = 1, *, match: str | None = None, fraction: float = 0.5) -> threading.Event:
        """Send `fraction` of the body and hold the connection until `release()` or `stop()`.

        Returns an event set once the partial body is on the wire (to kill a client mid-download)."""
        return self._add(Fault("stall", times, match, fraction=fraction)).reached

    def release(self) -> None:
        self._release.set()

    # inspection ------------------------------------------------------------------------------------
    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self.requests_log)

    def clear(self) -> None:
        with self._lock:
            self.requests_log.clear()

    # internals -------------------------------------------------------------------------------------
    def _take_fault(self, target: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and (fault.match is None or fault.match in target):
                    fault.times -= 1
                    return fault
        return None

    def _resolve(self, path: str, query: dict[str, str]) -> tuple[bytes, str] | None:
        found = self.route(path, query) if self.route is not None else None
        if isinstance(found, bytes):
            return found, "application/json"
        if found is None and self.root is not None:
            candidate = (self.root / path.lstrip("/")).resolve()
            if candidate.is_relative_to(self.root) and candidate.is_file():
                found = candidate
        if found is None:
            return None
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return found.read_bytes(), kind


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            arrived = time.monotonic()
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            record = Request("GET", parts.path, query, arrived)
            with server._lock:
                server.requests_log.append(record)
            try:
                self._answer(record, parts.path, query, f"{parts.path}?{parts.query}")
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, kill)
                self.close_connection = True

        def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()

        def _answer(self, record: Request, path: str, query: dict[str, str], target: str) -> None:
            fault = server._take_fault(target)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "status":
                record.status = fault.status
                body = json.dumps({"error": f"loopback fault {fault.status}"}).encode()
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
                self._send(fault.status, body, "application/json", extra)
                self.wfile.write(body)
                return
            resolved = server._resolve(path, query)
            if resolved is None:
                record.status = 404
                body = b'{"error": "not found"}'
                self._send(404, body, "application/json")
                self.wfile.write(body)
                return
            body, kind = resolved
            record.status = 200
            self._send(200, body, kind)
            if fault is not None and fault.kind in ("truncate", "stall"):
                self.wfile.write(body[: int(len(body) * fault.fraction)])
                self.wfile.flush()
                self.close_connection = True
                if fault.kind == "stall":
                    fault.reached.set()
                    server._release.wait(timeout=30)
                return
            self.wfile.write(body)

    return Handler
