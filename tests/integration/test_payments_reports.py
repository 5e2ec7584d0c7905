"""Gateway payments reach the reports: a UPI payment the gateway settles counts in the dashboard's payments by
method and takes the invoice out of what is owed, as a cash payment does."""

from __future__ import annotations

from flask.testing import FlaskClient

from edge.payments.simulator import GatewaySimulator
from tests.integration.payments_support import deliver, invoice_of, start, unpaid_invoice


def test_a_upi_payment_through_the_gateway_counts_in_payments_by_method_and_leaves_nothing_owed(
    cashier_client: FlaskClient, manager_client: FlaskClient, simulator: GatewaySimulator
) -> None:
    invoice = unpaid_invoice(cashier_client, cases=1)
    total = invoice["total_paise"]
    before = manager_client.get("/api/v1/reports/dashboard").get_json()
    assert before["receivables"]["total_paise"] >= total, "the unpaid bill is owed"
    upi = start(cashier_client, invoice, method="upi", amount_paise=total)
    simulator.customer_pays(upi["transaction_id"])
    deliver(cashier_client, simulator)
    assert invoice_of(cashier_client, invoice)["status"] == "paid"

    after = manager_client.get("/api/v1/reports/dashboard").get_json()
    methods = {row["method"]: row for row in after["payments"]}
    assert methods["upi"]["paid_paise"] - {r["method"]: r for r in before["payments"]}.get(
        "upi", {"paid_paise": 0})["paid_paise"] == total
    assert before["receivables"]["total_paise"] - after["receivables"]["total_paise"] == total
    paid = {row["status"]: row for row in after["invoice_status"]}["paid"]
    assert paid["invoices"] == {row["status"]: row for row in before["invoice_status"]}["paid"]["invoices"] + 1
