"""Per-shopper buckets under the key's: one shopper's burst never spends the site's budget."""

from __future__ import annotations

import httpx
import pytest

from gateway.http.shoppers import shopper_id
from gateway.ops.settings import Limits, parse_trusted_proxies
from tests.gateway.conftest import STOREFRONT, production_settings
from tests.gateway.http_support import body_of, error_codes, post, serving

# 1 point for availability, then 5 nodes x (items + nodes) = 11 points.
ELEVEN_POINTS = (
    '{ availability(skus: ["OAK-CHAIR"], first: 5) '
    "{ ... on Availability { items { sku nodes { atp } } } } }"
)
# A site bucket of 200 points; each shopper 60 of them, refilled at 1 point a second.
SITE_AND_SHOPPERS = Limits(
    bucket_points=200, points_per_second=1, shopper_bucket_points=60, shopper_points_per_second=1
)
PROXIES = parse_trusted_proxies("10.0.0.0/8, 192.0.2.7")


def test_the_storefronts_shopper_id_names_the_shopper() -> None:
    assert shopper_id({"x-shopper-id": "sess-4711"}, "203.0.113.9", ()) == "id:sess-4711"


def test_a_malformed_shopper_id_is_ignored_for_the_address() -> None:
    given = {"x-shopper-id": "a b<script>"}

    assert shopper_id(given, "203.0.113.9", ()) == "ip:203.0.113.9"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    given = {"x-forwarded-for": "198.51.100.1"}

    assert shopper_id(given, "203.0.113.9", PROXIES) == "ip:203.0.113.9"


def test_forwarded_for_through_trusted_proxies_names_the_nearest_untrusted_hop() -> None:
    # A client may write any first hop; the proxies appended what they saw after it.
    given = {"x-forwarded-for": "1.2.3.4, 198.51.100.23, 10.1.2.3"}

    assert shopper_id(given, "192.0.2.7", PROXIES) == "ip:198.51.100.23"


def test_a_bad_trusted_proxy_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_trusted_proxies("10.0.0.1, 10.0.0.300")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bucket_store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


async def _as(http: httpx.AsyncClient, shopper: str) -> httpx.Response:
    return await post(http, STOREFRONT, {"query": ELEVEN_POINTS}, headers={"x-shopper-id": shopper})


async def test_a_flooding_shopper_is_refused_alone_and_spends_only_its_own_points(
    bucket_store_url: str,
) -> None:
    settings = production_settings(store_url=bucket_store_url, limits=SITE_AND_SHOPPERS)
    async with serving(settings) as (_, http):
        flood = [await _as(http, "flooder") for _ in range(12)]
        calm = [await _as(http, f"shopper-{n}") for n in range(3)]

    codes = [a.status_code for a in flood]
    # 60 points hold five operations of 11; the rest are the flooder's 429s.
    assert codes == [200] * 5 + [429] * 7
    assert error_codes(flood[-1]) == ["RATE_LIMITED"]
    assert "shopper" in body_of(flood[-1])["errors"][0]["message"]
    assert [a.status_code for a in calm] == [200] * 3
    # The site's bucket counted the 5 + 3 operations admitted (it only refills meanwhile),
    # none of the 7 refused: those would have left it below 200 - 15 x 11 = 35.
    left = body_of(calm[-1])["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    assert 200 - 8 * 11 <= left < 150


async def test_a_server_key_without_shopper_ids_shares_no_address_bucket(
    bucket_store_url: str,
) -> None:
    # A storefront's backend calls from one address for all its shoppers: without the ids it
    # forwards, only the site's bucket (200 points, 18 operations of 11) limits it.
    settings = production_settings(store_url=bucket_store_url, limits=SITE_AND_SHOPPERS)
    async with serving(settings) as (_, http):
        answers = [await post(http, STOREFRONT, {"query": ELEVEN_POINTS}) for _ in range(12)]

    assert [a.status_code for a in answers] == [200] * 12
