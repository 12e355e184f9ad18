"""Readers never lock out the writer: `scrutiny ingest` works on a copy and swaps it in whole.

The server reads the warehouse for every uncached request. Before, a client asking uncached questions in a
loop kept the file open nearly all the time, and `ingest` (which needed it to itself) failed with "in use by
another process". Here a real uvicorn server answers a steady stream of uncached requests while two real
`scrutiny ingest` processes load a month each; two writers queue on the write lock; and a writer killed
mid-copy or mid-write leaves the live warehouse as it was.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scrutiny.warehouse.connect import WarehouseBusy
from scrutiny.warehouse.writing import WriteSession, leftovers, lock_path
from scrutiny.web import create_app, get_settings
from scrutiny.web.deps import Warehouse
from tests.conftest import query, snapshot, write_archive
from tests.loopback import TLS
from tests.web.conftest import KENT_MARCH, LiveServer, _dated, ingest, write_march, write_sources

API = "/api/v1"
SCRUTINY = Path(sys.executable).with_name("scrutiny")
KENT_APRIL = _dated(KENT_MARCH, "2024-04")[:4]  # 4 searches
# Figures of the small warehouse (tests/web/conftest.py): Kent has 42 + 12 searches in January and February.
KENT_BEFORE, MARCH, APRIL = 54, 9, 4


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    db = tmp_path / "db" / "small.duckdb"
    ingest(write_sources(tmp_path / "sources"), "--db", db)
    return db


def run_ingest(folder: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRUTINY), "ingest", str(folder), "--db", str(db)], capture_output=True, text=True,
                          timeout=180)


def kent_searches(db: Path) -> int:
    [(count,)] = query(db, "SELECT count(*) FROM stop_search WHERE force = 'kent'")
    assert isinstance(count, int)
    return count


@dataclass
class Answer:
    status: int
    retry_after: str | None
    cache: str | None
    began: float
    ended: float


def uncached_questions() -> list[dict[str, str]]:
    """Metrics questions that each miss the cache: 4 forces x 2 bases x 5 purposes x 4 powers x 3 periods = 480,
    all with data (every force has January, and each period ends in it)."""
    periods = [("2024-01", "2024-01"), ("2023-06", "2024-01"), ("2023-01", "2024-01")]
    questions = []
    for force, basis, purpose, power, (start, end) in itertools.product(
            ["kent", "btp", "all", "btp,kent"], ["self", "officer"], ["", "drugs", "weapons", "key_crime", "other"],
            ["", "s1", "s23", "s60"], periods):
        question = {"force": force, "ethnicity": basis, "from": start, "to": end}
        question |= {"purpose": purpose} if purpose else {}
        questions.append(question | ({"power": power} if power else {}))
    return questions


QUESTIONS = uncached_questions()


def stream(url: str, stop: threading.Event, answers: list[Answer]) -> None:
    """Ask one uncached question after another until told to stop: the loop that locked ingest out."""
    with httpx.Client(base_url=url, timeout=60, verify=TLS) as http:
        for question in itertools.cycle(QUESTIONS):
            if stop.is_set():
                return
            began = time.monotonic()
            r = http.get(f"{API}/metrics", params=question)
            answers.append(Answer(r.status_code, r.headers.get("retry-after"), r.headers.get("x-scrutiny-cache"),
                                  began, time.monotonic()))


def test_two_ingests_succeed_while_a_client_streams_uncached_requests(small_db: Path, tmp_path: Path) -> None:
    march = write_march(tmp_path / "march")
    april = write_archive(tmp_path / "april", "2024-04", "kent", KENT_APRIL)
    answers: list[Answer] = []
    stop = threading.Event()
    windows: list[tuple[float, float]] = []
    with LiveServer(create_app(get_settings(small_db))) as server, \
            httpx.Client(base_url=server.url, verify=TLS) as http:
        def kent_total() -> int:
            r = http.get(f"{API}/metrics", params={"force": "kent", "to": "2024-04"})
            assert r.status_code == 200, r.text
            searches: int = r.json()["searches"]
            return searches

        assert kent_total() == KENT_BEFORE
        client = threading.Thread(target=stream, args=(server.url, stop, answers))
        client.start()
        try:
            while len(answers) < 2:  # the stream is flowing before the first ingest starts
                time.sleep(0.05)
            for folder, expected in ((march, KENT_BEFORE + MARCH), (april, KENT_BEFORE + MARCH + APRIL)):
                began = time.monotonic()
                done = run_ingest(folder, small_db)
                windows.append((began, time.monotonic()))
                assert done.returncode == 0, done.stdout + done.stderr
                assert kent_total() == expected  # the API answers from the new data at once
            time.sleep(0.3)
        finally:
            stop.set()
            client.join(timeout=90)
    during = [a for a in answers if any(a.began < end and a.ended > start for start, end in windows)]
    assert len(during) >= 2, f"the stream did not overlap the ingests ({len(answers)} answers in all)"
    failures = [a for a in answers if not 200 <= a.status < 300]
    assert all(a.status == 503 and a.retry_after for a in failures), [(a.status, a.retry_after) for a in failures]
    # The live path always names a complete warehouse (the swap is one rename) and no Scrutiny process ever
    # opens it for writing, so no request has anything to wait for: the bound is zero.
    assert failures == []
    assert all(a.cache == "miss" for a in answers[:len(QUESTIONS)]), "each question was meant to miss the cache"
    assert kent_searches(small_db) == KENT_BEFORE + MARCH + APRIL
    assert not any(p.exists() for p in leftovers(small_db))


def test_work_already_reading_keeps_its_file_and_new_work_reads_the_new_one(small_db: Path, tmp_path: Path) -> None:
    """Overlapping reads share a DuckDB instance; one started after a swap must not be handed the old one."""
    warehouse = Warehouse(small_db, lock_wait=1.0, slots=4)
    count = "SELECT count(*) FROM stop_search WHERE force = 'kent'"
    with warehouse.backend() as old:
        assert old.raw_sql(count).fetchone() == (KENT_BEFORE,)
        assert run_ingest(write_march(tmp_path / "march"), small_db).returncode == 0
        assert warehouse.read(lambda new: new.raw_sql(count).fetchone()) == (KENT_BEFORE + MARCH,)
        assert old.raw_sql(count).fetchone() == (KENT_BEFORE,)  # the old file, read whole
    assert warehouse.opened == 2


def test_a_second_writer_waits_for_the_first_and_keeps_its_work(small_db: Path, tmp_path: Path) -> None:
    march = write_march(tmp_path / "march")
    first = WriteSession(small_db)
    try:
        first.con.execute("CREATE TABLE first_write AS SELECT 42 AS answer")
        second = subprocess.Popen([str(SCRUTINY), "ingest", str(march), "--db", str(small_db)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        told = second.stderr.readline()  # blocks until the second writer reaches the lock (or ends: "")
        assert "waiting for another write" in told and f"pid {os.getpid()}" in told, told
        time.sleep(0.5)
        assert second.poll() is None, "the second writer did not wait for the first"
        assert kent_searches(small_db) == KENT_BEFORE  # neither write is visible yet
        first.publish()
    finally:
        first.close()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, out + err
    assert query(small_db, "SELECT answer FROM first_write") == [(42,)]  # the second copied the first's result
    assert kent_searches(small_db) == KENT_BEFORE + MARCH


def test_a_writer_that_waits_too_long_says_who_holds_the_warehouse(small_db: Path) -> None:
    with WriteSession(small_db):
        began = time.monotonic()
        with pytest.raises(WarehouseBusy, match=rf"being written by another process \(pid {os.getpid()} since"):
            WriteSession(small_db, lock_wait=0.3)
        assert 0.3 <= time.monotonic() - began < 5
    with WriteSession(small_db) as again:  # released: the next writer goes straight in
        again.publish(changed=False)
    assert lock_path(small_db).exists()


# A writer in a child process that stops at a chosen point and waits to be killed.
_COPY_HALF = """
import os, sys, time
from pathlib import Path
real = os.copy_file_range
def half(src, dst, count, offset_src, offset_dst):  # the copy gets half way, then the writer hangs
    if offset_src >= os.fstat(src).st_size // 2:
        print("half", flush=True)
        time.sleep(600)
    return real(src, dst, min(count, os.fstat(src).st_size // 2 - offset_src), offset_src, offset_dst)
os.copy_file_range = half
from scrutiny.warehouse.writing import WriteSession
WriteSession(Path(sys.argv[1]))
"""
_WRITE_THEN_HANG = """
import sys, time
from pathlib import Path
from scrutiny.warehouse.writing import WriteSession
session = WriteSession(Path(sys.argv[1]))
session.con.execute("DELETE FROM stop_search")
session.con.execute("CHECKPOINT")
print("written", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize(("script", "signal_line"), [(_COPY_HALF, "half"), (_WRITE_THEN_HANG, "written")],
                         ids=["mid-copy", "mid-write"])
def test_kill_9_of_a_writer_leaves_the_warehouse_readable_and_unchanged(
        small_db: Path, tmp_path: Path, script: str, signal_line: str) -> None:
    before, digest = snapshot(small_db), hashlib.sha256(small_db.read_bytes()).hexdigest()
    writer = subprocess.Popen([sys.executable, "-c", script, str(small_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == signal_line
        copy = leftovers(small_db)[0]
        assert copy.exists()
        if signal_line == "half":
            assert 0 < copy.stat().st_size < small_db.stat().st_size
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert hashlib.sha256(small_db.read_bytes()).hexdigest() == digest
    assert snapshot(small_db) == before and kent_searches(small_db) == KENT_BEFORE
    assert copy.exists()  # what the killed writer left, until the next write
    ingest(write_march(tmp_path / "march"), "--db", small_db)
    assert kent_searches(small_db) == KENT_BEFORE + MARCH
    assert not any(p.exists() for p in leftovers(small_db))


def test_a_first_ingest_creates_the_warehouse_and_an_unchanged_one_keeps_the_file(tmp_path: Path) -> None:
    db = tmp_path / "new" / "first.duckdb"
    march = write_march(tmp_path / "march")
    ingest(march, "--db", db)
    assert kent_searches(db) == MARCH
    inode = db.stat().st_ino
    ingest(march, "--db", db)  # nothing new: no swap, readers' caches stay warm
    assert db.stat().st_ino == inode
    assert sorted(p.name for p in db.parent.iterdir()) == ["first.duckdb", "first.duckdb.write.lock"]
