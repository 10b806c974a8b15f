"""IdentityMemo: answers by the identity of objects and the value of the rest."""

from __future__ import annotations

from dataclasses import dataclass

from promise.memo import IdentityMemo


@dataclass(frozen=True)
class Thing:
    name: str


def test_an_answer_is_found_for_the_same_objects_and_equal_values() -> None:
    memo: IdentityMemo[str] = IdentityMemo()
    node, service = Thing("DC-LYON"), Thing("COLISSIMO")
    memo.put((node, service), ("FR", 0.95), "kept")

    assert memo.get((node, service), ("FR", 0.95)) == "kept"
    assert memo.get((node, service), ("FR", 0.8)) is None
    assert memo.get((service, node), ("FR", 0.95)) is None


def test_an_equal_object_that_is_another_one_finds_nothing() -> None:
    memo: IdentityMemo[str] = IdentityMemo()
    node = Thing("DC-LYON")
    memo.put((node,), ("FR",), "kept")

    assert memo.get((Thing("DC-LYON"),), ("FR",)) is None


def test_objects_and_values_split_otherwise_find_nothing() -> None:
    memo: IdentityMemo[str] = IdentityMemo()
    node, other = Thing("DC-LYON"), Thing("DC-LILLE")
    memo.put((node, other), (), "kept")

    # The same key, (id(node), id(other)), with the second id given as a value.
    assert memo.get((node,), (id(other),)) is None


def test_at_the_limit_everything_kept_is_dropped() -> None:
    memo: IdentityMemo[int] = IdentityMemo(limit=2)
    things = [Thing(str(n)) for n in range(3)]
    for n, thing in enumerate(things):
        memo.put((thing,), (), n)

    assert [memo.get((thing,), ()) for thing in things] == [None, None, 2]
