"""The GraphQL API: the schema composed from per-area queries and mutations, the typed
per-request context, the types shown to clients (`types`, problems included) and the one
translation of domain errors into problems.

It may import `fastpath`, `service`, `admission` and `ops`, and the domain; never `http`.
"""
