"""The shopper a request speaks to: the texts of their locale and the prices of their channel."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.api.context import Info
from gateway.api.texts.negotiation import ENGLISH, checked_locale, negotiated
from gateway.api.texts.shopper_texts import ShopperTexts, amount, texts_for
from network_loader.storefronts import DEFAULT_STOREFRONT, Storefront


@dataclass(frozen=True, slots=True)
class Shopper:
    texts: ShopperTexts
    storefront: Storefront

    @property
    def currency(self) -> str:
        return self.storefront.currency

    def price(self, euro_cents: int) -> int:
        """A network price (euro cents) in the minor units of the channel's currency."""
        return self.storefront.minor_units(euro_cents)

    def formatted(self, minor_units: int) -> str:
        return self.texts.money(minor_units, self.storefront.currency)


ENGLISH_IN_EUROS = Shopper(texts_for(ENGLISH), DEFAULT_STOREFRONT)


def shopper_of(info: Info, locale: str | None = None, *, field: str = "input.locale") -> Shopper:
    """The request's shopper: `locale` (an input) before the Accept-Language header, then the
    channel's default language, then English; prices in the caller's channel's currency."""
    context = info.context
    service = context.service
    storefront = (
        DEFAULT_STOREFRONT
        if service.channels is None
        else service.channels.storefront(context.client_id, context.channel)
    )
    asked = checked_locale(locale, field=field)
    chosen = negotiated(asked, context.accept_language, storefront.locale)
    return Shopper(texts_for(chosen), storefront)


__all__ = ["ENGLISH_IN_EUROS", "Shopper", "amount", "shopper_of"]
