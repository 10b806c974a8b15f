"""A compiled module whose source is gone or newer is never imported.

Each test copies the package's `__init__.py` and `compiled.py` into a package of its own in a
temporary directory, beside a source and a "compiled twin" of it that is not a real extension
(importing it fails): the twin of a fresh build is what Python imports, so the import fails;
the twin of a stale or orphaned build is never touched, so the source answers.
"""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

import pytest

import promise
from promise.compiled import INTERPRETED_VARIABLE, read_build

SUFFIX = EXTENSION_SUFFIXES[0]
SOURCE_AT, BUILT_AT, EDITED_AT = 1_000.0, 2_000.0, 3_000.0


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def _twin(package: Path, module: str, mtime: float = BUILT_AT) -> None:
    """A compiled twin that Python would pick before the source, and fail to load."""
    (package / f"{module}{SUFFIX}").write_bytes(b"not a shared library")
    os.utime(package / f"{module}{SUFFIX}", (mtime, mtime))


Importer = Callable[[str], ModuleType]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the package's start-up under a name of its own, with two plain modules."""
    name = f"promise_copy_{uuid.uuid4().hex}"
    copy = tmp_path / name
    copy.mkdir()
    original = Path(promise.__file__).parent
    init = (original / "__init__.py").read_text(encoding="utf-8")
    _write(copy / "__init__.py", init.replace("from promise.", f"from {name}."), SOURCE_AT)
    _write(copy / "compiled.py", (original / "compiled.py").read_text("utf-8"), SOURCE_AT)
    _write(copy / "dates.py", 'FROM = "source"\n', SOURCE_AT)
    _write(copy / "plans.py", 'FROM = "source"\n', SOURCE_AT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delenv(INTERPRETED_VARIABLE, raising=False)
    yield copy
    for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[loaded]


@pytest.fixture
def load(package: Path) -> Importer:
    def importing(module: str) -> ModuleType:
        importlib.invalidate_caches()
        return importlib.import_module(f"{package.name}.{module}")

    return importing


def test_a_fresh_build_is_what_python_imports(package: Path, load: Importer) -> None:
    _twin(package, "dates")

    with pytest.raises(ImportError) as raised:
        load("dates")

    assert raised.type is ImportError  # the twin was read, and is no library
    assert load("plans").FROM == "source"  # never compiled


def test_a_module_edited_since_the_build_runs_from_its_source(
    package: Path, load: Importer
) -> None:
    _twin(package, "dates")
    os.utime(package / "dates.py", (EDITED_AT, EDITED_AT))

    dates = load("dates")

    assert dates.FROM == "source"
    assert dates.__file__ == str(package / "dates.py")


def test_an_edit_anywhere_refuses_every_compiled_module(package: Path, load: Importer) -> None:
    # The modules of one build call each other natively: the fresh one holds the old code.
    _twin(package, "dates")
    _twin(package, "plans")
    os.utime(package / "plans.py", (EDITED_AT, EDITED_AT))

    assert load("dates").FROM == "source"
    assert load("plans").FROM == "source"


def test_a_compiled_module_whose_source_is_gone_cannot_be_imported(
    package: Path, load: Importer
) -> None:
    _twin(package, "dates")
    _twin(package, "renamed")  # its source was renamed or deleted after the build

    with pytest.raises(ModuleNotFoundError, match="has no source"):
        load("renamed")
    assert load("dates").FROM == "source"


def test_the_group_library_alone_is_no_orphan(package: Path) -> None:
    _twin(package, "dates")
    _twin(package, "_native__mypyc")

    build = read_build(package)

    assert (build.compiled, build.stale, build.orphans) == (("dates",), (), ())
    assert not build.refused


def test_the_interpreted_switch_refuses_a_fresh_build(
    package: Path, load: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _twin(package, "dates")
    monkeypatch.setenv(INTERPRETED_VARIABLE, "1")

    assert load("dates").FROM == "source"


def test_a_build_says_what_it_compiled_and_what_keeps_it_from_running(package: Path) -> None:
    _twin(package, "dates")
    _twin(package, "renamed")
    os.utime(package / "plans.py", (EDITED_AT, EDITED_AT))

    build = read_build(package, environ={})

    assert build.compiled == ("dates", "renamed")
    assert build.stale == ("plans",)
    assert build.orphans == ("renamed",)
    assert build.refused
    assert build.running == ()
