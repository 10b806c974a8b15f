"""The schema's name converter gives strawberry's names, whichever time it is asked."""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter

from gateway.api.schema import KeptNames, schema


def _python_names() -> set[str]:
    names: set[str] = set()
    for graphql_type in schema.schema_converter.type_map.values():
        for field in getattr(graphql_type.definition, "fields", []):
            names.add(field.python_name)
            names.update(argument.python_name for argument in field.arguments)
    return names


def test_every_field_and_argument_is_named_as_strawberry_names_it() -> None:
    names = _python_names()
    kept, strawberry_names = KeptNames(), NameConverter()

    first = {name: kept.apply_naming_config(name) for name in names}
    again = {name: kept.apply_naming_config(name) for name in names}

    assert "order_time" in names
    assert first["order_time"] == "orderTime"
    assert first == again == {name: strawberry_names.apply_naming_config(name) for name in names}


def test_the_schema_converts_names_so() -> None:
    assert isinstance(schema.config.name_converter, KeptNames)
