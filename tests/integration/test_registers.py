"""A till's cash drawer through the day, and the Z-report that closes it."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.integration.test_after_sale import sell
from tests.integration.test_sale import CASE, post


def test_a_day_at_the_till_ends_with_the_over_or_short(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    opened = post(cashier, "/api/v1/tills/T1/register/open", {"opening_float_paise": 200_000}, status=201)
    assert (opened["status"], opened["expected_cash_paise"]) == ("open", 200_000)
    again = cashier.post("/api/v1/tills/T1/register/open", json={"opening_float_paise": 0})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "register_open"
    cash_sale = sell(cashier, [str(CASE.barcode)])
    upi_sale = sell(cashier, [str(CASE.barcode)], [])
    post(cashier, f"/api/v1/invoices/{upi_sale['id']}/payments",
         {"method": "upi", "amount_paise": upi_sale["total_paise"], "reference": "UPI-9"}, status=201)
    post(cashier, "/api/v1/tills/T1/register/cash", {"kind": "pay_out", "amount_paise": 5_000,
                                                     "reason": "tea for the staff"}, status=201)
    too_much = cashier.post("/api/v1/tills/T1/register/cash",
                            json={"kind": "pay_out", "amount_paise": 10**9, "reason": "oops"})
    assert too_much.status_code == 400 and too_much.get_json()["error"]["code"] == "not_enough_cash"
    expected = 200_000 + cash_sale["total_paise"] - 5_000
    assert cashier.get("/api/v1/tills/T1/register").get_json()["expected_cash_paise"] == expected
    closed = post(cashier, "/api/v1/tills/T1/register/close", {"counted_cash_paise": expected - 1_000})
    assert (closed["status"], closed["over_short_paise"]) == ("closed", -1_000)
    assert cashier.get("/api/v1/tills/T1/register").get_json() is None
    assert cashier.get("/api/v1/tills/T1/z-report").status_code == 403, "the Z-report is for managers"
    report = login("manager").get("/api/v1/tills/T1/z-report", query_string={"date": "2026-11-24"}).get_json()
    assert report["invoices"] == 2
    assert report["total_paise"] == cash_sale["total_paise"] + upi_sale["total_paise"]
    assert {(p["method"], p["amount_paise"]) for p in report["payments"]} == {
        ("cash", cash_sale["total_paise"]), ("upi", upi_sale["total_paise"])}
    assert sum(row["taxable_paise"] for row in report["by_rate"]) == report["taxable_paise"]
    assert [r["over_short_paise"] for r in report["registers"]] == [-1_000]
    empty_day = login("manager").get("/api/v1/tills/T1/z-report", query_string={"date": "2026-11-23"}).get_json()
    assert (empty_day["invoices"], empty_day["total_paise"]) == (0, 0)


def test_cash_moves_need_an_open_register_and_a_reason(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    closed = cashier.post("/api/v1/tills/T2/register/cash", json={"kind": "pay_in", "amount_paise": 100, "reason": "x"})
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "register_closed"
    post(cashier, "/api/v1/tills/T2/register/open", {"opening_float_paise": 0}, status=201)
    blank = cashier.post("/api/v1/tills/T2/register/cash", json={"kind": "pay_in", "amount_paise": 100, "reason": " "})
    assert blank.status_code == 400 and blank.get_json()["error"]["field"] == "reason"
    bad_date = login("manager").get("/api/v1/tills/T2/z-report", query_string={"date": "24/11/2026"})
    assert bad_date.status_code == 400 and bad_date.get_json()["error"]["field"] == "date"
