"""How the adapters read the gateways' objects, route methods, and track reachability."""

from __future__ import annotations

from typing import Any

import pytest

from edge.config import load_config
from edge.domain.gateway import GatewayState
from edge.payments.base import GatewayRefused, Reachability
from edge.payments.razorpay import order_payment
from edge.payments.registry import build_gateways
from edge.payments.stripe import intent_state, to_payment

DECLINE = {"code": "card_declined", "decline_code": "insufficient_funds",
           "message": "Your card has insufficient funds."}


@pytest.mark.parametrize(("intent", "expected"), [
    ({"status": "requires_payment_method"}, (GatewayState.PENDING, False)),
    ({"status": "requires_payment_method", "last_payment_error": DECLINE}, (GatewayState.FAILED, False)),
    ({"status": "requires_action"}, (GatewayState.PENDING, False)),
    ({"status": "processing"}, (GatewayState.PENDING, False)),
    ({"status": "requires_capture"}, (GatewayState.PENDING, True)),
    ({"status": "succeeded", "latest_charge": "ch_1"}, (GatewayState.SUCCEEDED, False)),
    ({"status": "succeeded", "latest_charge": {"refunded": True}}, (GatewayState.REFUNDED, False)),
    ({"status": "canceled"}, (GatewayState.CANCELLED, False)),
])
def test_stripe_intent_states(intent: dict[str, Any], expected: tuple[GatewayState, bool]) -> None:
    assert intent_state(intent) == expected


def test_a_stripe_decline_keeps_its_code_and_message_and_card_details_only_in_details() -> None:
    payment = to_payment({"id": "pi_1", "amount": 500, "status": "requires_payment_method",
                          "last_payment_error": DECLINE})
    assert (payment.state, payment.failure_code, payment.failure_message) == (
        GatewayState.FAILED, "insufficient_funds", "Your card has insufficient funds.")
    charged = to_payment({"id": "pi_2", "amount": 500, "status": "succeeded", "latest_charge": {
        "amount_refunded": 200, "payment_method_details": {"card_present": {"brand": "visa", "last4": "4242"}}}})
    assert (charged.refunded_paise, dict(charged.details)) == (200, {"brand": "visa", "last4": "4242"})


def test_a_razorpay_order_stands_on_its_best_payment() -> None:
    failed = {"id": "pay_1", "order_id": "order_1", "status": "failed", "amount": 900, "created_at": 1,
              "error_reason": "payment_failed", "error_description": "declined"}
    captured = {"id": "pay_2", "order_id": "order_1", "status": "captured", "amount": 900, "created_at": 2}
    assert order_payment("order_1", [failed]).state is GatewayState.FAILED
    best = order_payment("order_1", [captured, failed])
    assert (best.state, best.transaction_id, best.ref) == (GatewayState.SUCCEEDED, "pay_2", "order_1")
    authorised = order_payment("order_1", [failed, {**captured, "status": "authorized"}])
    assert (authorised.state, authorised.needs_capture) == (GatewayState.PENDING, True)
    refunded = order_payment("order_1", [{**captured, "amount_refunded": 900}])
    assert refunded.state is GatewayState.REFUNDED
    assert order_payment("order_1", []).state is GatewayState.PENDING


def test_methods_route_to_the_enabled_gateways() -> None:
    config = load_config(None, environ={}, overrides={"payments.razorpay_enabled": True})
    gateways = build_gateways(config, {})
    assert gateways.route("upi", None).gateway.name == "razorpay"
    assert gateways.route("card", None).flow == "external_terminal", "no Stripe: the terminal takes cards"
    assert gateways.route("cash", None).gateway.name == "cash"
    with pytest.raises(GatewayRefused, match="stripe is not enabled"):
        gateways.route("card", "online")
    with pytest.raises(GatewayRefused, match="is not taken by"):
        gateways.route("upi", "card_present")
    assert {m["gateway"] for m in gateways.methods()} == {"cash", "terminal", "razorpay"}


def test_reachability_tells_of_each_change_once() -> None:
    changes: list[tuple[str, str]] = []
    reach = Reachability("stripe", on_change=lambda name, status: changes.append((name, status["status"])))
    assert (reach.status, reach.available) == ("unknown", True)
    reach.record(False, "cannot connect")
    reach.record(False, "cannot connect")
    assert (reach.available, reach.snapshot()["last_error"]) == (False, "cannot connect")
    reach.record(True)
    assert changes == [("stripe", "down"), ("stripe", "up")]
