"""A cart line the stock cannot cover in full: how many can be had, and at which nodes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HeldAt:
    node_id: str
    units: int


@dataclass(frozen=True, slots=True)
class ShortLine:
    """`available` of `requested` units at the nodes read, the nodes holding most first."""

    sku: str
    requested: int
    available: int
    nodes: tuple[HeldAt, ...]
