"""How much of the stock a caller is shown: exact figures, or capped at its channel's cap.

A storefront key's answers reach shoppers' browsers, where anyone can read them: per
channel (`disclosure_cap` in channels.toml) every stock figure it is shown stops at the cap,
flagged as capped, so a node's stock cannot be scraped. Server keys see exact figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.service.promise_service import PromiseService


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The cap a caller's figures stop at; None shows them exact."""

    cap: int | None = None

    def shown(self, units: int) -> tuple[int, bool]:
        """The figure shown, and whether it was capped."""
        if self.cap is None or units <= self.cap:
            return units, False
        return self.cap, True


EXACT = Disclosure()


def disclosure_for(
    service: PromiseService, client_id: str, channel: str | None, *, exact: bool
) -> Disclosure:
    config = service.channels
    if exact or config is None:
        return EXACT
    name = config.channel_of(client_id, channel)
    return Disclosure(config.disclosure_caps.get(name))
