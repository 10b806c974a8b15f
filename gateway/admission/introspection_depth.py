"""The depth limit of introspection: `__schema` and `__type` selections counted to the leaf.

The operation depth rule skips introspection fields altogether (strawberry's, like most), so
98 nested `ofType` passed it. This rule counts what it skips: the depth of every path that
goes through an introspection field, from the operation's root, against a limit of its own
(MAX_INTROSPECTION_DEPTH, 15 by default: the depth of the standard introspection query that
GraphiQL and client code generators send; see docs/http.md).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

_INTROSPECTION = frozenset({"__schema", "__type"})


def _deepest(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    inside: bool,
    limit: int,
    seen: frozenset[str],
) -> int:
    """The depth of the deepest path through introspection under `selections` (0 for none),
    stopping once it passes `limit`."""
    deepest = 0
    for node in selections.selections:
        if deepest > limit:
            break
        if isinstance(node, FieldNode):
            within = inside or node.name.value in _INTROSPECTION
            if node.selection_set is None:
                found = depth + 1 if within else 0
            else:
                found = _deepest(node.selection_set, fragments, depth + 1, within, limit, seen)
        elif isinstance(node, InlineFragmentNode):
            found = _deepest(node.selection_set, fragments, depth, inside, limit, seen)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue
            found = _deepest(fragment.selection_set, fragments, depth, inside, limit, seen | {name})
        else:
            continue
        deepest = max(deepest, found)
    return deepest


def introspection_depth_rule(limit: int) -> type[ValidationRule]:
    """A validation rule refusing an operation whose introspection goes deeper than `limit`."""

    class IntrospectionDepth(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            depth = _deepest(node.selection_set, fragments, 0, False, limit, frozenset())
            if depth > limit:
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds the maximum introspection depth of {limit}", [node]
                    )
                )

    return IntrospectionDepth
