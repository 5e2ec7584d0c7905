"""Customers in the back office and at the till: add, find, edit, GSTIN history, delete rules, statements."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from edge.domain.gstin import calc_check_char
from edge.services.demo_data import demo_customers
from edge.store.models import AuditLog, Customer, CustomerGstin, CustomerLedgerEntry, Outbox
from edge.web import customers as customers_web
from tests.conftest import FakeClock
from tests.integration.test_sale import CASE, cart_of, post

API = "/api/v1/customers"
DEMO = demo_customers()
HOTEL = next(c for c in DEMO if c.code == "C0018")  # Hotel Sai Palace: Maharashtra GSTIN, ₹3,00,000 credit


@pytest.fixture
def app(app_and_socketio: tuple[Flask, SocketIO]) -> Flask:
    """The app with the customers blueprint (registered here until the app factory registers it)."""
    app = app_and_socketio[0]
    if customers_web.bp.name not in app.blueprints:
        app.register_blueprint(customers_web.bp)
    return app


def gstin(state: str, pan: str, entity: str = "1") -> str:
    """A valid GSTIN for a state and PAN."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + calc_check_char(first14)


def uuid_of(code: str) -> str:
    """The UUID of a customer by code."""
    return str(Customer.get(Customer.code == code).uuid)


def credit_sale(client: FlaskClient, customer_id: str) -> dict[str, Any]:
    """Sell a case on the customer's account (as a till does) and return the post-sale summary."""
    cart = post(client, f"/api/v1/carts/{cart_of(client)['id']}/scan", {"code": CASE.barcode})
    assert client.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": customer_id}).status_code == 200
    total = client.get(f"/api/v1/carts/{cart['id']}").get_json()["total_paise"]
    return post(client, f"/api/v1/carts/{cart['id']}/checkout",
                {"payments": [{"method": "credit", "amount_paise": total}]}, status=201)


def pay(client: FlaskClient, invoice_id: str, method: str, amount: int, reference: str = "") -> dict[str, Any]:
    """Take a payment on an invoice after the bill."""
    body = {"method": method, "amount_paise": amount, **({"reference": reference} if reference else {})}
    return post(client, f"/api/v1/invoices/{invoice_id}/payments", body, status=201)


def events(kind: str) -> list[dict[str, Any]]:
    """Payloads of the outbox rows of one type, oldest first."""
    return [json.loads(row.payload) for row in Outbox.select().where(Outbox.type == kind).order_by(Outbox.seq)]


def test_a_cashier_adds_a_customer_at_the_till_and_a_manager_edits_it(login: Callable[[str], FlaskClient]) -> None:
    cashier, manager = login("cashier"), login("manager")
    created = cashier.post(API, json={"name": "Lata Mangeshkar", "phone": "98220 12345",
                                      "billing_address": "Peddar Road, Mumbai"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["code"], body["type"], body["rate_tier"], body["billing_state_code"]) == (
        "C0031", "retail", "counter", "27"), "next free code, retail on counter prices, the store's state"
    assert (body["phone"], body["shipping_address"], body["balance_paise"]) == (
        "9822012345", "Peddar Road, Mumbai", 0)
    assert cashier.get(f"{API}/{body['id']}").get_json() == body

    no_credit = cashier.post(API, json={"name": "Credit Seeker", "credit_limit_paise": 500_000})
    assert no_credit.status_code == 403 and no_credit.get_json()["error"]["field"] == "credit_limit_paise"
    refused = cashier.patch(f"{API}/{body['id']}", json={"name": "Someone Else"})
    assert refused.status_code == 403

    changed = manager.patch(f"{API}/{body['id']}", json={
        "name": "Lata M.", "type": "wholesale", "credit_limit_paise": 2_500_000, "email": "lata@example.in"})
    assert changed.status_code == 200, changed.get_json()
    after = manager.get(f"{API}/{body['id']}").get_json()
    assert (after["name"], after["type"], after["rate_tier"], after["credit_limit_paise"], after["email"]) == (
        "Lata M.", "wholesale", "wholesale", 2_500_000, "lata@example.in"), "the tier follows the new type"
    assert after["credit_available_paise"] == 2_500_000
    assert [e["name"] for e in events("customer.created")] == ["Lata Mangeshkar"]
    assert [e["name"] for e in events("customer.changed")] == ["Lata M."]
    audit = AuditLog.select().where(AuditLog.action == "customer.changed").get()
    assert json.loads(audit.details)["changes"]["name"] == ["Lata Mangeshkar", "Lata M."]
    assert audit.user.username == "manager"

    same_code = manager.post(API, json={"name": "Clash", "code": "C0001"})
    assert same_code.status_code == 409 and same_code.get_json()["error"]["field"] == "code"
    bad_phone = manager.patch(f"{API}/{body['id']}", json={"phone": "12ab"})
    assert bad_phone.status_code == 400 and bad_phone.get_json()["error"]["field"] == "phone"
    unknown = manager.post(API, json={"name": "X", "favourite_colour": "blue"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "favourite_colour"


def test_search_filters_and_pages_count_the_demo_customers(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    by_name = [c.code for c in sorted(DEMO, key=lambda c: (c.name, c.code))]
    pages = [cashier.get(f"{API}?per_page=7&page={page}").get_json() for page in range(1, 6)]
    assert [(p["total"], p["pages"], len(p["items"])) for p in pages] == [(30, 5, 7)] * 4 + [(30, 5, 2)]
    assert [item["code"] for p in pages for item in p["items"]] == by_name, "every customer once, ordered by name"
    assert cashier.get(f"{API}?per_page=7&page=6").get_json()["items"] == []

    def codes(query: str) -> list[str]:
        response = cashier.get(f"{API}?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["code"] for item in response.get_json()["items"]]

    assert codes("q=stores") == ["C0012", "C0014", "C0017"]
    assert codes("q=mysore%20traders") == ["C0021"], "every word must match"
    assert codes("q=7066%20076656") == ["C0020"], "by phone, spaces ignored"
    assert codes("q=aabck7719d") == ["C0020"], "by a piece of the GSTIN, any case"
    assert codes("q=C001") == [c.code for c in sorted(DEMO, key=lambda c: (c.name, c.code))
                               if c.code.startswith("C001")]
    b2b = [c for c in DEMO if c.customer_type == "b2b"]
    assert len(codes("type=b2b&per_page=100")) == len(b2b) == 10
    assert sorted(codes("state=29")) == ["C0020", "C0021"]
    assert len(codes("has_gstin=true&per_page=100")) == 10
    assert len(codes("has_gstin=false&per_page=100")) == 20
    assert codes("type=b2b&state=24") == ["C0022", "C0023"]
    for query, field in (("per_page=0", "per_page"), ("page=x", "page"), ("state=99", "state"),
                         ("type=vip", "type"), ("has_gstin=maybe", "has_gstin"), ("min_balance_paise=1.5",
                                                                                  "min_balance_paise")):
        response = cashier.get(f"{API}?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field, query


def test_balance_filter_and_delete_refused_while_money_is_open(login: Callable[[str], FlaskClient]) -> None:
    cashier, manager = login("cashier"), login("manager")
    hotel = uuid_of(HOTEL.code)
    sale = credit_sale(cashier, hotel)
    total = sale["total_paise"]
    assert [item["code"] for item in cashier.get(f"{API}?min_balance_paise=1").get_json()["items"]] == ["C0018"]
    view = cashier.get(f"{API}/{hotel}").get_json()
    assert view["balance_paise"] == total
    assert view["credit_available_paise"] == HOTEL.credit_limit_paise - total
    assert [(i["number"], i["due_paise"], i["due_date"]) for i in view["open_invoices"]] == [
        (sale["number"], total, "2026-12-24")]

    refused = manager.delete(f"{API}/{hotel}", json={})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "customer_has_open_balance"
    assert "owes ₹" in error["message"] and sale["number"] in error["message"]

    pay(cashier, sale["id"], "upi", total - 10_000, "UPI-77")
    still = manager.delete(f"{API}/{hotel}", json={})
    assert still.status_code == 409 and "owes ₹100.00" in still.get_json()["error"]["message"]
    pay(cashier, sale["id"], "cash", 10_000)
    assert cashier.get(f"{API}/{hotel}").get_json()["balance_paise"] == 0

    gone = manager.delete(f"{API}/{hotel}", json={})
    assert gone.status_code == 200 and gone.get_json()["outcome"] == "deactivated", "history keeps the customer"
    assert cashier.get(f"{API}/{hotel}").get_json()["is_active"] is False
    assert "C0018" not in [i["code"] for i in cashier.get(f"{API}?per_page=100").get_json()["items"]]
    assert [i["code"] for i in cashier.get(f"{API}?status=inactive").get_json()["items"]] == ["C0018"]
    cart = cart_of(cashier)
    attach = cashier.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": hotel})
    assert attach.status_code == 404, "a deactivated customer cannot be billed"

    fresh = uuid_of("C0001")
    assert cashier.delete(f"{API}/{fresh}", json={}).status_code == 403, "a cashier cannot delete customers"
    deleted = manager.delete(f"{API}/{fresh}", json={})
    assert deleted.get_json()["outcome"] == "deleted", "no invoices, payments or ledger: really deleted"
    assert manager.get(f"{API}/{fresh}").status_code == 404
    assert [e["code"] for e in events("customer.deleted")] == ["C0001"]


def test_a_gstin_change_closes_the_old_period_and_keeps_history(
    login: Callable[[str], FlaskClient], clock: FakeClock
) -> None:
    manager = login("manager")
    hotel = uuid_of(HOTEL.code)
    new_gstin = gstin("27", "AAJCS4821M", "2")
    changed = manager.patch(f"{API}/{hotel}", json={
        "gstin": new_gstin, "legal_name": "Sai Palace Hotels Private Limited", "gstin_effective_from": "2026-12-01"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["gstin"] == HOTEL.gstin, "the old GSTIN is still in force until 30 Nov"
    assert [(p["gstin"], p["valid_from"], p["valid_to"]) for p in body["gstin_history"]] == [
        (HOTEL.gstin, "2024-04-01", "2026-11-30"), (new_gstin, "2026-12-01", None)]
    assert events("customer.changed")[-1]["gstin_history"] == body["gstin_history"]

    overlapping = manager.patch(f"{API}/{hotel}", json={
        "gstin": gstin("27", "AAJCS4821M", "3"), "gstin_effective_from": "2026-11-15"})
    assert overlapping.status_code == 400
    assert overlapping.get_json()["error"]["code"] == "overlapping_registrations"
    assert overlapping.get_json()["error"]["field"] == "gstin_effective_from"

    typo_fixed = manager.patch(f"{API}/{hotel}", json={
        "gstin": gstin("27", "AAJCS4821M", "4"), "gstin_effective_from": "2026-12-01"})
    assert [p["gstin"][-3:-2] for p in typo_fixed.get_json()["gstin_history"]] == ["1", "4"], (
        "a change dated the day the current period starts corrects it in place")
    assert CustomerGstin.select().where(CustomerGstin.customer == Customer.get(Customer.code == "C0018")).count() == 2

    bad = manager.patch(f"{API}/{hotel}", json={"gstin": HOTEL.gstin[:-1] + "0"})
    assert bad.status_code == 400
    assert (bad.get_json()["error"]["field"], bad.get_json()["error"]["code"]) == ("gstin", "bad_gstin_check")

    clock.now = datetime(2026, 12, 2, 5, 0)
    cashier = login("cashier")
    sale = credit_sale(cashier, hotel)
    assert sale["buyer"]["gstin"] == gstin("27", "AAJCS4821M", "4"), "December's invoices carry the new GSTIN"


def test_the_gstin_state_must_match_the_billing_state_unless_a_reason_is_given(
    login: Callable[[str], FlaskClient],
) -> None:
    manager = login("manager")
    gujarat = gstin("24", "AAACG1234K")
    defaulted = manager.post(API, json={"name": "Gujarat Traders", "type": "b2b", "gstin": gujarat})
    assert defaulted.status_code == 201, defaulted.get_json()
    assert defaulted.get_json()["billing_state_code"] == "24", "the billing state defaults to the GSTIN's state"
    assert defaulted.get_json()["legal_name"] == "Gujarat Traders"

    other = gstin("24", "AAACG5678L")
    mismatch = manager.post(API, json={"name": "Branch", "type": "b2b", "gstin": other, "billing_state_code": "27"})
    assert mismatch.status_code == 400
    error = mismatch.get_json()["error"]
    assert (error["field"], error["code"]) == ("billing_state_code", "gstin_state_mismatch")
    assert "Gujarat (24)" in error["message"] and "Maharashtra (27)" in error["message"]

    reason = "billed at the Pune depot; registered in Gujarat only"
    allowed = manager.post(API, json={"name": "Branch", "type": "b2b", "gstin": other, "billing_state_code": "27",
                                      "gstin_state_reason": reason})
    assert allowed.status_code == 201
    audit = AuditLog.select().where(AuditLog.action == "customer.created").order_by(AuditLog.id.desc()).first()
    assert json.loads(audit.details)["gstin_state_reason"] == reason
    assert events("customer.created")[-1]["gstin_state_reason"] == reason

    moved = manager.patch(f"{API}/{defaulted.get_json()['id']}", json={"billing_state_code": "29"})
    assert moved.status_code == 400 and moved.get_json()["error"]["code"] == "gstin_state_mismatch"
    ended = manager.patch(f"{API}/{defaulted.get_json()['id']}", json={"gstin": None})
    assert ended.get_json()["gstin"] is None, "ending a GSTIN started today removes it"
    assert manager.patch(f"{API}/{defaulted.get_json()['id']}", json={"billing_state_code": "29"}).status_code == 200


def local_day(at: datetime) -> date:
    """The store's calendar day of a stored UTC time."""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata")).date()


def test_statement_opening_and_closing_are_sums_of_the_ledger(
    login: Callable[[str], FlaskClient], clock: FakeClock
) -> None:
    cashier = login("cashier")
    hotel = uuid_of(HOTEL.code)
    clock.now = datetime(2026, 10, 20, 6, 0)
    october = credit_sale(cashier, hotel)
    clock.now = datetime(2026, 10, 31, 19, 0)  # 1 Nov 00:30 in India
    pay(cashier, october["id"], "cash", 10_000)
    clock.now = datetime(2026, 11, 20, 10, 0)
    november = credit_sale(cashier, hotel)
    clock.now = datetime(2026, 11, 24, 5, 0)
    pay(cashier, november["id"], "upi", 5_000, "UPI-9001")

    response = cashier.get(f"{API}/{hotel}/statement?from=2026-11-01&to=2026-11-20")
    assert response.status_code == 200, response.get_json()
    statement = response.get_json()
    entries = list(CustomerLedgerEntry.select().where(CustomerLedgerEntry.customer == Customer.get(
        Customer.code == HOTEL.code)))
    assert statement["opening_paise"] == sum(e.amount_paise for e in entries if local_day(e.at) < date(2026, 11, 1))
    assert statement["closing_paise"] == sum(e.amount_paise for e in entries if local_day(e.at) <= date(2026, 11, 20))
    assert statement["opening_paise"] == october["total_paise"]
    assert [(line["date"], line["kind"], line["reference"], line["amount_paise"]) for line in statement["lines"]] == [
        ("2026-11-01", "payment", october["number"], -10_000),
        ("2026-11-20", "invoice", november["number"], november["total_paise"]),
    ], "the payment at 00:30 IST on 1 Nov belongs to November; the 24 Nov payment is after the period"
    running = statement["opening_paise"]
    for line in statement["lines"]:
        running += line["amount_paise"]
        assert line["balance_paise"] == running
    assert statement["closing_paise"] == running
    assert (statement["debits_paise"], statement["credits_paise"]) == (november["total_paise"], 10_000)
    assert statement["lines"][0]["local_at"] == "2026-11-01T00:30:00+05:30"

    whole = cashier.get(f"{API}/{hotel}/statement?from=2026-10-01&to=2026-11-30").get_json()
    assert (whole["opening_paise"], whole["closing_paise"]) == (0, sum(e.amount_paise for e in entries))
    assert whole["closing_paise"] == cashier.get(f"{API}/{hotel}").get_json()["balance_paise"]

    payments = cashier.get(f"{API}/{hotel}/payments").get_json()
    assert [(p["method"], p["amount_paise"], p["reference"], p["invoice_number"], p["date"])
            for p in payments["items"]] == [
        ("upi", 5_000, "UPI-9001", november["number"], "2026-11-24"),
        ("cash", 10_000, "", october["number"], "2026-11-01"),
    ], "newest first; sales put on credit are not payments"
    assert payments["total"] == 2

    reversed_period = cashier.get(f"{API}/{hotel}/statement?from=2026-11-30&to=2026-11-01")
    assert reversed_period.status_code == 400 and reversed_period.get_json()["error"]["field"] == "to"
    bad_day = cashier.get(f"{API}/{hotel}/statement?from=2026-13-01")
    assert bad_day.status_code == 400 and bad_day.get_json()["error"]["field"] == "from"
    assert cashier.get(f"{API}/not-a-customer/statement").status_code == 404


def test_goods_returned_on_account_close_the_invoice_for_deletion(login: Callable[[str], FlaskClient]) -> None:
    cashier, manager = login("cashier"), login("manager")
    hotel = uuid_of(HOTEL.code)
    sale = credit_sale(cashier, hotel)
    assert manager.delete(f"{API}/{hotel}", json={}).status_code == 409
    note = post(manager, f"/api/v1/invoices/{sale['id']}/returns", {
        "reason": "damaged case", "lines": [{"line_no": 1, "quantity_milli": 1000}]}, status=201)
    assert note["total_paise"] == sale["total_paise"]
    view = manager.get(f"{API}/{hotel}").get_json()
    assert (view["balance_paise"], view["open_invoices"]) == (0, []), "the credit note settles the invoice"
    statement = manager.get(f"{API}/{hotel}/statement").get_json()
    assert [(line["kind"], line["reference"]) for line in statement["lines"]] == [
        ("invoice", sale["number"]), ("credit_note", note["number"])]
    assert manager.delete(f"{API}/{hotel}", json={}).get_json()["outcome"] == "deactivated"
