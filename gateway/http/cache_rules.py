"""Which GET answers a CDN may keep: the listing's only when its destination is a postcode.

A postcode names thousands of shoppers, so its answer is shared by all of them and is
worth caching; coordinates or an address name one home, which no shared cache should keep
(nor serve to anybody else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import FieldNode, ObjectValueNode, OperationDefinitionNode, VariableNode

LISTING_FIELD = "listingPromises"


def _is_postcode(node: Any, variables: Mapping[str, Any]) -> bool:
    if isinstance(node, VariableNode):
        given = variables.get(node.name.value)
        return isinstance(given, dict) and set(given) == {"postcode"}
    if isinstance(node, ObjectValueNode):
        return [f.name.value for f in node.fields] == ["postcode"]
    return False


def destinations_are_postcodes(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> bool:
    """Whether every `listingPromises` at the root of the operation names a postcode.

    Root fields in fragments are not looked into: such an operation is not cached.
    """
    given = variables or {}
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return False
        if selection.name.value != LISTING_FIELD:
            continue
        destination = next(
            (a.value for a in selection.arguments or () if a.name.value == "destination"), None
        )
        if not _is_postcode(destination, given):
            return False
    return True
