"""Gateway payments in the kiosk, in Chromium, against the real daemon running the payment gateway simulator
(POS_PAYMENTS_SIMULATE=true, as `make run` does): the cashier starts a UPI QR payment from the keyboard, the
customer display shows the QR the API gives, the simulated customer pays, and both screens show the amount and
the transaction ID from the pushes alone; a card declined on the reader shows the gateway's message."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import VIEWPORT, PageErrors, check_kiosk_built, kiosk_daemon, log_in
from tests.e2e.test_kiosk import api_get, human_type, mark_loaded, plain, rupees, was_not_reloaded
from tests.integration.test_cli import seeded  # noqa: F401  (module fixture)
from tests.integration.test_sale import PIECE_ITEM
from tests.servers import free_port

KIOSK_ENV = {"POS_PAYMENTS_SIMULATE": "true"}  # the module's daemon (conftest `kiosk`) runs the simulator


def open_till(context: BrowserContext, page_errors: PageErrors, till: str) -> tuple[Page, Page]:
    """The cashier screen and the customer display of a till, both live, with one item in the cart."""
    pos = page_errors.watch(context.new_page())
    log_in(pos, f"/pos/{till}")
    display = page_errors.watch(context.new_page())
    display.goto(f"/display/{till}")
    expect(display.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    pos.bring_to_front()
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    pos.locator("#barcode").fill(str(PIECE_ITEM.units[0].barcode))
    pos.keyboard.press("Enter")
    expect(pos.get_by_test_id("cart-line")).to_have_count(1)
    expect(display.get_by_test_id("display-line")).to_have_count(1)
    mark_loaded(pos)
    mark_loaded(display)
    return pos, display


def simulate_customer(context: BrowserContext, attempt_id: str, outcome: str) -> None:
    """The customer at the simulated gateway (POST /gateway-payments/{id}/simulate, demo mode)."""
    answer = context.request.post(f"/api/v1/gateway-payments/{attempt_id}/simulate", data={"outcome": outcome})
    assert answer.status == 202, answer.text()


def checkout_dialog_with(pos: Page, key: str, flow: str) -> Locator:
    """F9 opens the checkout dialog on the amount; a method's key chooses it: ``flow`` is then the one checked."""
    pos.keyboard.press("F9")
    dialog = pos.get_by_test_id("checkout-dialog")
    expect(dialog.get_by_label("Amount")).to_be_focused()
    pos.keyboard.press(key)
    expect(dialog.get_by_test_id(f"flow-{flow}")).to_have_attribute("aria-checked", "true")
    return dialog


def test_upi_qr_payment_shows_the_qr_on_the_display_then_paid_with_the_transaction_id(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos, display = open_till(context, page_errors, "T1")
    total = api_get(pos, "/api/v1/tills/T1/cart")["total_paise"]

    # The gateways answer: UPI offers QR, collect and a typed reference, QR first.
    methods = api_get(pos, "/api/v1/payments/methods")["methods"]
    assert any(m["flow"] == "upi_qr" and m["available"] for m in methods)
    dialog = checkout_dialog_with(pos, "u", "upi_qr")
    pos.keyboard.press("u")  # the same key again: the next flow
    expect(dialog.get_by_test_id("flow-upi_collect")).to_have_attribute("aria-checked", "true")
    expect(dialog.get_by_label("UPI ID")).to_be_visible()
    pos.keyboard.press("u")
    pos.keyboard.press("u")
    expect(dialog.get_by_test_id("flow-upi_qr")).to_have_attribute("aria-checked", "true")
    expect(dialog.get_by_label("Amount")).to_be_focused()
    human_type(pos, plain(total))
    pos.keyboard.press("Enter")

    # The invoice is issued and the UPI payment waits: live status on the till, the QR on the display.
    panel = pos.get_by_test_id("payment-dialog").get_by_test_id("gateway-payment")
    expect(panel).to_have_attribute("data-state", "pending")
    expect(panel.get_by_test_id("gateway-message")).to_have_text(
        f"Customer to scan the QR and approve {rupees(total)} in their UPI app")
    attempt_id = panel.get_attribute("data-attempt-id")
    assert attempt_id
    qr = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}/qr")
    assert qr["payload"].startswith("upi://pay") and qr["state"] == "pending"
    expect(display.get_by_test_id("upi-qr")).to_have_attribute("data-payload", qr["payload"])
    expect(display.get_by_test_id("upi-qr").locator("svg")).to_be_visible()
    expect(display.get_by_test_id("display-gateway-title")).to_have_text(f"Pay {rupees(total)}")
    expect(display.get_by_test_id("display-due")).to_have_text(f"Balance due {rupees(total)}")
    pos.screenshot(path=tmp_path / "pos-upi-pending.png")
    display.screenshot(path=tmp_path / "display-upi-qr.png")
    assert (tmp_path / "display-upi-qr.png").stat().st_size > 10_000

    # The customer pays in their UPI app; the simulator's signed webhook settles the invoice.
    simulate_customer(context, attempt_id, "pay")
    transaction = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}")["transaction_id"]
    assert transaction
    summary = pos.get_by_test_id("sale-summary")
    expect(summary.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(pos.get_by_test_id("payment-dialog")).to_have_count(0)  # settled: the dialog closed by itself
    expect(summary.get_by_test_id("gateway-payment")).to_have_attribute("data-state", "succeeded")
    expect(summary.get_by_test_id("gateway-paid")).to_have_text(f"Paid {rupees(total)} — transaction {transaction}")
    expect(summary.get_by_test_id("summary-payment")).to_have_text([f"Paid {rupees(total)} — UPI ref {transaction}"])
    expect(summary.get_by_test_id("summary-due")).to_have_text(rupees(0))
    expect(display.get_by_test_id("upi-qr")).to_have_count(0)
    expect(display.get_by_test_id("display-gateway-title")).to_have_text(f"Paid {rupees(total)}")
    expect(display.get_by_test_id("display-gateway-detail")).to_have_text(f"Transaction {transaction}")
    expect(display.get_by_test_id("display-payments")).to_contain_text(f"Paid {rupees(total)} — UPI ref {transaction}")
    expect(display.get_by_text("Thank you!")).to_be_visible()
    pos.screenshot(path=tmp_path / "pos-upi-paid.png")
    display.screenshot(path=tmp_path / "display-upi-paid.png")

    invoice = api_get(pos, f"/api/v1/invoices/{api_get(pos, f'/api/v1/gateway-payments/{attempt_id}')['invoice_id']}")
    assert (invoice["status"], invoice["paid_paise"]) == ("paid", total)
    assert [p["reference"] for p in invoice["payments"]] == [transaction]
    assert was_not_reloaded(pos) and was_not_reloaded(display)


def test_card_declined_on_the_reader_shows_the_gateways_message_then_cash_settles(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos, display = open_till(context, page_errors, "T2")
    total = api_get(pos, "/api/v1/tills/T2/cart")["total_paise"]
    checkout_dialog_with(pos, "d", "card_present")
    pos.keyboard.press("Enter")  # the whole bill, prefilled

    payment = pos.get_by_test_id("payment-dialog")
    panel = payment.get_by_test_id("gateway-payment")
    expect(panel).to_have_attribute("data-state", "pending")
    expect(panel.get_by_test_id("gateway-message")).to_have_text(
        f"Waiting for the customer's card on the reader ({rupees(total)})")

    # The customer changes their mind: F7 cancels the waiting payment, on both screens.
    first_id = panel.get_attribute("data-attempt-id")
    pos.keyboard.press("F7")
    expect(panel).to_have_attribute("data-state", "cancelled")
    assert api_get(pos, f"/api/v1/gateway-payments/{first_id}")["state"] == "cancelled"
    expect(display.get_by_test_id("display-gateway-title")).to_have_text("Payment cancelled")

    # Another card on the reader: the amount is the whole balance again (nothing is held any more).
    expect(payment.get_by_label("Amount")).to_have_value(plain(total))
    payment.get_by_label("Amount").focus()
    pos.keyboard.press("d")
    pos.keyboard.press("Enter")
    expect(panel).to_have_attribute("data-state", "pending")
    assert panel.get_attribute("data-attempt-id") != first_id
    expect(display.get_by_test_id("display-gateway-detail")).to_have_text(
        "Tap, insert or swipe your card on the reader")
    attempt_id = panel.get_attribute("data-attempt-id")
    assert attempt_id
    simulate_customer(context, attempt_id, "decline")  # 4000 0000 0000 0002 on the simulated reader

    expect(panel).to_have_attribute("data-state", "failed")
    declined = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}")
    assert declined["failure"]["message"]
    expect(panel.get_by_test_id("gateway-failure")).to_contain_text(declined["failure"]["message"])
    expect(panel.get_by_test_id("gateway-failure")).to_contain_text("The invoice is not paid")
    expect(display.get_by_test_id("display-gateway-title")).to_have_text("Payment declined")
    expect(display.get_by_test_id("display-gateway-detail")).to_have_text(declined["failure"]["message"])
    expect(display.get_by_test_id("display-due")).to_have_text(f"Balance due {rupees(total)}")
    pos.screenshot(path=tmp_path / "pos-card-declined.png")
    display.screenshot(path=tmp_path / "display-card-declined.png")

    # Another method settles it: cash, typed in the same dialog (the amount field has the balance).
    expect(payment.get_by_label("Amount")).to_have_value(plain(total))
    payment.get_by_label("Amount").focus()
    pos.keyboard.press("c")
    pos.keyboard.press("Enter")
    summary = pos.get_by_test_id("sale-summary")
    expect(summary.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(summary.get_by_test_id("summary-payment")).to_have_text([f"Paid {rupees(total)} — Cash"])
    expect(display.get_by_text("Thank you!")).to_be_visible()
    assert re.match(r"^T2/", summary.get_by_test_id("invoice-number").inner_text())
    assert was_not_reloaded(pos) and was_not_reloaded(display)


class _AnyAnswer(BaseHTTPRequestHandler):
    """A stand-in Razorpay that answers 404 to everything: an answer below 500, so the gateway counts as up."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_upi_by_gateway_is_greyed_out_with_the_reason_when_razorpay_stops_answering(
    seeded: Path, store_ca: Path, browser: Browser, page_errors: PageErrors, tmp_path: Path  # noqa: F811
) -> None:
    check_kiosk_built()
    port = free_port()
    razorpay = ThreadingHTTPServer(("127.0.0.1", port), _AnyAnswer)
    threading.Thread(target=razorpay.serve_forever, daemon=True).start()
    daemons = kiosk_daemon(seeded, tmp_path, store_ca, {
        "POS_PAYMENTS_RAZORPAY_ENABLED": "true", "POS_PAYMENTS_RAZORPAY_BASE_URL": f"http://127.0.0.1:{port}",
        "POS_PAYMENTS_PROBE_SECONDS": "5"})
    daemon = next(daemons)
    context = browser.new_context(viewport=VIEWPORT, base_url=daemon.url, locale="en-IN")
    try:
        pos, _display = open_till(context, page_errors, "T1")
        dialog = checkout_dialog_with(pos, "u", "upi_qr")
        expect(dialog.get_by_test_id("flow-upi_qr")).to_be_enabled()

        # Razorpay goes away: the next probe finds it down and the daemon pushes payments_status.
        razorpay.shutdown()
        razorpay.server_close()
        expect(dialog.get_by_test_id("flow-upi_qr")).to_be_disabled(timeout=20_000)
        expect(dialog.get_by_test_id("flow-upi_collect")).to_be_disabled()
        methods = api_get(pos, "/api/v1/payments/methods")["methods"]
        qr = next(m for m in methods if m["method"] == "upi" and m["flow"] == "upi_qr")
        assert qr["available"] is False and qr["reason"].startswith("razorpay is unreachable")
        expect(dialog.get_by_test_id("flow-unavailable")).to_have_text(
            [f"UPI QR, UPI collect unavailable: {qr['reason']}"])
        expect(dialog.get_by_test_id("flow-reference")).to_have_attribute("aria-checked", "true")
        expect(dialog.get_by_label("Reference")).to_be_visible()
        pos.screenshot(path=tmp_path / "pos-upi-unavailable.png")

        # The till keeps selling: UPI by a typed reference, without the gateway.
        total = api_get(pos, "/api/v1/tills/T1/cart")["total_paise"]
        dialog.get_by_label("Amount").focus()
        pos.keyboard.press("Tab")
        expect(dialog.get_by_label("Reference")).to_be_focused()
        human_type(pos, "UPI-OFFLINE-77")
        pos.keyboard.press("Enter")
        pos.keyboard.press("F9")
        summary = pos.get_by_test_id("sale-summary")
        expect(summary.get_by_test_id("summary-payment")).to_have_text(
            [f"Paid {rupees(total)} — UPI ref UPI-OFFLINE-77"])
    finally:
        context.close()
        daemons.close()


def test_a_waiting_upi_payment_and_its_qr_come_back_after_both_screens_reload(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos, display = open_till(context, page_errors, "T1")
    total = api_get(pos, "/api/v1/tills/T1/cart")["total_paise"]
    checkout_dialog_with(pos, "u", "upi_qr")
    pos.keyboard.press("Enter")  # the whole bill, prefilled
    panel = pos.get_by_test_id("payment-dialog").get_by_test_id("gateway-payment")
    expect(panel).to_have_attribute("data-state", "pending")
    attempt_id = panel.get_attribute("data-attempt-id")
    assert attempt_id
    payload = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}/qr")["payload"]
    expect(display.get_by_test_id("upi-qr")).to_have_attribute("data-payload", payload)

    # The till's browser restarts (a power blip, F5): both screens reload while the customer is still scanning.
    pos.reload()
    display.reload()
    assert not was_not_reloaded(pos) and not was_not_reloaded(display)
    summary = pos.get_by_test_id("sale-summary")
    restored = summary.get_by_test_id("gateway-payment")
    expect(restored).to_have_attribute("data-state", "pending")
    expect(restored).to_have_attribute("data-attempt-id", attempt_id)
    expect(restored.get_by_test_id("gateway-message")).to_have_text(
        f"Customer to scan the QR and approve {rupees(total)} in their UPI app")
    expect(restored.get_by_role("button", name="Cancel payment")).to_be_visible()
    expect(summary.get_by_test_id("invoice-status")).to_have_text("issued")
    expect(display.get_by_test_id("upi-qr")).to_have_attribute("data-payload", payload)
    expect(display.get_by_test_id("upi-qr").locator("svg")).to_be_visible()
    expect(display.get_by_test_id("display-gateway-title")).to_have_text(f"Pay {rupees(total)}")
    expect(display.get_by_test_id("display-due")).to_have_text(f"Balance due {rupees(total)}")
    pos.screenshot(path=tmp_path / "pos-upi-after-reload.png")
    display.screenshot(path=tmp_path / "display-upi-after-reload.png")
    mark_loaded(pos)
    mark_loaded(display)

    # The customer pays: the reloaded screens follow the pushes as before.
    simulate_customer(context, attempt_id, "pay")
    transaction = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}")["transaction_id"]
    assert transaction
    expect(restored).to_have_attribute("data-state", "succeeded")
    expect(summary.get_by_test_id("gateway-transaction")).to_have_text(transaction)
    expect(summary.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(display.get_by_test_id("upi-qr")).to_have_count(0)
    expect(display.get_by_test_id("display-gateway-detail")).to_have_text(f"Transaction {transaction}")
    invoice_id = api_get(pos, f"/api/v1/gateway-payments/{attempt_id}")["invoice_id"]
    listed = api_get(pos, f"/api/v1/invoices/{invoice_id}/gateway-payments")["items"]
    assert [(a["id"], a["state"], a["transaction_id"]) for a in listed] == [(attempt_id, "succeeded", transaction)]
    assert was_not_reloaded(pos) and was_not_reloaded(display)


def sell_paid_by_card_online(page: Page, till: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sale on a till paid in full by an online card at the simulated Stripe (the API, as the kiosk does):
    the invoice and the gateway payment."""
    cart = api_get(page, f"/api/v1/tills/{till}/cart")
    scanned = page.request.post(f"/api/v1/carts/{cart['id']}/scan", data={"code": str(PIECE_ITEM.units[0].barcode)})
    assert scanned.status == 200, scanned.text()
    issued = page.request.post(f"/api/v1/carts/{cart['id']}/checkout", data={})
    assert issued.status == 201, issued.text()
    invoice = issued.json()
    paid = page.request.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", data={
        "method": "card", "flow": "online", "amount_paise": invoice["total_paise"], "payment_method": "pm_card_visa"})
    assert paid.status == 201 and paid.json()["state"] == "succeeded", paid.text()
    return invoice, paid.json()


def test_a_manager_refunds_part_of_a_card_payment_from_the_invoice_page(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/invoices", "manager")
    invoice, card = sell_paid_by_card_online(page, "T2")
    total = invoice["total_paise"]
    page.goto(f"/office/invoices/{invoice['id']}")
    payments = page.get_by_test_id("gateway-payments")
    row = payments.get_by_test_id("gateway-payment-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-state", "succeeded")
    expect(row).to_contain_text(f"Online card {rupees(total)}")
    expect(row.get_by_test_id("gateway-payment-transaction")).to_have_text(card["transaction_id"])

    # Part of it back: ₹10.00, typed and confirmed from the keyboard.
    row.get_by_role("button", name="Refund").click()
    dialog = page.get_by_test_id("refund-dialog")
    amount = dialog.get_by_label("Refund amount")
    expect(amount).to_be_focused()
    expect(amount).to_have_value(plain(total))
    amount.fill(plain(total + 1))
    page.keyboard.press("Enter")
    expect(dialog.get_by_test_id("refund-error")).to_have_text(
        f"At most {rupees(total)} is left to refund on this payment")
    amount.fill("10")
    page.keyboard.press("Enter")
    expect(dialog.get_by_test_id("refund-confirm")).to_contain_text("Refund ₹10.00 to the customer through stripe?")
    expect(dialog.get_by_role("button", name="Yes, refund ₹10.00")).to_be_focused()
    page.screenshot(path=tmp_path / "office-refund-confirm.png")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(row.get_by_test_id("gateway-payment-state")).to_have_text("succeeded, ₹10.00 refunded")
    expect(payments.get_by_test_id("flash")).to_have_text(
        f"Refunded ₹10.00 of Online card {rupees(total)}: succeeded, ₹10.00 refunded")
    after = api_get(page, f"/api/v1/gateway-payments/{card['id']}")
    assert (after["state"], after["refunded_paise"]) == ("succeeded", 1_000)
    summary = api_get(page, f"/api/v1/invoices/{invoice['id']}")
    assert summary["paid_paise"] == total - 1_000
    assert sorted((p["kind"], p["amount_paise"]) for p in summary["payments"]) == [
        ("payment", total), ("refund", -1_000)]
    page.screenshot(path=tmp_path / "office-refunded-part.png")

    # Another manager refunds the rest meanwhile: this screen's refund is refused with the API's message,
    # and the row then shows the payment as it now is.
    row.get_by_role("button", name="Refund").click()
    expect(amount).to_have_value(plain(total - 1_000))
    page.keyboard.press("Enter")
    rest = page.request.post(f"/api/v1/gateway-payments/{card['id']}/refund", data={})
    assert rest.status == 200 and rest.json()["state"] == "refunded", rest.text()
    page.keyboard.press("Enter")
    expect(dialog.get_by_test_id("refund-error")).to_have_text(
        "only a succeeded payment can be refunded (this one is refunded)")
    page.keyboard.press("Escape")
    expect(row).to_have_attribute("data-state", "refunded")
    expect(row.get_by_role("button", name="Refund")).to_have_count(0)
    assert api_get(page, f"/api/v1/invoices/{invoice['id']}")["paid_paise"] == 0
