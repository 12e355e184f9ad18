"""Web benchmark: load on loopback against `scrutiny serve`'s app, on the real shared data.

The warehouse: every stop-and-search file under ../shared/data/police_uk/archive plus the Census and
geography folders, ingested into a temporary DB (or --db FILE). The server runs in its own process
(uvicorn, one worker, as `scrutiny serve` runs it) on 127.0.0.1 and a free port; the load comes from `wrk`
(Debian package `wrk`: `apt-get install -y wrk`), or, where wrk is missing, from a small asyncio load
generator in this file (closed loop, keep-alive; it shares the 2 cores, so its figures are pessimistic).

Scenarios, each CONNECTIONS concurrent clients for DURATION seconds after a warm-up:
- metrics, cached: one Metropolitan Police half-year document, asked again and again;
- overview page `/` (the dashboard, when the pages are installed), cached the same way;
- metrics, uncached: a server with its cache off, every force-year loaded in turn (each request computes the
  whole document); also with a single client, for the latency of one request on an idle server.
Each reports requests/s, p50/p90/p99/max latency and non-2xx answers to bench-results/web.json, judged
against the goals below. Sends traffic to 127.0.0.1 only; every run is bounded by DURATION.

    .venv/bin/python bench/web_bench.py [--db FILE] [--duration 30] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
SHARED = REPO.parent / "shared" / "data"
SOURCES = [SHARED / "police_uk" / "archive", SHARED / "census2021", SHARED / "geography"]
CACHED_METRICS = "/api/v1/metrics?force=metropolitan&from=2018-04&to=2018-09"
GOALS = {"cached_p99_ms": 100.0, "cached_rps": 300.0, "uncached_p99_ms": 1000.0}

WRK_SCRIPT = """
paths = {%(paths)s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "connect_errors": %%d, ' ..
    '"read_errors": %%d, "write_errors": %%d, "non_2xx": %%d, "timeouts": %%d, "p50_ms": %%.3f, ' ..
    '"p90_ms": %%.3f, "p99_ms": %%.3f, "max_ms": %%.3f, "mean_ms": %%.3f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
"""


@dataclass
class Result:
    scenario: str
    paths: int
    connections: int
    duration_s: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    errors: int
    generator: str
    goals: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def build_warehouse(folder: Path) -> Path:
    missing = [str(p) for p in SOURCES if not p.exists()]
    if missing:
        sys.exit(f"shared data missing: {', '.join(missing)} (or pass --db FILE)")
    db = folder / "web-bench.duckdb"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrutiny", "ingest", *map(str, SOURCES), "--db", str(db)], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"ingested the shared data into {db} in {time.perf_counter() - started:.1f} s", flush=True)
    return db


def force_years(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT force, year(month) FROM stop_search ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    return [f"/api/v1/metrics?force={force}&from={year}-01&to={year}-12" for force, year in rows]


class Server:
    """The app under uvicorn in its own process, as `scrutiny serve` runs it."""

    def __init__(self, db: Path, **settings: Any) -> None:
        self.port = free_port()
        code = (  # what `scrutiny serve` runs, with the settings (cache off) and access log of the scenario
            "import sys, json; from scrutiny.cli.serve import run; from scrutiny.web import get_settings; "
            "run(get_settings(sys.argv[1], **json.loads(sys.argv[2])), '127.0.0.1', int(sys.argv[3]), "
            "access_log=False)"
        )
        self.process = subprocess.Popen([sys.executable, "-c", code, str(db), json.dumps(settings), str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/v1/openapi.json", timeout=5)
                return self
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError("the server exited") from None
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def get(self, path: str) -> int:
        import httpx

        return httpx.get(f"{self.url}{path}", timeout=120).status_code


def run_wrk(url: str, paths: list[str], connections: int, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})
        script = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s",
             "-s", script, url],
            capture_output=True, text=True, check=True, timeout=duration + 120,
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    stats: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    stats["errors"] = sum(stats[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    stats["duration_s"] = stats["duration_us"] / 1e6
    return stats


async def _client(host: str, port: int, paths: list[str], start: int, until: float, times: list[float],
                  statuses: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    while time.perf_counter() < until:
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:"))
        await reader.readexactly(length)
        times.append(time.perf_counter() - began)
        statuses.append(int(lines[0].split()[1]))
    writer.close()


def run_python(url: str, paths: list[str], connections: int, duration: int) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    times: list[float] = []
    statuses: list[int] = []

    async def main() -> float:
        began = time.perf_counter()
        until = began + duration
        await asyncio.gather(*(_client(host, int(port), paths, n, until, times, statuses) for n in range(connections)))
        return time.perf_counter() - began

    elapsed = asyncio.run(main())
    ordered = sorted(times)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {"requests": len(times), "duration_s": elapsed, "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
            "max_ms": ordered[-1] * 1000, "non_2xx": sum(1 for s in statuses if not 200 <= s < 300), "errors": 0}


def load(server: Server, scenario: str, paths: list[str], connections: int, duration: int) -> Result:
    generator = "wrk" if shutil.which("wrk") else "python-asyncio"
    print(f"{scenario}: {connections} clients for {duration} s over {len(paths)} path(s) ({generator})", flush=True)
    stats = (run_wrk if generator == "wrk" else run_python)(server.url, paths, connections, duration)
    result = Result(scenario, len(paths), connections, round(stats["duration_s"], 2), stats["requests"],
                    round(stats["requests"] / stats["duration_s"], 1), round(stats["p50_ms"], 2),
                    round(stats["p90_ms"], 2), round(stats["p99_ms"], 2), round(stats["max_ms"], 2), stats["non_2xx"],
                    stats["errors"], generator)
    print(f"  {result.requests_per_s:,.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
          f"non-2xx {result.non_2xx}, errors {result.errors}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing warehouse (default: ingest ../shared/data into a temp DB)")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", type=Path, default=RESULTS / "web.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install -y wrk): using the Python load generator instead", flush=True)
    with tempfile.TemporaryDirectory(prefix="scrutiny-web-bench-") as tmp:
        db = args.db or build_warehouse(Path(tmp))
        paths = force_years(db)
        scenarios = [  # name, settings, paths, clients; each on a server of its own, so none inherits a queue
            ("metrics cached", {}, [CACHED_METRICS], args.connections),
            ("overview page / cached", {}, ["/"], args.connections),
            ("metrics uncached force-year", {"cache_entries": 0}, paths, args.connections),
            ("metrics uncached force-year, one client", {"cache_entries": 0}, paths, 1),
        ]
        results: list[Result] = []
        for name, settings, targets, clients in scenarios:
            with Server(db, **settings) as server:
                if server.get(targets[0]) != 200:  # also the warm-up: a cached scenario's first answer
                    print(f"{name}: {targets[0]} is not served here (no pages installed?): skipped", flush=True)
                    continue
                results.append(load(server, name, targets, clients, args.duration))
        rows = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], "
                               "read_only=True).execute('SELECT count(*) FROM stop_search').fetchone()[0])", str(db)],
                              capture_output=True, text=True, check=True).stdout.strip()
    for r in results:
        if r.scenario.endswith("cached") and "uncached" not in r.scenario:
            r.goals = {"p99_ms<100": r.p99_ms < GOALS["cached_p99_ms"],
                       "rps>=300": r.requests_per_s >= GOALS["cached_rps"]}
        else:
            r.goals = {"p99_ms<1000": r.p99_ms < GOALS["uncached_p99_ms"]}
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "warehouse_rows": int(rows),
        "force_years": len(paths),
        "goals": GOALS,
        "results": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
