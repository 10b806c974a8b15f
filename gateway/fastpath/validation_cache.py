"""Validation results remembered by document text, for `schema.execute`.

Strawberry's `ValidationCache` keys its LRU by the parsed document, and graphql-core's AST
nodes are frozen dataclasses hashed (and compared) field by field: every request hashed the
whole tree again, a good part of what the cache saved. The text names the document as well
(`ParserCache` parses each text once) and hashes as one string whose hash Python keeps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from gateway.fastpath.compat import core_schema, validate_document

Rules = tuple[type[ASTValidationRule], ...]


class Validations:
    """A bounded LRU of validation errors (an empty list when valid) by text and rules."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._errors: OrderedDict[tuple[str, GraphQLSchema, Rules], list[GraphQLError]] = (
            OrderedDict()
        )

    def of(
        self, text: str, document: DocumentNode, schema: GraphQLSchema, rules: Rules
    ) -> list[GraphQLError]:
        """`document` must be the parse of `text`: it is validated only when `text` is new."""
        key = (text, schema, rules)
        found = self._errors.get(key)
        if found is not None:
            self._errors.move_to_end(key)
            return found
        found = validate_document(schema, document, rules)
        self._errors[key] = found
        if len(self._errors) > self.maxsize:
            self._errors.popitem(last=False)
        return found


class ValidationByText(SchemaExtension):
    """Validates through `validations`, shared by every request of the schema."""

    def __init__(self, *, validations: Validations) -> None:
        super().__init__()
        self._validations = validations

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.query is not None and document is not None:
            # Once set, the errors (possibly none) stop strawberry validating again.
            context.pre_execution_errors = self._validations.of(
                context.query, document, core_schema(context.schema), context.validation_rules
            )
        yield
