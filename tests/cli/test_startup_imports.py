"""Start-up stays light: building the `scrutiny` app and printing any command's `--help` imports none of the
libraries the commands compute with (each command imports them inside its function), and what the help names
from those modules' homes is what they hold.

A correctness property, checked in a fresh interpreter (sys.modules), not a timing: bench/startup_bench.py
measures how long start-up takes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

# Libraries a command may need but `--help` must not import (each takes 0.1 s to over 1 s).
HEAVY = ("pandas", "ibis", "scipy", "sqlalchemy", "alembic", "jax", "numpyro", "numpy", "pyarrow", "duckdb",
         "pydantic", "pydantic_settings", "httpx", "fastapi", "uvicorn", "jinja2", "statsmodels", "shapely",
         "weasyprint")


def _heavy_after(code: str) -> list[str]:
    """The heavy top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


# Before any command, its --help included, the app checks every SCRUTINY_* variable (scrutiny.settings, with
# pydantic-settings): a bad one stops it with exit code 2. `scrutiny --help` alone runs no command.
SETTINGS_CHECK = ("pydantic", "pydantic_settings")


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert _heavy_after("import scrutiny.cli") == []


def test_the_top_help_imports_no_heavy_library() -> None:
    code = """
import contextlib, io
from scrutiny.cli import app
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    app(["--help"], prog_name="scrutiny")
assert "Usage: scrutiny" in out.getvalue(), out.getvalue()
"""
    assert _heavy_after(code) == []


def test_every_help_imports_no_heavy_library() -> None:
    """The whole command tree built, and `--help` of every command and group printed, in one process: nothing
    heavy but the settings check."""
    code = """
import contextlib, io
import typer.main
from scrutiny.cli import app
from scrutiny.cli.reference import command_paths
typer.main.get_command(app)
paths = command_paths()
assert len(paths) > 20, paths
for path in paths:
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
        app([*path, "--help"], prog_name="scrutiny")
    assert "Usage: scrutiny" in out.getvalue(), (path, out.getvalue())
"""
    assert [m for m in _heavy_after(code) if m not in SETTINGS_CHECK] == []


def test_help_names_the_values_their_homes_hold() -> None:
    """The constants the help shows come from light modules; the heavy modules use the same ones."""
    from scrutiny import settings
    from scrutiny.cli import fetch
    from scrutiny.metrics import scope
    from scrutiny.sources import downloads, police_uk_api, synthetic, synthetic_crime
    from scrutiny.vocab import ethnicity
    from scrutiny.warehouse import ingest

    assert fetch.BASE_URL_ENV == police_uk_api.BASE_URL_ENV == "SCRUTINY_POLICE_API_URL"
    assert fetch.CENSUS_URL_ENV == downloads.CENSUS_URL_ENV == settings.env_name("census_url")
    assert fetch.BOUNDARIES_URL_ENV == downloads.BOUNDARIES_URL_ENV == settings.env_name("boundaries_url")
    assert {"police_api_url", "census_url", "boundaries_url"} <= set(settings.Environment.model_fields)
    assert ingest.SHRINK_LIMIT_PERCENT == 10
    assert scope.ALL_FORCES == "all"
    assert ethnicity.HEADLINE_GROUP in ethnicity.COMPARED
    assert synthetic.DEFAULT_MONTHS[0] == "2024-01" and synthetic_crime.KINDS == ("stop-and-search", "street",
                                                                                    "outcomes")


def test_a_document_without_residents_imports_no_scipy() -> None:
    """metrics.intervals imports SciPy (scipy.special, not scipy.stats) only when an exact interval is asked for."""
    assert "scipy" not in _heavy_after("import scrutiny.metrics.intervals")
    found = _heavy_after("from scrutiny.metrics.intervals import exact_rate_ratio; exact_rate_ratio(3, 10.0, 5, 20.0)")
    assert "scipy" in found
    assert "scipy.stats" not in _loaded_after("from scrutiny.metrics.intervals import exact_rate_ratio; "
                                              "exact_rate_ratio(3, 10.0, 5, 20.0)")


def _loaded_after(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sys.modules))"],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.split()


# The exact rate ratio's interval takes its Beta quantiles from scipy.special.betaincinv instead of
# scipy.stats.beta.ppf: they must be the same numbers, bit for bit, over the counts a document meets.
def _counts() -> list[tuple[int, int]]:
    rng = np.random.default_rng(22)
    small = [(a, c) for a in range(0, 60) for c in range(0, 60)]
    mixed = list(zip(rng.integers(0, 1_000, 1_500).tolist(), rng.integers(0, 1_000, 1_500).tolist(), strict=True))
    large = list(zip(rng.integers(0, 2_000_000, 1_500).tolist(), rng.integers(0, 2_000_000, 1_500).tolist(),
                     strict=True))
    skewed = [(a, 10**k) for a in (1, 2, 5, 17) for k in range(7)] + [(10**k, c) for c in (1, 3, 9) for k in range(7)]
    return small + mixed + large + skewed


@pytest.mark.parametrize("level", [0.95, 0.9, 0.99, 0.5])
def test_beta_quantiles_are_scipy_stats_ones(level: float) -> None:
    from scipy.special import betaincinv
    from scipy.stats import beta

    tail = (1 - level) / 2
    checked = 0
    for a, c in _counts():
        for q, x, y in ((tail, a, c + 1), (1 - tail, a + 1, c)):
            if x == 0 or y == 0:  # exact_rate_ratio gives 0 or None there without a quantile
                continue
            assert float(betaincinv(x, y, q)) == float(beta.ppf(q, x, y)), (q, x, y)
            checked += 1
    assert checked > 12_000


def test_exact_rate_ratio_matches_its_scipy_stats_form() -> None:
    """The whole interval, against the same formula written with scipy.stats as it was before."""
    from scipy.stats import beta

    from scrutiny.metrics.intervals import exact_rate_ratio

    def with_stats(a: int, ea: float, c: int, ec: float) -> tuple[float | None, float | None]:
        tail, scale = (1 - 0.95) / 2, ec / ea
        lo = float(beta.ppf(tail, a, c + 1)) if a else None
        hi = float(beta.ppf(1 - tail, a + 1, c)) if c else None
        return (0.0 if lo is None else lo / (1 - lo) * scale), (None if hi is None else hi / (1 - hi) * scale)

    rng = np.random.default_rng(7)
    for a, c in _counts()[::7]:
        ea, ec = float(rng.integers(1, 5_000_000)), float(rng.integers(1, 5_000_000))
        assert exact_rate_ratio(a, ea, c, ec) == with_stats(a, ea, c, ec), (a, ea, c, ec)
    assert exact_rate_ratio(0, 100.0, 0, 100.0) == (0.0, None)


def test_serve_reads_its_settings_and_opens_its_workspace_before_importing_the_web_stack() -> None:
    """`scrutiny serve` checks the settings and the workspace first (a bad one is told in about a second, not
    after ~3 s of imports): `scrutiny.web`'s settings do not import the app, and the app imports no scipy.stats
    (the hotspot and rank tests import it when they run)."""
    settings_only = _loaded_after("from scrutiny.web import get_settings\n"
                                  "from scrutiny.cli.serve import open_workspace")
    assert "scrutiny.web.app" not in settings_only and "fastapi" not in settings_only
    app = _loaded_after("from scrutiny.web import create_app")
    assert "scrutiny.web.app" in app and "scipy.stats" not in app
