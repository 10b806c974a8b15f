"""Importing the gateway and building its app leaves strawberry's and graphql-core's classes and
functions as they were: the fast path subclasses and calls them, it patches nothing."""

from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter: this one imported the gateway long ago.
_PROBE = """
import json, sys, types

def snapshot():
    seen = {}
    for name, module in list(sys.modules.items()):
        if not (name.startswith("strawberry") or name.startswith("graphql")):
            continue
        for attr, value in list(vars(module).items()):
            seen[f"{name}.{attr}"] = id(value)
            if isinstance(value, type) and value.__module__ == name:
                for member, inner in list(vars(value).items()):
                    seen[f"{name}.{attr}.{member}"] = id(inner)
    return seen

import strawberry, graphql
import strawberry.schema.schema, strawberry.types.arguments, strawberry.extensions
import graphql.execution.execute, graphql.execution.collect_fields
before = snapshot()
from gateway.app import create_app
from gateway.ops.settings import Settings
create_app(Settings(dev_mode=True))
after = snapshot()
changed = sorted(key for key, value in before.items() if after.get(key, value) != value)
print(json.dumps(changed))
"""


def test_importing_the_gateway_patches_no_library_class_or_function() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
