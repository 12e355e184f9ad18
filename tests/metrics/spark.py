"""A local PySpark session for tests, and the warehouse tables copied into it (for the portability test).

The session is the smallest that behaves like a real one: `local[2]`, two shuffle partitions, UTC session
time zone, no web UI, bound to the loopback interface, quiet logging. Tables go from DuckDB to Spark
through Parquet files (DuckDB writes them, Spark reads them), so every column keeps its type without
passing through pandas, and each becomes a temporary view of the same name that Ibis sees as a table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Every table the metric code reads (src/scrutiny/metrics), with columns it does not need left out:
# `areas.geometry_wkb` is only for placing points, which the warehouse did at ingest.
METRIC_TABLES: dict[str, str | None] = {
    "stop_search": None,  # None: every column
    "population": None,
    "force_areas": None,
    "areas": "area_code, area_name, source",
    "rejects": None,
    "ingest_log": None,
    "street_crime": None,
    "crime_outcome": None,
    "mps_recorded_crime": None,
}


def java_version() -> str | None:
    """The first line of `java -version` (e.g. 'openjdk version "17.0.15" 2025-04-15'), or None without Java."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else None
    exe = str(java) if java and java.exists() else shutil.which("java")
    if exe is None:
        return None
    try:
        result = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[0] if lines else None


def java_major(version_line: str) -> int | None:
    """17 from 'openjdk version "17.0.15"', 8 from 'java version "1.8.0_392"'."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_line)
    if not match:
        return None
    major = int(match[1])
    return int(match[2] or 0) if major == 1 else major


def start_session(work: Path, app_name: str = "scrutiny-tests") -> SparkSession:
    """A fresh local SparkSession whose scratch files stay under `work`; no network beyond loopback."""
    from pyspark.sql import SparkSession

    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    log4j = work / "log4j2.properties"
    # Errors only. PySpark counts as a shell, and Spark announces the level on start unless `org.apache.spark`
    # has its own level equal to the root's.
    log4j.write_text("\n".join([
        "rootLogger.level = error", "rootLogger.appenderRef.stderr.ref = console",
        "appender.console.type = Console", "appender.console.name = console", "appender.console.target = SYSTEM_ERR",
        "appender.console.layout.type = PatternLayout", "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n",
        *(f"logger.{n}.name = {p}\nlogger.{n}.level = error" for n, p in
          (("spark", "org.apache.spark"), ("hadoop", "org.apache.hadoop"), ("shaded", "org.sparkproject"),
           ("parquet", "org.apache.parquet"), ("netty", "io.netty"))),
    ]) + "\n")
    # C1 JIT only and the serial GC: this short-lived JVM starts and answers small queries sooner (~6-8 s here).
    java_options = f"-Dlog4j2.configurationFile=file:{log4j} -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
    builder = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.local.dir", str(work / "local"))
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config("spark.sql.catalogImplementation", "in-memory")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_session(session: SparkSession) -> None:
    """Stop the session and end its JVM (PySpark otherwise keeps it until Python exits)."""
    from pyspark import SparkContext

    session.stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        proc = getattr(gateway, "proc", None)
        gateway.shutdown()
        if proc is not None:
            if proc.stdin:
                proc.stdin.close()  # the JVM exits when its stdin closes
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        SparkContext._gateway = None
        SparkContext._jvm = None


def copy_warehouse(db: Path, session: SparkSession, staging: Path,
                   tables: dict[str, str | None] = METRIC_TABLES) -> dict[str, int]:
    """Copy `tables` of the DuckDB warehouse at `db` into `session` as temporary views; rows per table.

    A table missing from the warehouse is left out (the metric code checks `list_tables()` for the optional
    ones); the row count in Spark is checked against DuckDB's.
    """
    staging.mkdir(parents=True, exist_ok=True)
    copied: dict[str, int] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for name, columns in tables.items():
            if name not in present:
                continue
            target = staging / f"{name}.parquet"
            # Spark has no UUID type (crime_key): such a column goes over as its text, which joins the same
            uuids = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                               "AND data_type = 'UUID'", [name]).fetchall()]
            as_text = f" REPLACE ({', '.join(f'CAST({c} AS VARCHAR) AS {c}' for c in uuids)})" if uuids else ""
            select = columns or f"*{as_text}"
            con.execute(f"COPY (SELECT {select} FROM {name}) TO '{target}' (FORMAT parquet)")
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            copied[name] = int(row[0]) if row else 0
    finally:
        con.close()
    for name, rows in copied.items():
        frame = session.read.parquet(str(staging / f"{name}.parquet"))
        frame.createOrReplaceTempView(name)
        in_spark = session.table(name).count()
        if in_spark != rows:
            raise AssertionError(f"{name}: {rows} rows in DuckDB, {in_spark} in Spark")
    return copied
