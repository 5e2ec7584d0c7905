"""Reports as CSV: columns declared once per report, money in rupees, formula-looking text made harmless by the
project's one rule for every export (edge.domain.csvsafe.safe_cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from edge.domain.csvsafe import safe_cell
from edge.domain.reports import rupees, thousandths


def escape_formula(text: str) -> str:
    """A text cell as written: one a spreadsheet would run as a formula (= + - @, tab, carriage return) gets a
    leading apostrophe; plain numbers such as -12.50 stay numbers."""
    return str(safe_cell(text))


@dataclass(frozen=True)
class Column:
    """A CSV column: header, the row key it reads, and how the value is written (text, paise, milli, int)."""

    header: str
    key: str
    kind: str = "text"

    def cell(self, row: dict[str, Any]) -> str:
        """The cell's text."""
        value = row.get(self.key)
        if value is None:
            return ""
        if self.kind == "paise":
            return rupees(int(value))
        if self.kind == "milli":
            return thousandths(int(value))
        if self.kind == "bp":
            return f"{int(value) / 100:g}"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return escape_formula(str(value))


def money(header: str, key: str) -> Column:
    """A money column (paise in JSON, rupees in CSV)."""
    return Column(header, key, "paise")


def lines(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV text, header first, one chunk per row (CRLF line ends, as spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([escape_formula(column.header) for column in columns])
    yield take()
    for row in rows:
        writer.writerow([column.cell(row) for column in columns])
        yield take()


def to_csv(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> str:
    """The whole CSV text."""
    return "".join(lines(columns, rows))
