"""Customers added and edited in the back office and at the till, the bill discount at the till, and HR's
monthly register and leave balances — in Chromium against the real daemon (one for the module), checked
against the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import BrowserContext, expect

from edge.domain.attendance import DayStatus
from edge.services.attendance import STATUS_CODES
from edge.services.demo_data import demo_employees
from tests.e2e.conftest import PageErrors, log_in
from tests.e2e.test_back_office import Api, sell, shot
from tests.e2e.test_kiosk import api_get, human_type, rupees
from tests.integration.test_daemon import Daemon
from tests.integration.test_sale import PIECE_ITEM
from tests.servers import wait_until

GSTIN = "27AAKFR1234Q1ZQ"  # valid: state 27, PAN AAKFR1234Q, entity 1, check character Q
NEXT_GSTIN = "27AAKFR1234Q2ZP"  # the same PAN's second registration
BAD_GSTIN = "27AAKFR1234Q1ZA"  # wrong check character


def store_today() -> datetime:
    return datetime.now(ZoneInfo("Asia/Kolkata"))


def test_manager_adds_a_b2b_customer_refused_then_accepted_and_a_gstin_change_keeps_history(
    context: BrowserContext, page_errors: PageErrors, kiosk: Daemon, tmp_path: Path
) -> None:
    manager_api = Api(kiosk, "manager")
    refusal = manager_api.session.post(f"{manager_api.base}/customers", json={"name": "probe", "gstin": BAD_GSTIN},
                                       timeout=30).json()["error"]
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/customers", "manager")
    page.get_by_role("button", name="Add a customer").click()
    form = page.get_by_role("form", name="New customer")
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    form.get_by_label("Name", exact=True).fill("Kaveri Traders")
    form.get_by_label("Phone").fill("9820012345")
    form.get_by_label("E-mail").fill("accounts@kaveri.example")
    form.get_by_label("Type", exact=True).select_option("b2b")
    form.get_by_label("GSTIN", exact=True).fill(BAD_GSTIN)
    form.get_by_label("Credit limit ₹").fill("25,000")
    form.get_by_role("button", name="Add customer").click()

    # The API's own message under the GSTIN field; what was typed stays.
    error = form.get_by_test_id("field-error")
    expect(error).to_have_attribute("data-field", "gstin")
    expect(error).to_have_text(refusal["message"])
    expect(form.get_by_label("Name", exact=True)).to_have_value("Kaveri Traders")
    shot(page, tmp_path, "customer-refused-gstin")

    form.get_by_label("GSTIN", exact=True).fill(GSTIN.lower())
    form.get_by_role("button", name="Add customer").click()
    expect(page).to_have_url(re.compile(r"/office/customers/[0-9a-f-]{36}$"))
    customer_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaveri Traders")
    saved = manager_api.get(f"/customers/{customer_id}")
    assert (saved["gstin"], saved["type"], saved["credit_limit_paise"], saved["phone"]) == (GSTIN, "b2b", 2500000,
                                                                                           "9820012345")
    assert saved["rate_tier"] == "customer"  # the b2b type's tier

    # Edit: a new GSTIN from tomorrow; the first one's period ends today and both show in the history.
    tomorrow = (store_today() + timedelta(days=1)).date().isoformat()
    today = store_today().date().isoformat()
    page.get_by_role("button", name="Edit customer").click()
    edit = page.get_by_role("form", name="Edit customer")
    expect(edit.get_by_label("GSTIN", exact=True)).to_have_value(GSTIN)
    edit.get_by_label("GSTIN", exact=True).fill(NEXT_GSTIN)
    edit.get_by_label("GSTIN change applies from").fill(tomorrow)
    edit.get_by_label("Credit limit ₹").fill("30000")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("flash")).to_have_text("Saved Kaveri Traders.")
    expect(page.get_by_test_id("gstin-period")).to_have_text([f"{GSTIN} from {today} to {today}",
                                                             f"{NEXT_GSTIN} from {tomorrow}"])
    saved = manager_api.get(f"/customers/{customer_id}")
    assert [(p["gstin"], p["valid_from"], p["valid_to"]) for p in saved["gstin_history"]] == [
        (GSTIN, today, today), (NEXT_GSTIN, tomorrow, None)]
    assert saved["credit_limit_paise"] == 3000000

    # A sale on account, part paid in cash: the payment shows in the customer's payments list.
    invoice = sell(manager_api, "T2", "tea", customer_id, paid_paise=1000)
    page.reload()
    payments = page.get_by_test_id("customer-payment")
    expect(payments).to_have_count(1)
    expect(payments).to_contain_text(invoice["number"])
    expect(payments).to_contain_text(rupees(1000))
    assert manager_api.get(f"/customers/{customer_id}/payments")["items"][0]["invoice_number"] == invoice["number"]
    shot(page, tmp_path, "customer-edited")


def test_cashier_adds_a_walk_in_customer_from_the_till_and_it_is_on_the_sale(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos = page_errors.watch(context.new_page())
    log_in(pos, "/pos/T2")
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    pos.locator("#barcode").fill(str(PIECE_ITEM.units[0].barcode))
    pos.keyboard.press("Enter")
    expect(pos.get_by_test_id("cart-line")).to_have_count(1)

    pos.keyboard.press("F4")
    dialog = pos.get_by_test_id("customer-dialog")
    human_type(pos, "Ravi Walkin")
    expect(dialog.get_by_test_id("add-customer-option")).to_have_attribute("aria-selected", "true")
    pos.keyboard.press("Enter")
    form = dialog.get_by_role("form", name="New customer")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Ravi Walkin")
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    # What a cashier may not set is shown locked, with why.
    expect(form.get_by_label("Credit limit ₹")).to_be_disabled()
    expect(form.get_by_label("Rate tier")).to_be_disabled()
    expect(form.get_by_test_id("manager-only")).to_have_text(
        "Only a manager can give credit or choose a rate tier other than the type's.")
    form.get_by_label("Phone").fill("9876501234")
    form.get_by_label("Phone").press("Enter")

    expect(dialog).to_have_count(0)
    expect(pos.get_by_test_id("cart-customer")).to_have_text("Ravi Walkin")
    cart = api_get(pos, "/api/v1/tills/T2/cart")
    assert cart["customer"]["name"] == "Ravi Walkin"
    customer = api_get(pos, f"/api/v1/customers/{cart['customer']['id']}")
    assert (customer["phone"], customer["type"], customer["credit_limit_paise"]) == ("9876501234", "retail", 0)
    expect(pos.locator("#barcode")).to_be_focused()
    shot(pos, tmp_path, "till-new-customer")


def test_bill_discount_at_the_till_within_the_limit_and_refused_beyond_it(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos = page_errors.watch(context.new_page())
    log_in(pos, "/pos/T1")
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    for _ in range(2):
        pos.locator("#barcode").fill(str(PIECE_ITEM.units[0].barcode))
        pos.keyboard.press("Enter")
    wait_until(lambda: api_get(pos, "/api/v1/tills/T1/cart")["lines"][0]["quantity_milli"] == 2000, 10, "two scans")
    before = api_get(pos, "/api/v1/tills/T1/cart")
    expect(pos.get_by_test_id("total")).to_have_text(rupees(before["total_paise"]))

    # Within the cashier's 5 %: the total is the API's answer.
    pos.keyboard.press("F10")
    field = pos.get_by_label("Bill discount")
    expect(field).to_be_focused()
    human_type(pos, "5%")
    pos.keyboard.press("Enter")
    expect(pos.locator("#barcode")).to_be_focused()
    cart = api_get(pos, "/api/v1/tills/T1/cart")
    assert cart["bill_discount_paise"] == (before["subtotal_paise"] * 500 + 5000) // 10000
    assert cart["total_paise"] < before["total_paise"]
    expect(pos.get_by_test_id("total")).to_have_text(rupees(cart["total_paise"]))
    expect(field).to_have_value(f"{cart['bill_discount_paise'] // 100}.{cart['bill_discount_paise'] % 100:02d}")

    # Beyond it: the API's message under the field, the total as it was.
    pos.keyboard.press("F10")
    human_type(pos, "20%")
    pos.keyboard.press("Enter")
    expect(pos.get_by_test_id("bill-discount-error")).to_have_text("a discount above 5 % needs a manager")
    expect(field).to_be_focused()
    expect(pos.get_by_test_id("total")).to_have_text(rupees(cart["total_paise"]))
    assert api_get(pos, "/api/v1/tills/T1/cart")["bill_discount_paise"] == cart["bill_discount_paise"]
    shot(pos, tmp_path, "bill-discount-refused")
    pos.keyboard.press("Escape")
    expect(pos.get_by_test_id("bill-discount-error")).to_have_count(0)
    expect(pos.locator("#barcode")).to_be_focused()


def test_hr_opens_the_monthly_register_and_downloads_its_csv(
    context: BrowserContext, page_errors: PageErrors, kiosk: Daemon, tmp_path: Path
) -> None:
    hr_api = Api(kiosk, "hr")
    first = demo_employees()[0]
    for at, direction in (("2026-11-10T09:00:00", "in"), ("2026-11-10T18:00:00", "out")):
        hr_api.send("POST", "/attendance/punches/manual", {"employee": first.code, "at": at, "direction": direction,
                                                           "reason": "gate reader was down"})
    other = demo_employees()[1]
    asked = hr_api.send("POST", "/leave/requests", {"employee": other.code, "leave_type": "CL", "from": "2026-11-12",
                                                    "to": "2026-11-12", "reason": "family function"})
    hr_api.send("POST", f"/leave/requests/{asked['id']}/decision", {"decision": "approve"})
    day = hr_api.get("/attendance/days", employee=first.code, **{"from": "2026-11-10", "to": "2026-11-10"})["items"][0]
    code = STATUS_CODES[DayStatus(day["status"])]

    page = page_errors.watch(context.new_page())
    log_in(page, "/hr/register", "hr")
    page.get_by_label("Month").fill("2026-11")
    register = page.get_by_role("table", name="Attendance register")
    header = register.locator("thead th")
    expect(header.first).to_have_text("Code")
    expect(header.nth(4)).to_have_text("01")
    row = register.get_by_test_id("register-row").filter(has_text=first.code).first
    expect(row.locator("td").nth(1)).to_have_text(first.name)
    expect(row.locator("td").nth(4 + 9)).to_have_text(re.compile(f"^{code}\\*?$"))
    shot(page, tmp_path, "monthly-register")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    content = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "attendance-register-2026-11.csv"
    answer = hr_api.session.get(f"{hr_api.base}/attendance/register.csv", params={"month": "2026-11"}, timeout=30)
    assert content == answer.content, "the file is the API's, byte for byte"
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][:6] == ["employee_code", "employee_name", "department", "shift", "01", "02"]
    assert rows[0][-3:] == ["overtime_minutes", "late_minutes", "flagged_days"] and "30" in rows[0]
    known = next(r for r in rows if r[0] == first.code)
    assert known[1] == first.name and known[4 + 9].rstrip("*") == code

    # The late-arrival report, its own table and CSV link.
    page.get_by_role("tab", name="Late arrivals").click()
    expect(page.get_by_test_id("csv")).to_have_attribute(
        "href", re.compile(r"/attendance/reports/late\?month=2026-11&format=csv$"))
    expect(page.get_by_test_id("register")).to_be_visible()

    # The leave report: the day approved above, as the API lists it.
    page.get_by_role("tab", name="Leave taken").click()
    leave = page.get_by_role("table", name="Leave taken")
    taken = hr_api.get("/attendance/reports/leave", month="2026-11")["items"]
    assert any(item["employee_code"] == other.code and item["leave_type"] == "CL" for item in taken)
    expect(leave.get_by_test_id("register-row")).to_have_count(len(taken))
    expect(leave.get_by_test_id("register-row").filter(has_text=other.code)).to_contain_text("CL")
    expect(page.get_by_test_id("csv")).to_have_attribute(
        "href", re.compile(r"/attendance/reports/leave\?month=2026-11&format=csv$"))

    # Leave balances on the Leave page, for the chosen employee, as the API says.
    page.get_by_role("navigation", name="HR").get_by_role("link", name="Leave", exact=True).click()
    balances = page.get_by_test_id("leave-balances")
    balances.get_by_label("Balances of").select_option(first.code)
    expected = hr_api.get("/leave/balances", employee=first.code)["items"]
    expect(balances.get_by_test_id("balance-row")).to_have_count(len(expected))
    casual = next(b for b in expected if b["leave_type"] == "CL")
    expect(balances.get_by_test_id("balance-row").filter(has_text="CL").get_by_test_id("available")).to_have_text(
        re.compile(f"^{casual['available_milli'] // 1000}(\\.\\d+)? days?$"))
    shot(page, tmp_path, "leave-balances")
