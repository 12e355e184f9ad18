"""Shared helpers for source tests: where the real published files and the hand-made fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def shared_data() -> Path:
    """`../shared/data` beside the repository (never copied into it), or skip the test when absent."""
    path = (Path(__file__).resolve().parents[2] / "../shared/data").resolve()
    if not path.is_dir():
        pytest.skip(f"../shared/data not present: expected the real published files at {path}")
    return path


def head_of(path: Path) -> str:
    """What a sniffer is given: the first 64 KB, decoded."""
    return path.read_bytes()[:65536].decode("utf-8", errors="replace")


@pytest.fixture
def census_dir() -> Path:
    return shared_data() / "census2021"


@pytest.fixture
def geography_dir() -> Path:
    return shared_data() / "geography"
