"""The per-process caches' sizes in `/metrics`: entries and approximate bytes, with their bounds.

Each cache is a named source answering its current entries and bytes and its bounds. Bytes
are estimates: a cache of fixed-size entries (points, dates, keys) counts a measured size
per entry; the document cache counts each document's own estimate (text length times a
measured factor, see gateway/http/documents.py). The figures behind the factors are in
BENCHMARKS.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class CacheSize:
    entries: int
    approx_bytes: int
    max_entries: int
    max_bytes: int


Source = Callable[[], CacheSize]


def fixed_size(entries: int, max_entries: int, bytes_per_entry: int) -> CacheSize:
    """The size of a cache whose entries are all about `bytes_per_entry`."""
    return CacheSize(entries, entries * bytes_per_entry, max_entries, max_entries * bytes_per_entry)


class CacheSizes(Collector):
    """Collects `gateway_cache_entries`, `gateway_cache_bytes` and their maxima, by cache."""

    def __init__(self) -> None:
        self._sources: dict[str, Source] = {}

    def watch(self, name: str, source: Source) -> None:
        self._sources[name] = source

    def sizes(self) -> dict[str, CacheSize]:
        return {name: source() for name, source in self._sources.items()}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "entries": GaugeMetricFamily(
                "gateway_cache_entries", "Entries kept by a per-process cache.", labels=["cache"]
            ),
            "approx_bytes": GaugeMetricFamily(
                "gateway_cache_bytes",
                "Approximate bytes kept by a per-process cache.",
                labels=["cache"],
            ),
            "max_entries": GaugeMetricFamily(
                "gateway_cache_max_entries", "A cache's bound in entries.", labels=["cache"]
            ),
            "max_bytes": GaugeMetricFamily(
                "gateway_cache_max_bytes",
                "A cache's bound in approximate bytes.",
                labels=["cache"],
            ),
        }
        for name, size in self.sizes().items():
            for field, family in families.items():
                family.add_metric([name], getattr(size, field))
        yield from families.values()

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []
