"""Importing a library without the optional packages it would load for features HALO never uses.

bm25s imports numba, scipy and tqdm when they are installed, for backends and progress bars HALO
does not select (its BM25 runs on bm25s' default NumPy backends, progress off); redis-py imports
the OpenTelemetry SDK for metrics HALO does not enable. `halo ask` is a new process per question,
and those imports cost more CPU than the rest of a cache hit (bm25s: 1.2 s of CPU with numba and
scipy, 0.3 s without; redis: OpenTelemetry is about a third of its import). Both libraries guard
these imports with ``try: import ... except ImportError``, so a package marked missing in
``sys.modules`` while the library is imported is skipped exactly as if it were not installed;
the mark is removed right after, so the rest of the process imports those packages normally. A
package already imported is left alone, and so is a library already imported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

BM25S_UNUSED = ("numba", "scipy", "tqdm")
REDIS_UNUSED = ("opentelemetry",)


def import_without(name: str, unused: tuple[str, ...]) -> ModuleType:
    """``import name`` with the top-level packages ``unused`` treated as not installed meanwhile."""
    if name in sys.modules:
        return sys.modules[name]
    hidden = [m for m in unused if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]  # what makes `import m` raise ImportError
    try:
        return importlib.import_module(name)
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
