"""Names of the Redis keys, with the hash tags that keep what one script touches together."""

from __future__ import annotations

from urllib.parse import quote


def _part(value: str) -> str:
    # Percent-encoding leaves no ':', '{' or '}' in a caller's value, so no two values make the
    # same key and none can move the hash tag.
    return quote(value, safe="")


class RedisKeys:
    """Every key the Redis store uses, under one prefix.

    Per SKU (tag `{s:SKU}`): `onhand` hash node -> on hand; `reserved` hash node -> live units;
    `allocs` hash allocation id -> JSON {node: units}; `holds` zset allocation id -> expiry ms.
    Per node (tag `{n:NODE}`): `skus`, the set of SKUs with a level there.
    Per allocation (tag `{a:ID}`): the record, a hash.
    Per client (tag `{c:CLIENT}`): `idem:KEY`, a hash fingerprint, allocation_id.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def sku(self, sku: str, kind: str) -> str:
        return f"{self._prefix}:{{s:{_part(sku)}}}:{kind}"

    def on_hand(self, sku: str) -> str:
        return self.sku(sku, "onhand")

    def reservations(self, sku: str) -> tuple[str, str, str]:
        """The reserved, allocs and holds keys of one SKU, in the order the scripts take them."""
        return self.sku(sku, "reserved"), self.sku(sku, "allocs"), self.sku(sku, "holds")

    def node_skus(self, node_id: str) -> str:
        return f"{self._prefix}:{{n:{_part(node_id)}}}:skus"

    def allocation(self, allocation_id: str) -> str:
        return f"{self._prefix}:{{a:{_part(allocation_id)}}}"

    def idempotency(self, client_id: str, key: str) -> str:
        return f"{self._prefix}:{{c:{_part(client_id)}}}:idem:{_part(key)}"
