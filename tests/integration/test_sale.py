"""A sale from scan to post-sale summary over REST, with the realtime pushes a till's screens receive."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from edge.domain.barcodes import DEFAULT_SCALE_RULES, check_digit, make_scale_label
from edge.services.carts import connect_devices
from edge.services.context import ServiceContext
from edge.services.demo_data import DemoProduct, demo_customers, demo_products
from edge.store.models import AuditLog, Customer, CustomerLedgerEntry, Outbox, Product, ProductUnit

PIECE_ITEM = next(p for p in demo_products() if p.base_unit == "piece" and p.units[0].sellable and p.units[0].barcode
                  and any(u.kind == "package" and u.barcode for u in p.units) and p.gst[-1].rate_bp > 0)
CASE = next(u for u in PIECE_ITEM.units if u.kind == "package" and u.barcode)
KG_ITEM = next(p for p in demo_products() if p.base_unit == "kg" and p.gst[-1].rate_bp > 0)
OTHER_STATE_B2B = next(c for c in demo_customers() if c.gstin and c.billing_state_code != "27" and c.gstin[:2] != "27")


def counter(product: DemoProduct, unit_index: int = 0) -> int:
    """Counter price of a unit, falling back to the base price x units held."""
    unit = product.units[unit_index]
    return unit.prices_paise.get("counter") or product.units[0].prices_paise["counter"] * unit.factor_milli // 1000


def uuid_of(sku: str) -> str:
    """The store's UUID of a demo product."""
    return str(Product.get(Product.sku == sku).uuid)


@pytest.fixture
def cashier(login: Callable[[str], FlaskClient]) -> FlaskClient:
    """The demo cashier, logged in."""
    return login("cashier")


def cart_of(client: FlaskClient, till: str = "T1") -> dict[str, Any]:
    """The client's open cart on a till."""
    response = client.get(f"/api/v1/tills/{till}/cart")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def post(client: FlaskClient, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST JSON and check the status."""
    response = client.post(path, json=body)
    assert response.status_code == status, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def test_scanning_the_same_packet_twice_counts_two_and_a_case_barcode_adds_a_case(cashier: FlaskClient) -> None:
    cart = cart_of(cashier)
    assert (cart["lines"], cart["version"], cart["total_paise"]) == ([], 1, 0)
    once = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    twice = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    assert [line["quantity_milli"] for line in twice["lines"]] == [2000]
    assert twice["lines"][0]["rate_paise"] == counter(PIECE_ITEM)
    assert twice["version"] == once["version"] + 1 == 3
    with_case = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": CASE.barcode})
    assert [(line["unit"], line["quantity_milli"]) for line in with_case["lines"]] == [
        (PIECE_ITEM.units[0].name, 2000), (CASE.name, 1000)]
    assert with_case["total_paise"] % 100 == 0
    assert with_case["total_paise"] == sum(line["total_paise"] for line in with_case["lines"]) + with_case[
        "round_off_paise"]


def test_wrong_check_digit_is_refused_and_an_unknown_barcode_is_named(cashier: FlaskClient) -> None:
    cart = cart_of(cashier)
    good = str(PIECE_ITEM.units[0].barcode)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    refused = cashier.post(f"/api/v1/carts/{cart['id']}/scan", json={"code": wrong})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_check_digit"
    unknown = "890" + "999999999"
    unknown += check_digit(unknown)
    missing = cashier.post(f"/api/v1/carts/{cart['id']}/scan", json={"code": unknown})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_barcode"
    assert cart_of(cashier)["lines"] == []


def test_scale_label_adds_the_weighed_quantity(cashier: FlaskClient, demo_ctx: ServiceContext) -> None:
    Product.update(scale_code="00042").where(Product.sku == KG_ITEM.sku).execute()
    cart = cart_of(cashier)
    label = make_scale_label(DEFAULT_SCALE_RULES[0], "00042", 1235)
    body = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": label})
    line = body["lines"][0]
    assert (line["sku"], line["quantity_milli"], line["unit"], line["source"]) == (KG_ITEM.sku, 1235, "kg", "scale")
    assert line["rate_paise"] == counter(KG_ITEM)


def test_weighed_item_takes_the_till_scales_stable_weight(
    cashier: FlaskClient, login: Callable[[str], FlaskClient], demo_ctx: ServiceContext
) -> None:
    connect_devices(demo_ctx)
    cart = cart_of(cashier)
    add = {"product_id": uuid_of(KG_ITEM.sku), "use_scale": True}
    no_weight = cashier.post(f"/api/v1/carts/{cart['id']}/lines", json=add)
    assert no_weight.status_code == 400 and no_weight.get_json()["error"]["code"] == "no_stable_weight"
    demo_ctx.bus.publish("scale.weight", {"till": "T1", "grams": 1500, "stable": True})
    weighed = post(cashier, f"/api/v1/carts/{cart['id']}/lines", add)
    assert weighed["lines"][0]["quantity_milli"] == 1500
    typed = cashier.post(f"/api/v1/carts/{cart['id']}/lines",
                         json={"product_id": uuid_of(KG_ITEM.sku), "quantity": "0.750"})
    assert typed.status_code == 403, "a cashier may not type a weight"
    manager = login("manager")
    manager_cart = cart_of(manager)
    allowed = post(manager, f"/api/v1/carts/{manager_cart['id']}/lines",
                   {"product_id": uuid_of(KG_ITEM.sku), "quantity": "0.750"})
    assert allowed["lines"][0]["quantity_milli"] == 750
    too_precise = manager.post(f"/api/v1/carts/{manager_cart['id']}/lines",
                               json={"product_id": uuid_of(KG_ITEM.sku), "quantity": "0.7505"})
    assert too_precise.get_json()["error"]["code"] == "quantity_precision"


def test_a_screen_with_an_old_version_is_told_to_reload(cashier: FlaskClient) -> None:
    cart = cart_of(cashier)
    post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode, "version": 1})
    stale = cashier.post(f"/api/v1/carts/{cart['id']}/scan", json={"code": CASE.barcode, "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_cart"
    assert len(cart_of(cashier)["lines"]) == 1


def test_manual_rate_below_floor_and_big_discounts_need_a_manager(
    cashier: FlaskClient, login: Callable[[str], FlaskClient]
) -> None:
    price = counter(PIECE_ITEM)
    ProductUnit.update(floor_price_paise=price - 100).where(
        (ProductUnit.product == Product.get(Product.sku == PIECE_ITEM.sku)) & (ProductUnit.factor_milli == 1000)
    ).execute()
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    line = f"/api/v1/carts/{cart['id']}/lines/{cart['lines'][0]['id']}"
    below = cashier.patch(line, json={"manual_rate_paise": price - 200})
    assert below.status_code == 400 and below.get_json()["error"]["code"] == "below_floor"
    within = cashier.patch(line, json={"manual_rate_paise": price - 50})
    assert within.status_code == 200 and within.get_json()["lines"][0]["tier"] == "manual"
    big = cashier.patch(line, json={"discount_paise": price // 2})
    assert big.status_code == 400 and big.get_json()["error"]["code"] == "discount_limit"
    manager = login("manager")
    manager_cart = post(manager, f"/api/v1/carts/{cart_of(manager)['id']}/scan",
                        {"code": PIECE_ITEM.units[0].barcode})
    manager_line = f"/api/v1/carts/{manager_cart['id']}/lines/{manager_cart['lines'][0]['id']}"
    assert manager.patch(manager_line, json={"manual_rate_paise": price - 200}).status_code == 200
    rows = [(row.action, row.user.username, json.loads(row.details)) for row in
            AuditLog.select().where(AuditLog.action.startswith("cart.")).order_by(AuditLog.id)]
    assert [(action, who) for action, who, _ in rows] == [
        ("cart.manual_rate", "cashier"), ("cart.manual_rate", "manager")
    ], "refused overrides leave no audit row (rolled back with the change)"
    assert rows[1][2]["before"] == {"manual_rate_paise": None}
    assert rows[1][2]["after"] == {"manual_rate_paise": price - 200}
    assert rows[1][2]["product"] == PIECE_ITEM.sku


def test_customer_from_another_state_makes_the_sale_inter_state(cashier: FlaskClient) -> None:
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    assert (cart["supply"], cart["igst_paise"]) == ("intra", 0)
    customer = Customer.get(Customer.code == OTHER_STATE_B2B.code)
    response = cashier.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": str(customer.uuid)})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["supply"], body["place_of_supply"], body["tier"]) == ("inter", OTHER_STATE_B2B.gstin[:2],
                                                                       OTHER_STATE_B2B.rate_tier)
    assert body["igst_paise"] > 0 and body["cgst_paise"] == body["sgst_paise"] == 0


def test_checkout_with_upi_and_cash_issues_a_paid_invoice_with_change(cashier: FlaskClient) -> None:
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    cart = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    total = cart["total_paise"]
    upi = total // 2
    summary = post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {"version": cart["version"], "payments": [
        {"method": "upi", "amount_paise": upi, "reference": "UPI-431298765"},
        {"method": "cash", "amount_paise": total - upi, "tendered_paise": total - upi + 5000},
    ]}, status=201)
    assert summary["number"] == "T1/2627/000001"
    assert (summary["status"], summary["paid_paise"], summary["balance_due_paise"]) == ("paid", total, 0)
    assert summary["change_due_paise"] == 5000
    assert [(p["method"], p["reference"]) for p in summary["payments"]] == [("upi", "UPI-431298765"), ("cash", "")]
    assert [(line["name"], line["quantity_milli"], line["unit"]) for line in summary["lines"]] == [
        (PIECE_ITEM.name, 1000, CASE.name), (PIECE_ITEM.name, 1000, PIECE_ITEM.units[0].name)]
    assert summary["total_paise"] == total
    assert summary["seller"]["gstin"].startswith("27")
    assert sum(row["taxable_paise"] for row in summary["tax_summary"]) == summary["taxable_paise"]
    events = [(row.seq, row.type) for row in Outbox.select().order_by(Outbox.seq)]
    assert [kind for _, kind in events if kind != "audit.recorded"] == [
        "invoice.issued", "payment.recorded", "payment.recorded"]
    assert [kind for _, kind in events][-4:] == [
        "audit.recorded", "invoice.issued", "payment.recorded", "payment.recorded"], "the sale's audit row too"
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1)), "gap-free"
    again = cashier.post(f"/api/v1/carts/{cart['id']}/checkout", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "cart_closed"
    assert cart_of(cashier)["id"] != cart["id"], "the till starts a new cart"


def test_pay_after_the_bill_and_refuse_overpayment_by_card(cashier: FlaskClient) -> None:
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    summary = post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    assert (summary["status"], summary["balance_due_paise"]) == ("issued", summary["total_paise"])
    path = f"/api/v1/invoices/{summary['id']}/payments"
    over = cashier.post(path, json={"method": "card", "amount_paise": summary["total_paise"] + 100})
    assert over.status_code == 400 and over.get_json()["error"]["code"] == "overpayment"
    part = post(cashier, path, {"method": "card", "amount_paise": 10_000, "reference": "TID 000123"}, status=201)
    assert (part["status"], part["paid_paise"]) == ("partially_paid", 10_000)
    rest = post(cashier, path, {"method": "cash", "amount_paise": summary["total_paise"] - 10_000}, status=201)
    assert (rest["status"], rest["balance_due_paise"]) == ("paid", 0)
    assert cashier.get(f"/api/v1/invoices/{summary['id']}").get_json()["status"] == "paid"


def test_credit_sale_to_a_business_customer_goes_on_its_account(cashier: FlaskClient) -> None:
    customer = Customer.get(Customer.code == OTHER_STATE_B2B.code)
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    cashier.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": str(customer.uuid)})
    total = cashier.get(f"/api/v1/carts/{cart['id']}").get_json()["total_paise"]
    summary = post(cashier, f"/api/v1/carts/{cart['id']}/checkout",
                   {"payments": [{"method": "credit", "amount_paise": total}]}, status=201)
    assert summary["buyer"]["gstin"] == OTHER_STATE_B2B.gstin
    assert summary["supply"] == "inter" and summary["igst_paise"] > 0
    assert summary["due_date"] == "2026-12-24", "30 days of credit from 24 Nov 2026"
    assert (summary["status"], summary["balance_due_paise"]) == ("issued", total)
    ledger = [(row.kind, row.amount_paise) for row in CustomerLedgerEntry.select().where(
        CustomerLedgerEntry.customer == customer)]
    assert ledger == [("invoice", total)]


def test_empty_cart_cannot_be_checked_out(cashier: FlaskClient) -> None:
    response = cashier.post(f"/api/v1/carts/{cart_of(cashier)['id']}/checkout", json={})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "empty_cart"


def test_bad_payment_bodies_name_the_field(cashier: FlaskClient) -> None:
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    for body, field in (
        ({"payments": [{"method": "cheque", "amount_paise": 100}]}, "payments.0.method"),
        ({"payments": [{"method": "cash", "amount_paise": -5}]}, "payments.0.amount_paise"),
        ({"payments": [{"method": "cash"}]}, "payments.0.amount_paise"),
        ({"payment": []}, "payment"),
    ):
        response = cashier.post(f"/api/v1/carts/{cart['id']}/checkout", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["field"] == field


def test_the_tills_screens_are_pushed_cart_sale_and_payment(
    app_and_socketio: tuple[Flask, SocketIO], cashier: FlaskClient
) -> None:
    app, socketio = app_and_socketio
    screen = socketio.test_client(app, flask_test_client=cashier)
    assert screen.is_connected()
    assert screen.emit("join_till", {"till": "T1"}, callback=True) == {"ok": True, "room": "till:T1"}
    other_till = socketio.test_client(app, flask_test_client=cashier)
    other_till.emit("join_till", {"till": "T2"}, callback=True)
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    pushed = screen.get_received()
    assert [event["name"] for event in pushed] == ["cart"]
    assert pushed[0]["args"][0]["cart"]["lines"] == cart["lines"]
    summary = post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    post(cashier, f"/api/v1/invoices/{summary['id']}/payments",
         {"method": "upi", "amount_paise": summary["total_paise"], "reference": "UPI-55"}, status=201)
    names = [(event["name"], event["args"][0]) for event in screen.get_received()]
    assert [name for name, _ in names] == ["sale", "payment"]
    payment = names[1][1]
    assert (payment["status"], payment["payment"]["reference"], payment["payment"]["amount_paise"]) == (
        "paid", "UPI-55", summary["total_paise"])
    assert other_till.get_received() == [], "another till's screens hear nothing"


def test_a_hardware_scan_lands_in_the_tills_open_cart(
    app_and_socketio: tuple[Flask, SocketIO], cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    connect_devices(demo_ctx)
    app, socketio = app_and_socketio
    screen = socketio.test_client(app, flask_test_client=cashier)
    screen.emit("join_till", {"till": "T1"}, callback=True)
    cart = cart_of(cashier)
    demo_ctx.bus.publish("scanner.scan", {"till": "T1", "code": CASE.barcode, "device": "t1-scanner"})
    assert [line["unit"] for line in cart_of(cashier)["lines"]] == [CASE.name]
    assert cart_of(cashier)["id"] == cart["id"]
    demo_ctx.bus.publish("scanner.scan", {"till": "T1", "code": "8900000000000", "device": "t1-scanner"})
    events = {event["name"]: event["args"][0] for event in screen.get_received()}
    assert events["scan_rejected"]["error"]["code"] in ("unknown_barcode", "bad_check_digit")


def test_every_screen_hears_store_wide_news_such_as_sync_progress(
    app_and_socketio: tuple[Flask, SocketIO], cashier: FlaskClient, demo_ctx: ServiceContext
) -> None:
    app, socketio = app_and_socketio
    screen = socketio.test_client(app, flask_test_client=cashier)
    screen.get_received()
    demo_ctx.bus.publish("sync.status", {"backlog": 12, "sent_per_s": 3.5})
    assert [(e["name"], e["args"][0]["backlog"]) for e in screen.get_received()] == [("sync", 12)]


def test_demo_loose_goods_carry_scale_codes_so_a_label_sells_at_once(cashier: FlaskClient) -> None:
    code = Product.get(Product.sku == KG_ITEM.sku).scale_code
    assert code is not None and len(code) == 5
    label = make_scale_label(DEFAULT_SCALE_RULES[0], code, 750)
    line = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": label})["lines"][0]
    assert (line["sku"], line["quantity_milli"]) == (KG_ITEM.sku, 750)
