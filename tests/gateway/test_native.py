"""Which promise modules run compiled, and which sources a build is older than."""

from __future__ import annotations

import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from gateway.ops.compiled import compiled_modules, stale_modules
from promise.compiled import INTERPRETED_VARIABLE


def _write(path: Path, mtime: float) -> None:
    path.write_text("", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_a_build_older_than_one_edit_runs_nothing_compiled(tmp_path: Path) -> None:
    suffix = EXTENSION_SUFFIXES[0]
    _write(tmp_path / "search.py", 1_000)
    _write(tmp_path / f"search{suffix}", 2_000)  # built after the edit
    _write(tmp_path / "dates.py", 3_000)
    _write(tmp_path / f"dates{suffix}", 2_000)  # built before it
    _write(tmp_path / "errors.py", 1_000)  # never compiled
    _write(tmp_path / "notes.txt", 3_000)

    assert stale_modules(tmp_path) == ["dates"]
    assert compiled_modules(tmp_path) == []


def test_a_fresh_build_runs_its_compiled_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(INTERPRETED_VARIABLE, raising=False)
    suffix = EXTENSION_SUFFIXES[0]
    _write(tmp_path / "search.py", 1_000)
    _write(tmp_path / f"search{suffix}", 2_000)
    _write(tmp_path / "errors.py", 1_000)

    assert compiled_modules(tmp_path) == ["search"]
    assert stale_modules(tmp_path) == []


def test_an_interpreted_package_has_nothing_compiled_nor_stale(tmp_path: Path) -> None:
    _write(tmp_path / "search.py", 1_000)

    assert compiled_modules(tmp_path) == []
    assert stale_modules(tmp_path) == []
