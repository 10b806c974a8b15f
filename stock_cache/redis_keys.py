"""Names of the Redis keys, with the hash tags that keep what one script touches together."""

from __future__ import annotations

import zlib
from functools import lru_cache
from urllib.parse import quote

ORDER_BUCKETS = 16
"""Allocation records, idempotency keys and outbox streams are spread over this many slots."""


@lru_cache(maxsize=65_536)
def _part(value: str) -> str:
    # Percent-encoding leaves no ':', '{' or '}' in a caller's value, so no two values make the
    # same key and none can move the hash tag. Kept: the same SKUs and nodes are named in
    # every request (a checkout's read names 30 of them).
    return quote(value, safe="")


def bucket_of_key(client_id: str, idempotency_key: str) -> int:
    """The order bucket of a (client, idempotency key): where its allocation will live."""
    return zlib.crc32(f"{client_id}\n{idempotency_key}".encode()) % ORDER_BUCKETS


def bucket_of_allocation(allocation_id: str) -> int:
    """An allocation id's first hex digit names its bucket (0 for ids from elsewhere)."""
    try:
        return int(allocation_id[:1], 16) % ORDER_BUCKETS
    except ValueError:
        return 0


EPOCH_FIELD = "epoch"
"""The field of the `gens` hash counting snapshot flips; nodes' fields all start with `n:`."""


def gen_field(node_id: str) -> str:
    """A node's field in the `gens` hash: prefixed, so that no node id can be the epoch's."""
    return f"n:{node_id}"


# SKUs whose read keys are kept (a catalogue's worth); past it, start again.
_MOST_SKUS_KEPT = 100_000


class RedisKeys:
    """Every key the Redis store uses, under one prefix.

    Per SKU (tag `{s:SKU}`): `stock` hash node -> JSON on-hand ledger; `reserved` hash node ->
    live units; `allocs` hash allocation id -> JSON {node: units}; `holds` zset allocation id
    -> expiry ms; `seen` zset of event ids taken (24 h); `inbound` hash node -> JSON inbound;
    `totals` hash, the SKU's cached network-wide totals (see redis_reads.py).
    Snapshot bookkeeping of every node, in one slot (tag `{gens}`) so that a reader gets the
    committed generations of all the nodes it needs with one HMGET: the `gens` hash, field
    `n:NODE` -> the node's committed generation and field `epoch` -> how many flips there have
    been (any node's); `gens:next` hash node -> the last generation handed out; `gens:marks`
    hash node -> the watermark of its last committed snapshot.
    Per node (tag `{n:NODE}`): `skus`, the SKUs with a level there; `named:GEN` and
    `zeroed:GEN`, the SKUs a snapshot being written names and sets to zero (both dropped or
    expired once it is done); `cap:reserved` hash day -> orders taken that day (live and
    fulfilled), `cap:allocs` hash allocation id -> JSON {day: 1}, `cap:holds` zset allocation
    id -> expiry ms: the daily capacity, held like a SKU's units. On a standalone server,
    `{cap}:epoch`, bumped by every change of any node's orders (capacity_counts.py).
    Per holder of a cap of held units (a client's or a shopper's), in its client's slot (tag
    `{h:CLIENT}`, then the holder): `reserved`, `allocs`, `holds`, its HELD units counted like
    a SKU's (limit_hold.lua), the keys expiring a minute after their newest hold.
    Per order bucket (tag `{o:B}`, B = 0..15): `alloc:ID` records, `idem:CLIENT:KEY`
    idempotency keys (a claim while its reserve runs, see claim.lua), the `outbox` stream,
    `held`, HELD ids by expiry, `pinned`, CONFIRMED ids whose holds may still carry the
    confirm's pin, by when a repair is due, and `pending`, the idempotency keys under a claim,
    by the claim's deadline, and `quote:CLIENT:ID`, the idempotency key that committed a
    quote (in the bucket of the quote's id, so one place answers for it).
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._reads: dict[str, tuple[str, ...]] = {}

    def sku_reads(self, sku: str) -> tuple[str, ...]:
        """What atp.lua reads of a SKU: its stock, reservations, inbound and totals. Kept per
        SKU: every read names the keys of each of its SKUs again."""
        found = self._reads.get(sku)
        if found is None:
            if len(self._reads) >= _MOST_SKUS_KEPT:
                self._reads.clear()
            found = self._reads[sku] = (
                self.stock(sku),
                *self.reservations(sku),
                self.sku(sku, "inbound"),
                self.totals(sku),
            )
        return found

    def sku(self, sku: str, kind: str) -> str:
        return f"{self._prefix}:{{s:{_part(sku)}}}:{kind}"

    def stock(self, sku: str) -> str:
        return self.sku(sku, "stock")

    def totals(self, sku: str) -> str:
        return self.sku(sku, "totals")

    def reservations(self, sku: str) -> tuple[str, str, str]:
        """The reserved, allocs and holds keys of one SKU, in the order the scripts take them."""
        return self.sku(sku, "reserved"), self.sku(sku, "allocs"), self.sku(sku, "holds")

    def gens(self) -> str:
        return f"{self._prefix}:{{gens}}"

    def next_gens(self) -> str:
        return f"{self._prefix}:{{gens}}:next"

    def watermarks(self) -> str:
        return f"{self._prefix}:{{gens}}:marks"

    def node(self, node_id: str, kind: str) -> str:
        return f"{self._prefix}:{{n:{_part(node_id)}}}:{kind}"

    def node_skus(self, node_id: str) -> str:
        return self.node(node_id, "skus")

    def capacity(self, node_id: str) -> tuple[str, str, str]:
        """The reserved, allocs and holds keys of a node's daily capacity (see cap_hold.lua)."""
        prefix = self.capacity_prefix(node_id)
        return (f"{prefix}reserved", f"{prefix}allocs", f"{prefix}holds")

    def capacity_prefix(self, node_id: str) -> str:
        """What a node's capacity keys start with (cap_read.lua completes them)."""
        return self.node(node_id, "cap:")

    def capacity_epoch(self) -> str:
        return f"{self._prefix}:{{cap}}:epoch"

    def holder(self, client_id: str, holder: str) -> tuple[str, str, str]:
        """The reserved, allocs and holds keys of a holder's cap of held units (limit_hold.lua):
        in the client's slot, so that one script weighs all the caps of a request at once."""
        tag = f"{self._prefix}:{{h:{_part(client_id)}}}:{_part(holder)}"
        return f"{tag}:reserved", f"{tag}:allocs", f"{tag}:holds"

    def bucket(self, bucket: int) -> str:
        return f"{self._prefix}:{{o:{bucket}}}"

    def record_prefix(self, bucket: int) -> str:
        return f"{self.bucket(bucket)}:alloc:"

    def allocation(self, allocation_id: str) -> str:
        return self.record_prefix(bucket_of_allocation(allocation_id)) + _part(allocation_id)

    def idempotency(self, client_id: str, key: str) -> str:
        bucket = bucket_of_key(client_id, key)
        return f"{self.bucket(bucket)}:idem:{_part(client_id)}:{_part(key)}"

    def quote_claim(self, client_id: str, quote_id: str) -> str:
        """The idempotency key that committed a client's quote (one quote, one allocation)."""
        bucket = bucket_of_key(client_id, f"quote:{quote_id}")
        return f"{self.bucket(bucket)}:quote:{_part(client_id)}:{_part(quote_id)}"

    def outbox(self, bucket: int) -> str:
        return f"{self.bucket(bucket)}:outbox"

    def held(self, bucket: int) -> str:
        return f"{self.bucket(bucket)}:held"

    def pinned(self, bucket: int) -> str:
        return f"{self.bucket(bucket)}:pinned"

    def pending(self, bucket: int) -> str:
        return f"{self.bucket(bucket)}:pending"
