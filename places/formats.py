"""Postcode formats of the served countries: a typed refusal of a malformed code, and the key
under which a well-formed one is looked up (a French CEDEX or other business suffix, the "L-"
of Luxembourg and the two letters of a Dutch code are dropped: the data holds codes without
them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from places.errors import CountryNotServed, InvalidPostcode


@dataclass(frozen=True, slots=True)
class PostcodeFormat:
    """A country's postcode pattern (its group 1 is the lookup key) and how to say it."""

    pattern: re.Pattern[str]
    expected: str


def _format(pattern: str, expected: str) -> PostcodeFormat:
    return PostcodeFormat(re.compile(pattern), expected)


_FIVE_DIGITS = _format(r"(\d{5})", "5 digits, as 75001")
_FOUR_DIGITS = _format(r"(\d{4})", "4 digits, as 1000")

FORMATS: dict[str, PostcodeFormat] = {
    # Business codes carry a suffix: CEDEX (with a sorting office), SP (military), AIR, CITYSSIMO.
    "FR": _format(
        r"(\d{5})(?: (?:(?:CEDEX|SP)(?: ?\d{1,2})?|AIR|CITYSSIMO))?",
        "5 digits, as 75001 or 75001 CEDEX",
    ),
    "MC": _format(r"(980\d\d)", "5 digits starting 980, as 98000"),
    "DE": _FIVE_DIGITS,
    "ES": _FIVE_DIGITS,
    "IT": _FIVE_DIGITS,
    "AT": _FOUR_DIGITS,
    "BE": _FOUR_DIGITS,
    "CH": _FOUR_DIGITS,
    "LI": _FOUR_DIGITS,
    "LU": _format(r"(?:L-?)?(\d{4})", "4 digits, as 1009 or L-1009"),
    # Letter pairs SA, SD and SS are never issued.
    "NL": _format(r"([1-9]\d{3})(?: ?(?!SA|SD|SS)[A-Z]{2})?", "4 digits and 2 letters, as 1012 AB"),
}


def postcode_key(country: str, postcode: str) -> str:
    """The lookup key of `postcode` in `country`, or InvalidPostcode naming the format."""
    found = FORMATS.get(country)
    if found is None:
        raise CountryNotServed(country)
    text = " ".join(postcode.upper().split())
    match = found.pattern.fullmatch(text)
    if match is None:
        raise InvalidPostcode(country, postcode, expected=found.expected)
    return match.group(1)
