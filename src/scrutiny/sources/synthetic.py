"""Synthetic stop-and-search files in the exact data.police.uk archive layout, for tests and benchmarks.

Real files are small and few; loaders and metrics must be proven on tens of millions of rows with the same
quirks (UTC dates that start at 23:00 in BST months, CRLF and LF files, blank person fields on vehicle
searches, Metropolitan's empty last two columns, missing locations). Distributions are taken from the
shared real files so figures computed on synthetic data look plausible, but every file carries a
`.synthetic.json` sidecar and the folder a SYNTHETIC.md so it can never pass for real police records.

Speed: each row is six pieces (type, date minute, seconds+operation, location, person block, outcome
block), each an index into a small vocabulary of pre-joined strings. Arrow `take` and
`binary_join_element_wise` build a chunk's text in C++, and its data buffer is written as is.
"""

from __future__ import annotations

import itertools
import json
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.catalog import check_force
from scrutiny.sources.synthetic_kinds import DEFAULT_MONTHS
from scrutiny.vocab.months import check_month

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
    "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
    "Outcome linked to object of search,Removal of more than just outer clothing"
)
NOTE = "SYNTHETIC DATA - not real police records"
GENERATOR = "scrutiny synth"
SIDECAR_SUFFIX = ".synthetic.json"
CHUNK_ROWS = 250_000  # rows rendered at once: bounds memory; fixed so output does not depend on workers
PARALLEL_MIN_ROWS = 400_000  # below this, starting worker processes costs more than it saves

Progress = Callable[[Path, int], None]
T = TypeVar("T")

# --- vocabularies and their weights (measured on the shared real files, current vocabulary) -----------

TYPES = ["Person search", "Person and Vehicle search", "Vehicle search"]
TYPE_W = [79.0, 18.0, 3.0]
VEHICLE = 2

# Person fields: weights are among person searches, so that with 3% vehicle searches (always blank)
# the overall shares match the real ones (e.g. gender blank 22% overall).
GENDERS = ["", "Male", "Female", "Other"]
GENDER_W = [19.6, 74.2, 6.2, 0.04]
AGES = ["", "under 10", "10-17", "18-24", "25-34", "over 34"]
AGE_W = [10.3, 0.05, 17.5, 33.0, 21.6, 17.5]
OFFICER = ["", "Asian", "Black", "Other", "White"]
OFFICER_W = [17.5, 15.5, 27.8, 3.1, 36.1]
SELF = [
    "",
    "Asian/Asian British - Any other Asian background",
    "Asian/Asian British - Bangladeshi",
    "Asian/Asian British - Chinese",
    "Asian/Asian British - Indian",
    "Asian/Asian British - Pakistani",
    "Black/African/Caribbean/Black British - African",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "Black/African/Caribbean/Black British - Caribbean",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "Mixed/Multiple ethnic groups - White and Asian",
    "Mixed/Multiple ethnic groups - White and Black African",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Other ethnic group - Any other ethnic group",
    "Other ethnic group - Not stated",
    "White - Any other White background",
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Irish",
]
# Self-defined given officer-defined (rows follow OFFICER), from the real cross-tabulation.
SELF_GIVEN_OFFICER_W: list[list[float]] = [
    [179, 16, 4, 1, 12, 36, 53, 23, 73, 15, 4, 9, 36, 3, 65, 58, 407, 7],
    [9, 215, 109, 3, 118, 308, 3, 3, 2, 12, 15, 1, 1, 10, 178, 4, 8, 0.3],
    [8, 2, 1, 1, 1, 1, 207, 256, 133, 16, 1, 10, 28, 7, 320, 2, 8, 0.3],
    [5, 116, 6, 6, 6, 18, 21, 14, 8, 92, 17, 18, 51, 146, 341, 64, 68, 2],
    [62, 2, 0.2, 0.2, 0.2, 1, 1, 1, 1, 9, 1, 1, 2, 11, 171, 155, 568, 14],
]

OBJECTS = [
    "",
    "Controlled drugs",
    "Offensive weapons",
    "Stolen goods",
    "Article for use in theft",
    "Anything to threaten or harm anyone",
    "Evidence of offences under the Act",
    "Articles for use in criminal damage",
    "Firearms",
    "Fireworks",
    "Psychoactive substances",
]
OBJECT_W = [3.0, 58.0, 16.0, 10.0, 4.0, 3.0, 3.0, 2.0, 1.3, 0.1, 0.03]
MISUSE = "Misuse of Drugs Act 1971 (section 23)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
FIREARMS = "Firearms Act 1968 (section 47)"
PSYCHOACTIVE = "Psychoactive Substances Act 2016 (s36(2))"
LEGISLATION = ["", MISUSE, PACE, S60, FIREARMS, PSYCHOACTIVE]
# Legislation given object (rows follow OBJECTS, columns LEGISLATION): consistent powers, s60 ~3.6%.
LEGISLATION_GIVEN_OBJECT_W: list[list[float]] = [
    [20, 55, 25, 0, 0, 0],
    [0, 99.7, 0.3, 0, 0, 0],
    [0, 0.3, 85, 14.5, 0.2, 0],
    [0, 0.5, 99.5, 0, 0, 0],
    [0, 0.5, 99.5, 0, 0, 0],
    [0, 0, 58, 42, 0, 0],
    [0, 8, 90, 2, 0, 0],
    [0, 0.5, 99.5, 0, 0, 0],
    [0, 0, 5, 0, 95, 0],
    [0, 0, 100, 0, 0, 0],
    [0, 40, 0, 0, 0, 60],
]
OUTCOMES = [
    "",
    "A no further action disposal",
    "Arrest",
    "Community resolution",
    "Khat or Cannabis warning",
    "Penalty Notice for Disorder",
    "Summons / charged by post",
    "Caution (simple or conditional)",
]
OUTCOME_W = [4.0, 69.0, 13.0, 5.0, 2.0, 1.7, 1.5, 0.2]
FLAGS = ["", "True", "False"]
LINKED_IF_FIND = 0.7  # share of finds (outcome other than NFA) linked to the object searched for
LINKED_IF_NFA = 0.02
STRIP_SEARCH = 0.02  # "Removal of more than just outer clothing" among person searches

# Local hour of day (0..23): searches peak in the afternoon and evening.
HOUR_W: list[float] = [4, 3, 2.5, 1.8, 1.2, 0.8, 0.8, 1.2, 2, 2.6, 3, 3.5]
HOUR_W += [4, 4.5, 5, 5.8, 6.2, 6.2, 5.8, 5.6, 5.5, 5.3, 5, 4.5]
ROUND_TO_HALF_HOUR = 0.3  # officers often record 15:00 or 15:30
ZERO_SECONDS = 0.93


# --- forces ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForceProfile:
    """How a force's files look: volume, where its snap points lie, which columns it leaves blank."""

    weight: float  # relative national volume of searches
    centres: tuple[tuple[float, float, float, float], ...]  # (lat, lon, lat radius, lon radius) ellipses
    snap_points: int = 2500
    no_location: float = 0.03
    part_of_operation: float | None = None  # share True; None leaves the column blank
    fills_flags: bool = True  # False: outcome-linked and strip-search columns blank in every row


def _p(
    weight: float,
    lat: float,
    lon: float,
    rlat: float,
    rlon: float,
    *,
    snap_points: int = 2500,
    no_location: float = 0.03,
    part_of_operation: float | None = None,
    fills_flags: bool = True,
) -> ForceProfile:
    """A force whose searches centre on one ellipse."""
    centres = ((lat, lon, rlat, rlon),)
    return ForceProfile(weight, centres, snap_points, no_location, part_of_operation, fills_flags)


PROFILES: dict[str, ForceProfile] = {
    "avon-and-somerset": _p(1.3, 51.35, -2.75, 0.3, 0.5),
    "bedfordshire": _p(0.9, 52.05, -0.45, 0.15, 0.2),
    "btp": ForceProfile(
        2.5,
        (
            (51.515, -0.13, 0.12, 0.25),
            (52.48, -1.9, 0.06, 0.12),
            (53.48, -2.24, 0.06, 0.12),
            (53.79, -1.55, 0.05, 0.1),
            (55.86, -4.25, 0.05, 0.1),
            (53.41, -2.98, 0.04, 0.08),
            (51.48, -3.18, 0.04, 0.08),
            (54.97, -1.61, 0.04, 0.08),
        ),
        snap_points=3000,
        no_location=0.067,
    ),
    "cambridgeshire": _p(0.7, 52.35, 0.0, 0.3, 0.3),
    "cheshire": _p(1.0, 53.2, -2.55, 0.2, 0.35),
    "city-of-london": _p(0.4, 51.515, -0.092, 0.006, 0.012, snap_points=600, no_location=0.27),
    "cleveland": _p(1.0, 54.57, -1.2, 0.08, 0.2),
    "cumbria": _p(0.3, 54.6, -3.0, 0.4, 0.4),
    "derbyshire": _p(0.6, 53.0, -1.6, 0.3, 0.25),
    "devon-and-cornwall": _p(1.2, 50.5, -4.2, 0.35, 1.0),
    "dorset": _p(0.5, 50.75, -2.3, 0.15, 0.45),
    "durham": _p(0.5, 54.7, -1.7, 0.15, 0.3, no_location=0.0),
    "dyfed-powys": _p(0.5, 52.1, -3.8, 0.5, 0.6),
    "essex": _p(4.0, 51.75, 0.55, 0.2, 0.4, no_location=0.018, part_of_operation=0.19),
    "gloucestershire": _p(0.4, 51.85, -2.2, 0.2, 0.3),
    "greater-manchester": _p(3.0, 53.48, -2.24, 0.12, 0.2),
    "gwent": _p(0.8, 51.65, -3.0, 0.15, 0.15, no_location=0.18),
    "hampshire": _p(2.0, 50.95, -1.25, 0.25, 0.45),
    "hertfordshire": _p(1.5, 51.8, -0.25, 0.15, 0.3),
    "humberside": _p(1.1, 53.75, -0.5, 0.25, 0.45),
    "kent": _p(2.5, 51.25, 0.75, 0.2, 0.55),
    "lancashire": _p(2.0, 53.8, -2.6, 0.25, 0.3),
    "leicestershire": _p(1.0, 52.65, -1.1, 0.2, 0.25, no_location=0.0),
    "lincolnshire": _p(0.4, 53.1, -0.3, 0.4, 0.35),
    "merseyside": _p(5.0, 53.42, -2.95, 0.1, 0.15, no_location=0.21),
    "metropolitan": _p(
        33.4, 51.49, -0.09, 0.2, 0.42, snap_points=6000, no_location=0.095,
        part_of_operation=0.0, fills_flags=False,
    ),
    "norfolk": _p(0.8, 52.65, 1.0, 0.2, 0.5),
    "north-wales": _p(0.8, 53.1, -3.6, 0.3, 0.6),
    "north-yorkshire": _p(0.5, 54.1, -1.3, 0.35, 0.6),
    "northamptonshire": _p(0.5, 52.3, -0.85, 0.2, 0.3),
    "northumbria": _p(2.0, 55.0, -1.65, 0.25, 0.35),
    "nottinghamshire": _p(1.0, 53.1, -1.1, 0.25, 0.2),
    "northern-ireland": _p(0.5, 54.6, -6.7, 0.4, 0.9),  # not published by data.police.uk: only if asked
    "south-wales": _p(2.0, 51.55, -3.5, 0.15, 0.5),
    "south-yorkshire": _p(2.2, 53.45, -1.3, 0.1, 0.3, no_location=1.0, part_of_operation=0.06),
    "staffordshire": _p(0.8, 52.85, -2.05, 0.3, 0.25),
    "suffolk": _p(0.5, 52.2, 1.0, 0.2, 0.4),
    "surrey": _p(0.8, 51.25, -0.4, 0.12, 0.35),
    "sussex": _p(1.8, 50.9, -0.3, 0.15, 0.6),
    "thames-valley": _p(2.5, 51.6, -1.0, 0.4, 0.45),
    "warwickshire": _p(0.3, 52.3, -1.55, 0.2, 0.2),
    "west-mercia": _p(1.0, 52.35, -2.5, 0.4, 0.35),
    "west-midlands": _p(5.5, 52.48, -1.9, 0.1, 0.25, snap_points=4000, no_location=0.0),
    "west-yorkshire": _p(3.5, 53.75, -1.65, 0.12, 0.3),
    "wiltshire": _p(0.4, 51.35, -1.95, 0.2, 0.3),
}
# Metropolitan's weight is 35% of the total of the default forces (the others sum to 62).
DEFAULT_FORCES = sorted(f for f in PROFILES if f != "northern-ireland")


# --- small helpers --------------------------------------------------------------------------------------


def _cdf(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    c = np.cumsum(np.asarray(weights, dtype=np.float64))
    out: np.ndarray = c / c[-1]
    return out


def _draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """Category indices with the given cumulative distribution (int32, vectorised)."""
    idx = np.searchsorted(cdf, rng.random(n), side="right")
    out: np.ndarray = np.minimum(idx, len(cdf) - 1).astype(np.int32)
    return out


def _draw_given(rng: np.random.Generator, cdfs: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Category indices drawn from the row of `cdfs` that `given` selects."""
    u = rng.random(len(given))
    out = np.empty(len(given), dtype=np.int32)
    for g in range(len(cdfs)):
        mask = given == g
        out[mask] = np.searchsorted(cdfs[g], u[mask], side="right")
    np.minimum(out, cdfs.shape[1] - 1, out=out)
    return out


def _strings(values: Iterable[str]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def month_window(month: str) -> tuple[datetime, int]:
    """UTC start and length in minutes of a month in UK local time (starts 23:00 UTC in BST months).

    1 April .. 1 October always fall in British Summer Time and 1 November .. 1 March never do, so the
    month's first local midnight is an hour earlier in UTC exactly for April to October.
    """
    first = date.fromisoformat(month + "-01")
    start = _local_month_start_utc(first)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    end = _local_month_start_utc(nxt)
    return start, int((end - start).total_seconds() // 60)


def _local_month_start_utc(first: date) -> datetime:
    start = datetime(first.year, first.month, 1)
    return start - timedelta(hours=1) if 4 <= first.month <= 10 else start


def _stable_id(text: str) -> int:
    return zlib.crc32(text.encode())


# --- vocabularies of pre-joined pieces --------------------------------------------------------------------


@cache
def _person_vocab() -> pa.Array:
    """Gender,Age,Self,Officer, for every combination; index ((g*6+a)*18+s)*5+o."""
    return _strings(
        f"{g},{a},{s},{o}," for g, a, s, o in itertools.product(GENDERS, AGES, SELF, OFFICER)
    )


@cache
def _tail_vocab(eol: str) -> pa.Array:
    """Legislation,Object,Outcome,Linked,Removal+EOL; index (((l*11+j)*8+u)*3+k)*3+r."""
    return _strings(
        f"{leg},{obj},{out},{k},{r}{eol}"
        for leg, obj, out, k, r in itertools.product(LEGISLATION, OBJECTS, OUTCOMES, FLAGS, FLAGS)
    )


@cache
def _type_vocab() -> pa.Array:
    return _strings(t + "," for t in TYPES)


@cache
def _seconds_vocab() -> pa.Array:
    """Seconds of the Date, then Part of a policing operation and the (always blank) operation name."""
    return _strings(f"{s:02d}+00:00,{op},," for s in range(60) for op in FLAGS)


@cache
def _minute_vocab(month: str) -> pa.Array:
    """'YYYY-MM-DDTHH:MM:' for every minute of the month's UTC window."""
    start, minutes = month_window(month)
    stamps = np.datetime64(start, "m") + np.arange(minutes)
    return _strings([s + ":" for s in np.datetime_as_string(stamps, unit="m").tolist()])


@cache
def _snap_points(force: str) -> tuple[pa.Array, np.ndarray]:
    """A force's snap points as 'lat,lon,' strings (last entry ',,' = no location) and their usage CDF.

    Seeded by the force name alone: like the real snap points, they do not change between runs.
    """
    prof = PROFILES[force]
    rng = np.random.default_rng(_stable_id("snap:" + force))
    n = prof.snap_points
    which = rng.integers(0, len(prof.centres), n)
    centres = np.asarray(prof.centres)[which]
    # Half spread evenly over the ellipse, half clustered towards its centre (town centres).
    r = np.where(rng.random(n) < 0.5, np.sqrt(rng.random(n)), np.abs(rng.normal(0, 0.35, n)))
    r = np.minimum(r, 0.999)
    theta = rng.random(n) * 2 * np.pi
    lat = centres[:, 0] + centres[:, 2] * r * np.sin(theta)
    lon = centres[:, 1] + centres[:, 3] * r * np.cos(theta)
    text = [f"{a:.6f},{b:.6f}," for a, b in zip(lat.tolist(), lon.tolist(), strict=True)] + [",,"]
    popularity = rng.pareto(1.5, n) + 0.05  # a few hot spots, a long tail of rarely used points
    return _strings(text), _cdf(popularity)


# --- one file -------------------------------------------------------------------------------------------

PERSON_CDFS = (_cdf(GENDER_W), _cdf(AGE_W), _cdf(OFFICER_W))
SELF_CDFS = np.vstack([_cdf(w) for w in SELF_GIVEN_OFFICER_W])
LEGISLATION_CDFS = np.vstack([_cdf(w) for w in LEGISLATION_GIVEN_OBJECT_W])
TYPE_CDF, OBJECT_CDF, OUTCOME_CDF, HOUR_CDF = _cdf(TYPE_W), _cdf(OBJECT_W), _cdf(OUTCOME_W), _cdf(HOUR_W)
NFA = OUTCOMES.index("A no further action disposal")


@dataclass(frozen=True)
class FileTask:
    path: Path
    force: str
    month: str
    rows: int
    seed: int  # the user's seed, recorded in the sidecar
    file_seed: int  # derived from seed, force and month: files do not depend on each other
    crlf: bool


def _times(rng: np.random.Generator, n: int, month: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (minute of the month window, second) per row: real files are in date order."""
    _, minutes = month_window(month)
    days = -(-minutes // 1440)
    minute = rng.integers(0, 60, n)
    minute = np.where(rng.random(n) < ROUND_TO_HALF_HOUR, minute // 30 * 30, minute)
    offset = (rng.integers(0, days, n) * 1440 + _draw(rng, HOUR_CDF, n) * 60 + minute) % minutes
    second = np.where(rng.random(n) < ZERO_SECONDS, 0, rng.integers(1, 60, n))
    order = np.sort(offset.astype(np.int64) * 60 + second)
    return (order // 60).astype(np.int32), (order % 60).astype(np.int32)


def _chunk_pieces(
    rng: np.random.Generator, task: FileTask, minute: np.ndarray, second: np.ndarray
) -> list[pa.Array]:
    """The six text pieces of each row of one chunk."""
    prof = PROFILES[task.force]
    n = len(minute)
    kind = _draw(rng, TYPE_CDF, n)
    person = kind != VEHICLE

    if prof.part_of_operation is None:
        op = np.zeros(n, dtype=np.int32)
    else:
        op = np.where(rng.random(n) < prof.part_of_operation, 1, 2).astype(np.int32)

    snaps, snap_cdf = _snap_points(task.force)
    where = _draw(rng, snap_cdf, n)
    where[rng.random(n) < prof.no_location] = len(snap_cdf)

    gender, age, officer = (_draw(rng, cdf, n) * person for cdf in PERSON_CDFS)
    self_ = _draw_given(rng, SELF_CDFS, officer) * person
    person_idx = ((gender * len(AGES) + age) * len(SELF) + self_) * len(OFFICER) + officer

    obj = _draw(rng, OBJECT_CDF, n)
    leg = _draw_given(rng, LEGISLATION_CDFS, obj)
    outcome = _draw(rng, OUTCOME_CDF, n)
    if prof.fills_flags:
        p_linked = np.where(outcome == NFA, LINKED_IF_NFA, np.where(outcome == 0, 0.0, LINKED_IF_FIND))
        linked = np.where(rng.random(n) < p_linked, 1, 2)
        strip = np.where(rng.random(n) < STRIP_SEARCH, 1, 2) * person
    else:
        linked = strip = np.zeros(n, dtype=np.int32)
    tail = (((leg * len(OBJECTS) + obj) * len(OUTCOMES) + outcome) * 3 + linked) * 3 + strip

    def take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
        return vocab.take(pa.array(idx.astype(np.int32, copy=False)))

    return [
        take(_type_vocab(), kind),
        take(_minute_vocab(task.month), minute),
        take(_seconds_vocab(), second * 3 + op),
        take(snaps, where),
        take(_person_vocab(), person_idx),
        take(_tail_vocab("\r\n" if task.crlf else "\n"), tail),
    ]


def _text_bytes(arr: pa.Array) -> memoryview:
    """The concatenated bytes of a string array, straight from its data buffer (no copy)."""
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    return memoryview(data)[int(off[0]) : int(off[-1])]


def _write_file(task: FileTask) -> tuple[Path, int]:
    """Write one force-month file and its sidecar; atomic, so a crash never leaves half a file."""
    rng = np.random.default_rng(task.file_seed)
    minute, second = _times(rng, task.rows, task.month)
    task.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = task.path.with_name(task.path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write((HEADER + ("\r\n" if task.crlf else "\n")).encode())
        for start in range(0, task.rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, task.rows)
            pieces = _chunk_pieces(rng, task, minute[start:stop], second[start:stop])
            rows = pc.binary_join_element_wise(*pieces, "")
            f.write(_text_bytes(rows))
            del pieces, rows
    os.replace(tmp, task.path)
    write_sidecar(task.path, seed=task.seed, rows=task.rows, force=task.force, month=task.month)
    return task.path, task.rows


def _write_listed(task: FileTask) -> list[tuple[Path, int]]:
    return [_write_file(task)]


def write_sidecar(path: Path, *, seed: int, rows: int, force: str, month: str, **extra: object) -> None:
    """The `.synthetic.json` beside a data file, which makes ingest mark its rows synthetic."""
    sidecar = {"synthetic": True, "generator": GENERATOR, "seed": seed, "rows": rows, "force": force,
               "month": month, **extra, "note": NOTE}
    sidecar_path = path.with_name(path.name + SIDECAR_SUFFIX)
    sidecar_path.write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")


# --- the whole set --------------------------------------------------------------------------------------


def plan(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 0,
    forces: list[str] | None = None,
    months: list[str] | None = None,
) -> list[FileTask]:
    """Split `rows` over force-months (multinomial by national volume, so the total is exact)."""
    if rows < 1:
        raise ValueError(f"rows must be at least 1, not {rows}")
    forces = sorted(set(forces)) if forces else DEFAULT_FORCES
    for force in forces:
        check_force(force)
    months = sorted({check_month(m) for m in months}) if months else DEFAULT_MONTHS
    pairs = [(f, m) for f in forces for m in months]
    weights = np.array([PROFILES[f].weight for f, _ in pairs], dtype=np.float64)
    counts = np.random.default_rng([seed, _stable_id("plan")]).multinomial(rows, weights / weights.sum())
    tasks = []
    for (force, month), n in zip(pairs, counts.tolist(), strict=True):
        if n == 0:
            continue  # like the real archive: no searches, no file
        entropy = [seed, _stable_id(force), _stable_id(month)]
        file_seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
        crlf = (_stable_id(force) + int(month[5:])) % 5 < 2  # ~40% CRLF, mixed within a force, as in reality
        path = out_dir / month / f"{month}-{force}-stop-and-search.csv"
        tasks.append(FileTask(path, force, month, n, seed, file_seed, crlf))
    return tasks


def write_synthetic(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 0,
    forces: list[str] | None = None,
    months: list[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write `rows` synthetic search records as data.police.uk archive files under `out_dir`.

    Same arguments give byte-identical output whatever the number of workers. `progress(path, rows)` is
    called as each file is finished. Returns the CSV paths in sorted order.
    """
    out_dir = Path(out_dir)
    tasks = plan(out_dir, rows, seed=seed, forces=forces, months=months)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_marker(out_dir, rows, seed, tasks)
    tasks.sort(key=lambda t: -t.rows)  # largest first balances the workers
    return run_tasks(_write_listed, tasks, workers=workers, parallel=rows >= PARALLEL_MIN_ROWS, progress=progress)


def run_tasks(
    write: Callable[[T], list[tuple[Path, int]]],
    tasks: Sequence[T],
    *,
    workers: int | None,
    parallel: bool,
    progress: Progress | None,
) -> list[Path]:
    """Run `write` on every task, in worker processes when `parallel` and more than one worker; the files
    each wrote, sorted. `write` and its tasks must pickle (module-level function, plain data)."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = max(1, min(workers, len(tasks)))
    written: list[Path] = []
    if workers == 1 or not parallel:
        for task in tasks:
            for path, n in write(task):
                written.append(path)
                if progress:
                    progress(path, n)
    else:
        # Never fork: the caller may have threads (the CLI's progress bar, Arrow's or DuckDB's pools, JAX's),
        # and a forked child inherits whatever lock one of them held. The forkserver forks each worker from a
        # fresh single-threaded server (Python 3.14's default on Linux); spawn where there is none. Both
        # import the caller's __main__ again, so a script that calls this needs `if __name__ == "__main__":`.
        method = "forkserver" if "forkserver" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
            for fut in as_completed([pool.submit(write, t) for t in tasks]):
                for path, n in fut.result():
                    written.append(path)
                    if progress:
                        progress(path, n)
    return sorted(written)


def _write_marker(out_dir: Path, rows: int, seed: int, tasks: list[FileTask]) -> None:
    """SYNTHETIC.md at the top of the set, written first so even a partial set is marked."""
    forces = sorted({t.force for t in tasks})
    months = sorted({t.month for t in tasks})
    text = (
        f"# {NOTE}\n\n"
        f"Every `*-stop-and-search.csv` under this folder was generated by `{GENERATOR}` (seed {seed}, "
        f"{rows:,} rows in {len(tasks)} files, {len(forces)} forces, {months[0]} to {months[-1]}).\n"
        "The files copy the layout and quirks of the data.police.uk archive so software can be tested on "
        "them, but no row describes a real search. Each file has a `.synthetic.json` sidecar saying so.\n"
        "Do not publish figures computed from them as facts about any police force.\n"
    )
    (out_dir / "SYNTHETIC.md").write_text(text, encoding="utf-8")
