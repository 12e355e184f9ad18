"""`scrutiny metrics --format json` on the real shared data, checked against an independent pandas reference.

The reference (tests/metrics/pandas_reference.py) reads the raw published files, not the warehouse, so a
mistake in loading, area assignment, Census aggregation or a metric shows up here as a named key path with
both values. Counts must agree exactly; rates, ratios and intervals to a relative 1e-9.
"""

from __future__ import annotations

import csv
import json
import math
import re
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
    # The lens (docs/lens-contract.md): a purpose, a power, both, and a purpose in an area.
    "metropolitan-2018-drugs": ref.Scope("metropolitan", "2018-04", "2018-09", purpose="drugs"),
    "metropolitan-2018-s23": ref.Scope("metropolitan", "2018-04", "2018-09", power="s23"),
    "metropolitan-2018-weapons-s1": ref.Scope("metropolitan", "2018-04", "2018-09", purpose="weapons", power="s1"),
    "hackney-2018-drugs": ref.Scope("metropolitan", "2018-04", "2018-09", area="E09000012", purpose="drugs"),
    "hackney-2018-s23": ref.Scope("metropolitan", "2018-04", "2018-09", area="E09000012", power="s23"),
}

# Lists of records are matched by these fields (so a difference names the record, not a position). A list is
# named by its path in the document with the record labels taken out ("trend.monthly.groups").
LIST_KEYS = {
    "targets": ("group",),
    "disproportionality": ("group",),
    "age_specific": ("age_range", "group"),
    "areas": ("area_code",),
    "monthly": ("month",),
    "outcomes_by_group": ("group",),
    "coverage": ("force",),
    "breakdowns.purpose": ("key",),
    "breakdowns.power": ("key",),
    **{f"trend.{kind}": ("period",) for kind in ("monthly", "quarterly", "rolling_12")},
    **{f"trend.{kind}.groups": ("group",) for kind in ("monthly", "quarterly", "rolling_12")},
}
# Lists whose order the contract fixes.
ORDERED = {"targets", "areas", "monthly", "coverage", "breakdowns.purpose", "breakdowns.power",
           *(k for k in LIST_KEYS if k.startswith("trend."))}
# Free text; `crime`, which has its own independent pandas cross-check (tests/warehouse/test_crime_real.py); and
# `use_of_force`, null here (no use-of-force tables in these scopes) and cross-checked in its own tests.
IGNORED = {"notes", "notes_detail", "crime", "use_of_force"}


def _need_data(*parts: str) -> None:
    for part in parts or ("police_uk/archive", "census2021", "geography"):
        if not (DATA / part).exists():
            pytest.skip(f"real data not present at {DATA / part} (../shared/data beside the repository)")


def metrics_args(scope: ref.Scope, db: Path) -> list[str]:
    """The `scrutiny metrics` command line of a reference scope."""
    args = ["metrics", "--force", scope.forces_text(), "--from", scope.start, "--to", scope.end]
    if scope.area:
        args += ["--area", scope.area]
    if scope.ethnicity != "self":
        args += ["--ethnicity", scope.ethnicity]
    if scope.purpose:
        args += ["--purpose", scope.purpose]
    if scope.power:
        args += ["--power", scope.power]
    return [*args, "--format", "json", "--db", str(db)]


def run_metrics(runner: CliRunner, scope: ref.Scope, db: Path) -> dict[str, Any]:
    """`scrutiny metrics ... --format json` as one parsed document, or an AssertionError saying what failed."""
    from scrutiny.cli import app

    args = metrics_args(scope, db)
    result = runner.invoke(app, args)
    if result.exit_code != 0:
        trace = ""
        if result.exc_info and not isinstance(result.exception, SystemExit):
            trace = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(f"scrutiny {' '.join(args)} failed (exit {result.exit_code}):\n"
                             f"{result.output}{trace}")
    try:
        document: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(f"scrutiny {' '.join(args)} did not print one JSON document: {error}\n"
                             f"{result.stdout[:2000]}") from error
    return document


def ingest(runner: CliRunner, db: Path, *paths: Path) -> None:
    from scrutiny.cli import app

    probe = runner.invoke(app, ["metrics", "--help"])
    if probe.exit_code != 0:
        pytest.fail(f"`scrutiny metrics` is not available yet (exit {probe.exit_code}):\n{probe.output}")
    result = runner.invoke(app, ["ingest", *map(str, paths), "--db", str(db)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, runner: CliRunner) -> Path:
    _need_data()
    db = tmp_path_factory.mktemp("crosscheck") / "real.duckdb"
    ingest(runner, db, DATA / "police_uk" / "archive", DATA / "census2021", DATA / "geography")
    return db


@pytest.fixture(scope="module")
def metrics(warehouse: Path, runner: CliRunner) -> Any:
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = run_metrics(runner, SCOPES[name], warehouse)
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


def _list_name(path: str) -> str:
    """The list's path in the document without the scope name and the record labels: 'trend.monthly.groups'."""
    relative = re.sub(r"\[[^\]]*\]", "", path)
    return relative.split(".", 1)[1] if "." in relative else relative


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
        name = _list_name(path)
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
    elif isinstance(expected, ref.Wording):
        # Plain words the contract does not fix: any non-empty text will do.
        if not isinstance(got, str) or not got.strip():
            errors.append(f"{path}: got {got!r}, expected plain words (e.g. {str(expected)!r})")
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


def assert_same(expected: dict[str, Any], got: dict[str, Any], name: str) -> None:
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
    assert_same(reference(name), metrics(name), name)


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


def test_reference_mappings_agree_with_the_catalogue() -> None:
    """The reference writes its object groups and powers out itself: check only that the keys agree with the
    package's catalogue files (the logic stays independent)."""
    catalog = ref.REPO / "src" / "scrutiny" / "catalog"
    with (catalog / "object_groups.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["value"]: r["object_group"] for r in rows if r["kind"] == "object"} == ref.OBJECT_GROUP
    assert {r["value"]: r["object_group"] for r in rows if r["kind"] == "legislation"} == ref.LEGISLATION_GROUP
    with (catalog / "powers.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["legislation"]: r["power"] for r in rows} == ref.POWER_OF_LEGISLATION
    assert {r["power"]: r["name"] for r in rows} == ref.POWER_NAMES
    with (catalog / "targets.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    on_file: dict[str, list[tuple[str, str, float]]] = {}
    for r in rows:
        on_file.setdefault(r["force"], []).append((r["object_group"], r["op"], float(r["target"])))
    assert {force: tuple(targets) for force, targets in on_file.items()} == ref.TARGETS_BY_FORCE


def test_lens_narrows_searches_and_keeps_the_population(metrics: Any) -> None:
    """The lens narrows the searches counted, never the forces, months or population (lens contract)."""
    whole = metrics("metropolitan-2018-self")
    for name in ("metropolitan-2018-drugs", "metropolitan-2018-s23", "metropolitan-2018-weapons-s1"):
        lensed = metrics(name)
        assert lensed["scope"]["forces"] == whole["scope"]["forces"] == ["metropolitan"], name
        assert [d["population"] for d in lensed["disproportionality"]] == [
            d["population"] for d in whole["disproportionality"]], name
        assert lensed["coverage"] == whole["coverage"], name
        assert lensed["targets"] == [] and lensed["targets_note"], name
    drugs = metrics("metropolitan-2018-drugs")
    assert drugs["searches"] == whole["object_groups"]["drugs"]["count"]
