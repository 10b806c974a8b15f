"""TOML tables that know where they came from, so every bad value is reported in place.

A `TomlTable` carries its file, its dotted name and the line of its header when written out,
and its typed accessors raise `NetworkDataError` naming the file, the line, the table and the
key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from network_loader.csv_rows import missing_file
from promise.errors import NetworkDataError


@dataclass(frozen=True, slots=True)
class TomlTable:
    """A TOML table with the place it came from, and typed accessors that report it."""

    file: str
    name: str
    line: int | None
    data: Mapping[str, object]

    def error(self, key: str, message: str) -> NetworkDataError:
        return NetworkDataError(f"{self.place()} key {key}: {message}")

    def place(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return f"{where} [{self.name}]" if self.name else where

    def only(self, allowed: Collection[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unexpected key, expected only {', '.join(allowed)}")

    def require(self, key: str) -> object:
        if key not in self.data:
            raise self.error(key, "the key is missing")
        return self.data[key]

    def string(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"{value!r} is not a non-empty string")
        return value.strip()

    def integer(self, key: str, *, minimum: int) -> int:
        value = self.require(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"{value!r} is not a whole number")
        if value < minimum:
            raise self.error(key, f"{value!r} is below the minimum {minimum}")
        return value

    def number(self, key: str, *, minimum: float = 0.0) -> float:
        return number(self, key, self.require(key), minimum=minimum)

    def clock(self, key: str) -> time:
        value = self.require(key)
        if not isinstance(value, time):
            raise self.error(key, f"{value!r} is not a TOML local time like 15:00:00")
        return value

    def table(self, key: str) -> TomlTable:
        value = self.require(key)
        if not isinstance(value, dict):
            raise self.error(key, f"{value!r} is not a table")
        return TomlTable(self.file, f"{self.name}.{key}" if self.name else key, self.line, value)

    def array(self, key: str) -> list[object]:
        value = self.require(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"{value!r} is not a non-empty array")
        return value


def number(table: TomlTable, key: str, value: object, *, minimum: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        raise table.error(key, f"{value!r} is not a number")
    if value < minimum:
        raise table.error(key, f"{value!r} is below the minimum {minimum:g}")
    return float(value)


def read_toml(path: Path) -> tuple[TomlTable, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise missing_file(path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkDataError(f"{path}: not valid TOML: {exc}") from None
    return TomlTable(str(path), "", None, data), text.splitlines()


def header_line(lines: list[str], header: str, occurrence: int = 0) -> int | None:
    """The 1-based line of the `occurrence`-th table header `header`, when it is written out."""
    found = [number for number, line in enumerate(lines, start=1) if line.strip() == header]
    return found[occurrence] if occurrence < len(found) else None
