"""Money and quantities: paise, rounding half up, Indian grouping, exact splits, units and their precision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.errors import RuleError
from edge.domain.money import allocate, format_inr, round_paise, round_to_rupee, rupees_to_paise
from edge.domain.units import (
    MILLI,
    Unit,
    UnitKind,
    check_quantity_milli,
    format_quantity,
    parse_quantity,
    to_base_milli,
)

KG = Unit(UnitKind.KG, "kg")
PIECE = Unit(UnitKind.PIECE, "piece")
CASE = Unit(UnitKind.PACKAGE, "Case of 24", 24_000)
BAG = Unit(UnitKind.PACKAGE, "5 kg bag", 5_000)


@pytest.mark.parametrize(("text", "paise"), [("1234.50", 123450), ("0.05", 5), ("1,00,000", 10_000_000), (7, 700)])
def test_rupees_parse_exactly(text: str, paise: int) -> None:
    assert rupees_to_paise(text) == paise


@pytest.mark.parametrize("text", ["12.345", "abc", "NaN", "Infinity"])
def test_amounts_with_fractions_of_a_paisa_or_garbage_are_refused(text: str) -> None:
    with pytest.raises(RuleError) as raised:
        rupees_to_paise(text, "amount")
    assert raised.value.field == "amount"


def test_floats_are_refused_for_money() -> None:
    with pytest.raises(RuleError, match="never floating point"):
        rupees_to_paise(12.5)  # type: ignore[arg-type]


def test_half_paisa_rounds_away_from_zero() -> None:
    assert round_paise(Decimal("2.5")) == 3
    assert round_paise(Decimal("-2.5")) == -3
    assert round_paise(Decimal("2.4999")) == 2


@pytest.mark.parametrize(("paise", "total", "round_off"), [
    (120881, 120900, 19), (120849, 120800, -49), (120850, 120900, 50), (120900, 120900, 0),
])
def test_round_off_to_the_nearest_rupee_with_50_paise_going_up(paise: int, total: int, round_off: int) -> None:
    assert round_to_rupee(paise) == (total, round_off)


@pytest.mark.parametrize(("paise", "text"), [
    (12345678, "₹1,23,456.78"), (100000, "₹1,000.00"), (99, "₹0.99"), (-5, "-₹0.05"), (1234567890, "₹1,23,45,678.90"),
])
def test_indian_digit_grouping(paise: int, text: str) -> None:
    assert format_inr(paise) == text


def test_invoice_discount_of_ten_rupees_split_by_largest_remainder() -> None:
    assert allocate(1000, [5681, 115200]) == [47, 953]
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=30))
def test_allocation_always_adds_up(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights[0] = 1
    shares = allocate(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(share - exact) < 1


@given(st.integers(-10**12, 10**12))
def test_round_off_never_exceeds_50_paise(paise: int) -> None:
    total, round_off = round_to_rupee(paise)
    assert total % 100 == 0
    assert abs(round_off) <= 50
    assert total == paise + round_off


def test_weighed_quantity_to_the_gram() -> None:
    assert parse_quantity("1.235", KG) == 1235
    assert parse_quantity("2", PIECE) == 2000
    assert format_quantity(1235, KG) == "1.235 kg"
    assert format_quantity(2000, CASE) == "2 Case of 24"


@pytest.mark.parametrize(("value", "unit", "code"), [
    ("0", KG, "quantity_not_positive"), ("-1", PIECE, "quantity_not_positive"),
    ("1.2345", KG, "quantity_precision"), ("1.5", PIECE, "quantity_precision"), ("0.5", CASE, "quantity_precision"),
])
def test_bad_quantities_are_refused_with_a_reason(value: str, unit: Unit, code: str) -> None:
    with pytest.raises(RuleError) as raised:
        parse_quantity(value, unit)
    assert raised.value.code == code
    assert raised.value.field == "quantity"


def test_stored_quantities_are_checked_the_same_way() -> None:
    assert check_quantity_milli(1235, KG) == 1235
    with pytest.raises(RuleError, match=r"multiple of 1\.0"):
        check_quantity_milli(1500, PIECE)


def test_packages_convert_to_base_units() -> None:
    assert to_base_milli(2000, CASE) == 48_000, "2 cases of 24 are 48 pieces"
    assert to_base_milli(3000, BAG) == 15_000, "3 bags of 5 kg are 15 kg"
    assert to_base_milli(1235, KG) == 1235


@given(st.integers(1, 10**6), st.integers(1, 500))
def test_package_quantities_are_whole_multiples_of_the_base(count: int, per_package: int) -> None:
    unit = Unit(UnitKind.PACKAGE, f"Pack of {per_package}", per_package * MILLI)
    assert to_base_milli(count * MILLI, unit) == count * per_package * MILLI
