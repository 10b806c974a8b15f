"""What the promise service answers: quoted options and promises, and stock levels by SKU.

A quoted option's token is signed the first time it is read (`QuotedOption.token`), by the
`QuoteSigner` its promise made: most reads never show the token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from promise.cart import Destination
from promise.explain import Unavailable
from promise.promise_builder import Option
from promise.quotes import SigningKeys, option_payload


@dataclass(frozen=True, slots=True)
class QuoteSigner:
    """What a promise's quotes share: who they are for, where, how sure, until when."""

    keys: SigningKeys
    client_id: str
    network_version: str
    expires_at: int
    destination: Destination
    confidence: float
    # Made for an order time other than now: its tokens say so and can't be committed.
    what_if: bool = False

    def __call__(self, option: Option) -> str:
        return self.keys.sign_payload(
            option_payload(
                option,
                client_id=self.client_id,
                network_version=self.network_version,
                expires_at=self.expires_at,
                destination=self.destination,
                confidence=self.confidence,
                # Random, so that two equal quotes are still two tokens, each committed once.
                quote_id=secrets.token_urlsafe(12),
                what_if=self.what_if,
            )
        )


@dataclass(frozen=True)
class QuotedOption:
    """An option with its quote, signed the first time its token is read.

    Most reads (a product page's dates and prices) never show the token: signing every
    option and its greener alternative up front was JSON and HMAC work for nothing. The
    expiry is fixed when the promise is made, so a token signed later says the same.
    (No slots: the token is kept in the instance's dict once signed.)
    """

    option: Option
    signer: QuoteSigner = field(repr=False, compare=False)
    expires_at: datetime
    # The order instant the option was dated from (the request's, or the gateway clock).
    ordered_at: datetime
    # The option's greener, later alternative (the carbon nudge), quoted too.
    greener: QuotedOption | None = None

    @property
    def token(self) -> str:
        # Kept as `cached_property` would keep it, without the lock it takes per read.
        known: dict[str, str] = self.__dict__
        token = known.get("_token")
        if token is None:
            token = known["_token"] = self.signer(self.option)
        return token

    @property
    def committable(self) -> bool:
        """False for a what-if quote: shown, never held."""
        return not self.signer.what_if


def quoted(
    option: Option, signer: QuoteSigner, expires_at: datetime, ordered_at: datetime
) -> QuotedOption:
    # A function of the module, not a closure calling itself: that closure held itself in a
    # cell, a cycle only the garbage collector frees.
    greener = option.greener
    return QuotedOption(
        option,
        signer,
        expires_at,
        ordered_at,
        None if greener is None else quoted(greener, signer, expires_at, ordered_at),
    )


@dataclass(frozen=True, slots=True)
class QuotedPromise:
    options: list[QuotedOption]
    # Services not offered, each with a reason a shopper may read.
    unavailable: tuple[Unavailable, ...]


@dataclass(frozen=True, slots=True)
class NodeLevel:
    node_id: str
    atp: int
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class SkuLevels:
    sku: str
    total: int
    nodes: tuple[NodeLevel, ...]
