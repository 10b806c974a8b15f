"""Who the shopper is, for the per-shopper rate limit: the storefront's id, else the address.

A storefront forwards an opaque shopper or session id in `X-Shopper-Id` (1 to 128 of
`A-Z a-z 0-9 . _ : -`; anything else is ignored). Without one, the shopper is the client's
address: the TCP peer, or, when the peer is one of the configured trusted proxies (a CDN, a
load balancer), the nearest address of `X-Forwarded-For` that is not itself a trusted proxy.
`X-Forwarded-For` from anyone else is ignored, as anybody can write it. The address counts
only for storefront (browser) keys: behind a server key every shopper shares the backend's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence

from gateway.ops.settings import ProxyNetwork as Network

SHOPPER_HEADER = "x-shopper-id"
_SHOPPER_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _trusted(address: str, proxies: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in proxy for proxy in proxies)


def shopper_id(
    headers: Mapping[str, str], peer: str | None, trusted_proxies: Sequence[Network]
) -> str | None:
    """The shopper's bucket name: `id:` and the storefront's id, or `ip:` and the address."""
    given = headers.get(SHOPPER_HEADER, "").strip()
    if _SHOPPER_ID.match(given):
        return f"id:{given}"
    if peer is None:
        return None
    address = peer
    if trusted_proxies and _trusted(peer, trusted_proxies):
        hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if not _trusted(hop, trusted_proxies):
                break
    return f"ip:{address}"
