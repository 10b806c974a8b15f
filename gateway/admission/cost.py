"""The point cost of an operation, computed from the parsed document before it runs.

As in Shopify's API, a field that returns an object costs one point and a scalar costs none;
the fields below a field that returns many things cost once per thing asked for: `first`
(nodes per SKU), the number of `skus`, the number of `lines` in an input. A root field's own
work is weighted too: a delivery-options search or a commit costs ten points. Variables are
read from the request, so the cost is an upper bound of the work, known before any resolver
runs (GitHub's and Shopify's APIs price queries the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

ROOT_WEIGHTS = {
    "deliveryOptions": 10,
    "commitAllocation": 10,
    "listingPromises": 10,
    "collectStores": 10,
    # A live promise is priced once, when it starts, as one search.
    "promiseChanged": 10,
}
# Batches whose selection is counted once, not once per SKU: their SKUs share the candidate
# nodes, one stock read and the dates. They cost a point more per this many SKUs.
BATCHED_SKUS_PER_POINT = {"listingPromises": 10}
_MAX_MULTIPLIER = 1000
# The arguments `_multiplier` reads: no other argument's value is worked out.
_PRICED = frozenset({"first", "skus", "input"})


def _arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for argument in field.arguments or ():
        if argument.name.value not in _PRICED:
            continue
        try:
            values[argument.name.value] = _priced_value(argument.value, variables)
        except Exception:  # an argument that doesn't coerce fails validation anyway
            values[argument.name.value] = None
    return values


def _priced_value(node: ValueNode, variables: dict[str, Any]) -> Any:
    if isinstance(node, ObjectValueNode):
        # Only an input's lists count: its other fields (a destination, a date) are left.
        return {
            field.name.value: value_from_ast_untyped(field.value, variables)
            for field in node.fields
            if isinstance(field.value, ListValueNode | VariableNode)
        }
    return value_from_ast_untyped(node, variables)


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


Costing = Callable[[dict[str, Any]], int]
"""An operation's cost (before the floor of one point) as a function of its variables."""


def _reads_variables(node: ValueNode) -> bool:
    """Whether a priced argument's cost moves with the request's variables. Only lengths of
    lists count (`_multiplier`), and `_priced_value` reads only an input's list and variable
    fields: a list written in the document has its length whatever its items hold, so only
    a variable in place of the argument, or of one of its input's fields, moves the cost."""
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ObjectValueNode):
        return any(isinstance(field.value, VariableNode) for field in node.fields)
    return False


def _value(cost: int | Costing, variables: dict[str, Any]) -> int:
    return cost if isinstance(cost, int) else cost(variables)


def _field_plan(field: FieldNode, children: int | Costing) -> int | Costing:
    """The multiplier of `field` times its children's cost, read per request only where a
    priced argument holds a variable."""
    per_point = BATCHED_SKUS_PER_POINT.get(field.name.value)
    if per_point is not None:
        return _batch_plan(field, children, per_point)
    priced = [a for a in field.arguments or () if a.name.value in _PRICED]
    if any(_reads_variables(argument.value) for argument in priced):
        return lambda variables: (
            _multiplier(_arguments(field, variables)) * _value(children, variables)
        )
    multiplier = _multiplier(_arguments(field, {}))
    if isinstance(children, int):
        return multiplier * children
    return lambda variables: multiplier * children(variables)


def _batch_points(arguments: Mapping[str, Any], per_point: int) -> int:
    skus = arguments.get("skus")
    count = len(skus) if isinstance(skus, list) else 0
    return min(-(-count // per_point), _MAX_MULTIPLIER)


def _batch_plan(field: FieldNode, children: int | Costing, per_point: int) -> int | Costing:
    """A batch's children once, plus a point per `per_point` SKUs."""
    if any(_reads_variables(a.value) for a in field.arguments or () if a.name.value == "skus"):
        return lambda variables: (
            _value(children, variables) + _batch_points(_arguments(field, variables), per_point)
        )
    points = _batch_points(_arguments(field, {}), per_point)
    if isinstance(children, int):
        return children + points
    return lambda variables: children(variables) + points


def _selection_plan(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    root: bool,
    seen: frozenset[str] = frozenset(),
) -> int | Costing:
    """The cost of a selection set: a number where no variable moves it, else a function."""
    if selection_set is None:
        return 0
    fixed = 0
    varying: list[Costing] = []
    for selection in selection_set.selections:
        part: int | Costing = 0
        if isinstance(selection, FieldNode):
            weight = 1 if selection.selection_set is not None else 0
            if root:
                weight = ROOT_WEIGHTS.get(selection.name.value, 1)
            fixed += weight
            children = _selection_plan(selection.selection_set, fragments, root=False, seen=seen)
            part = _field_plan(selection, children)
        elif isinstance(selection, InlineFragmentNode):
            part = _selection_plan(selection.selection_set, fragments, root=root, seen=seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles fail validation anyway
                part = _selection_plan(
                    fragment.selection_set, fragments, root=root, seen=seen | {name}
                )
        if isinstance(part, int):
            fixed += part
        else:
            varying.append(part)
    if not varying:
        return fixed
    return lambda variables: fixed + sum(part(variables) for part in varying)


def cost_plan(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Callable[[Mapping[str, Any] | None], int]:
    """The operation's cost, at least one point (even `{ __typename }` is a request served),
    as a function of the request's variables: the document is walked once, and per request
    only the priced arguments holding variables are read."""
    plan = _selection_plan(operation.selection_set, fragments, root=True)
    if isinstance(plan, int):
        fixed = max(1, plan)
        return lambda _variables: fixed
    return lambda variables: max(1, plan(dict(variables or {})))
