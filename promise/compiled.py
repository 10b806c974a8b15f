"""Which of the package's compiled modules may be imported: all of them or none.

mypyc compiles the modules into one group (a shared library beside one small extension per
module) whose code calls across modules natively, so one module built from an older source
taints the others. The build is refused as a whole when a source is newer than the oldest
compiled file, when a compiled module's source is gone, or when `PROMISE_INTERPRETED` is set;
a refused build is never imported: a finder placed first on `sys.meta_path` loads every module
of the package from its source, and a module whose source is gone cannot be imported at all.
This module is never compiled itself (setup.py), and `promise/__init__.py` runs it before any
other module of the package is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from types import ModuleType

# Set to anything but "" or "0", the package runs interpreted whatever is built.
INTERPRETED_VARIABLE = "PROMISE_INTERPRETED"
# mypyc's shared library of a group: `<group>__mypyc.<suffix>`, no source of its own.
_GROUP_LIBRARY = "__mypyc"


@dataclass(frozen=True, slots=True)
class Build:
    """What mypyc left in a package directory, and why it may not be used."""

    compiled: tuple[str, ...]  # modules with a compiled twin, by name
    stale: tuple[str, ...]  # sources changed since the oldest compiled file was built
    orphans: tuple[str, ...]  # compiled modules whose source is gone
    forced_interpreted: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.compiled) and (
            bool(self.stale) or bool(self.orphans) or self.forced_interpreted
        )

    @property
    def running(self) -> tuple[str, ...]:
        """The modules that run compiled: none of a refused build."""
        return () if self.refused else self.compiled


def _extension_name(path: Path) -> str | None:
    for suffix in EXTENSION_SUFFIXES:
        if path.name.endswith(suffix):
            return path.name.removesuffix(suffix)
    return None


def read_build(package: Path, *, environ: dict[str, str] | None = None) -> Build:
    """The build in `package`: its compiled modules and what is stale or orphaned."""
    extensions = {
        name: path for path in package.iterdir() if (name := _extension_name(path)) is not None
    }
    sources = {path.stem: path.stat().st_mtime for path in package.glob("*.py")}
    built_at = min((path.stat().st_mtime for path in extensions.values()), default=None)
    modules = sorted(name for name in extensions if not name.endswith(_GROUP_LIBRARY))
    flag = (os.environ if environ is None else environ).get(INTERPRETED_VARIABLE, "")
    return Build(
        compiled=tuple(modules),
        stale=tuple(
            sorted(name for name, at in sources.items() if built_at is not None and at > built_at)
        ),
        orphans=tuple(name for name in modules if name not in sources),
        forced_interpreted=flag not in ("", "0"),
    )


class _FromSource(MetaPathFinder):
    """Finds the package's modules by their sources only, never by a compiled twin."""

    def __init__(self, package_name: str, package: Path) -> None:
        self.package_name = package_name
        self.package = package

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        parent, _, name = fullname.rpartition(".")
        if parent != self.package_name:
            return None
        source = self.package / f"{name}.py"
        if not source.is_file():
            raise ModuleNotFoundError(
                f"{fullname} is compiled but has no source: the build is refused", name=fullname
            )
        return spec_from_file_location(fullname, source)


def guard(package_name: str, package: Path) -> Build:
    """Reads the package's build and, if it is refused, keeps it from ever being imported."""
    build = read_build(package)
    if build.refused and not any(
        isinstance(f, _FromSource) and f.package == package for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _FromSource(package_name, package))
    return build
