"""Import direction: halo_cli -> halo_assets -> halo_resources -> halo, nothing points up.

Every import statement is read from the source (module level and inside functions alike: a lazy
import that closes a cycle is still a cycle). The only upward references allowed are the two
entry points: ``halo/__init__.py`` re-exports HALOPipeline lazily and
``halo/__main__.py`` keeps ``python -m halo`` working; nothing imports either of them upward.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from halo.paths import PROJECT_ROOT

LAYERS = ["halo", "halo_resources", "halo_assets", "halo_cli"]  # bottom to top
ENTRY_POINTS = {Path("halo/__init__.py"): {"halo_cli.pipeline"}, Path("halo/__main__.py"): {"halo_cli.entry"}}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def upward_imports(package: str) -> list[str]:
    above = LAYERS[LAYERS.index(package) + 1:]
    found = []
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        rel = path.relative_to(PROJECT_ROOT)
        allowed = ENTRY_POINTS.get(rel, set())
        for name in sorted(imported_modules(path) - allowed):
            if name.split(".")[0] in above:
                found.append(f"{rel} imports {name}")
    return found


@pytest.mark.parametrize("package", LAYERS[:-1])
def test_no_layer_imports_a_layer_above_it(package):
    assert upward_imports(package) == []


def test_halo_has_no_dagster_imports():
    offenders = [f"{p.relative_to(PROJECT_ROOT)}" for p in sorted((PROJECT_ROOT / "halo").rglob("*.py"))
                 if any(n.split(".")[0] == "dagster" for n in imported_modules(p))]
    assert offenders == []


def test_the_checker_sees_lazy_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from halo_assets.definitions import defs\n    import halo_cli.cli\n")
    assert imported_modules(module) == {"halo_assets.definitions", "halo_cli.cli"}
