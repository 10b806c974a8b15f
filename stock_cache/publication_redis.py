"""The Redis store's channel feeds: per channel (tag `{c:CHANNEL}`), a `pub` hash of each
SKU's published quantity and a `feed` stream holding each SKU's latest change once; per SKU
(in its own slot `{s:SKU}`), a `pubver` counter of its recomputations. Cursors are stream
entry ids. The publisher's own state is in one slot (tag `{pub}`): `noted` (sorted set of
what to recompute) and its `notes` counter, `lease`, `marks` (hash) and `touched` (stream)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, cast

from stock_cache._rules import now_ms
from stock_cache.errors import BadCursor
from stock_cache.publication_rules import ChannelChange, ChannelPage
from stock_cache.redis_connection import UNREACHABLE, store_error
from stock_cache.redis_keys import RedisKeys, _part
from stock_cache.redis_scripts import Call, Client, Scripts

_ENTRY_ID = re.compile(r"\d{1,20}-\d{1,20}")
_START = "0-0"
_LANE = "publisher"
TOUCHED_KEPT = 10_000


class RedisChannelFeed:
    """A `ChannelFeed` in Redis or a Redis Cluster, beside a RedisStore."""

    def __init__(
        self,
        client: Client,
        keys: RedisKeys,
        prefix: str,
        where: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._keys = keys
        self._prefix = prefix
        self._where = where
        self._clock = clock
        self._scripts = Scripts(client)

    def _own(self, kind: str) -> str:
        return f"{self._prefix}:{{pub}}:{kind}"

    async def _do(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc

    def _channel(self, channel: str, kind: str) -> str:
        return f"{self._prefix}:{{c:{_part(channel)}}}:{kind}"

    async def stamp(self, skus: Sequence[str]) -> dict[str, int]:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for sku in skus:
                    pipe.incr(self._keys.sku(sku, "pubver"))
                versions = cast(list[int], await pipe.execute())
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc
        return dict(zip(skus, (int(v) for v in versions), strict=True))

    async def publish(
        self, channel: str, quantities: Sequence[tuple[str, int, int]], at_ms: int
    ) -> int:
        args: list[Any] = [at_ms]
        for sku, quantity, version in quantities:
            args += [sku, quantity, version]
        keys = [self._channel(channel, "pub"), self._channel(channel, "feed")]
        try:
            (moved,) = await self._scripts.run([("publish", keys, args)])
        except UNREACHABLE as exc:
            # Publishing again is harmless: the versions settle which quantity stays.
            raise store_error(exc, self._where, writes=False) from exc
        return int(moved)

    async def changes(self, channel: str, after: str | None, first: int) -> ChannelPage:
        if after is not None and not _ENTRY_ID.fullmatch(after):
            raise BadCursor("after", after)
        start = "-" if after is None else f"({after}"
        try:
            entries = cast(
                list[tuple[str, dict[str, str]]],
                await self._client.xrange(self._channel(channel, "feed"), start, "+", count=first),
            )
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc
        found = tuple(ChannelChange(f["sku"], int(f["q"]), int(f["at"])) for _, f in entries)
        cursor = entries[-1][0] if entries else (after or _START)
        return ChannelPage(found, cursor)

    async def head(self, channel: str) -> str:
        try:
            last = cast(
                list[tuple[str, Any]],
                await self._client.xrevrange(self._channel(channel, "feed"), "+", "-", count=1),
            )
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc
        return last[0][0] if last else _START

    async def quantities(
        self, channel: str, *, chunk: int = 1000
    ) -> AsyncIterator[list[ChannelChange]]:
        batch: list[ChannelChange] = []
        try:
            async for sku, value in self._client.hscan_iter(
                self._channel(channel, "pub"), count=chunk
            ):
                quantity, _, at_ms, _ = value.split("|", 3)
                batch.append(ChannelChange(sku, int(quantity), int(at_ms)))
                if len(batch) >= chunk:
                    yield batch
                    batch = []
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc
        if batch:
            yield batch

    async def count(self, channel: str) -> int:
        try:
            return int(await self._client.hlen(self._channel(channel, "pub")))
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc

    async def node_skus(self, node_id: str) -> list[str]:
        try:
            members = await self._client.smembers(self._keys.node_skus(node_id))
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc
        return sorted(cast(set[str], members))

    async def note(self, members: Sequence[str]) -> None:
        if not members:
            return
        keys = [self._own("noted"), self._own("notes")]
        await self._do(lambda: self._scripts.run([("pub_note", keys, list(members))]))

    async def noted(self, count: int) -> list[tuple[str, int]]:
        found = cast(
            list[tuple[str, float]],
            await self._do(
                lambda: self._client.zrange(self._own("noted"), 0, count - 1, withscores=True)
            ),
        )
        return [(member, int(score)) for member, score in found]

    async def settle(self, noted: Sequence[tuple[str, int]]) -> None:
        if not noted:
            return
        args: list[Any] = [part for pair in noted for part in pair]
        await self._do(lambda: self._scripts.run([("pub_settle", [self._own("noted")], args)]))

    async def claim(self, worker: str, ttl_ms: int) -> bool:
        call: Call = (
            "lease_claim",
            [self._own("lease")],
            [_LANE, worker, now_ms(self._clock), ttl_ms],
        )
        (held,) = await self._do(lambda: self._scripts.run([call]))
        return bool(held)

    async def let_go(self, worker: str) -> None:
        keys = [self._own("lease"), self._own("marks")]
        await self._do(lambda: self._scripts.run([("lease_save", keys, [_LANE, worker, ""])]))

    async def marks(self) -> dict[str, str]:
        return cast(
            dict[str, str], await self._do(lambda: self._client.hgetall(self._own("marks")))
        )

    async def save_marks(self, worker: str, marks: Mapping[str, str]) -> bool:
        args: list[Any] = [worker, *(part for pair in marks.items() for part in pair)]
        keys = [self._own("lease"), self._own("marks")]
        (saved,) = await self._do(lambda: self._scripts.run([("pub_marks", keys, args)]))
        return bool(saved)

    async def touch(self, skus: Sequence[str], at_ms: int) -> None:
        fields: dict[Any, Any] = {"skus": "\n".join(skus), "at": at_ms}
        await self._do(
            lambda: self._client.xadd(
                self._own("touched"), fields, maxlen=TOUCHED_KEPT, approximate=True
            )
        )

    async def touched_head(self) -> str:
        last = cast(
            list[tuple[str, Any]],
            await self._do(lambda: self._client.xrevrange(self._own("touched"), "+", "-", count=1)),
        )
        return last[0][0] if last else _START

    async def touched_after(self, position: str, count: int) -> list[tuple[str, list[str]]]:
        if not _ENTRY_ID.fullmatch(position):
            raise BadCursor("position", position)
        entries = cast(
            list[tuple[str, dict[str, str]]],
            await self._do(
                lambda: self._client.xrange(self._own("touched"), f"({position}", "+", count=count)
            ),
        )
        return [(entry_id, f["skus"].split("\n") if f["skus"] else []) for entry_id, f in entries]
