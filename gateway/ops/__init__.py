"""Operations: settings read from the environment, JSON logs, Prometheus metrics, the
gateway's own state (rate-limit buckets, keys, documents, geocodes; `lua/` holds its script),
worker processes, the stock import and which promise modules run compiled.

The floor of the gateway: it imports no other room of it.
"""
