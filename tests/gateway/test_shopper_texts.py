"""Shopper texts without the API: the language chosen, the catalogues, the words and formats."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from carriers.services import DeliveryKind
from gateway.api.texts import shopper_texts
from gateway.api.texts.catalogues import LOCALES
from gateway.api.texts.negotiation import checked_locale, negotiated, ranked
from gateway.api.texts.shopper_texts import texts_for
from promise.errors import InvalidInput
from promise.explain import ReasonCode, unavailable

PARIS = ZoneInfo("Europe/Paris")
MONDAY_15 = datetime(2026, 11, 23, 15, tzinfo=PARIS)
FRENCH, GERMAN, ENGLISH = Locale("fr", "FR"), Locale("de", "DE"), Locale("en")


def in_paris(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=PARIS)


def test_the_header_ranks_by_q_value_then_by_order_and_drops_q_zero() -> None:
    header = "en;q=0.5, de-CH, fr;q=0.8, *;q=0.1, it;q=0, es;q=oops, nl;q=0.8"

    assert ranked(header) == ["de-CH", "fr", "nl", "en"]


def test_the_locale_input_comes_before_the_header_and_the_channel_after() -> None:
    assert negotiated("de-AT", "fr-FR", "fr_CH") == Locale("de", "AT")
    assert negotiated(None, "fr-FR", "de_CH") == FRENCH
    assert negotiated(None, "ja, pt-BR", "de_CH") == Locale("de", "CH")


def test_a_language_nobody_speaks_here_falls_back_to_english() -> None:
    assert negotiated("xx-YY", "ja-JP, zh;q=0.9", None) == ENGLISH
    assert negotiated(None, "", None) == ENGLISH


def test_a_locale_input_that_is_no_tag_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_locale("fr FR", field="input.locale")

    assert refused.value.field == "input.locale"
    assert checked_locale(" pt-BR ", field="input.locale") == "pt-BR"


@pytest.mark.parametrize(
    ("locale", "today", "tomorrow", "monday"),
    [
        (
            FRENCH,
            "aujourd'hui à partir de 16:00",
            "demain à partir de 11:00",
            "lundi 30 novembre à partir de 11:00",
        ),
        (GERMAN, "heute ab 16:00", "morgen ab 11:00", "Montag, 30. November ab 11:00"),
        (
            ENGLISH,
            "today from 4:00\u202fPM",
            "tomorrow from 11:00\u202fAM",
            "Monday 30 November from 11:00\u202fAM",
        ),
        (Locale("en", "GB"), "today from 16:00", "tomorrow from 11:00", None),
    ],
)
def test_ready_says_today_tomorrow_or_the_day_in_the_shoppers_words(
    locale: Locale, today: str, tomorrow: str, monday: str | None
) -> None:
    texts = texts_for(locale)

    assert texts.ready(in_paris(23, 16), MONDAY_15) == today
    assert texts.ready(in_paris(24, 11), MONDAY_15) == tomorrow
    if monday is not None:
        assert texts.ready(in_paris(30, 11), MONDAY_15) == monday


def test_ready_counts_days_on_the_store_clock() -> None:
    # 23:30 UTC on Monday is already Tuesday 00:30 in Paris.
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)

    assert texts_for(GERMAN).ready(in_paris(24, 11), now) == "heute ab 11:00"


def test_order_within_names_days_hours_and_minutes_leaving_out_zeros() -> None:
    french, english = texts_for(FRENCH), texts_for(ENGLISH)

    assert french.order_within(133) == "2\u202fh 13\xa0min"
    assert english.order_within(24 * 60 + 3 * 60 + 5) == "1 day 3 hr 5 min"
    assert texts_for(GERMAN).order_within(120) == "2 Std."
    assert english.order_within(0) == "0 min"


def test_the_carbon_nudge_counts_days_and_parcels_with_plurals() -> None:
    def nudge(locale: Locale, days: int, parcels: int) -> str:
        texts = texts_for(locale)
        return texts.nudge(days_later=days, parcels=parcels, instead_of=3, saved_grams=1340.4)

    assert nudge(ENGLISH, 1, 1) == "one day later: 1 parcel instead of 3 and 1,340 g CO2e less"
    assert nudge(GERMAN, 2, 2) == "2 Tage später: 2 Pakete statt 3 und 1.340 g CO2e weniger"
    assert nudge(FRENCH, 1, 1) == (
        "un jour plus tard : 1 colis au lieu de 3 et 1\u202f340 g de CO2e en moins"
    )


def test_reasons_name_their_values_in_the_shoppers_words() -> None:
    cutoff = unavailable(
        DeliveryKind.SAME_DAY, "COURIER", ReasonCode.CUTOFF_PASSED, "cut-off", cutoff=time(14)
    )
    far = unavailable(DeliveryKind.CLICK_AND_COLLECT, "CC", ReasonCode.OUT_OF_RANGE, "far", km=30.0)
    beaten = unavailable(
        DeliveryKind.PICKUP_POINT,
        "RELAY",
        ReasonCode.DOMINATED,
        "beaten",
        better=DeliveryKind.HOME_STANDARD,
    )
    german = texts_for(GERMAN)

    assert german.reason(cutoff) == (
        "Lieferung am selben Tag nicht verfügbar: Bestellschluss 14:00 überschritten"
    )
    assert texts_for(FRENCH).reason(far) == (
        "retrait en magasin indisponible : aucun magasin à moins de 30 km"
    )
    assert texts_for(ENGLISH).reason(beaten) == (
        "pickup point unavailable: standard delivery is sooner, cheaper and lower in CO2e"
    )


def test_a_reason_without_its_value_keeps_the_domains_english_text() -> None:
    bare = unavailable(DeliveryKind.SAME_DAY, "COURIER", ReasonCode.CUTOFF_PASSED, "cut-off")

    assert texts_for(FRENCH).reason(bare) == "same-day unavailable: cut-off"


def test_problems_a_shopper_is_not_shown_have_no_text() -> None:
    assert texts_for(GERMAN).problem("DESTINATION_NOT_SERVED") == (
        "Wir liefern nicht an dieses Ziel."
    )
    assert texts_for(GERMAN).problem("IDEMPOTENCY_CONFLICT") is None


def test_prices_are_written_as_the_locale_writes_them() -> None:
    assert texts_for(Locale("de", "CH")).money(1290, "CHF") == "CHF\xa012.90"
    assert texts_for(Locale("fr", "CH")).money(1290, "CHF") == "12,90\xa0CHF"
    assert texts_for(FRENCH).money(1290, "EUR") == "12,90\xa0€"


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_of_the_code_is_translated_and_none_is_left_over(language: str) -> None:
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    used = {
        message if isinstance(message, str) else message[0]
        for _, message, _, _ in extract_from_file(
            "python", Path(shopper_texts.__file__), keywords=keywords
        )
    }
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    kept = {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue}

    assert used == kept - {""}
    for message in catalogue:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), message.id
            assert not message.fuzzy, message.id
