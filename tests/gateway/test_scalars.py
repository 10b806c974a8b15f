"""The DateTime scalar reads every value as strawberry's own parser does, faster."""

from __future__ import annotations

from datetime import datetime

import pytest
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition

from gateway.api.scalars import parse_datetime
from gateway.api.schema import schema

STRAWBERRY = DateTimeDefinition.parse_value
FORMS = [
    "2026-11-23T10:00:00+01:00",
    "2026-11-23T10:00:00Z",
    "2026-11-23T10:00:00-00:00",
    "2026-11-23T10:00:00",
    "2026-11-23",
    "2026-11-23T10",
    "2026-11-23T10:00",
    "2026-11-23T10:00:00.123456+05:30",
    "2026-11-23T10:00:00.1234567Z",
    "2026-11-23T10:00:00.5+01:00",
    "2026-11-23T10:00:00,5",
    "2026-11-23T10:00:00+0100",
    "2026-11-23T10:00:00+01",
    "20261123T100000Z",
    "2026-11-23 10:00:00",
    "2026-W48-1",
    # Read by strawberry's parser only: ordinal dates and the end of a day.
    "2026-327",
    "2026-11-23T24:00:00",
]


@pytest.mark.parametrize("text", FORMS)
def test_a_datetime_is_read_as_strawberry_reads_it(text: str) -> None:
    assert STRAWBERRY is not None
    expected = STRAWBERRY(text)
    found = parse_datetime(text)

    assert isinstance(found, datetime)
    assert isinstance(expected, datetime)
    assert (found, found.utcoffset()) == (expected, expected.utcoffset())


@pytest.mark.parametrize("value", ["2026-11-23T10:00:61", "next monday", "", 20261123, None])
def test_a_value_that_is_no_datetime_is_refused_with_strawberrys_message(value: object) -> None:
    assert STRAWBERRY is not None
    with pytest.raises(StrawberryInputCoercionError) as theirs:
        STRAWBERRY(value)

    with pytest.raises(StrawberryInputCoercionError) as ours:
        parse_datetime(value)

    assert str(ours.value) == str(theirs.value)


def test_the_schema_reads_its_datetimes_so() -> None:
    scalar = schema._schema.get_type("DateTime")

    assert scalar is not None
    assert getattr(scalar, "parse_value", None) is parse_datetime
