"""Every per-process cache of a gateway process, named for `/metrics` (gateway/ops/cache_sizes.py).

The document cache holds what each distinct document costs (its parse, its plans, and the memo
its runs fill: readers, root plans, lookaheads), bounded in entries and in estimated bytes;
nothing else keeps a document. The domain's memos and caches are bounded in entries, with a
size per entry measured once (BENCHMARKS.md); the points a promise service remembers and the
API keys looked up in Redis likewise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import _lru_cache_wrapper
from typing import Any

from gateway.admission.api_keys import KEYS_CACHED, KeyRing
from gateway.fastpath.execution import MEMO_ENTRIES
from gateway.http.documents import CHECKED_DOCUMENTS, OperationChecks
from gateway.ops.cache_sizes import CacheSize, CacheSizes, fixed_size
from gateway.service import destinations
from gateway.service.nearby import POINTS_REMEMBERED
from gateway.service.promise_service import PromiseService
from promise import dates, dispatch, geo
from promise.held_timings import HELD_TIMINGS
from promise.memo import IdentityMemo

# Measured sizes of one entry (tracemalloc over many entries; BENCHMARKS.md).
_MEMO_ENTRY_BYTES = 400
_POINT_BYTES = 200
_NEARBY_BYTES = 1_500
_KEY_BYTES = 400
_ZONE_BYTES = 2_000
_POSTCODE_BYTES = 450


def _memo(memo: IdentityMemo[Any], bytes_per_entry: int) -> Callable[[], CacheSize]:
    return lambda: fixed_size(memo.entries, memo.limit, bytes_per_entry)


def _lru(cache: _lru_cache_wrapper[Any], bytes_per_entry: int) -> Callable[[], CacheSize]:
    def size() -> CacheSize:
        info = cache.cache_info()
        return fixed_size(info.currsize, info.maxsize or 0, bytes_per_entry)

    return size


def watch_caches(
    caches: CacheSizes,
    checks: OperationChecks,
    keys: KeyRing,
    holder: dict[str, PromiseService],
) -> None:
    """Name every per-process cache in `caches`."""
    caches.watch("documents", checks.size)
    caches.watch(
        "document_memos",
        lambda: fixed_size(
            checks.memo_entries(), CHECKED_DOCUMENTS * MEMO_ENTRIES, _MEMO_ENTRY_BYTES
        ),
    )
    caches.watch("dispatches", _memo(dispatch.DISPATCHES, _MEMO_ENTRY_BYTES))
    caches.watch("home_timings", _memo(dates.HOME_TIMINGS, _MEMO_ENTRY_BYTES))
    caches.watch("ready_times", _memo(dates.READY, _MEMO_ENTRY_BYTES))
    caches.watch(
        "held_timings",
        lambda: fixed_size(HELD_TIMINGS.entries, HELD_TIMINGS.limit, _MEMO_ENTRY_BYTES),
    )
    caches.watch("geodesics", _lru(geo.geodesic_km, _POINT_BYTES))
    caches.watch("unit_vectors", _lru(geo.unit_vector, _POINT_BYTES))
    caches.watch("time_zones", _lru(dispatch.zone, _ZONE_BYTES))
    caches.watch("regions", _lru(dispatch.national, _ZONE_BYTES))
    caches.watch("postcodes", _lru(destinations.kept_postcode, _POSTCODE_BYTES))
    caches.watch("api_keys", lambda: fixed_size(keys.cached, KEYS_CACHED, _KEY_BYTES))

    def nearby() -> CacheSize:
        service = holder.get("service")
        entries = service.finder.remembered() if service is not None else 0
        return fixed_size(entries, 5 * POINTS_REMEMBERED, _NEARBY_BYTES)

    caches.watch("nearby", nearby)
