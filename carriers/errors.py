"""Errors raised while building carrier data."""


class CarrierDataError(ValueError):
    """A carrier table is inconsistent; the message names the service and the value."""
