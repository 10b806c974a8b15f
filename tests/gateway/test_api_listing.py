"""`listingPromises`: a listing page's headline promises for many SKUs, one answer per SKU."""

from __future__ import annotations

import csv
import json

import httpx

from gateway.admission.trusted_documents import digest_of
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.gateway.conftest import KEY_OF, STOREFRONT
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.gateway.test_api_bad_input import assert_problem, options_for

LYON_3RD = {"postcode": {"postcode": "69003"}}

LISTING = """
query Listing($skus: [String!]!, $destination: DestinationInput!, $kinds: [DeliveryKind!]) {
  listingPromises(skus: $skus, destination: $destination, kinds: $kinds) {
    __typename
    ... on ListingPromises {
      items {
        __typename
        ... on ListingPromise {
          sku name
          headlines {
            kind serviceCode node { id } distanceKm likelyDate promisedDate orderBy
            orderWithin priceCents readyAt
          }
          notOffered { kind reason { code text } }
        }
        ... on Problem { code message field }
        ... on UnknownSku { sku }
      }
    }
    ... on Problem { code message field }
  }
}
"""


def demo_skus() -> list[str]:
    with (DEFAULT_NETWORK_DIR / "skus.csv").open(encoding="utf-8") as rows:
        return [row["sku"] for row in csv.DictReader(rows)]


async def listing(
    client: GraphQLClient, skus: list[str], destination: JSON, kinds: list[str] | None = None
) -> JSON:
    variables = {"skus": skus, "destination": destination, "kinds": kinds}
    return (await client.execute(LISTING, variables)).result("listingPromises")


async def test_a_listing_of_48_skus_answers_each_in_order_and_the_unknown_one_alone(
    storefront: GraphQLClient,
) -> None:
    skus = demo_skus()[:47]
    skus.insert(20, "NOPE-404")

    found = await listing(storefront, skus, LYON_3RD)

    items = found["items"]
    # A SKU is named by its promise, or by the field of the problem answered for it alone.
    assert [item.get("sku") or item["field"] for item in items] == [
        sku if "sku" in items[i] else f"skus[{i}]" for i, sku in enumerate(skus)
    ]
    unknown = items[20]
    assert_problem(unknown, "UnknownSku", "UNKNOWN_SKU", "skus[20]")
    promised = [item for item in items if item["__typename"] == "ListingPromise"]
    # The 160 and 200 cm tables, the sofas and the sideboard go by two-person delivery only.
    assert len(promised) >= 36
    for item in promised:
        [headline] = item["headlines"]
        assert headline["kind"] == "HOME_STANDARD"
        assert headline["promisedDate"] >= headline["likelyDate"] >= "2026-11-23"


async def test_each_headline_is_the_standard_option_of_a_one_unit_cart(
    storefront: GraphQLClient, monday_10: str
) -> None:
    skus = demo_skus()[:12]

    found = await listing(storefront, skus, LYON_3RD)

    for sku, item in zip(skus, found["items"], strict=True):
        request = {
            "lines": [line(sku, 1)],
            "destination": LYON_3RD,
            "orderTime": monday_10,
            "kinds": ["HOME_STANDARD"],
        }
        alone = (await options_for(storefront, request)).result("deliveryOptions")
        if item["__typename"] != "ListingPromise":
            # The same problem as the cart's: out of stock near Lyon, or too heavy a parcel.
            assert alone["__typename"] == item["__typename"], (sku, alone)
            continue
        [option] = alone["options"]
        [headline] = item["headlines"]
        assert headline["promisedDate"] == option["promisedDate"], sku
        assert headline["likelyDate"] == option["likelyDate"], sku
        assert headline["priceCents"] == option["priceCents"], sku
        assert headline["node"]["id"] == option["shipments"][0]["node"]["id"], sku


async def test_collect_names_the_nearest_store_holding_the_sku_and_when_it_is_ready(
    storefront: GraphQLClient,
) -> None:
    found = await listing(
        storefront, ["OAK-CHAIR"], LYON_3RD, kinds=["CLICK_AND_COLLECT", "HOME_STANDARD"]
    )

    [item] = found["items"]
    assert [h["kind"] for h in item["headlines"]] == ["CLICK_AND_COLLECT", "HOME_STANDARD"]
    collect = item["headlines"][0]
    # stock.csv: LYON-PART-DIEU holds 6 OAK-CHAIR, 2 kept back; 0.9 km from 69003.
    assert collect["node"]["id"] == "LYON-PART-DIEU"
    assert collect["distanceKm"] == 0.9
    assert collect["readyAt"].startswith("2026-11-23T")
    assert collect["priceCents"] == 0


async def test_a_kind_no_listing_shows_is_invalid_input_naming_it(
    storefront: GraphQLClient,
) -> None:
    found = await listing(storefront, ["OAK-CHAIR"], LYON_3RD, kinds=["HOME_STANDARD", "TRANSFER"])

    assert_problem(found, "InvalidInput", "INVALID_INPUT", "kinds[1]")


async def test_more_than_100_skus_is_invalid_input_naming_skus(storefront: GraphQLClient) -> None:
    found = await listing(storefront, demo_skus()[:101], LYON_3RD)

    assert_problem(found, "InvalidInput", "INVALID_INPUT", "skus")


async def test_a_48_sku_listing_costs_less_than_two_delivery_option_calls(
    storefront: GraphQLClient,
) -> None:
    response = await storefront.execute(
        LISTING, {"skus": demo_skus()[:48], "destination": LYON_3RD}
    )

    cost = json.loads(response.body)["extensions"]["cost"]["requestedQueryCost"]
    # 10 for the batch, 5 for 48 SKUs, the selection once: items, headlines, node,
    # notOffered, reason.
    assert cost == 10 + 5 + 5


def _apq(document: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest_of(document)}}


async def _get(http: httpx.AsyncClient, destination: JSON) -> httpx.Response:
    variables = {"skus": ["OAK-CHAIR", "LINEN-DUVET-220"], "destination": destination}
    return await http.get(
        "/graphql",
        params={"extensions": json.dumps(_apq(LISTING)), "variables": json.dumps(variables)},
        headers={"authorization": f"Bearer {KEY_OF[STOREFRONT]}"},
    )


async def test_a_listing_by_get_to_a_postcode_is_cacheable_and_to_coordinates_is_not(
    http: httpx.AsyncClient, storefront: GraphQLClient
) -> None:
    taught = await http.post(
        "/graphql",
        json={
            "query": LISTING,
            "extensions": _apq(LISTING),
            "variables": {"skus": ["OAK-CHAIR"], "destination": LYON_3RD},
        },
        headers={"authorization": f"Bearer {KEY_OF[STOREFRONT]}"},
    )
    assert taught.status_code == 200, taught.text

    by_postcode = await _get(http, LYON_3RD)
    by_coordinates = await _get(http, {"coordinates": {"latitude": 45.76, "longitude": 4.85}})

    assert by_postcode.status_code == by_coordinates.status_code == 200
    assert by_postcode.headers["cache-control"] == "public, max-age=30"
    vary = set(by_postcode.headers["vary"].replace(" ", "").split(","))
    assert vary == {"Accept", "Accept-Language", "Authorization"}
    assert by_coordinates.headers["cache-control"] == "no-store"
