"""The invoice page's cancel and e-mail, a customer's invoices and the reports API's CSV downloads, in Chromium
against the real daemon (its own, sending mail through a real SMTP server on loopback): what a manager and a
cashier see and do, checked against the API and the mailbox."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import PageErrors, log_in
from tests.e2e.test_back_office import Api, sell, shot
from tests.e2e.test_kiosk import plain, rupees
from tests.integration.test_daemon import Daemon
from tests.integration.test_mailer import Inbox
from tests.servers import free_port, wait_until

SMTP_PORT = free_port()
KIOSK_ENV = {  # the module's daemon (conftest `kiosk`) mails through the test's SMTP server
    "POS_EMAIL_SMTP_HOST": "127.0.0.1", "POS_EMAIL_SMTP_PORT": str(SMTP_PORT), "POS_EMAIL_SECURITY": "none",
    "POS_EMAIL_FROM_ADDRESS": "billing@store.example",
}


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    """The real SMTP server the daemon sends to (aiosmtpd), up before any e-mail is queued."""
    mailbox = Inbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture(scope="module")
def manager_api(kiosk: Daemon) -> Api:
    return Api(kiosk, "manager")


def downloaded_rows(page: Page, link: Any) -> tuple[str, list[list[str]]]:
    """Click a download link; the file's name and its CSV rows."""
    with page.expect_download() as info:
        link.click()
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    return info.value.suggested_filename, list(csv.reader(io.StringIO(text)))


def test_manager_cancels_an_unpaid_invoice_and_page_and_api_agree(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    unpaid = sell(manager_api, "T2", "tea", paid_paise=0)
    paid = sell(manager_api, "T2", "rice")
    page = page_errors.watch(context.new_page())

    # A paid invoice: the API's refusal shows as it says it, in the dialog; nothing changes.
    log_in(page, f"/office/invoices/{paid['id']}", "manager")
    page.get_by_role("button", name="Cancel invoice…").click()
    dialog = page.get_by_role("dialog", name=f"Cancel invoice {paid['number']}")
    expect(dialog.get_by_label("Reason")).to_be_focused()
    page.keyboard.type("wrong bill")
    page.keyboard.press("Enter")
    expect(dialog.get_by_test_id("form-error")).to_have_text(
        f"refund the {rupees(paid['paid_paise'])} paid before cancelling this invoice")
    expect(dialog.get_by_label("Reason")).to_have_value("wrong bill")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(page.get_by_test_id("cancellation")).to_have_count(0)

    # The unpaid one: a reason is required (under the field), then it is cancelled from the keyboard.
    page.goto(f"/office/invoices/{unpaid['id']}")
    page.get_by_role("button", name="Cancel invoice…").click()
    dialog = page.get_by_role("dialog", name=f"Cancel invoice {unpaid['number']}")
    expect(dialog).to_contain_text(f"due {rupees(unpaid['total_paise'])}")
    page.keyboard.press("Enter")
    expect(dialog.get_by_test_id("field-error")).to_have_attribute("data-field", "reason")
    page.keyboard.type("customer changed the order")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("invoice-status")).to_have_text("cancelled")
    banner = page.get_by_test_id("cancellation")
    expect(banner.get_by_test_id("cancellation-line")).to_contain_text("by manager")
    expect(banner.get_by_test_id("cancellation-reason")).to_have_text("Why: customer changed the order")
    expect(page.get_by_role("button", name="Cancel invoice…")).to_have_count(0)
    expect(page.get_by_test_id("credit-note-form")).to_have_count(0)
    shot(page, tmp_path, "invoice-cancelled")

    shown = manager_api.get(f"/invoices/{unpaid['id']}")
    assert shown["status"] == "cancelled"
    assert shown["cancellation"]["reason"] == "customer changed the order"
    assert shown["cancellation"]["by"] == "manager" and shown["cancellation"]["at"]
    register = manager_api.get("/reports/invoice-register", per_page=500)["rows"]
    assert [row["cancel_reason"] for row in register if row["number"] == unpaid["number"]] == [
        "customer changed the order"]
    assert manager_api.get(f"/invoices/{paid['id']}")["status"] == "paid"


def test_a_cashier_is_not_offered_cancellation(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, kiosk: Daemon
) -> None:
    unpaid = sell(manager_api, "T2", "sugar", paid_paise=0)
    page = page_errors.watch(context.new_page())
    log_in(page, f"/office/invoices/{unpaid['id']}", "cashier")
    expect(page.get_by_test_id("invoice-status")).to_have_text("issued")
    expect(page.get_by_test_id("email-form")).to_be_visible()
    expect(page.get_by_text("A manager corrects buyer details, takes returns and cancels invoices.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Cancel invoice"))).to_have_count(0)
    refused = Api(kiosk, "cashier").session.post(f"{kiosk.url}/api/v1/invoices/{unpaid['id']}/cancel",
                                                  json={"reason": "trying anyway"}, timeout=30)
    assert refused.status_code == 403, "the API refuses what the screen does not offer"
    assert manager_api.get(f"/invoices/{unpaid['id']}")["status"] == "issued"


def test_an_invoice_is_emailed_to_the_customer_and_shows_sent(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, inbox: Inbox, tmp_path: Path
) -> None:
    customer = manager_api.get("/customers", q="Sai Palace")["items"][0]
    manager_api.send("PATCH", f"/customers/{customer['id']}", {"email": "accounts@saipalace.example"})
    sale = sell(manager_api, "T2", "tea", customer["id"])
    page = page_errors.watch(context.new_page())
    log_in(page, f"/office/invoices/{sale['id']}", "cashier")
    form = page.get_by_test_id("email-form")
    expect(form.get_by_label("E-mail address")).to_have_value("accounts@saipalace.example")

    # A bad address: the API's message under the field.
    form.get_by_label("E-mail address").fill("accounts at saipalace")
    form.get_by_role("button", name="E-mail invoice").click()
    expect(form.get_by_test_id("field-error")).to_have_attribute("data-field", "to")

    form.get_by_label("E-mail address").fill("accounts@saipalace.example")
    form.get_by_label("E-mail address").press("Enter")
    state = form.get_by_test_id("email-state")
    expect(state).to_have_count(1)
    # Queued at once, then sent by the daemon's mail job (woken by the queueing) through the real SMTP server.
    expect(state).to_have_attribute("data-status", "sent")
    expect(state).to_contain_text("Sent to accounts@saipalace.example")
    wait_until(lambda: len(inbox.messages) == 1, 10, "the message in the mailbox")
    recipients, message = inbox.messages[0]
    assert recipients == ["accounts@saipalace.example"]
    assert sale["number"] in message["Subject"]
    emails = manager_api.get(f"/invoices/{sale['id']}/emails")["items"]
    assert [(e["to"], e["status"]) for e in emails] == [("accounts@saipalace.example", "sent")]
    shot(page, tmp_path, "invoice-emailed")


def test_a_customers_invoices_page_by_page_with_status_and_links(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    customer = manager_api.get("/customers", q="Annapurna")["items"][0]
    # Mostly paid (the customer's credit limit is small), three left on account.
    sales = [sell(manager_api, "T2", "rice", customer["id"], paid_paise=0 if n % 10 == 1 else None) for n in range(22)]
    sell(manager_api, "T2", "rice")  # walk-in: not theirs
    page = page_errors.watch(context.new_page())
    log_in(page, f"/office/customers/{customer['id']}", "manager")
    listed = page.get_by_test_id("customer-invoices")
    api_page = manager_api.get("/reports/invoice-register", customer=customer["id"], order="newest", per_page=20)
    assert api_page["total"] == 22
    rows = listed.get_by_test_id("customer-invoice")
    expect(rows).to_have_count(20)
    expect(rows.get_by_role("link")).to_have_text([row["number"] for row in api_page["rows"]])
    expect(rows.get_by_test_id("customer-invoice-status")).to_have_text(
        [row["status"].replace("_", " ") for row in api_page["rows"]])
    expect(rows.first).to_contain_text(sales[-1]["number"])
    expect(listed.get_by_test_id("customer-invoices-span")).to_have_text("Page 1 of 2 · 1–20 of 22")
    shot(page, tmp_path, "customer-invoices")
    listed.get_by_role("button", name="Older →").click()
    expect(rows).to_have_count(2)
    expect(rows.get_by_role("link")).to_have_text([sales[1]["number"], sales[0]["number"]])
    expect(listed.get_by_test_id("customer-invoices-span")).to_have_text("Page 2 of 2 · 21–22 of 22")
    rows.get_by_role("link", name=sales[0]["number"]).click()
    expect(page).to_have_url(re.compile(f"/office/invoices/{sales[0]['id']}$"))
    expect(page.get_by_test_id("invoice-status")).to_have_text("paid")


def test_csv_downloads_of_the_register_and_the_statement_are_the_apis(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api
) -> None:
    customer = manager_api.get("/customers", q="Udupi")["items"][0]
    sale = sell(manager_api, "T2", "tea", customer["id"], paid_paise=1000)
    page = page_errors.watch(context.new_page())

    # The Invoices page: the period's register as the API's CSV.
    log_in(page, "/office/invoices", "manager")
    name, rows = downloaded_rows(page, page.get_by_test_id("register-csv"))
    assert name.startswith("invoice-register-") and name.endswith(".csv")
    assert rows[0][:5] == ["Invoice", "Date", "Time", "Till", "Cashier"]
    assert rows[0][-4:] == ["Status", "Due date", "Revision", "Cancel reason"]
    header = rows[0]
    mine = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == sale["number"]]
    assert len(mine) == 1
    assert (mine[0]["Customer code"], mine[0]["Invoice total"], mine[0]["Paid"], mine[0]["Status"]) == (
        customer["code"], plain(sale["total_paise"]), "10.00", "partially_paid")

    # The customer page: their register and their statement, each the API's CSV for the period shown.
    page.goto(f"/office/customers/{customer['id']}")
    name, rows = downloaded_rows(page, page.get_by_test_id("customer-register-csv"))
    assert name.startswith(f"invoice-register-{customer['code']}-")
    assert [row[0] for row in rows[1:]] == [sale["number"]]
    name, rows = downloaded_rows(page, page.get_by_test_id("statement-csv"))
    assert name.startswith(f"statement-{customer['code']}-")
    assert rows[0] == ["Date", "Kind", "Reference", "Note", "Debit", "Credit", "Balance"]
    statement = manager_api.get(f"/customers/{customer['id']}/statement")
    invoice_rows = [row for row in rows if row[2] == sale["number"] and row[1] == "invoice"]
    assert len(invoice_rows) == 1
    assert invoice_rows[0][4] == plain(sale["total_paise"])
    assert rows[-1][1] == "closing balance"
    assert rows[-1][-1] == plain(statement["closing_paise"])
