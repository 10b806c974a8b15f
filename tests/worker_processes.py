"""The worker processes of a server started with several workers, found from /proc."""

from __future__ import annotations

from pathlib import Path


def spawned_workers(parent: int) -> list[int]:
    """The processes `parent` started with multiprocessing's spawn (its resource tracker is
    not one of them), by pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # The second field after the parenthesised name is the parent pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)
