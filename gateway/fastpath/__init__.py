"""The fast execution path: a checked document run by plans made once, not walked per request.

Argument, input and variable plans, root fields called and completed directly, validation
remembered by text; every name borrowed from strawberry's or graphql-core's internals is in
`compat`, and nowhere else. It knows no API type: it may import `ops` and the libraries only.
"""
