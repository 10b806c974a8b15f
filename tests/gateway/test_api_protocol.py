"""GraphQL over HTTP: media types, status codes, GET for queries only, production hygiene."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import cast

import httpx
import pytest

from gateway.admission.trusted_documents import digest_of
from gateway.app import create_app
from gateway.ops.logs import JsonFormatter
from gateway.ops.settings import Settings
from stock_cache.base import StockStore
from tests.gateway.conftest import STOREFRONT, demo_files, production_settings
from tests.gateway.http_support import (
    AVAILABILITY_DOC,
    Exploding,
    auth,
    body_of,
    error_codes,
    post,
    serving,
)
from tests.stock_cache.support import FakeClock

GRAPHQL_RESPONSE = "application/graphql-response+json"
RELEASE_DOC = 'mutation { releaseAllocation(input: {allocationId: "a"}) { __typename } }'


async def test_a_query_is_answered_as_graphql_response_json(http: httpx.AsyncClient) -> None:
    response = await post(http, STOREFRONT, {"query": AVAILABILITY_DOC})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert body_of(response)["data"]["availability"]["__typename"] == "Availability"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ availability(skus: [ }", "GRAPHQL_PARSE_FAILED"),
        ("{ availability { __typename } }", "GRAPHQL_VALIDATION_FAILED"),
    ],
    ids=["does not parse", "does not validate"],
)
async def test_a_document_that_does_not_parse_or_validate_is_400_without_data(
    http: httpx.AsyncClient, document: str, code: str
) -> None:
    response = await post(http, STOREFRONT, {"query": document})

    assert response.status_code == 400
    assert "data" not in body_of(response)
    assert error_codes(response) == [code]


async def test_variables_that_do_not_coerce_are_400_before_execution(
    http: httpx.AsyncClient,
) -> None:
    document = 'query($n: Int!) { availability(skus: ["OAK-CHAIR"], first: $n) { __typename } }'

    response = await post(http, STOREFRONT, {"query": document, "variables": {"n": "five"}})

    assert response.status_code == 400
    assert error_codes(response) == ["BAD_USER_INPUT"]


async def test_a_client_accepting_only_application_json_gets_200_for_a_validation_error(
    http: httpx.AsyncClient,
) -> None:
    response = await post(
        http,
        STOREFRONT,
        {"query": "{ availability { __typename } }"},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert error_codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize("accept", [None, "*/*"], ids=["no Accept", "*/*"])
async def test_a_client_naming_no_media_type_is_answered_as_application_json(
    http: httpx.AsyncClient, accept: str | None
) -> None:
    headers = {**auth(STOREFRONT), "content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    request = http.build_request(
        "POST", "/graphql", content=json.dumps({"query": "{ nope }"}), headers=headers
    )
    if accept is None:
        del request.headers["accept"]

    response = await http.send(request)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert error_codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_validation_error_keeps_its_locations(http: httpx.AsyncClient) -> None:
    document = '{ availability(skus: ["OAK-CHAIR"]) {\n  __typename nope } }'

    response = await post(http, STOREFRONT, {"query": document})

    assert response.status_code == 400
    [error] = body_of(response)["errors"]
    assert error["message"] == "Cannot query field 'nope' on type 'AvailabilityResult'."
    assert error["locations"] == [{"line": 2, "column": 14}]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            'query($s: ID) { availability(skus: ["OAK-CHAIR"], near: {storeId: $s}) '
            "{ __typename } }",
            "Variable 's' must be non-nullable to be used for OneOf Input Object "
            "'DestinationInput'.",
        ),
        (
            'query { availability(skus: ["OAK-CHAIR"], near: {storeId: null}) { __typename } }',
            "Field 'DestinationInput.storeId' must be non-null.",
        ),
        (
            'query { availability(skus: ["OAK-CHAIR"], near: {postcode: {postcode: "69003"}, '
            'storeId: "X"}) { __typename } }',
            "OneOf Input Object 'DestinationInput' must specify exactly one key.",
        ),
    ],
    ids=["nullable variable", "null", "two keys"],
)
async def test_a_one_of_destination_is_validated_as_the_schema_does(
    http: httpx.AsyncClient, document: str, message: str
) -> None:
    response = await post(http, STOREFRONT, {"query": document, "variables": {"s": "X"}})

    assert response.status_code == 400
    assert "data" not in body_of(response)
    assert [e["message"] for e in body_of(response)["errors"]] == [message]
    assert error_codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("operation_name", "message"),
    [
        ("Missing", "Unknown operation named 'Missing'."),
        (None, "Must provide operation name if query contains multiple operations."),
    ],
)
async def test_an_operation_name_naming_no_operation_is_refused_in_graphql_cores_words(
    http: httpx.AsyncClient, operation_name: str | None, message: str
) -> None:
    document = "query A { __typename } query B { __typename }"

    response = await post(http, STOREFRONT, {"query": document, "operationName": operation_name})

    assert response.status_code == 400
    assert [e["message"] for e in body_of(response)["errors"]] == [message]


async def test_a_client_accepting_neither_media_type_is_406(http: httpx.AsyncClient) -> None:
    response = await post(
        http, STOREFRONT, {"query": AVAILABILITY_DOC}, headers={"accept": "text/plain"}
    )

    assert response.status_code == 406
    assert error_codes(response) == ["NOT_ACCEPTABLE"]


async def test_a_body_that_is_not_json_is_415(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        content=AVAILABILITY_DOC,
        headers={**auth(STOREFRONT), "content-type": "application/graphql"},
    )

    assert response.status_code == 415
    assert error_codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


@pytest.mark.parametrize(
    "body",
    [b'{"query": ', b'{"query": "\xff{ __typename }"}', b'{"query": "{ __typename }", "v": NaN}'],
    ids=["cut short", "not utf-8", "NaN"],
)
async def test_a_json_body_that_does_not_parse_is_400(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post(
        "/graphql",
        content=body,
        headers={**auth(STOREFRONT), "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"] == "the body is not valid JSON"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_a_method_other_than_get_or_post_is_405(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", headers=auth(STOREFRONT))

    assert response.status_code == 405
    assert error_codes(response) == ["METHOD_NOT_ALLOWED"]
    assert response.headers["allow"] == "GET, POST"


async def test_a_query_may_be_sent_by_get(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={"query": AVAILABILITY_DOC, "variables": "{}"},
        headers=auth(STOREFRONT),
    )

    assert response.status_code == 200, response.text
    assert body_of(response)["data"]["availability"]["__typename"] == "Availability"


async def test_a_mutation_is_never_run_by_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": RELEASE_DOC}, headers=auth(STOREFRONT))

    assert response.status_code == 405
    assert error_codes(response) == ["METHOD_NOT_ALLOWED"]
    assert response.headers["allow"] == "POST"


async def test_in_production_a_misspelt_field_gets_no_suggestion(http: httpx.AsyncClient) -> None:
    response = await post(http, STOREFRONT, {"query": '{ availabilty(skus: ["OAK-CHAIR"]) }'})

    assert response.status_code == 400
    assert "Did you mean" not in response.text
    assert "availabilty" in response.text


async def test_in_dev_mode_a_misspelt_field_gets_a_suggestion() -> None:
    async with serving(Settings(dev_mode=True)) as (_, http):
        response = await post(http, None, {"query": '{ availabilty(skus: ["OAK-CHAIR"]) }'})

    assert "Did you mean" in response.text


async def test_a_storefront_key_may_not_introspect_in_production() -> None:
    introspection = "{ __schema { queryType { name } } }"
    async with serving(production_settings(dev_mode=False)) as (_, http):
        storefront = await post(http, "browser-shop", {"query": introspection})
        server = await post(http, STOREFRONT, {"query": introspection})

    # A storefront's untrusted text is refused before introspection is even considered.
    assert storefront.status_code == 400
    assert error_codes(storefront) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert server.status_code == 200


async def test_introspection_by_a_storefront_is_refused_even_as_a_trusted_document(
    tmp_path: Path,
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    manifest = tmp_path / "documents.json"
    manifest.write_text(json.dumps({f"sha256:{digest_of(introspection)}": introspection}))
    settings = production_settings(trusted_documents_file=manifest)
    async with serving(settings) as (_, http):
        response = await post(
            http, "browser-shop", {"documentId": f"sha256:{digest_of(introspection)}"}
        )

    assert response.status_code == 400
    assert set(error_codes(response)) == {"INTROSPECTION_DISABLED"}


async def test_a_document_a_server_key_introspected_stays_refused_to_a_storefront(
    tmp_path: Path,
) -> None:
    # Validated documents are remembered per process: the memory must not carry a server
    # key's acceptance over to a storefront key, for which introspection is barred.
    introspection = "{ __schema { queryType { name } } }"
    manifest = tmp_path / "documents.json"
    manifest.write_text(json.dumps({f"sha256:{digest_of(introspection)}": introspection}))
    settings = production_settings(trusted_documents_file=manifest)
    async with serving(settings) as (_, http):
        server = await post(http, STOREFRONT, {"query": introspection})
        again = await post(http, STOREFRONT, {"query": introspection})
        storefront = await post(
            http, "browser-shop", {"documentId": f"sha256:{digest_of(introspection)}"}
        )

    assert (server.status_code, again.status_code) == (200, 200)
    assert again.json() == server.json()
    assert storefront.status_code == 400
    assert set(error_codes(storefront)) == {"INTROSPECTION_DISABLED"}


async def test_graphiql_is_served_in_dev_mode_only() -> None:
    html = {"accept": "text/html"}
    async with serving(Settings(dev_mode=True)) as (_, http):
        dev = await http.get("/graphql", headers=html)
    async with serving(production_settings()) as (_, http):
        production = await http.get("/graphql", headers={**html, **auth(STOREFRONT)})

    assert dev.status_code == 200
    assert "graphiql" in dev.text.lower()
    assert production.status_code == 406


async def test_every_answer_carries_a_request_id(http: httpx.AsyncClient) -> None:
    given = await post(
        http, STOREFRONT, {"query": AVAILABILITY_DOC}, headers={"x-request-id": "cdn-abc-123"}
    )
    made = await post(http, None, {"query": AVAILABILITY_DOC})

    again = await post(http, None, {"query": AVAILABILITY_DOC})

    assert given.headers["x-request-id"] == "cdn-abc-123"
    assert re.fullmatch("[0-9a-f]{32}", made.headers["x-request-id"])
    assert again.headers["x-request-id"] != made.headers["x-request-id"]


async def test_an_unexpected_error_is_logged_and_answered_with_the_same_request_id(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        production_settings(), clock=clock, store=cast(StockStore, Exploding()), files=demo_files()
    )
    with caplog.at_level(logging.ERROR):
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http,
        ):
            response = await post(http, STOREFRONT, {"query": AVAILABILITY_DOC})

    [error] = body_of(response)["errors"]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "redis_store" not in response.text
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    [logged] = [line for line in lines if "redis_store.py" in line["message"]]
    assert logged["request_id"] == request_id
    assert "Traceback" in logged["exception"]
