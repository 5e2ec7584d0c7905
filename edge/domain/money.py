"""Money: integer paise at rest and on the wire, Decimal inside arithmetic, ROUND_HALF_UP at named points.

The rounding points are: each line amount (rate x quantity), each tax amount of each line, and the
invoice's round-off to the nearest rupee. Nothing else rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from edge.domain.errors import RuleError

PAISE_PER_RUPEE = 100
ONE = Decimal(1)


def round_paise(amount: Decimal) -> int:
    """Round an exact amount of paise to whole paise, half away from zero."""
    return int(amount.quantize(ONE, rounding=ROUND_HALF_UP))


def rupees_to_paise(value: str | int | Decimal, field: str = "amount") -> int:
    """Parse rupees (``"1234.50"``) into paise exactly; more than 2 decimals is an error, never rounded."""
    if isinstance(value, (bool, float)):
        raise RuleError("amounts are given as text or integers, never floating point", field)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise RuleError(f"{value!r} is not an amount in rupees", field) from exc
    if not amount.is_finite():
        raise RuleError(f"{value!r} is not an amount in rupees", field)
    paise = amount * PAISE_PER_RUPEE
    if paise != paise.to_integral_value():
        raise RuleError(f"{value} has more than 2 decimals (paise)", field)
    return int(paise)


def round_to_rupee(paise: int) -> tuple[int, int]:
    """(total rounded to the nearest rupee, round-off in paise); 50 paise rounds up."""
    rupees = (Decimal(paise) / PAISE_PER_RUPEE).quantize(ONE, rounding=ROUND_HALF_UP)
    rounded = int(rupees) * PAISE_PER_RUPEE
    return rounded, rounded - paise


def format_inr(paise: int) -> str:
    """``₹1,23,456.78`` with Indian digit grouping (lakh, crore)."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), PAISE_PER_RUPEE)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    return f"{sign}₹{digits}.{rest:02d}"


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` paise over weights in proportion, exactly (largest remainder; ties to the first)."""
    if total < 0:
        return [-share for share in allocate(-total, weights)]
    weight_sum = sum(weights)
    if any(weight < 0 for weight in weights):
        raise RuleError("weights to allocate over must not be negative")
    if weight_sum == 0:
        if total and weights:
            raise RuleError("cannot allocate an amount over lines that are all zero")
        return [0 for _ in weights]
    shares = [total * weight // weight_sum for weight in weights]
    remainders = [total * weight % weight_sum for weight in weights]
    left = total - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares
