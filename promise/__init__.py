"""The promise domain: sourcing, delivery dates, options and quotes. Python, no I/O; compiled
by mypyc where a C compiler is (see the Makefile)."""
