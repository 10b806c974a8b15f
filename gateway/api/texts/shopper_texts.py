"""The texts of one locale: ready, order within, nudges, reasons, problems and prices.

Every message is an English key of the gettext catalogues with named `{fields}`; numbers,
times, dates, lists and prices in it are formatted by Babel for the locale (`16:00` in French
and German, `4:00 PM` in American English). One `ShopperTexts` per locale and process.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.units import format_unit

from carriers.services import DeliveryKind
from gateway.api.texts.catalogues import catalogue
from promise.explain import ReasonCode, Unavailable


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is kept in a table, translated later."""
    return message


KIND_NAMES = {
    DeliveryKind.HOME_STANDARD: N_("standard delivery"),
    DeliveryKind.HOME_EXPRESS: N_("express"),
    DeliveryKind.HOME_TWO_PERSON: N_("two-person delivery"),
    DeliveryKind.SAME_DAY: N_("same-day"),
    DeliveryKind.CLICK_AND_COLLECT: N_("click & collect"),
    DeliveryKind.PICKUP_POINT: N_("pickup point"),
    DeliveryKind.TRANSFER: N_("transfer"),
}
# Why a service is missing, where the text names no value.
PLAIN_REASONS = {
    ReasonCode.OUT_OF_RANGE: N_("no node ships it to this destination"),
    ReasonCode.EXCLUDED_BY_RULES: N_("the sales channel's rules allow no node near you"),
    ReasonCode.NO_DELIVERY_DAY: N_("no delivery day in reach"),
    ReasonCode.TOO_HEAVY: N_("the parcel would be too heavy"),
    ReasonCode.TOO_LONG: N_("the parcel would be too long"),
    ReasonCode.NOT_IN_STOCK: N_("not in stock near you"),
}
_EXPIRED = N_("This delivery offer has expired: please choose again.")
_TRY_AGAIN = N_("Something went wrong on our side: please try again in a moment.")
# Problems a shopper may be shown, by code; the others are the storefront's own mistakes.
PROBLEM_TEXTS = {
    "UNKNOWN_SKU": N_("This product is not sold here."),
    "UNKNOWN_STORE": N_("This store does not offer click & collect."),
    "UNKNOWN_POSTCODE": N_("We do not know this postcode."),
    "DESTINATION_NOT_SERVED": N_("We do not deliver to this destination."),
    "NOTHING_IN_STOCK": N_("These items are out of stock."),
    "TOO_HEAVY": N_("This is too heavy or too long for our delivery services here."),
    "ADDRESS_NOT_FOUND": N_("We could not find this address."),
    "QUOTE_EXPIRED": _EXPIRED,
    "QUOTE_ORDER_BY_PASSED": _EXPIRED,
    "HOLD_LIMIT_REACHED": N_("You are holding as many items as we can keep for you at once."),
    "STOCK_CHANGED": N_("The stock has changed: please choose among the new options."),
    "TEMPORARILY_UNAVAILABLE": _TRY_AGAIN,
    "OUTCOME_UNKNOWN": _TRY_AGAIN,
    "GEOCODER_UNAVAILABLE": _TRY_AGAIN,
}
_UNITS = (("duration-day", 24 * 60), ("duration-hour", 60), ("duration-minute", 1))
# Babel formats a wait or a price in tens of microseconds, and an answer shows a few of each
# per option: the same few values recur (minutes to a cut-off, a service's prices), kept here.
KEPT_PER_LOCALE = 2048


class ShopperTexts:
    """What a shopper of `locale` reads; its language's catalogue, its region's formats."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        translations = catalogue(locale.language)
        self._ = translations.gettext
        self.ngettext = translations.ngettext
        self.order_within = lru_cache(maxsize=KEPT_PER_LOCALE)(self._order_within)
        self.money = lru_cache(maxsize=KEPT_PER_LOCALE)(self._money)

    def time(self, moment: datetime) -> str:
        return format_time(moment.time(), "short", locale=self.locale)

    def ready(self, ready_at: datetime, now: datetime) -> str:
        """`today from 16:00`, `tomorrow from 11:00` or `Monday 30 November from 11:00`.

        Days are counted on the clock of `ready_at` (the store's), not the caller's.
        """
        today = now.astimezone(ready_at.tzinfo).date()
        day, clock = ready_at.date(), self.time(ready_at)
        if day == today:
            return self._("today from {time}").format(time=clock)
        if day == today + timedelta(days=1):
            return self._("tomorrow from {time}").format(time=clock)
        # The catalogue translates the date's CLDR pattern, which is no sentence.
        named = format_date(day, self._("EEEE d MMMM"), locale=self.locale)
        return self._("{day} from {time}").format(day=named, time=clock)

    def _order_within(self, minutes: int) -> str:
        """A wait: `2 hr 13 min`, `2 h 13 min`, `2 Std. 13 Min.`; zero parts are left out."""
        parts = []
        for unit, size in _UNITS:
            count, minutes = divmod(minutes, size)
            if count:
                parts.append(format_unit(count, unit, length="short", locale=self.locale))
        return " ".join(parts) or format_unit(0, "duration-minute", "short", locale=self.locale)

    def nudge(self, *, days_later: int, parcels: int, instead_of: int, saved_grams: float) -> str:
        """'one day later: 1 parcel instead of 2 and 340 g CO2e less'."""
        head = self.ngettext("one day later", "{days} days later", days_later)
        parts = []
        if parcels < instead_of:
            fewer = self.ngettext(
                "{parcels} parcel instead of {more}", "{parcels} parcels instead of {more}", parcels
            )
            parts.append(fewer.format(parcels=parcels, more=instead_of))
        grams = format_decimal(round(saved_grams), locale=self.locale)
        parts.append(self._("{grams} g CO2e less").format(grams=grams))
        return self._("{head}: {details}").format(
            head=head.format(days=days_later), details=format_list(parts, locale=self.locale)
        )

    def kind(self, kind: DeliveryKind) -> str:
        return self._(KIND_NAMES[kind])

    def reason(self, missing: Unavailable) -> str:
        """Why a service is missing, e.g. 'same-day unavailable: cut-off 2:00 PM passed'.

        A reason this module does not know (or without the value it names) keeps the
        domain's English text.
        """
        reason = missing.reason
        why: str | None = None
        if reason.code is ReasonCode.OUT_OF_RANGE and reason.km is not None:
            km = format_decimal(round(reason.km), locale=self.locale)
            why = self._("no store within {km} km").format(km=km)
        elif reason.code is ReasonCode.CUTOFF_PASSED and reason.cutoff is not None:
            cutoff = format_time(reason.cutoff, "short", locale=self.locale)
            why = self._("cut-off {time} passed").format(time=cutoff)
        elif reason.code is ReasonCode.DOMINATED and reason.better is not None:
            better = self.kind(reason.better)
            why = self._("{kind} is sooner, cheaper and lower in CO2e").format(kind=better)
        elif reason.code in PLAIN_REASONS:
            why = self._(PLAIN_REASONS[reason.code])
        if why is None:
            return reason.text
        return self._("{kind} unavailable: {why}").format(kind=self.kind(missing.kind), why=why)

    def kind_unavailable(self, kind: DeliveryKind, code: ReasonCode, fallback: str) -> str:
        """'standard delivery unavailable: not in stock near you'; `fallback` where the
        catalogue has no text for `code`."""
        if code not in PLAIN_REASONS:
            return fallback
        why = self._(PLAIN_REASONS[code])
        return self._("{kind} unavailable: {why}").format(kind=self.kind(kind), why=why)

    def problem(self, code: str) -> str | None:
        """What a shopper reads of a problem; None for those a shopper is not shown."""
        message = PROBLEM_TEXTS.get(code)
        return None if message is None else self._(message)

    def _money(self, minor_units: int, currency: str) -> str:
        """`12,90 €`, `CHF 12.90`, `€12.90`, as the locale writes prices."""
        return format_currency(amount(minor_units, currency), currency, locale=self.locale)


def amount(minor_units: int, currency: str) -> Decimal:
    """A price in minor units (cents, Rappen) as an amount of `currency`: 1290 -> 12.90."""
    return Decimal(minor_units).scaleb(-get_currency_precision(currency))


@lru_cache(maxsize=64)
def texts_for(locale: Locale) -> ShopperTexts:
    """The texts of `locale`, made once per process (a few dozen locales at most are kept)."""
    return ShopperTexts(locale)
