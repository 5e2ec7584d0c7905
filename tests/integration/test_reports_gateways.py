"""Money a gateway takes or gives back reaches the report summaries like cash does: payments by method, the
invoice's receivable, and the same rows a rebuild makes."""

from __future__ import annotations

from flask.testing import FlaskClient

from edge.payments.simulator import GatewaySimulator
from edge.services import report_summaries
from edge.services.context import ServiceContext
from edge.store.db import write_transaction
from tests.integration.payments_support import deliver, start, unpaid_invoice


def test_a_gateway_card_payment_and_its_refund_are_in_the_payment_report(
    cashier_client: FlaskClient, manager_client: FlaskClient, simulator: GatewaySimulator, demo_ctx: ServiceContext
) -> None:
    invoice = unpaid_invoice(cashier_client)
    owed = manager_client.get("/api/v1/reports/receivables").get_json()
    assert owed["total_paise"] == invoice["total_paise"], "unpaid at the till"
    paid = start(cashier_client, invoice, method="card", flow="online", amount_paise=invoice["total_paise"],
                 payment_method="pm_card_visa")
    assert paid["state"] == "succeeded"
    methods = {row["method"]: row for row in manager_client.get("/api/v1/reports/payments").get_json()["rows"]}
    assert (methods["card"]["payments"], methods["card"]["paid_paise"]) == (1, invoice["total_paise"])
    assert manager_client.get("/api/v1/reports/receivables").get_json()["total_paise"] == 0
    assert manager_client.post(f"/api/v1/gateway-payments/{paid['id']}/refund", json={}).status_code == 200
    deliver(cashier_client, simulator)  # the gateway's own refund event: recorded once
    methods = {row["method"]: row for row in manager_client.get("/api/v1/reports/payments").get_json()["rows"]}
    assert (methods["card"]["refunds"], methods["card"]["refunded_paise"], methods["card"]["net_paise"]) == (
        1, invoice["total_paise"], 0)
    kept = report_summaries.summary_rows(demo_ctx.db)
    with write_transaction(demo_ctx.db):
        report_summaries.rebuild(demo_ctx.db, "Asia/Kolkata")
    assert report_summaries.summary_rows(demo_ctx.db) == kept
