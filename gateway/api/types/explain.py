"""Why options are what they are: the trace of `explain: true`, and reasons for shoppers."""

from __future__ import annotations

import strawberry

from carriers.services import DeliveryKind
from gateway.api.texts.shopper_texts import ShopperTexts
from promise import explain
from promise.profiles import Criterion, Filter

# The domain's closed sets are the schema's enums, registered in place: one definition each.
strawberry.enum(explain.ReasonCode)
strawberry.enum(Criterion, name="SourcingCriterion")
strawberry.enum(Filter, name="NodeFilter")


@strawberry.type
class Reason:
    code: explain.ReasonCode
    text: str = strawberry.field(
        description=(
            "For shoppers, in their language: 'same-day unavailable: cut-off 2:00 PM passed'."
        )
    )


@strawberry.type
class UnavailableService:
    kind: DeliveryKind
    service_code: str
    reason: Reason

    @staticmethod
    def from_domain(missing: explain.Unavailable, texts: ShopperTexts) -> UnavailableService:
        return UnavailableService(
            kind=missing.kind,
            service_code=missing.service_code,
            reason=Reason(code=missing.reason.code, text=texts.reason(missing)),
        )


@strawberry.type
class RejectedNode:
    node_id: strawberry.ID
    filter: Filter = strawberry.field(description="The first filter of the profile it failed.")


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
    objective: list[Criterion]
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
            objective=list(trace.objective),
            considered_node_ids=[strawberry.ID(n) for n in trace.considered],
            rejected=[
                RejectedNode(node_id=strawberry.ID(r.node_id), filter=r.filter)
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
