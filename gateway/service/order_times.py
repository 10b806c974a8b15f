"""Order times and local days: the window a promise may be asked for, and the local day at
which a node's daily capacity counts an order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from promise.errors import InvalidInput

# The order times a promise may be asked for, around the gateway's clock (docs/api.md):
# beyond them the calendars have no days to count and no one can order.
ORDER_TIME_PAST = timedelta(days=1)
ORDER_TIME_FUTURE = timedelta(days=366)
# An order time this close to the clock is now (a storefront's clock may be a little off);
# further away the quote is a what-if, answered but never committed.
ORDER_TIME_NOW = timedelta(minutes=2)


def one_day_per_zone(
    zones: Sequence[tuple[str, Sequence[str]]], at: datetime
) -> dict[str, list[str]] | None:
    """What `PromiseService._by_day` answers for nodes grouped by time zone
    (`Nearby.bound_by_zone`), one conversion per zone rather than a look-up per node; None
    when there are no zones, or two of them are on the same day (`_by_day` then merges
    their nodes in the candidates' order)."""
    days = {at.astimezone(ZoneInfo(zone)).date().isoformat(): list(nodes) for zone, nodes in zones}
    return days if days and len(days) == len(zones) else None


def checked_order_time(order_time: datetime, clock: datetime) -> tuple[datetime, bool]:
    """A requested order time within the window, and whether it is a what-if (not now)."""
    if order_time.tzinfo is None:
        raise InvalidInput("the order time needs a time zone", field="input.orderTime")
    if not clock - ORDER_TIME_PAST <= order_time <= clock + ORDER_TIME_FUTURE:
        raise InvalidInput(
            f"the order time must be from {ORDER_TIME_PAST.days} day before now to"
            f" {ORDER_TIME_FUTURE.days} days after it",
            field="input.orderTime",
        )
    return order_time, abs(order_time - clock) > ORDER_TIME_NOW
