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
  whole document: 32 distinct queries on the shared data), 32 clients at once (issue 22's goal: at least
  100 requests/s with p99 under 1 s);
- the server time of one uncached document (goal under 50 ms): first in a process of its own doing what the
  metrics route does, with no HTTP and no response cache, warmed up on half the force-years (then half the
  London boroughs' years: the Metropolitan Police's year with the most months loaded) and timed on the other
  half, which it was never asked: CPU time (all threads), which other load on a shared machine changes least,
  and wall time; then over HTTP, one client asking every force-year, then every borough-year, one after
  another (its p50 adds the HTTP round trip, well under a millisecond on loopback).
The uncached scenarios run twice: on this checkout's code and on the code of --baseline (a git commit,
extracted with `git archive` into a temporary folder and put first on the server's PYTHONPATH), both on the
same warehouse, so each figure has its baseline measured in the same run. Each reports requests/s,
p50/p90/p99/max latency, non-2xx answers and the load average around it to bench-results/web.json, judged
against the goals below. Sends traffic to 127.0.0.1 only; every run is bounded by DURATION.

    .venv/bin/python bench/web_bench.py [--db FILE] [--duration 30] [--connections 32] [--baseline REF]
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
GOALS = {"cached_p99_ms": 100.0, "cached_rps": 300.0, "uncached_p99_ms": 1000.0, "uncached_rps": 100.0,
         "document_p50_ms": 50.0}
# The code before issue 22's request-path work (reads, compilation): the default baseline of the uncached scenarios
BASELINE = "c449305"

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
    code: str = "current"  # this checkout, or "baseline <ref>"
    # CPU seconds the server's processes (workers and DuckDB's threads included) spent per request answered: what
    # other load on the machine changes least; an idle 2-core machine could answer at most 2000 / this per second
    cpu_ms_per_request: float | None = None
    load_before: list[float] = field(default_factory=list)  # 1, 5 and 15 minute load averages
    load_after: list[float] = field(default_factory=list)
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


def borough_years(db: Path) -> list[str]:
    """Each London borough's document for the Metropolitan Police's year with the most months loaded."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        year = con.execute("SELECT year(month) FROM stop_search WHERE force = 'metropolitan' GROUP BY 1 "
                           "ORDER BY count(DISTINCT month) DESC, 1 DESC LIMIT 1").fetchone()
        codes = con.execute("SELECT DISTINCT area_code FROM stop_search WHERE force = 'metropolitan' AND area_code "
                            "LIKE 'E09%' AND area_code <> 'E09000001' ORDER BY 1").fetchall()
    finally:
        con.close()
    if not year or year[0] is None:
        return []
    return [f"/api/v1/metrics?force=metropolitan&area={code}&from={year[0]}-01&to={year[0]}-12" for (code,) in codes]


def extract(ref: str, folder: Path) -> Path:
    """The source tree of commit `ref`, for a baseline server (`git archive`: the checkout is not touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


class Server:
    """The app under uvicorn in its own process, as `scrutiny serve` runs it."""

    def __init__(self, db: Path, source: Path | None = None, workers: int = 1, **settings: Any) -> None:
        self.port = free_port()
        self.workers = workers
        env = dict(os.environ)
        if source is not None:  # a baseline: its package first on the path, ahead of this checkout's
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(source), env.get("PYTHONPATH", "")) if p)
        code = (  # what `scrutiny serve` runs, with the settings (cache off) and access log of the scenario
            "import sys, json; from scrutiny.cli.serve import run; from scrutiny.web import get_settings; "
            "w = int(sys.argv[4]); run(get_settings(sys.argv[1], **json.loads(sys.argv[2])), '127.0.0.1', "
            "int(sys.argv[3]), access_log=False, **({'workers': w} if w > 1 else {}))"
        )
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in __exit__; uvicorn's lines: who started
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(db), json.dumps(settings), str(self.port), str(workers)],
            stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        import httpx

        deadline = time.monotonic() + 180 * self.workers  # a busy machine starts slowly
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/v1/openapi.json", timeout=5)
                self.log.seek(0)
                if self.log.read().count("Application startup complete") >= self.workers:
                    return self
                time.sleep(0.2)
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError("the server exited") from None
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()  # uvicorn finishes the requests in flight first: a queue of slow ones may not
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()

    def cpu_seconds(self) -> float | None:
        """User and system CPU of the server and its worker processes so far (None without psutil)."""
        try:
            import psutil  # type: ignore[import-untyped]
        except ImportError:
            return None
        try:
            main = psutil.Process(self.process.pid)
            return sum(sum(p.cpu_times()[:2]) for p in [main, *main.children(recursive=True)])
        except psutil.Error:
            return None

    def get(self, path: str) -> int:
        import httpx

        return httpx.get(f"{self.url}{path}", timeout=120).status_code


DOCUMENT_TIMES = """
import json, statistics, sys, time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from scrutiny.web import create_app, get_settings
from scrutiny.web.api.common import dump
from scrutiny.web.api.metrics import document
from scrutiny.web.deps import ScopeParams

warehouse = create_app(get_settings(sys.argv[1], cache_entries=0)).state.warehouse
out = {}
for kind, paths in json.loads(sys.argv[2]).items():
    def params(path):
        q = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        return ScopeParams(q["force"], q.get("area"), q.get("from"), q.get("to"), "self")
    half = len(paths) // 2
    for path in paths[:half]:  # the first half warms the process up; the second half was never asked
        dump(warehouse.read(lambda backend, p=params(path): document(backend, p)))
    cpu, wall = [], []
    for path in paths[half:]:
        c, w = time.process_time(), time.perf_counter()
        dump(warehouse.read(lambda backend, p=params(path): document(backend, p)))
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    out[kind] = {"documents": len(cpu), "cpu_ms_median": round(statistics.median(cpu), 1),
                 "cpu_ms_max": round(max(cpu), 1), "wall_ms_median": round(statistics.median(wall), 1)}
print("DOCJSON " + json.dumps(out))
"""


def document_times(db: Path, source: Path | None, kinds: dict[str, list[str]]) -> dict[str, Any]:
    """Server time of one uncached document, in a process of its own doing what the metrics route does (no HTTP,
    no response cache): warmed up on half the paths of each kind, timed on the other half, which it was never
    asked. CPU time (all threads) is what load on a shared machine changes least; wall time beside it."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(source), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-c", DOCUMENT_TIMES, str(db), json.dumps(kinds)], capture_output=True,
                          text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"document timing failed: {done.stderr[-2000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("DOCJSON "))
    times: dict[str, Any] = json.loads(line.removeprefix("DOCJSON "))
    return times


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


def load(server: Server, scenario: str, paths: list[str], connections: int, duration: int,
         code: str = "current") -> Result:
    generator = "wrk" if shutil.which("wrk") else "python-asyncio"
    print(f"{scenario} [{code}]: {connections} clients for {duration} s over {len(paths)} path(s) ({generator})",
          flush=True)
    before = [round(x, 2) for x in os.getloadavg()]
    cpu_before = server.cpu_seconds()
    stats = (run_wrk if generator == "wrk" else run_python)(server.url, paths, connections, duration)
    cpu_after = server.cpu_seconds()
    result = Result(scenario, len(paths), connections, round(stats["duration_s"], 2), stats["requests"],
                    round(stats["requests"] / stats["duration_s"], 1), round(stats["p50_ms"], 2),
                    round(stats["p90_ms"], 2), round(stats["p99_ms"], 2), round(stats["max_ms"], 2), stats["non_2xx"],
                    stats["errors"], generator, code,
                    round((cpu_after - cpu_before) * 1000 / stats["requests"], 1)
                    if cpu_before is not None and cpu_after is not None and stats["requests"] else None,
                    before, [round(x, 2) for x in os.getloadavg()])
    print(f"  {result.requests_per_s:,.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
          f"non-2xx {result.non_2xx}, errors {result.errors}, {result.cpu_ms_per_request} ms CPU per request, "
          f"load {result.load_before[0]} -> {result.load_after[0]}", flush=True)
    return result


def judge(r: Result) -> dict[str, bool]:
    if "uncached" not in r.scenario:
        return {"p99_ms<100": r.p99_ms < GOALS["cached_p99_ms"], "rps>=300": r.requests_per_s >= GOALS["cached_rps"]}
    if r.connections == 1:
        return {"p50_ms<50": r.p50_ms < GOALS["document_p50_ms"]}
    return {"p99_ms<1000": r.p99_ms < GOALS["uncached_p99_ms"], "rps>=100": r.requests_per_s >= GOALS["uncached_rps"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing warehouse (default: ingest ../shared/data into a temp DB)")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--baseline", default=BASELINE, help=f"commit whose code the uncached scenarios also run on "
                        f"(default {BASELINE}); '' for none")
    parser.add_argument("--only-uncached", action="store_true", help="leave out the cached scenarios")
    parser.add_argument("--no-load", action="store_true", help="only the server time per document (no wrk)")
    parser.add_argument("--workers", type=int, default=2, help="also run the 32-client uncached scenario on this "
                        "checkout's code with `scrutiny serve --workers N` (default 2; 1 for not)")
    parser.add_argument("--out", type=Path, default=RESULTS / "web.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install -y wrk): using the Python load generator instead", flush=True)
    with tempfile.TemporaryDirectory(prefix="scrutiny-web-bench-") as tmp:
        db = args.db or build_warehouse(Path(tmp))
        paths = force_years(db)
        boroughs = borough_years(db)
        codes: list[tuple[str, Path | None]] = [("current", None)]
        if args.baseline:
            codes.append((f"baseline {args.baseline}", extract(args.baseline, Path(tmp) / "baseline")))
        uncached = {"cache_entries": 0}
        scenarios: list[tuple[str, dict[str, Any], list[str], int, str, Path | None]] = []
        if args.workers > 1:
            scenarios.append((f"metrics uncached force-year, {args.workers} workers", uncached, paths,
                              args.connections, "current", None))
        if not args.only_uncached:  # name, settings, paths, clients, code; each on a server of its own
            scenarios += [("metrics cached", {}, [CACHED_METRICS], args.connections, "current", None),
                          ("overview page / cached", {}, ["/"], args.connections, "current", None)]
        for code, source in codes:
            scenarios += [
                ("metrics uncached force-year", uncached, paths, args.connections, code, source),
                ("metrics uncached force-year, one client", uncached, paths, 1, code, source),
                ("metrics uncached borough-year, one client", uncached, boroughs, 1, code, source),
            ]
        documents: dict[str, Any] = {}
        for code, source in codes:  # server time per document first, while nothing else of ours runs
            before = [round(x, 2) for x in os.getloadavg()]
            documents[code] = document_times(db, source, {"force-year": paths, "borough-year": boroughs})
            documents[code]["load_before"] = before
            documents[code]["load_after"] = [round(x, 2) for x in os.getloadavg()]
            print(f"server time per document [{code}]: {json.dumps(documents[code])}", flush=True)
        results: list[Result] = []
        for name, settings, targets, clients, code, source in [] if args.no_load else scenarios:
            if not targets:
                print(f"{name}: nothing to ask in this warehouse: skipped", flush=True)
                continue
            workers = int(name.rsplit(", ", 1)[1].split()[0]) if name.endswith(" workers") else 1
            with Server(db, source, workers, **settings) as server:
                if server.get(targets[0]) != 200:  # also the warm-up: a cached scenario's first answer
                    print(f"{name}: {targets[0]} is not served here (no pages installed?): skipped", flush=True)
                    continue
                results.append(load(server, name, targets, clients, args.duration, code))
        rows = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], "
                               "read_only=True).execute('SELECT count(*) FROM stop_search').fetchone()[0])", str(db)],
                              capture_output=True, text=True, check=True).stdout.strip()
    for r in results:
        r.goals = judge(r)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "warehouse_rows": int(rows),
        "force_years": len(paths),
        "borough_years": len(boroughs),
        "baseline": args.baseline or None,
        "goals": GOALS,
        "documents": documents,
        "results": [asdict(r) for r in results],
        "ratios": ratios(results),
        "document_cpu_less": {  # baseline's CPU per document over this checkout's
            kind: round(documents[base][kind]["cpu_ms_median"] / documents["current"][kind]["cpu_ms_median"], 2)
            for base in documents if base != "current" for kind in documents[base] if kind in ("force-year",
                                                                                                "borough-year")
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["ratios"], indent=2))
    print(f"wrote {args.out}")


def ratios(results: list[Result]) -> dict[str, dict[str, float]]:
    """Each uncached scenario's current figures against its baseline's: requests/s up, latencies down."""
    out: dict[str, dict[str, float]] = {}
    for now in results:
        same = now.scenario.split(", ")[0] if now.scenario.endswith(" workers") else now.scenario
        then = next((r for r in results if r.scenario == same and r.code.startswith("baseline")), None)
        if now.code != "current" or then is None or not then.requests_per_s or not now.p50_ms or not now.p99_ms:
            continue
        out[now.scenario] = {"requests_per_s": round(now.requests_per_s / then.requests_per_s, 2),
                             "p50_faster": round(then.p50_ms / now.p50_ms, 2),
                             "p99_faster": round(then.p99_ms / now.p99_ms, 2)}
        if now.cpu_ms_per_request and then.cpu_ms_per_request:
            out[now.scenario]["cpu_per_request_less"] = round(then.cpu_ms_per_request / now.cpu_ms_per_request, 2)
    return out


if __name__ == "__main__":
    main()
