"""The gateway payment state machine: observations in any order, any number of times, end the same."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge.domain.gateway import (
    ORDER,
    GatewayState,
    action_key,
    advance,
    idempotency_key,
    is_open,
)
from tests.unit.rules import refusal

states = st.sampled_from(list(GatewayState))


def run(observations: list[GatewayState]) -> GatewayState:
    """The state after observations, from created."""
    state = GatewayState.CREATED
    for seen in observations:
        state = advance(state, seen)
    return state


@given(st.lists(states, max_size=12), st.randoms())
def test_any_order_of_the_same_observations_ends_in_the_same_state(observations: list[GatewayState],
                                                                   rnd: object) -> None:
    shuffled = list(observations)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert run(observations) == run(shuffled)


@given(st.lists(states, max_size=12))
def test_redelivered_observations_change_nothing(observations: list[GatewayState]) -> None:
    assert run(observations + observations) == run(observations) == run([o for o in observations for _ in (0, 1)])


@given(states, states)
def test_a_state_never_goes_back(current: GatewayState, observed: GatewayState) -> None:
    after = advance(current, observed)
    assert ORDER.index(after) >= ORDER.index(current) and after in (current, observed)


def test_worked_examples() -> None:
    assert run([GatewayState.PENDING, GatewayState.FAILED]) is GatewayState.FAILED
    assert run([GatewayState.FAILED, GatewayState.CANCELLED]) is GatewayState.CANCELLED, "cashier gave up after"
    assert run([GatewayState.SUCCEEDED, GatewayState.FAILED]) is GatewayState.SUCCEEDED, "a late failure"
    assert run([GatewayState.CANCELLED, GatewayState.SUCCEEDED]) is GatewayState.SUCCEEDED, "paid after all"
    assert run([GatewayState.REFUNDED, GatewayState.SUCCEEDED]) is GatewayState.REFUNDED
    assert [is_open(s) for s in ORDER] == [True, True, False, False, False, False]


def test_idempotency_keys_name_till_invoice_attempt_and_action() -> None:
    key = idempotency_key("T1", "T1/2627/000042", 3)
    assert key == "pos-T1-T1/2627/000042-a3-create"
    assert idempotency_key("T1", "T1/2627/000042", 3) == key, "the same attempt, the same key"
    assert idempotency_key("T1", "T1/2627/000042", 4) != key
    assert action_key(key, "capture") == "pos-T1-T1/2627/000042-a3-capture"
    assert action_key(key, "refund2") == "pos-T1-T1/2627/000042-a3-refund2"
    assert refusal(lambda: idempotency_key("T1", "T1/2627/000042", 0)) == ("bad_attempt", "attempt")
    assert refusal(lambda: idempotency_key("T 1", "X", 1)) == ("bad_key_part", "till")
    assert refusal(lambda: advance("created", "paid")) == ("unknown_state", "state")
