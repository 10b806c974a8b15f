"""The committed `schema.graphql`, the public contract, is the schema the code serves."""

from __future__ import annotations

from pathlib import Path

from gateway.api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_the_committed_schema_is_the_one_the_code_exports() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")

    assert committed == schema.as_str() + "\n", (
        "schema.graphql differs from the schema the code exports: run `make schema` and "
        "commit the result"
    )
