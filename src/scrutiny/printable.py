"""Names from outside (file and folder names, headers) made safe to show on a terminal or in a message.

A file name may hold ESC, carriage returns or other control characters that a terminal would obey (move
the cursor, recolour, hide text), and bidirectional overrides that reorder what a reader sees. Shown
escaped as Python would write them, a name stays readable and cannot rewrite the screen.
"""

from __future__ import annotations

import unicodedata

# Invisible characters that reorder text (Trojan Source): shown escaped like control characters.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` with every control character (C0, DEL, C1) and bidi control written as an escape, e.g. `\\x1b`."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(
        _escaped(c) if c in _BIDI or unicodedata.category(c) == "Cc" else c for c in value
    )


def printable_lines(text: object) -> str:
    """Like `printable`, but keeps the line breaks of a message written over several lines."""
    return "\n".join(printable(line) for line in str(text).split("\n"))
