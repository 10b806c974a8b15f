"""An amount of money as the API shows it: exact, with its currency, and for people."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from gateway.api.texts.shopper import Shopper, amount


@strawberry.type(description="A price in the caller's channel's currency.")
class Money:
    amount: Decimal = strawberry.field(description="In the currency's units: 12.90.")
    currency: str = strawberry.field(description="ISO 4217: EUR, CHF.")
    minor_units: int = strawberry.field(description="In the currency's minor unit: 1290.")
    formatted: str = strawberry.field(
        description="For shoppers, in the request's locale: '12,90 €', 'CHF 12.90'."
    )

    @staticmethod
    def of(minor_units: int, shopper: Shopper) -> Money:
        currency = shopper.currency
        return Money(
            amount=amount(minor_units, currency),
            currency=currency,
            minor_units=minor_units,
            formatted=shopper.formatted(minor_units),
        )
