"""The benchmark's floor (bench/floor_app.py) answers with the gateway's type names: its
enums must hold every value the gateway may answer, or a recorded answer cannot be built."""

from __future__ import annotations

from graphql import GraphQLEnumType

from bench.floor_app import schema as floor_schema
from gateway.api.schema import schema
from gateway.fastpath.compat import core_schema


def test_every_enum_of_the_floor_holds_the_gateways_values() -> None:
    gateway_types = core_schema(schema).type_map
    floor_enums = [
        t
        for name, t in core_schema(floor_schema).type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    ]

    assert floor_enums
    for floor_enum in floor_enums:
        ours = gateway_types[floor_enum.name]
        assert isinstance(ours, GraphQLEnumType)
        assert set(floor_enum.values) == set(ours.values), floor_enum.name
