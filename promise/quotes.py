"""Quote tokens: a signed, expiring statement of exactly what a commit will reserve.

A token is `base64url(payload JSON) "." base64url(HMAC-SHA256(key, first part))`. The payload
names the signing key (`kid`), the client it was quoted to, the network version, the service,
every shipment's node and lines, the dates and the price, its expiry, and the destination
and confidence it was quoted for (so that a commit the stock no longer allows can answer
with fresh options for the same cart). Verification takes a map of keys, so a key can be
rotated while the previous one is still accepted; a retired key is accepted only until its
retire-by instant (the grace period), and never signs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import orjson

from carriers.regions import Region
from promise.cart import CartLine, Destination
from promise.errors import (
    ProblemCode,
    PromiseError,
    QuoteExpired,
    QuoteInvalid,
    QuoteNotCommittable,
)
from promise.geo import GeoPoint
from promise.promise_builder import Option

TOKEN_FIELD = "input.quoteToken"
_VERSION = 2


@dataclass(frozen=True, slots=True)
class QuotedShipment:
    node_id: str
    service_code: str
    lines: tuple[CartLine, ...]
    likely: date
    promised: date


@dataclass(frozen=True, slots=True)
class Quote:
    client_id: str
    network_version: str
    service_code: str
    kind: str
    collect_store_id: str | None
    shipments: tuple[QuotedShipment, ...]
    price_cents: int
    co2e_grams: float
    expires_at: int
    # Where and how sure: what fresh options need when the plan no longer holds at commit.
    destination: Destination | None = None
    confidence: float = 0.95
    # The token's own id: one token commits once (the store records it with the allocation).
    quote_id: str = ""
    # The earliest order-by of its shipments (Unix seconds): a commit after it is refused.
    order_by: int | None = None
    # Made for an order time other than now (a what-if): shown, never committed.
    what_if: bool = False

    @property
    def cart(self) -> tuple[CartLine, ...]:
        """The cart the quote covers: its shipments' lines, a SKU split over nodes summed."""
        totals: dict[str, int] = {}
        for shipment in self.shipments:
            for line in shipment.lines:
                totals[line.sku] = totals.get(line.sku, 0) + line.quantity
        return tuple(CartLine(sku, quantity) for sku, quantity in totals.items())

    def to_json(self) -> str:
        return _payload(
            self.client_id,
            self.network_version,
            self.service_code,
            self.kind,
            self.collect_store_id,
            [
                _shipment_json(s.node_id, s.service_code, s.lines, s.likely, s.promised)
                for s in self.shipments
            ],
            self.price_cents,
            self.co2e_grams,
            self.expires_at,
            self.quote_id,
            self.order_by,
            self.what_if,
            self.destination,
            self.confidence,
        )

    @staticmethod
    def from_json(text: str) -> Quote:
        """Parse a payload; KeyError, TypeError or ValueError when it is not one."""
        body = orjson.loads(text)
        return Quote(
            client_id=str(body["cid"]),
            network_version=str(body["net"]),
            service_code=str(body["svc"]),
            kind=str(body["kind"]),
            collect_store_id=None if body["store"] is None else str(body["store"]),
            shipments=tuple(
                QuotedShipment(
                    node_id=str(s["n"]),
                    service_code=str(s["s"]),
                    lines=tuple(CartLine(str(sku), int(qty)) for sku, qty in s["l"]),
                    likely=date.fromisoformat(s["lk"]),
                    promised=date.fromisoformat(s["pr"]),
                )
                for s in body["sh"]
            ),
            price_cents=int(body["price"]),
            co2e_grams=float(body["co2"]),
            expires_at=int(body["exp"]),
            destination=_destination_of(body["dst"]) if "dst" in body else None,
            confidence=float(body.get("conf", 0.95)),
            quote_id=str(body["id"]),
            order_by=None if body["ob"] is None else int(body["ob"]),
            what_if=_flag(body["wif"]),
        )


def _shipment_json(
    node_id: str, service_code: str, lines: tuple[CartLine, ...], likely: date, promised: date
) -> dict[str, object]:
    return {
        "n": node_id,
        "s": service_code,
        "l": [[line.sku, line.quantity] for line in lines],
        "lk": likely.isoformat(),
        "pr": promised.isoformat(),
    }


def _payload(
    client_id: str,
    network_version: str,
    service_code: str,
    kind: str,
    collect_store_id: str | None,
    shipments: list[dict[str, object]],
    price_cents: int,
    co2e_grams: float,
    expires_at: int,
    quote_id: str,
    order_by: int | None,
    what_if: bool,
    destination: Destination | None,
    confidence: float,
) -> str:
    """A quote's JSON payload: the one spelling of the token's format."""
    body: dict[str, object] = {
        "cid": client_id,
        "net": network_version,
        "svc": service_code,
        "kind": kind,
        "store": collect_store_id,
        "sh": shipments,
        "price": price_cents,
        "co2": co2e_grams,
        "exp": expires_at,
        "id": quote_id,
        "ob": order_by,
        "wif": what_if,
    }
    if destination is not None:
        body["dst"] = _destination_json(destination)
        body["conf"] = confidence
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("a flag of the quote is not a boolean")
    return value


def _destination_json(destination: Destination) -> dict[str, object]:
    region = destination.region
    return {
        "lat": destination.point.latitude,
        "lon": destination.point.longitude,
        "store": destination.store_id,
        "reg": None if region is None else [region.country, region.subdivision, region.timezone],
    }


def _destination_of(body: Mapping[str, object]) -> Destination:
    reg = body["reg"]
    region = None
    if isinstance(reg, list):
        country, subdivision, zone = reg
        region = Region(str(country), None if subdivision is None else str(subdivision), str(zone))
    store = body["store"]
    latitude, longitude = body["lat"], body["lon"]
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        raise ValueError("the destination's coordinates are not numbers")
    return Destination(
        GeoPoint(float(latitude), float(longitude)),
        None if store is None else str(store),
        region,
    )


def quote_of(
    option: Option,
    *,
    client_id: str,
    network_version: str,
    expires_at: int,
    destination: Destination | None = None,
    confidence: float = 0.95,
    quote_id: str = "",
    what_if: bool = False,
) -> Quote:
    return Quote(
        client_id=client_id,
        network_version=network_version,
        service_code=option.service.code,
        kind=option.kind.value,
        collect_store_id=option.collect_store_id,
        shipments=tuple(
            QuotedShipment(s.node_id, s.service_code, s.lines, s.timing.likely, s.timing.promised)
            for s in option.shipments
        ),
        price_cents=option.price_cents,
        co2e_grams=option.co2e_grams,
        expires_at=expires_at,
        destination=destination,
        confidence=confidence,
        quote_id=quote_id,
        order_by=int(option.order_by.timestamp()),
        what_if=what_if,
    )


def option_payload(
    option: Option,
    *,
    client_id: str,
    network_version: str,
    expires_at: int,
    destination: Destination | None = None,
    confidence: float = 0.95,
    quote_id: str = "",
    what_if: bool = False,
) -> str:
    """`quote_of(option, ...).to_json()`, made from the option without the Quote: what
    signing an option needs."""
    return _payload(
        client_id,
        network_version,
        option.service.code,
        option.kind.value,
        option.collect_store_id,
        [
            _shipment_json(s.node_id, s.service_code, s.lines, s.timing.likely, s.timing.promised)
            for s in option.shipments
        ],
        option.price_cents,
        option.co2e_grams,
        expires_at,
        quote_id,
        int(option.order_by.timestamp()),
        what_if,
        destination,
        confidence,
    )


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    # base64.urlsafe_b64encode's result, in two calls rather than its four.
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The key new tokens are signed with, and every key still accepted, by id.

    `retire_by` gives retired keys the instant (Unix seconds) after which their tokens are
    refused: the grace period of a rotation. The current key can't be retired.
    """

    current: str
    secrets: Mapping[str, bytes]
    retire_by: Mapping[str, float] = field(default_factory=dict)
    # The current key's HMAC fed nothing yet: copied per token, the key is hashed once.
    _keyed: hmac.HMAC | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.current in self.retire_by:
            raise ValueError(f"the current key {self.current!r} can't be retired")
        secret = self.secrets.get(self.current)
        if secret is not None:
            object.__setattr__(self, "_keyed", hmac.new(secret, digestmod=hashlib.sha256))

    def sign(self, quote: Quote) -> str:
        return self.sign_payload(quote.to_json())

    def sign_payload(self, payload: str) -> str:
        """The token of a quote's JSON payload (`Quote.to_json`, `option_payload`)."""
        envelope = orjson.dumps({"v": _VERSION, "kid": self.current, "q": payload})
        head = _b64(envelope)
        if self._keyed is None:  # no secret for the current key: a KeyError, as always
            return f"{head}.{_b64(_mac(self.secrets[self.current], head))}"
        mac = self._keyed.copy()
        mac.update(head.encode("ascii"))
        return f"{head}.{_b64(mac.digest())}"

    def verify(self, token: str, *, client_id: str, now: float) -> Quote:
        """The quote inside `token`, if it is intact, signed by a known key, unexpired and ours."""
        head, dot, signature = token.partition(".")
        if not dot or not head or not signature:
            raise QuoteInvalid("the quote token is malformed", field=TOKEN_FIELD)
        try:
            envelope = orjson.loads(_unb64(head))
            kid = envelope["kid"]
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise QuoteInvalid("the quote token is malformed", field=TOKEN_FIELD) from error
        secret = self.secrets.get(kid) if isinstance(kid, str) else None
        if secret is None:
            raise QuoteInvalid("the quote token is signed by an unknown key", field=TOKEN_FIELD)
        # Compare the signature as text, not decoded: base64 decoding ignores the spare bits
        # of the last character, stray padding and non-alphabet characters, so several
        # spellings would decode to the same MAC and an altered token would still verify.
        expected = _b64(_mac(secret, head))
        if not signature.isascii() or not hmac.compare_digest(signature, expected):
            raise QuoteInvalid("the quote token's signature does not match", field=TOKEN_FIELD)
        if kid in self.retire_by and now >= self.retire_by[kid]:
            raise QuoteInvalid(
                f"the quote token is signed by key {kid!r}, retired since its grace period ended",
                field=TOKEN_FIELD,
            )
        try:
            if envelope["v"] != _VERSION:
                raise ValueError(envelope["v"])
            quote = Quote.from_json(envelope["q"])
        except (ValueError, KeyError, TypeError) as error:
            raise QuoteInvalid("the quote token is malformed", field=TOKEN_FIELD) from error
        if quote.client_id != client_id:
            raise QuoteInvalid("the quote token was issued to another client", field=TOKEN_FIELD)
        if quote.expires_at <= now:
            raise QuoteExpired(
                "the quote token has expired; ask for options again", field=TOKEN_FIELD
            )
        return quote


def fingerprint(quote: Quote) -> str:
    """What identifies a commit's content for idempotency: the quote, digested."""
    return hashlib.sha256(quote.to_json().encode("utf-8")).hexdigest()


class QuoteOrderByPassed(PromiseError):
    """The quote's order-by passed before the commit: its dates no longer hold."""

    code = ProblemCode.QUOTE_ORDER_BY_PASSED

    def __init__(self, message: str, *, field: str, quote: Quote) -> None:
        super().__init__(message, field=field)
        # What fresh options need: the cart, the destination and the confidence quoted.
        self.quote = quote


def check_committable(quote: Quote, *, now: float) -> None:
    """Refuse a what-if quote, and a quote whose order-by has passed (see docs/api.md)."""
    if quote.what_if:
        raise QuoteNotCommittable(
            "the quote was made for an order time other than now (a what-if): it can't be"
            " committed; ask for options without orderTime",
            field=TOKEN_FIELD,
        )
    if quote.order_by is not None and now >= quote.order_by:
        order_by = datetime.fromtimestamp(quote.order_by, tz=UTC)
        raise QuoteOrderByPassed(
            f"the quote's order-by {order_by.isoformat()} has passed: its dates no longer"
            " hold, see the fresh options",
            field=TOKEN_FIELD,
            quote=quote,
        )
