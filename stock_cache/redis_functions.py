"""The Lua scripts as Redis 7 function libraries: their names and sources, and the sweep of
the libraries other versions of the package left on the server."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import Any

import redis.exceptions
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

_PARTS = ("_common", "_ledger", "_ledger_writes", "_blocks", "_order")
_NAMING_PARTS = "-- parts:"


# What every call runs first, by the part that defines it: resets what holds for one call.
_BEGINS = {"_ledger": "begin_ledger()", "_blocks": "begin_blocks()"}


@functools.cache
def script_parts(name: str) -> tuple[str, str]:
    """A script's helpers (the parts its first line names, `-- parts: _common _ledger`, else
    all of them) and its body, which starts by calling their begins."""
    folder = resources.files("stock_cache") / "lua"
    body = (folder / f"{name}.lua").read_text(encoding="utf-8")
    first = body.partition("\n")[0]
    parts: tuple[str, ...] = _PARTS
    if first.startswith(_NAMING_PARTS):
        named = first.removeprefix(_NAMING_PARTS).split()
        unknown = set(named) - set(_PARTS)
        if unknown:
            raise ValueError(f"{name}.lua names unknown parts: {sorted(unknown)}")
        parts = tuple(part for part in _PARTS if part in named)
    helpers = [(folder / f"{part}.lua").read_text(encoding="utf-8") for part in parts]
    begins = " ".join(_BEGINS[part] for part in parts if part in _BEGINS)
    return "\n".join(helpers), f"{begins}\n{body}"


@functools.cache
def script_source(name: str) -> str:
    """A script of the package's `lua/` folder, preceded by the helpers it needs. Run by
    EVALSHA, each part's local functions are made again on every call, so that the scripts
    run on every request make only those they use."""
    helpers, body = script_parts(name)
    return f"{helpers}\n{body}"


# The scripts of the request's reads: they still run when the server is over its maxmemory,
# as they did by EVALSHA (a script without flags met the limit at its first write, and these
# write only what frees memory, the sweep of expired holds, and a cached total). A function
# without flags is refused there before it runs; the scripts that hold stock still are.
READS_WHEN_FULL = frozenset({"availability", "atp", "atp_skus", "cap_read", "cap_used"})

# Every library of the package starts so: what the sweep may delete, and nothing else.
LIBRARY_PREFIX = "promise_gateway_"


@functools.cache
def library_source(name: str) -> tuple[str, str]:
    """A script as a Redis 7 function library: its function's name and the library.

    The helpers are made once, when the library loads, not on every call; the body is the
    function. Library and function are named by the content, so that processes of two
    versions of the package never call each other's."""
    helpers, body = script_parts(name)
    # The ledger texts' readings (_ledger.lua) and the arguments sent once (_common.lua)
    # are kept from call to call too.
    kept = "".join(
        f"{flag} = true\n"
        for flag in ("texts_kept", "args_kept")
        if f"local {flag} = false" in helpers
    )
    flags = "{'allow-oom'}" if name in READS_WHEN_FULL else "{}"
    made = f"{flags}\n{kept}\n{script_source(name)}"
    function = f"{LIBRARY_PREFIX}{name}_{hashlib.sha1(made.encode()).hexdigest()[:16]}"
    library = (
        f"#!lua name={function}\n{helpers}\n{kept}"
        f"redis.register_function{{function_name='{function}', flags={flags}, "
        f"callback=function(KEYS, ARGV)\n{body}\nend}}\n"
    )
    return function, library


def script_of(function: str) -> str:
    """The script a function of `library_source` runs ('' for another's function)."""
    if not function.startswith(LIBRARY_PREFIX):
        return ""
    return function[len(LIBRARY_PREFIX) :].rpartition("_")[0]


@functools.cache
def current_libraries() -> frozenset[str]:
    """The libraries of this version of the package: one per script of `lua/`."""
    folder = resources.files("stock_cache") / "lua"
    names = [
        entry.name.removesuffix(".lua")
        for entry in folder.iterdir()
        if entry.name.endswith(".lua") and not entry.name.startswith("_")
    ]
    return frozenset(library_source(name)[0] for name in names)


async def sweep_other_versions(client: Redis | RedisCluster) -> list[str]:
    """Delete the package's libraries that this version does not load (each release whose
    scripts changed would else leave its own on the server, saved and replicated, for good).

    A process of another version still running loads its own again at its next call (its
    'Function not found' is handled as a lost script), so a rolling deploy costs each side
    one load, not a failure. Run once per process start, never on a reload: two versions
    running together would else delete each other's at every call. Returns those deleted."""
    ours = current_libraries()
    listed: Any = await client.execute_command(
        "FUNCTION", "LIST", "LIBRARYNAME", f"{LIBRARY_PREFIX}*"
    )
    stale = sorted({name for name in _library_names(listed) if name not in ours})
    for name in stale:
        try:
            await client.execute_command("FUNCTION", "DELETE", name)
        except redis.exceptions.ResponseError as error:
            # Gone already (another process swept it), or on some primaries only.
            if "library not found" not in str(error).lower():
                raise
    return stale


def _library_names(listed: Any) -> list[str]:
    """The library names of a FUNCTION LIST reply: a list of libraries (a standalone
    server, as RESP2 or RESP3 gives them), or one such list per primary (a cluster)."""
    if isinstance(listed, dict):
        return [name for part in listed.values() for name in _library_names(part)]
    names = []
    for library in listed or []:
        fields = library if isinstance(library, dict) else _pairs(library)
        name = fields.get(b"library_name", fields.get("library_name"))
        if isinstance(name, bytes):
            name = name.decode()
        if isinstance(name, str) and name.startswith(LIBRARY_PREFIX):
            names.append(name)
    return names


def _pairs(flat: list[Any]) -> dict[Any, Any]:
    return dict(zip(flat[::2], flat[1::2], strict=False))
