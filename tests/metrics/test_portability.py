"""The metric suite is portable (docs/architecture.md): on PySpark in local mode, through Ibis, it
gives the same JSON document as on DuckDB.

A warehouse is built from a real sample (the Metropolitan and City of London archive files for 2018-04 and
2018-05, the Census and the geography), its tables are copied into one local Spark session
(tests/metrics/spark.py), and `metrics_document` runs on both backends for a few scopes. Counts must agree
exactly and with the same Python type, floats to a relative 1e-9, strings (notes included) exactly, lists
in the same order. Runs in the default `make test`; skipped with a message without Java or the shared data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from typer.testing import CliRunner

from scrutiny.errors import ScrutinyError
from scrutiny.metrics import metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope
from tests.metrics import spark

pytestmark = [
    pytest.mark.spark,
    pytest.mark.shared_data,
    # PySpark 4.0's Arrow-to-pandas conversion passes `copy=False` to astype, which pandas 3 deprecates
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]

DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()
MONTHS = ("2018-04", "2018-05")
MIN_JAVA = 17  # Spark 4.0 runs on Java 17 or 21

# id -> Scope arguments (force, area, from, to, ethnicity[, area name, purpose, power])
SCOPES: dict[str, tuple[str | None, ...]] = {
    "metropolitan-self": ("metropolitan", None, "2018-04", "2018-05", "self"),
    "metropolitan-officer": ("metropolitan", None, "2018-04", "2018-05", "officer"),
    "hackney": ("metropolitan", "Hackney", "2018-04", "2018-05", "self"),
    "city-of-london": ("city-of-london", None, "2018-04", "2018-05", "self"),  # Census by age merges it
    "all-forces": ("all", None, "2018-04", "2018-05", "self"),  # national: population by police force area
    "metropolitan-drugs-s23": ("metropolitan", None, "2018-04", "2018-05", "self", None, "drugs", "s23"),  # a lens
    "two-forces": ("metropolitan,city-of-london", None, "2018-04", "2018-05", "self"),
}


# ----------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def java() -> str:
    version = spark.java_version()
    if version is None:
        pytest.skip("no Java runtime (`java` on PATH or $JAVA_HOME): PySpark needs Java 17 for the portability test")
    major = spark.java_major(version)
    if major is not None and major < MIN_JAVA:
        pytest.skip(f"PySpark 4.0 needs Java {MIN_JAVA} or later; found {version!r}")
    pytest.importorskip("pyspark", reason="pyspark is not installed: run `.venv/bin/pip install -e '.[dev]'`")
    return version


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scrutiny ingest` of the sample: two months of Metropolitan and City files, Census, geography."""
    inputs = [DATA / "police_uk" / "archive" / m for m in MONTHS] + [DATA / "census2021", DATA / "geography"]
    for path in inputs:
        if not path.exists():
            pytest.skip(f"real data not present at {path} (../shared/data beside the repository)")
    from scrutiny.cli import app

    db = tmp_path_factory.mktemp("portability") / "sample.duckdb"
    result = CliRunner().invoke(app, ["ingest", *map(str, inputs), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def duck(warehouse: Path) -> Iterator[ibis.BaseBackend]:
    backend = ibis.duckdb.connect(str(warehouse), read_only=True)
    yield backend
    backend.disconnect()


@pytest.fixture(scope="module")
def pyspark_backend(java: str, warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    """One local Spark session for the module, holding a copy of every table the metric code reads."""
    with spark.spark_over(warehouse, tmp_path_factory.mktemp("spark"), "scrutiny-portability") as (backend, copied):
        assert copied.get("stop_search", 0) > 0, copied
        yield backend


@pytest.fixture(scope="module")
def documents(duck: ibis.BaseBackend, pyspark_backend: ibis.BaseBackend) -> Any:
    """The scope resolved and the document computed on each backend, once per scope."""
    cache: dict[str, tuple[Scope, Scope, dict[str, Any], dict[str, Any]]] = {}

    def get(name: str) -> tuple[Scope, Scope, dict[str, Any], dict[str, Any]]:
        if name not in cache:
            on_duck = resolve_scope(duck, Scope(*SCOPES[name]))
            on_spark = resolve_scope(pyspark_backend, Scope(*SCOPES[name]))
            cache[name] = (on_duck, on_spark, metrics_document(duck, on_duck),
                           metrics_document(pyspark_backend, on_spark))
        return cache[name]

    return get


# --------------------------------------------------------------------------------------------- comparison


def differences(expected: Any, got: Any, path: str = "$") -> list[str]:
    """One message per difference between the DuckDB document (expected) and the Spark one (got)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path}: object on DuckDB, {got!r} on Spark"]
        out = [f"{path}.{k}: only on DuckDB ({expected[k]!r})" for k in expected.keys() - got.keys()]
        out += [f"{path}.{k}: only on Spark ({got[k]!r})" for k in got.keys() - expected.keys()]
        for key in expected.keys() & got.keys():
            out += differences(expected[key], got[key], f"{path}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{path}: {expected!r} on DuckDB, {got!r} on Spark"]
        out = []
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            out += differences(e, g, f"{path}[{i}]")
        return out
    if type(expected) is not type(got):
        return [f"{path}: {expected!r} ({type(expected).__name__}) on DuckDB, {got!r} ({type(got).__name__}) on Spark"]
    if isinstance(expected, float):
        if not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12):
            return [f"{path}: {expected!r} on DuckDB, {got!r} on Spark"]
        return []
    return [] if expected == got else [f"{path}: {expected!r} on DuckDB, {got!r} on Spark"]


# ------------------------------------------------------------------------------------------------- tests


def test_spark_sees_the_warehouse_tables(pyspark_backend: ibis.BaseBackend, duck: ibis.BaseBackend) -> None:
    tables = set(pyspark_backend.list_tables())
    assert set(spark.METRIC_TABLES) <= tables
    for name in ("stop_search", "population", "force_areas"):
        on_duck = duck.table(name).count().to_pyarrow().as_py()
        assert pyspark_backend.table(name).count().to_pyarrow().as_py() == on_duck, name


@pytest.mark.parametrize("name", list(SCOPES))
def test_same_document_on_pyspark_and_duckdb(documents: Any, name: str) -> None:
    on_duck, on_spark, expected, got = documents(name)
    assert on_spark == on_duck
    assert expected["searches"] > 0, "the sample has no searches in this scope"
    found = differences(expected, got)
    assert not found, f"{len(found)} difference(s) between DuckDB and PySpark for {name}:\n" + "\n".join(found[:50])
    # The CLI's serialisation: both must be valid JSON (no NaN), and the same text.
    assert json.dumps(got, sort_keys=True, allow_nan=False) == json.dumps(expected, sort_keys=True, allow_nan=False)


def test_the_sample_exercises_the_document(documents: Any) -> None:
    """Guards the comparison against vacuous agreement: the sample has ratios, areas, ages and months."""
    _, _, doc, _ = documents("metropolitan-self")
    assert any(d["ratio_vs_white"] is not None for d in doc["disproportionality"])
    assert any(a["ratio_vs_white"] is not None for a in doc["age_specific"])
    assert len(doc["areas"]) >= 30 and [m["month"] for m in doc["monthly"]] == list(MONTHS)
    _, _, hackney, _ = documents("hackney")
    assert hackney["scope"]["area"] == "E09000012" and len(hackney["areas"]) == 1


def test_same_error_for_a_scope_with_no_searches(duck: ibis.BaseBackend, pyspark_backend: ibis.BaseBackend) -> None:
    messages = []
    for backend in (duck, pyspark_backend):
        with pytest.raises(ScrutinyError) as caught:
            resolve_scope(backend, Scope("metropolitan", None, "2019-01", "2019-02"))
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "2018-04, 2018-05" in messages[0]
