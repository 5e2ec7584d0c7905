"""The back office, the registers, the attendance terminal and the cloud-sync bar in Chromium, against the real
daemon (one per module): what a manager, HR or the factory gate sees and does, checked against the API."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from edge.domain.barcodes import check_digit
from edge.services.demo_data import demo_employees
from tests.e2e.conftest import DEMO_LOGINS, VIEWPORT, PageErrors, log_in, totp_code
from tests.e2e.test_kiosk import rupees
from tests.integration.test_cli import FAST
from tests.integration.test_daemon import Daemon
from tests.servers import MosquittoServer, wait_until


class Api:
    """The daemon's REST API under one login, for setting a scene and checking what the screens did."""

    def __init__(self, daemon: Daemon, role: str) -> None:
        self.base = f"{daemon.url}/api/v1"
        self.session = daemon.session()  # HTTPS, the store CA trusted
        answer = self.session.post(f"{self.base}/auth/login", json={"username": role, "password": DEMO_LOGINS[role]})
        assert answer.ok, answer.text

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(self.base + path, params=params, timeout=30)
        assert answer.ok, answer.text
        return answer.json()

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        answer = self.session.request(method, self.base + path, json=body, timeout=30)
        assert answer.ok, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def manager_api(kiosk: Daemon) -> Api:
    return Api(kiosk, "manager")


def sell(api: Api, till: str, words: str, customer: str | None = None, paid_paise: int | None = None) -> Any:
    """A sale over REST of two of a product found by words, to a customer or walk-in; paid in cash in full, in
    part, or not at all (``paid_paise=0``: the whole bill due)."""
    cart = api.get(f"/tills/{till}/cart")
    product = api.get("/products", q=words, limit=1)["items"][0]
    cart = api.send("POST", f"/carts/{cart['id']}/lines", {"product_id": product["id"], "quantity": "2",
                                                           "version": cart["version"]})
    if customer:
        cart = api.send("PATCH", f"/carts/{cart['id']}", {"customer_id": customer, "version": cart["version"]})
    amount = cart["total_paise"] if paid_paise is None else paid_paise
    payments = [{"method": "cash", "amount_paise": amount}] if amount else []
    return api.send("POST", f"/carts/{cart['id']}/checkout", {"payments": payments, "version": cart["version"]})


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Keep a screenshot of the screen as the test's artifact."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000


def test_manager_edits_a_product_and_exports_the_catalog(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/products", "manager")
    page.get_by_label("Search products").fill("red label tea")
    page.get_by_test_id("product-row").first.click()
    editor = page.get_by_test_id("product-editor")
    expect(editor).to_be_visible()
    product_id = re.search(r"id=([0-9a-f-]+)", page.url).group(1)  # type: ignore[union-attr]
    product = manager_api.get(f"/products/{product_id}")
    unit = product["units"][0]["name"]

    # A wrong HSN code: the API's message under the HSN field, what was typed still there.
    editor.get_by_label("HSN code").fill("12")
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.get_by_test_id("field-error")).to_have_text(re.compile("4, 6 or 8 digits"))
    expect(editor.get_by_test_id("field-error")).to_have_attribute("data-field", "hsn_code")
    expect(editor.get_by_label("HSN code")).to_have_value("12")

    # Fix it, change the counter rate and add a barcode to the first unit, save.
    new_code = "890" + "7" * 9
    new_code += str(check_digit(new_code))
    editor.get_by_label("HSN code").fill(product["hsn_code"])
    editor.get_by_label(f"counter price of {unit}").fill("151.50")
    barcodes = editor.get_by_label(f"Barcodes of {unit}")
    barcodes.fill("\n".join([*product["units"][0]["barcodes"], new_code]))

    # Leaving the screen before saving loses nothing: back on the product, the typed values are there.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    page.go_back()
    expect(editor.get_by_test_id("unsaved")).to_be_visible()
    expect(editor.get_by_label(f"counter price of {unit}")).to_have_value("151.50")
    expect(barcodes).to_have_value(re.compile(new_code + "$"))
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.get_by_test_id("flash")).to_have_text(f"Saved {product['name']}.")
    expect(editor.get_by_test_id("unsaved")).to_have_count(0)
    expect(editor.get_by_label(f"counter price of {unit}")).to_have_value("151.50")
    saved = manager_api.get(f"/products/{product_id}")
    assert saved["units"][0]["prices_paise"]["counter"] == 15150
    assert new_code in saved["units"][0]["barcodes"]
    shot(page, tmp_path, "products")

    # The export has the new rate.
    with page.expect_download() as download:
        page.get_by_test_id("export-products").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    row = next(r for r in rows if r["sku"] == product["sku"])
    assert row["counter_price"] == "151.50"

    # An import with bad rows lists each of them, and saves nothing.
    page.get_by_role("button", name="Import CSV…").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,hsn_code,base_unit,gst_rate_percent\nNEW1,Thing,12,piece,5\nNEW2,,1006,litre,7\n")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name=re.compile("^Import bad.csv")).click()
    expect(page.get_by_test_id("import-error").first).to_be_visible()
    assert page.get_by_test_id("import-error").count() >= 2
    expect(page.get_by_test_id("import-errors")).to_contain_text("3")
    shot(page, tmp_path, "products-import")
    assert manager_api.get("/products", q="NEW1")["items"] == []


def test_customer_statement_shows_the_running_balance_and_exports_it(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    customer = manager_api.get("/customers", q="Annapurna")["items"][0]
    first = sell(manager_api, "T2", "tea", customer["id"], paid_paise=1000)
    second = sell(manager_api, "T2", "rice", customer["id"], paid_paise=500)
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/customers", "manager")
    page.get_by_label("Search customers").fill("Annapurna")
    expect(page.get_by_test_id("customer-row")).to_have_count(1)
    page.get_by_role("link", name=customer["name"]).click()

    statement = manager_api.get(f"/customers/{customer['id']}/statement")
    expect(page.get_by_test_id("customer-balance")).to_have_text(rupees(statement["closing_paise"]))
    lines = page.get_by_test_id("statement-line")
    expect(lines).to_have_count(len(statement["lines"]))
    balances = [rupees(line["balance_paise"]) for line in statement["lines"]]
    expect(page.get_by_test_id("running-balance")).to_have_text(balances)
    expect(lines.first).to_contain_text(first["number"])
    expect(page.get_by_test_id("statement")).to_contain_text(second["number"])
    expect(page.get_by_test_id("statement-closing")).to_contain_text(rupees(statement["closing_paise"]))
    shot(page, tmp_path, "customer-statement")

    # A manager's Export CSV is the reports API's statement of the period shown.
    with page.expect_download() as download:
        page.get_by_test_id("statement").get_by_role("link", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Date", "Kind", "Reference", "Note", "Debit", "Credit", "Balance"]
    assert rows[-1][1] == "closing balance"
    assert rows[-1][-1] == f"{statement['closing_paise'] // 100}.{statement['closing_paise'] % 100:02d}"
    assert len(rows) == len(statement["lines"]) + 3


def test_the_invoice_list_shows_the_days_invoices_by_status(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    paid = sell(manager_api, "T2", "tea")
    customer = manager_api.get("/customers", q="Annapurna")["items"][0]
    part = sell(manager_api, "T2", "rice", customer["id"], paid_paise=100)
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/invoices", "manager")
    listed = page.get_by_role("region", name="Invoice list")
    expect(listed.get_by_test_id("invoice-row").filter(has_text=paid["number"])).to_contain_text("paid")
    expect(listed.get_by_test_id("invoice-row").filter(has_text=part["number"])).to_contain_text("partially paid")
    listed.get_by_label("Status").select_option("partially_paid")  # filtered by the API, page 1 again
    expect(listed.get_by_test_id("invoice-row").filter(has_text=paid["number"])).to_have_count(0)
    expect(listed.get_by_test_id("invoice-row").filter(has_text=part["number"])).to_have_count(1)
    numbers = listed.get_by_test_id("invoice-row").get_by_role("link").all_inner_texts()
    assert part["number"] in numbers and paid["number"] not in numbers
    register = manager_api.get("/reports/invoice-register", page=1)["rows"]
    assert {row["number"] for row in register if row["status"] == "partially_paid"} == set(numbers)
    shot(page, tmp_path, "invoice-list")
    listed.get_by_role("link", name=part["number"]).click()
    expect(page).to_have_url(re.compile(f"/office/invoices/{part['id']}$"))


def test_a_cashier_finds_a_bill_of_the_day_on_a_till_and_opens_it(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    due = sell(manager_api, "T1", "tea", paid_paise=0)
    paid = sell(manager_api, "T1", "rice")
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/invoices")  # the cashier: no period register, the till's bills instead
    expect(page.get_by_role("region", name="Invoice list")).to_have_count(0)
    bills = page.get_by_role("region", name="Bills of a till")
    bills.get_by_label("Till").fill("t1")
    rows = bills.get_by_test_id("till-bill")
    expect(rows.first).to_contain_text(paid["number"])  # newest first
    listed = manager_api.get("/tills/T1/invoices")["rows"]
    expect(rows).to_have_count(len(listed))
    assert [row["number"] for row in listed][:2] == [paid["number"], due["number"]]
    expect(rows.filter(has_text=due["number"])).to_contain_text("issued")
    expect(rows.filter(has_text=paid["number"])).to_contain_text("paid")
    shot(page, tmp_path, "till-bills")
    bills.get_by_role("link", name=due["number"]).click()
    expect(page).to_have_url(re.compile(f"/office/invoices/{due['id']}$"))


def test_invoice_buyer_gst_correction_shows_the_revision_history(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    invoice = sell(manager_api, "T2", "sugar")
    page = page_errors.watch(context.new_page())
    log_in(page, f"/office/invoices/{invoice['id']}", "manager")
    expect(page.get_by_test_id("invoice-revision")).to_have_text("revision 0")
    expect(page.get_by_test_id("revisions")).to_contain_text("Never corrected")
    form = page.get_by_test_id("correction-form")

    # A GSTIN that fails its check: the message under the GSTIN field; the typed values stay.
    form.get_by_label("Buyer name").fill("Rahul Traders")
    form.get_by_label("GSTIN").fill("27AAAAA0000A1Z5")
    form.get_by_label("Reason").fill("buyer asked for a tax invoice")
    form.get_by_role("button", name="Save correction").click()
    expect(form.get_by_test_id("field-error")).to_have_attribute("data-field", "gstin")
    expect(form.get_by_label("Buyer name")).to_have_value("Rahul Traders")
    expect(form.get_by_label("Reason")).to_have_value("buyer asked for a tax invoice")

    customer = manager_api.get("/customers", q="Annapurna")["items"][0]
    form.get_by_label("GSTIN").fill(customer["gstin"])
    form.get_by_role("button", name="Save correction").click()
    expect(form.get_by_test_id("flash")).to_have_text("Revision 1 saved.")
    expect(page.get_by_test_id("invoice-revision")).to_have_text("revision 1")
    expect(page.get_by_test_id("buyer-name")).to_have_text("Rahul Traders")
    revision = page.get_by_test_id("revision")
    expect(revision).to_have_count(1)
    expect(revision).to_contain_text("buyer asked for a tax invoice")
    expect(revision).to_contain_text("manager")
    expect(revision.get_by_test_id("revision-change")).to_contain_text(["name: Cash customer → Rahul Traders",
                                                                       f"gstin: — → {customer['gstin']}"])
    assert [r["reason"] for r in manager_api.get(f"/invoices/{invoice['id']}/revisions")["items"]] == [
        "buyer asked for a tax invoice"]
    page.get_by_role("button", name="Reprint").click()
    expect(page.get_by_test_id("flash").filter(has_text="Reprint")).to_have_text(re.compile("^Reprint queued on "))
    shot(page, tmp_path, "invoice-correction")


def test_register_opens_takes_cash_out_closes_over_and_shows_in_the_z_report(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/register/T1", "manager")
    page.get_by_label("Opening float ₹").fill("2000")
    page.get_by_role("button", name="Open register").click()
    expect(page.get_by_test_id("expected-cash")).to_have_text(rupees(200_000))

    cash = page.get_by_role("form", name="Cash in or out")
    cash.get_by_label("Cash out").check()
    cash.get_by_label("Amount ₹").fill("999999")
    cash.get_by_label("Reason").fill("tea for the staff")
    cash.get_by_role("button", name="Record").click()
    expect(cash.get_by_test_id("field-error")).to_have_attribute("data-field", "amount_paise")
    expect(cash.get_by_label("Reason")).to_have_value("tea for the staff")
    cash.get_by_label("Amount ₹").fill("150")
    cash.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("movement")).to_have_text(["Cash out ₹150.00 — tea for the staff (manager)"])
    expect(page.get_by_test_id("expected-cash")).to_have_text(rupees(185_000))

    page.get_by_label("Counted cash ₹").fill("1900")
    page.get_by_role("button", name="Close register").click()
    expect(page.get_by_test_id("over-short")).to_have_text(f"over {rupees(5_000)}")
    z_report = page.get_by_test_id("z-report")
    expect(z_report.get_by_test_id("z-register")).to_have_count(1)
    expect(z_report.get_by_test_id("z-register")).to_contain_text(f"over {rupees(5_000)}")
    assert manager_api.get("/tills/T1/register") is None
    shot(page, tmp_path, "register-z-report")


def test_attendance_terminal_confirms_a_pin_punch_and_a_badge_pushed_by_the_clock(
    browser: Browser, context: BrowserContext, page_errors: PageErrors, kiosk: Daemon, manager_api: Api,
    tmp_path: Path,
) -> None:
    hr = Api(kiosk, "hr")
    employee, badged = demo_employees()[4], demo_employees()[5]

    # HR sets the employee's terminal PIN on the employee directory (in its own browser profile).
    office = browser.new_context(viewport=VIEWPORT, base_url=kiosk.url, locale="en-IN")
    try:
        hr_page = page_errors.watch(office.new_page())
        log_in(hr_page, "/hr/employees", "hr")
        pin_form = hr_page.get_by_role("form", name="Set a terminal PIN")
        pin_form.get_by_label("Employee code").fill(employee.code)
        pin_form.get_by_label("New terminal PIN (4–8 digits)").fill("12")
        pin_form.get_by_role("button", name="Set PIN").click()
        expect(pin_form.get_by_test_id("field-error")).to_have_attribute("data-field", "pin")
        pin_form.get_by_label("New terminal PIN (4–8 digits)").fill("2468")
        pin_form.get_by_role("button", name="Set PIN").click()
        expect(pin_form.get_by_test_id("flash")).to_have_text(f"The terminal PIN of {employee.code} is set.")
    finally:
        office.close()

    page = page_errors.watch(context.new_page())
    log_in(page, "/terminal/gate-rfid-sim", "manager")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")

    # A wrong PIN: said large, the code kept, the PIN asked again.
    page.get_by_label("Employee code").fill(employee.code)
    page.keyboard.press("Enter")
    page.get_by_label("PIN").fill("1111")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("terminal-error")).to_have_text("wrong employee code or PIN")
    expect(page.get_by_label("Employee code")).to_have_value(employee.code)
    expect(page.get_by_label("PIN")).to_have_value("")

    for key in "2468":
        page.get_by_role("button", name=key, exact=True).click()
    page.get_by_role("button", name="OK").click()
    confirmation = page.get_by_test_id("punch-confirmation")
    expect(confirmation).to_be_visible()
    expect(page.get_by_test_id("punch-name")).to_have_text(employee.name)
    expect(page.get_by_test_id("punch-direction")).to_have_text("IN")
    punch = hr.get("/attendance/punches", employee=employee.code)["items"][-1]
    assert (punch["source"], punch["status"]) == ("terminal", "valid")
    expect(page.get_by_test_id("punch-time")).to_have_text(punch["at_local"][11:16])
    shot(page, tmp_path, "terminal-pin")

    # A badge on the gate's RFID reader: the confirmation is pushed to the terminal of that clock.
    page.get_by_test_id("punch-confirmation").click()
    manager_api.send("POST", "/devices/simulate/badge", {"card": f"0A{int(badged.badge_id):08X}"})
    expect(page.get_by_test_id("punch-name")).to_have_text(badged.name)
    expect(page.get_by_test_id("punch-direction")).to_have_text(re.compile("^(IN|OUT)$"))
    shot(page, tmp_path, "terminal-badge")

    # The gate in Hindi: the labels of the terminal change, the next punch too.
    page.get_by_test_id("punch-confirmation").click()
    page.get_by_role("button", name="हिंदी").click()
    expect(page.get_by_text("अपना बैज लगाएँ — या अपना कोड और पिन डालें")).to_be_visible()
    page.get_by_label("कर्मचारी कोड").fill(employee.code)
    page.keyboard.press("Enter")
    page.get_by_label("पिन").fill("2468")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("punch-direction")).to_have_text(re.compile("^(अंदर|बाहर)$"))
    shot(page, tmp_path, "terminal-hindi")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoServer]:
    server = MosquittoServer(tmp_path).start()
    yield server
    server.stop()


def test_sync_progress_bar_fills_as_the_backlog_drains(
    context: BrowserContext, page_errors: PageErrors, kiosk: Daemon, manager_api: Api, broker: MosquittoServer,
    tmp_path: Path,
) -> None:
    sell(manager_api, "T2", "salt")
    backlog = manager_api.get("/sync/status")["backlog"]
    assert backlog > 0
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/sync", "manager")
    sync = page.get_by_test_id("sync")
    expect(sync).to_have_attribute("data-phase", "queued")
    expect(page.get_by_test_id("sync-bar")).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("sync-backlog")).to_have_text(re.compile(r"^[1-9]\d*$"))
    assert int(page.get_by_test_id("sync-backlog").inner_text()) >= backlog  # the login itself is an event too
    shot(page, tmp_path, "sync-queued")

    # The cloud link comes up: a publisher drains the outbox; the pushed status fills the bar.
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_")} | FAST | {
        "POS_SYNC_BROKER_HOST": "127.0.0.1", "POS_SYNC_BROKER_PORT": str(broker.port), "POS_SYNC_TLS": "false",
        "POS_SYNC_BATCH_SIZE": "1", "POS_SYNC_WINDOW": "1"}
    log = (tmp_path / "publisher.log").open("wb")
    publisher = subprocess.Popen([sys.executable, "-m", "cloud_bridge.publisher", "--data-dir", str(kiosk.data_dir)],
                                 env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: manager_api.get("/sync/status")["backlog"] == 0, 60, "the publisher", publisher,
                   tmp_path / "publisher.log")
        expect(sync).to_have_attribute("data-phase", "idle", timeout=20_000)
        expect(page.get_by_test_id("sync-bar")).to_have_attribute("aria-valuenow", "100")
        expect(page.get_by_test_id("sync-summary")).to_have_text("Everything is sent to the cloud.")
        shot(page, tmp_path, "sync-done")
    finally:
        publisher.terminate()
        publisher.wait(timeout=30)
        log.close()


ADMIN_SCREENS = {  # menu entry → the page's heading
    "Back office": [("Products", "Products"), ("Customers", "Customers"), ("Invoices", "Invoices"),
                    ("Register", "Register"), ("Devices", "Devices"), ("Cloud sync", "Cloud sync"),
                    ("Users", "Users and roles")],
    "HR": [("Attendance", "Attendance"), ("Leave", "Leave"), ("Monthly register", "Monthly register"),
           ("Payroll", "Payroll"), ("Employees", "Employees")],
    "Reports": [("Dashboard", "Dashboard"), ("GST returns", "GST returns")],
}


def test_every_screen_opens_from_the_menu_of_its_role(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/products", "admin")
    for section, screens in ADMIN_SCREENS.items():
        page.get_by_role("navigation", name="Screens").get_by_role("link", name=section).click()
        menu = page.get_by_role("navigation", name=section)
        expect(menu.get_by_role("link")).to_have_text([label for label, _ in screens])
        for label, heading in screens:
            menu.get_by_role("link", name=label, exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            if label == "Devices":
                expect(page.get_by_test_id("device-row").filter(has_text="t1-scale-sim")).to_contain_text("connected")
            shot(page, tmp_path, f"screen-{label.lower().replace(' ', '-')}")

    # Users: the admin adds a clerk, makes them a manager from the list, then switches the account off.
    page.get_by_role("navigation", name="Screens").get_by_role("link", name="Back office").click()
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Users", exact=True).click()
    form = page.get_by_role("form", name="Add a user")
    form.get_by_label("User name").fill("temp-clerk")
    form.get_by_label("Password").fill("a-long-clerk-pass-77")
    form.get_by_label("Role").select_option("cashier")
    form.get_by_role("button", name="Add user").click()
    expect(form).to_contain_text("Added temp-clerk (cashier)")
    page.get_by_label("Role of temp-clerk").select_option("manager")
    expect(form).to_contain_text("temp-clerk: manager, active")
    page.get_by_label("temp-clerk active").click()  # applied when the API answers (a controlled box)
    expect(form).to_contain_text("temp-clerk: manager, inactive")
    expect(page.get_by_test_id("user-row").filter(has_text="temp-clerk")).to_contain_text("inactive")

    # HR: no back office in the header, its own HR menu, and a back-office address sends it home.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "/hr/leave", "hr")
    screens = page.get_by_role("navigation", name="Screens")
    expect(screens.get_by_role("link", name="Back office")).to_have_count(0)
    expect(screens.get_by_role("link", name="Reports")).to_have_count(0)
    expect(page.get_by_role("navigation", name="HR").get_by_role("link")).to_have_text(
        ["Attendance", "Punch corrections", "Leave", "Monthly register", "Payroll", "Employees"])
    page.goto("/office/products")
    expect(page).to_have_url(re.compile(r"/hr/attendance$"))
    assert len(list(tmp_path.glob("screen-*.png"))) == sum(len(screens) for screens in ADMIN_SCREENS.values())


def row_skus(page: Page) -> list[str]:
    """The SKUs of the product rows shown, top to bottom."""
    return [text.split()[0] for text in page.get_by_test_id("product-row").all_inner_texts()]


def test_manager_pages_through_the_whole_catalog_and_filters_it(
    context: BrowserContext, page_errors: PageErrors, manager_api: Api, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/products", "manager")
    info = page.get_by_test_id("page-info")
    expect(info).to_have_text("Page 1 of 10 · 1–25 of 240")
    first = manager_api.get("/products", limit=25)
    assert row_skus(page) == [item["sku"] for item in first["items"]]
    previous = page.get_by_role("button", name="← Previous")
    expect(previous).to_be_disabled()

    # Next and back by keyboard: the second page is the API's second page.
    next_button = page.get_by_role("button", name="Next →")
    next_button.focus()
    page.keyboard.press("Enter")
    expect(info).to_have_text("Page 2 of 10 · 26–50 of 240")
    second = manager_api.get("/products", limit=25, after=first["next"])
    assert row_skus(page) == [item["sku"] for item in second["items"]]
    page.reload()  # the URL keeps the page
    expect(info).to_have_text("Page 2 of 10 · 26–50 of 240")
    previous.click()
    expect(info).to_have_text("Page 1 of 10 · 1–25 of 240")

    # 100 a page: three pages cover every product exactly once; the last one cannot go further.
    page.get_by_label("Page size").select_option("100")
    expect(info).to_have_text("Page 1 of 3 · 1–100 of 240")
    seen = row_skus(page)
    for label in ("Page 2 of 3 · 101–200 of 240", "Page 3 of 3 · 201–240 of 240"):
        next_button.click()
        expect(info).to_have_text(label)
        seen += row_skus(page)
    expect(next_button).to_be_disabled()
    assert len(seen) == len(set(seen)) == 240
    shot(page, tmp_path, "products-pages")

    # A search replaces the list; cleared, the list is back on the page it showed.
    page.get_by_label("Search products").fill("red label tea")
    expect(page.get_by_test_id("product-row").first).to_contain_text("Red Label")
    expect(info).to_have_count(0)
    page.get_by_label("Search products").fill("")
    expect(info).to_have_text("Page 3 of 3 · 201–240 of 240")

    # A category (from the first page), then the archived ones (none yet).
    shelf = manager_api.get("/products/categories")["items"][0]
    page.get_by_label("Category").select_option(shelf["name"])
    expect(info).to_contain_text(f"of {shelf['products']}")
    expect(page.get_by_test_id("product-row")).to_have_count(shelf["products"])
    page.get_by_label("Status").select_option("archived")
    expect(page.get_by_text("No product in this list.")).to_be_visible()
    expect(info).to_have_text("Page 1 of 1 · 0 of 0")
    page.get_by_label("Status").select_option("active")
    page.get_by_test_id("product-row").first.click()
    expect(page.get_by_test_id("product-editor")).to_be_visible()


def test_hr_reopens_an_earlier_payroll_run_from_the_list(
    context: BrowserContext, page_errors: PageErrors, kiosk: Daemon, tmp_path: Path
) -> None:
    hr_api = Api(kiosk, "hr")
    older = hr_api.send("POST", "/payroll/runs", {"from": "2026-10-05", "to": "2026-10-11"})
    newer = hr_api.send("POST", "/payroll/runs", {"from": "2026-10-12", "to": "2026-10-18"})
    hr_api.send("POST", f"/payroll/runs/{older['id']}/finalize", {"accept_flagged": True})

    page = page_errors.watch(context.new_page())
    log_in(page, "/hr/payroll", "hr")
    runs = page.get_by_role("region", name="Payroll runs").get_by_test_id("payroll-run-row")
    expect(runs.first).to_contain_text("2026-10-12 to 2026-10-18")
    expect(runs.first).to_contain_text("draft")
    expect(runs.nth(1)).to_contain_text("2026-10-05 to 2026-10-11")
    expect(runs.nth(1)).to_contain_text("final")
    expect(runs.nth(1)).to_contain_text(rupees(older["totals"]["net_paise"]))
    runs.nth(1).click()
    shown = page.get_by_test_id("payroll-run")
    expect(shown.get_by_role("heading")).to_have_text("2026-10-05 to 2026-10-11")
    expect(shown.get_by_test_id("payroll-status")).to_have_text("final")
    expect(shown.get_by_test_id("payslip-row")).to_have_count(older["payslip_count"])
    expect(page).to_have_url(re.compile(f"run={older['id']}$"))
    page.reload()  # after a reload the same run is open
    expect(shown.get_by_role("heading")).to_have_text("2026-10-05 to 2026-10-11")
    expect(runs.nth(1)).to_have_attribute("aria-current", "true")
    runs.first.click()
    expect(shown.get_by_role("heading")).to_have_text("2026-10-12 to 2026-10-18")
    expect(shown.get_by_role("button", name="Finalise")).to_be_visible()
    assert newer["status"] == "draft"
    shot(page, tmp_path, "payroll-runs")


def log_in_with(browser: Browser, kiosk: Daemon, username: str, password: str) -> Page:
    """A fresh browser (another till) at the login form, the user name and password typed and sent."""
    other = browser.new_context(viewport=VIEWPORT, base_url=kiosk.url, locale="en-IN")
    page = other.new_page()
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    return page


def test_admin_resets_the_cashiers_password_and_the_old_one_stops_working(
    context: BrowserContext, browser: Browser, kiosk: Daemon, page_errors: PageErrors, tmp_path: Path
) -> None:
    cashier = page_errors.watch(log_in_with(browser, kiosk, "cashier", DEMO_LOGINS["cashier"]))
    expect(cashier).not_to_have_url(re.compile("/login"))
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/users", "admin")
    page.get_by_role("button", name="Manage cashier", exact=True).click()
    dialog = page.get_by_test_id("user-security")
    expect(dialog).to_be_visible()

    # The policy's refusal shows under the field; the two copies must agree.
    dialog.get_by_label(re.compile(r"^New password")).fill("cashier1234")
    dialog.get_by_label(re.compile(r"^The new password again")).fill("cashier1234")
    dialog.get_by_role("button", name="Set password and end their sessions").click()
    expect(dialog.get_by_test_id("field-error")).to_have_text(re.compile("user name"))
    expect(dialog.get_by_test_id("field-error")).to_have_attribute("data-field", "password")
    new_password = "till-two-river-stone-58"
    dialog.get_by_label(re.compile(r"^New password")).fill(new_password)
    dialog.get_by_label(re.compile(r"^The new password again")).fill(new_password + "x")
    dialog.get_by_role("button", name="Set password and end their sessions").click()
    expect(dialog.get_by_test_id("field-error")).to_have_text("the two passwords differ")
    dialog.get_by_label(re.compile(r"^The new password again")).fill(new_password)
    page.keyboard.press("Enter")
    confirm = page.get_by_role("form", name="Confirm with your code")
    expect(dialog.get_by_test_id("flash").or_(confirm)).to_be_visible()
    if confirm.is_visible():  # the login's code is older than the step-up window: a fresh one, as a person would
        confirm.get_by_label("Code").fill(totp_code((kiosk.url, "admin")))
        confirm.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_test_id("flash")).to_contain_text("New password set for cashier; their sessions ended.")
    shot(page, tmp_path, "users-password")

    # The cashier's open session has ended; the old password is refused, the new one logs in.
    cashier.reload()
    expect(cashier).to_have_url(re.compile("/login"))
    old = log_in_with(browser, kiosk, "cashier", DEMO_LOGINS["cashier"])
    expect(old.get_by_role("alert")).to_contain_text("wrong user name or password")
    expect(old).to_have_url(re.compile("/login"))
    fresh = page_errors.watch(log_in_with(browser, kiosk, "cashier", new_password))
    expect(fresh).not_to_have_url(re.compile("/login"))
    by_api = kiosk.session()  # the API agrees with the screens: old password refused, new one accepted
    assert by_api.post(f"{kiosk.url}/api/v1/auth/login", json={
        "username": "cashier", "password": DEMO_LOGINS["cashier"]}, timeout=30).status_code == 401
    assert by_api.post(f"{kiosk.url}/api/v1/auth/login", json={
        "username": "cashier", "password": new_password}, timeout=30).ok
    assert by_api.post(f"{kiosk.url}/api/v1/auth/logout", json={}, timeout=30).ok  # only the kiosk's session left

    # End their sessions again (confirmed first), then put the demo password back for the other tests.
    dialog.get_by_role("button", name="End every session…").click()
    dialog.get_by_role("button", name="Yes, end every session").click()
    expect(dialog.get_by_test_id("flash")).to_have_text("cashier: 1 session ended.")
    fresh.reload()
    expect(fresh).to_have_url(re.compile("/login"))
    dialog.get_by_label(re.compile(r"^New password")).fill(DEMO_LOGINS["cashier"])
    dialog.get_by_label(re.compile(r"^The new password again")).fill(DEMO_LOGINS["cashier"])
    dialog.get_by_role("button", name="Set password and end their sessions").click()
    expect(dialog.get_by_test_id("flash")).to_contain_text("New password set for cashier")
    again = log_in_with(browser, kiosk, "cashier", DEMO_LOGINS["cashier"])
    expect(again).not_to_have_url(re.compile("/login"))
    for other in (cashier, old, fresh, again):
        other.context.close()
