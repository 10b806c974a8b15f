"""The GraphQL-over-HTTP endpoint and its steps: protocol, documents, rate limits, health probes.

It may import every room of the gateway below it: `api` (the schema and the context it runs
with), `fastpath`, `service`, `admission` and `ops`.
"""
