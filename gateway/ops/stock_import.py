"""`promise-gateway import-stock FILE`: load node snapshots from a CSV or JSON Lines file.

Each row names a node, a SKU and its on-hand units (`node_id,sku,on_hand`; JSON Lines:
`{"node_id": ..., "sku": ..., "on_hand": ...}`). The rows of one node are its full snapshot
and must sit together. The file is read twice, streaming both times so that memory stays
flat however large it grows: a first pass checks every row (a bad one stops everything
before any write, naming the file, line and column) and counts them; the second sends each
node's rows to the store in chunks, as one snapshot per node (see
StockStore.replace_node_stock: a reader sees the old levels or the new, never a mix).
"""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from stock_cache.base import FeedStatus, StockStore

CHUNK_ROWS = 5_000
COLUMNS = ("node_id", "sku", "on_hand")
MAX_ON_HAND = 10**9


class ImportFormat(enum.Enum):
    CSV = "csv"
    JSONL = "jsonl"


class StockImportError(Exception):
    """A row of the file is wrong; the message names the file, line and column."""


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    nodes: int
    stale_nodes: tuple[str, ...]


def format_of(path: Path, given: str | None) -> ImportFormat:
    if given is not None:
        return ImportFormat(given)
    return ImportFormat.JSONL if path.suffix in (".jsonl", ".ndjson") else ImportFormat.CSV


def _rows(path: Path, kind: ImportFormat) -> Iterator[tuple[int, str, str, int]]:
    """(line, node, sku, on hand) per row, checked."""
    with path.open(encoding="utf-8", newline="") as handle:
        if kind is ImportFormat.CSV:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != COLUMNS:
                raise StockImportError(f"{path} line 1: the header must be {','.join(COLUMNS)}")
            for values in reader:
                line = reader.line_num
                if len(values) != 3:
                    raise StockImportError(f"{path} line {line}: expected 3 columns")
                yield _checked(path, line, values[0], values[1], values[2])
        else:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise StockImportError(f"{path} line {line}: not JSON: {exc}") from None
                if not isinstance(item, dict):
                    raise StockImportError(f"{path} line {line}: not a JSON object")
                for column in COLUMNS:
                    if column not in item:
                        raise StockImportError(f"{path} line {line} column {column}: missing")
                yield _checked(path, line, item["node_id"], item["sku"], item["on_hand"])


def _checked(
    path: Path, line: int, node: object, sku: object, on_hand: object
) -> tuple[int, str, str, int]:
    for column, value in (("node_id", node), ("sku", sku)):
        if not isinstance(value, str) or not value.strip():
            raise StockImportError(f"{path} line {line} column {column}: {value!r} is empty")
    try:
        units = int(on_hand)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        units = -1
    if (
        isinstance(on_hand, bool)
        or not 0 <= units <= MAX_ON_HAND
        or str(on_hand).strip() != str(units)
    ):
        raise StockImportError(
            f"{path} line {line} column on_hand: {on_hand!r} is not a whole number of units"
            f" from 0 to {MAX_ON_HAND}"
        )
    return line, str(node).strip(), str(sku).strip(), units


def check(path: Path, kind: ImportFormat, *, known_nodes: Mapping[str, object] | None) -> int:
    """First pass: every row valid, each node's rows together. Returns the row count."""
    done: set[str] = set()
    current: str | None = None
    rows = 0
    for line, node, _, _ in _rows(path, kind):
        if node != current:
            if node in done:
                raise StockImportError(
                    f"{path} line {line} column node_id: the rows of {node!r} must sit together"
                )
            if known_nodes is not None and node not in known_nodes:
                raise StockImportError(
                    f"{path} line {line} column node_id: {node!r} is not a node of the network"
                )
            if current is not None:
                done.add(current)
            current = node
        rows += 1
    return rows


async def import_stock(
    store: StockStore,
    path: Path,
    kind: ImportFormat,
    *,
    watermark: int | None = None,
    progress: Callable[[int], None] = lambda rows: None,
) -> ImportSummary:
    """Second pass: one snapshot per node, sent in chunks of CHUNK_ROWS rows."""
    rows = _rows(path, kind)
    pending = next(rows, None)
    nodes, total, stale = 0, 0, []
    while pending is not None:
        node = pending[1]

        def chunks(node: str) -> Iterator[dict[str, int]]:
            nonlocal pending, total
            chunk: dict[str, int] = {}
            while pending is not None and pending[1] == node:
                chunk[pending[2]] = pending[3]
                pending = next(rows, None)
                if len(chunk) >= CHUNK_ROWS:
                    total += len(chunk)
                    progress(len(chunk))
                    yield chunk
                    chunk = {}
            total += len(chunk)
            progress(len(chunk))
            yield chunk

        levels = chunks(node)
        result = await store.replace_node_stock(node, levels, watermark=watermark)
        for _ in levels:
            pass  # a stale node's rows are skipped, unread by the store
        if result.status is FeedStatus.STALE:
            stale.append(node)
        elif result.status is not FeedStatus.APPLIED:
            raise StockImportError(f"{path}: node {node!r}: {result.reason}")
        nodes += 1
    return ImportSummary(total, nodes, tuple(stale))
