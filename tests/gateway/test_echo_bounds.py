"""A problem echoes a caller's value cut to a bounded length, however long the value."""

from __future__ import annotations

from carriers.echo import ECHO_LIMIT, cut, shown
from tests.gateway.graphql_client import GraphQLClient, line

HUGE_SKU = "OAK-" + "X" * 60_000
LYON_3RD = {"postcode": {"postcode": "69003"}}


def test_a_value_is_cut_to_the_limit_and_the_cut_is_marked() -> None:
    assert cut("OAK-CHAIR") == "OAK-CHAIR"
    assert cut(HUGE_SKU) == HUGE_SKU[:ECHO_LIMIT] + "..."
    assert shown(HUGE_SKU) == repr(HUGE_SKU[:ECHO_LIMIT] + "...")


async def test_a_sixty_kilobyte_unknown_sku_is_echoed_cut(storefront: GraphQLClient) -> None:
    refused = await storefront.delivery_options([line(HUGE_SKU, 1)], LYON_3RD)

    assert refused["__typename"] == "UnknownSku", refused
    assert refused["field"] == "input.lines[0].sku"
    assert len(refused["message"]) < 2 * ECHO_LIMIT
    assert HUGE_SKU[:ECHO_LIMIT] + "..." in refused["message"]
    assert refused["sku"] == cut(HUGE_SKU)


async def test_a_sixty_kilobyte_allocation_id_is_echoed_cut(storefront: GraphQLClient) -> None:
    missing = await storefront.allocation("A" * 60_000)

    assert missing["__typename"] == "AllocationNotFound", missing
    assert len(missing["message"]) < 2 * ECHO_LIMIT


async def test_a_sixty_kilobyte_idempotency_key_is_refused_without_its_echo(
    storefront: GraphQLClient,
) -> None:
    refused = await storefront.commit("not.a-token", "K" * 60_000)

    assert refused["__typename"] == "InvalidInput", refused
    assert "KKKKKKKKKK" not in refused["message"]
