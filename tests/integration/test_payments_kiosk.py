"""What the kiosk needs of gateway payments beyond taking them: an invoice's attempts (a waiting payment
shows again after a page reload), a screen joining the till told of the waiting payment at once (the customer
display's QR comes back), and the receipt of a bill with a waiting UPI QR payment printing that payment's
own QR rather than the store's UPI ID."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from edge.payments.simulator import GatewaySimulator
from edge.services import receipts
from edge.services.context import ServiceContext
from edge.store.models import Device, Invoice, PrintJob
from edge.web.app import create_app
from tests.conftest import log_in
from tests.integration.payments_support import deliver, invoice_of, start, unpaid_invoice, wire
from tests.integration.test_receipts import printed_lines

STORE_VPA = "dattasupermart@okaxis"


@pytest.fixture
def app_and_socketio(demo_ctx: ServiceContext, simulator: GatewaySimulator) -> Iterator[tuple[Flask, SocketIO]]:
    """The web app and its Socket.IO server over the demo store, gateways at the simulator."""
    wire(demo_ctx, simulator)
    app, socketio = create_app(demo_ctx)
    app.config["TESTING"] = True
    yield app, socketio


def attempts_of(client: FlaskClient, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """GET /invoices/{id}/gateway-payments: the attempts, newest first."""
    response = client.get(f"/api/v1/invoices/{invoice['id']}/gateway-payments")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def test_an_invoices_attempts_are_listed_newest_first_as_each_one_reads_alone(
    cashier_client: FlaskClient, manager_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client, cases=2)
    assert attempts_of(cashier_client, invoice) == []
    total = invoice["total_paise"]
    declined = start(cashier_client, invoice, method="card", flow="online", amount_paise=total,
                     payment_method="pm_card_chargeDeclined")
    waiting = start(cashier_client, invoice, method="upi", amount_paise=total - 5_000)

    listed = attempts_of(cashier_client, invoice)
    assert [(a["id"], a["attempt"], a["state"]) for a in listed] == [
        (waiting["id"], 2, "pending"), (declined["id"], 1, "failed")]
    assert listed == [cashier_client.get(f"/api/v1/gateway-payments/{a['id']}").get_json() for a in listed]
    assert listed[0]["qr_payload"].startswith("upi://pay?") and listed[0]["message"] == waiting["message"]
    assert attempts_of(manager_client, invoice) == listed  # managers see the same (back office)

    simulator.customer_pays(waiting["transaction_id"])
    deliver(cashier_client, simulator)
    paid = attempts_of(cashier_client, invoice)[0]
    assert (paid["state"], paid["transaction_id"], paid["qr_payload"]) == (
        "succeeded", waiting["transaction_id"], "")


def test_attempts_of_an_unknown_invoice_are_a_404_naming_the_invoice(cashier_client: FlaskClient) -> None:
    for invoice_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        response = cashier_client.get(f"/api/v1/invoices/{invoice_id}/gateway-payments")
        assert response.status_code == 404
        assert response.get_json()["error"]["field"] == "invoice_id"


def test_a_screen_joining_the_till_is_told_the_waiting_payment_of_its_latest_bill(
    app_and_socketio: tuple[Flask, SocketIO], simulator: GatewaySimulator
) -> None:
    app, socketio = app_and_socketio
    cashier = log_in(app.test_client(), "cashier")
    invoice = unpaid_invoice(cashier)

    def join() -> list[tuple[str, dict[str, Any]]]:
        screen = socketio.test_client(app, flask_test_client=cashier)
        screen.get_received()
        assert screen.emit("join_till", {"till": "T1"}, callback=True) == {"ok": True, "room": "till:T1"}
        told = [(event["name"], event["args"][0]) for event in screen.get_received()]
        screen.disconnect()
        return told

    assert join() == [], "nothing waits: nothing is told"
    waiting = start(cashier, invoice, method="upi", amount_paise=invoice["total_paise"])
    told = join()
    assert [name for name, _ in told] == ["sale", "gateway_payment"]
    sale, attempt = told[0][1], told[1][1]
    assert sale["resumed"] is attempt["resumed"] is True  # a display showing the next customer's cart keeps it
    assert (sale["till"], sale["summary"]["id"], sale["summary"]["balance_due_paise"]) == (
        "T1", invoice["id"], invoice["total_paise"])
    assert attempt["gateway_payment"] == cashier.get(f"/api/v1/gateway-payments/{waiting['id']}").get_json()
    assert attempt["gateway_payment"]["qr_payload"].startswith("upi://pay?")

    simulator.customer_pays(waiting["transaction_id"])
    deliver(cashier, simulator)
    assert join() == [], "paid: nothing waits any more"


def native_qr_printer() -> None:
    """T1's printer draws QR codes itself: the QR's content is in the bytes as sent."""
    Device.update(settings='{"qr": "native"}').where(Device.name == "t1-printer-sim").execute()


def test_the_receipt_of_a_bill_with_a_waiting_upi_qr_payment_prints_that_payments_qr(
    cashier_client: FlaskClient, demo_ctx: ServiceContext, simulator: GatewaySimulator
) -> None:
    native_qr_printer()
    demo_ctx.config = demo_ctx.config.with_overrides({"payments.upi_vpa": STORE_VPA})
    invoice = unpaid_invoice(cashier_client, cases=2)
    upi_part = invoice["total_paise"] - 5_000
    waiting = start(cashier_client, invoice, method="upi", amount_paise=upi_part)
    link = waiting["qr_payload"]
    assert link.startswith("upi://pay?") and STORE_VPA not in link

    row = Invoice.get(Invoice.number == invoice["number"])
    document = receipts.receipt_document(demo_ctx, row)
    assert document["upi_payment"] == {"id": waiting["id"], "payload": link, "amount_paise": upi_part}
    rupees = f"{upi_part // 100:,}.{upi_part % 100:02d}"
    text = receipts.text_receipt(document, 42, vpa=STORE_VPA)
    assert text.splitlines()[-6:] == [
        "-" * 42, "           Scan to pay with UPI", f"[QR {link}]",
        f"Rs.{rupees} for {invoice['number']}".center(42).rstrip(), "-" * 42, "                Thank you"]

    answer = cashier_client.post(f"/api/v1/invoices/{invoice['id']}/print", json={})
    assert answer.status_code == 202, answer.get_json()
    printed = bytes(PrintJob.get(PrintJob.uuid == answer.get_json()["id"]).payload)
    assert printed == receipts.escpos_receipt(document, 42, tz=demo_ctx.config.get("store.timezone"),
                                              vpa=STORE_VPA, native_qr=True)
    stored = link.encode("ascii")
    assert printed.count(stored) == 1, "the attempt's own link is the QR the printer draws"
    assert STORE_VPA.encode() not in printed, "not the store VPA's QR, which would not settle this payment"
    assert f"Rs.{rupees} for {invoice['number']}" in [line.strip() for line in printed_lines(printed)]

    html = cashier_client.get(f"/api/v1/invoices/{invoice['id']}/receipt.html")
    assert html.status_code == 200
    page = html.get_data(as_text=True)
    assert str(receipts._qr_svg(link)) in page
    assert f"<div>Scan to pay ₹{rupees} by UPI ({invoice['number']})</div>" in page
    assert STORE_VPA not in page

    simulator.customer_pays(waiting["transaction_id"])
    deliver(cashier_client, simulator)
    paid = receipts.receipt_document(demo_ctx, row)
    assert "upi_payment" not in paid and invoice_of(cashier_client, invoice)["balance_due_paise"] == 5_000
    after = receipts.text_receipt(paid, 42, vpa=STORE_VPA)
    assert f"Rs.50.00 to {STORE_VPA}" in after, "paid: the rest is due by the store's own UPI QR again"


def test_without_a_waiting_upi_payment_the_receipt_keeps_the_store_vpa_qr(
    cashier_client: FlaskClient, demo_ctx: ServiceContext, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client)
    card = start(cashier_client, invoice, method="card", amount_paise=invoice["total_paise"])  # on the reader
    assert card["state"] == "pending"
    document = receipts.receipt_document(demo_ctx, Invoice.get(Invoice.number == invoice["number"]))
    assert "upi_payment" not in document
    assert "Scan to pay with UPI" in receipts.text_receipt(document, 42, vpa=STORE_VPA)
    assert f" to {STORE_VPA}" in receipts.text_receipt(document, 42, vpa=STORE_VPA)
    forged = {**document, "upi_payment": {"payload": "upi://pay?pa=x@y\x1b@", "amount_paise": 100}}
    assert receipts.text_receipt(forged, 42, vpa=STORE_VPA) == receipts.text_receipt(document, 42, vpa=STORE_VPA), \
        "a link with control characters is never sent to the printer"


EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def test_razorpay_checkout_gets_no_csp_allowance_even_with_razorpay_on(cashier_client: FlaskClient) -> None:
    """Decided in docs/security.md: no third-party script or frame on the kiosk's origin, where it would run
    with the till's session — not on the customer display either, Razorpay configured or not."""
    methods = cashier_client.get("/api/v1/payments/methods").get_json()["methods"]
    assert any(m["gateway"] == "razorpay" and m["flow"] == "checkout" and m["available"] for m in methods), \
        "Razorpay Checkout is on in this store"
    for path in ("/", "/display/T1", "/pos/T1", "/office/invoices", "/api/v1/payments/methods"):
        headers = cashier_client.get(path).headers
        assert headers["Content-Security-Policy"] == EXPECTED_CSP, path
        assert "razorpay" not in headers["Content-Security-Policy"] and "frame-src" not in headers[
            "Content-Security-Policy"]
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=()"
