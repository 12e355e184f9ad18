"""Tell what a file is from its content (and, where the content cannot say, its official name).

Recognition reads only the first 64 KB, so a directory of thousands of files is planned in moments and a
file that is not a known source is refused before anything is written.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
from pathlib import Path
from typing import NamedTuple

from scrutiny.errors import SourceRefused
from scrutiny.sources import police_uk_archive
from scrutiny.sources.adapter import Head, ReadsBinary, Recognised, SourceKind
from scrutiny.sources.registry import SOURCES, Registry

__all__ = ["SIDECAR_SUFFIX", "Expanded", "Recognised", "expand", "read_head", "recognise"]

HEAD_BYTES = 64 * 1024
SIDECAR_SUFFIX = ".synthetic.json"
DATA_SUFFIXES = (".csv", ".json", ".geojson", ".ods")

# Other real files users will have beside the data (../shared/data has them): known, not loaded yet.
_KNOWN_UNSUPPORTED_HEADERS: dict[str, tuple[str, ...]] = {
    "Home Office ethnicity facts and figures series": ("Measure", "Time", "Time_type"),
    "ward to local authority lookup": ("WD21CD", "WD21NM", "LAD21CD"),
}


def _wide_encoding(raw: bytes) -> tuple[str, str] | None:
    """(what it is, iconv's name for it) for UTF-32 or UTF-16 text, by byte-order mark or, without one, by
    NUL bytes in every other position (ASCII text saved as UTF-16, as Excel and PowerShell do)."""
    for bom, name, source in ((codecs.BOM_UTF32_LE, "UTF-32 (byte-order mark FF FE 00 00)", "UTF-32"),
                              (codecs.BOM_UTF32_BE, "UTF-32 (byte-order mark 00 00 FE FF)", "UTF-32"),
                              (codecs.BOM_UTF16_LE, "UTF-16 (byte-order mark FF FE)", "UTF-16"),
                              (codecs.BOM_UTF16_BE, "UTF-16 (byte-order mark FE FF)", "UTF-16")):
        if raw.startswith(bom):
            return name, source
    sample = raw[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "UTF-16 little-endian (no byte-order mark)", "UTF-16LE"
    if len(sample) >= 4 and even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "UTF-16 big-endian (no byte-order mark)", "UTF-16BE"
    return None


def read_head(path: Path) -> str:
    """The first 64 KB as text, refusing empty, binary, UTF-16 and other non-UTF-8 files with the reason."""
    try:
        with path.open("rb") as f:
            raw = f.read(HEAD_BYTES)
    except OSError as exc:
        raise SourceRefused(path, f"cannot be read: {exc.strerror}") from None
    if not raw.strip():
        raise SourceRefused(path, "empty file")
    wide = _wide_encoding(raw)
    if wide:
        raise SourceRefused(path, f"{wide[0]} text, not UTF-8: convert it first, e.g. "
                                  f"`iconv -f {wide[1]} -t UTF-8 '{path.name}' > '{path.stem}.utf8{path.suffix}'`")
    if b"\x00" in raw.split(b"\n", 1)[0]:
        # A NUL further on is one bad line of a text file: the loader rejects that line (or the file) by number.
        raise SourceRefused(path, "binary content, not a text file (NUL byte on line 1)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text: str = decoder.decode(raw, final=False)
    except UnicodeDecodeError as exc:
        raise SourceRefused(path, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def _known_json(head: Head) -> Recognised:
    """A JSON file no adapter claimed: a reference list the fetcher saves, or refused."""
    if re.match(r'\s*\[\s*\{\s*"(id|date)"', head.text):
        return Recognised(head.path, SourceKind.API_REFERENCE,
                          note="API reference list (forces or dates): nothing to load")
    raise SourceRefused(head.path, "JSON that is not a data.police.uk stops response nor a boundary GeoJSON")


def _known_csv(head: Head) -> Recognised:
    """A CSV no adapter claimed: another archive file or a known table not loaded yet, or refused."""
    header = head.csv_header
    kind = police_uk_archive.sniff_archive(header)
    if kind is not None:
        name = police_uk_archive.archive_name(head.path)
        return Recognised(head.path, kind, name.force, name.month, note="not yet supported (a later release loads it)")
    for what, start in _KNOWN_UNSUPPORTED_HEADERS.items():
        if header[: len(start)] == start:
            return Recognised(head.path, SourceKind.UNSUPPORTED, note=f"{what}: not yet supported")
    shown = ",".join(header)[:120]
    raise SourceRefused(head.path, f"unrecognised header {shown!r}: not a data.police.uk, Census or lookup file")


ZIP_MAGIC = b"PK\x03\x04"  # a zip: an OpenDocument or Office spreadsheet among others


def _recognise_binary(path: Path, start: bytes, sources: Registry) -> Recognised:
    """A zip file (a spreadsheet): the first adapter that reads binary files and claims it, else refused."""
    for source in sources:
        if isinstance(source, ReadsBinary) and (found := source.recognise_binary(path, start)) is not None:
            return found
    kind = "an OpenDocument spreadsheet" if b"opendocument.spreadsheet" in start[:100] else (
        "an Excel workbook" if b"[Content_Types].xml" in start[:100] else "a zip archive")
    raise SourceRefused(path, f"{kind} that is not a Home Office police use of force release: Scrutiny reads "
                              "spreadsheets of that release only (other data as CSV or JSON)")


def recognise(path: Path, sources: Registry = SOURCES) -> Recognised:
    """What this file is (the first adapter of `sources` to claim it), or SourceRefused saying why it is not
    something Scrutiny can load."""
    try:
        with path.open("rb") as f:
            start = f.read(HEAD_BYTES)
    except OSError as exc:
        raise SourceRefused(path, f"cannot be read: {exc.strerror}") from None
    if start.startswith(ZIP_MAGIC):
        return _recognise_binary(path, start, sources)
    head = Head(path, read_head(path))
    if head.is_json and path.name.endswith(SIDECAR_SUFFIX):
        return Recognised(path, SourceKind.SYNTHETIC_SIDECAR, note="marks its data file as synthetic")
    if not head.is_json and path.suffix.lower() in (".json", ".geojson"):
        raise SourceRefused(path, "not valid JSON (does not start with [ or {)")
    for source in sources:
        found = source.recognise(head)
        if found is not None:
            return found
    return _known_json(head) if head.is_json else _known_csv(head)


class Expanded(NamedTuple):
    files: list[Path]
    unfollowed: list[Recognised]  # broken or looping links and unreadable folders: reported, never loaded


def _link_problem(path: Path) -> str | None:
    """Why the link at `path` cannot be followed (it is broken, or it loops), or None when it can."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "link loop: following it leads back to itself"
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"broken link: its target {target} does not exist"
    return None


def _walk(folder: Path, ancestors: frozenset[tuple[int, int]], found: Expanded) -> None:
    """Depth first, following links to folders, but never into a folder that contains the link (a loop)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        note = f"folder cannot be read: {exc.strerror}"
        found.unfollowed.append(Recognised(folder, SourceKind.UNREADABLE, note=note))
        return
    for entry in entries:
        path = Path(entry.path)
        problem = _link_problem(path) if entry.is_symlink() else None
        if problem:
            found.unfollowed.append(Recognised(path, SourceKind.LINK, note=problem))
        elif entry.is_dir():
            stat = path.stat()
            key = (stat.st_dev, stat.st_ino)
            if key in ancestors:
                note = f"link loop: leads back to {path.resolve()}, which contains it"
                found.unfollowed.append(Recognised(path, SourceKind.LINK, note=note))
            else:
                _walk(path, ancestors | {key}, found)
        elif entry.is_file() and path.suffix.lower() in DATA_SUFFIXES:
            found.files.append(path)


def expand(paths: list[Path]) -> Expanded:
    """Files named directly, plus data files (csv, json, geojson) found recursively in directories.

    Links are followed. A broken or looping link, or a folder that cannot be read, inside a directory is
    returned in `unfollowed` so the caller reports it: a file silently missing from an ingest looks exactly
    like a month the force never published. Named directly, such a path is refused.
    """
    found = Expanded([], [])
    for path in paths:
        if path.is_dir():
            around = [path, *path.resolve().parents]  # a link to any of these would lead back into `path`
            within = Expanded([], found.unfollowed)
            _walk(path, frozenset((s.st_dev, s.st_ino) for s in map(Path.stat, around)), within)
            found.files.extend(sorted(within.files))
        elif path.is_file():
            found.files.append(path)
        elif path.is_symlink():
            raise SourceRefused(path, _link_problem(path) or "not a file or directory")
        else:
            raise SourceRefused(path, "no such file or directory")
    return found
