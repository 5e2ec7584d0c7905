"""Invoice numbers: a series per store and till per Indian financial year (1 April to 31 March).

Layout ``PREFIX/FY/NNNNNN``: ``T1/2627/000123`` is the 123rd invoice of till prefix T1 in the financial
year April 2026 - March 2027. The prefix has 1 to 4 characters (letters, digits, '/' or '-', upper-cased),
so every till can issue at least 999,999 invoices a year within GST's 16-character limit; a shorter prefix
lets the number grow past 6 digits (prefix of 3: 9,999,999). Numbers are consecutive from 1, never reused,
and restart at 1 in each financial year; the year in the number keeps them unique across years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from edge.domain.errors import RuleError

MAX_LENGTH = 16  # GST (CGST rules, rule 46): an invoice number has at most 16 characters
MAX_PREFIX = 4
NUMBER_WIDTH = 6  # zero-padded to this width; wider only when the prefix leaves room
FIRST_FY_YEAR = 2000  # financial years are written with two digits of each year: 2000-01 to 2099-00
LAST_FY_YEAR = 2099

_PREFIX = re.compile(r"[A-Z0-9](?:[A-Z0-9/-]*[A-Z0-9])?")
_FINANCIAL_YEAR = re.compile(r"[0-9]{4}")
_NUMBER_TEXT = re.compile(r"(?P<prefix>.+)/(?P<fy>[0-9]{4})/(?P<number>[0-9]+)")


def _start_year(fy: str) -> int:
    """The calendar year in which financial year ``fy`` ("2627") starts (2026)."""
    if not _FINANCIAL_YEAR.fullmatch(fy) or (int(fy[:2]) + 1) % 100 != int(fy[2:]):
        raise RuleError(
            f"a financial year is written as 4 digits of two consecutive years, e.g. 2627 (got {fy!r})",
            "financial_year",
            "bad_financial_year",
        )
    return FIRST_FY_YEAR + int(fy[:2])


def financial_year(on: date) -> str:
    """The Indian financial year of a date: ``2627`` for 1 Apr 2026 to 31 Mar 2027."""
    start = on.year if on.month >= 4 else on.year - 1
    if not FIRST_FY_YEAR <= start <= LAST_FY_YEAR:
        raise RuleError(f"{on.isoformat()} is outside the financial years 2000-01 to 2099-00", "date", "bad_date")
    return f"{start % 100:02d}{(start + 1) % 100:02d}"


def financial_year_bounds(fy: str) -> tuple[date, date]:
    """First and last day of a financial year: ``2627`` → (1 Apr 2026, 31 Mar 2027)."""
    start = _start_year(fy)
    return date(start, 4, 1), date(start + 1, 3, 31)


def check_prefix(prefix: str) -> str:
    """A series prefix in upper case: 1-4 letters, digits, '/' or '-', starting and ending alphanumeric."""
    cleaned = prefix.strip().upper()
    if not cleaned or len(cleaned) > MAX_PREFIX:
        raise RuleError(
            f"an invoice series prefix has 1 to {MAX_PREFIX} characters (got {prefix!r})", "prefix", "bad_prefix"
        )
    if not _PREFIX.fullmatch(cleaned):
        raise RuleError(
            f"an invoice series prefix has letters, digits, '/' and '-' only, and starts and ends with a letter "
            f"or digit (got {prefix!r})",
            "prefix",
            "bad_prefix",
        )
    return cleaned


def capacity(prefix: str) -> int:
    """How many invoices a year a series with this prefix can number within 16 characters."""
    digits = MAX_LENGTH - len(check_prefix(prefix)) - len("/2627/")
    return int(10**digits - 1)


def format_number(prefix: str, fy: str, number: int) -> str:
    """The printed invoice number: ``T1/2627/000123``; refused when it would exceed 16 characters."""
    cleaned = check_prefix(prefix)
    _start_year(fy)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise RuleError(f"invoice numbers start at 1 (got {number!r})", "number", "bad_invoice_number")
    text = f"{cleaned}/{fy}/{number:0{NUMBER_WIDTH}d}"
    if len(text) > MAX_LENGTH:
        raise RuleError(
            f"series {cleaned} is full for {fy}: invoice number {text} would be longer than {MAX_LENGTH} characters "
            f"(this prefix allows {capacity(cleaned):,} a year); open a new series with a shorter prefix",
            "number",
            "series_exhausted",
        )
    return text


def parse_number(text: str) -> tuple[str, str, int]:
    """(prefix, financial year, number) of a printed invoice number, which must be in canonical form."""
    cleaned = text.strip().upper()
    match = _NUMBER_TEXT.fullmatch(cleaned)

    def refuse() -> RuleError:
        return RuleError(
            f"{text!r} is not an invoice number of the form PREFIX/FY/NNNNNN (e.g. T1/2627/000123)",
            "invoice_number",
            "bad_invoice_number",
        )

    if match is None:
        raise refuse()
    prefix, fy, number = match["prefix"], match["fy"], int(match["number"])
    try:
        canonical = format_number(prefix, fy, number)
    except RuleError as exc:
        raise refuse() from exc
    if canonical != cleaned:
        raise refuse()
    return prefix, fy, number


@dataclass(frozen=True)
class SeriesState:
    """Where a series stands: the next number to issue in its financial year."""

    prefix: str
    financial_year: str
    next_number: int = 1

    def __post_init__(self) -> None:
        if check_prefix(self.prefix) != self.prefix:
            raise RuleError(
                f"series prefix {self.prefix!r} must be written in upper case without blanks", "prefix", "bad_prefix"
            )
        _start_year(self.financial_year)
        if isinstance(self.next_number, bool) or not isinstance(self.next_number, int) or self.next_number < 1:
            raise RuleError(
                f"a series continues from 1 or more (got {self.next_number!r})", "next_number", "bad_invoice_number"
            )


def start_series(prefix: str, on: date) -> SeriesState:
    """A new series for the financial year of ``on``, issuing 1 first."""
    return SeriesState(check_prefix(prefix), financial_year(on), 1)


def issue(state: SeriesState, on: date) -> tuple[str, SeriesState]:
    """The invoice number for an invoice dated ``on`` and the series state after it.

    In the state's year the next number is used; a date in a later financial year restarts that year's
    series at 1; a date before the state's year is refused, as that year's series is closed.
    """
    fy = financial_year(on)
    if _start_year(fy) < _start_year(state.financial_year):
        raise RuleError(
            f"the invoice date {on.isoformat()} is in financial year {fy}, but series {state.prefix} has moved on to "
            f"{state.financial_year}",
            "date",
            "series_year_closed",
        )
    current = state if fy == state.financial_year else SeriesState(state.prefix, fy, 1)
    text = format_number(current.prefix, current.financial_year, current.next_number)
    return text, SeriesState(current.prefix, current.financial_year, current.next_number + 1)
