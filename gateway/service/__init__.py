"""The request flow and what an app shares: the promise service (read ATP, let `promise`
decide, reserve on commit), its answers, nearest nodes, shared reads, geocoding, and the
per-app resources (keys, limits, trusted documents, metrics, the geocoder, the state).

It may import `admission`, `ops`, `network_loader`, `stock_cache` and `promise`; never the
API or HTTP.
"""
