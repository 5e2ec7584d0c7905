"""After the bill: a GST bill asked for later (revisions), returns as credit notes, refunds, cancellation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.store.models import Customer, CustomerLedgerEntry, Invoice, Outbox
from tests.integration.test_sale import CASE, OTHER_STATE_B2B, PIECE_ITEM, cart_of, post


@pytest.fixture
def manager(login: Callable[[str], FlaskClient]) -> FlaskClient:
    """The demo manager, logged in."""
    return login("manager")


def sell(client: FlaskClient, codes: list[str], payments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Scan codes and check out; the post-sale summary."""
    cart = cart_of(client)
    for code in codes:
        cart = post(client, f"/api/v1/carts/{cart['id']}/scan", {"code": code})
    if payments == []:
        return post(client, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    paid = payments or [{"method": "cash", "amount_paise": cart["total_paise"]}]
    return post(client, f"/api/v1/carts/{cart['id']}/checkout", {"payments": paid}, status=201)


def test_gst_bill_for_an_other_state_company_a_week_later_re_taxes_and_keeps_history(manager: FlaskClient) -> None:
    sale = sell(manager, [str(CASE.barcode), str(PIECE_ITEM.units[0].barcode)])
    assert sale["supply"] == "intra" and sale["buyer"]["gstin"] is None
    response = manager.post(f"/api/v1/invoices/{sale['id']}/corrections", json={
        "reason": "customer asked for a GST bill", "name": OTHER_STATE_B2B.legal_name or OTHER_STATE_B2B.name,
        "gstin": OTHER_STATE_B2B.gstin, "state_code": OTHER_STATE_B2B.billing_state_code,
        "address": OTHER_STATE_B2B.address,
    })
    assert response.status_code == 201, response.get_json()
    revised = response.get_json()
    assert (revised["revision"], revised["supply"], revised["number"]) == (1, "inter", sale["number"])
    assert revised["buyer"]["gstin"] == OTHER_STATE_B2B.gstin
    assert revised["taxable_paise"] == sale["taxable_paise"], "the same taxable values"
    assert revised["cgst_paise"] == revised["sgst_paise"] == 0 and revised["igst_paise"] > 0
    assert abs(revised["igst_paise"] - (sale["cgst_paise"] + sale["sgst_paise"])) <= len(sale["lines"])
    assert [line["taxable_paise"] for line in revised["lines"]] == [line["taxable_paise"] for line in sale["lines"]]
    history = manager.get(f"/api/v1/invoices/{sale['id']}/revisions").get_json()["items"]
    assert [(h["revision"], h["reason"], h["changed_by"]) for h in history] == [
        (1, "customer asked for a GST bill", "manager")]
    assert history[0]["before"]["supply"] == "intra" and history[0]["before"]["cgst_paise"] == sale["cgst_paise"]
    assert history[0]["after"]["supply"] == "inter"
    assert Outbox.select().where(Outbox.type == "invoice.revised").count() == 1


def test_a_correction_needs_a_reason_a_valid_gstin_and_a_manager(
    manager: FlaskClient, login: Callable[[str], FlaskClient]
) -> None:
    sale = sell(manager, [str(CASE.barcode)])
    path = f"/api/v1/invoices/{sale['id']}/corrections"
    bad = manager.post(path, json={"reason": "typo", "gstin": "27AAPFU0939F1ZX"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_gstin_check"
    empty = manager.post(path, json={"reason": " ", "name": "X"})
    assert empty.status_code == 400 and empty.get_json()["error"]["field"] == "reason"
    assert login("cashier").post(path, json={"reason": "r", "name": "X"}).status_code == 403
    assert Invoice.get(Invoice.number == sale["number"]).revision == 0


def test_partial_return_with_a_cash_refund_then_the_rest(manager: FlaskClient) -> None:
    barcode = str(PIECE_ITEM.units[0].barcode)
    sale = sell(manager, [barcode, barcode, barcode])
    line = sale["lines"][0]
    assert line["quantity_milli"] == 3000
    path = f"/api/v1/invoices/{sale['id']}/returns"
    first = post(manager, path, {"reason": "damaged packet", "lines": [{"line_no": 1, "quantity_milli": 1000}],
                                 "refund_method": "cash"}, status=201)
    assert first["number"] == "T1C/2627/000001"
    assert first["refund"]["amount_paise"] == -first["total_paise"] and first["refund"]["kind"] == "refund"
    rest = post(manager, path, {"reason": "customer changed mind", "lines": [{"line_no": 1, "quantity_milli": 2000}]},
                status=201)
    assert rest["number"] == "T1C/2627/000002"
    assert first["taxable_paise"] + rest["taxable_paise"] == line["taxable_paise"]
    too_many = manager.post(path, json={"reason": "again", "lines": [{"line_no": 1, "quantity_milli": 1000}]})
    assert too_many.status_code == 400 and too_many.get_json()["error"]["code"] == "return_exceeds_sold"
    summary = manager.get(f"/api/v1/invoices/{sale['id']}").get_json()
    assert summary["paid_paise"] == sale["total_paise"] - first["total_paise"]


def test_cancel_needs_the_money_back_first_and_keeps_the_number(
    manager: FlaskClient, login: Callable[[str], FlaskClient]
) -> None:
    sale = sell(manager, [str(CASE.barcode)])
    path = f"/api/v1/invoices/{sale['id']}/cancel"
    assert login("cashier").post(path, json={"reason": "wrong bill"}).status_code == 403
    refused = manager.post(path, json={"reason": "wrong bill"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "refund_first"
    post(manager, f"/api/v1/invoices/{sale['id']}/refunds", {"method": "cash", "amount_paise": sale["total_paise"]},
         status=201)
    cancelled = post(manager, path, {"reason": "wrong bill"})
    assert cancelled["status"] == "cancelled"
    again = manager.post(path, json={"reason": "wrong bill"})
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "already_cancelled"
    assert Invoice.get(Invoice.number == sale["number"]).cancel_reason == "wrong bill"
    next_sale = sell(manager, [str(CASE.barcode)])
    assert next_sale["number"].endswith("000002"), "a cancelled number is never reused"


def test_returns_and_cancellation_keep_a_customers_balance_right(manager: FlaskClient) -> None:
    customer = Customer.get(Customer.code == OTHER_STATE_B2B.code)
    cart = cart_of(manager)
    cart = post(manager, f"/api/v1/carts/{cart['id']}/scan", {"code": str(PIECE_ITEM.units[0].barcode)})
    cart = post(manager, f"/api/v1/carts/{cart['id']}/scan", {"code": str(PIECE_ITEM.units[0].barcode)})
    manager.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": str(customer.uuid)})
    sale = post(manager, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)

    def balance() -> int:
        return sum(e.amount_paise for e in CustomerLedgerEntry.select().where(CustomerLedgerEntry.customer == customer))

    assert balance() == sale["total_paise"]
    note = post(manager, f"/api/v1/invoices/{sale['id']}/returns",
                {"reason": "one short", "lines": [{"line_no": 1, "quantity_milli": 1000}]}, status=201)
    assert note["refund"] is None
    assert balance() == sale["total_paise"] - note["total_paise"]
    post(manager, f"/api/v1/invoices/{sale['id']}/cancel", {"reason": "order cancelled"})
    assert balance() == 0


def test_a_cashier_finds_the_days_bills_of_a_till_newest_first(login: Callable[[str], FlaskClient]) -> None:
    """The till's bills of the day, newest first, with what is paid and due: only that till's, only that day's;
    an unknown till or a bad date is refused by name."""
    cashier = login("cashier")
    first = sell(cashier, [str(PIECE_ITEM.units[0].barcode)])
    due = sell(cashier, [str(CASE.barcode)], payments=[])
    cart = cart_of(cashier, "T2")
    post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": str(CASE.barcode)})
    post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)  # another till's bill
    answer = cashier.get("/api/v1/tills/t1/invoices")
    assert answer.status_code == 200, answer.get_json()
    rows = answer.get_json()["rows"]
    assert [(row["number"], row["status"], row["balance_paise"]) for row in rows] == [
        (due["number"], "issued", due["total_paise"]), (first["number"], "paid", 0)]
    assert {row["till"] for row in rows} == {"T1"}
    assert cashier.get("/api/v1/tills/T1/invoices?date=2026-11-23").get_json()["rows"] == []
    unknown = cashier.get("/api/v1/tills/T9/invoices")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["field"] == "till"
    bad = cashier.get("/api/v1/tills/T1/invoices?date=23-11-2026")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "date"
