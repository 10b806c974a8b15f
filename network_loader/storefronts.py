"""channels.toml's storefront keys: the currency a channel prices in and its default language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, is_currency

from network_loader.toml_tables import TomlTable

STOREFRONT_KEYS = ("currency", "eur_rate", "locale")
NETWORK_CURRENCY = "EUR"


@dataclass(frozen=True, slots=True)
class Storefront:
    """What a channel's shoppers see: prices in `currency`, texts in `locale` by default.

    The network's prices are in euros; a channel in another currency converts them at its
    `eur_rate` (units of its currency per euro), rounded half up to the currency's minor unit.
    """

    currency: str = NETWORK_CURRENCY
    eur_rate: Decimal = Decimal(1)
    # The language of a shopper who asks for none we speak; None: English.
    locale: str | None = None

    def minor_units(self, euro_cents: int) -> int:
        """A price of the network (euro cents) in the minor units of this channel's currency."""
        if self.eur_rate == 1 and self.currency == NETWORK_CURRENCY:
            return euro_cents
        scale = Decimal(10) ** (get_currency_precision(self.currency) - 2)
        return int((euro_cents * self.eur_rate * scale).quantize(Decimal(1), ROUND_HALF_UP))


DEFAULT_STOREFRONT = Storefront()


def storefront_of(entry: TomlTable) -> Storefront:
    """The storefront keys of one `[channels.NAME]` table; errors name the key and the value."""
    data = entry.data
    if not any(key in data for key in STOREFRONT_KEYS):
        return DEFAULT_STOREFRONT
    currency = entry.string("currency") if "currency" in data else NETWORK_CURRENCY
    if not is_currency(currency):
        raise entry.error("currency", f"{currency!r} is not an ISO 4217 currency code")
    rate = Decimal(1)
    if "eur_rate" in data:
        rate = Decimal(str(entry.number("eur_rate")))
        if rate <= 0:
            raise entry.error("eur_rate", f"{data['eur_rate']!r} is not above 0")
    elif currency != NETWORK_CURRENCY:
        raise entry.error("eur_rate", f"a channel in {currency} needs its eur_rate")
    locale = None
    if "locale" in data:
        locale = entry.string("locale")
        try:
            Locale.parse(locale.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            raise entry.error("locale", f"{locale!r} is not a known locale") from None
    return Storefront(currency, rate, locale)
