"""Figures of the places package: load time and memory, cost of a lookup, coverage per country
and precision split, and the round trip of each postcode's point through `place_at`.

The load is timed in a fresh process (this one) on its first call; the resident size is read
from /proc before and after. Lookups are timed over many calls with `time.perf_counter`.

Run: `python -m bench.places`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

import places
from places import Place, Precision


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _per_call_us(calls: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    before = _resident_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    table = places.load()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"load: {wall:.2f} s wall, {cpu:.2f} s CPU, resident +{_resident_mib() - before:.0f} MiB")
    print(f"{len(table.places):,} postcodes, {len(table.grid):,} indexed points")

    resolve = _per_call_us(200_000, lambda: places.resolve_postcode("FR", "57000"))
    print(f"resolve_postcode: {resolve:.2f} us")
    print(f"place_at Metz: {_per_call_us(5_000, lambda: places.place_at(49.119, 6.176)):.1f} us")
    rng = random.Random(24)
    points = [(rng.uniform(42.0, 51.0), rng.uniform(-4.5, 8.0)) for _ in range(5_000)]
    start = time.perf_counter()
    for latitude, longitude in points:
        places.place_at(latitude, longitude)
    spread = (time.perf_counter() - start) / len(points) * 1e6
    print(f"place_at, random points over France and its seas: {spread:.1f} us")

    print("\ncountry  postcodes  POSTCODE  LOCALITY  REGION  round trip (same country+subdivision)")
    split = Counter((place.country, place.precision) for place in table.places.values())
    for country in places.SERVED:
        own = [p for p in table.places.values() if p.country == country]
        kept = 0
        for place in own:
            found = places.place_at(place.latitude, place.longitude)
            if isinstance(found, Place) and (found.country, found.subdivision) == (
                place.country,
                place.subdivision,
            ):
                kept += 1
        counts = [
            split[country, precision] for precision in Precision if precision is not Precision.POINT
        ]
        print(
            f"{country:7}  {len(own):9,}  "
            + "  ".join(f"{n:8,}" for n in counts)
            + f"  {kept / len(own):.2%}"
        )


if __name__ == "__main__":
    main()
