"""A real GraphQL client library, `gql` over HTTP (httpx), runs the storefront flow against
`promise-gateway serve` in production mode: availability -> options -> commit -> confirm.

The client holds a storefront key, so every document it sends must be trusted: the test writes
a manifest of exactly the documents gql sends (gql prints the parsed document, so the manifest
holds the printed text) and hands it to the server through `TRUSTED_DOCUMENTS_FILE`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import print_ast

from gateway.admission.trusted_documents import digest_of
from tests.gateway.conftest import KEY_OF
from tests.gateway.served import Server, clean_environment, serving_process

AVAILABILITY = """
query ProductPage($skus: [String!]!) {
  availability(skus: $skus, first: 3) {
    __typename
    ... on Availability { items { sku total } }
  }
}"""
OPTIONS = """
query Checkout($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    __typename
    ... on DeliveryOptions { options { kind promisedDate priceCents quoteToken } }
    ... on Problem { code field }
  }
}"""
COMMIT = """
mutation Commit($input: CommitAllocationInput!) {
  commitAllocation(input: $input) {
    __typename
    ... on Allocation { id status replayed }
    ... on Problem { code field }
  }
}"""
CONFIRM = """
mutation Confirm($input: ConfirmAllocationInput!) {
  confirmAllocation(input: $input) {
    __typename
    ... on Allocation { id status orderReference }
    ... on Problem { code field }
  }
}"""
DOCUMENTS = (AVAILABILITY, OPTIONS, COMMIT, CONFIRM)


def sent_text(document: str) -> str:
    """The text gql puts on the wire for a document."""
    return print_ast(GraphQLRequest(document).document)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    manifest = tmp_path / "trusted-documents.json"
    manifest.write_text(
        json.dumps({f"sha256:{digest_of(sent_text(d))}": sent_text(d) for d in DOCUMENTS})
    )
    environment = {**clean_environment(), "TRUSTED_DOCUMENTS_FILE": str(manifest)}
    with serving_process([], tmp_path / "gateway.log", env=environment) as started:
        yield started


def client_for(server: Server, key: str) -> Client:
    transport = HTTPXAsyncTransport(
        url=f"{server.base_url}/graphql", headers={"authorization": f"Bearer {key}"}, timeout=10
    )
    return Client(transport=transport, fetch_schema_from_transport=False)


async def run(session: Any, document: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = await session.execute(
        GraphQLRequest(document, variable_values=variables)
    )
    return result


async def test_a_storefront_on_gql_checks_stock_quotes_commits_and_confirms(
    server: Server,
) -> None:
    async with client_for(server, KEY_OF["browser-shop"]) as session:
        stock = await run(session, AVAILABILITY, skus=["LINEN-DUVET-220"])
        options = await run(
            session,
            OPTIONS,
            input={
                "lines": [{"sku": "LINEN-DUVET-220", "quantity": 1}],
                "destination": {"postcode": {"postcode": "69006"}},
                "orderTime": "2026-11-23T10:00:00+01:00",
            },
        )
        chosen = options["deliveryOptions"]["options"][0]
        held = await run(
            session,
            COMMIT,
            input={"quoteToken": chosen["quoteToken"], "idempotencyKey": "gql-cart-1"},
        )
        confirmed = await run(
            session,
            CONFIRM,
            input={"allocationId": held["commitAllocation"]["id"], "orderReference": "SO-GQL-1"},
        )

    [item] = stock["availability"]["items"]
    assert (item["sku"], item["total"] > 0) == ("LINEN-DUVET-220", True)
    assert options["deliveryOptions"]["__typename"] == "DeliveryOptions"
    assert (held["commitAllocation"]["status"], held["commitAllocation"]["replayed"]) == (
        "HELD",
        False,
    )
    assert confirmed["confirmAllocation"] == {
        "__typename": "Allocation",
        "id": held["commitAllocation"]["id"],
        "status": "CONFIRMED",
        "orderReference": "SO-GQL-1",
    }


async def test_a_storefront_on_gql_is_refused_a_document_nobody_registered(
    server: Server,
) -> None:
    async with client_for(server, KEY_OF["browser-shop"]) as session:
        with pytest.raises(TransportQueryError) as refused:
            await run(session, "query Sneaky { __typename }")

    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
