"""Units and quantities: piece, kg and package; quantities in thousandths of a unit (grams for kg)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from edge.domain.errors import RuleError

MILLI = 1000


class UnitKind(StrEnum):
    """How a unit is counted."""

    PIECE = "piece"
    KG = "kg"
    PACKAGE = "package"


# Decimals a typed quantity may have in each kind of unit: weights to the gram, pieces and packages whole.
DECIMALS = {UnitKind.PIECE: 0, UnitKind.KG: 3, UnitKind.PACKAGE: 0}


@dataclass(frozen=True)
class Unit:
    """A unit a product is sold in; ``factor_milli`` base units (x1000) make one of it."""

    kind: UnitKind
    name: str
    factor_milli: int = MILLI

    def __post_init__(self) -> None:
        if self.factor_milli <= 0:
            raise RuleError(f"unit {self.name!r} must hold a positive number of base units", "factor_milli")

    @property
    def decimals(self) -> int:
        """Decimals allowed in a quantity of this unit."""
        return DECIMALS[self.kind]


def parse_quantity(value: str | int | Decimal, unit: Unit, field: str = "quantity") -> int:
    """A typed or weighed quantity of ``unit`` as thousandths; zero, negative or too precise is an error."""
    if isinstance(value, (bool, float)):
        raise RuleError("quantities are given as text or integers, never floating point", field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RuleError(f"{value!r} is not a quantity", field) from exc
    if not amount.is_finite():
        raise RuleError(f"{value!r} is not a quantity", field)
    if amount <= 0:
        raise RuleError(f"quantity must be more than zero (got {value})", field, "quantity_not_positive")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > unit.decimals:
        allowed = "whole numbers" if unit.decimals == 0 else f"at most {unit.decimals} decimals"
        raise RuleError(f"a quantity in {unit.name} takes {allowed} (got {value})", field, "quantity_precision")
    return int(amount * MILLI)


def check_quantity_milli(quantity_milli: int, unit: Unit, field: str = "quantity_milli") -> int:
    """Validate a quantity already in thousandths (as stored and sent on the wire)."""
    if quantity_milli <= 0:
        raise RuleError(f"quantity must be more than zero (got {quantity_milli / MILLI})", field,
                        "quantity_not_positive")
    step = MILLI // 10**unit.decimals
    if quantity_milli % step:
        raise RuleError(f"a quantity in {unit.name} must be a multiple of {step / MILLI}", field, "quantity_precision")
    return quantity_milli


def to_base_milli(quantity_milli: int, unit: Unit) -> int:
    """The same quantity in thousandths of the base unit (2 cases of 24 → 48 pieces → 48000)."""
    base, rest = divmod(quantity_milli * unit.factor_milli, MILLI)
    if rest:
        raise RuleError(f"{quantity_milli / MILLI} {unit.name} is not a whole number of base thousandths",
                        "quantity_milli")
    return base


def format_quantity(quantity_milli: int, unit: Unit) -> str:
    """``1.235 kg``, ``3 piece``, ``2 Case of 24``: as a receipt prints it."""
    decimals = unit.decimals
    text = f"{Decimal(quantity_milli) / MILLI:.{decimals}f}"
    return f"{text} {unit.name}"
