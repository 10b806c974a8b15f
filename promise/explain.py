"""Why an option is what it is, and why a service gave none: traces and shopper reasons.

An `Explanation` is the trace of one option's search: the rule profile and network versions,
the nodes searched, each node a filter rejected (with the filter), and the objective values
of the best plans compared. A `Reason` is what a shopper may read: a stable code, the values
its text names (a distance, a cut-off, the kind that beats it) for a text in any language,
and the English text such as "same-day unavailable: cut-off 14:00 passed".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import time

from carriers.services import DeliveryKind
from promise.profiles import Criterion, Rejection


class ReasonCode(enum.Enum):
    CUTOFF_PASSED = "CUTOFF_PASSED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    EXCLUDED_BY_RULES = "EXCLUDED_BY_RULES"
    NOT_IN_STOCK = "NOT_IN_STOCK"
    TOO_HEAVY = "TOO_HEAVY"
    TOO_LONG = "TOO_LONG"
    NO_DELIVERY_DAY = "NO_DELIVERY_DAY"
    DOMINATED = "DOMINATED"


KIND_NAMES = {
    DeliveryKind.HOME_STANDARD: "standard delivery",
    DeliveryKind.HOME_EXPRESS: "express",
    DeliveryKind.HOME_TWO_PERSON: "two-person delivery",
    DeliveryKind.SAME_DAY: "same-day",
    DeliveryKind.CLICK_AND_COLLECT: "click & collect",
    DeliveryKind.PICKUP_POINT: "pickup point",
    DeliveryKind.TRANSFER: "transfer",
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text: str
    # The values `text` names, where it names one.
    km: float | None = None
    cutoff: time | None = None
    better: DeliveryKind | None = None


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A service the request could not be offered, and why."""

    service_code: str
    kind: DeliveryKind
    reason: Reason


def unavailable(
    kind: DeliveryKind,
    service_code: str,
    code: ReasonCode,
    why: str,
    *,
    km: float | None = None,
    cutoff: time | None = None,
    better: DeliveryKind | None = None,
) -> Unavailable:
    text = f"{KIND_NAMES[kind]} unavailable: {why}"
    return Unavailable(service_code, kind, Reason(code, text, km, cutoff, better))


@dataclass(frozen=True, slots=True)
class ComparedPlan:
    """One plan the search judged: its nodes, parcels and objective values."""

    nodes: tuple[str, ...]
    shipments: int
    values: tuple[float, ...]
    chosen: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    profile: str
    profile_version: str
    network_version: str
    objective: tuple[Criterion, ...]
    considered: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    compared: tuple[ComparedPlan, ...]
    # True when the plan is known optimal (exact search), False for the bounded beam.
    exact: bool
