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
each SKU caches it, in its own slot, in the `totals` hash:

- the field names what the total depends on besides the SKU's own keys: the channel, the
  safety rules and the set of nodes of the network (a digest, see _script_args.py); the value
  is `tag:total`;
- a flip changes what readers see of a SKU at the node only if the SKU's ledger there holds a
  snapshot entry newer than the generation read before (staged, with the step that staged it
  forgetting the totals). A fill that finds no such entry at any node of the network stores
  its total under the tag `*`: no flip can change it, only writes to the SKU, which forget
  it. A fill that finds one stores it under the epoch of the generations it read (the
  `epoch` field of `{gens}`, which every flip bumps), used only by readers of that epoch. A
  reader reads the epoch in the same HMGET as its generations. Were every total tagged with
  the epoch, a flip anywhere (a store's snapshot, many a minute on a live network) would
  make every SKU's next read a fill of the whole network: 1.4 ms of Redis a SKU at 1,000
  nodes, 11 ms at 10,000;
- a reader uses a `*` total only if no node it asks about holds an entry newer than the
  generation it sent there: a reader that read its generations just before a flip would
  otherwise pair the old snapshot's ATP at the nodes asked with a total of the new one. It
  then fills, at the generations of its own epoch, as for any miss;
- every script that may change the SKU's ATP deletes the hash in the same step as the change
  (apply_event, stage, hold, unhold, fulfil, and the sweep of expired holds whenever it frees
  one). Pins, unpins and inbound stock leave ATP alone. Holds that expire by the clock are
  freed by the sweep that each reading script runs before it looks at the cache, so a cached
  total never counts a hold that has expired for the reader, whether or not anyone wrote;
- the `availability` script ('read') answers the ATP at the nodes asked and the cached total
  if its tag allows: the common path is 2 round trips on a cluster, 1 on a single server
  (the script reads the epoch too), and a handful of commands whatever the network's size
  (HMGET of the generations; per SKU one EVALSHA running ZRANGEBYSCORE, two HMGETs and one
  HGET). On a miss the caller reads every node's generation (one HMGET)
  and sends the script again in 'fill' mode with the block of every node: it sums the total
  in the same step as it reads the nodes asked, and stores it under its tag. A total that a
  reader whose generations were already stale stores is either under their older epoch (no
  reader of the newer generations uses it) or under `*`, when no node had a newer entry than
  the reader saw: then its old generations and the newest give the same levels. The hash
  expires a day after
  its last fill, taking with it totals of networks, channels or rules no longer asked about.
- every node's generations read at an epoch are kept (per network, the latest epoch only)
  and a miss at that same epoch fills from them, skipping that HMGET (3 round trips): no
  flip can have come in between, as every flip bumps the epoch in the step that changes a
  generation. This trusts the epoch to only grow, as the cached totals already do: a Redis
  that lost `{gens}` (restarted without persistence) needs the gateways restarted with it.
- When the nodes asked include the whole network, a single 'fill' call answers everything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from stock_cache._known_generations import KnownGenerations
from stock_cache._node_blocks import NodeBlocks, generations_part
from stock_cache._rules import now_ms
from stock_cache._script_args import Network, ScriptArgs
from stock_cache.base import Inbound, NodeStock, SkuAvailability
from stock_cache.redis_keys import EPOCH_FIELD, RedisKeys, gen_field
from stock_cache.redis_scripts import Call, Client
from stock_cache.rules import StockRules


class Run(Protocol):
    def __call__(self, calls: Sequence[Call], *, atomic: bool = False) -> Awaitable[list[Any]]: ...


_TOTALS_TTL_MS = 24 * 60 * 60 * 1000


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


@dataclass(frozen=True, slots=True)
class _Read:
    """What a read found before it had to fill: the epoch, the SKUs asked, and the committed
    generation of each node asked (HMGET's text) for the nodes outside the network."""

    epoch: str
    skus: Sequence[str]
    generations: dict[str, str | None]


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
    ) -> None:
        self._client = client
        self._run = run
        # A standalone Redis lets one script read the generations hash beside the SKUs' keys:
        # a read is one command (one script for every SKU, so that all are read at the same
        # generations). A cluster keeps the two: the generations live in a slot of their own.
        self._one_trip = one_trip
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
        than the script's reply."""
        nodes, read = await self._levels(skus, node_ids, channel, with_inbound=False)
        return {
            sku: dict(zip(nodes, map(int, levels), strict=True)) for sku, levels in read.items()
        }

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
            every = [key for sku in unique for key in self._sku_keys(sku)]
            keys = [*every, self._keys.gens()]
            call: Call = ("atp_skus", keys, [now, int(with_inbound), epoch, *blocks])
            (replies,) = await self._run([call])
        else:
            calls: list[Call] = [
                ("atp", self._sku_keys(sku), [now, int(with_inbound), block, epoch])
                for sku, block in zip(unique, blocks, strict=True)
            ]
            replies = await self._run(calls)
        width = len(nodes) * (2 if with_inbound else 1)
        read: dict[str, list[Any]] = {}
        for sku, reply in zip(unique, replies, strict=True):
            self._known.learn(reply[0], nodes, reply[1 + width :])
            read[sku] = reply[1 : 1 + width]
        return nodes, read

    def _sku_keys(self, sku: str) -> list[str]:
        """What atp.lua reads of a SKU: its stock, reservations, inbound and totals."""
        return [
            self._keys.stock(sku),
            *self._keys.reservations(sku),
            self._keys.sku(sku, "inbound"),
            self._keys.totals(sku),
        ]

    async def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        network: Sequence[str],
        channel: str | None,
    ) -> dict[str, SkuAvailability]:
        """See the module docstring: a hit is 1 round trip on a single server and 2 on a
        cluster, a miss 3 or 4 on both."""
        net = self.args.network(channel, network)
        unique = list(dict.fromkeys(skus))
        if not unique:
            return {}
        asked = tuple(dict.fromkeys(node_ids))
        outside = tuple(node for node in asked if node not in net.index)
        found: dict[str, tuple[int, dict[str, int]]] = {}
        if len(asked) - len(outside) == len(net.nodes):
            # Every node of the network is asked: reading them gives the total too.
            found = await self._fill(unique, net, asked, outside, channel, None)
        elif self._one_trip:
            cached, epoch = await self._cached(unique, net, asked, channel)
            if cached is None:
                # The scripts used generations of this epoch, sent or read and returned.
                generations = self._known.at(epoch, asked)
                if generations is None:
                    epoch, generations = await self._generations(asked)
                read = _Read(epoch, unique, dict(zip(asked, generations, strict=True)))
                cached = await self._fill(unique, net, asked, outside, channel, read)
            found = cached
        else:
            epoch, generations = await self._generations(asked)
            blocks = self._blocks.for_skus(channel, asked, unique, generations_part(generations))
            now = now_ms(self._clock)
            calls: list[Call] = [
                (
                    "availability",
                    self._availability_keys(sku),
                    [now, net.field, epoch, "read", _TOTALS_TTL_MS, block],
                )
                for sku, block in zip(unique, blocks, strict=True)
            ]
            misses = []
            for sku, reply in zip(unique, await self._run(calls), strict=True):
                if reply[0] == "hit":
                    atp = dict(zip(asked, (int(value) for value in reply[3:]), strict=True))
                    found[sku] = (int(reply[1]), atp)
                else:
                    misses.append(sku)
            if misses:
                read = _Read(epoch, unique, dict(zip(asked, generations, strict=True)))
                found |= await self._fill(misses, net, asked, outside, channel, read)
        return {
            sku: SkuAvailability(found[sku][0], {node: found[sku][1][node] for node in node_ids})
            for sku in skus
        }

    async def _fill(
        self,
        skus: Sequence[str],
        net: Network,
        asked: Sequence[str],
        outside: tuple[str, ...],
        channel: str | None,
        read: _Read | None,
    ) -> dict[str, tuple[int, dict[str, int]]]:
        """Total of each SKU over every node of the network, stored in the cache, and its ATP
        at the nodes asked (some maybe `outside` the network): one script per SKU, after one
        HMGET of every node's generation unless a read of this epoch kept them.

        `read`: what the read that missed found. Should a snapshot have flipped since, all its
        SKUs are filled, so that one answer never mixes levels of two snapshots (a rare extra
        cost, in the same round trip).
        """
        kept = None if read is None else self._blocks.network_generations(net.nodes, read.epoch)
        if read is not None and kept is not None:
            epoch, network_part = read.epoch, kept
            outside_part = generations_part([read.generations[node] for node in outside])
        else:
            values = cast(
                list[str | None],
                await self._client.hmget(
                    self._keys.gens(),
                    [EPOCH_FIELD, *net.gen_fields, *(gen_field(node) for node in outside)],
                ),
            )
            epoch = values[0] or "0"
            split = 1 + len(net.nodes)
            network_part = generations_part(values[1:split])
            self._known.learn(epoch, net.nodes, [int(value or 0) for value in values[1:split]])
            self._blocks.keep_network_generations(net.nodes, epoch, network_part)
            outside_part = generations_part(values[split:])
            if read is not None and read.epoch != epoch:
                skus = read.skus
        after = {node: len(net.nodes) + 1 + k for k, node in enumerate(outside)}
        positions = json.dumps([net.index[n] + 1 if n in net.index else after[n] for n in asked])
        network_blocks = self._blocks.for_skus(channel, net.nodes, skus, network_part, net.index)
        outside_blocks = self._blocks.for_skus(channel, outside, skus, outside_part)
        now = now_ms(self._clock)
        calls: list[Call] = [
            (
                "availability",
                self._availability_keys(sku),
                [now, net.field, epoch, "fill", _TOTALS_TTL_MS, positions, inside, beyond],
            )
            for sku, inside, beyond in zip(skus, network_blocks, outside_blocks, strict=True)
        ]
        return {
            sku: (int(reply[1]), dict(zip(asked, (int(value) for value in reply[3:]), strict=True)))
            for sku, reply in zip(skus, await self._run(calls), strict=True)
        }

    async def _cached(
        self, skus: Sequence[str], net: Network, asked: tuple[str, ...], channel: str | None
    ) -> tuple[dict[str, tuple[int, dict[str, int]]] | None, str]:
        """Every SKU's cached total and ATP at the nodes asked, at the generations the scripts
        read or check, in one round trip, and the epoch of those generations; None if some
        total is not cached (the caller then fills them all, at generations of one epoch)."""
        epoch, part = self._known.part(asked)
        blocks = self._blocks.for_skus(channel, asked, skus, part)
        now = now_ms(self._clock)
        calls: list[Call] = [
            (
                "availability",
                [*self._availability_keys(sku), self._keys.gens()],
                [now, net.field, epoch, "read", _TOTALS_TTL_MS, block],
            )
            for sku, block in zip(skus, blocks, strict=True)
        ]
        found: dict[str, tuple[int, dict[str, int]]] | None = {}
        end = 3 + len(asked)
        epoch = ""
        for sku, reply in zip(skus, await self._run(calls, atomic=True), strict=True):
            # One MULTI/EXEC: every script saw the same epoch.
            epoch = reply[2]
            self._known.learn(epoch, asked, reply[end:])
            if found is not None and reply[0] == "hit":
                atp = dict(zip(asked, (int(v) for v in reply[3:end]), strict=True))
                found[sku] = (int(reply[1]), atp)
            else:
                found = None
        return found, epoch

    def _availability_keys(self, sku: str) -> list[str]:
        return [self._keys.stock(sku), *self._keys.reservations(sku), self._keys.totals(sku)]
