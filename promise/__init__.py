"""The promise domain: sourcing, delivery dates, options and quotes. Python, no I/O; compiled
by mypyc where a C compiler is (see the Makefile), and run from source whenever that build is
stale (promise/compiled.py)."""

from pathlib import Path

from promise.compiled import guard

# Before any other module of the package is imported: a stale build is never imported.
BUILD = guard(__name__, Path(__file__).parent)
