"""What a field's selection asks for below it, looked at once per field of a document.

A resolver may spare work whose result no selected field would show: the carbon nudge's
second search is wasted on a page that never selects `nudge`. The answer depends on the
document alone (its field nodes and fragments), not on the variables, so it is kept per field
node, in the document's memo. A field under `@skip` or `@include` counts as selected: the
answer errs on doing the work, never on leaving out what is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from gateway.api.context import Info
from gateway.fastpath.compat import raw_info
from promise.memo import IdentityMemo


def _finds(
    selections: SelectionSetNode | None,
    name: str,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    if selections is None:
        return False
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name or _finds(
                selection.selection_set, name, fragments, seen
            ):
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _finds(selection.selection_set, name, fragments, seen):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            spread = selection.name.value
            fragment = fragments.get(spread)
            # Validation refuses fragment cycles; `seen` only spares walking one twice.
            if fragment is not None and spread not in seen:
                seen.add(spread)
                if _finds(fragment.selection_set, name, fragments, seen):
                    return True
    return False


def selects_below(info: Info, name: str) -> bool:
    """Whether a field named `name` (its schema name) is selected anywhere under this field."""
    raw = raw_info(info)
    nodes = raw.field_nodes
    # Fields merged from several nodes (the same field selected twice) are looked at afresh.
    if len(nodes) != 1:
        return any(_finds(n.selection_set, name, raw.fragments, set()) for n in nodes)
    node = nodes[0]
    # Kept in the document's memo (it dies with the document); none outside the HTTP layer.
    memo: IdentityMemo[Any] | None = info.context.memo
    found = memo.get((node,), ("selects", name)) if memo is not None else None
    if found is None:
        found = _finds(node.selection_set, name, raw.fragments, set())
        if memo is not None:
            memo.put((node,), ("selects", name), found)
    return bool(found)
