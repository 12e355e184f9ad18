"""`scrutiny serve --workers N`: N server processes sharing one listening socket (uvicorn's supervisor).

An uncached answer is mostly Python (Ibis building queries, pandas shaping the figures), which one process runs
on one core at a time whatever its threads; N processes use N cores. Each worker is a whole app of its own,
built from the same settings (passed to it pickled in an environment variable, since uvicorn starts workers
by importing a factory), so what the app keeps in memory is kept once per worker:
- the response cache (`cache_entries`, `cache_bytes`): each worker fills its own, so up to N times the memory,
  and a question's first answer is computed once per worker that is asked it;
- DuckDB's memory limit (1 GB) applies to each worker's instance;
- the threshold-fit queue (`fit_workers`, `fit_queue`, per-client limits) is per worker, so up to N fits
  run at once (about 1.3 GB each), and a fit's job is known only to the worker that queued it: a client
  polling /api/v1/bias/jobs/{id} may reach another worker and be told to ask again. Serve threshold fits
  from a single worker (the default) if they matter.
The workspace database, its login throttle and its audit log are shared (they live in the database); its
schema is upgraded once, by the supervisor, before any worker starts.
"""

from __future__ import annotations

import base64
import os
import pickle
from typing import TYPE_CHECKING

from scrutiny.setting_names import WORKER_SETTINGS

if TYPE_CHECKING:
    from fastapi import FastAPI

    from scrutiny.web.settings import Settings

SETTINGS_VARIABLE = WORKER_SETTINGS  # set by the supervisor for its workers only
FACTORY = "scrutiny.web.workers:worker_app"
MAX_WORKERS = 64


def check_workers(workers: int) -> int:
    """`workers` if it is a usable number of server processes; ValueError (one line) otherwise."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers {workers}: give 1 to {MAX_WORKERS} server processes "
                         f"(this machine has {os.cpu_count() or 1} cores)")
    return workers


def encode(settings: Settings) -> str:
    return base64.b64encode(pickle.dumps(settings)).decode("ascii")


def worker_app() -> FastAPI:
    """The app of one worker: the supervisor's settings, settled as `scrutiny serve` settles its one app."""
    from scrutiny.web.app import create_app, settle
    from scrutiny.web.settings import Settings

    settings = pickle.loads(base64.b64decode(os.environ[SETTINGS_VARIABLE]))
    if not isinstance(settings, Settings):
        raise TypeError(f"{SETTINGS_VARIABLE} does not hold web settings")
    app = create_app(settings)
    settle(app)
    return app
