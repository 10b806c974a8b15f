"""The point cost of an operation, computed from the parsed document before it runs.

As in Shopify's API, a field that returns an object costs one point and a scalar costs none;
the fields below a field that returns many things cost once per thing asked for: `first`
(nodes per SKU), the number of `skus`, the number of `lines` in an input. A root field's own
work is weighted too: a delivery-options search or a commit costs ten points. Variables are
read from the request, so the cost is an upper bound of the work, known before any resolver
runs (GitHub's and Shopify's APIs price queries the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

ROOT_WEIGHTS = {"deliveryOptions": 10, "commitAllocation": 10}
_MAX_MULTIPLIER = 1000
# The arguments `_multiplier` reads: no other argument's value is worked out.
_PRICED = frozenset({"first", "skus", "input"})


def _arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for argument in field.arguments or ():
        if argument.name.value not in _PRICED:
            continue
        try:
            values[argument.name.value] = value_from_ast_untyped(argument.value, variables)
        except Exception:  # an argument that doesn't coerce fails validation anyway
            values[argument.name.value] = None
    return values


def _multiplier(arguments: Mapping[str, Any]) -> int:
    factor = 1
    first = arguments.get("first")
    if isinstance(first, int) and first > 1:
        factor *= first
    skus = arguments.get("skus")
    if isinstance(skus, list) and skus:
        factor *= len(skus)
    given = arguments.get("input")
    if isinstance(given, dict):
        for value in given.values():
            if isinstance(value, list) and value:
                factor *= len(value)
    return min(factor, _MAX_MULTIPLIER)


def _selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    *,
    root: bool,
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            arguments = _arguments(selection, variables)
            weight = 1 if selection.selection_set is not None else 0
            if root:
                weight = ROOT_WEIGHTS.get(selection.name.value, 1)
            children = _selection_cost(
                selection.selection_set, fragments, variables, root=False, seen=seen
            )
            total += weight + _multiplier(arguments) * children
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(
                selection.selection_set, fragments, variables, root=root, seen=seen
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles fail validation anyway
                total += _selection_cost(
                    fragment.selection_set, fragments, variables, root=root, seen=seen | {name}
                )
    return total


def operation_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    """At least one point: even `{ __typename }` is a request served."""
    given = dict(variables or {})
    return max(1, _selection_cost(operation.selection_set, fragments, given, root=True))
