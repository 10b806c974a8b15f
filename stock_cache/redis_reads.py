"""Reading stock on Redis: ATP and inbound at some nodes, and exact network-wide totals.

Every read takes the committed snapshot generations of the nodes it needs first, with one
HMGET of the `{gens}` hash, then asks each SKU for its levels as of them: one script per SKU,
all in one round trip, each reading the SKU's hashes once for all the nodes (HMGET, or the
hash whole when it has fewer fields than nodes asked), never twice per node. The nodes go
to a script as one encoded block, their rules encoded once per process (_node_blocks.py).
On a single Redis server the two steps are one: each SKU's script reads the generations
itself (the `{gens}` hash is one more key of the script; a cluster forbids that, as the hash
has its own slot), or checks that the epoch of those this process read last is still the
hash's and uses them (_known_generations.py); one script (atp_skus.lua) reads every SKU of
the request, so that all are read at the same generations and a read is one command.

A network-wide total (`availability`) would cost a read of every node of the network, so
each SKU caches it, in its own slot, in the `totals` hash, as the sum of one subtotal per
section of the network (its nodes split in 32 by their ids, `section_of`):

- a field names what a total depends on besides the SKU's own keys: the channel, the safety
  rules and the set of nodes of the network (a digest, see _script_args.py); the total is
  under that field, the subtotal of section k under `k|` and the field. Values are
  `tag:figure`;
- every script that may change the SKU's ATP at some nodes deletes, in the same step, every
  total and the subtotals of those nodes' sections (apply_event, stage, hold, unhold,
  fulfil, and the sweep of expired holds whenever it frees one). Pins, unpins and inbound
  stock leave ATP alone. Holds that expire by the clock are freed by the sweep that each
  reading script runs before it looks at the cache, so a cached figure never counts a hold
  that has expired for the reader, whether or not anyone wrote. So after a change at one
  node, the next reader reads that node's section (a thirty-second of the network) and sums
  the other subtotals: at 10,000 nodes that was 18 ms of Redis when a change forgot the
  whole total, against about 1 ms;
- a flip changes what readers see of a SKU at the node only if the SKU's ledger there holds a
  snapshot entry newer than the generation read before (staged, with the step that staged it
  forgetting the figures). A subtotal read with no such entry in its section is tagged `*`:
  no flip can change it, only writes, which forget it. One read with such an entry is tagged
  with the epoch of the generations it was read at (the `epoch` field of `{gens}`, which
  every flip bumps), and used only at that epoch; a total is tagged `*` when all of its
  subtotals are. Were every figure tagged with the epoch, a flip anywhere (a store's
  snapshot, many a minute on a live network) would make every SKU's next read a fill of the
  whole network;
- a reader uses a `*` total only if no node it asks about holds an entry newer than the
  generation it read there, and a `*` subtotal only if no such node is in its section: a
  reader that read its generations just before a flip would otherwise pair the old
  snapshot's ATP at the nodes asked with a figure of the new one. Near a store whose
  snapshot is being written (its staged entries are newer than any reader's generation),
  that costs a read of the store's section after each flip elsewhere, not of the network;
- the `availability` script ('read') answers the ATP at the nodes asked and the cached total
  if its tag allows, else the sum of the subtotals if theirs all do (then caching it): the
  common path is 2 round trips on a cluster, 1 on a single server (the script reads the
  epoch too), and a handful of commands whatever the network's size. Else it
  names the sections missing, and the caller reads the generations of the nodes asked and
  of those sections (one HMGET) and sends the script again in 'fill' mode with a block of
  each: it caches their subtotals and sums them with the others, in the same step as it
  reads the nodes asked. A subtotal forgotten in between sends it back with the sections
  still missing; the third attempt reads every section. A figure stored by a reader whose
  generations were already stale is either under their older epoch (no reader of the newer
  generations uses it) or under `*`, when no node had a newer entry than the reader saw:
  then its old generations and the newest give the same levels. The hash expires a day
  after its last fill, taking with it figures of networks, channels or rules no longer
  asked about.
- generations a reader read at an epoch are kept (the latest epoch only), and a fill after
  a read of that same epoch uses them, skipping that HMGET: no flip can have come in
  between, as every flip bumps the epoch in the step that changes a generation. This trusts
  the epoch to only grow, as the cached figures already do: a Redis that lost `{gens}`
  (restarted without persistence) needs the gateways restarted with it.
- When the nodes asked include the whole network, a single 'fill' of every section answers
  everything. A 'read' sends a block the server was sent before by its name (_node_blocks.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from redis.typing import EncodableT

from stock_cache._known_generations import KnownGenerations, generations_for_fill
from stock_cache._node_blocks import NodeBlocks, generations_part, sent_once
from stock_cache._rules import now_ms
from stock_cache._script_args import Network, ScriptArgs
from stock_cache.base import Inbound, NodeStock, SkuAvailability
from stock_cache.redis_keys import EPOCH_FIELD, RedisKeys, gen_field
from stock_cache.redis_scripts import Call, Client
from stock_cache.rules import StockRules


class Run(Protocol):
    def __call__(self, calls: Sequence[Call], *, atomic: bool = False) -> Awaitable[list[Any]]: ...


_TOTALS_TTL_MS = 24 * 60 * 60 * 1000
# A fill whose subtotals a change forgets meanwhile goes again; the last reads every section.
_FILL_ATTEMPTS = 3


def _sections(net: Network, text: str, *, every: bool) -> tuple[str, ...]:
    """The sections a script named ("3,17", "all", "") of this network, or all of them."""
    if every or text == "all":
        return tuple(net.sections)
    return tuple(text.split(",")) if text else ()


def generation_fields(nodes: Sequence[str]) -> list[str]:
    """The fields of the `{gens}` hash that give the epoch and these nodes' generations."""
    return [EPOCH_FIELD, *(gen_field(node) for node in nodes)]


@dataclass(frozen=True, slots=True)
class Generations:
    """The committed snapshot generation of some nodes, and the flip epoch, read together."""

    epoch: str
    of: dict[str, int]

    @classmethod
    def parse(cls, nodes: Sequence[str], values: Sequence[str | None]) -> Generations:
        """From the reply of an HMGET of generation_fields(nodes)."""
        gens = {node: int(value or 0) for node, value in zip(nodes, values[1:], strict=True)}
        return cls(values[0] or "0", gens)


class StockReads:
    """The read side of the Redis store; the caller holds the session (see RedisStore)."""

    def __init__(
        self,
        client: Client,
        run: Run,
        keys: RedisKeys,
        rules: StockRules,
        *,
        clock: Callable[[], float] = time.time,
        one_trip: bool = False,
        keeps: Container[str] = frozenset(),  # see Scripts.as_functions
    ) -> None:
        self._client = client
        self._run = run
        # A standalone Redis lets one script read the generations hash beside the SKUs' keys:
        # a read is one command (one script for every SKU, so that all are read at the same
        # generations). A cluster keeps the two: the generations live in a slot of their own.
        self._one_trip = one_trip
        self._keeps = keeps
        self._keys = keys
        self._rules = rules
        self._clock = clock
        self.args = ScriptArgs(rules)
        self._blocks = NodeBlocks(self.args, rules)
        self._known = KnownGenerations()

    async def _generations(self, nodes: Sequence[str]) -> tuple[str, list[str | None]]:
        """One HMGET: the epoch and the nodes' committed generations, as the server wrote them."""
        values = cast(
            list[str | None], await self._client.hmget(self._keys.gens(), generation_fields(nodes))
        )
        return values[0] or "0", values[1:]

    async def stock(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        channel: str | None,
        *,
        with_inbound: bool,
    ) -> dict[str, dict[str, NodeStock]]:
        """Two round trips on a cluster (the nodes' committed generations, then one script per
        SKU); one on a single server, where the scripts read the generations."""
        nodes, read = await self._levels(skus, node_ids, channel, with_inbound=with_inbound)
        by_sku: dict[str, dict[str, NodeStock]] = {}
        for sku, levels in read.items():
            if not with_inbound:
                by_sku[sku] = {n: NodeStock(int(atp)) for n, atp in zip(nodes, levels, strict=True)}
                continue
            by_node = {}
            for node, atp, encoded in zip(nodes, levels[::2], levels[1::2], strict=True):
                inbound = tuple(Inbound(int(q), int(eta)) for q, eta in json.loads(encoded or "[]"))
                by_node[node] = NodeStock(int(atp), inbound)
            by_sku[sku] = by_node
        return {sku: {node: by_sku[sku][node] for node in node_ids} for sku in skus}

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], channel: str | None
    ) -> dict[str, dict[str, int]]:
        """ATP by SKU and node, as `stock` reads it without inbound, built as plain integers:
        a checkout reads some 50 nodes a SKU, and each level an object then a copy cost more
        than the script's reply. The scripts answer ATP as Redis integers, which the client
        gives as ints already."""
        nodes, read = await self._levels(skus, node_ids, channel, with_inbound=False)
        return {sku: dict(zip(nodes, levels, strict=True)) for sku, levels in read.items()}

    async def _levels(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        channel: str | None,
        *,
        with_inbound: bool,
    ) -> tuple[tuple[str, ...], dict[str, list[Any]]]:
        """The nodes once each, in order, and each SKU's levels at them as the scripts reply
        (ATP, or ATP and encoded inbound pairs, per node)."""
        self._rules.channel(channel)
        nodes = tuple(dict.fromkeys(node_ids))
        if not skus or not nodes:
            return nodes, {sku: [] for sku in skus}
        unique = list(dict.fromkeys(skus))
        if self._one_trip:
            epoch, part = self._known.part(nodes)
        else:
            epoch, generations = await self._generations(nodes)
            part = generations_part(generations)
        blocks = self._blocks.for_skus(channel, nodes, unique, part)
        now = now_ms(self._clock)
        if self._one_trip:
            # One script for every SKU, reading the generations beside them: one command, where
            # redis-py's MULTI/EXEC around one script per SKU cost the worker more than the
            # scripts cost Redis.
            every = [key for sku in unique for key in self._keys.sku_reads(sku)]
            keys = [*every, self._keys.gens()]
            call: Call = ("atp_skus", keys, [now, int(with_inbound), epoch, *sent_once(blocks)])
            (replies,) = await self._run([call])
        else:
            calls: list[Call] = [
                ("atp", list(self._keys.sku_reads(sku)), [now, int(with_inbound), block, epoch])
                for sku, block in zip(unique, blocks, strict=True)
            ]
            replies = await self._run(calls)
        width = len(nodes) * (2 if with_inbound else 1)
        read: dict[str, list[Any]] = {}
        for sku, reply in zip(unique, replies, strict=True):
            self._known.learn(reply[0], nodes, reply[1 + width :])
            read[sku] = reply[1 : 1 + width]
        return nodes, read

    async def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        network: Sequence[str],
        channel: str | None,
    ) -> dict[str, SkuAvailability]:
        """See the module docstring: a hit is 1 round trip on a single server and 2 on a
        cluster, a miss 2 more (the generations of the nodes to read, then the fill)."""
        net = self.args.network(channel, network)
        unique = list(dict.fromkeys(skus))
        if not unique:
            return {}
        asked = tuple(dict.fromkeys(node_ids))
        found: dict[str, tuple[int, dict[str, int]]] = {}
        # Every node of the network asked (fewer cannot be all of them, and are not counted):
        # reading them gives the total too.
        if len(asked) >= len(net.nodes) and sum(n in net.index for n in asked) == len(net.nodes):
            found = await self._fill(net, asked, channel, dict.fromkeys(unique, "all"), None, ())
        elif self._one_trip:
            found, missing, epoch = await self._cached(unique, net, asked, channel)
            if missing:
                found |= await self._fill(net, asked, channel, missing, epoch, list(found))
        else:
            epoch, generations = await self._generations(asked)
            blocks = self._blocks.for_skus(channel, asked, unique, generations_part(generations))
            now = now_ms(self._clock)
            calls: list[Call] = [
                (
                    "availability",
                    self._availability_keys(sku),
                    [now, net.field, epoch, "read", _TOTALS_TTL_MS, net.sections_text, block],
                )
                for sku, block in zip(unique, blocks, strict=True)
            ]
            missing = {}
            for sku, reply in zip(unique, await self._run(calls), strict=True):
                if reply[0] == "hit":
                    atp = dict(zip(asked, (int(value) for value in reply[3:]), strict=True))
                    found[sku] = (int(reply[1]), atp)
                else:
                    missing[sku] = reply[1]
            if missing:
                found |= await self._fill(net, asked, channel, missing, epoch, list(found))
        return {
            sku: SkuAvailability(found[sku][0], {node: found[sku][1][node] for node in node_ids})
            for sku in skus
        }

    async def _fill(
        self,
        net: Network,
        asked: tuple[str, ...],
        channel: str | None,
        wanted: dict[str, str],
        read_epoch: str | None,
        others: Sequence[str],
    ) -> dict[str, tuple[int, dict[str, int]]]:
        """Each SKU's total over the network and ATP at the nodes asked, after a read that
        missed: `wanted` says, per SKU, which sections of the network to read ("3,17", or
        "all"); the script sums their fresh subtotals with the others' cached ones. One
        HMGET of the generations of the nodes asked and of those sections, then one script
        per SKU.

        `others`: the SKUs that the read found cached at `read_epoch`. Should a snapshot have
        flipped since, they are filled too, so that one answer never mixes levels of two
        snapshots (from the cache, mostly). A subtotal that a change forgot meanwhile sends
        the script back missing it: the next attempt reads it, and the last every section.
        """
        wanted = dict(wanted)
        for attempt in range(_FILL_ATTEMPTS):
            final = attempt == _FILL_ATTEMPTS - 1
            sent = {sku: _sections(net, text, every=final) for sku, text in wanted.items()}
            reading = [node for ss in sent.values() for s in ss for node in net.sections[s]]
            nodes = tuple(dict.fromkeys([*asked, *reading]))
            epoch, values = await generations_for_fill(
                self._known, self._generations, read_epoch, nodes
            )
            if read_epoch is not None and epoch != read_epoch:
                for sku in others:
                    sent[sku] = _sections(net, "", every=final)
            read_epoch = epoch
            generation = dict(zip(nodes, values, strict=True))
            calls = [
                self._fill_call(net, asked, channel, sku, s, epoch, generation)
                for sku, s in sent.items()
            ]
            replies = await self._run(calls)
            missing = {sku: r[1] for sku, r in zip(sent, replies, strict=True) if r[0] != "filled"}
            if not missing:
                return {
                    sku: (int(r[1]), dict(zip(asked, (int(v) for v in r[3:]), strict=True)))
                    for sku, r in zip(sent, replies, strict=True)
                }
            wanted = {sku: missing.get(sku, "") for sku in sent}
        raise RuntimeError("a fill that reads every section found some missing")

    def _fill_call(
        self,
        net: Network,
        asked: tuple[str, ...],
        channel: str | None,
        sku: str,
        sections: tuple[str, ...],
        epoch: str,
        generation: dict[str, str | None],
    ) -> Call:
        """The fill script of one SKU: the block of the nodes asked, then one per section."""

        def block(nodes: tuple[str, ...]) -> bytes:
            part = generations_part([generation[node] for node in nodes])
            return self._blocks.static(channel, nodes, sku) + part

        arguments: list[EncodableT] = [now_ms(self._clock), net.field, epoch, "fill"]
        arguments += [_TOTALS_TTL_MS, net.sections_text, ",".join(sections), block(asked)]
        arguments += [block(net.sections[s]) for s in sections]
        return "availability", self._availability_keys(sku), arguments

    async def _cached(
        self, skus: Sequence[str], net: Network, asked: tuple[str, ...], channel: str | None
    ) -> tuple[dict[str, tuple[int, dict[str, int]]], dict[str, str], str]:
        """Each SKU's cached total and ATP at the nodes asked, at the generations the scripts
        read or check, in one round trip; the SKUs whose total is not cached, with the
        sections to fill; and the epoch of those generations."""
        epoch, part = self._known.part(asked)
        blocks = self._blocks.named(channel, asked, skus, part)
        named = "availability" in self._keeps  # a block sent before goes by its name
        args: list[EncodableT] = [now_ms(self._clock), net.field, epoch, "read", _TOTALS_TTL_MS]
        calls: list[Call] = [
            (
                "availability",
                [*self._availability_keys(sku), self._keys.gens()],
                [*args, net.sections_text, b.sent_as(named), b.name],
            )
            for sku, b in zip(skus, blocks, strict=True)
        ]
        replies = await self._run(calls, atomic=True)
        if ["again"] in replies:
            # Blocks the server lost (a restart, a reload): nothing ran; all go again, whole.
            for call, block in zip(calls, blocks, strict=True):
                call[2][6] = block.text
            replies = await self._run(calls, atomic=True)
        for block in blocks:
            block.sent = True
        found: dict[str, tuple[int, dict[str, int]]] = {}
        missing: dict[str, str] = {}
        end = 3 + len(asked)
        epoch = ""
        for sku, reply in zip(skus, replies, strict=True):
            # One MULTI/EXEC: every script saw the same epoch.
            epoch = reply[2]
            self._known.learn(epoch, asked, reply[end:])
            if reply[0] == "hit":
                atp = dict(zip(asked, reply[3:end], strict=True))
                found[sku] = (int(reply[1]), atp)
            else:
                missing[sku] = reply[1]
        return found, missing, epoch

    def _availability_keys(self, sku: str) -> list[str]:
        return [self._keys.stock(sku), *self._keys.reservations(sku), self._keys.totals(sku)]
