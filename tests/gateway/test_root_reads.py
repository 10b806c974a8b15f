"""A query's root fields completed by a plan answer as graphql-core's executor answers them.

On a small schema whose async root fields return union members (a found object, failures
through an interface fragment, a null where none is allowed inside, a class no member is,
an exception, a null for a nullable union), `run_checked` gives graphql-core's own data and
errors, and calls each resolver once, whether the plan completes the results or hands them
to graphql-core. Operations the plan does not cover are left to graphql-core.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Annotated, Any, cast

import pytest
import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    parse,
)
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.api.context import Context
from gateway.fastpath.execution import (
    UNEXPECTED,
    _Executor,
    check_document,
    is_unexpected,
    run_checked,
)
from gateway.fastpath.root_reads import plan_roots
from gateway.ops.metrics import Metrics, count_outcomes

CALLS: Counter[str] = Counter()


@strawberry.type
class Found:
    name: str
    count: int


@strawberry.interface
class Failure:
    code: str


@strawberry.type
class Missing(Failure):
    field: str | None


@strawberry.type
class Broken(Failure):
    detail: str


class Stranger:
    """Of no member of the union."""


Result = Annotated[Found | Missing | Broken, strawberry.union("Result")]


def looked(name: str, count: int) -> Result:
    if name == "raise":
        raise RuntimeError("the lookup failed")
    if name == "missing":
        return Missing(code="MISSING", field="name")
    if name == "broken":
        return Broken(code="BROKEN", detail="a bad day")
    if name == "stranger":
        return cast("Found", Stranger())
    if name == "null-inside":
        return Found(name=cast("str", None), count=count)
    return Found(name=name, count=count)


@strawberry.type
class Query:
    @strawberry.field
    async def look(self, name: str, count: int = 1) -> Result:
        CALLS["look"] += 1
        return looked(name, count)

    @strawberry.field
    async def maybe(self, name: str) -> Result | None:
        CALLS["maybe"] += 1
        return None if name == "none" else Found(name=name.upper(), count=0)

    @strawberry.field
    async def greet(self, info: strawberry.Info, names: list[str]) -> str:
        return ", ".join(names)


small = strawberry.Schema(query=Query)

PAGE = """query Page($name: String!, $count: Int) {
  __typename
  look(name: $name, count: $count) { __typename ... on Found { name count } ...Fails }
  other: maybe(name: $name) { ... on Found { shout: name } ... on Missing { code } } }
fragment Fails on Failure { code ... on Missing { field } ... on Broken { detail } }"""
LITERALS = """query Literals($name: String!) { look(name: $name, count: 7) { ... on Found {
  name count } } again: look(name: "lamp") { ... on Found { count } } }"""


def masked(errors: list[GraphQLError] | None) -> list[tuple[Any, str]]:
    return sorted(
        (error.path, UNEXPECTED if is_unexpected(error) else error.message)
        for error in errors or []
    )


async def graphql_cores(document: str, variables: dict[str, Any]) -> ExecutionResult:
    answer = execute(
        small._schema,
        parse(document),
        context_value=object(),
        variable_values=variables,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert not isinstance(answer, ExecutionResult | list)
    found = await answer
    assert isinstance(found, ExecutionResult)
    return found


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (PAGE, {"name": "lamp", "count": 2}),
        (PAGE, {"name": "missing"}),
        (PAGE, {"name": "broken"}),
        (PAGE, {"name": "none"}),
        (PAGE, {"name": "raise"}),
        (PAGE, {"name": "stranger"}),
        (PAGE, {"name": "null-inside", "count": 3}),
        (LITERALS, {"name": "desk"}),
    ],
    ids=["found", "missing", "broken", "null", "raises", "stranger", "null-inside", "literals"],
)
async def test_the_answer_is_graphql_cores_own_and_each_resolver_runs_once(
    document: str, variables: dict[str, Any]
) -> None:
    expected = await graphql_cores(document, variables)
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    resolved = sum(
        1
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode) and selection.name.value != "__typename"
    )

    # Twice: the second run takes the plan the first one made.
    for _ in range(2):
        CALLS.clear()
        found = await run_checked(
            small,
            parse(document),
            variables=variables,
            operation_name=None,
            context=cast("Context", object()),
        )

        assert found.data == expected.data
        assert masked(found.errors) == masked(expected.errors)
        assert sum(CALLS.values()) == resolved


async def test_what_the_plan_completes(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_expected(*_: object) -> None:
        raise AssertionError("graphql-core's executor ran an operation the plan completes")

    monkeypatch.setattr(_Executor, "execute_operation", not_expected)
    found = await run_checked(
        small,
        parse(PAGE),
        variables={"name": "missing"},
        operation_name=None,
        context=cast("Context", object()),
    )

    assert found.errors is None
    assert found.data == {
        "__typename": "Query",
        "look": {"__typename": "Missing", "code": "MISSING", "field": "name"},
        "other": {"shout": "MISSING"},
    }


@pytest.mark.parametrize(
    ("document", "planned"),
    [
        (PAGE, True),
        (LITERALS, True),
        ('{ greet(names: ["a", "b"]) }', False),  # a leaf, not a union
        ('query A($all: Boolean!) { look(name: "a") @include(if: $all) { __typename } }', False),
        ('{ ...Roots } fragment Roots on Query { look(name: "a") { __typename } }', False),
        ('{ look(name: "a") { __typename } look(name: "a") { __typename } }', False),
        ('{ a: look(name: "a") { __typename } a: maybe(name: "b") { __typename } }', False),
        (
            'query B($b: Boolean!) { look(name: "a") { ... on Found @skip(if: $b) { name } } }',
            False,
        ),
        ('{ look(name: "a") { ... on Found { name name: count } } }', False),
        ("mutation { look }", False),
    ],
    ids=[
        "page",
        "literals",
        "leaf",
        "root directive",
        "root fragment",
        "key twice",
        "alias twice",
        "fragment directive",
        "merged keys",
        "mutation",
    ],
)
def test_which_operations_the_plan_covers(document: str, planned: bool) -> None:
    checked = check_document(small._schema, parse(document, no_location=True))
    operation = next(iter(checked.operations.values()))
    assert isinstance(operation, OperationDefinitionNode)

    plan = plan_roots(small._schema, operation, checked.fragment_definitions)

    assert (plan is not None) == planned


async def test_a_leaf_root_field_still_answers_through_graphql_core() -> None:
    found = await run_checked(
        small,
        parse('{ greet(names: ["a", "b"]) }'),
        variables=None,
        operation_name=None,
        context=cast("Context", object()),
    )

    assert found.data == {"greet": "a, b"}


class OnlyAllowed(BasePermission):
    message = "this caller may not look"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return bool(info.context.allowed) and kwargs.get("name") != "secret"


GUARDS: list[type[BasePermission]] = [OnlyAllowed]


@strawberry.type
class Guarded:
    # Named as a field the gateway's metrics count.
    @strawberry.field(permission_classes=GUARDS)  # type: ignore[untyped-decorator]
    async def availability(self, info: strawberry.Info, name: str, count: int = 1) -> Result:
        info.context.seen.append((name, count))
        return looked(name, count)


guarded = strawberry.Schema(query=Guarded)
count_outcomes(guarded._schema)
GUARDED = """query G($name: String!) { availability(name: $name, count: 4) {
  ... on Found { name count } ... on Failure { code } } }"""


@dataclass
class Caller:
    allowed: bool
    platform: Any = field(default_factory=lambda: SimpleNamespace(metrics=Metrics()))
    seen: list[tuple[str, int]] = field(default_factory=list)

    def counted(self) -> dict[str, float]:
        return {
            sample.labels["outcome"]: sample.value
            for metric in self.platform.metrics.promises.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        }


@pytest.mark.parametrize(
    ("allowed", "name"),
    [(True, "lamp"), (True, "missing"), (True, "raise"), (True, "secret"), (False, "lamp")],
    ids=["found", "missing", "raises", "refused by argument", "refused caller"],
)
async def test_a_guarded_root_field_answers_and_counts_as_strawberrys_chain(
    allowed: bool, name: str
) -> None:
    theirs, ours = Caller(allowed), Caller(allowed)
    answer = execute(
        guarded._schema,
        parse(GUARDED),
        context_value=theirs,
        variable_values={"name": name},
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert not isinstance(answer, ExecutionResult | list)
    expected = await answer
    assert isinstance(expected, ExecutionResult)

    found = await run_checked(
        guarded,
        parse(GUARDED),
        variables={"name": name},
        operation_name=None,
        context=cast("Context", ours),
    )

    assert found.data == expected.data
    assert masked(found.errors) == masked(expected.errors)
    assert ours.seen == theirs.seen
    assert ours.counted() == theirs.counted()


async def test_an_allowed_call_skips_strawberrys_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    async def not_expected(*_: object, **__: object) -> None:
        raise AssertionError("strawberry's permission extension ran")

    monkeypatch.setattr(PermissionExtension, "resolve_async", not_expected)
    caller = Caller(allowed=True)

    found = await run_checked(
        guarded,
        parse(GUARDED),
        variables={"name": "lamp"},
        operation_name=None,
        context=cast("Context", caller),
    )

    assert found.errors is None
    assert found.data == {"availability": {"name": "lamp", "count": 4}}
    assert caller.seen == [("lamp", 4)]
    assert caller.counted() == {"Found": 1.0}
