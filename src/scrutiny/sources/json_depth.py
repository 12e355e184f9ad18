"""JSON files parsed only when their nesting is sane, so a hostile file is refused with a reason, not a traceback.

Python's parser recurses once per level of `[` or `{` and fails with a RecursionError near 1,000 levels (and
code walking the result would fail at about the same depth), so the depth is measured first, at C speed:
strings are blanked with one regular expression, every other byte but brackets is deleted, and numpy sums
the steps.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from scrutiny.errors import SourceRefused

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted. A data.police.uk stops response is 3 deep and a GeoJSON
MultiPolygon boundary file 7; 64 leaves room for any real file and stays far below Python's recursion limit."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes) -> int:
    """Deepest nesting of `[` and `{` in `data`, not counting brackets inside strings."""
    brackets = _STRING.sub(b'""', data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps, dtype=np.int64).max())


def load_json(path: Path, data: bytes, *, encoding: str = "utf-8") -> Any:
    """`data` decoded and parsed, refusing (SourceRefused naming `path`) nesting deeper than MAX_JSON_DEPTH.

    Decoding and syntax errors propagate as UnicodeDecodeError and json.JSONDecodeError, for the caller to
    word for its kind of file."""
    text = data.decode(encoding)
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise SourceRefused(path, f"JSON nested {depth:,} levels deep: the limit is {MAX_JSON_DEPTH} (a stops "
                                  "response is 3 deep, a GeoJSON boundary file 7)")
    try:
        return json.loads(text)
    except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept so no traceback can ever reach a user
        raise SourceRefused(path, f"JSON nested too deeply to read (the limit is {MAX_JSON_DEPTH})") from None
