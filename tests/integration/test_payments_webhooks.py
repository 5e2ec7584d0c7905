"""Gateway webhooks: refused and logged unless signed, applied once however often they come, in any order."""

from __future__ import annotations

import json
import logging
import time

import pytest
from flask.testing import FlaskClient

from edge.payments.signatures import hmac_hex, stripe_signature_header
from edge.payments.simulator import GatewaySimulator
from edge.store.models import GatewayEvent, Outbox, Payment
from tests.integration.payments_support import (
    deliver,
    invoice_of,
    start,
    unpaid_invoice,
)

STRIPE = "/api/v1/payments/webhooks/stripe"
RAZORPAY = "/api/v1/payments/webhooks/razorpay"


def stripe_event(pi: str = "pi_unknown", status: str = "succeeded") -> bytes:
    """A Stripe event body about an intent."""
    return json.dumps({"id": "evt_test_1", "object": "event", "type": f"payment_intent.{status}",
                       "data": {"object": {"id": pi, "object": "payment_intent", "amount": 100,
                                           "status": status}}}).encode()


@pytest.mark.parametrize(("headers", "reason"), [
    ({}, "the Stripe-Signature header is missing"),
    ({"Stripe-Signature": "v1=abc"}, "the Stripe-Signature header has no t= timestamp or no v1= signature"),
    ("wrong-secret", "the Stripe-Signature does not match the body"),
    ("stale", "stale or replayed"),
    ("tampered", "the Stripe-Signature does not match the body"),
])
def test_a_stripe_webhook_without_a_good_signature_is_refused_and_logged(
    cashier_client: FlaskClient, simulator: GatewaySimulator, caplog: pytest.LogCaptureFixture,
    headers: dict[str, str] | str, reason: str,
) -> None:
    body = stripe_event()
    now = int(time.time())
    if headers == "wrong-secret":
        headers = {"Stripe-Signature": stripe_signature_header("whsec_not_ours", body, now)}
    elif headers == "stale":
        headers = {"Stripe-Signature": stripe_signature_header(simulator.stripe_webhook_secret, body, now - 301)}
    elif headers == "tampered":
        headers = {"Stripe-Signature": stripe_signature_header(simulator.stripe_webhook_secret, body, now)}
        body = body.replace(b'"amount": 100', b'"amount": 1')
    assert isinstance(headers, dict)
    with caplog.at_level(logging.WARNING, logger="edge.web.payments"):
        response = cashier_client.post(STRIPE, data=body, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("bad_signature", "Stripe-Signature") and reason in error["message"]
    assert any("refused a stripe webhook" in record.getMessage() and reason in record.getMessage()
               for record in caplog.records)
    assert GatewayEvent.select().count() == 0


def test_a_fresh_stripe_signature_within_tolerance_is_accepted(cashier_client: FlaskClient,
                                                               simulator: GatewaySimulator) -> None:
    body = stripe_event()
    header = stripe_signature_header(simulator.stripe_webhook_secret, body, int(time.time()) - 290)
    response = cashier_client.post(STRIPE, data=body, headers={"Content-Type": "application/json",
                                                               "Stripe-Signature": f"{header},v1=deadbeef"})
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "duplicate": False, "matched": False}


@pytest.mark.parametrize("signature", ["", "0" * 64, "not-hex"])
def test_a_razorpay_webhook_without_a_good_signature_is_refused_and_logged(
    cashier_client: FlaskClient, simulator: GatewaySimulator, caplog: pytest.LogCaptureFixture, signature: str
) -> None:
    body = json.dumps({"event": "payment.captured", "payload": {}}).encode()
    headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": "evt_x"}
    if signature:
        headers["X-Razorpay-Signature"] = signature
    with caplog.at_level(logging.WARNING, logger="edge.web.payments"):
        response = cashier_client.post(RAZORPAY, data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "X-Razorpay-Signature"
    assert any("refused a razorpay webhook" in record.getMessage() for record in caplog.records)


def test_a_duplicated_webhook_is_applied_once(cashier_client: FlaskClient, simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    upi = start(cashier_client, invoice, method="upi", amount_paise=invoice["total_paise"])
    simulator.customer_pays(upi["transaction_id"])
    answers = deliver(cashier_client, simulator, times=3)  # payment.captured and order.paid, each three times
    assert [a["duplicate"] for a in answers] == [False, True, True, False, True, True]
    assert GatewayEvent.select().count() == 2
    assert Payment.select().where(Payment.reference == upi["transaction_id"]).count() == 1
    assert Outbox.select().where(Outbox.type == "payment.recorded").count() == 1
    assert invoice_of(cashier_client, invoice)["paid_paise"] == invoice["total_paise"]


def test_webhooks_out_of_order_end_in_the_gateways_state(cashier_client: FlaskClient,
                                                          simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    upi = start(cashier_client, invoice, method="upi", amount_paise=invoice["total_paise"])
    simulator.customer_pays(upi["transaction_id"])
    captured, paid = simulator.take_webhooks()
    stale_body = json.loads(captured.body)
    stale_body["event"] = "payment.failed"
    stale_body["payload"]["payment"]["entity"].update(status="failed", error_description="late failure")
    body = json.dumps(stale_body).encode()
    late = {"Content-Type": "application/json", "X-Razorpay-Event-Id": "evt_late_failure",
            "X-Razorpay-Signature": hmac_hex(simulator.razorpay_webhook_secret, body)}
    for path, data, headers in ((paid.path, paid.body, paid.headers), (RAZORPAY, body, late),
                                (captured.path, captured.body, captured.headers)):
        assert cashier_client.post(path, data=data, headers=headers).status_code == 200
    state = cashier_client.get(f"/api/v1/gateway-payments/{upi['id']}").get_json()
    assert state["state"] == "succeeded", "a failure reported after the capture does not undo it"
    assert invoice_of(cashier_client, invoice)["status"] == "paid"


def test_polling_and_webhooks_converge(cashier_client: FlaskClient, simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    upi = start(cashier_client, invoice, method="upi", amount_paise=invoice["total_paise"])
    simulator.customer_pays(upi["transaction_id"])
    polled = cashier_client.get(f"/api/v1/gateway-payments/{upi['id']}?refresh=true").get_json()
    assert polled["state"] == "succeeded"
    deliver(cashier_client, simulator)
    assert cashier_client.get(f"/api/v1/gateway-payments/{upi['id']}").get_json()["state"] == "succeeded"
    assert Payment.select().where(Payment.reference == upi["transaction_id"]).count() == 1
