"""Names borrowed from strawberry's and graphql-core's internals: all still there, in one module.

`gateway/fastpath/compat.py` imports them; these tests read its source rather than import it,
so that an upgrade which removes one fails here by name instead of failing every import.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

# Found without importing gateway: an import that fails would hide which name is gone.
_SPEC = importlib.util.find_spec("gateway")
assert _SPEC is not None
assert _SPEC.origin is not None
GATEWAY = Path(_SPEC.origin).resolve().parent
COMPAT = GATEWAY / "fastpath" / "compat.py"

# graphql-core's public surface is its top-level package; strawberry's, these modules.
PUBLIC = {
    "graphql",
    "strawberry",
    "strawberry.asgi",
    "strawberry.extensions",
    "strawberry.permission",
    "strawberry.relay",
    "strawberry.scalars",
    "strawberry.schema.config",
    "strawberry.schema.name_converter",
    "strawberry.tools",
    "strawberry.types",
}
PRIVATE_ATTRIBUTES = {"_schema", "_raw_info"}


def _borrowed(tree: ast.Module) -> list[tuple[str, str]]:
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
        if node.module.split(".")[0] in {"graphql", "strawberry"} and node.module not in PUBLIC
        for alias in node.names
    ]


def _library_imports(tree: ast.Module) -> list[str]:
    found = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    ]
    found += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    return [name for name in found if name.split(".")[0] in {"graphql", "strawberry"}]


def test_every_borrowed_name_is_still_in_the_library_that_lends_it() -> None:
    borrowed = _borrowed(ast.parse(COMPAT.read_text(encoding="utf-8")))
    missing = [
        f"{module}.{name}"
        for module, name in borrowed
        if not hasattr(importlib.import_module(module), name)
    ]
    assert borrowed, "compat.py borrows nothing: this test reads the wrong file"
    assert missing == [], f"gone from the installed libraries (see {COMPAT.name}): {missing}"


def test_the_private_attributes_compat_reads_are_still_set() -> None:
    import strawberry
    from graphql import GraphQLSchema
    from strawberry.types import Info

    @strawberry.type
    class Query:
        ping: str = "pong"

    schema = strawberry.Schema(query=Query)
    assert isinstance(getattr(schema, "_schema", None), GraphQLSchema), "strawberry.Schema._schema"
    assert "_raw_info" in Info.__dataclass_fields__, "strawberry.types.Info._raw_info"


def test_no_module_but_compat_imports_a_library_internal() -> None:
    offenders = []
    for path in sorted(GATEWAY.rglob("*.py")):
        if path == COMPAT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(GATEWAY.parent)
        offenders += [f"{where}: {m}" for m in _library_imports(tree) if m not in PUBLIC]
        offenders += [
            f"{where}: .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES
        ]
    assert offenders == [], "import these through gateway/fastpath/compat.py"
