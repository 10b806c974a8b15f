"""The promise domain: sourcing, delivery dates, options and quotes. Pure Python, no I/O."""
