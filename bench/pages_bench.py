"""Pages benchmark: what a browser downloads for each page, and how soon the dashboard shows a new selection.

Two servers on the real shared data, measured in the same run:
- **baseline**: the code at BASE (default c449305, the last commit before issue 22's page work: every page
  loads the chart library, static files uncompressed and without a cache header), extracted with
  `git archive` into bench-results/pages/baseline-src and run with it first on sys.path;
- **current**: this checkout.
Each ingests the shared stop-and-search archive, Census and geography (bench/web_bench.py's SOURCES) with its
own code into its own warehouse, and runs as `scrutiny serve` runs it (uvicorn, one process, 127.0.0.1).

Chromium (/usr/bin/chromium, through Playwright) measures:
1. **Bytes per page**: a fresh browser context (empty cache) opens each page; the bytes received (CDP
   `Network.loadingFinished` encodedDataLength: headers and bodies as sent, compressed or not) are summed, all
   and scripts only; then the same page again in the same context (a repeat view: what the cache saves).
2. **Dashboard first view of a new selection**: for selections neither server has been asked before (each
   server is asked each once; the two take turns going first), a fresh context opens
   /force/metropolitan?from=..&to=.. and the time from navigation start until every chart is drawn is read
   from performance.now(); on loopback and with a phone's network emulated (CDP: 10 Mbit/s down, 40 ms
   latency). And in an open page: the period changed in the form (htmx swaps <main>), timed until the new
   selection's charts are drawn.
Results: a table on stdout and bench-results/pages.json. Goals: the report form, rights and login pages
under 100 KB of script; the first view of a new selection under 1 s (loopback).

    .venv/bin/python bench/pages_bench.py [--base COMMIT] [--selections 7] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_bench import SOURCES, free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
WORK = RESULTS / "pages"
BASE = "c449305"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["/report", "/rights", "/login", "/force/metropolitan", "/methods"]
LIGHT = ("/report", "/rights", "/login")
PHONE_NETWORK = {"offline": False, "latency": 40, "downloadThroughput": 10_000_000 / 8,
                 "uploadThroughput": 5_000_000 / 8}
GOALS = {"light_script_bytes": 100_000, "first_view_s": 1.0}
# Metropolitan's loaded months (../shared/data/README.md): every (from, to) within a run of months is a selection
MET_RUNS = [[f"2018-{m:02d}" for m in range(4, 10)], [f"2021-{m:02d}" for m in range(6, 10)]]
DRAWN = ("() => { const c = Array.from(document.querySelectorAll('[data-vega-spec]'));"
         " return c.length > 0 && c.every(e => e.dataset.drawn === 'yes') ? performance.now() : false; }")


def selections(n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[tuple[str, str], str]]]:
    """Selections no measurement asks twice: `n` for the first view on loopback, `n` with the phone network,
    and up to `n` page swaps ((from, to) opened, then `from` changed to the month after it)."""
    pairs = [(run[i], run[j]) for run in MET_RUNS for i in range(len(run)) for j in range(i, len(run))]
    pairs = pairs[::2] + pairs[1::2]  # consecutive ones differ in length
    cold, phone = pairs[:n], pairs[n:2 * n]
    asked = set(cold) | set(phone)
    swaps: list[tuple[tuple[str, str], str]] = []
    for run in MET_RUNS:
        for i in range(len(run) - 1):
            for j in range(i + 1, len(run)):
                opened, target = (run[i], run[j]), (run[i + 1], run[j])
                if len(swaps) < n and not {opened, target} & asked:
                    swaps.append((opened, run[i + 1]))
                    asked |= {opened, target}
    return cold, phone, swaps


def git_commit(ref: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref], check=True, capture_output=True,
                          text=True).stdout.strip()


def baseline_source(base: str) -> Path:
    """The baseline's src/ tree, from `git archive` (no checkout, no worktree: the repository is left alone)."""
    target = WORK / f"baseline-src-{base}"
    if not (target / "src" / "scrutiny").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", base, "src"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def environment(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def build_warehouse(name: str, src: Path | None, reuse: bool) -> Path:
    missing = [str(p) for p in SOURCES if not p.exists()]
    if missing:
        sys.exit(f"shared data missing: {', '.join(missing)}")
    db = WORK / f"{name}.duckdb"
    if reuse and db.exists():
        print(f"{name}: reusing {db}", flush=True)
        return db
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrutiny", "ingest", *map(str, SOURCES), "--db", str(db)], check=True,
                   stdout=subprocess.DEVNULL, env=environment(src))
    print(f"{name}: ingested the shared data in {time.perf_counter() - started:.1f} s", flush=True)
    return db


@contextmanager
def server(name: str, db: Path, src: Path | None) -> Iterator[str]:
    """The app under uvicorn in its own process, as `scrutiny serve` runs it (workspace upgraded first)."""
    import httpx

    port = free_port()
    workspace = WORK / f"{name}-workspace.sqlite"
    workspace.unlink(missing_ok=True)
    code = ("import sys; from scrutiny.cli.serve import run; from scrutiny.web import get_settings; "
            "run(get_settings(sys.argv[1], workspace_url=sys.argv[2]), '127.0.0.1', int(sys.argv[3]), "
            "access_log=False)")
    process = subprocess.Popen([sys.executable, "-c", code, str(db), f"sqlite:///{workspace}", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment(src))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # start-up answers one metrics question first (settle)
        while True:
            try:
                httpx.get(f"{url}/rights", timeout=30)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {name} server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


class Transfer:
    """Bytes received by one page, from Chromium's own network events."""

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.kinds: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.cdp.on("Network.responseReceived", lambda e: self.kinds.__setitem__(e["requestId"], e["type"]))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.bytes.__setitem__(e["requestId"], int(e["encodedDataLength"])))

    def reset(self) -> None:
        self.kinds.clear()
        self.bytes.clear()

    def total(self, kind: str | None = None) -> int:
        return sum(n for rid, n in self.bytes.items() if kind is None or self.kinds.get(rid) == kind)

    def emulate(self, network: dict[str, Any]) -> None:
        self.cdp.send("Network.emulateNetworkConditions", network)


def page_bytes(browser: Any, url: str, address: str) -> dict[str, int]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        transfer = Transfer(page)
        page.goto(url + address, wait_until="load")
        if page.locator("[data-vega-spec]").count():
            page.wait_for_function(DRAWN, timeout=60_000)
        page.wait_for_timeout(300)  # late events
        first = {"all": transfer.total(), "script": transfer.total("Script")}
        transfer.reset()
        page.goto(url + address, wait_until="load")
        page.wait_for_timeout(300)
        return {**first, "repeat_all": transfer.total(), "repeat_script": transfer.total("Script")}
    finally:
        context.close()


def first_view(browser: Any, url: str, start: str, end: str, network: dict[str, Any] | None) -> dict[str, float]:
    """Seconds from navigation start until every chart of a never-asked selection is drawn (empty cache),
    split into the wait for the page's first byte (the server working out the figures) and the time from
    the page's last byte to the last chart drawn (the page's own weight: scripts fetched, parsed, run)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        transfer = Transfer(page)
        if network:
            transfer.emulate(network)
        page.goto(f"{url}/force/metropolitan?from={start}&to={end}", wait_until="commit", timeout=120_000)
        at: float = page.wait_for_function(DRAWN, timeout=120_000, polling=10).json_value()
        nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                            " return [n.responseStart, n.responseEnd]; }")
        return {"drawn_s": at / 1000, "server_s": nav[0] / 1000, "after_html_s": (at - nav[1]) / 1000}
    finally:
        context.close()


def swap_view(browser: Any, url: str, start: str, end: str, new_start: str) -> float:
    """Seconds from changing the period in an open page until the new selection's charts are drawn."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{url}/force/metropolitan?from={start}&to={end}")
        page.wait_for_function(DRAWN, timeout=120_000)
        page.evaluate("() => { window.settled = false; document.body.addEventListener('htmx:afterSettle',"
                      " () => { window.settled = true; }, {once: true}); window.t0 = performance.now(); }")
        page.select_option("#from", new_start)
        done = ("() => { const c = Array.from(document.querySelectorAll('[data-vega-spec]'));"
                " return window.settled && c.length > 0 && c.every(e => e.dataset.drawn === 'yes')"
                " ? performance.now() - window.t0 : false; }")
        took: float = page.wait_for_function(done, timeout=120_000, polling=10).json_value()
        return took / 1000
    finally:
        context.close()


def summary(values: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(values), 3), "max_s": round(max(values), 3),
            "min_s": round(min(values), 3), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help="the baseline commit (default %(default)s)")
    parser.add_argument("--selections", type=int, default=7, help="new selections per scenario")
    parser.add_argument("--reuse", action="store_true", help="use the warehouses of the last run, if any")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"no Chromium at {CHROMIUM}")
    WORK.mkdir(parents=True, exist_ok=True)
    base = git_commit(args.base)
    sources = {"baseline": baseline_source(base), "current": None}
    dbs = {name: build_warehouse(name, src, args.reuse) for name, src in sources.items()}
    cold, phone, swaps = selections(args.selections)
    results: dict[str, Any] = {"pages": {}, "first_view": {}, "first_view_phone": {}, "swap": {}}
    with ExitStack() as stack:
        urls = {name: stack.enter_context(server(name, dbs[name], src)) for name, src in sources.items()}
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        order = ["baseline", "current"]
        for name in order:
            results["pages"][name] = {address: page_bytes(browser, urls[name], address) for address in PAGES}
        times: dict[str, dict[str, list[dict[str, float]]]] = {
            k: {name: [] for name in order} for k in ("first_view", "first_view_phone", "swap")}
        for i in range(len(cold)):
            for name in order if i % 2 == 0 else order[::-1]:  # who goes first alternates
                times["first_view"][name].append(first_view(browser, urls[name], *cold[i], None))
                times["first_view_phone"][name].append(first_view(browser, urls[name], *phone[i], PHONE_NETWORK))
                if i < len(swaps):
                    (start, end), new_start = swaps[i]
                    took = swap_view(browser, urls[name], start, end, new_start)
                    times["swap"][name].append({"drawn_s": took})
        for key, by_server in times.items():
            results[key] = {name: {part: {**summary([v[part] for v in values]),
                                          "all_s": [round(v[part], 3) for v in values]}
                                   for part in values[0]}
                            for name, values in by_server.items() if values}
    report(results, base)


def report(results: dict[str, Any], base: str) -> None:
    pages = results["pages"]
    print("\nBytes received per page (empty cache, then a repeat view), baseline vs current:")
    print(f"{'page':<22}{'baseline all':>14}{'current all':>13}{'ratio':>8}{'base script':>13}{'cur script':>12}"
          f"{'base repeat':>13}{'cur repeat':>12}")
    for address in PAGES:
        b, c = pages["baseline"][address], pages["current"][address]
        print(f"{address:<22}{b['all']:>14,}{c['all']:>13,}{b['all'] / c['all']:>7.1f}x{b['script']:>13,}"
              f"{c['script']:>12,}{b['repeat_all']:>13,}{c['repeat_all']:>12,}")
    print("\nDashboard first view of a new selection, seconds (median, max): navigation start to every chart drawn;"
          "\nof which waiting for the page's first byte (the server's figures); page's last byte to last chart:")
    for key, label in (("first_view", "loopback"), ("first_view_phone", "10 Mbit/s, 40 ms"),
                       ("swap", "in-page change (htmx)")):
        for part in results[key]["current"]:
            b, c = results[key]["baseline"][part], results[key]["current"][part]
            print(f"{label:<24}{part:<14} baseline {b['median_s']:.3f} ({b['max_s']:.3f})  current "
                  f"{c['median_s']:.3f} ({c['max_s']:.3f})  baseline/current {b['median_s'] / c['median_s']:.2f}x")
    verdicts = {
        "light_pages_script_under_100kb": all(pages["current"][a]["script"] < GOALS["light_script_bytes"]
                                              for a in LIGHT),
        "first_view_under_1s": results["first_view"]["current"]["drawn_s"]["max_s"] < GOALS["first_view_s"],
    }
    for goal, met in verdicts.items():
        print(f"{goal}: {'met' if met else 'NOT met'}")
    out = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
           "cpus": os.cpu_count(), "base": base, "commit": git_commit("HEAD"), "goals": GOALS,
           "verdicts": verdicts, **results}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwritten {RESULTS / 'pages.json'}")


if __name__ == "__main__":
    main()
