"""Who may call and what a call may cost: API keys, scopes, the point cost of an operation,
trusted documents.

It may import `ops` only, besides the libraries: the HTTP endpoint, the API's permission
checks and the app's resources all build on it.
"""
