"""The postcode table built once for all the processes of a server.

Each process would otherwise build it from the dump at start-up: seconds of CPU, and the
build's intermediate rows left in its heap for good, which doubled a worker's memory. Built
once by a short-lived child process, the table is kept in a private directory named by
`PLACES_TABLE_DIR`, from which every worker reads it back in a fraction of a second
(places/stored.py). A directory the operator names is used as it is, and kept.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import places

VARIABLE = "PLACES_TABLE_DIR"

log = logging.getLogger("gateway.places")


def _build(directory: str) -> None:
    places.keep_table_in(Path(directory))
    places.load()


def _built_apart(directory: str) -> bool:
    child = multiprocessing.get_context("spawn").Process(
        target=_build, args=(directory,), name="places-table"
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        # The process that needs the table then builds its own, as it would without this.
        log.warning("building the postcode table failed (exit code %s)", child.exitcode)
    return child.exitcode == 0


@contextlib.contextmanager
def table_built_once() -> Iterator[None]:
    """While the block runs, `PLACES_TABLE_DIR` names a directory holding the built table,
    for the processes started in it; the directory is removed after, unless it was given."""
    if os.environ.get(VARIABLE):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="promise-gateway-places-") as kept:
        if not _built_apart(kept):
            yield
            return
        os.environ[VARIABLE] = kept
        try:
            yield
        finally:
            os.environ.pop(VARIABLE, None)


def load_built_apart() -> None:
    """The table of this process, built by a child (the build's garbage goes with it) and
    read back; from `PLACES_TABLE_DIR` when it names one."""
    given = os.environ.get(VARIABLE)
    if given:
        places.keep_table_in(Path(given))
        places.load()
        return
    with tempfile.TemporaryDirectory(prefix="promise-gateway-places-") as kept:
        if _built_apart(kept):
            places.keep_table_in(Path(kept))
        places.load()
    places.keep_table_in(None)
