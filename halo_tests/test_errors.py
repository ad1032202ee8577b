"""Every error HALO raises on purpose is a HaloError (the CLI turns those into one line, exit 1)."""

from __future__ import annotations

import ast
import inspect

from halo import errors
from halo.paths import PROJECT_ROOT

BUILTIN_ERRORS = {"Exception", "ValueError", "KeyError", "LookupError", "RuntimeError", "OSError", "TypeError"}


def test_every_error_in_halo_errors_is_a_halo_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) >= 9 and all(issubclass(c, errors.HaloError) for c in classes)


def test_no_module_defines_an_error_outside_the_halo_error_tree():
    """A class deriving from a builtin exception must also derive from one of halo.errors."""
    halo_errors = {n for n, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.HaloError)}
    offenders = []
    for path in sorted((PROJECT_ROOT / "halo").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & BUILTIN_ERRORS and not bases & halo_errors and node.name != "HaloError":
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.name}")
    assert offenders == []


def test_unknown_model_price_is_caught_as_a_halo_error():
    from halo.llm.pricing import price_for

    try:
        price_for("gemini-0-unpriced")
    except errors.HaloError as exc:
        assert "gemini-0-unpriced" in str(exc)
    else:
        raise AssertionError("an unpriced model must be refused")
