"""The portability test (test_portability.py) on the prepared counts: the same sample warehouse, its tables and
its prepared counts copied into a local Spark session, `metrics_document` on Spark from the prepared counts
against DuckDB from the rows (the reference path), scope by scope.

test_portability.py itself copies only the canonical tables, so on Spark it runs the row path, against DuckDB
on the prepared counts; here Spark reads the prepared counts. Together both paths run on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest

from scrutiny.metrics import metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope, stop_table
from scrutiny.warehouse.aggregates import AREAS_CUBE, FIGURES_CUBE
from tests.metrics import spark
from tests.metrics.test_portability import SCOPES, differences, java, warehouse

pytestmark = [
    pytest.mark.spark,
    pytest.mark.shared_data,
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]

__all__ = ["java", "warehouse"]  # fixtures shared with test_portability.py


@pytest.fixture(scope="module")
def duck(warehouse: Path) -> Iterator[ibis.BaseBackend]:
    backend = ibis.duckdb.connect(str(warehouse), read_only=True)
    yield backend
    backend.disconnect()


@pytest.fixture(scope="module")
def spark_counts(java: str, warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    """A local Spark session holding every table the metric code reads, the prepared counts included."""
    tables = {**spark.METRIC_TABLES, FIGURES_CUBE: None, AREAS_CUBE: None}
    with spark.spark_over(warehouse, tmp_path_factory.mktemp("spark-counts"), "scrutiny-aggregates",
                          tables) as (backend, copied):
        assert copied.get(FIGURES_CUBE, 0) > 0 and copied.get(AREAS_CUBE, 0) > 0, copied
        yield backend


def test_spark_reads_the_prepared_counts(spark_counts: ibis.BaseBackend) -> None:
    assert stop_table(spark_counts, area=False).get_name() == FIGURES_CUBE
    assert stop_table(spark_counts, area=True).get_name() == AREAS_CUBE


@pytest.mark.parametrize("name", list(SCOPES))
def test_same_document_on_spark_counts_and_duckdb_rows(duck: ibis.BaseBackend, spark_counts: ibis.BaseBackend,
                                                       name: str) -> None:
    on_duck = resolve_scope(duck, Scope(*SCOPES[name]), rows=True)
    on_spark = resolve_scope(spark_counts, Scope(*SCOPES[name]))
    assert on_spark == on_duck
    expected: dict[str, Any] = metrics_document(duck, on_duck, rows=True)
    got: dict[str, Any] = metrics_document(spark_counts, on_spark)
    assert expected["searches"] > 0
    found = differences(expected, got)
    assert not found, f"{len(found)} difference(s) for {name}:\n" + "\n".join(found[:50])
