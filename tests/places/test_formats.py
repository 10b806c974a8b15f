"""Postcode formats: each served country's shape, the key looked up, a typed refusal."""

from __future__ import annotations

import pytest

from places import CountryNotServed, InvalidPostcode
from places.formats import postcode_key


@pytest.mark.parametrize(
    ("country", "postcode", "key"),
    [
        pytest.param("FR", "75001", "75001", id="paris"),
        pytest.param("FR", " 20000 ", "20000", id="ajaccio-with-spaces"),
        pytest.param("FR", "75008 cedex", "75008", id="cedex"),
        pytest.param("FR", "75700 CEDEX 07", "75700", id="numbered-cedex"),
        pytest.param("FR", "75349 SP 07", "75349", id="military-sector"),
        pytest.param("DE", "10115", "10115", id="berlin-mitte"),
        pytest.param("ES", "08001", "08001", id="barcelona"),
        pytest.param("IT", "00184", "00184", id="rome"),
        pytest.param("NL", "1012 AB", "1012", id="amsterdam-with-letters"),
        pytest.param("NL", "1012ab", "1012", id="amsterdam-letters-joined"),
        pytest.param("NL", "1012", "1012", id="amsterdam-digits-only"),
        pytest.param("LU", "L-1009", "1009", id="luxembourg-prefixed"),
        pytest.param("LU", "1009", "1009", id="luxembourg"),
        pytest.param("CH", "1201", "1201", id="geneva"),
        pytest.param("AT", "1010", "1010", id="vienna"),
        pytest.param("BE", "1000", "1000", id="brussels"),
        pytest.param("MC", "98000", "98000", id="monaco"),
    ],
)
def test_a_well_formed_postcode_gives_its_lookup_key(country: str, postcode: str, key: str) -> None:
    assert postcode_key(country, postcode) == key


@pytest.mark.parametrize(
    ("country", "postcode"),
    [
        pytest.param("FR", "7500", id="fr-four-digits"),
        pytest.param("FR", "75 001", id="fr-split"),
        pytest.param("DE", "1011", id="de-four-digits"),
        pytest.param("ES", "0800A", id="es-letter"),
        pytest.param("CH", "12011", id="ch-five-digits"),
        pytest.param("AT", "A-1010", id="at-prefixed"),
        pytest.param("NL", "0123 AB", id="nl-leading-zero"),
        pytest.param("NL", "1012 SS", id="nl-letters-never-issued"),
        pytest.param("LU", "L-10090", id="lu-five-digits"),
        pytest.param("MC", "75001", id="mc-french-code"),
    ],
)
def test_a_malformed_postcode_is_refused_naming_the_field(country: str, postcode: str) -> None:
    with pytest.raises(InvalidPostcode) as refused:
        postcode_key(country, postcode)
    assert refused.value.field == "postcode"
    assert refused.value.postcode == postcode
    assert repr(postcode) in str(refused.value)


def test_a_long_refused_value_is_cut_in_the_message() -> None:
    pasted = "1 rue de la Paix, 75002 Paris, France, " * 10
    with pytest.raises(InvalidPostcode) as refused:
        postcode_key("FR", pasted)
    message = str(refused.value)
    assert "1 rue de la Paix" in message
    assert len(message) < 150


@pytest.mark.parametrize("country", ["US", "PL", "FRA", ""])
def test_a_country_without_postcode_data_is_refused_naming_the_country(country: str) -> None:
    with pytest.raises(CountryNotServed) as refused:
        postcode_key(country, "10115")
    assert refused.value.field == "country"
