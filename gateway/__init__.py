"""The transport: GraphQL over HTTP in front of the stock store and the promise domain.

Thin: it translates requests into calls and outcomes into answers, and decides nothing. Its
rooms, each importing only those below it (an import-linter contract holds them to it):
`cli` and `app` (the entry points) over `http` (the endpoint and its steps), over `api` (the
GraphQL schema, resolvers and types), over `fastpath` (execution plans) and `service` (the
request flow and the app's shared resources), over `admission` (keys, scopes, cost, trusted
documents), over `ops` (settings, logs, metrics, the gateway's state, processes).
"""
