"""The stock nodes a request considers: nearest first, found without a geodesic per node."""

from __future__ import annotations

import math

from promise.errors import DestinationNotServed
from promise.geo import GeoPoint, NearestIndex
from promise.network import Capability, Network, NodeType
from promise.promise_builder import PICKUP_POINTS_LISTED
from promise.sourcing import Candidate

NEAREST_NODES = 30
# DCs ship nationwide, so the nearest few join the candidates however far they are; a
# bounded number keeps the search's work independent of how many DCs the network has.
NEAREST_DCS = 10


class CandidateFinder:
    """The nearest nodes plus the nearest distribution centres (they serve the whole country)."""

    def __init__(
        self, network: Network, *, nearest: int = NEAREST_NODES, dcs: int = NEAREST_DCS
    ) -> None:
        self._network = network
        self._nearest = nearest
        self._dc_count = dcs
        self._index = NearestIndex((n.id, n.location) for n in network.nodes.values())
        self._points = NearestIndex((p.id, p.location) for p in network.pickup_points.values())
        self._dcs = NearestIndex(
            (n.id, n.location) for n in network.nodes.values() if n.type is NodeType.DC
        )
        self._collect = NearestIndex(
            (n.id, n.location)
            for n in network.nodes.values()
            if Capability.CLICK_AND_COLLECT in n.capabilities
        )
        transfer = network.transfer_service
        self._sources = NearestIndex(
            (n.id, n.location) for n in network.nodes.values() if transfer in n.services
        )

    def around(
        self, point: GeoPoint, *, field: str = "input.destination", placed: bool = False
    ) -> list[Candidate]:
        """Candidates nearest first; DestinationNotServed naming `field` when all are too far.

        `placed`: the destination's country is known and served (an overseas department is
        thousands of km from every node), so no distance bound applies.
        """
        found = dict(self._index.nearest(point, limit=self._nearest))
        found.update(self._dcs.nearest(point, limit=self._dc_count))
        ranked = sorted(found.items(), key=lambda item: (item[1], item[0]))
        reach = math.inf if placed else self._network.served_radius_km
        if not ranked or ranked[0][1] > reach:
            raise DestinationNotServed(
                f"the destination is more than {self._network.served_radius_km:.0f} km "
                "from every stock node",
                field=field,
            )
        return [Candidate(node_id, km) for node_id, km in ranked]

    def around_store(self, store_id: str) -> list[str]:
        """A store, then the nearest few nodes that can send it stock by the transfer service.

        As many as DCs join a home destination's candidates, so a store's collection reads
        and searches as few nodes whatever the size of the network.
        """
        store = self._network.nodes[store_id]
        sources = self._sources.nearest(store.location, limit=self._dc_count + 1)
        return [store_id, *[node_id for node_id, _ in sources if node_id != store_id]][
            : self._dc_count + 1
        ]

    def collect_stores_near(self, point: GeoPoint, *, limit: int) -> list[tuple[str, float]]:
        """Up to `limit` click & collect stores nearest `point`, within the served radius."""
        return self._collect.nearest(point, limit=limit, within_km=self._network.served_radius_km)

    def points_near(self, point: GeoPoint) -> list[tuple[str, float]]:
        """The few pickup points nearest `point` within the network's pickup radius."""
        return self._points.nearest(
            point, limit=PICKUP_POINTS_LISTED, within_km=self._network.pickup_radius_km
        )
