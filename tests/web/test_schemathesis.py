"""Property tests of the API against its own OpenAPI spec (schemathesis): for generated valid and invalid
requests to every operation, no 5xx, and every response conforms to the spec (status, content type,
headers, body schema). Bounded: a few dozen examples per operation, deterministic, well under a minute.

The schema is loaded when this module is imported (schemathesis's fixture-based loader does not run on
pytest 9), from an app whose warehouse path is filled with the small warehouse before the first test.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from scrutiny.web import create_app, get_settings

EXAMPLES = 40
FOLDER = Path(tempfile.mkdtemp(prefix="scrutiny-schemathesis-"))
APP = create_app(get_settings(FOLDER / "web.duckdb"))  # opens nothing until a request comes

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True, database="none")
# `from` after `to` is valid to the schema (it cannot say from ≤ to) and refused with a 422 naming `from`;
# every other schema-valid request must be answered 2xx, or 404 when there is no such data.
# Workspace writes answer 401/403 to a caller with no account (every write needs a role), and the public
# community-report form 429 once its per-client rate limit is spent: refusals the spec documents, not errors.
schema.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "401", "403", "404", "422", "429"]


@pytest.fixture(scope="module", autouse=True)
def warehouse(web_db: Path) -> Iterator[None]:
    shutil.copy(web_db, FOLDER / "web.duckdb")
    APP.state.workspace.upgrade()  # the workspace's public read routes are in the spec too
    yield
    APP.state.workspace.dispose()
    shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_spec(case: schemathesis.Case) -> None:
    if case.path.endswith("/bias") and isinstance(case.query, dict) and "threshold" in case.query:
        case.query["threshold"] = "false"  # the Bayesian fit takes seconds a call; tested in tests/bias
    case.call_and_validate()
