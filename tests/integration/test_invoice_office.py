"""What the back office's invoice page and customer page read: a cancelled invoice says when, why and by whom;
an invoice's e-mails with their queued / sent state (sent at once when the SMTP server answers); one customer's
invoices from the invoice register, as JSON pages and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.services.context import ServiceContext
from edge.services.mailer import send_queued
from edge.services.receipts import EMAIL_QUEUED_TOPIC
from edge.store.models import Customer
from tests.integration.test_after_sale import sell
from tests.integration.test_mailer import Inbox, configure, smtp  # noqa: F401  (fixture)
from tests.integration.test_sale import CASE, OTHER_STATE_B2B, PIECE_ITEM, cart_of, post


@pytest.fixture
def manager(login: Callable[[str], FlaskClient]) -> FlaskClient:
    """The demo manager, logged in."""
    return login("manager")


def bill_to(client: FlaskClient, customer: Customer, till: str = "T1") -> dict[str, Any]:
    """A sale to a customer with nothing paid (all on account)."""
    cart = cart_of(client, till)
    cart = post(client, f"/api/v1/carts/{cart['id']}/scan", {"code": str(PIECE_ITEM.units[0].barcode)})
    assert client.patch(f"/api/v1/carts/{cart['id']}", json={"customer_id": str(customer.uuid)}).status_code == 200
    return post(client, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)


def test_a_cancelled_invoice_says_when_why_and_who(manager: FlaskClient, login: Callable[[str], FlaskClient]) -> None:
    sale = sell(manager, [str(CASE.barcode)], payments=[])
    assert sale["cancellation"] is None and sale["balance_due_paise"] == sale["total_paise"]
    path = f"/api/v1/invoices/{sale['id']}/cancel"
    refused = login("cashier").post(path, json={"reason": "typed twice"})
    assert refused.status_code == 403, "cancelling is a manager's"
    blank = manager.post(path, json={"reason": ""})
    assert blank.status_code == 400 and blank.get_json()["error"]["field"] == "reason"
    cancelled = post(manager, path, {"reason": "typed twice"})
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation"]["reason"] == "typed twice"
    assert cancelled["cancellation"]["by"] == "manager"
    assert cancelled["cancellation"]["at"].startswith("2026-11-24T06:00")
    shown = manager.get(f"/api/v1/invoices/{sale['id']}").get_json()
    assert shown["cancellation"] == cancelled["cancellation"]


def test_a_paid_invoice_is_not_cancelled_and_the_api_says_why(manager: FlaskClient) -> None:
    sale = sell(manager, [str(CASE.barcode)])
    refused = manager.post(f"/api/v1/invoices/{sale['id']}/cancel", json={"reason": "wrong bill"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("refund the ₹")
    assert manager.get(f"/api/v1/invoices/{sale['id']}").get_json()["cancellation"] is None


def test_an_invoices_emails_show_queued_then_sent(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, smtp: tuple[Inbox, int]  # noqa: F811
) -> None:
    inbox, port = smtp
    cashier = login("cashier")
    sale = sell(cashier, [str(CASE.barcode)])
    emails = f"/api/v1/invoices/{sale['id']}/emails"
    assert cashier.get(emails).get_json() == {"items": []}
    woken: list[dict[str, Any]] = []
    demo_ctx.bus.subscribe(EMAIL_QUEUED_TOPIC, lambda _topic, payload: woken.append(payload))
    queued = post(cashier, f"/api/v1/invoices/{sale['id']}/email", {"to": "buyer@example.in"}, status=202)
    assert [event["message"] for event in woken] == [queued["id"]], "the mail job is woken at once"
    items = cashier.get(emails).get_json()["items"]
    assert [(i["id"], i["to"], i["status"], i["sent_at"]) for i in items] == [
        (queued["id"], "buyer@example.in", "queued", None)]
    configure(demo_ctx, port)
    assert send_queued(demo_ctx)["sent"] == 1
    [sent] = cashier.get(emails).get_json()["items"]
    assert sent["status"] == "sent" and sent["sent_at"].startswith("2026-11-24T06:00")
    assert [recipients for recipients, _ in inbox.messages] == [["buyer@example.in"]]
    other = sell(cashier, [str(CASE.barcode)])
    assert cashier.get(f"/api/v1/invoices/{other['id']}/emails").get_json() == {"items": []}, "only its own"
    missing = cashier.get("/api/v1/invoices/not-an-id/emails")
    assert missing.status_code == 404 and missing.get_json()["error"]["field"] == "invoice_id"


def test_the_invoice_register_of_one_customer_as_json_and_csv(manager: FlaskClient) -> None:
    customer = Customer.get(Customer.code == OTHER_STATE_B2B.code)
    first, second = bill_to(manager, customer), bill_to(manager, customer)
    sell(manager, [str(CASE.barcode)])  # walk-in: not theirs
    register = "/api/v1/reports/invoice-register"
    page = manager.get(register, query_string={"customer": str(customer.uuid), "order": "newest"}).get_json()
    assert [row["number"] for row in page["rows"]] == [second["number"], first["number"]]
    assert page["customer"] == {"id": str(customer.uuid), "code": customer.code, "name": customer.name}
    assert {row["status"] for row in page["rows"]} == {"issued"}
    by_code = manager.get(register, query_string={"customer": customer.code}).get_json()
    assert [row["number"] for row in by_code["rows"]] == [first["number"], second["number"]]
    answer = manager.get(register, query_string={"customer": customer.code, "format": "csv"})
    assert answer.status_code == 200
    assert f'filename="invoice-register-{customer.code}-' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["Invoice"] for row in rows] == [first["number"], second["number"]]
    unknown = manager.get(register, query_string={"customer": "C9999"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "customer"
    wrong_order = manager.get(register, query_string={"order": "oldest"})
    assert wrong_order.status_code == 400 and wrong_order.get_json()["error"]["field"] == "order"
