"""A small typed GraphQL client for the API tests, and the documents of every operation.

The same client talks to the app in process (httpx's ASGI transport) and to a real server
over HTTP: it only needs an `httpx.AsyncClient` whose base URL is the gateway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

JSON = dict[str, Any]

PROBLEM_FIELDS = """
fragment ProblemFields on Problem { __typename code message field }
"""

NODE_FIELDS = """
fragment NodeFields on Node { id name type city latitude longitude }
"""

ALLOCATION_FIELDS = (
    """
fragment AllocationFields on Allocation {
  __typename id status createdAt expiresAt orderReference serviceCode priceCents co2eGrams
  replayed
  shipments {
    node { ...NodeFields } serviceCode lines { sku quantity } likelyDate promisedDate
  }
}
"""
    + NODE_FIELDS
)

AVAILABILITY = (
    """
query Availability($skus: [String!]!, $near: DestinationInput, $first: Int! = 5) {
  availability(skus: $skus, near: $near, first: $first) {
    __typename
    ... on Availability {
      items { sku name total nodes { node { ...NodeFields } atp distanceKm } }
    }
    ...ProblemFields
  }
}
"""
    + NODE_FIELDS
    + PROBLEM_FIELDS
)

DELIVERY_OPTIONS = (
    """
query DeliveryOptions($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    __typename
    ... on DeliveryOptions {
      options {
        kind serviceCode serviceName carrier earliestDate likelyDate promisedDate orderBy
        committable priceCents currency co2eGrams labels collectStore { ...NodeFields }
        shipments {
          node { ...NodeFields } serviceCode lines { sku quantity } distanceKm weightGrams
          likelyDate promisedDate orderBy window { start end } priceCents co2eGrams
        }
        quoteToken quoteExpiresAt
      }
    }
    ...ProblemFields
    ... on UnknownSku { sku }
  }
}
"""
    + NODE_FIELDS
    + PROBLEM_FIELDS
)

COMMIT = (
    """
mutation Commit($input: CommitAllocationInput!) {
  commitAllocation(input: $input) {
    __typename
    ...AllocationFields
    ...ProblemFields
    ... on StockChanged { shortLines { nodeId sku requested available } }
    ... on QuoteOrderByPassed { orderBy options { kind promisedDate orderBy quoteToken } }
    ... on QuoteAlreadyCommitted { allocationId }
  }
}
"""
    + ALLOCATION_FIELDS
    + PROBLEM_FIELDS
)

CONFIRM = (
    """
mutation Confirm($input: ConfirmAllocationInput!) {
  confirmAllocation(input: $input) {
    __typename ...AllocationFields ...ProblemFields
    ... on AllocationStateConflict { status }
  }
}
"""
    + ALLOCATION_FIELDS
    + PROBLEM_FIELDS
)

RELEASE = (
    """
mutation Release($input: ReleaseAllocationInput!) {
  releaseAllocation(input: $input) {
    __typename ...AllocationFields ...ProblemFields
    ... on AllocationStateConflict { status }
  }
}
"""
    + ALLOCATION_FIELDS
    + PROBLEM_FIELDS
)

FULFIL = (
    """
mutation Fulfil($input: FulfilAllocationInput!) {
  fulfilAllocation(input: $input) {
    __typename ...AllocationFields ...ProblemFields
    ... on AllocationStateConflict { status }
  }
}
"""
    + ALLOCATION_FIELDS
    + PROBLEM_FIELDS
)

ALLOCATION = (
    """
query Allocation($id: ID!) {
  allocation(id: $id) { __typename ...AllocationFields ...ProblemFields }
}
"""
    + ALLOCATION_FIELDS
    + PROBLEM_FIELDS
)


@dataclass(frozen=True, slots=True)
class GraphQLResponse:
    """One HTTP answer of the GraphQL endpoint: its status, raw body, `data` and `errors`."""

    status_code: int
    body: str
    data: JSON | None
    errors: list[JSON]

    def result(self, field: str) -> JSON:
        """The object the root `field` returned; fails the test when the request had errors."""
        assert self.status_code == 200, f"HTTP {self.status_code}: {self.body}"
        assert not self.errors, f"unexpected GraphQL errors: {self.errors}"
        assert self.data is not None, self.body
        value = self.data[field]
        assert isinstance(value, dict), f"{field} is {value!r}"
        return value


def line(sku: str, quantity: int) -> JSON:
    return {"sku": sku, "quantity": quantity}


class GraphQLClient:
    """Posts documents to `/graphql` as one client, named by its API key."""

    def __init__(self, http: httpx.AsyncClient, *, api_key: str) -> None:
        self.http = http
        self.api_key = api_key

    async def execute(
        self, document: str, variables: Mapping[str, object] | None = None
    ) -> GraphQLResponse:
        response = await self.http.post(
            "/graphql",
            json={"query": document, "variables": dict(variables or {})},
            headers={"authorization": f"Bearer {self.api_key}"},
        )
        payload = json.loads(response.text)
        assert isinstance(payload, dict), response.text
        data = payload.get("data")
        errors = payload.get("errors") or []
        return GraphQLResponse(response.status_code, response.text, data, list(errors))

    async def availability(
        self, skus: Sequence[str], *, near: JSON | None = None, first: int = 5
    ) -> JSON:
        response = await self.execute(
            AVAILABILITY, {"skus": list(skus), "near": near, "first": first}
        )
        return response.result("availability")

    async def delivery_options(
        self,
        lines: Sequence[JSON],
        destination: JSON,
        *,
        order_time: str | None = None,
    ) -> JSON:
        variables = {
            "input": {"lines": list(lines), "destination": destination, "orderTime": order_time}
        }
        return (await self.execute(DELIVERY_OPTIONS, variables)).result("deliveryOptions")

    async def commit(self, quote_token: str, idempotency_key: str) -> JSON:
        variables = {"input": {"quoteToken": quote_token, "idempotencyKey": idempotency_key}}
        return (await self.execute(COMMIT, variables)).result("commitAllocation")

    async def confirm(self, allocation_id: str, order_reference: str) -> JSON:
        variables = {"input": {"allocationId": allocation_id, "orderReference": order_reference}}
        return (await self.execute(CONFIRM, variables)).result("confirmAllocation")

    async def release(self, allocation_id: str) -> JSON:
        variables = {"input": {"allocationId": allocation_id}}
        return (await self.execute(RELEASE, variables)).result("releaseAllocation")

    async def fulfil(self, allocation_id: str) -> JSON:
        variables = {"input": {"allocationId": allocation_id}}
        return (await self.execute(FULFIL, variables)).result("fulfilAllocation")

    async def allocation(self, allocation_id: str) -> JSON:
        return (await self.execute(ALLOCATION, {"id": allocation_id})).result("allocation")

    async def total_atp(self, skus: Sequence[str]) -> dict[str, int]:
        """ATP over the whole network, per SKU."""
        found = await self.availability(skus)
        assert found["__typename"] == "Availability", found
        return {item["sku"]: item["total"] for item in found["items"]}

    async def atp_at(self, node: JSON, skus: Sequence[str]) -> dict[str, int]:
        """ATP per SKU at one node (0 where the node is not listed: it holds none)."""
        near = {"coordinates": {"latitude": node["latitude"], "longitude": node["longitude"]}}
        found = await self.availability(skus, near=near, first=50)
        assert found["__typename"] == "Availability", found
        return {
            item["sku"]: next(
                (level["atp"] for level in item["nodes"] if level["node"]["id"] == node["id"]), 0
            )
            for item in found["items"]
        }
