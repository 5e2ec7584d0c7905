"""A gateway payment's state machine and the idempotency keys of its calls.

One attempt to take money through a gateway (Stripe, Razorpay, or the offline cash / external terminal
adapters) moves through ``created → pending → succeeded / failed / cancelled → refunded``. Webhooks arrive
at least once and in any order, and polling may see a state before or after them, so the state is a
*join*: every observation moves it to the higher of the two states in ``ORDER`` and never back. Applying
the same observations in any order, any number of times, ends in the same state (tests/unit/
test_gateway_state.py proves it with hypothesis).

``cancelled`` ranks above ``failed`` (a cashier who cancels after a decline has the last word) and
``succeeded`` above both: money the gateway took after all (a UPI payment approved after the till gave up)
is never ignored. ``refunded`` (every paisa given back) is the end.
"""

from __future__ import annotations

import re
from enum import StrEnum

from edge.domain.errors import RuleError


class GatewayState(StrEnum):
    """Where one gateway payment attempt stands."""

    CREATED = "created"  # saved with its idempotency key; the gateway may not have heard of it yet
    PENDING = "pending"  # the gateway has it; waiting for the customer, the reader or a capture
    FAILED = "failed"  # declined or expired
    CANCELLED = "cancelled"  # given up by the till (and at the gateway where it can be)
    SUCCEEDED = "succeeded"  # money taken
    REFUNDED = "refunded"  # all of it given back


ORDER = (GatewayState.CREATED, GatewayState.PENDING, GatewayState.FAILED, GatewayState.CANCELLED,
         GatewayState.SUCCEEDED, GatewayState.REFUNDED)
RANK = {state: rank for rank, state in enumerate(ORDER)}
OPEN = frozenset({GatewayState.CREATED, GatewayState.PENDING})
MONEY_TAKEN = frozenset({GatewayState.SUCCEEDED, GatewayState.REFUNDED})
KEY_PART = re.compile(r"^[A-Za-z0-9/_-]{1,40}$")


def state_of(value: GatewayState | str) -> GatewayState:
    """The state from its name, refusing anything else."""
    try:
        return GatewayState(value)
    except ValueError as exc:
        raise RuleError(f"{value!r} is not a gateway payment state", "state", "unknown_state") from exc


def advance(current: GatewayState | str, observed: GatewayState | str) -> GatewayState:
    """The state after an observation (webhook, poll, answer): the higher of the two; never goes back."""
    now, seen = state_of(current), state_of(observed)
    return seen if RANK[seen] > RANK[now] else now


def is_open(state: GatewayState | str) -> bool:
    """Whether the attempt still holds its amount while its outcome is unknown."""
    return state_of(state) in OPEN


def idempotency_key(till: str, invoice_number: str, attempt: int, action: str = "create") -> str:
    """The Idempotency-Key of one gateway call: till, invoice and attempt (and the action on it), so the
    same call sent again after a timeout is the same call to the gateway, and a new attempt is a new one."""
    for name, part in (("till", till), ("invoice_number", invoice_number), ("action", action)):
        if not KEY_PART.match(part):
            raise RuleError(f"{name} {part!r} cannot be part of an idempotency key", name, "bad_key_part")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise RuleError(f"attempt must be a whole number from 1 (got {attempt!r})", "attempt", "bad_attempt")
    return f"pos-{till}-{invoice_number}-a{attempt}-{action}"


def action_key(create_key: str, action: str) -> str:
    """The Idempotency-Key of a later call on the same attempt (``capture``, ``cancel``, ``refund2``)."""
    if not KEY_PART.match(action):
        raise RuleError(f"action {action!r} cannot be part of an idempotency key", "action", "bad_key_part")
    return f"{create_key.removesuffix('-create')}-{action}"
