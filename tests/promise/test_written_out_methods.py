"""Every `__init__`, `__eq__` and `__hash__` written out in a promise dataclass (so that mypyc
compiles it) stays in step with the fields it mirrors.

The classes are found by reading the package's sources, whatever their modules are called: a
dataclass whose body defines one of those methods is checked. An `__init__` takes the fields in
order with their defaults and stores each value given; `__eq__` and `__hash__` answer as the
dataclass's own would: equal and hashed alike on equal fields, unequal when any field differs.
"""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import enum
import functools
import importlib
import types
import typing
from dataclasses import Field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import promise
from carriers.services import CarrierService
from promise.shipment_load import Load
from tests.promise.builders import a_service

WRITTEN_OUT = ("__init__", "__eq__", "__hash__")
PACKAGE = Path(promise.__file__).parent


def _is_dataclass_decorator(node: ast.expr) -> bool:
    called = node.func if isinstance(node, ast.Call) else node
    return isinstance(called, ast.Name) and called.id == "dataclass"


def _written_out() -> list[tuple[str, str, str, ast.FunctionDef]]:
    """(module, class, method, its definition) for each method written out in a dataclass."""
    found = []
    for source in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef):
                continue
            if not any(_is_dataclass_decorator(d) for d in cls.decorator_list):
                continue
            for method in cls.body:
                if isinstance(method, ast.FunctionDef) and method.name in WRITTEN_OUT:
                    found.append(
                        (f"{promise.__name__}.{source.stem}", cls.name, method.name, method)
                    )
    return found


FOUND = _written_out()


def _of(method: str) -> list[Any]:
    return [
        pytest.param(module, name, definition, id=f"{name}.{method}")
        for module, name, kind, definition in FOUND
        if kind == method
    ]


def _class(module: str, name: str) -> type[Any]:
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    assert dataclasses.is_dataclass(cls)
    return cls


def _value(hint: Any, n: int, depth: int = 0) -> Any:
    """A value of type `hint`, different for each `n`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        return None if depth > 1 else _value(present[0], n, depth)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return (_value(args[0], n, depth + 1),)
        return tuple(_value(arg, n + i, depth + 1) for i, arg in enumerate(args))
    if origin is frozenset:
        return frozenset({_value(args[0], n, depth + 1)})
    if hint is bool:
        return n % 2 == 1
    if origin is collections.abc.Callable:  # stored as given: any callable, one per `n`
        return functools.partial(_called, n)
    if hint is CarrierService:  # validated on construction: a real one
        return a_service(f"SERVICE-{n}")
    if hint is Load:  # a plain class, not a dataclass
        return Load(100 + n, 10 + n, (n,))
    simple: dict[Any, Any] = {
        str: f"value-{n}",
        int: 100 + n,
        float: 0.5 + n,
        datetime: datetime(2026, 11, 23, tzinfo=UTC) + timedelta(hours=n),
        date: date(2026, 11, 23) + timedelta(days=n),
    }
    if hint in simple:
        return simple[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = list(hint)
        return members[n % len(members)]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_values(hint, n, depth + 1))
    raise AssertionError(f"no test value for {hint!r}: add one")


def _called(n: int, *_args: Any) -> int:
    return n


def _hints(cls: type[Any]) -> dict[str, Any]:
    """The fields' types as written: compiled by mypyc, a class keeps only their outer types."""
    module = importlib.import_module(cls.__module__)
    package, _, stem = cls.__module__.rpartition(".")
    if package != promise.__name__:
        return typing.get_type_hints(cls)
    tree = ast.parse((PACKAGE / f"{stem}.py").read_text(encoding="utf-8"))
    (body,) = [c.body for c in tree.body if isinstance(c, ast.ClassDef) and c.name == cls.__name__]
    return {
        line.target.id: eval(ast.unparse(line.annotation), vars(module))
        for line in body
        if isinstance(line, ast.AnnAssign) and isinstance(line.target, ast.Name)
    }


def _values(cls: type[Any], n: int, depth: int = 0) -> dict[str, Any]:
    hints = _hints(cls)
    return {f.name: _value(hints[f.name], n + i, depth) for i, f in enumerate(_fields(cls))}


def _fields(cls: type[Any]) -> tuple[Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


def _default(field: Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def test_the_sources_hold_written_out_methods_of_each_kind() -> None:
    assert {kind for _, _, kind, _ in FOUND} == set(WRITTEN_OUT)


@pytest.mark.parametrize(("module", "name", "definition"), _of("__init__"))
def test_an_init_takes_the_fields_in_order_with_their_defaults(
    module: str, name: str, definition: ast.FunctionDef
) -> None:
    cls = _class(module, name)
    namespace = vars(importlib.import_module(module))
    arguments = definition.args
    given = [a.arg for a in arguments.args[1:]]
    defaults = [eval(ast.unparse(d), namespace) for d in arguments.defaults]

    assert arguments.kwonlyargs == []
    assert (arguments.vararg, arguments.kwarg) == (None, None)
    assert given == [f.name for f in _fields(cls)]
    with_defaults = [f for f in _fields(cls) if _default(f) is not dataclasses.MISSING]
    assert given[len(given) - len(defaults) :] == [f.name for f in with_defaults]
    assert defaults == [_default(f) for f in with_defaults]


@pytest.mark.parametrize(("module", "name", "definition"), _of("__init__"))
def test_an_init_stores_each_value_given_and_each_default(
    module: str, name: str, definition: ast.FunctionDef
) -> None:
    cls = _class(module, name)
    values = _values(cls, 1)
    required = {f.name: values[f.name] for f in _fields(cls) if _default(f) is dataclasses.MISSING}

    made = cls(*values.values())
    bare = cls(**required)

    assert {field: getattr(made, field) for field in values} == values
    assert made == cls(**values)
    for field in _fields(cls):
        expected = required.get(field.name, _default(field))
        assert getattr(bare, field.name) == expected, field.name


def _equality_cases() -> list[Any]:
    return [*_of("__eq__"), *_of("__hash__")]


@pytest.mark.parametrize(("module", "name", "definition"), _equality_cases())
def test_equality_and_hash_follow_every_field(
    module: str, name: str, definition: ast.FunctionDef
) -> None:
    cls = _class(module, name)
    values = _values(cls, 1)
    one, same = cls(**values), cls(**values)

    assert one == same
    assert (one != same) is False
    assert hash(one) == hash(same) == hash(tuple(values.values()))
    assert one != tuple(values.values())
    for field, other in _values(cls, 7).items():
        changed = cls(**{**values, field: other})
        assert one != changed, field
        assert (one == changed) is False, field
