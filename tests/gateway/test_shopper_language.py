"""Over HTTP: shopper texts in the shopper's language, prices in the channel's currency.

A duvet collected at LYON-PART-DIEU, ordered on Monday 23 November 2026 at 15:00 Paris time:
ready an hour later, at 16:00 the same day. The Swiss web shop (channels.toml `web-ch`) sells
in francs at 0.94 francs per euro and speaks Swiss German when the shopper names no language.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from babel.numbers import format_currency

from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.ops.settings import Secret
from tests.gateway.conftest import ROOMY_LIMITS, demo_files, monday_clock, production_settings

FRENCH_KEY, SWISS_KEY = "key-web-fr-language-01", "key-web-ch-language-02"
KEYS = [
    {
        "sha256": key_digest(key),
        "client": client,
        "channel": channel,
        "scopes": ["promise:read"],
        "kind": "server",
    }
    for key, client, channel in (
        (FRENCH_KEY, "shop-fr", "web-fr"),
        (SWISS_KEY, "shop-ch", "web-ch"),
    )
]
QUERY = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions {
    options { kind ready orderWithin priceCents currency
      price { amount currency minorUnits formatted } shipments { priceCents price { currency } } }
    unavailable { serviceCode reason { code text } } }
  ... on Problem { code field message text } } }"""
DUVET = [{"sku": "LINEN-DUVET-220", "quantity": 1}]
PART_DIEU = {"storeId": "LYON-PART-DIEU"}
BROTTEAUX = {"postcode": {"country": "FR", "postcode": "69006"}}
MONDAY_15 = "2026-11-23T15:00:00+01:00"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    settings = production_settings(api_keys=Secret(json.dumps(KEYS)), limits=ROOMY_LIMITS)
    app = create_app(settings, clock=monday_clock(), files=demo_files())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


async def answer(
    http: httpx.AsyncClient,
    *,
    languages: str | None = None,
    key: str = FRENCH_KEY,
    destination: dict[str, Any] = PART_DIEU,
    **given: Any,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"}
    if languages is not None:
        headers["accept-language"] = languages
    request = {"lines": DUVET, "destination": destination, "orderTime": MONDAY_15, **given}
    response = await http.post(
        "/graphql", json={"query": QUERY, "variables": {"input": request}}, headers=headers
    )
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload
    found: dict[str, Any] = payload["data"]["deliveryOptions"]
    return found


def collect(found: dict[str, Any]) -> dict[str, Any]:
    [option] = [o for o in found["options"] if o["kind"] == "CLICK_AND_COLLECT"]
    assert isinstance(option, dict)
    return option


async def test_a_french_shopper_reads_aujourd_hui_a_partir_de_16_00(
    http: httpx.AsyncClient,
) -> None:
    option = collect(await answer(http, languages="fr-FR,fr;q=0.9,en;q=0.8"))

    assert option["ready"] == "aujourd'hui à partir de 16:00"
    assert option["orderWithin"] == "4\u202fh"


async def test_a_german_shopper_reads_heute_ab_16_00(http: httpx.AsyncClient) -> None:
    option = collect(await answer(http, languages="de-DE"))

    assert option["ready"] == "heute ab 16:00"
    assert option["orderWithin"] == "4 Std."


async def test_the_header_is_ranked_by_its_q_values_not_its_order(
    http: httpx.AsyncClient,
) -> None:
    option = collect(await answer(http, languages="ja;q=1, en;q=0.2, de;q=0.7, fr;q=0"))

    assert option["ready"] == "heute ab 16:00"


async def test_the_locale_input_wins_over_the_header(http: httpx.AsyncClient) -> None:
    option = collect(await answer(http, languages="fr-FR", locale="de-AT"))

    assert option["ready"] == "heute ab 16:00"


async def test_a_language_not_spoken_falls_back_to_english(http: httpx.AsyncClient) -> None:
    found = await answer(http, languages="ja-JP", locale="pt-BR")

    # CLDR's English: a 12-hour clock with a narrow no-break space before PM.
    assert collect(found)["ready"] == "today from 4:00\u202fPM"
    assert collect(found)["orderWithin"] == "4 hr"


async def test_a_locale_that_is_no_language_tag_is_refused_naming_the_field(
    http: httpx.AsyncClient,
) -> None:
    found = await answer(http, languages="de", locale="fr FR!")

    assert (found["code"], found["field"]) == ("INVALID_INPUT", "input.locale")
    # The storefront's own mistake: nothing for a shopper to read.
    assert found["text"] is None


async def test_reasons_for_shoppers_are_in_their_language(http: httpx.AsyncClient) -> None:
    french = await answer(http, languages="fr", destination=BROTTEAUX)
    english = await answer(http, languages="en", destination=BROTTEAUX)

    # Same-day is past its cut-off at 15:00 (14:00 on the courier's table).
    def same_day(found: dict[str, Any]) -> dict[str, Any]:
        [missing] = [u for u in found["unavailable"] if u["serviceCode"] == "COURIER-SAME-DAY"]
        assert isinstance(missing, dict)
        return missing

    assert same_day(english)["reason"] == {
        "code": "CUTOFF_PASSED",
        "text": "same-day unavailable: cut-off 2:00\u202fPM passed",
    }
    assert same_day(french)["reason"]["text"] == (
        "livraison le jour même indisponible : heure limite de 14:00 dépassée"
    )


async def test_a_problem_is_read_in_the_shoppers_language(http: httpx.AsyncClient) -> None:
    unknown = {"postcode": {"country": "FR", "postcode": "99999"}}

    found = await answer(http, languages="fr-FR", destination=unknown)

    assert found["code"] == "UNKNOWN_POSTCODE"
    assert found["text"] == "Nous ne connaissons pas ce code postal."
    assert "99999" in found["message"]


async def test_the_swiss_shop_prices_in_francs_at_its_rate(http: httpx.AsyncClient) -> None:
    euros = await answer(http, destination=BROTTEAUX)
    francs = await answer(http, key=SWISS_KEY, destination=BROTTEAUX)

    def standard(found: dict[str, Any]) -> dict[str, Any]:
        [option] = [o for o in found["options"] if o["kind"] == "HOME_STANDARD"]
        assert isinstance(option, dict)
        return option

    eur, chf = standard(euros), standard(francs)
    assert (eur["priceCents"], eur["currency"]) == (610, "EUR")
    # 6.10 euros at 0.94 francs per euro: 5.734, rounded to the Rappen.
    assert (chf["priceCents"], chf["currency"]) == (573, "CHF")
    assert chf["price"]["amount"] == "5.73"
    assert [s["price"]["currency"] for s in chf["shipments"]] == ["CHF"]
    assert sum(s["priceCents"] for s in chf["shipments"]) == 573
    # No language asked: the channel's own, Swiss German.
    assert chf["price"]["formatted"] == "CHF\xa05.73"
    assert eur["price"]["formatted"] == "€6.10"


@pytest.mark.parametrize("languages", ["de-CH", "fr-CH", "en", "it-CH"])
async def test_francs_are_written_as_the_shoppers_locale_writes_them(
    http: httpx.AsyncClient, languages: str
) -> None:
    found = await answer(http, key=SWISS_KEY, destination=BROTTEAUX, languages=languages)

    [option] = [o for o in found["options"] if o["kind"] == "HOME_STANDARD"]
    # Italian is not spoken: the channel's de_CH, which CLDR writes "CHF 5.73".
    locale = {"de-CH": "de_CH", "fr-CH": "fr_CH", "en": "en", "it-CH": "de_CH"}[languages]
    assert option["price"]["formatted"] == format_currency(Decimal("5.73"), "CHF", locale=locale)


async def test_the_answer_varies_by_accept_language(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"authorization": f"Bearer {FRENCH_KEY}"})

    assert "Accept-Language" in response.headers["vary"]
