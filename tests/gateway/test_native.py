"""Which promise modules run compiled, and which compiled ones are older than their source."""

from __future__ import annotations

import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from gateway.ops.compiled import compiled_modules, stale_modules


def _write(path: Path, mtime: float) -> None:
    path.write_text("", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_a_module_compiled_before_its_last_edit_is_stale(tmp_path: Path) -> None:
    suffix = EXTENSION_SUFFIXES[0]
    _write(tmp_path / "search.py", 1_000)
    _write(tmp_path / f"search{suffix}", 2_000)  # built after the edit
    _write(tmp_path / "dates.py", 3_000)
    _write(tmp_path / f"dates{suffix}", 2_000)  # built before it
    _write(tmp_path / "errors.py", 3_000)  # never compiled
    _write(tmp_path / "notes.txt", 3_000)

    assert compiled_modules(tmp_path) == ["dates", "search"]
    assert stale_modules(tmp_path) == ["dates"]


def test_an_interpreted_package_has_nothing_compiled_nor_stale(tmp_path: Path) -> None:
    _write(tmp_path / "search.py", 1_000)

    assert compiled_modules(tmp_path) == []
    assert stale_modules(tmp_path) == []
