"""Barcodes: product check digits and scale labels that embed a weight or a price, decoded only when sound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.barcodes import (
    DEFAULT_SCALE_RULES,
    ScaleLabel,
    ScaleRule,
    barcode_kind,
    check_digit,
    check_product_barcode,
    decode,
    make_scale_label,
    parse_rule,
)
from edge.domain.errors import RuleError

WEIGHT, PRICE = DEFAULT_SCALE_RULES


def ean_check_digit_by_hand(first_digits: str) -> str:
    """GS1 check digit: weights 3, 1, 3, ... from the right of the payload; (10 - sum mod 10) mod 10."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first_digits)))
    return str((10 - total % 10) % 10)


# --- product barcodes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("8901262010016", "ean13"),  # an Indian (GS1 890) EAN-13
        ("9780471117094", "ean13"),  # a book's ISBN as EAN-13
        ("73513537", "ean8"),
        ("036000291452", "upca"),
    ],
)
def test_real_product_barcodes_are_accepted_with_their_kind(code: str, kind: str) -> None:
    assert check_product_barcode(code) == code
    assert barcode_kind(code) == kind
    assert ean_check_digit_by_hand(code[:-1]) == code[-1]


def test_scanner_line_ending_is_cleaned_off() -> None:
    assert check_product_barcode(" 8901262010016\r\n") == "8901262010016"


@pytest.mark.parametrize("code", ["8901262010017", "73513538", "036000291453"])
def test_wrong_check_digit_is_refused_and_names_the_right_one(code: str) -> None:
    with pytest.raises(RuleError) as error:
        check_product_barcode(code)
    assert (error.value.code, error.value.field) == ("bad_check_digit", "barcode")
    assert f"should be {ean_check_digit_by_hand(code[:-1])}" in error.value.message


@pytest.mark.parametrize(
    "code",
    ["", "89012620100", "89012620100166", "1234567", "89012620100l6", "8901-262010016", "٨٩٠١٢٦٢٠١٠٠١٦"],
)
def test_other_lengths_and_characters_are_not_barcodes(code: str) -> None:
    with pytest.raises(RuleError) as error:
        check_product_barcode(code)
    assert (error.value.code, error.value.field) == ("bad_barcode", "barcode")


def test_check_digit_completes_each_length() -> None:
    assert check_digit("890126201001") == "6"
    assert check_digit("7351353") == "7"
    assert check_digit("03600029145") == "2"
    with pytest.raises(RuleError):
        check_digit("123")


@given(
    st.sampled_from([7, 11, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.data(),
)
def test_any_single_digit_change_is_refused(payload: str, data: st.DataObject) -> None:
    code = payload + check_digit(payload)
    assert check_product_barcode(code) == code
    position = data.draw(st.integers(0, len(code) - 1))
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    changed = code[:position] + new_digit + code[position + 1 :]
    with pytest.raises(RuleError) as error:
        check_product_barcode(changed)
    assert error.value.code == "bad_check_digit"


# --- scale labels --------------------------------------------------------------------------------


def test_weight_label_decodes_to_item_code_and_grams() -> None:
    # 21 | 00123 | 01235 (01.235 kg) | check 0: 2+3+0+0+1+6+3+0+1+6+3+15 = 40 → (10 - 0) mod 10 = 0
    assert ean_check_digit_by_hand("210012301235") == "0"
    assert decode("2100123012350", DEFAULT_SCALE_RULES) == ScaleLabel(
        "Weighed item (kg)", "weight", "00123", quantity_milli=1235, price_paise=None
    )


def test_price_label_decodes_to_item_code_and_paise() -> None:
    # 23 | 00456 | 04575 (₹045.75) | check: 2+9+0+0+4+15+6+0+4+15+7+15 = 77 → 3
    assert ean_check_digit_by_hand("230045604575") == "3"
    assert decode("2300456045753", DEFAULT_SCALE_RULES) == ScaleLabel(
        "Priced item (₹)", "price", "00456", quantity_milli=None, price_paise=4575
    )


def test_label_with_wrong_check_digit_is_refused_not_decoded() -> None:
    with pytest.raises(RuleError) as error:
        decode("2100123012353", DEFAULT_SCALE_RULES)
    assert (error.value.code, error.value.field) == ("bad_check_digit", "barcode")
    assert "should be 0" in error.value.message


@pytest.mark.parametrize("code", ["8901262010016", "73513537", "036000291452", "2200123012353", "hello"])
def test_barcodes_no_rule_matches_are_plain_product_barcodes(code: str) -> None:
    assert decode(code, DEFAULT_SCALE_RULES) is None


def test_zero_weight_and_zero_price_are_refused() -> None:
    zero_weight = "210012300000" + check_digit("210012300000")
    zero_price = "230045600000" + check_digit("230045600000")
    for code, expected in ((zero_weight, "zero_weight"), (zero_price, "zero_price")):
        with pytest.raises(RuleError) as error:
            decode(code, DEFAULT_SCALE_RULES)
        assert (error.value.code, error.value.field) == (expected, "barcode")


def test_rules_are_tried_lowest_sequence_first() -> None:
    generic = parse_rule("Any 2x weight", "weight", "2......{NNDDD}", sequence=50)
    specific = parse_rule("Store weight", "weight", "21.....{NNNDD}", sequence=5)
    code = "2100123012350"
    first = decode(code, [generic, specific])
    assert first is not None and (first.rule_name, first.quantity_milli) == ("Store weight", 12350)
    later = decode(code, [generic, ScaleRule("Store weight", "weight", "21.....{NNNDD}", sequence=90)])
    assert later is not None and (later.rule_name, later.item_code, later.quantity_milli) == (
        "Any 2x weight",
        "100123",
        1235,
    )


def test_a_rule_with_two_weight_decimals_reads_tens_of_grams() -> None:
    rule = parse_rule("10 g steps", "weight", "22....{NNNNDD}")
    label = make_scale_label(rule, "42", 2350)
    assert label[:12] == "220042000235"
    decoded = decode(label, [rule])
    assert decoded is not None and (decoded.item_code, decoded.quantity_milli) == ("0042", 2350)


def test_parse_rule_accepts_stored_text() -> None:
    rule = parse_rule(" Loose rice ", " Weight ", " 21.....{NNDDD} ", 10)
    assert rule == ScaleRule("Loose rice", "weight", "21.....{NNDDD}", 10)
    assert (rule.prefix, rule.item_width, rule.max_value) == ("21", 5, 99_999)
    assert PRICE.max_value == 99_999  # ₹999.99


@pytest.mark.parametrize(
    ("kind", "pattern", "problem"),
    [
        ("weight", "21....{NNDDD}", "must describe 12 digits"),
        ("weight", "21......{NNDDD}", "must describe 12 digits"),
        ("weight", "21.....NNDDD", "exactly one {...} group"),
        ("weight", "21.....{NNDDD", "exactly one {...} group"),
        ("weight", "21.....}NNDDD{", "'}' comes before '{'"),
        ("weight", "{NNDDD}21.....", "must come last"),
        ("weight", "21.....{}", "empty"),
        ("weight", "21.....{DDNNN}", "D must come after"),
        ("weight", "21.....{NDNDD}", "D must come after"),
        ("weight", "21..X..{NNDDD}", "unknown character(s) 'X'"),
        ("weight", "21.....{NN.DD}", "only N (integer digits) and D"),
        ("weight", ".....21{NNDDD}", "must start with the literal prefix"),
        ("weight", "2100000{NNDDD}", "needs '.' positions"),
        ("weight", "21...0.{NNDDD}", "prefix digits come first"),
        ("weight", "2.....{NDDDDD}", "at most 3 decimals"),
        ("price", "23....{NNNDDD}", "at most 2 decimals"),
        ("weight", "89.....{NNDDD}", "not an in-store prefix"),
    ],
)
def test_bad_patterns_are_refused_with_the_problem_named(kind: str, pattern: str, problem: str) -> None:
    with pytest.raises(RuleError) as error:
        parse_rule("Bad", kind, pattern)
    assert (error.value.code, error.value.field) == ("bad_scale_pattern", "pattern")
    assert problem in error.value.message


def test_rule_kind_and_name_are_required() -> None:
    with pytest.raises(RuleError) as error:
        parse_rule("Count", "pieces", "21.....{NNDDD}")
    assert (error.value.code, error.value.field) == ("bad_scale_rule", "kind")
    with pytest.raises(RuleError) as error:
        parse_rule("  ", "weight", "21.....{NNDDD}")
    assert (error.value.code, error.value.field) == ("bad_scale_rule", "name")


@pytest.mark.parametrize(
    ("rule", "item_code", "value", "field"),
    [
        (WEIGHT, "123456", 1235, "item_code"),
        (WEIGHT, "12a", 1235, "item_code"),
        (WEIGHT, "", 1235, "item_code"),
        (WEIGHT, "123", 0, "value"),
        (WEIGHT, "123", 100_000, "value"),  # 100 kg does not fit NN.DDD
        (PRICE, "123", -5, "value"),
        (parse_rule("10 g", "weight", "22....{NNNNDD}"), "1", 1235, "value"),  # not a multiple of 10 g
    ],
)
def test_labels_that_cannot_be_printed_are_refused(rule: ScaleRule, item_code: str, value: int, field: str) -> None:
    with pytest.raises(RuleError) as error:
        make_scale_label(rule, item_code, value)
    assert error.value.field == field


@given(
    st.sampled_from(DEFAULT_SCALE_RULES),
    st.text("0123456789", min_size=5, max_size=5),
    st.integers(1, 99_999),
)
def test_label_round_trip(rule: ScaleRule, item_code: str, value: int) -> None:
    label = make_scale_label(rule, item_code, value)
    assert len(label) == 13 and check_product_barcode(label) == label
    decoded = decode(label, DEFAULT_SCALE_RULES)
    assert decoded is not None
    assert (decoded.rule_name, decoded.kind, decoded.item_code) == (rule.name, rule.kind, item_code)
    if rule.kind == "weight":
        assert (decoded.quantity_milli, decoded.price_paise) == (value, None)
    else:
        assert (decoded.quantity_milli, decoded.price_paise) == (None, value)


@given(st.sampled_from(DEFAULT_SCALE_RULES), st.integers(0, 99_999), st.integers(1, 99_999), st.data())
def test_a_mistyped_label_digit_is_never_decoded(rule: ScaleRule, item: int, value: int, data: st.DataObject) -> None:
    label = make_scale_label(rule, f"{item:05d}", value)
    position = data.draw(st.integers(2, 12))  # any digit after the prefix, check digit included
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != label[position]]))
    changed = label[:position] + new_digit + label[position + 1 :]
    with pytest.raises(RuleError) as error:
        decode(changed, DEFAULT_SCALE_RULES)
    assert error.value.code == "bad_check_digit"
