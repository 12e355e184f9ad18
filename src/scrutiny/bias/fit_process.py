"""The threshold fit as a program of its own: `python -m scrutiny.bias.fit_process`, which the web app's fit
queue (`scrutiny.web.fit_queue`) starts for each fit.

It reads a pickled `(ThresholdData, options)` on stdin and writes a pickled outcome on stdout, as plain
data, never as a pickled exception (Scrutiny's errors take arguments that unpickling would not pass back):

    ("done", entry)        the document's `threshold_test` entry
    ("refused", message)   a ScrutinyError: the fit cannot be made for this data (said as the CLI would)
    ("failed", message)    anything else: a bug, named by its exception; the traceback goes to stderr (the log)

It lowers its own priority before importing anything heavy, so the server that started it keeps the CPU
whenever it has a request to answer, and it imports only the fit's modules, never the web app.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import traceback
from typing import Any

NICE = 10  # below the server: its requests first, the fit with what is left
Outcome = tuple[str, Any]


def fit(data: Any, options: dict[str, Any]) -> Outcome:
    """Fit `data` (a `ThresholdData`) with `options` (draws, warmup, chains, seed): the outcome as data."""
    from scrutiny.bias.document import fit_threshold
    from scrutiny.errors import ScrutinyError

    try:
        return ("done", fit_threshold(data, **options))
    except ScrutinyError as exc:
        return ("refused", str(exc))
    except Exception as exc:  # every failure must reach the queue as data
        traceback.print_exc()
        return ("failed", f"{type(exc).__name__}: {exc}")


def main() -> None:
    with contextlib.suppress(OSError, AttributeError):  # where it cannot, the fit runs at the server's priority
        os.nice(NICE)
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the fit's libraries print goes to the log, never into the answer
    data, options = pickle.load(sys.stdin.buffer)
    with answer:
        pickle.dump(fit(data, options), answer)


if __name__ == "__main__":
    main()
