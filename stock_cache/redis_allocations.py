"""Allocations on Redis after their reserve: confirm, release, fulfil, reads, the outbox,
and the repair of calls that died half-way. The steps of a confirm, and why each call in a
bucket finishes the confirms and lets go of the claims there that died, are in
docs/stock-store.md ("Confirm").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, cast

from redis.crc import key_slot
from redis.typing import EncodableT

from stock_cache._rules import RECORD_RETENTION_MS, now_ms
from stock_cache.base import Allocation, AllocationStatus, OutboxEntry
from stock_cache.errors import AllocationNotFound, AllocationStateError
from stock_cache.redis_base import (
    RedisBase,
    allocation_of,
    capacity_nodes_of,
    decode_lines,
    skus_of,
)
from stock_cache.redis_keys import ORDER_BUCKETS, bucket_of_allocation
from stock_cache.redis_scripts import Call

# How long a confirm may take between pinning the holds and confirming the record.
_PIN_GRACE_MS = 24 * 60 * 60 * 1000
# From when a confirm that has not taken its holds out of the expiry sets counts as dead, and
# how many of them (and of dead reserves' claims) each call in their bucket finishes
# (repair() takes more).
_REPAIR_AFTER_MS = 60 * 1000
REPAIR_BATCH = 20
_REPAIR_ALL_BATCH = 1_000
OUTBOX_MAXLEN = 100_000


class AllocationSteps(RedisBase):
    """Confirm, release, fulfil and the reads of allocations (see the module docstring)."""

    async def capacity_used(self, node_ids: Sequence[str], day: str) -> dict[str, int]:
        """One script for every node on a standalone server, one per hash slot on a cluster,
        all in one round trip (per cluster node): a count that does not grow with the nodes.

        A single script is one call, which joins the other reads of the same turn of the
        loop (redis_scripts.py): a product page's stock and capacity go out together.
        """
        unique = list(dict.fromkeys(node_ids))
        if not unique:
            return {}
        now = now_ms(self._clock)
        if not self._cluster:
            return await self._capacity_standalone(unique, node_ids, day, now)
        groups: dict[int, list[str]] = {}
        for node in unique:
            slot = key_slot(self._keys.capacity(node)[0].encode()) if self._cluster else 0
            groups.setdefault(slot, []).append(node)
        calls: list[Call] = [
            ("cap_used", [key for node in group for key in self._keys.capacity(node)], [now, day])
            for group in groups.values()
        ]
        async with self._session():
            replies = await self._run(calls)
        used = {
            node: int(count)
            for group, reply in zip(groups.values(), replies, strict=True)
            for node, count in zip(group, reply, strict=True)
        }
        return {node: used[node] for node in node_ids}

    async def _capacity_standalone(
        self, unique: list[str], node_ids: Sequence[str], day: str, now: int
    ) -> dict[str, int]:
        """One script on a standalone server: `same` when the counts this process keeps
        (capacity_counts.py) are still exact, else the counts read afresh."""
        nodes = tuple(unique)
        kept = self._capacity_counts.known(nodes, day, now)
        epoch = self._capacity_counts.epoch if kept is not None else ""
        prefixes = self._capacity_prefixes.of(nodes)
        # A list the server was sent goes by its name only, where the server keeps it (as a
        # function): most reads answer `same` without it.
        kept_there = "cap_read" in self._scripts.as_functions
        args: list[EncodableT] = [now, day, epoch, prefixes.name, prefixes.sent_as(kept_there)]
        keys = [self._keys.capacity_epoch()]
        async with self._session():
            [reply] = await self._run([("cap_read", keys, args)])
            if reply[0] == "again":
                # The server lost the list (a restart, a reload): nothing ran; send it.
                args[-1] = prefixes.text
                [reply] = await self._run([("cap_read", keys, args)])
        prefixes.sent = True
        # Both dicts hold `unique` in its order: what a dict over `node_ids` would hold.
        if reply[0] == "same" and kept is not None:
            return kept
        counts = {node: int(count) for node, count in zip(unique, reply[3:], strict=True)}
        self._capacity_counts.learn(str(reply[1]), int(reply[2]), counts, day, now)
        return dict(counts)

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        now = now_ms(self._clock)
        async with self._session(writes=True):
            fields = await self._owned(client_id, allocation_id)
            holders = self._holders_of(fields)
            if fields["status"] == AllocationStatus.HELD.value:
                pinned = await self._run(
                    [
                        ("pin", keys, [allocation_id, now, pin])
                        for keys in holders
                        for pin in [max(int(fields["expires_at_ms"]), now) + _PIN_GRACE_MS]
                    ]
                )
                if not all(int(answer) for answer in pinned):
                    # Some process already swept an expired part: the whole hold expired.
                    await self._unhold(allocation_id, holders)
                    await self._change("expire", client_id, allocation_id, now, "")
                    raise AllocationStateError(allocation_id, "EXPIRED", "confirmed")
            try:
                after = await self._change(
                    "confirm", client_id, allocation_id, now, order_reference
                )
            except AllocationStateError as refused:
                if refused.status not in ("HELD", "CONFIRMED"):
                    await self._unhold(allocation_id, holders)
                raise
            await self._unpin([(allocation_id, holders)])
            # Held units count against their holders' caps only while HELD.
            limits = self._limit_holders(fields)
            if limits:
                await self._unhold(allocation_id, limits)
        return after

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._change_then_free("release", client_id, allocation_id)

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._change_then_free("fulfil", client_id, allocation_id)

    async def _change_then_free(
        self, action: Literal["release", "fulfil"], client_id: str, allocation_id: str
    ) -> Allocation:
        now = now_ms(self._clock)
        async with self._session(writes=True):
            fields = await self._owned(client_id, allocation_id)
            skus, nodes = skus_of(fields), capacity_nodes_of(fields)
            try:
                after = await self._change(action, client_id, allocation_id, now, "")
            except AllocationStateError as refused:
                if refused.status == "EXPIRED":
                    await self._unhold(allocation_id, self._holders(skus, nodes))
                raise
            if action == "release":
                limits = self._limit_holders(fields)
                await self._unhold(allocation_id, [*self._holders(skus, nodes), *limits])
            else:
                # The units leave the SKUs' reservations; the orders stay counted that day.
                calls: list[Call] = [
                    (
                        "fulfil",
                        [self._keys.stock(sku), *self._holder_keys(sku)],
                        [allocation_id],
                    )
                    for sku in skus
                ]
                calls += [
                    ("cap_keep", list(self._keys.capacity(node)[1:]), [allocation_id])
                    for node in nodes
                ]
                await self._run(calls)
        return after

    async def _owned(self, client_id: str, allocation_id: str) -> dict[str, str]:
        fields = await self._fields(allocation_id)
        if fields.get("client_id") != client_id:
            raise AllocationNotFound(allocation_id)
        return fields

    async def _change(
        self, action: str, client_id: str, allocation_id: str, now: int, order_reference: str
    ) -> Allocation:
        bucket = int(allocation_id[:1], 16)
        keys = [
            self._keys.allocation(allocation_id),
            self._keys.outbox(bucket),
            self._keys.held(bucket),
            self._keys.pinned(bucket),
        ]
        args: list[EncodableT] = [
            action,
            client_id,
            allocation_id,
            now,
            RECORD_RETENTION_MS,
            order_reference,
            OUTBOX_MAXLEN,
            self._keys.record_prefix(bucket),
            now + _REPAIR_AFTER_MS,
        ]
        reply, due = await self._run([("change", keys, args), self._pinned_due(bucket, now)])
        await self._finish_confirms(due)
        if reply[0] == "not_found":
            raise AllocationNotFound(allocation_id)
        if reply[0] == "refused":
            wanted = {"confirm": "confirmed", "release": "released", "fulfil": "fulfilled"}
            raise AllocationStateError(allocation_id, reply[1], wanted.get(action, action))
        return allocation_of(allocation_id, dict(zip(reply[1::2], reply[2::2], strict=True)), now)

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        async with self._session():
            allocation = await self._read(allocation_id, now_ms(self._clock))
        if allocation is None or allocation.client_id != client_id:
            return None
        return allocation

    async def read_outbox(self) -> list[OutboxEntry]:
        entries: list[OutboxEntry] = []
        now = now_ms(self._clock)
        async with self._session():
            calls: list[Call] = [
                (
                    "expire",
                    [self._keys.outbox(bucket), self._keys.held(bucket)],
                    [now, RECORD_RETENTION_MS, OUTBOX_MAXLEN, self._keys.record_prefix(bucket)],
                )
                for bucket in range(ORDER_BUCKETS)
            ]
            calls += [self._pinned_due(bucket, now) for bucket in range(ORDER_BUCKETS)]
            replies = await self._run(calls)
            await self._finish_confirms(*replies[ORDER_BUCKETS:])
            async with self._client.pipeline(transaction=False) as pipe:
                for bucket in range(ORDER_BUCKETS):
                    pipe.xrange(self._keys.outbox(bucket))
                streams = cast(list[list[tuple[str, dict[str, str]]]], await pipe.execute())
        for stream in streams:
            entries += [outbox_entry(fields) for _, fields in stream]
        return entries

    async def repair(self) -> int:
        """Finish the confirms, of every bucket, that died before their last step, and let go
        of the claims of reserves that died before their commit (giving back their holds).

        A safeguard run every minute by the gateway: the calls of each bucket already do it
        a few at a time. Returns how many it finished or let go of.
        """
        now = now_ms(self._clock)
        async with self._session(writes=True):
            replies = await self._run(
                [
                    call
                    for bucket in range(ORDER_BUCKETS)
                    for call in (
                        self._pinned_due(bucket, now, _REPAIR_ALL_BATCH),
                        self._pending_due(bucket, now, _REPAIR_ALL_BATCH),
                    )
                ]
            )
            abandoned = self._holders_in(*replies[1::2])
            await self._give_back(abandoned)
            return await self._finish_confirms(*replies[::2]) + len(abandoned)

    async def _read(self, allocation_id: str, at_ms: int) -> Allocation | None:
        # The client decodes responses (see from_url), so every value is text.
        if not allocation_id:
            return None
        fields = await self._fields(allocation_id)
        return allocation_of(allocation_id, fields, at_ms) if fields else None

    async def _fields(self, allocation_id: str) -> dict[str, str]:
        """An allocation's record ({} if none), after finishing a confirm of it that died.

        The record and whether the allocation is in its bucket's `pinned` set come in one
        round trip (one slot); only a confirm that never took its holds out of the expiry sets
        costs more, once.
        """
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._keys.allocation(allocation_id))
            pipe.zscore(self._keys.pinned(bucket_of_allocation(allocation_id)), allocation_id)
            found, pinned = await pipe.execute()
        fields = cast(dict[str, str], found)
        if pinned is not None and fields.get("status") == AllocationStatus.CONFIRMED.value:
            await self._unpin([(allocation_id, self._holders_of(fields))])
        return fields

    def _pinned_due(self, bucket: int, now: int, limit: int = REPAIR_BATCH) -> Call:
        """The call that finds a bucket's confirms that died before their last step."""
        args: list[EncodableT] = [now, limit, self._keys.record_prefix(bucket)]
        return ("pinned_due", [self._keys.pinned(bucket)], args)

    def _pending_due(self, bucket: int, now: int, limit: int = REPAIR_BATCH) -> Call:
        """The call that lets go of a bucket's claims past their deadline (pending_due.lua)."""
        return ("pending_due", [self._keys.pending(bucket)], [now, limit])

    async def _finish_confirms(self, *replies: Sequence[str]) -> int:
        """Finish the confirms that pinned_due.lua found; returns how many."""
        dead = self._holders_in(*replies)
        if dead:
            await self._unpin(dead)
        return len(dead)

    async def _unpin(self, confirmed: Sequence[tuple[str, Sequence[list[str]]]]) -> None:
        """A confirm's last step: take its holds out of the expiry sets (of its SKUs and its
        nodes' capacity; `confirmed` gives their keys), where the pin left them, so that the
        units and orders stay reserved until fulfilled or released; then, only once that is
        done, take it out of its bucket's `pinned` set. Idempotent."""
        async with self._client.pipeline(transaction=False) as pipe:
            for allocation_id, holders in confirmed:
                for keys in holders:
                    pipe.zrem(keys[2], allocation_id)
            await pipe.execute()
        async with self._client.pipeline(transaction=False) as pipe:
            for allocation_id, _ in confirmed:
                pipe.zrem(self._keys.pinned(bucket_of_allocation(allocation_id)), allocation_id)
            await pipe.execute()


def outbox_entry(fields: Mapping[str, str]) -> OutboxEntry:
    """An outbox stream entry's fields, as the stores hand them out."""
    return OutboxEntry(
        allocation_id=fields["allocation_id"],
        client_id=fields["client_id"],
        status=AllocationStatus(fields["status"]),
        lines=decode_lines(fields["lines"]),
        at_ms=int(fields["at_ms"]),
        order_reference=fields["order_reference"] or None,
    )
