"""Reports over REST: who may read them, JSON and CSV of each, formula-looking cells escaped, the OpenAPI
document, refusals; and ``python -m edge rebuild-summaries``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.services import after_sale, carts, checkout, report_summaries
from edge.services.context import ServiceContext
from edge.store.models import REPORT_MODELS, Customer, CustomerType, Product, RateTier, User
from tests.conftest import FakeClock, release
from tests.integration.test_cli import edge

PERIOD = "from=2026-11-01&to=2026-11-30"
ROUTES = ("dashboard", "revenue", "trend", "invoice-status", "receivables", "customers", "customer-types",
          "products", "categories", "payments", "invoice-register", "gst", "gst/b2b", "gst/b2cl", "gst/b2cs",
          "gst/cdnr", "gst/cdnur", "gst/nil", "gst/hsn", "gst/rates", "gst/documents", "gst/amendments")
TRICKY_NAME = '=HYPERLINK("http://evil.example","click")'


def _sell(ctx: ServiceContext, customer: Customer | None, quantity: str, pay: bool = True) -> dict[str, Any]:
    manager = User.get(User.username == "manager")
    cart = carts.open_cart(ctx, manager, "T1")
    product = Product.select().where(Product.base_unit == "piece").order_by(Product.id).first()
    if customer is not None:
        carts.set_terms(ctx, manager, str(cart.uuid), {"customer_id": str(customer.uuid)})
    carts.add_product(ctx, manager, str(cart.uuid), str(product.uuid), None, quantity)
    total = carts.view_cart(ctx, manager, str(cart.uuid))["total_paise"]
    return checkout.checkout(ctx, manager, str(cart.uuid), [{"method": "upi", "amount_paise": total}] if pay else [])


@pytest.fixture
def sales(demo_ctx: ServiceContext, clock: FakeClock) -> dict[str, Any]:
    """A few sales in November 2026, one to a customer whose name looks like a formula, one returned."""
    clock.now = datetime(2026, 11, 10, 6, 0)
    tricky = Customer.create(code="C0999", name=TRICKY_NAME, customer_type=CustomerType.get(code="retail"),
                             rate_tier=RateTier.get(code="counter"), billing_state_code="27",
                             shipping_state_code="27", credit_limit_paise=0)
    first = _sell(demo_ctx, tricky, "3", pay=False)
    second = _sell(demo_ctx, None, "2")
    manager = User.get(User.username == "manager")
    after_sale.return_items(demo_ctx, manager, second["id"], {1: 1000}, "damaged", "upi")
    clock.now = datetime(2026, 11, 24, 6, 0)
    return {"tricky": tricky, "unpaid": first, "returned": second}


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_only_managers_and_admins_read_reports(login: Callable[[str], FlaskClient], sales: dict[str, Any]) -> None:
    for role in ("cashier", "hr", "employee"):
        assert login(role).get(f"/api/v1/reports/dashboard?{PERIOD}").status_code == 403
    assert login("admin").get(f"/api/v1/reports/dashboard?{PERIOD}").status_code == 200
    anonymous = login("manager").application.test_client()
    assert anonymous.get("/api/v1/reports/revenue").status_code == 401


def test_every_report_answers_json_and_csv(login: Callable[[str], FlaskClient], sales: dict[str, Any]) -> None:
    manager = login("manager")
    for route in ROUTES:
        response = manager.get(f"/api/v1/reports/{route}?{PERIOD}")
        assert response.status_code == 200, (route, response.get_json())
        assert response.is_json
        table = _rows(manager.get(f"/api/v1/reports/{route}?{PERIOD}&format=csv"))
        assert table and table[0], route
    customer = str(sales["tricky"].uuid)
    statement = _rows(manager.get(f"/api/v1/reports/customers/{customer}/statement?{PERIOD}&format=csv"))
    assert [row[1] for row in statement[1:]] == ["opening balance", "invoice", "closing balance"]
    assert statement[-1][-1] == f"{sales['unpaid']['total_paise'] / 100:.2f}"


def test_dashboard_figures(login: Callable[[str], FlaskClient], sales: dict[str, Any]) -> None:
    body = login("manager").get(f"/api/v1/reports/dashboard?{PERIOD}").get_json()
    period = body["revenue"]["period"]
    returned, unpaid = sales["returned"], sales["unpaid"]
    assert period["invoices"] == 2 and period["credit_notes"] == 1
    assert period["gross_sales_paise"] == returned["taxable_paise"] + unpaid["taxable_paise"]
    assert period["net_billed_paise"] < returned["total_paise"] + unpaid["total_paise"]
    assert body["revenue"]["today"]["invoices"] == 0, "nothing sold on 24 November"
    statuses = {row["status"]: row["invoices"] for row in body["invoice_status"]}
    assert statuses["overdue"] == 0 and statuses["issued"] == 1 and statuses["partially_paid"] == 1
    owed = {row["bucket"]: row["balance_paise"] for row in body["receivables"]["buckets"]}
    assert owed["not_due"] == unpaid["total_paise"], "a customer's unpaid bill is due 30 days after 10 November"
    assert {row["name"] for row in body["customers"]} == {TRICKY_NAME, "Walk-in (no customer account)"}
    assert {row["method"] for row in body["payments"]} == {"upi"}
    assert body["trend"][-1]["period"] == "2026-11"


def test_csv_cells_that_look_like_formulas_are_escaped_and_money_is_in_rupees(
        login: Callable[[str], FlaskClient], sales: dict[str, Any]) -> None:
    table = _rows(login("manager").get(f"/api/v1/reports/customers?{PERIOD}&format=csv"))
    header, rows = table[0], table[1:]
    names = [row[header.index("Customer")] for row in rows]
    assert "'" + TRICKY_NAME in names and TRICKY_NAME not in names
    net = [row[header.index("Net sales (taxable)")] for row in rows]
    assert all("." in value and value.replace(".", "").replace("-", "").isdigit() for value in net)
    register = _rows(login("manager").get(f"/api/v1/reports/invoice-register?{PERIOD}&format=csv"))
    assert len(register) == 3
    balance = {row[0]: row[register[0].index("Balance")] for row in register[1:]}
    assert balance[sales["unpaid"]["number"]] == f"{sales['unpaid']['total_paise'] / 100:.2f}"


def test_openapi_lists_every_report_with_roles_and_csv(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for route in ("dashboard", "revenue", "gst/{section}", "invoice-register", "customers/{customer_id}/statement"):
        operation = paths[f"/api/v1/reports/{route}"]["get"]
        assert operation["x-roles"] == ["admin", "manager"]
        assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
        assert "format" in {parameter["name"] for parameter in operation["parameters"]}


@pytest.mark.parametrize(("query", "field", "code"), [
    ("format=xml", "format", None),
    ("from=2026-11-30&to=2026-11-01", "to", "period_reversed"),
    ("from=2020-01-01&to=2026-11-01", "from", "period_too_long"),
    ("from=yesterday", "from", None),
    ("till=T9", "till", "unknown_till"),
    ("cashier=nobody", "cashier", "unknown_cashier"),
    ("from=0001-01-09&to=0001-01-09", "from", "bad_date"),
])
def test_bad_parameters_are_refused_naming_the_field(login: Callable[[str], FlaskClient], query: str, field: str,
                                                     code: str | None) -> None:
    response = login("manager").get(f"/api/v1/reports/revenue?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and (code is None or error["code"] == code)


def test_huge_numbers_are_refused_not_passed_to_the_database(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    for query in ("products?limit=100000000000000000000000", "invoice-register?page=100000000000000000000000"):
        response = manager.get(f"/api/v1/reports/{query}")
        assert response.status_code == 400 and response.get_json()["error"]["field"] in ("limit", "page")


def test_unknown_gst_section_is_refused(login: Callable[[str], FlaskClient]) -> None:
    response = login("manager").get(f"/api/v1/reports/gst/b2x?{PERIOD}")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "section"


def test_rebuild_summaries_command_recomputes_them(demo_ctx: ServiceContext, sales: dict[str, Any]) -> None:
    kept = report_summaries.summary_rows(demo_ctx.db)
    for model in REPORT_MODELS:
        model.delete().execute()
    assert not any(report_summaries.summary_rows(demo_ctx.db).values())
    demo_ctx.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    data_dir = Path(str(demo_ctx.db.database)).parent
    release(demo_ctx)
    result = edge(data_dir, "rebuild-summaries")
    assert result.returncode == 0, result.stderr
    assert "report summaries rebuilt" in result.stdout and "November 2026" in result.stdout
    assert report_summaries.summary_rows(demo_ctx.db) == kept


def test_a_correction_within_the_month_is_in_it_and_one_a_month_later_is_an_amendment(
        login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock) -> None:
    from edge.store.models import ProductGstRate

    manager = User.get(User.username == "manager")
    eighteen = Product.select().join(ProductGstRate).where(
        (ProductGstRate.rate_bp == 1800) & (Product.base_unit == "piece")).order_by(Product.id).first()
    five = Product.select().join(ProductGstRate).where(
        (ProductGstRate.rate_bp == 500) & (Product.base_unit == "piece")).order_by(Product.id).first()

    def walk_in_bill() -> dict[str, Any]:
        cart = carts.open_cart(demo_ctx, manager, "T1")
        for product in (eighteen, five):
            carts.add_product(demo_ctx, manager, str(cart.uuid), str(product.uuid), None, "1")
        total = carts.view_cart(demo_ctx, manager, str(cart.uuid))["total_paise"]
        return checkout.checkout(demo_ctx, manager, str(cart.uuid), [{"method": "cash", "amount_paise": total}])

    company = {"name": "Sagar Stores Pvt Ltd", "gstin": "29AABCS1429B1ZQ", "state_code": "29"}
    clock.now = datetime(2026, 1, 10, 6, 0)
    late = walk_in_bill()
    clock.now = datetime(2026, 1, 12, 6, 0)
    early = walk_in_bill()
    clock.now = datetime(2026, 1, 20, 6, 0)
    early_revised = after_sale.correct_buyer(demo_ctx, manager, early["id"], company, "GST bill asked the same month")
    clock.now = datetime(2026, 2, 5, 6, 0)
    late_revised = after_sale.correct_buyer(demo_ctx, manager, late["id"], company, "GST bill asked a month later")
    assert (late["supply"], late_revised["supply"]) == ("intra", "inter") and late_revised["igst_paise"] > 0
    client = login("manager")

    def gst(first: str, last: str) -> dict[str, Any]:
        body = client.get(f"/api/v1/reports/gst?from={first}&to={last}").get_json()
        assert len(body["registrations"]) == 1
        return body["registrations"][0]

    january, february = gst("2026-01-01", "2026-01-31"), gst("2026-02-01", "2026-02-28")
    assert {row["invoice_number"] for row in january["b2b"]} == {early["number"]}, "revised within January"
    assert (january["b2b"][0]["buyer_gstin"], january["b2b"][0]["place_of_supply"]) == (company["gstin"],
                                                                                         "29-Karnataka")
    assert sum(row["igst_paise"] for row in january["b2b"]) == early_revised["igst_paise"]
    assert [item["reason"] for item in january["b2b"][0]["revisions"]] == ["GST bill asked the same month"]
    assert sum(row["taxable_paise"] for row in january["b2cs"]) == late["taxable_paise"], "as it stood on 31 Jan"
    assert january["totals"]["supplies"]["cgst_paise"] == late["cgst_paise"]
    assert january["totals"]["supplies"]["igst_paise"] == early_revised["igst_paise"]
    assert january["amendments"] == [] and february["b2b"] == [] and february["b2cs"] == []
    [amendment] = february["amendments"]
    assert (amendment["invoice_number"], amendment["kind"], amendment["section_before"],
            amendment["section_after"]) == (late["number"], "revision", "b2cs", "b2b")
    assert (amendment["cgst_difference_paise"], amendment["sgst_difference_paise"],
            amendment["igst_difference_paise"]) == (-late["cgst_paise"], -late["sgst_paise"],
                                                    late_revised["igst_paise"])
    liability = february["totals"]["liability"]
    assert (liability["cgst_paise"], liability["sgst_paise"], liability["igst_paise"]) == (
        -late["cgst_paise"], -late["sgst_paise"], late_revised["igst_paise"])
    csv_rows = _rows(client.get("/api/v1/reports/gst/amendments?from=2026-02-01&to=2026-02-28&format=csv"))
    assert csv_rows[1][csv_rows[0].index("CGST difference")] == f"{-late['cgst_paise'] / 100:.2f}"
