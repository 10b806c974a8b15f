"""The postcode table a multi-worker server builds once, in a child, for its workers to read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import places
from gateway.ops.places_table import VARIABLE, table_built_once
from gateway.ops.settings import SettingsError, settings_from_env
from places.stored import read, table_file

pytestmark = pytest.mark.subprocess


def test_the_table_is_built_once_into_a_private_directory_the_workers_are_told_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)

    with table_built_once():
        kept = Path(os.environ[VARIABLE])
        settings = settings_from_env({VARIABLE: str(kept)})
        built = read(table_file(kept))

    assert settings.places_table_dir == kept
    assert built is not None
    # Lyon 3e: the very Place this process resolves from its own table.
    assert built.places[("FR", "69003")] == places.resolve_postcode("FR", "69003")
    assert VARIABLE not in os.environ
    assert not kept.exists()


def test_a_directory_the_operator_names_is_used_as_it_is_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(VARIABLE, str(tmp_path))

    with table_built_once():
        assert os.environ[VARIABLE] == str(tmp_path)

    assert os.environ[VARIABLE] == str(tmp_path)
    assert tmp_path.is_dir()


def test_a_table_directory_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-directory"

    with pytest.raises(SettingsError, match=f"{VARIABLE}='{missing}' is not a directory"):
        settings_from_env({VARIABLE: str(missing)})
