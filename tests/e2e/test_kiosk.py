"""A cashier sells in the kiosk, in Chromium, against the real daemon: keyboard-wedge scans, split payment,
the post-sale summary, and the customer display following every step by Socket.IO pushes alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import APIResponse, Browser, BrowserContext, Page, Route, expect

from edge.domain.barcodes import check_digit
from tests.e2e.conftest import DEMO_LOGINS, PageErrors, log_in
from tests.integration.test_daemon import Daemon
from tests.integration.test_sale import CASE, PIECE_ITEM

UPI_REFERENCE = "UPI-E2E-402913"


def rupees(paise: int) -> str:
    """₹1,23,456.78 — the kiosk's formatter (kiosk_ui/src/lib/money.ts), for the assertions."""
    sign, paise = ("-", -paise) if paise < 0 else ("", paise)
    whole, fraction = divmod(paise, 100)
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = [head[max(i - 2, 0):i] for i in range(len(head), 0, -2)][::-1]
        digits = ",".join([*groups, tail])
    return f"{sign}₹{digits}.{fraction:02d}"


def plain(paise: int) -> str:
    """What a cashier types for an amount: 1000.00."""
    return f"{paise // 100}.{paise % 100:02d}"


def wedge_scan(page: Page, code: str) -> None:
    """A USB scanner in keyboard-wedge mode: the digits as key presses milliseconds apart, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def human_type(page: Page, text: str) -> None:
    """A person at the keyboard: keys ~60 ms apart, slower than the kiosk's scanner detector (30 ms)."""
    page.keyboard.type(text, delay=60)


def mark_loaded(page: Page) -> None:
    """A flag in the page's JavaScript world: it survives pushes and client routing, not a reload."""
    page.evaluate("() => { window.__kioskNotReloaded = true; }")


def was_not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("() => window.__kioskNotReloaded === true"))


def api_get(page: Page, path: str) -> Any:
    """GET the API with the page's own session cookie."""
    response = page.request.get(path)
    assert response.ok, response.text()
    return response.json()


def test_cashier_sells_with_wedge_scans_split_payment_while_the_display_follows(
    context: BrowserContext, page_errors: PageErrors, tmp_path: Path
) -> None:
    pos = page_errors.watch(context.new_page())
    log_in(pos, "/pos/T1")
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    expect(pos.get_by_test_id("cart-empty")).to_be_visible()

    display = page_errors.watch(context.new_page())
    display.goto("/display/T1")
    expect(display.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    expect(display.get_by_test_id("customer-display")).to_have_attribute("data-phase", "idle")
    mark_loaded(pos)
    mark_loaded(display)

    # First scan with the focus nowhere in particular, the second while the search field has it.
    pos.bring_to_front()
    pos.get_by_test_id("cart-empty").click()
    wedge_scan(pos, str(PIECE_ITEM.units[0].barcode))
    expect(pos.get_by_test_id("cart-line")).to_have_count(1)
    pos.locator("#product-search").click()
    wedge_scan(pos, str(CASE.barcode))
    expect(pos.get_by_test_id("cart-line")).to_have_count(2)
    expect(pos.locator("#product-search")).to_have_value("")

    cart = api_get(pos, "/api/v1/tills/T1/cart")
    total = cart["total_paise"]
    assert [(line["unit"], line["quantity_milli"]) for line in cart["lines"]] == [
        (PIECE_ITEM.units[0].name, 1000), (CASE.name, 1000)]
    expect(pos.get_by_test_id("line-name")).to_have_text([PIECE_ITEM.name, PIECE_ITEM.name])
    expect(pos.get_by_test_id("line-total")).to_have_text([rupees(line["total_paise"]) for line in cart["lines"]])
    expect(pos.get_by_test_id("total")).to_have_text(rupees(total))
    expect(pos.get_by_test_id("cgst")).to_have_text(rupees(cart["cgst_paise"]))
    expect(pos.get_by_test_id("sgst")).to_have_text(rupees(cart["sgst_paise"]))

    # The customer display got the lines and the total pushed.
    expect(display.get_by_test_id("customer-display")).to_have_attribute("data-phase", "cart")
    expect(display.get_by_test_id("display-line")).to_have_count(2)
    expect(display.get_by_test_id("display-total")).to_have_text(rupees(total))

    pos.screenshot(path=tmp_path / "pos.png")
    assert (tmp_path / "pos.png").stat().st_size > 10_000
    pos_text = pos.locator("body").inner_text()
    assert PIECE_ITEM.name in pos_text and CASE.name in pos_text and rupees(total) in pos_text

    # Checkout from the keyboard: F9, U for UPI, the amount, Tab, the reference, Enter; then cash with change.
    upi = total // 200 * 100  # about half, whole rupees
    cash_due = total - upi
    tendered = (cash_due // 10_000 + 1) * 10_000  # the next ₹100 note above: change is due
    pos.keyboard.press("F9")
    dialog = pos.get_by_test_id("checkout-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount")).to_be_focused()
    expect(dialog.get_by_label("Amount")).to_have_value(plain(total))
    pos.keyboard.press("u")
    expect(dialog.get_by_role("radio", name=re.compile("^UPI"))).to_have_attribute("aria-checked", "true")
    human_type(pos, plain(upi))
    pos.keyboard.press("Tab")
    expect(dialog.get_by_label("Reference")).to_be_focused()
    human_type(pos, UPI_REFERENCE)
    pos.keyboard.press("Enter")
    expect(dialog.get_by_test_id("staged-payment")).to_have_text([f"Paid {rupees(upi)} — UPI ref {UPI_REFERENCE}"])
    expect(dialog.get_by_test_id("checkout-remaining")).to_have_text(rupees(cash_due))
    expect(dialog.get_by_label("Amount")).to_be_focused()
    human_type(pos, plain(tendered))
    pos.keyboard.press("Enter")
    expect(dialog.get_by_test_id("checkout-remaining")).to_have_text(rupees(0))
    expect(dialog.get_by_test_id("checkout-change")).to_have_text(rupees(tendered - cash_due))
    pos.keyboard.press("F9")

    # The post-sale summary.
    summary = pos.get_by_test_id("sale-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_test_id("invoice-number")).to_have_text(re.compile(r"^T1/\d{4}/\d{6}$"))
    expect(summary.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(summary.get_by_test_id("summary-line")).to_have_count(2)
    expect(summary.get_by_test_id("summary-line").nth(0)).to_contain_text("1 pc")
    expect(summary.get_by_test_id("summary-line").nth(1)).to_contain_text(f"1 × {CASE.name}")
    expect(summary.get_by_test_id("summary-line").nth(1)).to_contain_text("counter")
    expect(summary.get_by_test_id("total")).to_have_text(rupees(total))
    expect(summary.get_by_test_id("summary-payment")).to_have_text([
        f"Paid {rupees(upi)} — UPI ref {UPI_REFERENCE}",
        f"Paid {rupees(cash_due)} — Cash (tendered {rupees(tendered)})",
    ])
    expect(summary.get_by_test_id("summary-change")).to_have_text(f"Change {rupees(tendered - cash_due)}")
    expect(summary.get_by_test_id("tax-rate")).to_have_count(1)
    expect(summary.get_by_test_id("tax-rate")).to_contain_text("GST 5%")
    pos.screenshot(path=tmp_path / "summary.png")
    summary_text = pos.locator("body").inner_text()
    assert UPI_REFERENCE in summary_text and "Invoice T1/" in summary_text

    # The display: the total, then what was paid and the change.
    expect(display.get_by_test_id("customer-display")).to_have_attribute("data-phase", "sale")
    expect(display.get_by_test_id("display-total")).to_have_text(f"Total {rupees(total)}")
    expect(display.get_by_test_id("display-payments")).to_contain_text(f"Paid {rupees(upi)} — UPI ref {UPI_REFERENCE}")
    expect(display.get_by_test_id("display-change")).to_have_text(f"Change due {rupees(tendered - cash_due)}")

    # New sale: an empty cart, ready for the next customer; and neither page ever reloaded.
    pos.keyboard.press("n")
    expect(pos.get_by_test_id("cart-empty")).to_be_visible()
    expect(pos.locator("#barcode")).to_be_focused()
    assert was_not_reloaded(pos) and was_not_reloaded(display)


def test_a_slow_who_am_i_answer_does_not_undo_the_login(context: BrowserContext, page_errors: PageErrors) -> None:
    """On a slow network the login page's own "who am I" (asked before there was a session) can answer 401
    after the login succeeded: the cashier must stay on the POS, not land on an empty login form."""
    pos = page_errors.watch(context.new_page())
    who_am_i: list[Route] = []
    held: list[tuple[Route, APIResponse]] = []

    def hold_the_second(route: Route) -> None:
        who_am_i.append(route)
        if len(who_am_i) == 2:  # the login page's own question: answered by the server now, delivered late
            held.append((route, route.fetch()))
        else:
            route.continue_()

    pos.route("**/api/v1/auth/me", hold_the_second)
    pos.goto("/pos/T1")
    expect(pos).to_have_url(re.compile(r"/login\?next="))
    pos.get_by_label("User name").fill("cashier")
    pos.get_by_label("Password").fill(DEMO_LOGINS["cashier"])
    with pos.expect_response("**/api/v1/auth/login"):
        pos.keyboard.press("Enter")
    expect(pos).to_have_url(re.compile(r"/pos/T1$"))
    assert len(held) == 1 and held[0][1].status == 401, "the held answer is the one from before the login"
    route, late = held[0]
    with pos.expect_response(lambda r: r.url.endswith("/api/v1/auth/me") and r.status == 200):
        route.fulfill(response=late)  # the stale 401 arrives; the kiosk asks again, with its session cookie
    expect(pos.locator("#barcode")).to_be_focused()
    expect(pos).to_have_url(re.compile(r"/pos/T1$"))


def test_unknown_barcode_shows_the_apis_message(context: BrowserContext, page_errors: PageErrors) -> None:
    pos = page_errors.watch(context.new_page())
    log_in(pos, "/pos/T2")
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    expect(pos.locator("#barcode")).to_be_focused()
    unknown = "890" + "999999999"
    unknown += check_digit(unknown)
    wedge_scan(pos, unknown)
    cart = api_get(pos, "/api/v1/tills/T2/cart")
    answer = pos.request.post(f"/api/v1/carts/{cart['id']}/scan", data={"code": unknown})
    assert answer.status == 404 and answer.json()["error"]["code"] == "unknown_barcode"
    message = answer.json()["error"]["message"]
    assert unknown in message
    expect(pos.get_by_test_id("notice")).to_have_text(f"Scan {unknown}: {message}")
    expect(pos.get_by_test_id("notice")).to_have_attribute("role", "alert")
    expect(pos.get_by_test_id("cart-line")).to_have_count(0)


def test_payment_after_the_bill_reaches_the_summary_and_display_by_push(
    context: BrowserContext, page_errors: PageErrors
) -> None:
    pos = page_errors.watch(context.new_page())
    log_in(pos, "/pos/T2")
    display = page_errors.watch(context.new_page())
    display.goto("/display/T2")
    expect(display.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    pos.bring_to_front()
    expect(pos.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    pos.locator("#barcode").fill(str(PIECE_ITEM.units[0].barcode))
    pos.keyboard.press("Enter")
    expect(pos.get_by_test_id("cart-line")).to_have_count(1)
    total = api_get(pos, "/api/v1/tills/T2/cart")["total_paise"]

    # Bill now, pay later: no payment at checkout.
    pos.keyboard.press("F9")
    pos.get_by_role("button", name=re.compile("due later")).click()
    summary = pos.get_by_test_id("sale-summary")
    expect(summary.get_by_test_id("summary-due")).to_have_text(rupees(total))
    expect(display.get_by_test_id("display-due")).to_have_text(f"Balance due {rupees(total)}")
    mark_loaded(pos)
    mark_loaded(display)
    number = summary.get_by_test_id("invoice-number").inner_text()

    # Another screen takes the payment over REST; both pages learn it from the "payment" push.
    invoice_id = pos.evaluate("() => sessionStorage.getItem('pos:summary:T2')")
    other = context.request.post(f"/api/v1/invoices/{invoice_id}/payments",
                                 data={"method": "card", "amount_paise": total, "reference": "CARD-7781"})
    assert other.status == 201, other.text()
    expect(summary.get_by_test_id("summary-due")).to_have_text(rupees(0))
    expect(summary.get_by_test_id("invoice-status")).to_have_text("paid")
    expect(summary.get_by_test_id("summary-payment")).to_have_text([f"Paid {rupees(total)} — Card ref CARD-7781"])
    expect(display.get_by_test_id("display-payments")).to_contain_text(f"Paid {rupees(total)} — Card ref CARD-7781")
    expect(display.get_by_text("Thank you!")).to_be_visible()
    assert number.startswith("T2/")
    assert was_not_reloaded(pos) and was_not_reloaded(display)


def test_an_admin_sets_up_two_factor_login_on_the_kiosk_then_logs_in_with_a_code(
    context: BrowserContext, browser: Browser, page_errors: PageErrors, kiosk: Daemon
) -> None:
    import pyotp

    page = page_errors.watch(context.new_page())
    page.goto("/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(DEMO_LOGINS["admin"])
    page.keyboard.press("Enter")
    form = page.get_by_role("form", name="Set up two-factor login")
    expect(form).to_be_visible()
    qr = page.get_by_alt_text("QR code for the authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0, "the QR image rendered (allowed by the CSP)"
    secret = page.locator("code").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    form.get_by_label("Code").fill(totp.now())
    form.get_by_role("button", name="Switch on and log in").click()
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    page.get_by_role("button", name="I have written them down").click()
    expect(page).not_to_have_url(re.compile(r"/login"))

    other = browser.new_context(base_url=kiosk.url)  # another kiosk: no cookie
    again = page_errors.watch(other.new_page())
    again.goto("/login")
    again.get_by_label("User name").fill("admin")
    again.get_by_label("Password").fill(DEMO_LOGINS["admin"])
    again.keyboard.press("Enter")
    second = again.get_by_role("form", name="Two-factor code")
    second.get_by_label("Code").fill(recovery)  # a recovery code, as after a lost phone
    second.get_by_role("button", name="Log in").click()
    expect(again).not_to_have_url(re.compile(r"/login"))
    other.close()
