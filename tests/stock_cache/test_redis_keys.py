"""The keys a read names per SKU are kept: still the SKU's own keys, in a bounded table."""

from __future__ import annotations

from stock_cache import redis_keys
from stock_cache.redis_keys import RedisKeys
from tests.stock_cache.support import CHAIR, TABLE


def test_the_kept_read_keys_of_a_sku_are_its_stock_reservations_inbound_and_totals() -> None:
    keys = RedisKeys("pg")

    expected = (
        "pg:{s:OAK-TABLE-120}:stock",
        "pg:{s:OAK-TABLE-120}:reserved",
        "pg:{s:OAK-TABLE-120}:allocs",
        "pg:{s:OAK-TABLE-120}:holds",
        "pg:{s:OAK-TABLE-120}:inbound",
        "pg:{s:OAK-TABLE-120}:totals",
    )
    assert keys.sku_reads(TABLE) == expected
    assert keys.sku_reads(TABLE) == expected
    assert keys.sku_reads(CHAIR)[0] == keys.stock(CHAIR)


def test_the_read_keys_kept_stay_bounded_whatever_the_skus_asked() -> None:
    keys = RedisKeys("pg")
    most = redis_keys._MOST_SKUS_KEPT

    for n in range(most + 10):
        keys.sku_reads(f"SKU-{n}")

    assert len(keys._reads) <= most
    # Read again after the table started over: still that SKU's keys.
    assert keys.sku_reads("SKU-3")[::5] == ("pg:{s:SKU-3}:stock", "pg:{s:SKU-3}:totals")
