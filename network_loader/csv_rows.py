"""CSV rows that know where they came from, so every bad value is reported in place.

A `CsvRow` carries its file label and the 1-based line number an editor shows, and its
typed accessors raise `NetworkDataError` naming the file, the row, the column and the value:
`network/demo/nodes.csv row 7 column latitude: '200' is not a latitude in [-90, 90]`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from promise.errors import NetworkDataError

LIST_SEPARATOR = "|"


def data_error(label: str, row: int, column: str, message: str) -> NetworkDataError:
    return NetworkDataError(f"{label} row {row} column {column}: {message}")


def missing_file(path: Path) -> NetworkDataError:
    return NetworkDataError(f"{path}: file is missing")


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: raw text per column, addressed by column name."""

    label: str
    line: int
    values: dict[str, str]

    def error(self, column: str, message: str) -> NetworkDataError:
        return data_error(self.label, self.line, column, message)

    def text(self, column: str) -> str:
        """The stripped value, which must not be empty."""
        value = self.values[column].strip()
        if not value:
            raise self.error(column, "a value is required")
        return value

    def integer(self, column: str, *, minimum: int | None = None) -> int:
        raw = self.text(column)
        try:
            value = int(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a whole number") from None
        if minimum is not None and value < minimum:
            raise self.error(column, f"{raw!r} is below the minimum {minimum}")
        return value

    def number(self, column: str) -> float:
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise self.error(column, f"{raw!r} is not a finite number")
        return value

    def latitude(self, column: str = "latitude") -> float:
        value = self.number(column)
        if not -90.0 <= value <= 90.0:
            raise self.error(
                column, f"{self.values[column].strip()!r} is not a latitude in [-90, 90]"
            )
        return value

    def longitude(self, column: str = "longitude") -> float:
        value = self.number(column)
        if not -180.0 <= value <= 180.0:
            raise self.error(
                column, f"{self.values[column].strip()!r} is not a longitude in [-180, 180]"
            )
        return value

    def optional(self, column: str) -> str | None:
        """The stripped value, None when empty (or the optional column is absent)."""
        return self.values[column].strip() or None

    def items(self, column: str) -> list[str]:
        """A non-empty `|`-separated list without blanks or repeats."""
        raw = self.text(column)
        items = [item.strip() for item in raw.split(LIST_SEPARATOR)]
        if any(not item for item in items):
            raise self.error(column, f"{raw!r} has an empty item between '{LIST_SEPARATOR}'")
        repeated = sorted({item for item in items if items.count(item) > 1})
        if repeated:
            raise self.error(column, f"{raw!r} repeats {', '.join(repeated)}")
        return items


def read_rows(
    path: Path, *, columns: Sequence[str], optional: Sequence[str] = ()
) -> Iterator[CsvRow]:
    """The data rows of a UTF-8 CSV file whose header is exactly `columns`, in any order,
    and any of the `optional` ones (a row reads those as empty when the header has none).

    The header is row 1. Blank lines are skipped; a row with more or fewer values than the
    header is an error naming its row.
    """
    label = str(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise missing_file(path) from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise NetworkDataError(f"{label}: the file is empty, expected a header row")
        names = [name.strip() for name in header]
        _check_header(label, names, columns, optional)
        absent = {name: "" for name in optional if name not in names}
        for record in reader:
            line = reader.line_num
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(names):
                raise NetworkDataError(
                    f"{label} row {line}: {len(record)} values, expected {len(names)} "
                    f"({', '.join(names)})"
                )
            yield CsvRow(label, line, {**absent, **dict(zip(names, record, strict=True))})


def _check_header(
    label: str, names: list[str], columns: Sequence[str], optional: Sequence[str]
) -> None:
    for name in names:
        if names.count(name) > 1:
            raise data_error(label, 1, name, "the column appears more than once")
    for name in columns:
        if name not in names:
            raise data_error(label, 1, name, "the column is missing from the header")
    for name in names:
        if name not in columns and name not in optional:
            raise data_error(
                label,
                1,
                name,
                f"unexpected column, expected only {', '.join([*columns, *optional])}",
            )
