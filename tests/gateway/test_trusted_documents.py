"""Trusted documents in production and dev mode, Apollo's APQ protocol, and CDN caching."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.admission.trusted_documents import ManifestError, digest_of, load_manifest
from gateway.ops.settings import Settings
from tests.gateway.conftest import STOREFRONT, production_settings
from tests.gateway.http_support import AVAILABILITY_DOC, auth, body_of, error_codes, post, serving

BROWSER = "browser-shop"  # a storefront key: public, so held to trusted documents
PRODUCT_PAGE = (
    "query ProductPage($skus: [String!]!) { availability(skus: $skus, first: 3) "
    "{ __typename ... on Availability { items { sku total } } } }"
)
PRODUCT_PAGE_ID = f"sha256:{digest_of(PRODUCT_PAGE)}"
CHECKOUT = (
    "query Checkout($input: DeliveryOptionsInput!) "
    "{ deliveryOptions(input: $input) { __typename } }"
)
CHECKOUT_ID = f"sha256:{digest_of(CHECKOUT)}"
SKUS = json.dumps(["OAK-CHAIR"])


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "trusted-documents.json"
    path.write_text(json.dumps({PRODUCT_PAGE_ID: PRODUCT_PAGE, CHECKOUT_ID: CHECKOUT}))
    return path


@pytest.fixture
async def gateway(manifest: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(production_settings(trusted_documents_file=manifest)) as (_, http):
        yield http


async def test_in_production_a_storefront_sending_document_text_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    response = await post(gateway, BROWSER, {"query": AVAILABILITY_DOC})

    assert response.status_code == 400
    assert error_codes(response) == ["TRUSTED_DOCUMENT_REQUIRED"]


async def test_in_production_a_storefront_sends_a_trusted_document_by_id(
    gateway: httpx.AsyncClient,
) -> None:
    response = await post(
        gateway, BROWSER, {"documentId": PRODUCT_PAGE_ID, "variables": {"skus": ["OAK-CHAIR"]}}
    )

    assert response.status_code == 200, response.text
    assert body_of(response)["data"]["availability"]["__typename"] == "Availability"


async def test_the_text_of_a_trusted_document_is_accepted_from_a_storefront(
    gateway: httpx.AsyncClient,
) -> None:
    response = await post(gateway, BROWSER, {"query": PRODUCT_PAGE, "variables": {"skus": []}})

    assert response.status_code == 200, response.text


async def test_an_unknown_document_id_is_400(gateway: httpx.AsyncClient) -> None:
    response = await post(gateway, BROWSER, {"documentId": f"sha256:{'0' * 64}"})

    assert response.status_code == 400
    assert error_codes(response) == ["TRUSTED_DOCUMENT_NOT_FOUND"]


async def test_in_dev_mode_a_storefront_may_send_any_document(manifest: Path) -> None:
    settings = production_settings(trusted_documents_file=manifest, dev_mode=True)
    async with serving(settings) as (_, http):
        response = await post(http, BROWSER, {"query": AVAILABILITY_DOC})

    assert response.status_code == 200, response.text


async def test_an_admin_registers_a_document_that_storefronts_may_then_send(
    gateway: httpx.AsyncClient,
) -> None:
    document = 'query Pdp { availability(skus: ["OAK-CHAIR"]) { __typename } }'
    register = (
        "mutation($d: String!) { registerTrustedDocument(document: $d) "
        "{ ... on TrustedDocument { id } ... on Problem { code } } }"
    )

    before = await post(gateway, BROWSER, {"documentId": f"sha256:{digest_of(document)}"})
    registered = await post(gateway, "ops-admin", {"query": register, "variables": {"d": document}})
    after = await post(gateway, BROWSER, {"documentId": f"sha256:{digest_of(document)}"})

    assert error_codes(before) == ["TRUSTED_DOCUMENT_NOT_FOUND"]
    assert registered.status_code == 200, registered.text
    assert body_of(registered)["data"]["registerTrustedDocument"] == {
        "id": f"sha256:{digest_of(document)}"
    }
    assert after.status_code == 200, after.text


async def test_a_document_that_does_not_validate_cannot_be_registered(
    gateway: httpx.AsyncClient,
) -> None:
    register = (
        "mutation($d: String!) { registerTrustedDocument(document: $d) "
        "{ ... on Problem { code field } } }"
    )

    response = await post(
        gateway, "ops-admin", {"query": register, "variables": {"d": "{ nothingHere }"}}
    )

    assert body_of(response)["data"]["registerTrustedDocument"] == {
        "code": "INVALID_INPUT",
        "field": "document",
    }


async def test_a_document_registered_in_redis_serves_every_gateway_process(
    manifest: Path, fresh_redis_url: str
) -> None:
    document = '{ availability(skus: ["OAK-CHAIR"]) { __typename } }'
    register = "mutation($d: String!) { registerTrustedDocument(document: $d) { __typename } }"
    settings = production_settings(store_url=fresh_redis_url, trusted_documents_file=manifest)
    async with serving(settings) as (_, first), serving(settings) as (_, second):
        await post(first, "ops-admin", {"query": register, "variables": {"d": document}})
        response = await post(second, BROWSER, {"documentId": f"sha256:{digest_of(document)}"})

    assert response.status_code == 200, response.text


def test_a_manifest_entry_whose_id_is_not_its_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({f"sha256:{'a' * 64}": "{ __typename }"}))

    with pytest.raises(ManifestError, match=r"bad\.json"):
        load_manifest(path)


def test_an_apollo_persisted_query_manifest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "persisted-query-manifest.json"
    operations = [{"id": digest_of(PRODUCT_PAGE), "name": "ProductPage", "body": PRODUCT_PAGE}]
    path.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "operations": operations})
    )

    assert load_manifest(path) == {digest_of(PRODUCT_PAGE): PRODUCT_PAGE}


# -- Apollo automatic persisted queries -------------------------------------------------


def apq(document: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest_of(document)}}


async def test_apq_asks_for_the_text_once_then_runs_from_the_hash(
    gateway: httpx.AsyncClient,
) -> None:
    hash_only = {"extensions": apq(AVAILABILITY_DOC)}

    unknown = await post(gateway, STOREFRONT, hash_only)
    taught = await post(gateway, STOREFRONT, {**hash_only, "query": AVAILABILITY_DOC})
    known = await post(gateway, STOREFRONT, hash_only)

    assert unknown.status_code == 400
    assert error_codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert body_of(unknown)["errors"][0]["message"] == "PersistedQueryNotFound"
    assert taught.status_code == 200, taught.text
    assert known.status_code == 200, known.text
    assert body_of(known)["data"] == {"availability": {"__typename": "Availability"}}


async def test_apq_with_a_hash_that_is_not_the_texts_is_400(gateway: httpx.AsyncClient) -> None:
    response = await post(
        gateway, STOREFRONT, {"query": AVAILABILITY_DOC, "extensions": apq("{ __typename }")}
    )

    assert response.status_code == 400
    assert error_codes(response) == ["PERSISTED_QUERY_HASH_MISMATCH"]


async def test_apq_cannot_teach_a_storefront_an_untrusted_document_in_production(
    gateway: httpx.AsyncClient,
) -> None:
    taught = await post(
        gateway, BROWSER, {"query": AVAILABILITY_DOC, "extensions": apq(AVAILABILITY_DOC)}
    )
    by_hash = await post(
        gateway, BROWSER, {"extensions": apq(PRODUCT_PAGE), "variables": {"skus": []}}
    )

    assert error_codes(taught) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert by_hash.status_code == 200, by_hash.text


async def test_apq_works_by_get_with_extensions_in_the_query_string(
    gateway: httpx.AsyncClient,
) -> None:
    await post(
        gateway, STOREFRONT, {"query": AVAILABILITY_DOC, "extensions": apq(AVAILABILITY_DOC)}
    )

    response = await gateway.get(
        "/graphql",
        params={"extensions": json.dumps(apq(AVAILABILITY_DOC))},
        headers=auth(STOREFRONT),
    )

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].startswith("public")


# -- cache headers ----------------------------------------------------------------------


async def test_a_product_page_query_by_get_and_id_is_cacheable_for_a_short_while(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        "/graphql",
        params={"documentId": PRODUCT_PAGE_ID, "variables": json.dumps({"skus": ["OAK-CHAIR"]})},
        headers=auth(BROWSER),
    )

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=30"
    assert set(response.headers["vary"].replace(" ", "").split(",")) == {
        "Accept",
        "Accept-Language",
        "Authorization",
    }


@pytest.mark.parametrize(
    ("method", "client", "params"),
    [
        pytest.param("POST", BROWSER, {"documentId": PRODUCT_PAGE_ID}, id="post-by-id"),
        pytest.param("GET", STOREFRONT, {"query": PRODUCT_PAGE}, id="get-with-text"),
        pytest.param("GET", BROWSER, {"documentId": CHECKOUT_ID}, id="get-delivery-options"),
    ],
)
async def test_other_answers_are_never_stored_by_a_cache(
    gateway: httpx.AsyncClient, method: str, client: str, params: dict[str, str]
) -> None:
    variables: dict[str, object] = {"skus": ["OAK-CHAIR"]}
    if params.get("documentId") == CHECKOUT_ID:
        variables = {
            "input": {
                "lines": [{"sku": "OAK-CHAIR", "quantity": 1}],
                "destination": {"postcode": {"postcode": "69003"}},
            }
        }
    if method == "GET":
        response = await gateway.get(
            "/graphql", params={**params, "variables": json.dumps(variables)}, headers=auth(client)
        )
    else:
        response = await post(gateway, client, {**params, "variables": variables})

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


async def test_an_error_answer_is_never_cacheable(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/graphql",
        params={"documentId": PRODUCT_PAGE_ID},  # $skus missing
        headers=auth(BROWSER),
    )

    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"


async def test_the_cache_lifetime_is_a_setting(manifest: Path) -> None:
    settings = production_settings(trusted_documents_file=manifest, cache_max_age_seconds=5)
    async with serving(settings) as (_, http):
        response = await http.get(
            "/graphql",
            params={"documentId": PRODUCT_PAGE_ID, "variables": json.dumps({"skus": []})},
            headers=auth(BROWSER),
        )

    assert response.headers["cache-control"] == "public, max-age=5"


def test_settings_default_to_production_mode() -> None:
    assert Settings().dev_mode is False
