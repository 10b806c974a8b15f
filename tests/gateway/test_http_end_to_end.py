"""The real server, started as `promise-gateway serve`, answering over real HTTP.

Once on the embedded store it seeds itself, and once on the test session's own Redis after
`promise-gateway seed-stock` filled it. A shopper's whole journey runs against each:
availability, delivery options, commit, a replayed commit, release.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import KEY_OF, LYON_CART
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.gateway.served import REPO, Server, clean_environment, gateway_command, serving_process

CART_SKUS = [sku for sku, _ in LYON_CART]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_option(request: pytest.FixtureRequest) -> list[str]:
    """The `--store` the server runs with; Redis is seeded first by the seed-stock command."""
    if request.param == "memory":
        return []
    url = str(request.getfixturevalue("fresh_redis_url"))
    seeded = subprocess.run(
        gateway_command("seed-stock", "--store", url),
        capture_output=True,
        text=True,
        env=clean_environment(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith("seeded "), seeded.stdout
    return ["--store", url]


@pytest.fixture
def server(store_option: list[str], tmp_path: Path) -> Iterator[Server]:
    with serving_process(store_option, tmp_path / "gateway.log") as started:
        yield started


async def test_a_shopper_commits_replays_and_releases_over_real_http(
    server: Server, lyon_cart: list[JSON], monday_10: str
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as http:
        shopper = GraphQLClient(http, api_key=KEY_OF["storefront-fr"])
        before = await shopper.total_atp(CART_SKUS)
        assert all(atp > 0 for atp in before.values()), before

        result = await shopper.delivery_options(
            lyon_cart, {"postcode": {"postcode": "69003"}}, order_time=monday_10
        )
        assert result["__typename"] == "DeliveryOptions", result
        options = result["options"]
        assert len(options) >= 3
        [same_day] = [o for o in options if o["kind"] == "SAME_DAY"]
        assert same_day["promisedDate"] == "2026-11-23"
        node = same_day["shipments"][0]["node"]
        at_node = await shopper.atp_at(node, CART_SKUS)

        held = await shopper.commit(same_day["quoteToken"], "web-order-3001")
        assert (held["__typename"], held["status"], held["replayed"]) == (
            "Allocation",
            "HELD",
            False,
        )
        after_commit = await shopper.total_atp(CART_SKUS)
        assert after_commit == {sku: before[sku] - quantity for sku, quantity in LYON_CART}
        assert await shopper.atp_at(node, CART_SKUS) == {
            sku: at_node[sku] - quantity for sku, quantity in LYON_CART
        }

        replayed = await shopper.commit(same_day["quoteToken"], "web-order-3001")
        assert (replayed["id"], replayed["replayed"]) == (held["id"], True)
        assert await shopper.total_atp(CART_SKUS) == after_commit

        released = await shopper.release(held["id"])
        assert (released["id"], released["status"]) == (held["id"], "RELEASED")
        assert await shopper.total_atp(CART_SKUS) == before
        assert await shopper.atp_at(node, CART_SKUS) == at_node

    code = server.stop()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to end the process.
    assert code in (0, -signal.SIGTERM), server.output()
    assert "Application shutdown complete" in server.output()
    assert "Traceback" not in server.output()
    # One JSON line per request, the endpoint's: uvicorn's access line is not repeated.
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    assert sum(line["message"] == "graphql request" for line in lines) >= 8
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
