"""Quote tokens: signed, expiring, bound to one client, verifiable across a key rotation."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.regions import postcode_region
from promise.cart import CartLine, Destination
from promise.errors import ProblemCode, QuoteExpired, QuoteInvalid, QuoteNotCommittable
from promise.quotes import (
    TOKEN_FIELD,
    Quote,
    QuotedShipment,
    QuoteOrderByPassed,
    SigningKeys,
    check_committable,
    fingerprint,
    option_payload,
    quote_of,
)
from tests.promise.builders import (
    BRASS_LAMP,
    COLLECT,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    OAK_TABLE,
    PART_DIEU,
    STANDARD,
    TRANSFER,
    TUESDAY_MORNING,
    a_network,
    by_service,
    cart,
    promise_collect,
    promise_home,
)

CLIENT = "maison-web"
OTHER_CLIENT = "marketplace-connector"
MARCH_KEY = b"march-secret-0123456789abcdef-0123456789"
FEBRUARY_KEY = b"february-secret-0123456789abcdef-012345"
KEYS = SigningKeys("2025-03", {"2025-03": MARCH_KEY})

QUOTED_AT = TUESDAY_MORNING.timestamp()
EXPIRES_AT = int(QUOTED_AT) + 900
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def a_quote(*, client_id: str = CLIENT, lamps: int = 1, expires_at: int = EXPIRES_AT) -> Quote:
    """Standard delivery of an oak table and `lamps` brass lamps from the Lyon DC."""
    return Quote(
        client_id=client_id,
        network_version="lyon-paris-test-1",
        service_code=STANDARD,
        kind="HOME_STANDARD",
        collect_store_id=None,
        shipments=(
            QuotedShipment(
                node_id=DC_SQF,
                service_code=STANDARD,
                lines=(CartLine(OAK_TABLE, 1), CartLine(BRASS_LAMP, lamps)),
                likely=date(2025, 3, 12),
                promised=date(2025, 3, 14),
            ),
        ),
        price_cents=2_170,
        co2e_grams=236.3,
        expires_at=expires_at,
    )


def signed_by_hand(envelope: object, secret: bytes) -> str:
    """A token in the documented format, whatever its envelope holds."""
    head = base64.urlsafe_b64encode(json.dumps(envelope).encode()).rstrip(b"=").decode()
    mac = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def assert_invalid(token: str, *, keys: SigningKeys = KEYS, client_id: str = CLIENT) -> None:
    with pytest.raises(QuoteInvalid) as raised:
        keys.verify(token, client_id=client_id, now=QUOTED_AT)
    assert raised.value.field == TOKEN_FIELD
    assert raised.value.code is ProblemCode.QUOTE_INVALID


# Round trips.


def test_a_signed_quote_verifies_to_the_same_quote() -> None:
    quote = a_quote()

    assert KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT) == quote


def test_a_quote_of_a_split_home_option_round_trips() -> None:
    options = promise_home(
        a_network(),
        cart((OAK_TABLE, 1), (LINEN_CUSHION, 2)),
        HOME_LYON_BROTTEAUX,
        {OAK_TABLE: {DC_SQF: 1}, LINEN_CUSHION: {"DC-BONNEUIL": 5}},
    )
    option = by_service(options)[STANDARD]
    quote = quote_of(
        option, client_id=CLIENT, network_version="lyon-paris-test-1", expires_at=EXPIRES_AT
    )

    verified = KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT)

    assert verified == quote
    # Shipments come nearest node first.
    assert [(s.node_id, s.lines) for s in verified.shipments] == [
        (DC_SQF, cart((OAK_TABLE, 1))),
        ("DC-BONNEUIL", cart((LINEN_CUSHION, 2))),
    ]
    assert verified.price_cents == option.price_cents
    assert verified.co2e_grams == option.co2e_grams
    assert max(s.promised for s in verified.shipments) == option.promised


def test_an_option_signed_without_its_quote_is_the_token_of_its_quote() -> None:
    options = promise_home(
        a_network(),
        cart((OAK_TABLE, 1), (LINEN_CUSHION, 2)),
        HOME_LYON_BROTTEAUX,
        {OAK_TABLE: {DC_SQF: 1}, LINEN_CUSHION: {"DC-BONNEUIL": 5}},
    )
    option = by_service(options)[STANDARD]
    destination = Destination(HOME_LYON_BROTTEAUX, None, postcode_region("FR", "69006"))
    terms = {
        "client_id": CLIENT,
        "network_version": "lyon-paris-test-1",
        "expires_at": EXPIRES_AT,
        "destination": destination,
        "confidence": 0.9,
        "quote_id": "q-7",
        "what_if": True,
    }
    quote = quote_of(option, **terms)  # type: ignore[arg-type]

    payload = option_payload(option, **terms)  # type: ignore[arg-type]
    token = KEYS.sign_payload(payload)

    assert payload == quote.to_json()
    assert token == KEYS.sign(quote)
    # The documented format, signed by hand: the HMAC of the first part under the key.
    head, _, mac = token.partition(".")
    by_hand = hmac.new(MARCH_KEY, head.encode(), hashlib.sha256).digest()
    assert mac == base64.urlsafe_b64encode(by_hand).rstrip(b"=").decode()
    assert KEYS.verify(token, client_id=CLIENT, now=QUOTED_AT) == quote
    assert len(quote.shipments) == 2


def test_a_quote_of_a_click_and_collect_by_transfer_names_the_store_and_the_dc() -> None:
    (option,) = promise_collect(
        a_network(), cart((BRASS_LAMP, 1)), PART_DIEU, {BRASS_LAMP: {DC_SQF: 2}}
    )
    quote = quote_of(option, client_id=CLIENT, network_version="v", expires_at=EXPIRES_AT)

    verified = KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT)

    assert verified == quote
    assert (verified.kind, verified.service_code, verified.collect_store_id) == (
        "CLICK_AND_COLLECT",
        COLLECT,
        PART_DIEU,
    )
    assert [(s.node_id, s.service_code) for s in verified.shipments] == [(DC_SQF, TRANSFER)]


# Tampering.


def test_a_token_altered_in_any_single_character_is_invalid() -> None:
    token = KEYS.sign(a_quote())

    for position, character in enumerate(token):
        # Flip the lowest of the six bits: the one a lenient decoder may drop at the end.
        altered = "A" if character == "." else BASE64URL[BASE64URL.index(character) ^ 1]
        assert_invalid(token[:position] + altered + token[position + 1 :])


def test_a_signature_differing_only_in_its_unused_trailing_bits_is_invalid() -> None:
    # 32 MAC bytes take 43 base64 characters: the last one carries 2 bits no byte uses.
    token = KEYS.sign(a_quote())
    head, signature = token.split(".")
    last = BASE64URL.index(signature[-1])

    for spare_bits in range(1, 4):
        assert_invalid(f"{head}.{signature[:-1]}{BASE64URL[last ^ spare_bits]}")


@pytest.mark.parametrize("suffix", ["=", "==", "\n", " ", ".", "A"])
def test_a_token_with_anything_appended_is_invalid(suffix: str) -> None:
    assert_invalid(KEYS.sign(a_quote()) + suffix)


def test_a_payload_swapped_under_a_valid_signature_is_invalid() -> None:
    cheap_head, _ = KEYS.sign(a_quote(lamps=5)).split(".")
    _, signature = KEYS.sign(a_quote(lamps=1)).split(".")

    assert_invalid(f"{cheap_head}.{signature}")


def test_a_token_signed_by_an_unknown_key_is_invalid() -> None:
    rogue = SigningKeys("rogue", {"rogue": b"guessed"})

    with pytest.raises(QuoteInvalid, match="unknown key"):
        KEYS.verify(rogue.sign(a_quote()), client_id=CLIENT, now=QUOTED_AT)


def test_a_token_signed_under_our_key_id_with_another_secret_is_invalid() -> None:
    impostor = SigningKeys("2025-03", {"2025-03": b"not-the-march-secret"})

    with pytest.raises(QuoteInvalid, match="signature"):
        KEYS.verify(impostor.sign(a_quote()), client_id=CLIENT, now=QUOTED_AT)


def test_a_token_quoted_to_another_client_is_invalid() -> None:
    token = KEYS.sign(a_quote(client_id=OTHER_CLIENT))

    assert_invalid(token, client_id=CLIENT)
    assert KEYS.verify(token, client_id=OTHER_CLIENT, now=QUOTED_AT).client_id == OTHER_CLIENT


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        ".",
        "abc.",
        ".abc",
        "!!!!.????",
        "eyJ2IjoxfQ.%%%",
        "été.über",
        "\x00.\x00",
    ],
)
def test_garbage_is_an_invalid_token_naming_the_field(garbage: str) -> None:
    assert_invalid(garbage)


@pytest.mark.parametrize(
    "envelope",
    [
        {"v": 2, "kid": "2025-03", "q": "{}"},
        {"v": 1, "kid": "2025-03", "q": "not json"},
        {"v": 1, "kid": "2025-03", "q": '{"cid": "maison-web"}'},
        {"v": 1, "kid": "2025-03"},
        {"v": 1, "kid": ["2025-03"], "q": "{}"},
        ["2025-03"],
        "2025-03",
    ],
    ids=[
        "future-version",
        "quote-not-json",
        "quote-incomplete",
        "no-quote",
        "kid-not-a-string",
        "envelope-a-list",
        "envelope-a-string",
    ],
)
def test_a_well_signed_envelope_that_holds_no_quote_is_invalid(envelope: object) -> None:
    assert_invalid(signed_by_hand(envelope, MARCH_KEY))


# Expiry and rotation.


def test_a_token_is_accepted_until_the_second_before_it_expires() -> None:
    token = KEYS.sign(a_quote())

    assert KEYS.verify(token, client_id=CLIENT, now=EXPIRES_AT - 0.001) == a_quote()


@pytest.mark.parametrize("late_by", [0, 0.5, 3600])
def test_a_token_verified_at_or_after_its_expiry_is_expired(late_by: float) -> None:
    token = KEYS.sign(a_quote())

    with pytest.raises(QuoteExpired) as raised:
        KEYS.verify(token, client_id=CLIENT, now=EXPIRES_AT + late_by)

    assert raised.value.field == TOKEN_FIELD
    assert raised.value.code is ProblemCode.QUOTE_EXPIRED


def test_a_token_signed_before_a_rotation_is_accepted_while_the_old_key_is_kept() -> None:
    february = SigningKeys("2025-02", {"2025-02": FEBRUARY_KEY})
    rotated = SigningKeys("2025-03", {"2025-02": FEBRUARY_KEY, "2025-03": MARCH_KEY})
    old_token = february.sign(a_quote())

    assert rotated.verify(old_token, client_id=CLIENT, now=QUOTED_AT) == a_quote()


def test_after_a_rotation_new_tokens_use_the_new_key() -> None:
    february = SigningKeys("2025-02", {"2025-02": FEBRUARY_KEY})
    rotated = SigningKeys("2025-03", {"2025-02": FEBRUARY_KEY, "2025-03": MARCH_KEY})

    new_token = rotated.sign(a_quote())

    assert KEYS.verify(new_token, client_id=CLIENT, now=QUOTED_AT) == a_quote()
    with pytest.raises(QuoteInvalid, match="unknown key"):
        february.verify(new_token, client_id=CLIENT, now=QUOTED_AT)


def test_a_token_of_a_retired_key_is_invalid() -> None:
    february = SigningKeys("2025-02", {"2025-02": FEBRUARY_KEY})

    assert_invalid(february.sign(a_quote()), keys=KEYS)


def test_a_retired_key_is_accepted_until_the_end_of_its_grace_period() -> None:
    february = SigningKeys("2025-02", {"2025-02": FEBRUARY_KEY})
    grace_ends = QUOTED_AT + 600
    rotated = SigningKeys(
        "2025-03",
        {"2025-02": FEBRUARY_KEY, "2025-03": MARCH_KEY},
        retire_by={"2025-02": grace_ends},
    )
    old_token = february.sign(a_quote())

    assert rotated.verify(old_token, client_id=CLIENT, now=grace_ends - 1) == a_quote()
    with pytest.raises(QuoteInvalid, match="retired") as raised:
        rotated.verify(old_token, client_id=CLIENT, now=grace_ends)
    assert raised.value.field == TOKEN_FIELD
    # The current key is never retired by the grace period of another.
    assert rotated.verify(rotated.sign(a_quote()), client_id=CLIENT, now=grace_ends) == a_quote()


def test_the_signing_key_can_not_be_retired() -> None:
    with pytest.raises(ValueError, match="can't be retired"):
        SigningKeys("2025-03", {"2025-03": MARCH_KEY}, retire_by={"2025-03": QUOTED_AT})


# What a quote binds besides the plan: the destination and cart fresh options need.


def test_a_quote_carries_its_destination_and_confidence_through_the_token() -> None:
    destination = Destination(HOME_LYON_BROTTEAUX, None, postcode_region("FR", "69006"))
    quote = dataclasses.replace(a_quote(), destination=destination, confidence=0.9)

    verified = KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT)

    assert verified.destination == destination
    assert verified.confidence == 0.9
    assert verified == quote


def test_a_quotes_cart_sums_a_sku_split_over_several_nodes() -> None:
    split = dataclasses.replace(
        a_quote(),
        shipments=(
            QuotedShipment(
                DC_SQF, STANDARD, (CartLine(OAK_TABLE, 1),), date(2025, 3, 12), date(2025, 3, 14)
            ),
            QuotedShipment(
                "DC-BONNEUIL",
                STANDARD,
                (CartLine(OAK_TABLE, 2), CartLine(BRASS_LAMP, 1)),
                date(2025, 3, 13),
                date(2025, 3, 15),
            ),
        ),
    )

    assert split.cart == (CartLine(OAK_TABLE, 3), CartLine(BRASS_LAMP, 1))


# Fingerprints.


def test_equal_quotes_have_equal_fingerprints() -> None:
    assert fingerprint(a_quote()) == fingerprint(a_quote())
    assert len(fingerprint(a_quote())) == 64


def test_a_different_quantity_gives_a_different_fingerprint() -> None:
    assert fingerprint(a_quote(lamps=1)) != fingerprint(a_quote(lamps=2))


def test_a_verified_quote_has_the_fingerprint_of_the_one_signed() -> None:
    quote = a_quote()

    verified = KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT)

    assert fingerprint(verified) == fingerprint(quote)


# Property.

VALID_TOKEN = KEYS.sign(a_quote())


# The last character of each base64url part carries bits no byte uses: the weak spots.
PART_ENDS = [VALID_TOKEN.index(".") - 1, VALID_TOKEN.index("."), len(VALID_TOKEN) - 1]


def flipped(character: str) -> st.SearchStrategy[str]:
    """Any other character; for a base64url one, also the same 6 bits with some flipped."""
    others = [st.sampled_from(BASE64URL + ".="), st.characters()]
    if character in BASE64URL:
        value = BASE64URL.index(character)
        masks = st.one_of(st.integers(1, 3), st.integers(1, 63))
        others.append(masks.map(lambda mask: BASE64URL[value ^ mask]))
    return st.one_of(others).filter(lambda c: c != character)


@given(data=st.data())
def test_flipping_any_single_character_of_a_valid_token_never_verifies(data: st.DataObject) -> None:
    position = data.draw(
        st.one_of(st.integers(0, len(VALID_TOKEN) - 1), st.sampled_from(PART_ENDS))
    )
    replacement = data.draw(flipped(VALID_TOKEN[position]))
    altered = VALID_TOKEN[:position] + replacement + VALID_TOKEN[position + 1 :]

    with pytest.raises(QuoteInvalid):
        KEYS.verify(altered, client_id=CLIENT, now=QUOTED_AT)


def test_a_token_carries_its_id_order_by_and_what_if_through_signing() -> None:
    quote = dataclasses.replace(
        a_quote(), quote_id="q-7f3a", order_by=int(QUOTED_AT) + 3_600, what_if=True
    )

    back = KEYS.verify(KEYS.sign(quote), client_id=CLIENT, now=QUOTED_AT)

    assert (back.quote_id, back.order_by, back.what_if) == ("q-7f3a", int(QUOTED_AT) + 3_600, True)


def test_a_quote_commits_until_its_order_by_and_not_from_it() -> None:
    quote = dataclasses.replace(a_quote(), order_by=int(QUOTED_AT) + 60)

    check_committable(quote, now=QUOTED_AT + 59.9)
    with pytest.raises(QuoteOrderByPassed) as raised:
        check_committable(quote, now=QUOTED_AT + 60)

    assert raised.value.field == TOKEN_FIELD
    assert raised.value.quote is quote


def test_a_what_if_quote_never_commits() -> None:
    with pytest.raises(QuoteNotCommittable) as raised:
        check_committable(dataclasses.replace(a_quote(), what_if=True), now=QUOTED_AT)

    assert raised.value.code is ProblemCode.QUOTE_NOT_COMMITTABLE
