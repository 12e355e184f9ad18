"""The synthetic writer's worker processes are never forked from the caller: a caller with threads (JAX's,
after a threshold fit; the CLI's progress bar) would pass any lock they held to the children, and JAX warns
that this "will likely lead to a deadlock". Run in a fresh interpreter, so JAX never starts in pytest's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

# JAX computes first (its threads start), then two workers write two files (one per force).
SCRIPT = """
import sys
from pathlib import Path

import jax.numpy as jnp

from scrutiny.sources import synthetic

assert float(jnp.ones(3).sum()) == 3.0
synthetic.PARALLEL_MIN_ROWS = 0  # workers even for a small set
files = synthetic.write_synthetic(Path(sys.argv[1]), 2000, seed=1, workers=2, forces=["kent", "essex"],
                                  months=["2024-01"])
print(len(files))
"""


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX comes with the bias extra: "
                                                                   "pip install 'scrutiny[bias]'")
def test_workers_started_after_jax_are_not_forked(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "out")], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "os.fork() was called" not in result.stderr
    assert result.stdout.strip() == "2"
    assert sorted(p.name for p in (tmp_path / "out" / "2024-01").glob("*.csv")) == [
        "2024-01-essex-stop-and-search.csv", "2024-01-kent-stop-and-search.csv"]
