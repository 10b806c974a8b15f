"""GraphQL types, one area per module, each built from domain values with `from_domain`."""
