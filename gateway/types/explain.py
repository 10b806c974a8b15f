"""Why options are what they are: the trace of `explain: true`, and reasons for shoppers."""

from __future__ import annotations

import enum

import strawberry

from carriers.services import DeliveryKind
from promise import explain
from promise.profiles import Criterion as DomainCriterion
from promise.profiles import Filter as DomainFilter


@strawberry.enum
class ReasonCode(enum.Enum):
    CUTOFF_PASSED = "CUTOFF_PASSED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    EXCLUDED_BY_RULES = "EXCLUDED_BY_RULES"
    NOT_IN_STOCK = "NOT_IN_STOCK"
    TOO_HEAVY = "TOO_HEAVY"
    NO_DELIVERY_DAY = "NO_DELIVERY_DAY"
    DOMINATED = "DOMINATED"


@strawberry.enum
class SourcingCriterion(enum.Enum):
    FEWEST_SHIPMENTS = "FEWEST_SHIPMENTS"
    DELIVERY_DATE = "DELIVERY_DATE"
    COST = "COST"
    CO2E = "CO2E"
    DISTANCE = "DISTANCE"
    NODE_PRIORITY = "NODE_PRIORITY"
    STOCK_DEPTH = "STOCK_DEPTH"


@strawberry.enum
class NodeFilter(enum.Enum):
    NODE_TYPE = "NODE_TYPE"
    SHIP_FROM_STORE = "SHIP_FROM_STORE"
    EXCLUDED = "EXCLUDED"
    MAX_DISTANCE = "MAX_DISTANCE"
    CAPACITY = "CAPACITY"


@strawberry.type
class Reason:
    code: ReasonCode
    text: str = strawberry.field(
        description="For shoppers: 'same-day unavailable: cut-off 14:00 passed'."
    )


@strawberry.type
class UnavailableService:
    kind: DeliveryKind
    service_code: str
    reason: Reason

    @staticmethod
    def from_domain(missing: explain.Unavailable) -> UnavailableService:
        return UnavailableService(
            kind=missing.kind,
            service_code=missing.service_code,
            reason=Reason(code=ReasonCode(missing.reason.code.value), text=missing.reason.text),
        )


@strawberry.type
class RejectedNode:
    node_id: strawberry.ID
    filter: NodeFilter = strawberry.field(description="The first filter of the profile it failed.")


@strawberry.type
class ComparedPlan:
    node_ids: list[strawberry.ID]
    shipments: int
    values: list[float] = strawberry.field(
        description="The plan's values, in the order of `objective` (smaller is better)."
    )
    chosen: bool


@strawberry.type
class OptionExplanation:
    profile: str
    profile_version: str
    network_version: str
    objective: list[SourcingCriterion]
    considered_node_ids: list[strawberry.ID] = strawberry.field(
        description="Nodes the profile's filters let through, nearest first."
    )
    rejected: list[RejectedNode]
    compared: list[ComparedPlan] = strawberry.field(
        description="The best plans judged, best first."
    )
    exact: bool = strawberry.field(
        description="True when an exhaustive search proved the plan optimal; false for the "
        "bounded beam search of large carts."
    )

    @staticmethod
    def from_domain(trace: explain.Explanation) -> OptionExplanation:
        return OptionExplanation(
            profile=trace.profile,
            profile_version=trace.profile_version,
            network_version=trace.network_version,
            objective=[SourcingCriterion(c.value) for c in trace.objective],
            considered_node_ids=[strawberry.ID(n) for n in trace.considered],
            rejected=[
                RejectedNode(node_id=strawberry.ID(r.node_id), filter=NodeFilter(r.filter.value))
                for r in trace.rejected
            ],
            compared=[
                ComparedPlan(
                    node_ids=[strawberry.ID(n) for n in plan.nodes],
                    shipments=plan.shipments,
                    values=list(plan.values),
                    chosen=plan.chosen,
                )
                for plan in trace.compared
            ],
            exact=trace.exact,
        )


# The schema's enums mirror the domain's, member for member.
assert {c.value for c in SourcingCriterion} == {c.value for c in DomainCriterion}
assert {f.value for f in NodeFilter} == {f.value for f in DomainFilter}
assert {r.value for r in ReasonCode} == {r.value for r in explain.ReasonCode}
