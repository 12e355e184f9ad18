"""`scrutiny metrics --format json` on the real shared data, checked against an independent pandas reference.

The reference (tests/metrics/pandas_reference.py) reads the raw published files, not the warehouse, so a
mistake in loading, area assignment, Census aggregation or a metric shows up here as a named key path with
both values. Counts must agree exactly; rates, ratios and intervals to a relative 1e-9.
"""

from __future__ import annotations

import json
import math
import traceback
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.metrics import pandas_reference as ref

pytestmark = pytest.mark.shared_data

DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()

SCOPES = {
    "metropolitan-2018-self": ref.Scope("metropolitan", "2018-04", "2018-09"),
    "metropolitan-2018-officer": ref.Scope("metropolitan", "2018-04", "2018-09", ethnicity="officer"),
    "hackney-2018": ref.Scope("metropolitan", "2018-04", "2018-09", area="E09000012"),
    "west-midlands-2019-2021": ref.Scope("west-midlands", "2019-01", "2021-03"),
    "city-of-london-2020q1": ref.Scope("city-of-london", "2020-01", "2020-03"),
    "btp-2019q1": ref.Scope("btp", "2019-01", "2019-03"),
}

# Lists of records are matched by these fields (so a difference names the record, not a position).
LIST_KEYS = {
    "targets": ("group",),
    "disproportionality": ("group",),
    "age_specific": ("age_range", "group"),
    "areas": ("area_code",),
    "monthly": ("month",),
    "outcomes_by_group": ("group",),
}
ORDERED = {"targets", "areas", "monthly"}  # lists whose order the contract fixes
IGNORED = {"notes"}  # free text


def _need_data() -> None:
    for part in ("police_uk/archive", "census2021", "geography"):
        if not (DATA / part).exists():
            pytest.skip(f"real data not present at {DATA / part} (../shared/data beside the repository)")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, runner: CliRunner) -> Path:
    _need_data()
    from scrutiny.cli import app

    probe = runner.invoke(app, ["metrics", "--help"])
    if probe.exit_code != 0:
        pytest.fail(f"`scrutiny metrics` is not available yet (exit {probe.exit_code}):\n{probe.output}")
    db = tmp_path_factory.mktemp("crosscheck") / "real.duckdb"
    result = runner.invoke(app, ["ingest", str(DATA / "police_uk" / "archive"), str(DATA / "census2021"),
                                 str(DATA / "geography"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def metrics(warehouse: Path, runner: CliRunner) -> Any:
    from scrutiny.cli import app

    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            scope = SCOPES[name]
            args = ["metrics", "--force", scope.force, "--from", scope.start, "--to", scope.end]
            if scope.area:
                args += ["--area", scope.area]
            if scope.ethnicity != "self":
                args += ["--ethnicity", scope.ethnicity]
            args += ["--format", "json", "--db", str(warehouse)]
            result = runner.invoke(app, args)
            if result.exit_code != 0:
                trace = ""
                if result.exc_info and not isinstance(result.exception, SystemExit):
                    trace = "".join(traceback.format_exception(*result.exc_info))
                raise AssertionError(f"scrutiny {' '.join(args)} failed (exit {result.exit_code}):\n"
                                     f"{result.output}{trace}")
            try:
                cache[name] = json.loads(result.stdout)
            except json.JSONDecodeError as error:
                raise AssertionError(f"scrutiny {' '.join(args)} did not print one JSON document: {error}\n"
                                     f"{result.stdout[:2000]}") from error
        return cache[name]

    return get


@pytest.fixture(scope="module")
def reference() -> Any:
    _need_data()
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = ref.compute(SCOPES[name], DATA)
        return cache[name]

    return get


# ----------------------------------------------------------------------------------------------- comparison


def _label(record: Any, fields: tuple[str, ...]) -> str:
    if not isinstance(record, dict):
        return repr(record)
    return ",".join(f"{f}={record.get(f)}" for f in fields)


def compare(expected: Any, got: Any, path: str, errors: list[str]) -> None:
    """Append one message per difference, naming the key path and both values."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            errors.append(f"{path}: expected an object, got {got!r}")
            return
        for key, value in expected.items():
            if key not in got:
                errors.append(f"{path}.{key}: missing (reference {value!r})")
            else:
                compare(value, got[key], f"{path}.{key}", errors)
        for key in sorted(set(got) - set(expected) - IGNORED):
            errors.append(f"{path}.{key}: not in the contract (got {got[key]!r})")
    elif isinstance(expected, list):
        if not isinstance(got, list):
            errors.append(f"{path}: expected a list, got {got!r}")
            return
        name = path.rsplit(".", 1)[-1]
        fields = LIST_KEYS.get(name)
        if fields is None:
            if len(got) != len(expected):
                errors.append(f"{path}: length {len(got)}, reference {len(expected)} ({got!r} vs {expected!r})")
                return
            for i, (e, g) in enumerate(zip(expected, got, strict=True)):
                compare(e, g, f"{path}[{i}]", errors)
            return
        want = {_label(e, fields): e for e in expected}
        have = {_label(g, fields): g for g in got}
        if len(have) != len(got):
            errors.append(f"{path}: duplicate records by {fields}")
        for label in want.keys() - have.keys():
            errors.append(f"{path}[{label}]: missing (reference {want[label]!r})")
        for label in have.keys() - want.keys():
            errors.append(f"{path}[{label}]: not in the reference (got {have[label]!r})")
        if name in ORDERED and set(want) == set(have) and list(want) != list(have):
            errors.append(f"{path}: order {list(have)}, reference {list(want)}")
        for label in want.keys() & have.keys():
            compare(want[label], have[label], f"{path}[{label}]", errors)
    elif expected is None or isinstance(expected, bool | str):
        if got != expected or type(got) is not type(expected):
            errors.append(f"{path}: got {got!r}, reference {expected!r}")
    elif isinstance(expected, int):
        if type(got) is not int or got != expected:
            errors.append(f"{path}: got {got!r}, reference {expected!r} (counts must agree exactly)")
    elif isinstance(expected, float):
        if isinstance(got, bool) or not isinstance(got, int | float) or not math.isclose(
                got, expected, rel_tol=1e-9, abs_tol=1e-12):
            errors.append(f"{path}: got {got!r}, reference {expected!r}")
    else:
        raise TypeError(f"{path}: unexpected reference value {expected!r}")


def _assert_same(expected: dict[str, Any], got: dict[str, Any], name: str) -> None:
    errors: list[str] = []
    compare(expected, got, name, errors)
    assert not errors, f"{len(errors)} difference(s) from the pandas reference:\n" + "\n".join(errors[:200])


# ----------------------------------------------------------------------------------------------- tests


def test_reference_census_totals_match_the_readme() -> None:
    """The reference's own sanity check: London without the City, as published in data/README.md."""
    _need_data()
    population = ref.population_all_ages(DATA)
    boroughs = ref.force_local_authorities("metropolitan", DATA)
    assert boroughs is not None and len(boroughs) == 32 and ref.CITY_OF_LONDON not in boroughs
    totals = {g: sum(population[la][g] for la in boroughs) for g in ref.GROUPS}
    assert totals == {"Asian": 1_816_196, "Black": 1_188_138, "Mixed": 505_320, "Other": 556_315,
                      "White": 4_725_212}


@pytest.mark.parametrize("name", list(SCOPES))
def test_metrics_match_the_pandas_reference(name: str, metrics: Any, reference: Any) -> None:
    _assert_same(reference(name), metrics(name), name)


@pytest.mark.parametrize("name", list(SCOPES))
def test_area_searches_add_up_to_searches(name: str, metrics: Any) -> None:
    document = metrics(name)
    areas = document["areas"]
    total = sum(a["searches"] for a in areas)
    assert total == document["searches"], (
        f"{name}: sum of areas[].searches = {total} (by area: "
        f"{ {a['area_code']: a['searches'] for a in areas} }), searches = {document['searches']}")


def test_area_scope_agrees_with_the_force_breakdown(metrics: Any) -> None:
    force = {a["area_code"]: a for a in metrics("metropolitan-2018-self")["areas"]}
    hackney = metrics("hackney-2018")
    assert hackney["searches"] == force["E09000012"]["searches"], (
        f"hackney-2018.searches = {hackney['searches']}, metropolitan areas[E09000012].searches = "
        f"{force['E09000012']['searches']}")
    assert math.isclose(hackney["object_groups"]["drugs"]["share"], force["E09000012"]["drugs_share"],
                        rel_tol=1e-9, abs_tol=1e-12)
