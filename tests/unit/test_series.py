"""Invoice numbers: per till and financial year, at most 16 characters, consecutive, restarting each April."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.errors import RuleError
from edge.domain.series import (
    SeriesState,
    capacity,
    check_prefix,
    financial_year,
    financial_year_bounds,
    format_number,
    issue,
    parse_number,
    start_series,
)


@pytest.mark.parametrize(
    ("on", "fy"),
    [
        (date(2026, 3, 31), "2526"),
        (date(2026, 4, 1), "2627"),
        (date(2027, 3, 31), "2627"),
        (date(2027, 4, 1), "2728"),
        (date(2026, 12, 31), "2627"),
        (date(2027, 1, 1), "2627"),
        (date(2099, 4, 1), "9900"),
        (date(2000, 4, 1), "0001"),
    ],
)
def test_financial_year_runs_april_to_march(on: date, fy: str) -> None:
    assert financial_year(on) == fy
    first, last = financial_year_bounds(fy)
    assert first <= on <= last


def test_financial_year_bounds() -> None:
    assert financial_year_bounds("2627") == (date(2026, 4, 1), date(2027, 3, 31))
    assert financial_year_bounds("2728") == (date(2027, 4, 1), date(2028, 3, 31))  # 29 Feb 2028 inside
    assert financial_year_bounds("9900") == (date(2099, 4, 1), date(2100, 3, 31))


@pytest.mark.parametrize("fy", ["2626", "2628", "26-27", "262", "abcd", "202627"])
def test_malformed_financial_years_are_refused(fy: str) -> None:
    with pytest.raises(RuleError) as error:
        financial_year_bounds(fy)
    assert (error.value.code, error.value.field) == ("bad_financial_year", "financial_year")


def test_dates_outside_two_digit_years_are_refused() -> None:
    for on in (date(2000, 3, 31), date(2100, 4, 1)):
        with pytest.raises(RuleError) as error:
            financial_year(on)
        assert error.value.code == "bad_date"


@pytest.mark.parametrize(
    ("prefix", "number", "text"),
    [
        ("T1", 123, "T1/2627/000123"),
        ("s1t2", 1, "S1T2/2627/000001"),
        ("S1T2", 999_999, "S1T2/2627/999999"),
        ("A-1", 9_999_999, "A-1/2627/9999999"),
        ("A/B", 42, "A/B/2627/000042"),
        ("T", 1_000_000, "T/2627/1000000"),
    ],
)
def test_number_layout(prefix: str, number: int, text: str) -> None:
    assert format_number(prefix, "2627", number) == text
    assert len(text) <= 16
    assert parse_number(text) == (check_prefix(prefix), "2627", number)


def test_capacity_per_prefix_length() -> None:
    assert [capacity("T" * n) for n in (1, 2, 3, 4)] == [999_999_999, 99_999_999, 9_999_999, 999_999]
    with pytest.raises(RuleError) as error:
        format_number("S1T2", "2627", 1_000_000)
    assert (error.value.code, error.value.field) == ("series_exhausted", "number")
    assert "999,999" in error.value.message


@pytest.mark.parametrize("prefix", ["", "  ", "TILL1", "T 1", "T_1", "T.1", "/T1", "T1-", "टी1", "T1\n2"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(RuleError) as error:
        check_prefix(prefix)
    assert (error.value.code, error.value.field) == ("bad_prefix", "prefix")


@pytest.mark.parametrize("number", [0, -1])
def test_numbers_start_at_one(number: int) -> None:
    with pytest.raises(RuleError) as error:
        format_number("T1", "2627", number)
    assert (error.value.code, error.value.field) == ("bad_invoice_number", "number")


@pytest.mark.parametrize(
    "text", ["T1/2627/123", "T1/2627/0000123", "T1-2627-000123", "T1/2628/000001", "/2627/000001", "T1/2627/000000"]
)
def test_parse_refuses_what_format_would_not_print(text: str) -> None:
    with pytest.raises(RuleError) as error:
        parse_number(text)
    assert (error.value.code, error.value.field) == ("bad_invoice_number", "invoice_number")


def test_issue_continues_then_restarts_on_first_april() -> None:
    state = start_series("T1", date(2027, 3, 30))
    first, state = issue(state, date(2027, 3, 30))
    second, state = issue(state, date(2027, 3, 31))
    april, state = issue(state, date(2027, 4, 1))
    after, state = issue(state, date(2027, 4, 1))
    assert [first, second, april, after] == ["T1/2627/000001", "T1/2627/000002", "T1/2728/000001", "T1/2728/000002"]
    assert state == SeriesState("T1", "2728", 3)


def test_continuing_a_stored_series() -> None:
    number, state = issue(SeriesState("S1T2", "2627", 4521), date(2026, 11, 14))
    assert number == "S1T2/2627/004521"
    assert state.next_number == 4522


def test_invoice_dated_in_a_closed_year_is_refused() -> None:
    state = SeriesState("T1", "2728", 17)
    with pytest.raises(RuleError) as error:
        issue(state, date(2027, 3, 31))
    assert (error.value.code, error.value.field) == ("series_year_closed", "date")
    assert issue(state, date(2027, 4, 1))[0] == "T1/2728/000017"  # nothing was used up by the refusal


def test_full_series_refuses_rather_than_overflowing() -> None:
    with pytest.raises(RuleError) as error:
        issue(SeriesState("S1T2", "2627", 1_000_000), date(2026, 5, 1))
    assert error.value.code == "series_exhausted"


@pytest.mark.parametrize(
    ("prefix", "fy", "next_number", "field"),
    [("t1", "2627", 1, "prefix"), ("T1", "2626", 1, "financial_year"), ("T1", "2627", 0, "next_number")],
)
def test_series_state_is_validated(prefix: str, fy: str, next_number: int, field: str) -> None:
    with pytest.raises(RuleError) as error:
        SeriesState(prefix, fy, next_number)
    assert error.value.field == field


@given(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=4),
    st.dates(min_value=date(2020, 4, 1), max_value=date(2040, 3, 31)),
    st.lists(st.integers(0, 3), min_size=1, max_size=300),
)
def test_issued_numbers_are_consecutive_distinct_and_short(prefix: str, start: date, gaps: list[int]) -> None:
    state = start_series(prefix, start)
    on = start
    issued: list[tuple[str, str, int]] = []
    texts: set[str] = set()
    for gap in gaps:
        on += timedelta(days=gap)
        text, state = issue(state, on)
        assert len(text) <= 16 and re.fullmatch(r"[A-Za-z0-9/-]+", text)
        assert text not in texts
        texts.add(text)
        issued.append(parse_number(text))
    by_year: dict[str, list[int]] = {}
    for got_prefix, fy, number in issued:
        assert got_prefix == prefix
        by_year.setdefault(fy, []).append(number)
    for fy, numbers in by_year.items():
        assert numbers == list(range(1, len(numbers) + 1)), fy  # restarts at 1 each April, no gaps


@given(st.integers(1, 999_999), st.sampled_from(["2526", "2627", "9900"]))
def test_format_parse_round_trip(number: int, fy: str) -> None:
    assert parse_number(format_number("S1T2", fy, number)) == ("S1T2", fy, number)
