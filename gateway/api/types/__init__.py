"""GraphQL types, one area per module, each built from domain values with `from_domain`.

They may import the domain, the stock store's values and the service's answers
(`gateway.service.answers`); nothing that runs a request.
"""
