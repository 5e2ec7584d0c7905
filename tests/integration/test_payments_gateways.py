"""Card and UPI payments through the simulated Stripe and Razorpay, as the cashier's kiosk drives them."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask.testing import FlaskClient

from edge.payments.simulator import GatewaySimulator
from edge.services.context import ServiceContext
from edge.store.models import GatewayAttempt, Outbox, Payment
from tests.integration.payments_support import (
    READER,
    deliver,
    invoice_of,
    start,
    unpaid_invoice,
)


def test_an_online_card_payment_settles_the_invoice_like_cash_with_the_transaction_id(
    cashier_client: FlaskClient, simulator: GatewaySimulator, demo_ctx: ServiceContext
) -> None:
    invoice = unpaid_invoice(cashier_client)
    pushed: list[dict[str, Any]] = []
    demo_ctx.bus.subscribe("payment.updated", lambda _t, payload: pushed.append(payload))
    paid = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                 payment_method="pm_card_visa")
    assert paid["state"] == "succeeded" and paid["transaction_id"].startswith("pi_")
    assert paid["message"] == f"Paid ₹{invoice['total_paise'] // 100:,}.{invoice['total_paise'] % 100:02d} by card" \
        f" — transaction {paid['transaction_id']}"
    summary = invoice_of(cashier_client, invoice)
    assert (summary["status"], summary["balance_due_paise"]) == ("paid", 0)
    assert [(p["method"], p["amount_paise"], p["reference"]) for p in summary["payments"]] == [
        ("card", invoice["total_paise"], paid["transaction_id"])]
    row = Payment.get(Payment.reference == paid["transaction_id"])
    assert (row.gateway, row.gateway_order_id, row.idempotency_key) == (
        "stripe", paid["transaction_id"], f"pos-T1-{invoice['number']}-a1-create")
    assert Outbox.select().where(Outbox.type == "payment.recorded").count() == 1
    assert [(p["till"], p["payment"]["reference"], p["balance_due_paise"]) for p in pushed] == [
        ("T1", paid["transaction_id"], 0)]
    assert simulator.charged["stripe"] == 1


def test_a_decline_leaves_the_invoice_unpaid_with_a_clear_message_and_another_card_can_follow(
    cashier_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    declined = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                     payment_method="pm_card_chargeDeclined")
    assert declined["state"] == "failed"
    assert declined["failure"] == {"code": "generic_decline", "message": "Your card was declined."}
    assert declined["message"] == ("Your card was declined. (generic_decline). The invoice is not paid: ask for "
                                   "another card or take another method.")
    summary = invoice_of(cashier_client, invoice)
    assert (summary["status"], summary["balance_due_paise"], summary["payments"]) == (
        "issued", invoice["total_paise"], [])
    again = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                  payment_method="pm_card_visa")
    assert (again["state"], again["attempt"]) == ("succeeded", 2)
    assert invoice_of(cashier_client, invoice)["status"] == "paid"


def test_a_timeout_then_a_retry_charges_once(cashier_client: FlaskClient, simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    body = {"method": "card", "flow": "online", "amount_paise": invoice["total_paise"],
            "payment_method": "pm_card_visa"}
    simulator.delay_next(3, "/stripe/v1/payment_intents")  # charged at Stripe, answer lost (timeout is 2 s)
    timed_out = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", json=body)
    assert timed_out.status_code == 504
    assert timed_out.get_json()["error"]["code"] == "gateway_timeout"
    assert simulator.charged["stripe"] == 1, "the money was taken although the till heard nothing"
    assert invoice_of(cashier_client, invoice)["balance_due_paise"] == invoice["total_paise"]
    assert [a.state for a in GatewayAttempt.select()] == ["created"]
    retried = start(cashier_client, invoice, **body)
    assert (retried["state"], retried["attempt"]) == ("succeeded", 1)
    assert simulator.charged["stripe"] == 1, "the retry was the same request, not a second charge"
    assert len(simulator.intents) == 1
    summary = invoice_of(cashier_client, invoice)
    assert (summary["status"], len(summary["payments"])) == ("paid", 1)


def test_5xx_from_the_gateway_is_unavailable_and_the_retry_goes_through(
    cashier_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    simulator.fail_next(1, 503, "/stripe/")
    body = {"method": "card", "flow": "online", "amount_paise": invoice["total_paise"],
            "payment_method": "pm_card_visa"}
    refused = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", json=body)
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "gateway_unavailable"
    assert start(cashier_client, invoice, **body)["state"] == "succeeded"
    assert simulator.charged["stripe"] == 1


def test_card_on_the_terminal_reader_is_captured_when_the_customer_taps(
    cashier_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    waiting = start(cashier_client, invoice, method="card", amount_paise=invoice["total_paise"])
    assert (waiting["flow"], waiting["state"]) == ("card_present", "pending")
    assert waiting["message"].startswith("Waiting for the customer's card on the reader")
    assert simulator.readers[READER]["action"]["process_payment_intent"]["payment_intent"] == waiting["transaction_id"]
    simulator.present_card(READER, "4242 4242 4242 4242")
    deliver(cashier_client, simulator)  # amount_capturable_updated → the till captures
    deliver(cashier_client, simulator)  # payment_intent.succeeded after the capture
    done = cashier_client.get(f"/api/v1/gateway-payments/{waiting['id']}").get_json()
    assert done["state"] == "succeeded"
    assert simulator.intents[waiting["transaction_id"]]["status"] == "succeeded"
    assert invoice_of(cashier_client, invoice)["status"] == "paid"


def test_a_card_declined_on_the_reader_fails_the_attempt(cashier_client: FlaskClient,
                                                         simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    waiting = start(cashier_client, invoice, method="card", flow="card_present", amount_paise=invoice["total_paise"])
    simulator.present_card(READER, "4000 0000 0000 0002")
    deliver(cashier_client, simulator)
    failed = cashier_client.get(f"/api/v1/gateway-payments/{waiting['id']}").get_json()
    assert failed["state"] == "failed" and "declined" in failed["message"]
    assert invoice_of(cashier_client, invoice)["balance_due_paise"] == invoice["total_paise"]


def test_upi_qr_plus_cash_settles_the_invoice_exactly(cashier_client: FlaskClient,
                                                      simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client, cases=2)
    total = invoice["total_paise"]
    cash_part = 5_000
    upi = start(cashier_client, invoice, method="upi", amount_paise=total - cash_part)
    assert (upi["flow"], upi["state"], upi["gateway"]) == ("upi_qr", "pending", "razorpay")
    assert upi["qr_payload"].startswith("upi://pay?pa=") and f"&am={(total - cash_part) / 100:.2f}" in upi["qr_payload"]
    qr = cashier_client.get(f"/api/v1/gateway-payments/{upi['id']}/qr").get_json()
    assert qr["payload"] == upi["qr_payload"] and qr["amount_paise"] == total - cash_part
    too_much = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/payments",
                                   json={"method": "card", "amount_paise": total})
    assert too_much.status_code == 400 and too_much.get_json()["error"]["code"] == "overpayment", \
        "the UPI amount in flight is held"
    cash = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/payments",
                               json={"method": "cash", "amount_paise": cash_part, "tendered_paise": 10_000})
    assert cash.status_code == 201 and cash.get_json()["change_due_paise"] == 5_000
    assert cash.get_json()["status"] == "partially_paid"
    simulator.customer_pays(upi["transaction_id"])
    deliver(cashier_client, simulator)
    summary = invoice_of(cashier_client, invoice)
    assert (summary["status"], summary["paid_paise"], summary["balance_due_paise"]) == ("paid", total, 0)
    assert sorted((p["method"], p["amount_paise"]) for p in summary["payments"]) == [
        ("cash", cash_part), ("upi", total - cash_part)]
    assert cashier_client.get(f"/api/v1/gateway-payments/{upi['id']}/qr").status_code == 404


def test_upi_collect_to_a_failing_vpa_fails_and_the_vpa_is_stored_encrypted(
    cashier_client: FlaskClient, simulator: GatewaySimulator, demo_ctx: ServiceContext
) -> None:
    invoice = unpaid_invoice(cashier_client)
    waiting = start(cashier_client, invoice, method="upi", flow="upi_collect", amount_paise=invoice["total_paise"],
                    vpa="failure@razorpay")
    assert waiting["state"] == "pending"
    deliver(cashier_client, simulator)
    failed = cashier_client.get(f"/api/v1/gateway-payments/{waiting['id']}").get_json()
    assert failed["state"] == "failed" and failed["failure"]["code"] == "payment_failed"
    assert invoice_of(cashier_client, invoice)["balance_due_paise"] == invoice["total_paise"]
    with sqlite3.connect(demo_ctx.config.data_dir / "store.db") as conn:
        blobs = [bytes(row[0]) for row in conn.execute("SELECT details_enc FROM gateway_attempt")]
        blobs += [bytes(row[0]) for row in conn.execute("SELECT payload_enc FROM gateway_event")]
    assert len(blobs) >= 2 and not any(b"failure@razorpay" in blob or b"razorpay" in blob for blob in blobs)


def test_cancel_releases_the_reader_and_the_held_amount(cashier_client: FlaskClient,
                                                       simulator: GatewaySimulator) -> None:
    invoice = unpaid_invoice(cashier_client)
    waiting = start(cashier_client, invoice, method="card", amount_paise=invoice["total_paise"])
    response = cashier_client.post(f"/api/v1/gateway-payments/{waiting['id']}/cancel", json={})
    assert response.status_code == 200 and response.get_json()["state"] == "cancelled"
    assert simulator.intents[waiting["transaction_id"]]["status"] == "canceled"
    cash = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/payments",
                               json={"method": "cash", "amount_paise": invoice["total_paise"]})
    assert cash.status_code == 201 and cash.get_json()["status"] == "paid"


def test_a_manager_refunds_a_card_payment_through_stripe(
    cashier_client: FlaskClient, manager_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    paid = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                 payment_method="pm_card_visa")
    refused = cashier_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={})
    assert refused.status_code == 403
    response = manager_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={})
    assert response.status_code == 200 and response.get_json()["state"] == "refunded"
    deliver(cashier_client, simulator)  # charge.refunded arrives too: recorded once
    summary = invoice_of(cashier_client, invoice)
    assert summary["paid_paise"] == 0
    assert sorted((p["kind"], p["amount_paise"]) for p in summary["payments"]) == [
        ("payment", invoice["total_paise"]), ("refund", -invoice["total_paise"])]
    assert simulator.charges[simulator.intents[paid["transaction_id"]]["latest_charge"]]["refunded"] is True


def test_razorpay_checkout_is_trusted_only_with_the_signature_of_the_saved_order(
    cashier_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    waiting = start(cashier_client, invoice, method="wallet", amount_paise=invoice["total_paise"])
    assert waiting["flow"] == "checkout" and waiting["checkout"]["order_id"].startswith("order_")
    other = start(cashier_client, unpaid_invoice(cashier_client), method="wallet", amount_paise=100)
    paid_elsewhere = simulator.checkout_pays(other["checkout"]["order_id"])
    forged = cashier_client.post(f"/api/v1/gateway-payments/{waiting['id']}/razorpay-confirm", json={
        **paid_elsewhere, "razorpay_order_id": waiting["checkout"]["order_id"]})
    assert forged.status_code == 400
    assert forged.get_json()["error"] == {"code": "bad_signature", "field": "razorpay_signature",
                                          "message": "the payment signature does not match this payment's order"}
    callback = simulator.checkout_pays(waiting["checkout"]["order_id"], "wallet")
    confirmed = cashier_client.post(f"/api/v1/gateway-payments/{waiting['id']}/razorpay-confirm", json=callback)
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "succeeded"
    assert invoice_of(cashier_client, invoice)["status"] == "paid"


def test_gateway_down_shows_its_methods_unavailable_and_cash_and_the_terminal_still_work(
    cashier_client: FlaskClient, simulator: GatewaySimulator, demo_ctx: ServiceContext
) -> None:
    pushed: list[dict[str, Any]] = []
    demo_ctx.bus.subscribe("payments.status", lambda _t, payload: pushed.append(payload))
    invoice = unpaid_invoice(cashier_client)
    simulator.stop()
    from edge.services.gateway_payments import probe

    statuses = probe(demo_ctx)
    assert {s["gateway"]: s["status"] for s in statuses} == {"stripe": "down", "razorpay": "down"}
    assert {p["gateway"] for p in pushed if p["status"] == "down"} == {"stripe", "razorpay"}
    offered = cashier_client.get("/api/v1/payments/methods").get_json()["methods"]
    available = {(m["method"], m["flow"]) for m in offered if m["available"]}
    assert available == {("cash", "counter"), ("card", "external_terminal")}
    assert all("unreachable" in m["reason"] for m in offered if not m["available"])
    refused = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments",
                                  json={"method": "upi", "amount_paise": 100})
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "gateway_unavailable"
    card = start(cashier_client, invoice, method="card", flow="external_terminal", amount_paise=1_000,
                 reference="HDFC-778812")
    assert (card["state"], card["transaction_id"]) == ("succeeded", "HDFC-778812")
    cash = start(cashier_client, invoice, method="cash", amount_paise=invoice["total_paise"] - 1_000,
                 tendered_paise=invoice["total_paise"])
    assert (cash["state"], cash["change_due_paise"]) == ("succeeded", 1_000)
    summary = invoice_of(cashier_client, invoice)
    assert (summary["status"], summary["balance_due_paise"]) == ("paid", 0)
    assert sorted(p["method"] for p in summary["payments"]) == ["card", "cash"]


def test_an_external_terminal_payment_needs_the_slip_reference(cashier_client: FlaskClient) -> None:
    invoice = unpaid_invoice(cashier_client)
    response = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", json={
        "method": "card", "flow": "external_terminal", "amount_paise": 1_000})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reference_required"
    assert invoice_of(cashier_client, invoice)["payments"] == []


def test_bad_requests_name_the_field(cashier_client: FlaskClient) -> None:
    invoice = unpaid_invoice(cashier_client)
    for body, field in (({"method": "card", "amount_paise": 0}, "amount_paise"),
                        ({"method": "card", "flow": "upi_qr", "amount_paise": 100}, "flow"),
                        ({"method": "card", "flow": "online", "amount_paise": 100,
                          "payment_method": "4242424242424242"}, "payment_method"),
                        ({"method": "upi", "amount_paise": invoice["total_paise"] + 1}, "amount_paise")):
        response = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["field"] == field, response.get_json()


def test_a_refund_whose_answer_was_lost_is_sent_again_not_twice(
    cashier_client: FlaskClient, manager_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    paid = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                 payment_method="pm_card_visa")
    half = invoice["total_paise"] // 2
    simulator.delay_next(3, "/stripe/v1/refunds")
    lost = manager_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={"amount_paise": half})
    assert lost.status_code == 504
    other = manager_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={"amount_paise": 100})
    assert other.status_code == 400 and other.get_json()["error"]["code"] == "refund_pending"
    again = manager_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={})
    assert again.status_code == 200
    assert (again.get_json()["state"], again.get_json()["refunded_paise"]) == ("succeeded", half)
    charge = simulator.charges[simulator.intents[paid["transaction_id"]]["latest_charge"]]
    assert charge["amount_refunded"] == half, "given back once"
    assert invoice_of(cashier_client, invoice)["paid_paise"] == invoice["total_paise"] - half
