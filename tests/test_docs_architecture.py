"""The import rule of docs/architecture.md holds: each layer imports only from its own layer and those to its
left (sources -> warehouse -> metrics, bias -> report, web, cli; the workspace beside the warehouse), and the
shared bottom modules import no layer. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "src" / "scrutiny"
BOTTOM = {"errors", "catalog", "vocab", "settings", "setting_names", "config", "printable", "csv_formulas",
          "ibis_compat", "months", "__init__"}
ALLOWED: dict[str, set[str]] = {
    "bottom": set(),
    "sources": {"sources"},
    "warehouse": {"sources", "warehouse"},
    "metrics": {"sources", "warehouse", "metrics"},
    "bias": {"sources", "warehouse", "metrics", "bias"},
    "workspace": {"sources", "warehouse", "metrics", "workspace"},
    "report": {"sources", "warehouse", "metrics", "bias", "report"},
    "web": {"sources", "warehouse", "metrics", "bias", "workspace", "report", "web"},
    "cli": {"sources", "warehouse", "metrics", "bias", "workspace", "report", "web", "cli"},
}


def layer_of(name: str) -> str:
    """The layer of a module path relative to the package (`metrics/scope.py`) or a dotted name's first part."""
    first = name.split("/")[0].split(".")[0].removesuffix(".py")
    if first == "__main__":
        return "cli"  # `python -m scrutiny` is the command line
    return "bottom" if first in BOTTOM else first


def imported(path: Path) -> set[str]:
    """The first component under `scrutiny.` of every module `path` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "scrutiny" and len(parts) > 1:
                found.add(parts[1])
    return found


def violations(package: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        mine = layer_of(relative)
        assert mine in ALLOWED, f"{relative}: a module outside the layers of docs/architecture.md"
        for target in sorted(imported(path)):
            theirs = layer_of(target)
            if theirs != "bottom" and theirs not in ALLOWED[mine]:
                out.append(f"{relative} ({mine}) imports scrutiny.{target} ({theirs})")
    return out


def test_no_layer_imports_a_layer_to_its_right() -> None:
    found = violations()
    assert not found, "imports against docs/architecture.md's import rule:\n" + "\n".join(found)


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "fine.py").write_text("from scrutiny.warehouse.connect import connect\n", encoding="utf-8")
    (tmp_path / "metrics" / "bad.py").write_text("def f() -> None:\n    import scrutiny.web.app\n", encoding="utf-8")
    (tmp_path / "errors.py").write_text("from scrutiny.metrics import Scope\n", encoding="utf-8")
    assert violations(tmp_path) == ["errors.py (bottom) imports scrutiny.metrics (metrics)",
                                    "metrics/bad.py (metrics) imports scrutiny.web (web)"]


def test_the_rule_is_checked_on_every_layer() -> None:
    """A checker that sees nothing checks nothing: each layer has modules, and a known import is found."""
    layers = {layer_of(p.relative_to(PACKAGE).as_posix()) for p in PACKAGE.rglob("*.py")}
    assert layers == set(ALLOWED)
    assert "warehouse" in imported(PACKAGE / "metrics" / "warehouse_backend.py")
    assert layer_of("web/app.py") == "web" and layer_of("errors.py") == "bottom" and layer_of("vocab") == "bottom"
