"""CPU time the machine's host took from this one while a part of the benchmark ran.

On a virtual machine, `steal` in /proc/stat is time a vCPU was ready to run but the host ran
something else. Absolute figures of two runs differ with it (the same code gave 1.4 and 1.9 ms
for one commit), so each part of the table says how much was stolen while it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_STAT = Path("/proc/stat")


@dataclass(frozen=True, slots=True)
class CpuTicks:
    total: int
    steal: int

    @staticmethod
    def read() -> CpuTicks | None:
        """The whole machine's ticks; None where /proc/stat is not there."""
        try:
            first = _STAT.read_text(encoding="ascii").splitlines()[0].split()
        except OSError:
            return None
        # cpu user nice system idle iowait irq softirq steal guest guest_nice
        ticks = [int(x) for x in first[1:9]]
        return CpuTicks(sum(ticks), ticks[7])


def stolen_since(before: CpuTicks | None) -> str:
    """`steal 3.1% of CPU time`, or `steal not known`."""
    after = CpuTicks.read()
    if before is None or after is None or after.total <= before.total:
        return "steal not known"
    share = (after.steal - before.steal) / (after.total - before.total)
    return f"CPU steal {share:.1%} of the machine's CPU time"
