"""The request flow: read ATP for the candidate nodes, let `promise` decide, reserve on commit.

This is where I/O meets the pure domain; it holds no rule of its own beyond the order of
the steps. Expected failures surface as `promise.errors` and `stock_cache.errors` exceptions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from carriers.services import DeliveryKind
from gateway.service.answers import (
    NodeLevel,
    QuotedOption,
    QuotedPromise,
    QuoteSigner,
    SkuLevels,
    quoted,
)
from gateway.service.live_changes import LiveChanges
from gateway.service.nearby import Nearby
from gateway.service.order_times import checked_order_time, one_day_per_zone
from gateway.service.shared_reads import SharedReads
from gateway.service.webhooks import WebhookSender
from network_loader.stock_rules import StockRulesConfig
from promise.cart import CartLine, Destination
from promise.destinations import check_served
from promise.errors import InvalidInput, PromiseError
from promise.geo import GeoPoint
from promise.network import Network
from promise.profiles import DEFAULT_PROFILE, RuleProfile
from promise.promise_builder import PromiseRequest, build_promise
from promise.quotes import Quote, SigningKeys, check_committable, fingerprint
from promise.sourcing import Candidate
from stock_cache.base import (
    HoldLimit,
    NodeCapacity,
    ReserveOutcome,
    ReserveRequest,
    StockLine,
    StockStore,
)

MAX_IDEMPOTENCY_KEY = 128


class PromiseService:
    """One per process: the network, the store and the signing keys every request shares."""

    def __init__(
        self,
        network: Network,
        store: StockStore,
        keys: SigningKeys,
        *,
        quote_ttl_seconds: int,
        clock: Callable[[], float] = time.time,
        channels: StockRulesConfig | None = None,
    ) -> None:
        self.network = network
        self.channels = channels
        self.store = store
        self.keys = keys
        self.quote_ttl_seconds = quote_ttl_seconds
        self.clock = clock
        self.finder = Nearby(network)
        self._all_nodes = tuple(network.nodes)
        # Set by the app when its store keeps webhooks (gateway/service/webhooks.py).
        self.webhooks: WebhookSender | None = None
        # The process's follower of changes for live answers (set by the app's lifespan).
        self.live: LiveChanges | None = None

    def store_channel(self, client_id: str, channel: str | None) -> str | None:
        """The channel of the stock rules a caller sells on (None: no channel rules)."""
        return None if self.channels is None else self.channels.channel_of(client_id, channel)

    def profile_for(self, client_id: str, channel: str | None) -> RuleProfile:
        """The rule profile of the caller's channel; the built-in default without one."""
        name = self.store_channel(client_id, channel)
        return self.network.profiles.get(name or "", DEFAULT_PROFILE)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    async def availability(
        self,
        skus: Sequence[str],
        near: GeoPoint | None,
        *,
        first: int,
        client_id: str = "",
        channel: str | None = None,
        shared: SharedReads | None = None,
    ) -> list[SkuLevels]:
        """ATP per SKU over the whole network, and the `first` nodes holding it.

        Near a point, ATP is asked only at the nodes around it and the network-wide total
        comes from the store, which keeps it without reading every node on every call.
        Without a point, the holders are ranked by ATP over the whole network, which reads
        every node.
        """
        around = self.finder.nearest(near, field="near") if near is not None else None
        asked = around.ids if around is not None else self._all_nodes
        distances = around.distances if around is not None else {}  # no point, no distances
        store_channel = self.store_channel(client_id, channel)
        announced = (
            shared.announce(store_channel, skus, asked)
            if shared is not None and near is not None
            else None
        )
        try:
            found = await self.store.availability(
                skus, asked, network=self._all_nodes, channel=store_channel
            )
        except BaseException:
            if announced is not None:
                announced.set_result(None)
            raise
        if announced is not None:
            announced.set_result({sku: found[sku].atp for sku in skus})
        result = []
        for sku in skus:
            levels = found[sku].atp
            # Ranked by plain tuples (node ids are unique), not by a key function per node.
            holding = (
                sorted([(distances[node], node) for node, atp in levels.items() if atp > 0])
                if near is not None
                else sorted([(-atp, node) for node, atp in levels.items() if atp > 0])
            )
            result.append(
                SkuLevels(
                    sku,
                    found[sku].total,
                    tuple(
                        NodeLevel(node, levels[node], round(distances[node], 1) if near else None)
                        for _, node in holding[:first]
                    ),
                )
            )
        return result

    async def delivery_options(
        self,
        cart: tuple[CartLine, ...],
        destination: Destination,
        *,
        client_id: str,
        order_time: datetime | None,
        confidence: float,
        include_customer_trip: bool = False,
        channel: str | None = None,
    ) -> list[QuotedOption]:
        """Quoted options, best first (see `promise`)."""
        found = await self.promise(
            cart,
            destination,
            client_id=client_id,
            order_time=order_time,
            confidence=confidence,
            include_customer_trip=include_customer_trip,
            channel=channel,
        )
        return found.options

    async def promise(
        self,
        cart: tuple[CartLine, ...],
        destination: Destination,
        *,
        client_id: str,
        order_time: datetime | None,
        confidence: float,
        include_customer_trip: bool = False,
        channel: str | None = None,
        kinds: frozenset[DeliveryKind] | None = None,
        shared: SharedReads | None = None,
        explain: bool = True,
        nudge: bool = True,
    ) -> QuotedPromise:
        """Options under the caller's rule profile, quoted, and the services missing."""
        if not 0.5 <= confidence < 1.0:
            raise InvalidInput(
                f"confidence {confidence} must be at least 0.5 and below 1",
                field="input.confidence",
            )
        clock = self.now()
        now, what_if = (
            (clock, False) if order_time is None else checked_order_time(order_time, clock)
        )
        profile = self.profile_for(client_id, channel)
        # Made before any read, so that a request it refuses costs no round trip.
        request = PromiseRequest(
            cart,
            destination,
            now,
            confidence,
            include_customer_trip=include_customer_trip,
            profile=profile,
            kinds=kinds,
            explain=explain,
            nudge=nudge,
        )
        placed = destination.region is not None
        nodes: Sequence[str]
        candidates: Sequence[Candidate]
        if destination.store_id is not None:
            # The store's own shelves, and the nearest nodes that can send it stock.
            nodes = self.finder.around_store(destination.store_id)
            candidates = ()
        else:
            # A destination whose country is known is served by its zone, not by distance.
            check_served(self.network, destination.region, field="input.destination")
            around = self.finder.nearest(destination.point, placed=placed)
            candidates, nodes = around.candidates, around.ids
        skus, store_channel = [line.sku for line in cart], self.store_channel(client_id, channel)
        if not profile.filters.require_capacity:
            days: dict[str, list[str]] = {}
        else:
            zones = (
                self.finder.bound_by_zone(destination.point, placed=placed)
                if destination.store_id is None
                else ()
            )
            zoned = one_day_per_zone(zones, now)
            days = (
                zoned
                if zoned is not None
                else self._by_day([n for n in nodes if n in self.network.daily_capacity], now)
            )
        used: list[dict[str, int]] = []
        if days:
            # Stock and the orders the capacity-bound nodes took on their day, read together:
            # the counts by a task each, the stock here (a gather adds a task and a future).
            reads = [
                asyncio.ensure_future(self.store.capacity_used(group, day))
                for day, group in days.items()
            ]
            try:
                stock = await self._atp(skus, nodes, store_channel, shared)
                used = [await read for read in reads]
            finally:
                for read in reads:  # not needed once one failed; its error seen, not logged
                    if not read.cancel() and not read.cancelled():
                        read.exception()
        else:
            # Awaited directly: gather would wrap the one read in a task of its own.
            stock = await self._atp(skus, nodes, store_channel, shared)
        points = (
            self.finder.points_near(destination.point)
            if destination.store_id is None and request.wants(DeliveryKind.PICKUP_POINT)
            else []
        )
        found = build_promise(
            self.network,
            request,
            candidates,
            stock,
            pickup_points=points,
            capacity_used={node: n for group in used for node, n in group.items()},
        )
        expires = int(self.clock()) + self.quote_ttl_seconds
        signer = QuoteSigner(
            self.keys, client_id, self.network.version, expires, destination, confidence, what_if
        )
        expires_at = datetime.fromtimestamp(expires, tz=UTC)
        return QuotedPromise(
            [quoted(o, signer, expires_at, now) for o in found.options], found.unavailable
        )

    async def _atp(
        self,
        skus: list[str],
        nodes: Sequence[str],
        channel: str | None,
        shared: SharedReads | None,
    ) -> Mapping[str, Mapping[str, int]]:
        """ATP at the nodes, from a read of the same operation when one covers them."""
        found = None if shared is None else await shared.levels(channel, skus, nodes)
        if found is not None:
            return found
        return await self.store.atp(skus, nodes, channel=channel)

    def _by_day(self, node_ids: Iterable[str], at: datetime) -> dict[str, list[str]]:
        """Nodes grouped by their local day (e.g. "2026-11-23") at the instant `at`: one
        conversion per time zone, not per node (a network has few zones)."""
        groups: dict[str, list[str]] = {}
        days: dict[str, str] = {}
        nodes = self.network.nodes
        for node_id in node_ids:
            zone = nodes[node_id].timezone
            day = days.get(zone)
            if day is None:
                day = days[zone] = at.astimezone(ZoneInfo(zone)).date().isoformat()
            groups.setdefault(day, []).append(node_id)
        return groups

    def node_day(self, node_id: str, at: datetime) -> str:
        """The node's local day at `at`: the day its daily capacity counts orders on."""
        return at.astimezone(ZoneInfo(self.network.nodes[node_id].timezone)).date().isoformat()

    def capacity_orders(self, quote: Quote, profile: RuleProfile) -> tuple[NodeCapacity, ...]:
        """One order of each capacity-bound node the quote ships from, on its day now.

        A store handing over its own shelves for collection does not ship: it takes none, as
        the capacity filter did not apply to it when the quote was made. Under a profile that
        does not filter on capacity the orders still count, without a bound.
        """
        now = self.now()
        orders: dict[str, NodeCapacity] = {}
        for shipment in quote.shipments:
            node = shipment.node_id
            limit = self.network.daily_capacity.get(node)
            if limit is None or node == quote.collect_store_id or node not in self.network.nodes:
                continue
            bound = limit if profile.filters.require_capacity else None
            orders[node] = NodeCapacity(node, self.node_day(node, now), bound)
        return tuple(orders.values())

    async def fresh_options(
        self, quote: Quote, *, client_id: str, channel: str | None = None
    ) -> list[QuotedOption]:
        """Options for the quote's cart and destination now; none when it can't be served."""
        if quote.destination is None:
            return []
        try:
            return await self.delivery_options(
                quote.cart,
                quote.destination,
                client_id=client_id,
                order_time=None,
                confidence=quote.confidence,
                channel=channel,
            )
        except PromiseError:
            return []

    def hold_limits(
        self, client_id: str, channel: str | None, shopper_id: str | None
    ) -> tuple[HoldLimit, ...]:
        """The caps of held units of the caller's channel (channels.toml) that a commit counts
        against: the client's, and the shopper's when the storefront names one."""
        name = self.store_channel(client_id, channel)
        rules = None if self.channels is None or name is None else self.channels.rules
        found = None if rules is None else rules.channels.get(name or "")
        if found is None:
            return ()
        limits = []
        if found.held_units_per_client is not None:
            limits.append(HoldLimit(f"client:{client_id}", found.held_units_per_client))
        # Only a shopper the storefront names: behind a storefront's server every shopper has
        # the server's address.
        if found.held_units_per_shopper is not None and shopper_id and shopper_id[:3] == "id:":
            holder = f"shopper:{client_id}:{shopper_id[3:]}"
            limits.append(HoldLimit(holder, found.held_units_per_shopper))
        return tuple(limits)

    async def commit(
        self,
        token: str,
        idempotency_key: str,
        *,
        client_id: str,
        channel: str | None = None,
        shopper_id: str | None = None,
    ) -> tuple[Quote, ReserveOutcome]:
        """Reserve exactly what the quote names, all or nothing."""
        key = idempotency_key.strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise InvalidInput(
                f"the idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY} characters",
                field="input.idempotencyKey",
            )
        now = self.clock()
        quote = self.keys.verify(token, client_id=client_id, now=now)
        check_committable(quote, now=now)
        lines = tuple(
            StockLine(shipment.node_id, line.sku, line.quantity)
            for shipment in quote.shipments
            for line in shipment.lines
        )
        outcome = await self.store.reserve(
            ReserveRequest(
                client_id=client_id,
                idempotency_key=key,
                fingerprint=fingerprint(quote),
                lines=lines,
                ttl_seconds=self.network.reservation_ttl_seconds,
                payload=quote.to_json(),
                channel=self.store_channel(client_id, channel),
                capacity=self.capacity_orders(quote, self.profile_for(client_id, channel)),
                quote_id=quote.quote_id,
                limits=self.hold_limits(client_id, channel, shopper_id),
            )
        )
        return quote, outcome
