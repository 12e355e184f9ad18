"""The tests of bias a reader can ask for by name: one home for their options and how each runs (their names
and the groups they compare: scrutiny.bias.names, light enough for `scrutiny --help`).

`scrutiny bias --test NAME`, GET /api/v1/bias?test=NAME, the dashboard's bias page and the report all go
through `run_test`, so a test's document is the same wherever it is read. The outcome test (with the
optional threshold test) keeps its own document (`bias.document`); the others are one module each, imported
only when asked for (statsmodels and astral take a second to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis

from scrutiny.bias.names import TESTS as TESTS
from scrutiny.errors import BadInput
from scrutiny.metrics.scope import Scope, resolve_scope
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP
from scrutiny.vocab.months import BadMonth, check_month


@dataclass(frozen=True)
class TestOptions:
    """What the tests other than the outcome test take besides the scope; each uses the fields it needs."""

    group: str = HEADLINE_GROUP  # darkness, change: the group compared with White people
    at: str | None = None  # change: the first month of the new policy (YYYY-MM)
    controls: tuple[str, ...] = ()  # change: area codes or names to compare with (difference in differences)
    clock_change: bool = False  # darkness: only the weeks either side of a clock change
    exposure: Path | None = None  # rates: a user's exposure table (area_code, group, exposure)


def check_test(name: str) -> str:
    if name not in TESTS:
        raise BadInput(f"test: unknown test {name!r}: choose one of {', '.join(TESTS)}")
    return name


def check_options(name: str, options: TestOptions, area: str | None) -> None:
    """Refuse what a test cannot use before anything is read, naming the option to change."""
    if options.group not in COMPARED:
        raise BadInput(f"group: unknown group {options.group!r}: choose one of {', '.join(COMPARED)}")
    if name == "change":
        if options.at is None:
            raise BadInput("at: the change test needs the first month of the new policy (YYYY-MM)")
        try:
            check_month(options.at)
        except BadMonth as exc:
            raise BadInput(f"at: {exc}") from None
        if area is None:
            raise BadInput("area: the change test needs the area where the policy changed")
    elif options.at is not None or options.controls:
        raise BadInput(f"at, control: these are for the change test, not the {name} test")
    if options.clock_change and name != "darkness":
        raise BadInput(f"clock-change: this is for the darkness test, not the {name} test")
    if options.exposure is not None and name not in ("rates", "outcome"):
        raise BadInput(f"exposure: this is for the rates test (or the threshold test), not the {name} test")


def run_test(backend: ibis.BaseBackend, scope: Scope, name: str, options: TestOptions) -> dict[str, Any]:
    """The document of one test other than the outcome test, for a scope (resolved here)."""
    check_test(name)
    check_options(name, options, scope.area)
    scope = resolve_scope(backend, scope)
    if name == "darkness":
        from scrutiny.bias.darkness import darkness_document

        return darkness_document(backend, scope, group=options.group, clock_change=options.clock_change)
    if name == "change":
        from scrutiny.bias.policy_change import change_document

        assert options.at is not None  # check_options
        return change_document(backend, scope, options.at, list(options.controls) or None, group=options.group)
    if name == "rates":
        from scrutiny.bias.rates import rates_document

        return rates_document(backend, scope, options.exposure)
    raise BadInput(f"test: the {name} test has its own document (scrutiny.bias.document)")


def options_for(name: str, options: TestOptions) -> TestOptions:
    """Of a reader's options for several tests at once (the report), the ones test `name` takes: the others
    would be refused by `check_options` for that test."""
    if name == "change":
        return TestOptions(group=options.group, at=options.at, controls=options.controls)
    if name == "darkness":
        return TestOptions(group=options.group, clock_change=options.clock_change)
    if name == "rates":
        return TestOptions(exposure=options.exposure)
    return TestOptions()


def compute_tests(db: Path, scope: Scope, named: Sequence[tuple[str, TestOptions]]) -> list[dict[str, Any]]:
    """`run_test` for each (name, options) on the DuckDB warehouse at `db`, opened read-only once (a clear error
    when the file is missing); every test and option is checked before the warehouse is read."""
    from scrutiny.metrics.warehouse_backend import compute_metrics_with

    for name, options in named:
        check_test(name)
        check_options(name, options, scope.area)
        if options.exposure is not None:
            from scrutiny.bias.inputs import read_exposure_csv

            read_exposure_csv(options.exposure)  # a bad file is an error naming it, before the warehouse is read
    return compute_metrics_with(db, lambda backend: [run_test(backend, scope, name, options)
                                                     for name, options in named])


def compute_test(db: Path, scope: Scope, name: str, options: TestOptions) -> dict[str, Any]:
    """One test's document from the warehouse at `db` (`compute_tests` of one)."""
    return compute_tests(db, scope, [(name, options)])[0]
