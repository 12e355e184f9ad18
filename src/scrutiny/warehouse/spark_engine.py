"""PySpark as the engine for figures (`--engine pyspark --source DIR`): a Spark session, local or Spark Connect,
with each table of a Parquet export (warehouse/export.py) as a temporary view that Ibis sees as a table.

Local sessions are the smallest that behave like a real one: `local[2]`, two shuffle partitions, UTC session
time zone, no web UI, bound to the loopback interface, errors-only logging. Spark needs Java 17 or 21.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrutiny.errors import Unavailable

if TYPE_CHECKING:
    import ibis
    from pyspark.sql import SparkSession

    from scrutiny.warehouse.export import Export

MIN_JAVA = 17  # Spark 4.0 runs on Java 17 or 21
CONNECT_PREFIX = "sc://"
DEFAULT_CONNECT_PORT = 15002  # Spark Connect's own default
CONNECT_TIMEOUT_SECONDS = 10.0
# What PySpark sets in os.environ when a session is made with .remote(); its stop() leaves them for a server
# elsewhere. Those this module set, to be removed when the session stops.
CONNECT_VARIABLES = ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")
_SET_BY_CONNECT: set[str] = set()


class EngineUnavailable(Unavailable):
    """The engine cannot be started or reached (no Java, no pyspark, a Spark Connect address that does not answer)."""


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


def _need_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailable("the pyspark engine needs PySpark: `pip install 'scrutiny[spark]'`") from None


def _need_java() -> None:
    version = java_version()
    if version is None:
        raise EngineUnavailable(f"the pyspark engine needs Java {MIN_JAVA} or later (`java` on PATH or $JAVA_HOME); "
                                "none was found")
    major = java_major(version)
    if major is not None and major < MIN_JAVA:
        raise EngineUnavailable(f"the pyspark engine needs Java {MIN_JAVA} or later; found {version!r}")


def _log_config(work: Path) -> Path:
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
    return log4j


def local_session(work: Path, app_name: str = "scrutiny") -> SparkSession:
    """A fresh local SparkSession whose scratch files stay under `work`; no network beyond loopback."""
    _need_pyspark()
    _need_java()
    from pyspark.sql import SparkSession

    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # C1 JIT only and the serial GC: this short-lived JVM starts and answers small queries sooner (~6-8 s here).
    java_options = f"-Dlog4j2.configurationFile=file:{_log_config(work)} -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
    builder: Any = SparkSession.builder
    session = (
        builder.master("local[2]")
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
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    started: SparkSession = session
    return started


def _reachable(url: str, timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
    """Fail in seconds, not after the client's minutes of retries, when nothing listens at the address."""
    address = urlsplit(url.split(";", 1)[0].replace(CONNECT_PREFIX, "tcp://", 1))
    try:
        port = address.port or DEFAULT_CONNECT_PORT
        host = address.hostname
    except ValueError:
        raise EngineUnavailable(f"--spark {url!r}: not a host and port (sc://host:port)") from None
    if not host:
        raise EngineUnavailable(f"--spark {url!r}: no host (sc://host:port)")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise EngineUnavailable(f"Spark Connect server {url} cannot be reached: {exc.strerror or exc}") from None


def remote_session(url: str) -> SparkSession:
    """A session on a Spark Connect server (`sc://host:port`), checked with one small query."""
    if not url.startswith(CONNECT_PREFIX):
        raise EngineUnavailable(f"--spark {url!r}: a Spark Connect address starts with {CONNECT_PREFIX} "
                                "(e.g. sc://spark.example.org:15002)")
    _reachable(url)
    _need_pyspark()
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the Connect client's own dependencies (grpcio) are missing
        raise EngineUnavailable(f"Spark Connect needs `pip install 'pyspark[connect]'` ({exc})") from None
    absent = {k for k in CONNECT_VARIABLES if k not in os.environ}
    try:
        builder: Any = SparkSession.builder
        session = builder.remote(url).getOrCreate()
        session.range(1).count()
    except Exception as exc:  # grpc and pyspark raise many kinds; any of them means "cannot use this server"
        _forget(absent)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineUnavailable(f"Spark Connect server {url} cannot be reached: {first[:300]}") from None
    _SET_BY_CONNECT.update(k for k in absent if k in os.environ)
    reached: SparkSession = session
    return reached


def _forget(variables: set[str]) -> None:
    for name in variables:
        os.environ.pop(name, None)


def stop_session(session: SparkSession) -> None:
    """Stop the session and, for a local one, end its JVM (PySpark otherwise keeps it until Python exits).

    A Spark Connect session leaves PySpark's Connect mode switched on in the environment, where every later
    session of this process (and every process it starts) would be made a Connect one: switched off here."""
    session.stop()
    _forget(_SET_BY_CONNECT)
    _SET_BY_CONNECT.clear()
    try:
        from pyspark import SparkContext
    except ImportError:
        return
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


def register_export(session: SparkSession, export: Export) -> None:
    """Each table of `export` as a temporary view of the same name.

    The files are read by content, not by folder name (`recursiveFileLookup`): the partition columns are inside
    them with their own types, which Spark's guess from `month=2024-01-01` might not keep."""
    for name in export.tables:
        frame = session.read.option("recursiveFileLookup", "true").parquet(str(export.files_of(name)))
        frame.createOrReplaceTempView(name)


def spark_backend(source: Path, remote: str | None = None) -> tuple[ibis.BaseBackend, SparkSession]:
    """An Ibis backend over the export at `source`, on a local session or the Spark Connect server `remote`."""
    from scrutiny.warehouse.export import open_export

    export = open_export(source)
    session = remote_session(remote) if remote else local_session(Path(tempfile.mkdtemp(prefix="scrutiny-spark-")))
    register_export(session, export)
    import ibis

    return ibis.pyspark.connect(session), session
