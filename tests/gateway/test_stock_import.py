"""`import-stock`: snapshots from CSV or JSON Lines, checked before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from gateway.ops.stock_import import ImportFormat, StockImportError, check, import_stock
from network_loader.network_files import load_network
from network_loader.stock_rules import load_stock_rules
from promise.errors import NetworkDataError
from promise.network import Network
from stock_cache.memory import MemoryStore

CSV_TEXT = """node_id,sku,on_hand
DC-MIRAMAS,OAK-TABLE-120,7
DC-MIRAMAS,OAK-CHAIR,3
DC-BONNEUIL,OAK-TABLE-120,4
"""


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(DEFAULT_NETWORK_DIR)


async def test_a_csv_file_replaces_each_node_it_names(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    store = MemoryStore()
    await store.set_levels("DC-MIRAMAS", {"LINEN-DUVET-220": 9})
    seen: list[int] = []

    assert check(path, ImportFormat.CSV, known_nodes=None) == 3
    summary = await import_stock(store, path, ImportFormat.CSV, progress=seen.append)

    assert (summary.rows, summary.nodes, sum(seen)) == (3, 2, 3)
    assert await store.atp(["OAK-TABLE-120", "LINEN-DUVET-220"], ["DC-MIRAMAS", "DC-BONNEUIL"]) == {
        "OAK-TABLE-120": {"DC-MIRAMAS": 7, "DC-BONNEUIL": 4},
        "LINEN-DUVET-220": {"DC-MIRAMAS": 0, "DC-BONNEUIL": 0},
    }


async def test_a_json_lines_file_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.jsonl"
    rows = [{"node_id": "DC-MIRAMAS", "sku": "OAK-CHAIR", "on_hand": 5}]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    store = MemoryStore()

    await import_stock(store, path, ImportFormat.JSONL, watermark=10)

    assert await store.atp(["OAK-CHAIR"], ["DC-MIRAMAS"]) == {"OAK-CHAIR": {"DC-MIRAMAS": 5}}
    late = await import_stock(store, path, ImportFormat.JSONL, watermark=9)
    assert late.stale_nodes == ("DC-MIRAMAS",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("node,sku,qty\n", "line 1: the header must be node_id,sku,on_hand"),
        ("node_id,sku,on_hand\nDC-MIRAMAS,OAK-CHAIR,-1\n", "line 2 column on_hand: '-1'"),
        ("node_id,sku,on_hand\nDC-MIRAMAS,,1\n", "line 2 column sku"),
        (
            "node_id,sku,on_hand\nDC-MIRAMAS,A,1\nDC-BONNEUIL,A,1\nDC-MIRAMAS,B,1\n",
            "line 4 column node_id: the rows of 'DC-MIRAMAS' must sit together",
        ),
        ("node_id,sku,on_hand\nATLANTIS,A,1\n", "line 2 column node_id: 'ATLANTIS' is not a node"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column(
    tmp_path: Path, network: Network, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(StockImportError, match=message):
        check(path, ImportFormat.CSV, known_nodes=network.nodes)


def test_the_command_refuses_a_bad_file_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("node_id,sku,on_hand\nDC-MIRAMAS,OAK-CHAIR,lots\n", encoding="utf-8")

    assert main(["import-stock", str(path), "--quiet"]) == 2
    assert "line 2 column on_hand" in capsys.readouterr().err


def test_the_command_imports_a_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")

    assert main(["import-stock", str(path), "--quiet"]) == 0
    assert "imported 3 stock levels at 2 nodes" in capsys.readouterr().out


def test_the_demo_stock_rules_load(network: Network) -> None:
    config = load_stock_rules(DEFAULT_NETWORK_DIR, network)

    assert config.default_channel == "web-fr"
    assert config.channel_of("marketplace-x-connector") == "marketplace-x"
    assert config.channel_of("anyone", "marketplace-x") == "marketplace-x"
    assert config.channel_of("anyone", "no-such-channel") == "web-fr"
    marketplace = config.rules.channels["marketplace-x"]
    assert marketplace.cap("PARIS-LES-HALLES") == 5
    assert marketplace.sells_from("DC-MIRAMAS")
    assert not marketplace.sells_from("DIJON-LIBERTE")
    assert config.rules.protection("ROUEN-GROS-HORLOGE", "OAK-CHAIR").share_bp == 1_000
    assert config.rules.protection("REIMS-ERLON", "OAK-TABLE-120").units == 3


def test_a_bad_safety_rule_names_the_file_line_and_key(tmp_path: Path, network: Network) -> None:
    (tmp_path / "safety.toml").write_text(
        '# rules\n\n[nodes]\nROUEN-GROS-HORLOGE = "lots"\n', encoding="utf-8"
    )

    with pytest.raises(NetworkDataError, match=r"safety.toml line 3 \[nodes\] key ROUEN"):
        load_stock_rules(tmp_path, network)


def test_a_channel_naming_an_unknown_node_is_refused(tmp_path: Path, network: Network) -> None:
    (tmp_path / "channels.toml").write_text(
        'default_channel = "web"\n\n[channels.web]\nnodes = ["ATLANTIS"]\n', encoding="utf-8"
    )

    with pytest.raises(NetworkDataError, match=r"channels.toml line 3 \[channels.web\] key nodes"):
        load_stock_rules(tmp_path, network)
