"""What the gateway remembers between requests: nearest nodes per point, validation per text.

Both caches must answer exactly what the uncached computation answers, errors included.
"""

from __future__ import annotations

import pytest
from graphql import parse, validate

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from gateway.service.nearby import Nearby
from gateway.service.promise_service import PromiseService
from network_loader.network_files import load_network
from promise.candidates import CandidateFinder
from promise.errors import DestinationNotServed
from promise.geo import GeoPoint
from promise.quotes import SigningKeys
from stock_cache.url import store_from_url

NETWORK = load_network(DEFAULT_NETWORK_DIR)
LYON_3RD = GeoPoint(45.7597, 4.8422)
LILLE = GeoPoint(50.6292, 3.0573)
# The middle of the Pacific: farther than the served radius from every node.
NOWHERE = GeoPoint(-30.0, -140.0)


def test_remembered_answers_are_the_finders_and_each_caller_gets_its_own_list() -> None:
    nearby, finder = Nearby(NETWORK, size=1), CandidateFinder(NETWORK)

    for point in (LYON_3RD, LILLE, LYON_3RD):
        first = nearby.around(point)
        first.clear()
        assert nearby.around(point) == finder.around(point)
        assert nearby.points_near(point) == finder.points_near(point)
    assert nearby.around_store("LYON-PART-DIEU") == finder.around_store("LYON-PART-DIEU")


def test_the_nearest_nodes_are_the_finders_with_their_ids_and_distances() -> None:
    nearby, finder = Nearby(NETWORK, size=1), CandidateFinder(NETWORK)

    for point, placed in ((LYON_3RD, False), (LILLE, True), (LYON_3RD, False)):
        found = nearby.nearest(point, placed=placed)
        expected = finder.around(point, placed=placed)
        assert list(found.candidates) == expected
        assert list(found.ids) == [c.node_id for c in expected]
        assert dict(found.distances) == {c.node_id: c.distance_km for c in expected}


def test_a_point_too_far_names_the_field_of_each_caller() -> None:
    nearby = Nearby(NETWORK)

    for field in ("near", "input.destination", "near"):
        with pytest.raises(DestinationNotServed) as raised:
            nearby.around(NOWHERE, field=field)
        assert raised.value.field == field
        with pytest.raises(DestinationNotServed) as again:
            nearby.nearest(NOWHERE, field=field)
        assert (again.value.field, again.value.message) == (field, raised.value.message)
        with pytest.raises(DestinationNotServed) as expected:
            CandidateFinder(NETWORK).around(NOWHERE, field=field)
        assert raised.value.message == expected.value.message


@pytest.fixture
def context() -> Context:
    store = store_from_url("memory://")
    keys = SigningKeys("k", {"k": b"0123456789abcdef"})
    return Context(
        service=PromiseService(NETWORK, store, keys, quote_ttl_seconds=60), client_id="c"
    )


async def test_a_document_that_does_not_validate_is_refused_every_time(context: Context) -> None:
    text = "{ availability { nope } }"
    expected = [error.message for error in validate(schema._schema, parse(text))]
    assert len(expected) == 2

    for _ in range(3):
        result = await schema.execute(text, context_value=context)
        assert result.data is None
        assert [error.message for error in result.errors or []] == expected


async def test_a_valid_document_runs_after_an_invalid_one_of_another_text(
    context: Context,
) -> None:
    await schema.execute("{ availability { nope } }", context_value=context)

    for _ in range(2):
        result = await schema.execute("{ __typename }", context_value=context)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
