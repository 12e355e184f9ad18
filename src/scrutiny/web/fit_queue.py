"""Threshold fits for the web app: a bounded queue in the background, each fit in a child process of its own.

A fit is a minute or more of NumPyro on every core and about 1.3 GB, so the server never runs one itself:
four at once on request threads took every core, held the GIL through JAX's tracing and brought the whole
server down. Here a request that needs a fit reads the fit's inputs from the warehouse (as fast as any
other answer), files a job and answers 202 at once; `workers` jobs (one by default) run at a time, each in a
child process that lowers its own priority first, so the server's own threads win the CPU whenever a request comes in.

Why a process per fit, started as a program of its own (`python -m scrutiny.bias.fit_process`):
- not a thread: the fit's memory and its JAX threads would live in the server, its Python work would hold
  the server's GIL, and a fit that runs too long could not be stopped. A child is killed at the time limit,
  and its memory goes back to the system when it ends.
- not `fork`: the server is multi-threaded (event loop, worker threads, DuckDB's own), and a forked child
  inherits every lock another thread held at that moment, for ever (JAX warns of exactly this).
- not multiprocessing's `spawn` or `forkserver`: both re-import the server's main module in the child, and
  `python -m scrutiny serve` would then start the CLI again. A plain subprocess runs only the fit's module;
  inputs and outcome cross its stdin and stdout as pickles. Its start (imports, a few seconds) is small
  beside a fit.
- one process per fit rather than a long-lived pool worker: the queue knows exactly which fit is running,
  a stuck or runaway fit can be killed without losing the others, and no JAX memory stays behind.

Jobs are keyed on the question and the warehouse version it was read at, like the response cache: the
same question at the same version shares one job (queued, running or finished), and a new ingest makes it
a new one. Finished jobs (results and refusals) are kept, the oldest dropped first beyond `keep`. The
queue is per server process; a job's state is not kept across restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import secrets
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import scrutiny
from scrutiny.bias.document import ThresholdData
from scrutiny.bias.fit_process import Outcome
from scrutiny.warehouse.version import Version
from scrutiny.web.api.common import dump
from scrutiny.web.cache import JSON, Entry
from scrutiny.web.settings import Settings

log = logging.getLogger("scrutiny.web.fits")
State = Literal["queued", "running", "done", "failed"]
DEFAULT_FIT_SECONDS = 60  # what Retry-After says before any fit has finished to time one
FIT_PROGRAM = [sys.executable, "-m", "scrutiny.bias.fit_process"]


class FitsBusy(Exception):
    """No room for another fit: the queue is full, or this client already has its share queued."""

    def __init__(self, msg: str, retry_after: int) -> None:
        super().__init__(msg)
        self.msg, self.retry_after = msg, retry_after


@dataclass
class Job:
    id: str
    key: Hashable
    version: Version
    client: str
    url: str  # the bias document's URL, where the result is served once done
    document: dict[str, Any] | None  # the bias document without the fit, until the fit is in
    data: ThresholdData | None  # the fit's inputs, until it has run
    state: State = "queued"
    entry: Entry | None = None  # the finished document
    error: tuple[int, str, str] | None = None  # status, message, type: a failure in the one error shape
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None


@dataclass(frozen=True)
class JobView:
    """A job as seen at one moment (read under the queue's lock, so state and position agree)."""

    id: str
    state: State
    url: str
    position: int | None
    entry: Entry | None
    error: tuple[int, str, str] | None


class FitQueue:
    """Jobs waiting, running and finished; safe to use from the event loop and from threads."""

    def __init__(self, settings: Settings) -> None:
        self.workers = max(1, settings.fit_workers)
        self.capacity = max(1, settings.fit_queue)
        self.per_client = max(1, settings.fit_per_client)
        self.timeout = settings.fit_timeout
        self.keep = max(1, settings.fit_results)
        self.options = {"draws": settings.fit_draws, "warmup": settings.fit_warmup, "chains": 2, "seed": 0}
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_question: dict[tuple[Hashable, Version], Job] = {}
        self._waiting: deque[Job] = deque()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._durations: deque[float] = deque(maxlen=8)
        self._closed = False

    # ---- asking ------------------------------------------------------------------------------------------

    def find(self, key: Hashable, version: Version) -> JobView | None:
        """The job for this question at this version, if one is queued, running or finished."""
        with self._lock:
            job = self._by_question.get((key, version))
            return self._view(job) if job is not None else None

    def get(self, job_id: str) -> JobView | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return self._view(job) if job is not None else None

    def check_room(self, client: str) -> None:
        """Raise FitsBusy if a new job from `client` would be refused: asked before its inputs are read."""
        with self._lock:
            self._check_room(client)

    def submit(self, key: Hashable, version: Version, client: str, url: str, document: dict[str, Any],
               data: ThresholdData) -> JobView:
        """File a job for this question (or join the one already filed) and start it when a worker is free."""
        with self._lock:
            existing = self._by_question.get((key, version))
            if existing is not None:
                return self._view(existing)
            self._check_room(client)
            job = Job(secrets.token_hex(16), key, version, client, url, document, data)
            self._jobs[job.id] = job
            self._by_question[(key, version)] = job
            self._waiting.append(job)
            self._dispatch()
            return self._view(job)

    def counts(self) -> dict[State, int]:
        with self._lock:
            counts: dict[State, int] = {"queued": 0, "running": 0, "done": 0, "failed": 0}
            for job in self._jobs.values():
                counts[job.state] += 1
            return counts

    def close(self) -> None:
        """Stop every fit (kill its process) and refuse what waits: for tests and for shutting down."""
        with self._lock:
            self._closed = True
            for job in self._waiting:
                self._fail(job, 503, "the server is stopping: ask again", "fit_stopped")
            self._waiting.clear()
            processes = list(self._processes.values())
        for process in processes:
            process.kill()

    # ---- inside, under the lock --------------------------------------------------------------------------

    def _view(self, job: Job) -> JobView:
        position = None
        if job.state == "queued":
            position = next((i for i, waiting in enumerate(self._waiting, 1) if waiting is job), None)
        return JobView(job.id, job.state, job.url, position, job.entry, job.error)

    def _live(self) -> list[Job]:
        return [job for job in self._jobs.values() if job.state in ("queued", "running")]

    def _check_room(self, client: str) -> None:
        live = self._live()
        if self._closed:
            raise FitsBusy("the server is stopping: no new threshold fits", self._retry_after(1))
        if len(live) >= self.capacity:
            raise FitsBusy(f"{len(live)} threshold fits are queued or running, the most this server takes: "
                           "ask again later", self._retry_after(len(live) - self.workers + 1))
        mine = sum(1 for job in live if job.client == client)
        if mine >= self.per_client:
            raise FitsBusy(f"you have {mine} threshold fits queued or running, the most one client may have: "
                           "ask again when one is done", self._retry_after(1))

    def _retry_after(self, ahead: int) -> int:
        """Seconds until about `ahead` fits have finished, from the last few fits' durations."""
        each = sum(self._durations) / len(self._durations) if self._durations else DEFAULT_FIT_SECONDS
        return max(1, min(int(self.timeout), round(each * max(1, ahead) / self.workers)))

    def _dispatch(self) -> None:
        while self._waiting and len(self._processes) < self.workers and not self._closed:
            job = self._waiting.popleft()
            job.state, job.started = "running", time.monotonic()
            request = pickle.dumps((job.data, self.options))
            job.data = None  # the child has its own copy from here on
            process = subprocess.Popen(FIT_PROGRAM, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_child_env())
            self._processes[job.id] = process
            threading.Thread(target=self._await, args=(job, process, request), daemon=True,
                             name=f"scrutiny-fit-{job.id[:8]}").start()

    def _fail(self, job: Job, status: int, msg: str, kind: str) -> None:
        job.state, job.error, job.document, job.data = "failed", (status, msg, kind), None, None
        job.finished = time.monotonic()
        if status == 503:  # not the data's fault: the next request for the question starts afresh
            self._by_question.pop((job.key, job.version), None)

    def _finish(self, job: Job, outcome: Outcome | None, exit_code: int | None) -> None:
        if job.document is None:  # closed meanwhile
            return
        kind, value = outcome if outcome is not None else ("crashed", None)
        if kind == "done":
            document = dict(job.document)
            document["threshold_test"] = value  # in the place bias_document puts it, so the JSON is the same
            body = dump(document)
            job.entry = Entry(body, JSON, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"', job.version)
            job.state, job.document, job.finished = "done", None, time.monotonic()
        elif kind == "refused":
            self._fail(job, 422, f"the threshold test cannot be fitted to this scope: {value}", "fit_refused")
        elif kind == "failed":
            self._fail(job, 422, f"the threshold fit failed for this scope: {value}", "fit_failed")
        elif kind == "timeout":
            self._fail(job, 422, f"the threshold fit took longer than {self.timeout:.0f} s and was stopped: choose "
                                 "fewer areas", "fit_timeout")
        else:
            self._fail(job, 503, f"the threshold fit's process stopped without an answer (exit code {exit_code}; "
                                 "out of memory?): ask again later", "fit_crashed")
        if job.started is not None and job.state == "done":
            self._durations.append(time.monotonic() - job.started)

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.state in ("done", "failed")]
        for job in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job.id]
            if self._by_question.get((job.key, job.version)) is job:
                del self._by_question[(job.key, job.version)]

    # ---- the waiting thread of one running fit -----------------------------------------------------------

    def _await(self, job: Job, process: subprocess.Popen[bytes], request: bytes) -> None:
        outcome: Outcome | None = None
        try:
            out, _ = process.communicate(request, timeout=self.timeout)
            outcome = pickle.loads(out) if out else None
        except subprocess.TimeoutExpired:
            outcome = ("timeout", None)
        except (OSError, pickle.UnpicklingError, EOFError):  # killed mid-answer, or closed
            outcome = None
        finally:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):  # reap it, close its pipes
                process.communicate(timeout=5)
        with self._lock:
            self._processes.pop(job.id, None)
            if not self._closed:
                self._finish(job, outcome, process.returncode)
                if job.state == "failed":
                    log.warning("threshold fit %s failed: %s", job.id, job.error)
            else:
                self._fail(job, 503, "the server is stopping: ask again", "fit_stopped")
            self._forget_old()
            self._dispatch()


def _child_env() -> dict[str, str]:
    """The server's environment, with this copy of Scrutiny first on the path (whatever the working folder)."""
    source = str(Path(scrutiny.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source + (os.pathsep + path if path else "")}
