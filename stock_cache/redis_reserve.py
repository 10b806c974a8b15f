"""Reserve on Redis: claim the idempotency key, hold every line, commit; all or nothing.

The key lives in its order bucket's slot, each SKU's holds in the SKU's: so a reserve claims
the key first (claim.lua) and only the call holding the claim holds stock for it; the others
with that key wait for its answer. The steps and what a failure at each leaves are in
docs/stock-store.md ("Reserve").
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.typing import EncodableT

from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    Units,
    capacity_of,
    limits_of,
    now_ms,
    oldest_capacity_day,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    CapacityShortage,
    InsufficientStock,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    Shortage,
)
from stock_cache.errors import (
    AllocationNotFound,
    HoldLimitReached,
    IdempotencyConflict,
    QuoteAlreadyCommitted,
    ReserveInProgress,
    StoreUnavailable,
)
from stock_cache.redis_allocations import OUTBOX_MAXLEN, AllocationSteps
from stock_cache.redis_base import Unsettled, encode_lines
from stock_cache.redis_connection import UNREACHABLE, never_sent, store_error
from stock_cache.redis_keys import bucket_of_key
from stock_cache.redis_reads import Generations, generation_fields
from stock_cache.redis_scripts import Call

# A claim older than this counts as abandoned (its reserve died): a retry may take it over
# and the sweeps give back what it held. Far longer than a reserve's three round trips.
CLAIM_DEADLINE_MS = 10_000
# A call finding its key claimed by another asks again this often, this many times, before
# it answers ReserveInProgress.
_BUSY_POLL_SECONDS = 0.02
_BUSY_POLLS = 50
# A holder's keys outlive its newest hold by this much, then go (limit_hold.lua).
_HOLDER_GRACE_MS = 60_000


def _new_allocation_id(bucket: int) -> str:
    return f"{bucket:x}{uuid.uuid4().hex[1:]}"


def _text(value: object) -> str | None:
    """A reply of a plain command as text (the client may give bytes), None for none."""
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _by_sku(units: Units) -> dict[str, list[tuple[int, str, int]]]:
    """(position in units, node, qty) per SKU, SKUs in order of first appearance."""
    grouped: dict[str, list[tuple[int, str, int]]] = {}
    for index, ((node, sku), qty) in enumerate(units.items()):
        grouped.setdefault(sku, []).append((index, node, qty))
    return grouped


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every attempt of one reserve needs, worked out once."""

    request: ReserveRequest
    bucket: int
    idempotency: str
    pending: str
    grouped: dict[str, list[tuple[int, str, int]]]
    orders: dict[str, tuple[str, int | None]]
    nodes: list[str]
    holders: list[list[str]]
    lines: str
    capacity: str
    # The quote's claim key ("" when the request names no quote).
    quote: str
    limits: dict[str, int]
    # The units the request holds, all lines together: what the caps count.
    units: int


class ReserveSteps(AllocationSteps):
    """The reserve of the Redis store (see the module docstring)."""

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
        orders = capacity_of(request)
        limits = limits_of(request)
        self._rules.channel(request.channel)
        bucket = bucket_of_key(request.client_id, request.idempotency_key)
        grouped = _by_sku(units)
        plan = _Plan(
            request=request,
            bucket=bucket,
            idempotency=self._keys.idempotency(request.client_id, request.idempotency_key),
            pending=self._keys.pending(bucket),
            grouped=grouped,
            orders=orders,
            nodes=list(dict.fromkeys(node for node, _ in units)),
            holders=[
                *self._holders(grouped, orders),
                *(list(self._keys.holder(request.client_id, name)) for name in limits),
            ],
            lines=encode_lines(request.lines),
            capacity=json.dumps(list(orders)) if orders else "",
            quote=(
                self._keys.quote_claim(request.client_id, request.quote_id)
                if request.quote_id
                else ""
            ),
            limits=limits,
            units=sum(units.values()),
        )
        async with self._session():
            for _ in range(_BUSY_POLLS):
                outcome = await self._attempt(plan)
                if outcome is not None:
                    return outcome
                await asyncio.sleep(_BUSY_POLL_SECONDS)
        raise ReserveInProgress(request.idempotency_key)

    async def _attempt(self, plan: _Plan) -> ReserveOutcome | None:
        """Claim, hold, commit; None when another call holds the key's claim."""
        request = plan.request
        now = now_ms(self._clock)
        allocation_id = _new_allocation_id(plan.bucket)
        expires_at_ms = now + request.ttl_seconds * 1000
        claim_args: list[EncodableT] = [
            now,
            request.fingerprint,
            allocation_id,
            now + CLAIM_DEADLINE_MS,
            plan.lines,
            plan.capacity,
            IDEMPOTENCY_TTL_MS,
        ]
        key = request.idempotency_key
        unsettled = Unsettled(
            plan.idempotency,
            plan.pending,
            allocation_id,
            plan.holders,
            (plan.quote, key) if plan.quote else None,
        )
        gens_key, fields = self._keys.gens(), generation_fields(plan.nodes)

        def reads(pipe: Any) -> None:
            pipe.hmget(gens_key, fields)
            if plan.quote:
                # The quote's claim, taken for this key unless another key has it: the key
                # it names comes back (None when it was free). Kept as long as the key.
                pipe.set(plan.quote, key, nx=True, px=IDEMPOTENCY_TTL_MS, get=True)

        try:
            # Two or three slots, one round trip (split per server on a cluster).
            claim, found, *quoted = await self._scripts.run_beside(
                ("claim", [plan.idempotency, plan.pending], claim_args), reads
            )
        except UNREACHABLE as exc:
            if not never_sent(exc):
                self._leave_unsettled(unsettled)
            raise StoreUnavailable(f"Redis at {self._where} did not answer: {exc}") from exc
        first = _text(quoted[0]) if quoted else None
        newly_quoted = bool(quoted) and first is None
        if claim[0] == "conflict":
            if newly_quoted:
                await self._run([("quote_unclaim", [plan.quote], [key])])
            raise IdempotencyConflict(request.idempotency_key)
        if claim[0] == "replay":
            return await self._replay(request, request.fingerprint, claim[1], now)
        if claim[0] == "busy":
            return None
        if first is not None and first != key:
            await self._run([("unclaim", [plan.idempotency, plan.pending], [allocation_id])])
            raise await self._committed_quote(request, first)
        calls: list[Call] = []
        if claim[0] == "taken_over":
            # The claim's owner died: what its allocation id may hold goes back first.
            old_holders = self._holders_of({"lines": claim[2], "capacity": claim[3]})
            calls += [("unhold", keys, [claim[1], *self._epoch_args]) for keys in old_holders]
        taken_back = len(calls)
        calls += self._hold_calls(plan, Generations.parse(plan.nodes, found), allocation_id, now)
        try:
            replies = (await self._run(calls))[taken_back:]
            short = self._shortfall(plan, replies)
            if short is not None:
                giving_back: list[Call] = [
                    ("unhold", keys, [allocation_id, *self._epoch_args]) for keys in plan.holders
                ]
                unclaim: Call = ("unclaim", [plan.idempotency, plan.pending], [allocation_id])
                answers = await self._run([*giving_back, unclaim])
                released = answers[-1]
                if released[0] == "released" and plan.quote:
                    await self._run([("quote_unclaim", [plan.quote], [key])])
                if released[0] == "committed":
                    return await self._replay(request, released[2], released[1], now)
                if isinstance(short, HoldLimitReached):
                    raise short
                return short
        except UNREACHABLE as exc:
            self._leave_unsettled(unsettled)
            raise StoreUnavailable(
                f"Redis at {self._where} did not answer ({exc}); nothing was committed"
            ) from exc
        return await self._commit(plan, unsettled, now, expires_at_ms)

    def _hold_calls(
        self, plan: _Plan, gens: Generations, allocation_id: str, now: int
    ) -> list[Call]:
        expires_at_ms = now + plan.request.ttl_seconds * 1000
        calls: list[Call] = []
        for sku, lines in plan.grouped.items():
            args: list[EncodableT] = [now, expires_at_ms, allocation_id]
            for _, node, qty in lines:
                node_args = self._reads.args.node(plan.request.channel, node, sku)
                args += (node, qty, gens.of[node], *node_args)
            calls.append(("hold", [self._keys.stock(sku), *self._holder_keys(sku)], args))
        for node, (day, limit) in plan.orders.items():
            args = [
                now,
                expires_at_ms,
                allocation_id,
                day,
                -1 if limit is None else limit,
                oldest_capacity_day(now),
                *self._epoch_args,
            ]
            calls.append(("cap_hold", list(self._keys.capacity(node)), args))
        if plan.limits:
            keep_ms = plan.request.ttl_seconds * 1000 + _HOLDER_GRACE_MS
            args = [now, expires_at_ms, allocation_id, plan.units, keep_ms, *plan.limits.values()]
            keys = [key for holder in plan.holders[-len(plan.limits) :] for key in holder]
            calls.append(("limit_hold", keys, args))
        return calls

    def _shortfall(
        self, plan: _Plan, replies: Sequence[Any]
    ) -> InsufficientStock | HoldLimitReached | None:
        """The shortages that hold.lua and cap_hold.lua reported, or the cap that
        limit_hold.lua refused; None if all were held."""
        capped = len(plan.grouped) + len(plan.orders)
        if plan.limits and replies[capped][0] == "short":
            _, index, held = replies[capped]
            name, limit = list(plan.limits.items())[int(index)]
            return HoldLimitReached(name, limit, int(held), plan.units)
        shortages: list[tuple[int, Shortage]] = []
        count = len(plan.grouped)
        for (sku, lines), reply in zip(plan.grouped.items(), replies[:count], strict=True):
            for at, available in zip(reply[1::2], reply[2::2], strict=True):
                index, node, qty = lines[int(at)]
                shortages.append((index, Shortage(node, sku, qty, int(available))))
        full = tuple(
            CapacityShortage(node, day, cast(int, limit), int(reply[1]))
            for (node, (day, limit)), reply in zip(
                plan.orders.items(), replies[count:capped], strict=True
            )
            if reply[0] == "short"
        )
        if shortages or full:
            return InsufficientStock(tuple(s for _, s in sorted(shortages)), full)
        return None

    async def _commit(
        self, plan: _Plan, unsettled: Unsettled, now: int, expires_at_ms: int
    ) -> ReserveOutcome | None:
        request, bucket, allocation_id = plan.request, plan.bucket, unsettled.allocation_id
        args: list[EncodableT] = [
            now,
            expires_at_ms,
            allocation_id,
            request.client_id,
            request.fingerprint,
            plan.lines,
            request.payload,
            IDEMPOTENCY_TTL_MS,
            request.ttl_seconds * 1000 + RECORD_RETENTION_MS,
            RECORD_RETENTION_MS,
            OUTBOX_MAXLEN,
            self._keys.record_prefix(bucket),
            plan.capacity,
            json.dumps(list(plan.limits)) if plan.limits else "",
        ]
        keys = [
            plan.idempotency,
            self._keys.allocation(allocation_id),
            self._keys.outbox(bucket),
            self._keys.held(bucket),
            plan.pending,
        ]
        try:
            committed, due, abandoned = await self._run(
                [
                    ("commit", keys, args),
                    self._pinned_due(bucket, now),
                    self._pending_due(bucket, now),
                ]
            )
        except UNREACHABLE as exc:
            # The commit may have run: only the same key can tell (and _settle will).
            self._leave_unsettled(unsettled)
            raise store_error(exc, self._where, writes=True) from exc
        await self._finish_confirms(due)
        await self._give_back(self._holders_in(abandoned))
        if committed[0] == "held":
            return Reserved(
                Allocation(
                    id=allocation_id,
                    client_id=request.client_id,
                    status=AllocationStatus.HELD,
                    lines=request.lines,
                    created_at_ms=now,
                    expires_at_ms=expires_at_ms,
                    order_reference=None,
                    payload=request.payload,
                ),
                replayed=False,
            )
        await self._unhold(allocation_id, plan.holders)
        if committed[0] == "conflict":
            raise IdempotencyConflict(request.idempotency_key)
        if committed[0] == "replay":
            return await self._replay(request, request.fingerprint, committed[1], now)
        return None  # "lost": the claim passed its deadline and went to another call

    async def _committed_quote(self, request: ReserveRequest, first: str) -> QuoteAlreadyCommitted:
        """The refusal of a quote another key of the client committed, naming its allocation."""
        try:
            fields = await self._client.hmget(
                self._keys.idempotency(request.client_id, first), ["allocation_id", "state"]
            )
        except UNREACHABLE:
            return QuoteAlreadyCommitted(request.quote_id, first, None)
        made, state = (_text(value) for value in fields)
        return QuoteAlreadyCommitted(
            request.quote_id, first, made if made is not None and state is None else None
        )

    async def _replay(
        self, request: ReserveRequest, fingerprint: str, allocation_id: str | None, now: int
    ) -> Reserved:
        if fingerprint != request.fingerprint:
            raise IdempotencyConflict(request.idempotency_key)
        first = await self._read(allocation_id or "", now)
        if first is None:
            raise AllocationNotFound(allocation_id or "")
        return Reserved(first, replayed=True)
