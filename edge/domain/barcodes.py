"""Barcodes: EAN-13, EAN-8 and UPC-A check digits, and weight/price labels printed by in-store scales.

A scale label is an EAN-13 whose first 12 digits follow a nomenclature pattern in the style of Odoo's:
``21.....{NNDDD}`` reads as the literal prefix ``21``, five item-code digits (the product's scale code) and
a value with two integer and three decimal digits (kilograms for a weight rule, rupees for a price rule);
the 13th digit is the ordinary EAN check digit. A label with a wrong check digit is refused, never decoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from stdnum import ean
from stdnum.exceptions import InvalidChecksum, ValidationError

from edge.domain.errors import RuleError

BarcodeKind = Literal["ean13", "ean8", "upca"]
ScaleKind = Literal["weight", "price"]

KINDS_BY_LENGTH: dict[int, BarcodeKind] = {13: "ean13", 8: "ean8", 12: "upca"}
LABEL_LENGTH = 13  # a scale label is an EAN-13
PATTERN_POSITIONS = LABEL_LENGTH - 1  # the pattern covers every digit but the check digit
# Decimals the embedded value may have: weights to the gram (kg with 3 decimals), prices to the paisa.
MAX_DECIMALS: dict[str, int] = {"weight": 3, "price": 2}
# GS1 keeps these EAN-13 prefixes for in-store (restricted circulation) numbers, so a rule can never take
# over a manufacturer's barcode such as 890... (India): 20-29 in a region, 02 and 04 inside a company.
IN_STORE_PREFIXES = ("2", "02", "04")

_DIGITS = re.compile(r"[0-9]+")
_PATTERN_CHARACTERS = re.compile(r"[0-9.{}ND]*")
_PATTERN = re.compile(r"(?P<prefix>[0-9]+)(?P<item>\.+)\{(?P<whole>N*)(?P<decimals>D*)\}")


def _digits_only(code: str) -> bool:
    """True when code is one or more ASCII digits."""
    return _DIGITS.fullmatch(code) is not None


def check_product_barcode(code: str) -> str:
    """A product barcode (EAN-13, EAN-8 or UPC-A) with a correct check digit, without surrounding blanks."""
    cleaned = code.strip()
    if not _digits_only(cleaned):
        raise RuleError(f"a barcode has digits only (got {code!r})", "barcode", "bad_barcode")
    if len(cleaned) not in KINDS_BY_LENGTH:
        raise RuleError(
            f"a barcode has 13 (EAN-13), 12 (UPC-A) or 8 (EAN-8) digits (got {len(cleaned)}: {cleaned})",
            "barcode",
            "bad_barcode",
        )
    try:
        return str(ean.validate(cleaned))
    except InvalidChecksum as exc:
        expected = ean.calc_check_digit(cleaned[:-1])
        raise RuleError(
            f"barcode {cleaned} has a wrong check digit (last digit should be {expected}); scan it again",
            "barcode",
            "bad_check_digit",
        ) from exc
    except ValidationError as exc:  # pragma: no cover - length and digits were checked above
        raise RuleError(f"{cleaned} is not a barcode", "barcode", "bad_barcode") from exc


def barcode_kind(code: str) -> BarcodeKind:
    """Which symbology a valid product barcode is: ``ean13``, ``ean8`` or ``upca``."""
    return KINDS_BY_LENGTH[len(check_product_barcode(code))]


def check_digit(first_digits: str) -> str:
    """The EAN/UPC check digit that completes ``first_digits`` (7, 11 or 12 digits)."""
    if not _digits_only(first_digits) or len(first_digits) + 1 not in KINDS_BY_LENGTH:
        raise RuleError(f"a check digit completes 7, 11 or 12 digits (got {first_digits!r})", "barcode", "bad_barcode")
    return str(ean.calc_check_digit(first_digits))


@dataclass(frozen=True)
class LabelLayout:
    """Where the parts of a scale label sit, read from its pattern."""

    prefix: str
    item_width: int
    whole_digits: int
    decimals: int

    @property
    def item_start(self) -> int:
        """Index of the first item-code digit."""
        return len(self.prefix)

    @property
    def value_start(self) -> int:
        """Index of the first digit of the embedded value."""
        return len(self.prefix) + self.item_width


def _read_pattern(kind: str, pattern: str) -> LabelLayout:
    """Parse a nomenclature pattern or say exactly what is wrong with it."""

    def refuse(problem: str) -> RuleError:
        return RuleError(f"scale label pattern {pattern!r}: {problem}", "pattern", "bad_scale_pattern")

    if not _PATTERN_CHARACTERS.fullmatch(pattern):
        unknown = sorted({char for char in pattern if char not in "0123456789.{}ND"})
        raise refuse(
            f"unknown character(s) {' '.join(repr(char) for char in unknown)}; use digits for the prefix, "
            "'.' for item-code digits and {N...D...} for the value"
        )
    if pattern.count("{") != 1 or pattern.count("}") != 1:
        raise refuse("needs exactly one {...} group for the embedded weight or price, e.g. 21.....{NNDDD}")
    opening, closing = pattern.index("{"), pattern.index("}")
    if closing < opening:
        raise refuse("'}' comes before '{'")
    if closing != len(pattern) - 1:
        raise refuse("the {...} value group must come last (the check digit follows it)")
    inside = pattern[opening + 1 : closing]
    if not inside:
        raise refuse("the {...} value group is empty")
    if any(char not in "ND" for char in inside):
        raise refuse("inside {...} only N (integer digits) and D (decimal digits) are allowed")
    if "DN" in inside:
        raise refuse("decimal digits D must come after the integer digits N")
    positions = len(pattern) - 2
    if positions != PATTERN_POSITIONS:
        raise refuse(
            f"must describe {PATTERN_POSITIONS} digits (the 13th is the check digit); it describes {positions}"
        )
    match = _PATTERN.fullmatch(pattern)
    if match is None:
        head = pattern[:opening]
        if not head or not head[0].isdigit():
            raise refuse("must start with the literal prefix digits, e.g. 21")
        if "." not in head:
            raise refuse("needs '.' positions for the item code between the prefix and the value")
        raise refuse("the prefix digits come first, then the '.' item-code positions, then the {...} value")
    prefix = match["prefix"]
    if not prefix.startswith(IN_STORE_PREFIXES):
        raise refuse(
            f"prefix {prefix} is not an in-store prefix (20-29, 02 or 04); it could match a manufacturer's barcode"
        )
    decimals = len(match["decimals"])
    if kind in MAX_DECIMALS and decimals > MAX_DECIMALS[kind]:
        unit = "3 decimals (grams)" if kind == "weight" else "2 decimals (paise)"
        raise refuse(f"a {kind} has at most {unit}; the pattern has {decimals}")
    return LabelLayout(prefix, len(match["item"]), len(match["whole"]), decimals)


@dataclass(frozen=True)
class ScaleRule:
    """A nomenclature rule for scale labels: weight (kg) or price (rupees) embedded after an item code."""

    name: str
    kind: ScaleKind
    pattern: str
    sequence: int = 100
    layout: LabelLayout = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise RuleError("a scale label rule needs a name", "name", "bad_scale_rule")
        if self.kind not in MAX_DECIMALS:
            raise RuleError(f"a scale label rule is 'weight' or 'price' (got {self.kind!r})", "kind", "bad_scale_rule")
        object.__setattr__(self, "layout", _read_pattern(self.kind, self.pattern))

    @property
    def prefix(self) -> str:
        """The literal digits a label of this rule starts with."""
        return self.layout.prefix

    @property
    def item_width(self) -> int:
        """How many digits the item code (the product's scale code) has in a label."""
        return self.layout.item_width

    @property
    def max_value(self) -> int:
        """The largest value a label can carry: grams for a weight rule, paise for a price rule."""
        return int(10 ** (self.layout.whole_digits + self.layout.decimals) - 1) * self.value_step

    @property
    def value_step(self) -> int:
        """Grams or paise of one unit in the last digit of the value."""
        return int(10 ** (MAX_DECIMALS[self.kind] - self.layout.decimals))


def parse_rule(name: str, kind: str, pattern: str, sequence: int = 100) -> ScaleRule:
    """A scale label rule from typed or stored fields (blanks around them ignored), validated."""
    kind = kind.strip().lower()
    if kind == "weight":
        return ScaleRule(name.strip(), "weight", pattern.strip(), sequence)
    if kind == "price":
        return ScaleRule(name.strip(), "price", pattern.strip(), sequence)
    raise RuleError(f"a scale label rule is 'weight' or 'price' (got {kind!r})", "kind", "bad_scale_rule")


DEFAULT_SCALE_RULES: tuple[ScaleRule, ...] = (
    ScaleRule("Weighed item (kg)", "weight", "21.....{NNDDD}", 10),
    ScaleRule("Priced item (₹)", "price", "23.....{NNNDD}", 20),
)


@dataclass(frozen=True)
class ScaleLabel:
    """What a scale label says: the item code and either the weight (grams) or the price (paise)."""

    rule_name: str
    kind: ScaleKind
    item_code: str
    quantity_milli: int | None
    price_paise: int | None


def decode(code: str, rules: Sequence[ScaleRule]) -> ScaleLabel | None:
    """Decode a scale label by the first matching rule (lowest sequence); None for any other barcode."""
    cleaned = code.strip()
    if len(cleaned) != LABEL_LENGTH or not _digits_only(cleaned):
        return None
    for rule in sorted(rules, key=lambda r: (r.sequence, r.name)):
        if cleaned.startswith(rule.prefix):
            return _read_label(cleaned, rule)
    return None


def _read_label(code: str, rule: ScaleRule) -> ScaleLabel:
    """The contents of a 13-digit label that starts with ``rule``'s prefix."""
    expected = ean.calc_check_digit(code[:-1])
    if code[-1] != expected:
        raise RuleError(
            f"scale label {code} has a wrong check digit (last digit should be {expected}); "
            "scan it again or key the item in",
            "barcode",
            "bad_check_digit",
        )
    layout = rule.layout
    item_code = code[layout.item_start : layout.value_start]
    value = int(code[layout.value_start : PATTERN_POSITIONS]) * rule.value_step
    if value == 0:
        what = "weight" if rule.kind == "weight" else "price"
        raise RuleError(f"scale label {code} carries a zero {what}; weigh the item again", "barcode", f"zero_{what}")
    if rule.kind == "weight":
        return ScaleLabel(rule.name, "weight", item_code, value, None)
    return ScaleLabel(rule.name, "price", item_code, None, value)


def make_scale_label(rule: ScaleRule, item_code: str, value: int) -> str:
    """The 13-digit label a scale prints: item code (zero-padded), grams or paise, and the check digit."""
    if not _digits_only(item_code) or len(item_code) > rule.item_width:
        raise RuleError(
            f"the item code in a {rule.name!r} label has 1 to {rule.item_width} digits (got {item_code!r})",
            "item_code",
            "bad_item_code",
        )
    what = "grams" if rule.kind == "weight" else "paise"
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > rule.max_value:
        raise RuleError(
            f"a {rule.name!r} label carries 1 to {rule.max_value} {what} (got {value!r})", "value", "bad_label_value"
        )
    step = rule.value_step
    if value % step:
        raise RuleError(
            f"a {rule.name!r} label carries {what} in steps of {step} (got {value})", "value", "bad_label_value"
        )
    digits = rule.layout.whole_digits + rule.layout.decimals
    first12 = f"{rule.prefix}{item_code.zfill(rule.item_width)}{value // step:0{digits}d}"
    return first12 + str(ean.calc_check_digit(first12))
