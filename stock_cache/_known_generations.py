"""The committed snapshot generations a standalone reader last read, kept with their epoch.

A one-trip read used to have each SKU script read its nodes' generations (an HMGET of some
40 fields of the `{gens}` hash per script, a sixth of a product page's server time). A script
that reads them returns them; the reader keeps them and sends them with the next read of
those nodes, with the epoch they were read at. The script checks that epoch against the
hash's (one HGET): every snapshot flip bumps it in the step that changes a generation, so an
equal epoch means every generation sent still holds. Otherwise the script reads them itself,
as before, and returns the new ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from stock_cache._node_blocks import generations_part

# Nodes kept: a network's worth and more; past it (nodes named by callers) start again.
_MOST_NODES = 100_000
# Parts kept encoded, by list of nodes, while nothing new is learnt; past it, start again.
_MOST_PARTS = 4_096

READ_IN_SCRIPT = b"0]"
"""The generations part of a block whose generations the script reads itself."""


class KnownGenerations:
    def __init__(self) -> None:
        self._epoch = ""
        self._of: dict[str, int] = {}
        # The parts made since the last generations learnt: a product page sends the same
        # nodes' part read after read while no snapshot flips.
        self._parts: dict[tuple[str, ...], bytes] = {}

    def part(self, nodes: Sequence[str]) -> tuple[str, bytes]:
        """The epoch and generations part to send for these nodes: ('', READ_IN_SCRIPT) unless
        every one of them was read at the same, latest epoch seen."""
        key = tuple(nodes)
        made = self._parts.get(key)
        if made is not None:
            return self._epoch, made
        of = self._of
        if not self._epoch or any(node not in of for node in nodes):
            return "", READ_IN_SCRIPT
        if len(self._parts) >= _MOST_PARTS:
            self._parts = {}
        made = self._parts[key] = generations_part([str(of[node]) for node in nodes])
        return self._epoch, made

    def at(self, epoch: str, nodes: Sequence[str]) -> list[str | None] | None:
        """These nodes' generations as an HMGET of them would give at `epoch`, if known."""
        of = self._of
        if epoch != self._epoch or any(node not in of for node in nodes):
            return None
        return [str(of[node]) for node in nodes]

    def learn(self, epoch: str, nodes: Sequence[str], generations: Sequence[int]) -> None:
        """Generations a script read at `epoch` (nothing when it used those sent)."""
        if not generations:
            return
        if self._epoch and int(epoch) < int(self._epoch):
            # A read that started before a flip answered after one that saw it.
            return
        if epoch != self._epoch or len(self._of) > _MOST_NODES:
            self._epoch, self._of = epoch, {}
        self._of.update(zip(nodes, generations, strict=True))
        self._parts = {}


Generations = tuple[str, list[str | None]]
"""An epoch and some nodes' generations, as an HMGET of `{gens}` gives them."""


async def generations_for_fill(
    known: KnownGenerations,
    read: Callable[[Sequence[str]], Awaitable[Generations]],
    read_epoch: str | None,
    nodes: Sequence[str],
) -> Generations:
    """The epoch and generations a fill goes with: those this process read at the epoch of
    the read that missed hold for a fill at that epoch (every flip bumps it), which saves
    their HMGET; else `read` them now, and learn them."""
    kept = None if read_epoch is None else known.at(read_epoch, nodes)
    if read_epoch is not None and kept is not None:
        return read_epoch, kept
    epoch, values = await read(nodes)
    known.learn(epoch, nodes, [int(value or 0) for value in values])
    return epoch, values
