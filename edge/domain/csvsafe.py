"""CSV files that are safe to open in a spreadsheet: one rule for every export (products, attendance, payroll,
reports). A cell that starts with =, +, -, @, a tab or a carriage return (after any spaces) is a formula to
Excel, LibreOffice and Google Sheets — "CSV injection" — so such text cells get a leading apostrophe, which
the spreadsheet shows as text and our imports take off again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (a plain signed number, -12.50, is data)."""
    text = value.lstrip(" ")
    return text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """A text cell made inert (numbers and other values are left alone: -12.50 stays a number)."""
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The text of a cell written by safe_cell (an import of our own export round-trips exactly)."""
    if value.startswith("'") and is_formula(value[1:]):
        return value[1:]
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """RFC 4180 CSV (CRLF) with every text cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_dicts(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """CSV of dictionaries by column name, every text cell made safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()
