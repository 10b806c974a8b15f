"""Hypothesis strategies of GraphQL requests over the gateway's real query fields.

A request is a document of one to three operations, its variables and an operation name.
The documents mix what the fast path takes shortcuts on and what it must hand back:
aliases, named and inline fragments on the result unions, on the listing's list of unions
and on the `Problem` interface,
`@skip`/`@include` by literal or variable, variables with and without defaults, given,
missing or null, single values where lists are expected, the @oneOf destination with one
key, two keys or a null one, unknown SKUs and postcodes, and a SKU whose stock reads fail
(`FAULTY_SKU`, failed by the tests' store). Some are invalid on purpose: unused fragments
or variables, a nullable variable in a @oneOf field, wrong types, unknown operation names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

# A SKU of the demo network whose stock reads the tests' store fails, as a bug would.
FAULTY_SKU = "DOWN-PILLOW-65"
SKUS = ("OAK-TABLE-120", "LINEN-DUVET-220", "OAK-CHAIR", FAULTY_SKU, "NO-SUCH-SKU")
POSTCODES = ("69003", "75011", "13001", "99999")
ORDER_TIME = "2026-11-23T10:00:00+01:00"
_ENUM = re.compile(r"^[A-Z][A-Z_]*$")


@dataclass
class Request:
    """What a client posts: the document's text, its variables, the operation to run."""

    query: str
    variables: dict[str, Any]
    operation_name: str | None

    def body(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "variables": self.variables,
            "operationName": self.operation_name,
        }


@dataclass
class _Operation:
    """One operation being drawn: its variables' definitions and values, its fragments."""

    definitions: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    aliases: int = 0
    roots: set[str] = field(default_factory=set)


class _Builder:
    def __init__(self, data: st.DataObject) -> None:
        self.draw = data.draw
        self.fragments: dict[str, str] = {}
        self.op = _Operation()

    # -- values and variables -----------------------------------------------------------

    def variable(self, name: str, types: tuple[str, ...], values: tuple[Any, ...]) -> str:
        """A variable of one of `types` (mostly the first, which fits where it is used),
        maybe with a default; mostly given one of `values`, sometimes null or nothing."""
        if name not in self.op.definitions:
            kind = types[0] if self.draw(st.integers(0, 5)) else self.draw(st.sampled_from(types))
            default = ""
            if self.draw(st.integers(0, 2)) == 0:
                default = " = " + _literal(values[0])
            self.op.definitions[name] = f"${name}: {kind}{default}"
            given = self.draw(st.integers(0, 9))
            if given < 8:
                self.op.values[name] = self.draw(st.sampled_from(values))
            elif given == 8:
                self.op.values[name] = None
        return f"${name}"

    def skus(self) -> str:
        choice = self.draw(st.integers(0, 5))
        if choice == 0:
            return self.variable(
                "skus", ("[String!]!", "[String!]", "String!"), (["OAK-CHAIR"], "OAK-CHAIR")
            )
        if choice == 1:  # a single value for the list
            return _literal(self.draw(st.sampled_from(SKUS)))
        if choice == 2:
            return "[" + self.variable("sku", ("String!", "String"), SKUS[:4]) + "]"
        picked = self.draw(st.lists(st.sampled_from(SKUS), min_size=0, max_size=3))
        return _literal(picked)

    def destination(self) -> str:
        choice = self.draw(st.integers(0, 14))
        postcode = self.draw(st.sampled_from(POSTCODES))
        if choice == 0:
            return self.variable(
                "near",
                ("DestinationInput", "DestinationInput!"),
                (
                    {"postcode": {"postcode": "69003"}},
                    {"storeId": "LYON-PART-DIEU"},
                    {"storeId": None},
                    {"postcode": {"postcode": "69003"}, "storeId": "LYON-PART-DIEU"},
                ),
            )
        if choice == 1:
            return "{storeId: " + self.variable("store", ("ID!", "ID"), ("LYON-PART-DIEU",)) + "}"
        if choice == 2:
            return '{storeId: "LYON-PART-DIEU"}'
        if choice == 3:
            return "{storeId: null}"
        if choice == 4:
            return '{postcode: {postcode: "69003"}, storeId: "X"}'
        if choice == 5:
            return "{coordinates: {latitude: 45.76, longitude: 4.84}}"
        if choice == 6:
            pc = self.variable("pc", ("String!", "String"), POSTCODES)
            return "{postcode: {country: " + '"FR", postcode: ' + pc + "}}"
        return '{postcode: {postcode: "' + postcode + '"}}'

    def kinds(self) -> str:
        fixed = (
            "",
            ", kinds: [HOME_STANDARD]",
            ", kinds: HOME_STANDARD",
            ", kinds: null",
            ", kinds: [CLICK_AND_COLLECT, PICKUP_POINT]",
        )
        choice = self.draw(st.integers(0, len(fixed)))
        if choice < len(fixed):
            return fixed[choice]
        kinds = ("[DeliveryKind!]", "DeliveryKind")
        return ", kinds: " + self.variable("kinds", kinds, (["HOME_STANDARD"], "SAME_DAY", ["X"]))

    # -- selections ----------------------------------------------------------------------

    def name(self, field_name: str) -> str:
        if self.op.aliases < 6 and self.draw(st.integers(0, 5)) == 0:
            self.op.aliases += 1
            return f"{self.draw(st.sampled_from(('a', 'b', 'x')))}{self.op.aliases}: {field_name}"
        return field_name

    def directive(self) -> str:
        choice = self.draw(st.integers(0, 7))
        if choice == 0:
            return " @skip(if: true)"
        if choice == 1:
            return " @include(if: false)"
        if choice == 2:
            flag = self.variable("flag", ("Boolean!", "Boolean"), (True, False))
            return f" @{self.draw(st.sampled_from(('skip', 'include')))}(if: {flag})"
        return ""

    def pick(self, fields: tuple[str | tuple[str, Callable[[], str]], ...]) -> str:
        """Some of `fields` (a name, or a name and what draws its selection when picked),
        each maybe aliased and skipped."""
        chosen = self.draw(
            st.lists(st.sampled_from(range(len(fields))), min_size=1, max_size=4, unique=True)
        )
        picked = []
        for position in chosen:
            given = fields[position]
            name, inner = (given, None) if isinstance(given, str) else given
            selection = "" if inner is None else " { " + inner() + " }"
            picked.append(self.name(name) + self.directive() + selection)
        return " ".join(picked)

    def problem(self) -> str:
        choice = self.draw(st.integers(0, 3))
        if choice == 0:
            self.fragments.setdefault("P", "fragment P on Problem { code field message }")
            return "...P"
        fields = self.pick(("code", "message", "field", "__typename"))
        if choice == 1:
            return "... on UnknownSku { " + fields + " }"
        return "... on Problem { " + fields + " }"

    def items(self) -> str:
        def node() -> str:
            return self.pick(("id", "city", "type", "name"))

        def nodes() -> str:
            return self.pick((("node", node), "atp", "distanceKm"))

        return "items { " + self.pick(("sku", "name", "total", ("nodes", nodes))) + " }"

    def availability_selection(self) -> str:
        parts = ["__typename"] if self.draw(st.booleans()) else []
        if self.draw(st.booleans()):
            self.fragments.setdefault(
                "Stock", "fragment Stock on Availability { items { sku total } }"
            )
            parts.append("...Stock" + self.directive())
        if self.draw(st.integers(0, 3)) > 0:
            parts.append("... on Availability" + self.directive() + " { " + self.items() + " }")
        if self.draw(st.booleans()):
            parts.append(self.problem())
        return " ".join(parts) or "__typename"

    def options_selection(self) -> str:
        def shipment() -> str:
            return self.pick((("node", lambda: "id"), ("lines", lambda: "sku quantity")))

        def option() -> str:
            return self.pick(
                (
                    "kind",
                    "promisedDate",
                    "likelyDate",
                    "priceCents",
                    "labels",
                    ("shipments", shipment),
                    "currency",
                )
            )

        parts = ["__typename"] if self.draw(st.booleans()) else []
        if self.draw(st.integers(0, 3)) > 0:
            unavailable = ("unavailable", lambda: "kind reason { code }")
            inner = self.pick((("options", option), unavailable))
            parts.append("... on DeliveryOptions { " + inner + " }")
        if self.draw(st.booleans()):
            parts.append(self.problem())
        return " ".join(parts) or "__typename"

    def listing_selection(self) -> str:
        def headline() -> str:
            fields = ("kind", "serviceCode", "distanceKm", "likelyDate", "promisedDate")
            more = ("orderBy", "orderWithin", "priceCents", "currency", "readyAt")
            return self.pick((*fields, *more, ("node", lambda: "id city")))

        def promise() -> str:
            offered = ("notOffered", lambda: "kind reason { code }")
            return self.pick(("sku", "name", ("headlines", headline), offered, "__typename"))

        def item() -> str:
            parts = ["__typename"] if self.draw(st.booleans()) else []
            choice = self.draw(st.integers(0, 3))
            if choice == 0:
                self.fragments.setdefault(
                    "Headlines", "fragment Headlines on ListingPromise { sku headlines { kind } }"
                )
                parts.append("...Headlines" + self.directive())
            elif choice > 1:
                parts.append("... on ListingPromise" + self.directive() + " { " + promise() + " }")
            if self.draw(st.booleans()):
                parts.append(self.problem())
            return " ".join(parts) or "__typename"

        parts = ["__typename"] if self.draw(st.booleans()) else []
        if self.draw(st.integers(0, 3)) > 0:
            inner = self.pick((("items", item),))
            parts.append("... on ListingPromises { " + inner + " }")
        if self.draw(st.booleans()):
            parts.append(self.problem())
        return " ".join(parts) or "__typename"

    # -- root fields and operations ------------------------------------------------------

    def root_name(self, name: str) -> str:
        """`name`, aliased when the operation selects it already: fields of one name with
        other arguments would not merge (tested once in a while all the same)."""
        if name in self.op.roots and self.draw(st.integers(0, 9)):
            self.op.aliases += 1
            return f"r{self.op.aliases}: {name}"
        self.op.roots.add(name)
        return self.name(name)

    def root(self) -> str:
        choice = self.draw(st.integers(0, 5))
        if choice == 0:
            return self.name("__typename")
        if choice == 5:
            return (
                self.root_name("listingPromises")
                + f"(skus: {self.skus()}, destination: {self.destination()}{self.kinds()})"
                + self.directive()
                + " { "
                + self.listing_selection()
                + " }"
            )
        if choice in (1, 2):
            near = ", near: " + self.destination() if self.draw(st.booleans()) else ""
            first = self.draw(st.sampled_from(("", ", first: 2", ", first: -1", "$")))
            if first == "$":
                first = ", first: " + self.variable("first", ("Int", "Int!"), (3, "three"))
            return (
                self.root_name("availability")
                + f"(skus: {self.skus()}{near}{first})"
                + self.directive()
                + " { "
                + self.availability_selection()
                + " }"
            )
        sku = self.draw(st.sampled_from(SKUS))
        quantity = self.draw(st.sampled_from((1, 2, 0)))
        lines = _literal({"sku": sku, "quantity": quantity})
        if self.draw(st.booleans()):
            lines = f"[{lines}]"
        when = f', orderTime: "{ORDER_TIME}"' if self.draw(st.integers(0, 3)) else ""
        return (
            self.root_name("deliveryOptions")
            + f"(input: {{lines: {lines}, destination: {self.destination()}{self.kinds()}{when}}})"
            + " { "
            + self.options_selection()
            + " }"
        )

    def operation(self, name: str | None) -> tuple[str, dict[str, Any]]:
        self.op = _Operation()
        roots = [self.root() for _ in range(self.draw(st.integers(1, 3)))]
        head = "query" + (f" {name}" if name else "")
        if self.op.definitions:
            head += "(" + ", ".join(self.op.definitions.values()) + ")"
        return head + " { " + " ".join(roots) + " }", self.op.values


def _literal(value: Any) -> str:
    """A GraphQL literal of a JSON value (object keys unquoted)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, str) and _ENUM.match(value):
        return value
    return json.dumps(value)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """A document of one to three operations, its variables and an operation name."""
    builder = _Builder(draw(st.data()))
    count = draw(st.integers(1, 3))
    names = [f"Q{n}" for n in range(count)]
    anonymous = count == 1 and draw(st.booleans())
    texts: list[str] = []
    variables: dict[str, Any] = {}
    for name in names:
        text, values = builder.operation(None if anonymous else name)
        texts.append(text)
        variables.update(values)
    operation_name = (
        draw(st.sampled_from(names))
        if draw(st.integers(0, 7))
        else draw(st.sampled_from((*names, None, "Missing")))
    )
    if count == 1 and draw(st.booleans()):
        operation_name = None
    return Request(" ".join([*texts, *builder.fragments.values()]), variables, operation_name)
