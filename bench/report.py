"""The benchmark's table: each figure beside its floor, then every target of issue 7."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    wanted: str
    measured: str
    met: bool | None  # None: not measured


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def heading(self, text: str) -> None:
        self.say()
        self.say(text)
        self.say("-" * len(text))

    def row(self, *cells: str, widths: tuple[int, ...]) -> None:
        self.say(
            "".join(
                f"{cell:>{w}}" if i else f"{cell:<{w}}"
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            )
        )

    def target(self, name: str, wanted: str, measured: str, met: bool | None) -> None:
        self.targets.append(Target(name, wanted, measured, met))

    def verdicts(self) -> None:
        self.heading("Targets of issue 7")
        for t in self.targets:
            verdict = "NOT MEASURED" if t.met is None else "met" if t.met else "NOT MET"
            self.say(f"{verdict:<13}{t.name:<44}{t.wanted:<22}{t.measured}")


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor > 0 else "-"
