"""Powers beyond routes (rate below floor, typed weight, discounts), by role, overridable per store."""

from __future__ import annotations

from dataclasses import dataclass

from edge.store.models import RolePermission

RATE_BELOW_FLOOR = "rate_below_floor"
MANUAL_WEIGHT = "manual_weight"
DISCOUNT = "discount"  # limit: largest discount in basis points of the amount
CANCEL_INVOICE = "cancel_invoice"

# Defaults when the store has no row for a role and permission; a row overrides (limit None = no limit).
DEFAULTS: dict[str, dict[str, int | None]] = {
    "admin": {RATE_BELOW_FLOOR: None, MANUAL_WEIGHT: None, DISCOUNT: None, CANCEL_INVOICE: None},
    "manager": {RATE_BELOW_FLOOR: None, MANUAL_WEIGHT: None, DISCOUNT: None, CANCEL_INVOICE: None},
    "cashier": {DISCOUNT: 500},
}


@dataclass(frozen=True)
class Grant:
    """Whether a role holds a permission, and its limit."""

    granted: bool
    limit: int | None = None


def grant(role: str, permission: str) -> Grant:
    """The store's rule for a role and permission, else the default."""
    row = RolePermission.get_or_none((RolePermission.role == role) & (RolePermission.permission == permission))
    if row is not None:
        return Grant(True, row.limit_value)
    defaults = DEFAULTS.get(role, {})
    if permission in defaults:
        return Grant(True, defaults[permission])
    return Grant(False)
