"""The modules tests/conftest.py leaves uncollected when a run deselects `one_process` are wholly that marker's
(so leaving them out deselects what the marker would), and the rule that leaves them out."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

from tests.conftest import ONE_PROCESS_MODULES, pytest_ignore_collect

TESTS = Path(__file__).resolve().parent


def _module_marks(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [ast.unparse(node.value) for node in tree.body if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)]


def test_each_listed_module_is_marked_one_process_as_a_whole() -> None:
    for name in ONE_PROCESS_MODULES:
        assert _module_marks(TESTS / name) == ["pytest.mark.one_process"], name


def test_no_other_module_is_marked_one_process_as_a_whole() -> None:
    marked = {p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_*.py")
              if "pytest.mark.one_process" in _module_marks(p)}
    assert marked == set(ONE_PROCESS_MODULES)


def _ignored(markexpr: str, name: str = ONE_PROCESS_MODULES[0]) -> bool | None:
    config = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr))  # what the hook reads of pytest's config
    return pytest_ignore_collect(TESTS / name, config)  # type: ignore[arg-type]


def test_left_uncollected_only_when_the_run_deselects_the_marker() -> None:
    assert _ignored("not (slow_fit or browser or spark or one_process)") is True  # make test's first part
    assert _ignored("not slow_fit and not browser and not spark and not one_process") is True  # make test-fast
    assert _ignored("slow_fit or browser or spark or one_process") is None  # make test's second part
    assert _ignored("one_process") is None
    assert _ignored("") is None  # no -m: everything is collected
    assert _ignored("not browser") is None
    assert _ignored("not one_process", "web/test_api.py") is None  # only the listed modules
