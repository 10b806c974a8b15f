"""Whether the promise package runs compiled (mypyc, see the Makefile), and what is stale.

A compiled module sits beside its source (`plan_search.cpython-311-x86_64-linux-gnu.so`
beside `plan_search.py`) and Python imports it first: a source edited since it was compiled
would not run at all. Tests refuse to start then, and the gateway logs which way it runs.
"""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import promise

PACKAGE = Path(promise.__file__).parent


def _built(source: Path) -> list[Path]:
    return [b for s in EXTENSION_SUFFIXES if (b := source.with_suffix(s)).is_file()]


def compiled_modules(package: Path = PACKAGE) -> list[str]:
    """The package's modules that have a compiled twin, by name."""
    return sorted(source.stem for source in package.glob("*.py") if _built(source))


def stale_modules(package: Path = PACKAGE) -> list[str]:
    """The modules whose source changed after their compiled twin was built."""
    return sorted(
        source.stem
        for source in package.glob("*.py")
        if any(source.stat().st_mtime > built.stat().st_mtime for built in _built(source))
    )
