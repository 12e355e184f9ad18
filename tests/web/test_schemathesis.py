"""Property tests of the API against its own OpenAPI spec (schemathesis): for generated valid and invalid
requests to every operation in the one spec (/api/v1/openapi.json: the open API and the workspace's JSON API,
`/recommendations*` included), anonymous and logged in as each role, no 5xx, and every response conforms to
the spec (status, content type, headers, body schema). Bounded and deterministic: a few examples per operation
per role, about two minutes on two cores.

The schema is loaded when this module is imported (schemathesis's fixture-based loader does not run on
pytest 9), from an app whose warehouse path is filled with the small warehouse before the first test. The
accounts are made by the real account service and log in with a real session token in the cookie, as a
browser would after POST /login, with the CSRF double-submit token in cookie and header.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings

from scrutiny.web import create_app, get_settings
from scrutiny.web.workspace.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, session_csrf
from scrutiny.workspace import accounts
from scrutiny.workspace.models.accounts import Role

# One node id per test for every API operation: pytest-xdist would run each once (27 of 124 lost).
pytestmark = pytest.mark.one_process

ANONYMOUS_EXAMPLES = 20
ROLE_EXAMPLES = 6
FOLDER = Path(tempfile.mkdtemp(prefix="scrutiny-schemathesis-"))
APP = create_app(get_settings(FOLDER / "web.duckdb"))  # opens nothing until a request comes
HEADERS: dict[str, dict[str, str]] = {}  # role -> the headers of a logged-in browser, filled by `warehouse`

# `from` after `to` is valid to the schema (it cannot say from ≤ to) and refused with a 422 naming `from`;
# every other schema-valid request must be answered 2xx, or 404 when there is no such data.
# Workspace writes answer 401/403 to a caller without the role, 409 to a write that conflicts with the stored
# state, and the public community-report form 429 once its per-client rate limit is spent: refusals the spec
# documents, not errors.
ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]


def _schema(examples: int, *, coverage: bool = True) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
    loaded.config.generation.update(max_examples=examples, deterministic=True, database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = ACCEPTED
    loaded.config.phases.coverage.enabled = coverage
    return loaded


# Anonymous: every phase, boundary values (huge and negative ids, empty strings) included. Logged in, the
# read operations answer as they do anonymously, so each role gets a few generated examples per operation,
# and the boundary values only on the writes a role changes: recommendations.
schema = _schema(ANONYMOUS_EXAMPLES)
role_schema = _schema(ROLE_EXAMPLES, coverage=False)
write_schema = _schema(ROLE_EXAMPLES).include(path_regex="/recommendations")


def _log_in(role: Role) -> dict[str, str]:
    with APP.state.workspace.session(accounts.COMMAND_LINE) as session:
        user = accounts.create_user(session, f"{role.value}@example.org", role.value, role, "correct horse battery")
        token = accounts.start_session(session, user)
    csrf = session_csrf(token)  # the session's own token: a cookie's value alone is not believed
    return {"Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf}


@pytest.fixture(scope="module", autouse=True)
def warehouse(web_db: Path) -> Iterator[None]:
    shutil.copy(web_db, FOLDER / "web.duckdb")
    APP.state.workspace.upgrade()  # the workspace's public read routes are in the spec too
    hasher = accounts.HASHER
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # not what is tested here
    try:
        HEADERS.update({role.value: _log_in(role) for role in Role})
    finally:
        accounts.HASHER = hasher
    yield
    APP.state.workspace.dispose()
    shutil.rmtree(FOLDER, ignore_errors=True)


def _call(case: schemathesis.Case, role: str | None) -> None:
    if case.path.endswith("/bias") and isinstance(case.query, dict) and "threshold" in case.query:
        case.query["threshold"] = "false"  # the Bayesian fit takes seconds a call; tested in tests/bias
    case.call_and_validate(headers=HEADERS[role] if role else None)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=ANONYMOUS_EXAMPLES)
def test_api_conforms_to_its_spec(case: schemathesis.Case) -> None:
    _call(case, None)


@pytest.mark.parametrize("role", [r.value for r in Role])
@role_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=ROLE_EXAMPLES)
def test_api_conforms_to_its_spec_logged_in(case: schemathesis.Case, role: str) -> None:
    assert HEADERS[role]["Cookie"].startswith(SESSION_COOKIE)  # really logged in, not anonymous again
    _call(case, role)


@pytest.mark.parametrize("role", [r.value for r in Role])
@write_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=ROLE_EXAMPLES)
def test_recommendations_at_their_boundaries_logged_in(case: schemathesis.Case, role: str) -> None:
    _call(case, role)
