"""Errors of the places package: one base class; each names the field and the value it refuses."""

from __future__ import annotations

# Longer values are cut in messages: a pasted address should not fill a log line.
_SHOWN = 40


def shown(value: str) -> str:
    """`value` quoted for a message, cut to a readable length."""
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


class PlaceError(ValueError):
    """A destination that cannot be placed; `field` is the input it concerns."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidPostcode(PlaceError):
    """A postcode that does not have its country's format."""

    def __init__(self, country: str, postcode: str, *, expected: str) -> None:
        super().__init__(
            f"postcode {shown(postcode)} is not a {country} postcode (expected {expected})",
            field="postcode",
        )
        self.country = country
        self.postcode = postcode


class UnknownPostcode(PlaceError):
    """A well-formed postcode that the data does not hold."""

    def __init__(self, country: str, postcode: str) -> None:
        super().__init__(f"postcode {postcode!r} is not known in {country}", field="postcode")
        self.country = country
        self.postcode = postcode


class CountryNotServed(PlaceError):
    """A country whose postcodes the data does not cover (or not an ISO alpha-2 code)."""

    def __init__(self, country: str) -> None:
        super().__init__(f"postcodes of country {shown(country)} are not known", field="country")
        self.country = country


class InvalidCoordinates(PlaceError):
    """A latitude or longitude outside its range, or not a finite number."""

    def __init__(self, name: str, value: float) -> None:
        super().__init__(f"{name} {value!r} is out of range", field=name)
        self.value = value
