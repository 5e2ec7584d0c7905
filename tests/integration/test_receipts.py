"""Receipts of real sales: ESC/POS bytes against golden files, paper widths, the A4 HTML, print and e-mail
queues, reprints of revisions, and who may ask for them."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from edge.domain.barcodes import DEFAULT_SCALE_RULES, make_scale_label
from edge.domain.money import format_inr
from edge.services import receipts
from edge.services.context import ServiceContext
from edge.services.demo_data import demo_customers
from edge.services.errors import InvalidInput
from edge.store.models import AuditLog, Customer, Device, EmailMessage, Invoice, PrintJob, Product, SellerRegistration
from edge.web import receipts as receipts_web
from tests.conftest import FakeClock
from tests.integration.test_sale import CASE, KG_ITEM, OTHER_STATE_B2B, PIECE_ITEM, cart_of, post

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
UPDATE_ENV = "UPDATE_GOLDEN"
TZ = "Asia/Kolkata"
VPA = "dattasupermart@okaxis"
SCALE_CODE = "00042"
PLAIN_CUSTOMER = next(c for c in demo_customers() if not c.gstin)


def check_golden(name: str, data: bytes) -> None:
    """Compare with tests/golden/<name>; with UPDATE_GOLDEN=1 in the environment, write it instead."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"{path} is missing: run with {UPDATE_ENV}=1, review it, commit it"
    if name.endswith(".txt"):
        assert data.decode() == path.read_text(encoding="utf-8"), f"differs from {path} (see docs/receipts.md)"
    else:
        assert data == path.read_bytes(), f"differs from {path}; review the .txt diff, then {UPDATE_ENV}=1"


def printed_lines(data: bytes) -> list[str]:
    """The text an ESC/POS printer prints, line by line: commands (and raster images) taken out."""
    lines: list[str] = []
    current = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x0A:
            lines.append(current.decode("cp437"))
            current = bytearray()
            i += 1
        elif byte == 0x1B:  # ESC @ (2 bytes); ESC t/!/E/a/d n (3 bytes)
            i += 2 if data[i + 1] == ord("@") else 3
        elif byte == 0x1D:
            command = data[i + 1]
            if command == ord("v"):  # GS v 0 m xL xH yL yH + raster
                x_low, x_high, y_low, y_high = data[i + 4:i + 8]
                i += 8 + (x_low + 256 * x_high) * (y_low + 256 * y_high)
            elif command == ord("("):  # GS ( k pL pH + data
                i += 5 + data[i + 3] + 256 * data[i + 4]
            else:  # GS V 0, GS ! n
                i += 3
        else:
            assert byte >= 0x20, f"control byte {byte:#x} at {i} would reach the printer as text"
            current.append(byte)
            i += 1
    assert not current, "text after the last line feed"
    return lines


@pytest.fixture(autouse=True)
def receipts_routes(app: Flask) -> Flask:
    """The receipts blueprint on the test app (until the app factory registers it)."""
    if "receipts" not in app.blueprints:
        app.register_blueprint(receipts_web.bp)
    return app


@pytest.fixture
def cashier(login: Callable[[str], FlaskClient]) -> FlaskClient:
    """The demo cashier, logged in."""
    return login("cashier")


def sell(client: FlaskClient, codes: list[str], payments: Callable[[int], list[dict[str, Any]]] | None = None,
         customer: str | None = None) -> dict[str, Any]:
    """Scan codes, attach a customer (by code), check out with the payments for the total; the summary."""
    cart = cart_of(client)
    for code in codes:
        cart = post(client, f"/api/v1/carts/{cart['id']}/scan", {"code": code})
    if customer:
        found = Customer.get(Customer.code == customer)
        response = client.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": str(found.uuid)})
        assert response.status_code == 200, response.get_json()
        cart = response.get_json()
    body = {"payments": payments(cart["total_paise"])} if payments else {}
    return post(client, f"/api/v1/carts/{cart['id']}/checkout", body, status=201)


def split_upi_and_cash(total: int) -> list[dict[str, Any]]:
    """₹500 by UPI with a transaction ID, the rest in cash with a ₹50 note too many."""
    return [{"method": "upi", "amount_paise": 50_000, "reference": "UPI-431298765"},
            {"method": "cash", "amount_paise": total - 50_000, "tendered_paise": total - 50_000 + 5_000}]


def on_account(total: int) -> list[dict[str, Any]]:
    """All of it on the customer's account."""
    return [{"method": "credit", "amount_paise": total}]


def counter_sale(client: FlaskClient) -> dict[str, Any]:
    """A case, two packets and 1.235 kg from a scale label, paid by UPI and cash."""
    Product.update(scale_code=SCALE_CODE).where(Product.sku == KG_ITEM.sku).execute()
    label = make_scale_label(DEFAULT_SCALE_RULES[0], SCALE_CODE, 1235)
    packet = str(PIECE_ITEM.units[0].barcode)
    return sell(client, [str(CASE.barcode), packet, packet, label], split_upi_and_cash)


def document_of(ctx: ServiceContext, summary: dict[str, Any], revision: int | None = None) -> dict[str, Any]:
    """What the receipt of a sale prints."""
    return receipts.receipt_document(ctx, Invoice.get(Invoice.number == summary["number"]), revision)


def print_job(client: FlaskClient, summary: dict[str, Any], body: dict[str, Any] | None = None) -> PrintJob:
    """Ask for a print over REST; the queued job."""
    answer = post(client, f"/api/v1/invoices/{summary['id']}/print", body or {}, status=202)
    job: PrintJob = PrintJob.get(PrintJob.uuid == answer["id"])
    assert (answer["job_id"], answer["status"]) == (job.id, "queued")
    return job


def test_receipt_bytes_equal_the_golden_files(cashier: FlaskClient, demo_ctx: ServiceContext) -> None:
    summary = counter_sale(cashier)
    assert summary["number"] == "T1/2627/000001"
    document = document_of(demo_ctx, summary)
    job = print_job(cashier, summary)
    check_golden("receipt_counter_80mm.txt", receipts.text_receipt(document, 42, tz=TZ).encode())
    check_golden("receipt_counter_80mm.bin", bytes(job.payload))
    Device.update(settings='{"width_chars": 32}').where(Device.name == "t1-printer-sim").execute()
    narrow = print_job(cashier, summary)
    check_golden("receipt_counter_58mm.txt", receipts.text_receipt(document, 32, tz=TZ).encode())
    check_golden("receipt_counter_58mm.bin", bytes(narrow.payload))


def test_b2b_credit_receipt_with_upi_qr_equals_its_golden_file(cashier: FlaskClient, demo_ctx: ServiceContext) -> None:
    summary = sell(cashier, [str(CASE.barcode)], on_account, customer=OTHER_STATE_B2B.code)
    document = document_of(demo_ctx, summary)
    job = receipts.queue_print(demo_ctx, summary["id"], vpa=VPA)
    text = receipts.text_receipt(document, 42, tz=TZ, vpa=VPA)
    assert OTHER_STATE_B2B.gstin in text and job.status == "queued"
    check_golden("receipt_b2b_credit_80mm.txt", text.encode())
    check_golden("receipt_b2b_credit_80mm.bin", bytes(job.payload))


def test_counter_receipt_is_a_tax_invoice_with_gstin_hsn_cgst_sgst_round_off_and_payments(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    summary = counter_sale(cashier)
    data = receipts.escpos_receipt(document_of(demo_ctx, summary), 42, tz=TZ, vpa=VPA)
    text = "\n".join(printed_lines(data))
    in_force = SellerRegistration.get(SellerRegistration.valid_to.is_null())
    assert summary["seller"]["gstin"] == in_force.gstin
    assert f"GSTIN: {in_force.gstin}" in text and in_force.trade_name.split()[0] in text
    assert "TAX INVOICE" in text and "Invoice" in text and summary["number"] in text
    assert "24 Nov 2026 11:30" in text, "06:00 UTC is 11:30 in India"
    assert "Cashier" in text and "Till" in text
    for line in summary["lines"]:
        assert f"HSN {line['hsn_code']}" in text
    assert "1.235 kg x" in text and "2 piece x" in text and f"1 {CASE.name} x" in text
    assert "CGST @" in text and "SGST @" in text and "IGST" not in text
    round_off_line = next(line for line in text.splitlines() if line.startswith("Round off"))
    assert round_off_line.endswith(receipts.signed_amount(summary["round_off_paise"]))
    total_line = next(line for line in text.splitlines() if line.startswith("TOTAL"))
    assert total_line.endswith("Rs." + format_inr(summary["total_paise"])[1:])
    assert "Ref: UPI-431298765" in text and "Change" in text and "50.00" in text
    assert "Scan to pay" not in text and b"\x1dv0" not in data, "no QR when nothing is due"
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x00"), "initialised, then cut"


def test_inter_state_b2b_receipt_prints_igst_the_buyer_and_a_upi_qr_for_what_is_due(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    summary = sell(cashier, [str(CASE.barcode)], on_account, customer=OTHER_STATE_B2B.code)
    document = document_of(demo_ctx, summary)
    assert document["balance_due_paise"] == summary["total_paise"] > 0
    image = receipts.escpos_receipt(document, 42, tz=TZ, vpa=VPA)
    text = "\n".join(printed_lines(image))
    assert "IGST @" in text and "CGST" not in text and "SGST" not in text
    assert "Bill to:" in text and f"GSTIN: {OTHER_STATE_B2B.gstin}" in text
    assert "Place of supply: Karnataka (29)" in text or f"({OTHER_STATE_B2B.gstin[:2]})" in text
    assert "On account" in text and "Balance due" in text and "Due date" in text
    assert b"\x1dv0" in image, "a raster-image QR by default"
    rupees, paise = divmod(summary["total_paise"], 100)
    uri = f"upi://pay?pa={VPA}&pn=Datta%20Super%20Mart%20%26%20Factory%20Outlet&am={rupees}.{paise:02d}&cu=INR"
    native = receipts.escpos_receipt(document, 42, tz=TZ, vpa=VPA, native_qr=True)
    assert f"{uri}&tn=T1%2F2627%2F000001".encode() in native, "GS ( k carries the link itself"
    assert b"\x1dv0" not in receipts.escpos_receipt(document, 42, tz=TZ), "no QR without a UPI ID"


def test_the_registration_in_force_on_the_invoice_date_is_printed_also_on_a_later_reprint(
    cashier: FlaskClient, demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    clock.now = datetime(2025, 12, 31, 12, 0)
    summary = sell(cashier, [str(CASE.barcode)], lambda total: [{"method": "cash", "amount_paise": total}])
    old = SellerRegistration.get(SellerRegistration.valid_to.is_null(False))
    new = SellerRegistration.get(SellerRegistration.valid_to.is_null())
    clock.now = datetime(2026, 11, 24, 6, 0)
    text = "\n".join(printed_lines(bytes(print_job(cashier, summary, {"kind": "reprint"}).payload)))
    assert f"GSTIN: {old.gstin}" in text and new.gstin not in text
    assert "31 Dec 2025 17:30" in text and "** REPRINT **" in text
    assert AuditLog.select().where(AuditLog.action == "invoice.reprinted").count() == 1


def test_no_line_is_wider_than_the_paper_and_no_control_character_reaches_the_printer(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    Product.update(name="Extra-long Premium Assorted Dry Fruits Gift Hamper " + "X" * 50).where(
        Product.sku == PIECE_ITEM.sku).execute()
    Customer.update(name="Sharma \x1b@ & Sons\x1dV0 General Stores and Wholesale Distributors of Chakan").where(
        Customer.code == PLAIN_CUSTOMER.code).execute()
    summary = sell(cashier, [str(PIECE_ITEM.units[0].barcode), str(CASE.barcode)],
                   lambda total: [{"method": "card", "amount_paise": total, "reference": "TID " + "7" * 100}],
                   customer=PLAIN_CUSTOMER.code)
    document = document_of(demo_ctx, summary)
    for width in (receipts.WIDTH_58MM, receipts.WIDTH_80MM):
        for vpa in (None, VPA):
            data = receipts.escpos_receipt(document, width, tz=TZ, vpa=vpa)
            lines = printed_lines(data)
            too_wide = [line for line in lines if len(line) > width]
            assert not too_wide, f"{width} columns: {too_wide}"
            rows = receipts.text_receipt(document, width, tz=TZ, vpa=vpa).splitlines()
            assert [line for line in lines if line] == [row for row in rows if row and not row.startswith("[QR ")]
            assert data.count(b"\x1b@") == 1 and data.count(b"\x1dV") == 1, "a name cannot reset or cut"
    assert "Customer: Sharma @ & Sons V0 General" in receipts.text_receipt(document, 42, tz=TZ)


def test_the_html_invoice_has_the_same_figures_and_escapes_names(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    Customer.update(name="<script>alert('x')</script> Kirana").where(Customer.code == PLAIN_CUSTOMER.code).execute()
    summary = sell(cashier, [str(CASE.barcode), str(PIECE_ITEM.units[0].barcode)], split_upi_and_cash,
                   customer=PLAIN_CUSTOMER.code)
    response = cashier.get(f"/api/v1/invoices/{summary['id']}/receipt.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Kirana" in page
    assert str(escape(summary["seller"]["trade_name"])) in page and summary["seller"]["gstin"] in page
    assert "TAX INVOICE" in page and summary["number"] in page and "24 Nov 2026 11:30" in page
    for line in summary["lines"]:
        assert f"<td>{line['hsn_code']}</td>" in page and format_inr(line["total_paise"]) in page
    for key in ("taxable_paise", "cgst_paise", "sgst_paise", "total_paise"):
        assert format_inr(summary[key]) in page, key
    for row in summary["tax_summary"]:
        assert format_inr(row["taxable_paise"]) in page and format_inr(row["cgst_paise"]) in page
    assert "GST summary by HSN and rate" in page and "Round off" in page and "UPI-431298765" in page
    assert "Rupees " in page and page.rstrip().endswith("</html>")
    assert cashier.get(f"/api/v1/invoices/{summary['id']}/receipt.html?revision=x").get_json()["error"][
        "field"] == "revision"


def test_print_queues_one_job_with_the_exact_bytes_for_the_tills_printer_and_announces_it(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    events: list[dict[str, Any]] = []
    demo_ctx.bus.subscribe("print.queued", lambda topic, payload: events.append(payload))
    summary = counter_sale(cashier)
    response = cashier.post(f"/api/v1/invoices/{summary['id']}/print", json={"kind": "receipt"})
    assert response.status_code == 202, response.get_json()
    answer = response.get_json()
    jobs = list(PrintJob.select())
    assert len(jobs) == 1
    job = jobs[0]
    expected = receipts.escpos_receipt(document_of(demo_ctx, summary), 42, tz=TZ)
    assert bytes(job.payload) == expected
    assert (job.kind, job.status, job.till.code, job.device.name) == ("receipt", "queued", "T1", "t1-printer-sim")
    assert job.document == f"{summary['id']}/r0"
    assert answer == {"id": str(job.uuid), "job_id": job.id, "status": "queued", "kind": "receipt",
                      "document": job.document, "till": "T1", "device": "t1-printer-sim"}
    assert events == [{"till": "T1", "job_id": job.id, "job": str(job.uuid), "kind": "receipt"}]
    bad = cashier.post(f"/api/v1/invoices/{summary['id']}/print", json={"kind": "drawer"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "kind"
    missing = cashier.post("/api/v1/invoices/00000000-0000-4000-8000-000000000000/print", json={})
    assert missing.status_code == 404
    assert PrintJob.select().count() == 1 and len(events) == 1


def test_any_revision_can_be_reprinted_and_shown(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext
) -> None:
    manager = login("manager")
    summary = sell(manager, [str(CASE.barcode)], lambda total: [{"method": "cash", "amount_paise": total}])
    correction = {"reason": "customer asked for a GST bill", "name": OTHER_STATE_B2B.legal_name or "Buyer",
                  "gstin": OTHER_STATE_B2B.gstin, "state_code": OTHER_STATE_B2B.billing_state_code,
                  "address": OTHER_STATE_B2B.address}
    post(manager, f"/api/v1/invoices/{summary['id']}/corrections", correction, status=201)
    original = "\n".join(printed_lines(bytes(print_job(manager, summary, {"kind": "reprint", "revision": 0}).payload)))
    assert "CGST @" in original and OTHER_STATE_B2B.gstin not in original and "REVISED" not in original
    assert "** REPRINT **" in original
    revised = "\n".join(printed_lines(bytes(print_job(manager, summary, {"kind": "reprint", "revision": 1}).payload)))
    assert "REVISED INVOICE - REVISION 1" in revised and "Reason: customer asked for a GST bill" in revised
    assert "IGST @" in revised and "CGST" not in revised and f"GSTIN: {OTHER_STATE_B2B.gstin}" in revised
    current = "\n".join(printed_lines(bytes(print_job(manager, summary).payload)))
    assert "REVISED INVOICE - REVISION 1" in current and "** REPRINT **" not in current
    assert [job.document[-3:] for job in PrintJob.select().order_by(PrintJob.id)] == ["/r0", "/r1", "/r1"]
    absent = manager.post(f"/api/v1/invoices/{summary['id']}/print", json={"kind": "reprint", "revision": 2})
    assert absent.status_code == 404 and absent.get_json()["error"]["field"] == "revision"
    negative = manager.post(f"/api/v1/invoices/{summary['id']}/print", json={"revision": -1})
    assert negative.status_code == 400 and negative.get_json()["error"]["field"] == "revision"
    page = manager.get(f"/api/v1/invoices/{summary['id']}/receipt.html?revision=1").get_data(as_text=True)
    assert "Revised invoice — revision 1" in page and "customer asked for a GST bill" in page
    first = manager.get(f"/api/v1/invoices/{summary['id']}/receipt.html?revision=0").get_data(as_text=True)
    assert "Revised invoice" not in first and OTHER_STATE_B2B.gstin not in first


def test_email_queues_one_message_and_refuses_a_bad_address_naming_to(
    cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    summary = counter_sale(cashier)
    response = cashier.post(f"/api/v1/invoices/{summary['id']}/email", json={"to": "  buyer@example.com "})
    assert response.status_code == 202, response.get_json()
    message = EmailMessage.get()
    assert response.get_json() == {"id": str(message.uuid), "status": "queued", "to": "buyer@example.com",
                                   "document": f"{summary['id']}/r0"}
    assert message.subject == f"Tax invoice {summary['number']} from {summary['seller']['trade_name']}"
    assert message.body == receipts.html_invoice(document_of(demo_ctx, summary), TZ)
    for bad in ("not-an-email", "a@b", "two@example.com, three@example.com", "Name <name@example.com>",
                "x@example.com\r\nBcc: all@example.org", "a..b@example.com", "", "x" * 190 + "@example.com", 5):
        refused = cashier.post(f"/api/v1/invoices/{summary['id']}/email", json={"to": bad})
        assert refused.status_code == 400, bad
        assert refused.get_json()["error"]["field"] == "to", bad
    assert cashier.post(f"/api/v1/invoices/{summary['id']}/email", json={}).get_json()["error"]["field"] == "to"
    assert EmailMessage.select().count() == 1


@pytest.mark.parametrize("role", ["hr", "employee"])
def test_hr_and_employees_may_not_print_email_or_view_receipts(
    role: str, cashier: FlaskClient, login: Callable[[str], FlaskClient], client: FlaskClient
) -> None:
    summary = sell(cashier, [str(CASE.barcode)])
    other = login(role)
    base = f"/api/v1/invoices/{summary['id']}"
    assert other.get(f"{base}/receipt.html").status_code == 403
    assert other.post(f"{base}/print", json={}).status_code == 403
    assert other.post(f"{base}/email", json={"to": "a@example.com"}).status_code == 403
    assert client.get(f"{base}/receipt.html").status_code == 401
    assert PrintJob.select().count() == EmailMessage.select().count() == 0


def test_the_routes_are_in_the_openapi_document_with_their_roles(cashier: FlaskClient) -> None:
    paths = cashier.get("/api/v1/openapi.json").get_json()["paths"]
    sellers = ["admin", "cashier", "manager"]
    assert paths["/api/v1/invoices/{invoice_id}/receipt.html"]["get"]["x-roles"] == sellers
    assert paths["/api/v1/invoices/{invoice_id}/print"]["post"]["x-roles"] == sellers
    assert paths["/api/v1/invoices/{invoice_id}/email"]["post"]["x-roles"] == sellers


def test_formatting_rules() -> None:
    assert [receipts.percent(bp) for bp in (0, 25, 300, 500, 1800, 4000)] == ["0", "0.25", "3", "5", "18", "40"]
    assert [receipts.percent(bp, 2) for bp in (25, 500, 1800)] == ["0.125", "2.5", "9"]
    assert receipts.quantity({"quantity_milli": 1235, "unit": "kg", "unit_kind": "kg"}) == "1.235 kg"
    assert receipts.quantity({"quantity_milli": 2000, "unit": "kg", "unit_kind": "kg"}) == "2.000 kg"
    assert receipts.quantity({"quantity_milli": 3000, "unit": "piece", "unit_kind": "piece"}) == "3 piece"
    assert receipts.amount(12_345_678) == "1,23,456.78" and receipts.signed_amount(19) == "+0.19"
    assert receipts.signed_amount(-49) == "-0.49" and receipts.signed_amount(0) == "0.00"
    assert receipts.amount_in_words(120_900) == "Rupees One Thousand Two Hundred Nine Only"
    assert receipts.amount_in_words(1_234_567_850) == (
        "Rupees One Crore Twenty Three Lakh Forty Five Thousand Six Hundred Seventy Eight and Fifty Paise Only")
    assert receipts.check_email(" Buyer.Name+bill@Example.co.in ") == "Buyer.Name+bill@Example.co.in"
    with pytest.raises(InvalidInput):
        receipts.check_email("buyer@-example.com")
    with pytest.raises(ValueError, match="UPI ID"):
        receipts.upi_uri("not a vpa", "Shop", 100, "T1/2627/000001")
    with pytest.raises(ValueError, match="width_chars"):
        receipts.receipt_layout({}, 10)
