"""The `promise-gateway` command refuses what cannot work, with a message saying why."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.ops.settings import DEFAULT_NETWORK_DIR

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def gateway_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the shell, and none that `serve` exports leaks out of a test."""
    # setenv (not delenv) so that monkeypatch also undoes what `serve` writes to os.environ.
    for name in ("STOCK_STORE_URL", "QUOTE_SIGNING_KEYS", "GATEWAY_DEV_MODE"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("NETWORK_DIR", str(DEFAULT_NETWORK_DIR))


@pytest.fixture
def network_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo network."""
    copy = tmp_path / "network"
    shutil.copytree(DEFAULT_NETWORK_DIR, copy)
    return copy


def test_serving_two_workers_on_the_memory_store_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["serve", "--workers", "2", "--port", "1"])

    assert code == 2
    message = capsys.readouterr().err
    assert "memory://" in message
    assert "redis://" in message


def test_a_schema_file_that_differs_from_the_code_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "schema.graphql"
    text = (REPO / "schema.graphql").read_text(encoding="utf-8")
    stale.write_text(text.replace("type Allocation {", "type Allocation {\n  legacy: Int"))

    code = main(["export-schema", "--check", str(stale)])

    assert code == 1
    assert "make schema" in capsys.readouterr().err


def test_the_exported_schema_passes_its_own_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "schema.graphql"
    assert main(["export-schema"]) == 0
    exported.write_text(capsys.readouterr().out, encoding="utf-8")

    assert main(["export-schema", "--check", str(exported)]) == 0


def test_seeding_from_a_network_with_a_bad_latitude_names_the_file_row_and_column(
    network_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = network_copy / "nodes.csv"
    with nodes.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    latitude = rows[0].index("latitude")
    lyon = next(i for i, row in enumerate(rows) if row[0] == "LYON-PART-DIEU")
    rows[lyon][latitude] = "145.7614"
    with nodes.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    code = main(["seed-stock", "--network", str(network_copy), "--store", "memory://"])

    assert code == 2
    message = capsys.readouterr().err
    assert "nodes.csv" in message
    assert f"row {lyon + 1}" in message
    assert "latitude" in message
    assert "145.7614" in message
    assert "Traceback" not in message
