"""Every per-process cache stays at its bound, whatever the number of distinct documents.

Each distinct document text (a comment is enough) used to leave its parse and plans in
identity memos beyond the document cache, about 100 KB a document. Here the documents'
memos live in the document cache, so once the cache is full a new document pushes the
oldest out, memo and all: the assertions count documents alive and cache entries, never RSS.
"""

from __future__ import annotations

import gc

import httpx
import pytest
from graphql import DocumentNode

from gateway.http import documents
from gateway.ops.settings import Settings
from tests.gateway.http_support import serving

BOUND = 40
SENT = 3 * BOUND
DOCUMENT = (
    'query Stock {{ availability(skus: ["OAK-CHAIR"]) '
    "{{ ... on Availability {{ items {{ sku total }} }} }} }} # {n}"
)


def documents_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, DocumentNode))


def gauge(metrics: str, name: str, cache: str) -> float:
    prefix = f'{name}{{cache="{cache}"}} '
    found = [line for line in metrics.splitlines() if line.startswith(prefix)]
    assert len(found) == 1, f"{prefix!r} not in /metrics"
    return float(found[0].removeprefix(prefix))


async def send_distinct_documents(http: httpx.AsyncClient, count: int) -> None:
    for n in range(count):
        response = await http.post("/graphql", json={"query": DOCUMENT.format(n=n)})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["availability"]["items"][0]["sku"] == "OAK-CHAIR"


async def test_distinct_documents_leave_the_caches_at_their_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(documents, "CHECKED_DOCUMENTS", BOUND)
    async with serving(Settings(dev_mode=True)) as (_, http):
        before = documents_alive()
        await send_distinct_documents(http, SENT)
        metrics = (await http.get("/metrics")).text
        alive = documents_alive() - before

    assert gauge(metrics, "gateway_cache_entries", "documents") == BOUND
    assert gauge(metrics, "gateway_cache_max_entries", "documents") == BOUND
    assert (
        0
        < gauge(metrics, "gateway_cache_bytes", "documents")
        <= gauge(metrics, "gateway_cache_max_bytes", "documents")
    )
    # The memos of the documents kept, none of those pushed out: a few entries a document.
    memo_entries = gauge(metrics, "gateway_cache_entries", "document_memos")
    assert BOUND <= memo_entries <= BOUND * 10
    # No document beyond the cache is kept alive by anything.
    assert alive <= BOUND
    # The dates kept across requests are reported with their bound too.
    assert gauge(metrics, "gateway_cache_max_entries", "held_timings") == 65_536


async def test_the_document_cache_holds_to_its_bytes_with_long_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    long_comment = "#" + "x" * 10_000 + "\n"
    # Documents 10 to 19 are all this long.
    per_document = documents.document_bytes(long_comment + DOCUMENT.format(n=10))
    monkeypatch.setattr(documents, "CHECKED_BYTES", 5 * per_document)
    async with serving(Settings(dev_mode=True)) as (_, http):
        for n in range(20):
            text = long_comment + DOCUMENT.format(n=n)
            response = await http.post("/graphql", json={"query": text})
            assert response.status_code == 200, response.text
        metrics = (await http.get("/metrics")).text

    assert gauge(metrics, "gateway_cache_entries", "documents") == 5
    assert gauge(metrics, "gateway_cache_bytes", "documents") <= 5 * per_document
