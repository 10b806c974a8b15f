"""Shipment dates kept across requests, by service and calendar, node and transit band.

A shipment's dates depend on its node's dispatch, the band its distance falls in and the
calendar it is delivered in; the dispatch stays the same from one order instant until the
earliest deadline it still makes (`promise.dispatch`), and so do the dates drawn from it. A
timer of one service and calendar finds its table once a request; each node's dates then
cost a lookup by the node's id and band and two comparisons of instants, where the dates'
own memos key objects and values twice a shipment. A miss asks `promise.dates` and keeps its
answer for the interval its dispatch holds. Same-day deliveries and collection from a store's
own shelves depend on the order's clock time itself, so they are not kept here.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime

from carriers.regions import Region
from carriers.services import CarrierService
from promise.dates import Timing, collect_after_transfer, home_delivery, pickup_point_delivery
from promise.dispatch import kept_dispatch
from promise.memo import IdentityMemo
from promise.network import Node, PickupPoint


class _Held:
    """A node's dates, for order instants (UTC) from `start` (included) to `until`."""

    def __init__(self, node: Node, start: datetime, until: datetime, timing: Timing | None):
        self.node = node
        self.start = start
        self.until = until
        self.timing = timing


class TimingTable:
    """The dates of one service into one calendar, by node id and transit band."""

    def __init__(self, service: CarrierService, owner: HeldTimings) -> None:
        self.bands = len(service.transit.bands)
        self.limits = tuple([band.max_km for band in service.transit.bands])
        self._owner = owner
        self._by_node: dict[str, list[_Held | None]] = {}

    def band(self, distance_km: float) -> int:
        """The place of `service.transit.band_for(distance_km)` among the bands."""
        limits = self.limits
        for at in range(len(limits)):
            if distance_km <= limits[at]:
                return at
        return len(limits) - 1

    def held(self, node: Node, band: int, at: datetime) -> _Held | None:
        """The node's dates in `band` for an order starting at `at` (UTC), if kept."""
        slots = self._by_node.get(node.id)
        if slots is None:
            return None
        held = slots[band]
        # By identity: a node of a reloaded network is another node.
        if held is None or held.node is not node or not held.start <= at < held.until:
            return None
        return held

    def keep(
        self, node: Node, band: int, start: datetime, until: datetime, timing: Timing | None
    ) -> None:
        slots = self._by_node.get(node.id)
        if slots is None:
            slots = self._by_node[node.id] = [None] * self.bands
        if slots[band] is None:
            self._owner.added()
        slots[band] = _Held(node, start, until, timing)


class HeldTimings:
    """Every table, at most `limit` dates in all: at the limit everything is dropped."""

    def __init__(self, limit: int = 65_536) -> None:
        self._limit = limit
        self._entries = 0
        self._tables: IdentityMemo[TimingTable] = IdentityMemo()

    @property
    def entries(self) -> int:
        return self._entries

    @property
    def limit(self) -> int:
        return self._limit

    def table(
        self, service: CarrierService, objects: tuple[object, ...], values: tuple[Hashable, ...]
    ) -> TimingTable:
        found = self._tables.get((service, *objects), values)
        if found is None:
            found = self._tables.put((service, *objects), values, TimingTable(service, self))
        return found

    def added(self) -> None:
        self._entries += 1
        if self._entries >= self._limit:
            # Tables in use by a request keep working; they are no longer found.
            self._tables = IdentityMemo()
            self._entries = 0


HELD_TIMINGS = HeldTimings()


class _Clock:
    """A request's order instant, and the start of a shipment's dispatch clock from it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.at = now.astimezone(UTC)

    def start(self, not_before: datetime | None) -> tuple[datetime, datetime]:
        """`dispatch.start_of(now, not_before)`, and that instant in UTC."""
        if not_before is None or not_before <= self.now:
            return self.now, self.at
        return not_before, not_before.astimezone(UTC)


class _KeptTimer:
    """The dates of one service's shipments, kept in `table`; `_fresh` computes a miss."""

    def __init__(
        self, service: CarrierService, now: datetime, country: str, table: TimingTable
    ) -> None:
        self.service = service
        self.clock = _Clock(now)
        self.country = country
        self.table = table

    def __call__(
        self, node: Node, distance_km: float, not_before: datetime | None
    ) -> Timing | None:
        table = self.table
        start, at = self.clock.start(not_before)
        band = table.band(distance_km)
        held = table.held(node, band, at)
        if held is not None:
            return held.timing
        service = self.service
        kept = kept_dispatch(
            node, service.cutoff, start, self.country, node.pickups.get(service.code)
        )
        if kept is None:
            return None
        timing = self._fresh(node, distance_km, not_before)
        table.keep(node, band, kept.start, kept.until, timing)
        return timing

    def _fresh(self, node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
        raise NotImplementedError


class HomeTimer(_KeptTimer):
    """`dates.home_delivery` of one service into the destination's region, kept."""

    def __init__(
        self,
        service: CarrierService,
        now: datetime,
        *,
        confidence: float,
        country: str,
        destination: Region,
    ) -> None:
        calendar = (destination.country, destination.subdivision, destination.timezone)
        table = HELD_TIMINGS.table(service, (), ("home", *calendar, confidence, country))
        super().__init__(service, now, country, table)
        self.confidence = confidence
        self.destination = destination

    def _fresh(self, node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
        return home_delivery(
            node,
            self.service,
            distance_km,
            self.clock.now,
            confidence=self.confidence,
            country=self.country,
            destination=self.destination,
            not_before=not_before,
        )


class PickupTimer(_KeptTimer):
    """`dates.pickup_point_delivery` of one service to one point, kept."""

    def __init__(
        self,
        service: CarrierService,
        point: PickupPoint,
        now: datetime,
        *,
        confidence: float,
        country: str,
        destination: Region,
    ) -> None:
        calendar = (destination.country, destination.subdivision, destination.timezone)
        table = HELD_TIMINGS.table(service, (point,), ("pickup", *calendar, confidence, country))
        super().__init__(service, now, country, table)
        self.point = point
        self.confidence = confidence
        self.destination = destination

    def _fresh(self, node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
        return pickup_point_delivery(
            node,
            self.service,
            self.point,
            distance_km,
            self.clock.now,
            confidence=self.confidence,
            country=self.country,
            destination=self.destination,
            not_before=not_before,
        )


class TransferTimer(_KeptTimer):
    """`dates.collect_after_transfer` of stock sent to one store by the transfer, kept."""

    def __init__(
        self,
        transfer: CarrierService,
        store: Node,
        now: datetime,
        *,
        confidence: float,
        country: str,
    ) -> None:
        table = HELD_TIMINGS.table(transfer, (store,), ("transfer", confidence, country))
        super().__init__(transfer, now, country, table)
        self.transfer = transfer
        self.store = store
        self.confidence = confidence

    def _fresh(self, node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
        return collect_after_transfer(
            node,
            self.store,
            self.transfer,
            distance_km,
            self.clock.now,
            confidence=self.confidence,
            country=self.country,
            not_before=not_before,
        )
