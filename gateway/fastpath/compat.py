"""Every name the gateway borrows from strawberry's or graphql-core's internals, in one place.

The fast path reaches below both libraries' public surface (graphql-core's top-level
`graphql` package; strawberry's top level and the modules its documentation names), for
speed, for the HTTP layer's early refusals and for the WebSocket handler that subscriptions
are admitted through. Each borrowed name is imported here and nowhere else
(tests/test_library_internals.py holds every module to that, and names any symbol an upgrade
removed), so an upgrade of either library is checked against this file alone.
Nothing here changes the libraries: it imports, subclasses elsewhere, and reads two private
attributes through the functions below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo, GraphQLSchema
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    does_fragment_condition_match,
)
from graphql.execution.execute import UNEXPECTED_EXPERIMENTAL_DIRECTIVES
from graphql.execution.executor import UNEXPECTED_MULTIPLE_PAYLOADS
from graphql.execution.get_variable_signature import (
    GraphQLVariableSignature,
    get_variable_signature,
)
from graphql.execution.values import VariableValueSource
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.pyutils import AwaitableOrValue, Path, is_iterable
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.types.arguments import (
    InputContext,
    StrawberryArgument,
    convert_arguments,
)
from strawberry.types.arguments import _is_leaf_type as is_leaf_type
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.cast import get_strawberry_type_cast
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.types.scalar import ScalarDefinition

if TYPE_CHECKING:
    import strawberry
    from strawberry.types import Info

__all__ = [
    "GRAPHQL_TRANSPORT_WS_PROTOCOL",
    "MAX_NESTING_DEPTH",
    "UNEXPECTED_EXPERIMENTAL_DIRECTIVES",
    "UNEXPECTED_MULTIPLE_PAYLOADS",
    "AwaitableOrValue",
    "BaseGraphQLTransportWSHandler",
    "ConnectionInitMessage",
    "DateTimeDefinition",
    "ErrorMessage",
    "FieldDetailsList",
    "FragmentDetails",
    "GraphQLCoreConverter",
    "GraphQLVariableSignature",
    "InputContext",
    "LazyType",
    "Path",
    "ScalarDefinition",
    "StrawberryArgument",
    "StrawberryField",
    "StrawberryGraphQLCoreExecutionContext",
    "StrawberryList",
    "StrawberryMaybe",
    "StrawberryObjectDefinition",
    "StrawberryOptional",
    "StrawberryType",
    "SubscribeMessage",
    "VariableValueSource",
    "aliases_validator",
    "coerce_default_value",
    "convert_arguments",
    "core_schema",
    "depth_validator",
    "does_fragment_condition_match",
    "get_graphql_ide_html",
    "get_strawberry_type_cast",
    "get_variable_signature",
    "has_enum_definition",
    "has_object_definition",
    "is_iterable",
    "is_leaf_type",
    "optimized_is_awaitable",
    "raw_info",
    "validate_document",
]


def core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema a strawberry schema built (its `_schema`)."""
    return schema._schema


def raw_info(info: Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind strawberry's `Info` (its `_raw_info`)."""
    return info._raw_info
