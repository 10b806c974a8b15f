"""The nodes a SKU script reads, as one encoded argument per block of nodes, kept encoded.

A script reading N nodes once took 6 arguments per node, and redis-py encodes each argument
on its own (about 1.5 µs): a fill of a 1,000-node network cost the client some 10 ms. A
block is one JSON argument instead, `[ids, profiles, profile of each node, generations]`,
a profile being `[safety units, safety share, cap, future]` and the profile of each node a
string of one character a node (which_part): nodes under the same rules share
one, which keeps both the argument and its decoding in Lua (`read_block` in _blocks.lua)
small. Everything but the generations depends only on the rules, so that part is encoded
once per (channel, nodes) and kept; a SKU with (node, SKU) rules at some of the nodes gets
a part of its own. The generations are spliced in per read, from the HMGET's reply as is.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Container, Sequence

from stock_cache._script_args import KeptArgument, ScriptArgs
from stock_cache.rules import StockRules

# Client memory for kept blocks, per store: a gateway asks about a few networks (~25 KB per
# 1,000 nodes) and candidate sets (~1 KB), under a few channels.
_BUDGET_BYTES = 8 * 1024 * 1024

_Key = tuple[str | None, tuple[str, ...], str | None]

# Named blocks kept per store (see NodeBlocks.named); past it, start again.
_MOST_NAMED = 4_096


def generations_part(values: Sequence[str | None]) -> bytes:
    """The end of a block: committed generations from an HMGET's reply (None: never flipped).

    Generations are integers written by snapshot_commit.lua, so the reply's text is spliced
    in as it is, with no conversion on the way, and as JSON strings: the script compares
    them with a ledger's as text first, and converts only those that differ.
    """
    if not values:
        return b"[]]"
    return ('["' + '","'.join([value or "0" for value in values]) + '"]]').encode()


# A node's profile as one character of a string, its number past the one before PROFILE_CHARS
# (no quote nor backslash, which JSON would escape): Lua takes a string's characters as
# numbers in one call, where each number of a JSON array cost it a conversion.
PROFILE_CHARS = 34
_MOST_CHAR_PROFILES = 91 - PROFILE_CHARS


def which_part(which: list[int]) -> str | list[int]:
    """The profile of each node (1-based) as a block carries it: a string of one character
    a node, or, past the profiles such characters can number, the list itself."""
    if which and max(which) > _MOST_CHAR_PROFILES:
        return which
    return "".join([chr(PROFILE_CHARS + number) for number in which])


def sent_once(blocks: Sequence[bytes]) -> list[bytes]:
    """The blocks as atp_skus.lua takes them: one equal to the block before it as b'', which
    the script reads as that block again. A listing's 48 SKUs mostly share one block, which
    sent 48 times was most of the command's bytes."""
    return [b"" if k and block == blocks[k - 1] else block for k, block in enumerate(blocks)]


class NamedBlock(KeptArgument):
    """A block as a standalone server may keep it."""

    __slots__ = ("parts",)

    def __init__(self, static: bytes, generations: bytes) -> None:
        super().__init__(static + generations)
        # Held so that the ids the block is found by stay theirs (see NodeBlocks.named).
        self.parts = (static, generations)


class NodeBlocks:
    """Encodes blocks of nodes for the SKU scripts of one store, keeping what can be kept."""

    def __init__(self, args: ScriptArgs, rules: StockRules) -> None:
        self._args = args
        self._rules = rules
        self._kept: OrderedDict[_Key, bytes] = OrderedDict()
        self._kept_bytes = 0
        self._named: dict[tuple[int, int], NamedBlock] = {}

    def static(
        self,
        channel: str | None,
        nodes: tuple[str, ...],
        sku: str,
        members: Container[str] | None = None,
    ) -> bytes:
        """A block's rules part for one SKU: add a generations_part to make a block.

        `nodes` must be unique; `members` is the same nodes in a faster container, if any.
        UnknownChannel for a channel the rules lack.
        """
        own = self._args.own_rules_at(sku, nodes if members is None else members)
        key = (channel, nodes, sku if own else None)
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        found = self._encode(channel, nodes, sku)
        self._kept[key] = found
        self._kept_bytes += len(found)
        while self._kept_bytes > _BUDGET_BYTES and len(self._kept) > 1:
            _, dropped = self._kept.popitem(last=False)
            self._kept_bytes -= len(dropped)
        return found

    def for_skus(
        self,
        channel: str | None,
        nodes: tuple[str, ...],
        skus: Sequence[str],
        generations: bytes,
        members: Container[str] | None = None,
    ) -> list[bytes]:
        """The block of each SKU at these nodes; the SKUs that share a rules part share it."""
        made: dict[int, tuple[bytes, bytes]] = {}
        blocks = []
        for sku in skus:
            static = self.static(channel, nodes, sku, members)
            # By identity (a kept part is one object): hashing 25 KB would cost more. The part
            # is held in `made`, so its id is not reused within the call.
            found = made.get(id(static))
            if found is None:
                found = made[id(static)] = (static, static + generations)
            blocks.append(found[1])
        return blocks

    def named(
        self, channel: str | None, nodes: tuple[str, ...], skus: Sequence[str], generations: bytes
    ) -> list[NamedBlock]:
        """`for_skus` as named blocks, each made and named once per rules part and
        generations part: found by the parts' identities (kept parts are one object each),
        as hashing or digesting a block on every read would cost more."""
        blocks = []
        for sku in skus:
            static = self.static(channel, nodes, sku)
            key = (id(static), id(generations))
            found = self._named.get(key)
            if found is None:
                if len(self._named) >= _MOST_NAMED:
                    self._named = {}
                found = self._named[key] = NamedBlock(static, generations)
            blocks.append(found)
        return blocks

    def _encode(self, channel: str | None, nodes: tuple[str, ...], sku: str) -> bytes:
        profiles: dict[tuple[int, int, int, int], int] = {}
        which = []
        for node in nodes:
            units, share_bp, cap = self._args.node(channel, node, sku)
            profile = (units, share_bp, cap, int(self._rules.allows_future_stock(node)))
            which.append(profiles.setdefault(profile, len(profiles) + 1))
        text = json.dumps(
            [nodes, list(profiles), which_part(which)], ensure_ascii=False, separators=(",", ":")
        )
        # Open at the end, where generations_part closes it.
        return text[:-1].encode() + b","
