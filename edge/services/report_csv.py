"""Reports as CSV: columns declared once per report, money in rupees, formula-looking text made harmless.

``escape_formula`` is the one place that decides how a cell that a spreadsheet would run as a formula is
written; swap it for the shared helper of the security work when that lands.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from edge.domain.reports import rupees, thousandths

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def escape_formula(text: str) -> str:
    """A cell that starts with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet
    shows it as text instead of running it (OWASP "CSV injection"); plain numbers such as -12.50 stay numbers."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


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
