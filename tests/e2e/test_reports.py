"""The manager's dashboard and GST returns in Chromium, against the real daemon: the figures the reports API
computes, shown as cards and charts, filtered by till, each downloadable as the API's CSV; a refused filter
shown under its field; screenshots kept as artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import PageErrors, log_in
from tests.e2e.test_back_office import Api, sell
from tests.e2e.test_kiosk import rupees
from tests.integration.test_daemon import Daemon


@pytest.fixture(scope="module")
def sales(kiosk: Daemon) -> Api:
    """Three sales over REST on two tills: rice and sugar on T1, oil on T2."""
    api = Api(kiosk, "manager")
    sell(api, "T1", "rice")
    sell(api, "T1", "sugar")
    sell(api, "T2", "oil")
    return api


def shot(page: Page, path: Path) -> None:
    """The whole screen, however long (the report scrolls inside the frame)."""
    page.set_viewport_size({"width": 1366, "height": 1900})
    page.screenshot(path=path)
    page.set_viewport_size({"width": 1366, "height": 768})
    assert path.stat().st_size > 20_000


def download_text(page: Page, link: Any) -> tuple[str, str]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes().decode("utf-8-sig")


def test_dashboard_shows_the_apis_figures_filters_by_till_and_downloads_csv(
    context: BrowserContext, page_errors: PageErrors, sales: Api, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/office/products", "manager")
    page.get_by_role("navigation", name="Screens").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    menu = page.get_by_role("navigation", name="Reports")
    expect(menu.get_by_role("link")).to_have_text(["Dashboard", "GST returns"])

    every = sales.get("/reports/dashboard")
    assert every["revenue"]["today"]["net_invoices"] == 3
    expect(page.get_by_test_id("revenue-today").get_by_test_id("revenue")).to_have_text(
        rupees(every["revenue"]["today"]["net_sales_paise"]))
    expect(page.get_by_test_id("revenue-period").get_by_test_id("revenue")).to_have_text(
        rupees(every["revenue"]["period"]["net_sales_paise"]))
    expect(page.get_by_test_id("dashboard-period")).to_have_text(f"{every['from']} to {every['to']}")
    expect(page.get_by_label("From")).to_have_value(every["from"])
    # Every figure is a chart (recharts draws SVG) with its CSV.
    for chart in ("trend", "receivables", "status", "payments", "products", "customers", "categories",
                  "customer-types"):
        card = page.get_by_test_id(f"chart-{chart}")
        expect(card.get_by_test_id("csv")).to_be_visible()
    for chart in ("trend", "status", "payments", "products", "customers", "categories", "customer-types"):
        expect(page.get_by_test_id(f"chart-{chart}").locator("svg.recharts-surface").first).to_be_visible()
    expect(page.get_by_test_id("chart-receivables")).to_contain_text("Nothing is owed")
    best = [row["name"] for row in every["best_sellers"]]
    assert len(best) == 3
    products = page.get_by_test_id("chart-products")
    for name in best:
        expect(products.locator("text.recharts-cartesian-axis-tick-value").filter(has_text=name[:12]).first).to_be_attached()
    shot(page, tmp_path / "dashboard.png")

    # One till: the figures follow, and the payments CSV is the API's for that till.
    page.get_by_label("Till").fill("T2")
    page.keyboard.press("Enter")
    one = sales.get("/reports/dashboard", till="T2")
    assert one["revenue"]["period"]["net_invoices"] == 1
    expect(page.get_by_test_id("dashboard-period")).to_have_text(f"{one['from']} to {one['to']} · till T2")
    expect(page.get_by_test_id("revenue-period").get_by_test_id("revenue")).to_have_text(
        rupees(one["revenue"]["period"]["net_sales_paise"]))
    name, text = download_text(page, page.get_by_test_id("chart-payments").get_by_test_id("csv"))
    expected = sales.session.get(f"{sales.base}/reports/payments",
                                 params={"from": one["from"], "to": one["to"], "till": "T2", "format": "csv"})
    assert name.endswith(".csv") and text == expected.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Method,") and len(text.splitlines()) == 2
    shot(page, tmp_path / "dashboard-till-T2.png")

    # A till that does not exist: the API's message under the till field.
    page.get_by_label("Till").fill("T9")
    page.keyboard.press("Enter")
    refused = sales.session.get(f"{sales.base}/reports/dashboard", params={"till": "T9"})
    assert refused.status_code == 400
    expect(page.locator('[data-testid=field-error][data-field="till"]')).to_have_text(refused.json()["error"]["message"])


def test_gst_returns_show_the_periods_totals_and_section_csvs(
    context: BrowserContext, page_errors: PageErrors, sales: Api, tmp_path: Path
) -> None:
    page = page_errors.watch(context.new_page())
    log_in(page, "/reports/gst", "manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("GST returns")
    page.get_by_role("button", name="This month").click()
    gst = sales.get("/reports/gst")  # this month by default
    block = gst["registrations"][0]
    registration = page.get_by_test_id("gst-registration").first
    expect(registration.get_by_test_id("gstin")).to_have_text(block["gstin"])
    liability = registration.locator('[data-testid=gst-total][data-figure="liability"]')
    expect(liability).to_contain_text(rupees(block["totals"]["liability"]["taxable_paise"]))
    expect(liability).to_contain_text(rupees(block["totals"]["liability"]["tax_paise"]))
    b2cs = registration.locator('[data-testid=gst-section][data-section="b2cs"]')
    expect(b2cs).to_contain_text(f"{len(block['b2cs'])} row")
    name, text = download_text(page, b2cs.get_by_role("link", name="CSV"))
    assert name.startswith("gstr1-b2cs") and text.splitlines()[0].startswith("GSTIN,")
    assert len(text.splitlines()) == 1 + len(block["b2cs"])
    shot(page, tmp_path / "gst-returns.png")
