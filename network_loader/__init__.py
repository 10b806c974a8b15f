"""Reading and checking the network files: nodes, SKUs, services, stock rules, profiles.

A network directory is plain data (CSV and TOML); this package turns it into the domain's
frozen values (`promise.network.Network`, `promise.profiles.RuleProfile`) and the stock
store's rules (`stock_cache.rules.StockRules`), and refuses anything that does not hold
together with a `NetworkDataError` naming the file, the row or line, and the column or key.
It may import `promise`, `carriers` and `stock_cache.rules`; never `gateway`, nor a store.
"""
