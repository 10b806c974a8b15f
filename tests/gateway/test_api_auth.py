"""API keys name the client, its channel and scopes; a client only ever sees its own work."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from redis.asyncio import Redis

from gateway.admission.api_keys import ApiKeyError, key_digest, parse_api_keys
from gateway.admission.scopes import ROOT_FIELD_SCOPES, Scope
from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.cli import main
from gateway.ops.settings import Settings
from tests.gateway.conftest import KEY_OF, MARKETPLACE, STOREFRONT, production_settings
from tests.gateway.graphql_client import AVAILABILITY, GraphQLClient
from tests.gateway.http_support import (
    AVAILABILITY_DOC,
    auth,
    body_of,
    error_codes,
    post,
    serving,
)
from tests.redis_server import free_port

COMMIT_DOC = (
    'mutation { commitAllocation(input: {quoteToken: "x", idempotencyKey: "k"}) { __typename } }'
)
CONFIRM_DOC = (
    'mutation { confirmAllocation(input: {allocationId: "a", orderReference: "SO-1"}) '
    "{ __typename } }"
)
RELEASE_DOC = 'mutation { releaseAllocation(input: {allocationId: "a"}) { __typename } }'
ALLOCATION_DOC = 'query { allocation(id: "a") { __typename } }'
OPTIONS_DOC = (
    'query { deliveryOptions(input: {lines: [{sku: "OAK-CHAIR", quantity: 1}], '
    'destination: {postcode: {postcode: "69003"}}}) { __typename } }'
)
REGISTER_DOC = 'mutation { registerTrustedDocument(document: "{ __typename }") { __typename } }'


async def test_a_request_without_a_key_is_401_in_production(http: httpx.AsyncClient) -> None:
    response = await post(http, None, {"query": AVAILABILITY_DOC})

    assert response.status_code == 401
    assert error_codes(response) == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "data" not in body_of(response)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-key-we-issued", "Basic a2V5OnNlY3JldA==", "Bearer ", "key-storefront-fr-0001"],
)
async def test_a_wrong_or_malformed_key_is_401(http: httpx.AsyncClient, authorization: str) -> None:
    response = await post(
        http, None, {"query": AVAILABILITY_DOC}, headers={"authorization": authorization}
    )

    assert response.status_code == 401
    assert error_codes(response) == ["UNAUTHENTICATED"]


async def test_the_demo_keys_are_refused_in_production(http: httpx.AsyncClient) -> None:
    response = await post(
        http,
        None,
        {"query": AVAILABILITY_DOC},
        headers={"authorization": "Bearer demo-admin-key"},
    )

    assert response.status_code == 401


async def test_in_dev_mode_a_request_without_a_key_is_the_dev_client_with_every_scope() -> None:
    async with serving(Settings(dev_mode=True)) as (_, http):
        read = await post(http, None, {"query": AVAILABILITY_DOC})
        admin = await post(http, None, {"query": REGISTER_DOC})
        demo = await post(
            http,
            None,
            {"query": AVAILABILITY_DOC},
            headers={"authorization": "Bearer demo-storefront-key"},
        )

    assert read.status_code == 200, read.text
    assert body_of(read)["data"]["availability"]["__typename"] == "Availability"
    assert body_of(admin)["data"]["registerTrustedDocument"]["__typename"] == "TrustedDocument"
    assert demo.status_code == 200, demo.text


@pytest.mark.parametrize(
    ("client", "document", "scope"),
    [
        pytest.param("stock-feed", AVAILABILITY_DOC, "promise:read", id="availability"),
        pytest.param("stock-feed", OPTIONS_DOC, "promise:read", id="deliveryOptions"),
        pytest.param("product-page", COMMIT_DOC, "allocation:write", id="commitAllocation"),
        pytest.param("product-page", CONFIRM_DOC, "allocation:write", id="confirmAllocation"),
        pytest.param("product-page", RELEASE_DOC, "allocation:write", id="releaseAllocation"),
        pytest.param("product-page", ALLOCATION_DOC, "allocation:write", id="allocation"),
        pytest.param(STOREFRONT, REGISTER_DOC, "admin", id="registerTrustedDocument"),
    ],
)
async def test_a_key_without_the_scope_a_field_needs_is_403_naming_the_scope(
    http: httpx.AsyncClient, client: str, document: str, scope: str
) -> None:
    # product-page is a storefront key: in production it may only send trusted documents, so
    # the scope tests of storefront keys go through the dev-free server-kind check below.
    response = await post(http, client, {"query": document})

    if client == "product-page":
        assert response.status_code == 400
        assert error_codes(response) == ["TRUSTED_DOCUMENT_REQUIRED"]
        async with serving(production_settings(dev_mode=True)) as (_, dev_http):
            response = await post(dev_http, client, {"query": document})
    assert response.status_code == 403, response.text
    assert error_codes(response) == ["FORBIDDEN"]
    [error] = body_of(response)["errors"]
    assert error["extensions"]["scope"] == scope
    assert scope in error["message"]


async def test_the_stock_feed_scope_alone_reads_nothing(http: httpx.AsyncClient) -> None:
    response = await post(http, "stock-feed", {"query": AVAILABILITY_DOC})

    assert response.status_code == 403
    assert body_of(response)["errors"][0]["extensions"]["scope"] == "promise:read"


async def test_a_resolver_checks_its_scope_even_when_called_in_process(
    app: object,
) -> None:
    service = app.state.promise_service  # type: ignore[attr-defined]
    context = Context(service=service, client_id="in-process", scopes=frozenset({Scope.ADMIN}))

    result = await schema.execute(AVAILABILITY, {"skus": ["OAK-CHAIR"]}, context_value=context)

    assert result.errors is not None
    [error] = result.errors
    assert error.extensions == {"code": "FORBIDDEN", "scope": "promise:read"}


def test_every_root_field_of_the_schema_names_its_scope() -> None:
    fields = {
        (type_name, name)
        for type_name, root in (
            ("Query", schema._schema.query_type),
            ("Mutation", schema._schema.mutation_type),
        )
        if root is not None
        for name in root.fields
    }

    assert fields - set(ROOT_FIELD_SCOPES) == set()


async def test_one_client_can_neither_read_nor_change_another_clients_allocation(
    storefront: GraphQLClient,
    marketplace: GraphQLClient,
    lyon_cart: list[dict[str, object]],
    monday_10: str,
) -> None:
    options = await storefront.delivery_options(
        lyon_cart, {"postcode": {"postcode": "69003"}}, order_time=monday_10
    )
    token = options["options"][0]["quoteToken"]
    held = await storefront.commit(token, "order-7001")

    seen = await marketplace.allocation(held["id"])
    confirmed = await marketplace.confirm(held["id"], "SO-THIEF")
    released = await marketplace.release(held["id"])
    stolen = await marketplace.commit(token, "order-7001")

    assert seen["__typename"] == "AllocationNotFound"
    assert confirmed["__typename"] == "AllocationNotFound"
    assert released["__typename"] == "AllocationNotFound"
    assert stolen["__typename"] == "QuoteInvalid"
    mine = await storefront.allocation(held["id"])
    assert (mine["status"], mine["orderReference"]) == ("HELD", None)


async def test_the_same_idempotency_key_of_two_clients_names_two_different_records(
    storefront: GraphQLClient,
    marketplace: GraphQLClient,
    lyon_cart: list[dict[str, object]],
    monday_10: str,
) -> None:
    destination = {"postcode": {"postcode": "69003"}}
    mine = await storefront.delivery_options(lyon_cart[:1], destination, order_time=monday_10)
    theirs = await marketplace.delivery_options(lyon_cart[:1], destination, order_time=monday_10)

    first = await storefront.commit(mine["options"][0]["quoteToken"], "cart-42")
    second = await marketplace.commit(theirs["options"][0]["quoteToken"], "cart-42")

    assert (first["__typename"], second["__typename"]) == ("Allocation", "Allocation")
    assert first["id"] != second["id"]
    assert second["replayed"] is False


async def test_a_key_stored_in_redis_is_accepted_and_names_its_client(
    fresh_redis_url: str,
) -> None:
    redis = Redis.from_url(fresh_redis_url)
    try:
        await redis.hset(
            f"gw:apikey:{{{key_digest('key-from-redis-0007')}}}",
            mapping={
                "client": "redis-client",
                "channel": "web",
                "scopes": "promise:read",
                "kind": "server",
            },
        )
    finally:
        await redis.aclose()
    settings = production_settings(store_url=fresh_redis_url)
    async with serving(settings) as (_, http):
        from_redis = await http.post(
            "/graphql",
            json={"query": AVAILABILITY_DOC},
            headers={"authorization": "Bearer key-from-redis-0007"},
        )
        unknown = await http.post(
            "/graphql",
            json={"query": AVAILABILITY_DOC},
            headers={"authorization": "Bearer key-nobody-stored"},
        )
        forbidden = await post(
            http,
            None,
            {"query": COMMIT_DOC},
            headers={"authorization": "Bearer key-from-redis-0007"},
        )

    assert from_redis.status_code == 200, from_redis.text
    assert unknown.status_code == 401
    assert forbidden.status_code == 403


def test_api_keys_that_are_not_hashes_are_refused_naming_the_entry() -> None:
    raw = json.dumps([{"sha256": "key-storefront-fr-0001", "client": "x", "scopes": []}])

    with pytest.raises(ApiKeyError, match="entry 1") as raised:
        parse_api_keys(raw)
    assert "key-storefront-fr-0001" not in str(raised.value)


def test_an_unknown_scope_in_api_keys_is_refused_naming_the_known_ones() -> None:
    raw = json.dumps([{"sha256": "a" * 64, "client": "x", "scopes": ["promise:write"]}])

    with pytest.raises(ApiKeyError, match="promise:read"):
        parse_api_keys(raw)


def test_the_api_keys_setting_is_never_printed() -> None:
    settings = production_settings()

    assert KEY_OF[STOREFRONT] not in repr(settings)
    assert key_digest(KEY_OF[MARKETPLACE]) not in repr(settings)
    assert str(settings.api_keys) == "**********"


async def test_the_key_header_is_in_vary_so_caches_never_mix_clients(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get(
        "/graphql", params={"query": AVAILABILITY_DOC}, headers=auth(STOREFRONT)
    )

    assert "Authorization" in response.headers["vary"]


def test_the_cli_prints_the_hash_to_put_in_api_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("key-storefront-fr-0001\n"))

    assert main(["hash-api-key"]) == 0
    assert capsys.readouterr().out.strip() == key_digest("key-storefront-fr-0001")


async def test_when_redis_cannot_be_asked_about_a_key_the_answer_is_503_retry() -> None:
    settings = production_settings(store_url=f"redis://127.0.0.1:{free_port()}/0")
    async with serving(settings) as (_, http):
        response = await post(
            http, None, {"query": AVAILABILITY_DOC}, headers={"authorization": "Bearer k-999"}
        )

    assert response.status_code == 503
    assert error_codes(response) == ["SERVICE_UNAVAILABLE"]
    assert response.headers["retry-after"] == "1"
