"""Whether the promise package runs compiled (mypyc, see the Makefile), and what is stale.

A compiled module sits beside its source (`plan_search.cpython-311-x86_64-linux-gnu.so`
beside `plan_search.py`); promise/compiled.py refuses the whole build, and the package runs
from its sources, when any source changed since the build or a compiled module lost its
source. The gateway logs which way it runs.
"""

from __future__ import annotations

from pathlib import Path

import promise
from promise.compiled import read_build

PACKAGE = Path(promise.__file__).parent


def compiled_modules(package: Path | None = None) -> list[str]:
    """The modules that run compiled, by name: none when the build is refused. Without a
    package, those of the promise package as this process imported it."""
    build = promise.BUILD if package is None else read_build(package)
    return list(build.running)


def stale_modules(package: Path = PACKAGE) -> list[str]:
    """The sources changed since the build, and the compiled modules whose source is gone."""
    build = read_build(package)
    return sorted({*build.stale, *build.orphans})
