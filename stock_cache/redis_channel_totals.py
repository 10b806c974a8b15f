"""Network-wide totals of many SKUs over several networks at once: the publisher's read
(docs/redis.md, Network-wide totals)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stock_cache._known_generations import generations_for_fill
from stock_cache._node_blocks import generations_part
from stock_cache._rules import now_ms
from stock_cache._script_args import Network
from stock_cache.redis_reads import _FILL_ATTEMPTS, _TOTALS_TTL_MS, Run, StockReads, _sections
from stock_cache.redis_scripts import Call

Pair = tuple[int, str]
"""A network (its position among those asked) and a SKU."""


async def network_totals(
    reads: StockReads,
    run: Run,
    skus: Sequence[str],
    networks: Sequence[tuple[str | None, Sequence[str]]],
) -> list[dict[str, int]]:
    """Per network (channel, nodes), each SKU's exact total over it, as `availability`
    counts it with no node asked: a hit is one round trip for every network and SKU (two on
    a cluster), a miss one or two more (the generations of the sections to read, then the
    fills). `run` sends the scripts, each its own command (Scripts.run_each)."""
    unique = list(dict.fromkeys(skus))
    nets = [reads.args.network(channel, nodes) for channel, nodes in networks]
    channels = [channel for channel, _ in networks]
    totals: list[dict[str, int]] = [{} for _ in networks]
    if not unique or not nets:
        return totals
    now = now_ms(reads._clock)
    if reads._one_trip:
        # Each script reads the epoch itself (the generations hash is one of its keys).
        epoch, gens_key = "", [reads._keys.gens()]
    else:
        epoch, _ = await reads._generations(())
        gens_key = []
    calls: list[Call] = []
    pairs: list[Pair] = []
    empty = generations_part([])
    for i, (net, channel) in enumerate(zip(nets, channels, strict=True)):
        blocks = reads._blocks.for_skus(channel, (), unique, empty)
        for sku, block in zip(unique, blocks, strict=True):
            args: list[Any] = [now, net.field, epoch, "read", _TOTALS_TTL_MS, net.sections_text]
            keys = [*reads._availability_keys(sku), *gens_key]
            calls.append(("availability", keys, [*args, block]))
            pairs.append((i, sku))
    missing: dict[Pair, str] = {}
    epochs: set[str] = set()
    for pair, reply in zip(pairs, await run(calls), strict=True):
        epochs.add(str(reply[2]))
        if reply[0] == "hit":
            totals[pair[0]][pair[1]] = int(reply[1])
        else:
            missing[pair] = reply[1]
    if missing:
        # Generations known at the one epoch every read saw save their HMGET.
        read_epoch = epochs.pop() if len(epochs) == 1 else None
        filled = await _fill(reads, run, nets, channels, missing, read_epoch)
        for (i, sku), total in filled.items():
            totals[i][sku] = total
    return totals


async def _fill(
    reads: StockReads,
    run: Run,
    nets: Sequence[Network],
    channels: Sequence[str | None],
    wanted: dict[Pair, str],
    read_epoch: str | None,
) -> dict[Pair, int]:
    """`StockReads._fill` for many networks at once, with no node asked: one HMGET of the
    generations of every section to read (none when known at `read_epoch`), then every
    fill in one pipeline; a subtotal forgotten meanwhile goes again, the last attempt
    reading every section."""
    found: dict[Pair, int] = {}
    for attempt in range(_FILL_ATTEMPTS):
        final = attempt == _FILL_ATTEMPTS - 1
        sent = {pair: _sections(nets[pair[0]], text, every=final) for pair, text in wanted.items()}
        nodes = tuple(
            dict.fromkeys(
                node for (i, _), ss in sent.items() for s in ss for node in nets[i].sections[s]
            )
        )
        epoch, values = await generations_for_fill(
            reads._known, reads._generations, read_epoch, nodes
        )
        read_epoch = epoch
        generation = dict(zip(nodes, values, strict=True))
        calls = [
            reads._fill_call(nets[i], (), channels[i], sku, ss, epoch, generation)
            for (i, sku), ss in sent.items()
        ]
        wanted = {}
        for pair, reply in zip(sent, await run(calls), strict=True):
            if reply[0] == "filled":
                found[pair] = int(reply[1])
            else:
                wanted[pair] = reply[1]
        if not wanted:
            return found
    raise RuntimeError("a fill that reads every section found some missing")
