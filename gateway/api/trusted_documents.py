"""The admin mutation `registerTrustedDocument`: an operation storefronts may then send by id."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError, parse, validate

from gateway.admission.scopes import Scope, needs
from gateway.admission.trusted_documents import MAX_DOCUMENT_CHARS
from gateway.api.context import Info
from gateway.api.types.problems import InvalidInput, ProblemCode
from gateway.fastpath.compat import core_schema


@strawberry.type
class TrustedDocument:
    id: strawberry.ID = strawberry.field(description='"sha256:" and the hex SHA-256 of the text.')


RegisterTrustedDocumentResult = Annotated[
    TrustedDocument | InvalidInput, strawberry.union("RegisterTrustedDocumentResult")
]


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(code=ProblemCode.INVALID_INPUT, message=message, field="document")


@strawberry.type
class TrustedDocumentMutation:
    @strawberry.mutation(
        description="Register an operation that storefront clients may then send by id.",
        permission_classes=[needs(Scope.ADMIN)],
    )
    async def register_trusted_document(
        self, info: Info, document: str
    ) -> RegisterTrustedDocumentResult:
        if not 1 <= len(document) <= MAX_DOCUMENT_CHARS:
            return _invalid(f"a document has 1 to {MAX_DOCUMENT_CHARS} characters")
        try:
            errors: list[GraphQLError] = list(
                validate(core_schema(info.schema), parse(document, max_tokens=5_000))
            )
        except GraphQLError as error:
            errors = [error]
        if errors:
            return _invalid(f"the document is not valid against the schema: {errors[0].message}")
        platform = info.context.platform
        if platform is None:
            return _invalid("documents are registered over HTTP only")
        digest = await platform.documents.register(document)
        return TrustedDocument(id=strawberry.ID(f"sha256:{digest}"))
