"""GSTIN: the check a cashier sees when keying a customer's GSTIN, and the registration in force by date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.in_ import gstin as stdnum_gstin

from edge.domain.errors import RuleError
from edge.domain.gstin import (
    ALPHABET,
    STATE_NAMES,
    Registration,
    calc_check_char,
    check_gstin,
    check_no_overlap,
    gstin_pan,
    gstin_state,
    in_force,
)

REAL = "27AAPFU0939F1ZV"  # python-stdnum's documented example: Maharashtra, a firm's PAN AAPFU0939F


def gstn_check_char(first14: str) -> str:
    """The check character as GSTN publishes it: factors 1, 2, 1, ... from the left, digits of base 36 summed."""
    total = 0
    for index, char in enumerate(first14):
        product = ALPHABET.index(char) * (1 if index % 2 == 0 else 2)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def gstin(first14: str) -> str:
    """A GSTIN completed with its check character."""
    return first14 + gstn_check_char(first14)


def test_real_gstin_is_accepted_and_split() -> None:
    assert check_gstin(REAL) == REAL
    assert gstn_check_char(REAL[:14]) == calc_check_char(REAL[:14]) == "V"
    assert gstin_state(REAL) == "27" and STATE_NAMES["27"] == "Maharashtra"
    assert gstin_pan(REAL) == "AAPFU0939F"


def test_typed_gstin_is_upper_cased_and_spaces_removed() -> None:
    assert check_gstin(" 27 aapfu0939f 1zv\t") == REAL


@pytest.mark.parametrize(
    ("text", "code", "hint"),
    [
        ("27AAPFU0939F1Z", "bad_gstin_format", "15 characters (got 14"),
        ("27AAPFU0939F1ZVV", "bad_gstin_format", "15 characters (got 16"),
        ("", "bad_gstin_format", "got 0"),
        ("27AAPFU0939F1Z#", "bad_gstin_format", "only letters and digits"),
        ("2AAAPFU0939F1ZV", "bad_gstin_format", "state code"),
        ("27AAPF00939F1ZV", "bad_gstin_format", "PAN: 5 letters, 4 digits, 1 letter"),
        ("27AAPFU0939F0ZV", "bad_gstin_format", "13th character"),
        ("27AAPFU0939F1AV", "bad_gstin_format", "14th character is always Z"),
        ("27AAPXU0939F1ZV", "bad_gstin_format", "4th letter X is not a PAN holder type"),
        ("27AAPFU0000F1ZV", "bad_gstin_format", "serial number 0000"),
        ("99AAPFU0939F1ZV", "bad_gstin_state", "99, which is not a GST state code"),
        ("00AAPFU0939F1ZV", "bad_gstin_state", "not a GST state code"),
        ("27AAPFU0939F1ZO", "bad_gstin_check", "should be V"),
        ("27AAPFU0939F1ZW", "bad_gstin_check", "should be V"),
        ("29AAPFU0939F1ZV", "bad_gstin_check", "should be"),  # right layout, wrong state typed
    ],
)
def test_bad_gstins_are_refused_with_what_is_wrong(text: str, code: str, hint: str) -> None:
    with pytest.raises(RuleError) as error:
        check_gstin(text)
    assert (error.value.code, error.value.field) == (code, "gstin")
    assert hint in error.value.message


def test_ladakh_and_other_territory_are_accepted_though_stdnum_lacks_them() -> None:
    for state in ("38", "97"):
        number = gstin(f"{state}AAPFU0939F1Z")
        assert check_gstin(number) == number
        assert not stdnum_gstin.is_valid(number)  # python-stdnum 2.2's state table ends at 37


def test_split_helpers_refuse_invalid_gstins() -> None:
    for helper in (gstin_state, gstin_pan):
        with pytest.raises(RuleError) as error:
            helper("27AAPFU0939F1ZO")
        assert error.value.code == "bad_gstin_check"


def test_calc_check_char_refuses_a_wrong_body() -> None:
    with pytest.raises(RuleError) as error:
        calc_check_char("27AAPFU0939F1")
    assert (error.value.code, error.value.field) == ("bad_gstin_format", "gstin")


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
bodies = st.builds(
    lambda state, head, holder, initial, serial, last, entity: f"{state}{head}{holder}{initial}{serial}{last}{entity}Z",
    st.sampled_from(sorted(STATE_NAMES)),
    st.text(LETTERS, min_size=3, max_size=3),
    st.sampled_from("ABCFGHLJPTK"),
    st.sampled_from(LETTERS),
    st.text(DIGITS, min_size=4, max_size=4).filter(lambda s: s != "0000"),
    st.sampled_from(LETTERS),
    st.sampled_from("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)


@given(bodies)
def test_computed_check_char_is_accepted_and_agrees_with_gstn_and_stdnum(first14: str) -> None:
    number = first14 + calc_check_char(first14)
    assert calc_check_char(first14) == gstn_check_char(first14)
    assert check_gstin(number) == number
    if first14[:2] not in ("38", "97"):
        assert stdnum_gstin.is_valid(number)


@given(bodies, st.data())
def test_a_single_changed_character_is_refused(first14: str, data: st.DataObject) -> None:
    number = first14 + calc_check_char(first14)
    position = data.draw(st.integers(0, 14))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(RuleError) as error:
        check_gstin(changed)
    assert error.value.field == "gstin"
    assert error.value.code in ("bad_gstin_format", "bad_gstin_state", "bad_gstin_check")


# --- registrations by period ---------------------------------------------------------------------

OLD = gstin("27AAECD5512F1Z")
NEW = gstin("27AAECD5512F2Z")
SELLER = (
    Registration(gstin=OLD, legal_name="Shree Datta Foods Pvt Ltd", trade_name="Datta Super Mart",
                 state_code="27", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)),
    Registration(gstin=NEW, legal_name="Shree Datta Foods and Provisions Pvt Ltd", trade_name="Datta Outlet",
                 state_code="27", valid_from=date(2026, 1, 1)),
)  # fmt: skip


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 1, 1), OLD),
        (date(2025, 12, 31), OLD),
        (date(2026, 1, 1), NEW),
        (date(2031, 6, 15), NEW),
    ],
)
def test_invoice_date_picks_the_gstin_and_legal_name_in_force(on: date, expected: str) -> None:
    registration = in_force(SELLER, on)
    assert registration.gstin == expected
    names = {OLD: "Shree Datta Foods Pvt Ltd", NEW: "Shree Datta Foods and Provisions Pvt Ltd"}
    assert registration.legal_name == names[expected]


def test_no_registration_before_the_first_or_in_a_gap() -> None:
    with pytest.raises(RuleError) as error:
        in_force(SELLER, date(2024, 12, 31))
    assert (error.value.code, error.value.field) == ("no_registration", "date")
    assert "31 Dec 2024" in error.value.message
    gap = (SELLER[0], Registration(gstin=NEW, legal_name="X Ltd", valid_from=date(2026, 4, 1)))
    with pytest.raises(RuleError) as error:
        in_force(gap, date(2026, 2, 1))
    assert error.value.code == "no_registration"
    assert in_force(gap, date(2026, 4, 1)).gstin == NEW


def test_periods_of_any_length_work() -> None:
    quarters = [
        Registration(gstin=OLD, legal_name="A", valid_from=date(2025, 4, 1), valid_to=date(2025, 6, 30)),
        Registration(gstin=NEW, legal_name="B", valid_from=date(2025, 7, 1), valid_to=date(2025, 7, 1)),
        Registration(gstin=OLD, legal_name="C", valid_from=date(2025, 7, 2)),
    ]
    check_no_overlap(quarters)
    assert [in_force(quarters, d).legal_name for d in (date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 2))] == [
        "A",
        "B",
        "C",
    ]


@pytest.mark.parametrize(
    ("first_to", "second_from"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),  # one shared day
        (None, date(2026, 1, 1)),  # the first never ends
        (date(2026, 12, 31), date(2026, 6, 1)),
    ],
)
def test_overlapping_periods_are_refused_naming_both(first_to: date | None, second_from: date) -> None:
    first = Registration(gstin=OLD, legal_name="A", valid_from=date(2025, 1, 1), valid_to=first_to)
    second = Registration(gstin=NEW, legal_name="B", valid_from=second_from)
    for registrations in ((first, second), (second, first)):
        with pytest.raises(RuleError) as error:
            check_no_overlap(registrations)
        assert (error.value.code, error.value.field) == ("overlapping_registrations", "valid_from")
        assert OLD in error.value.message and NEW in error.value.message
        with pytest.raises(RuleError):
            in_force(registrations, date(2025, 3, 1))


def test_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(RuleError) as error:
        Registration(gstin=OLD, legal_name="A", valid_from=date(2026, 1, 1), valid_to=date(2025, 12, 31))
    assert (error.value.code, error.value.field) == ("bad_period", "valid_to")


def test_state_code_must_be_the_gstins_own() -> None:
    with pytest.raises(RuleError) as error:
        Registration(gstin=OLD, legal_name="A", state_code="29", valid_from=date(2026, 1, 1))
    assert (error.value.code, error.value.field) == ("state_mismatch", "state_code")
    assert Registration(gstin=OLD.lower(), legal_name="A", valid_from=date(2026, 1, 1)).state_code == "27"


def test_registration_refuses_bad_gstin_and_missing_legal_name() -> None:
    with pytest.raises(RuleError) as error:
        Registration(gstin="27AAPFU0939F1ZO", legal_name="A", valid_from=date(2026, 1, 1))
    assert error.value.code == "bad_gstin_check"
    with pytest.raises(RuleError) as error:
        Registration(gstin=OLD, legal_name=" ", valid_from=date(2026, 1, 1))
    assert (error.value.code, error.value.field) == ("missing_legal_name", "legal_name")


def test_customer_gstin_history_uses_the_same_rules() -> None:
    karnataka = gstin("29AABCK7719D1Z")
    reregistered = gstin("29AABCK7719D2Z")
    history = [
        Registration(gstin=karnataka, legal_name="Kaveri Traders Pvt Ltd", valid_from=date(2020, 7, 1),
                     valid_to=date(2025, 12, 31)),
        Registration(gstin=reregistered, legal_name="Kaveri Traders Ltd", valid_from=date(2026, 1, 1)),
    ]  # fmt: skip
    assert in_force(history, date(2025, 12, 31)).gstin == karnataka
    assert in_force(history, date(2026, 1, 1)).legal_name == "Kaveri Traders Ltd"
