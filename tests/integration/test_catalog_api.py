"""The till finds products by scanned barcode and by typed words, with units, tier prices and GST."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient

from edge.services.context import ServiceContext
from edge.services.demo_data import DemoProduct, demo_employees, demo_products
from edge.store.models import Employee

TODAY = date(2026, 11, 24)


def gst_on(product: DemoProduct, day: date) -> int:
    """The demo rate in force on a day."""
    return [rate.rate_bp for rate in product.gst if rate.effective_from <= day][-1]


def test_scanning_a_case_barcode_selects_the_package_unit(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    product = next(p for p in demo_products() if any(u.kind == "package" and u.barcode for u in p.units))
    case = next(u for u in product.units if u.kind == "package" and u.barcode)
    response = cashier.get(f"/api/v1/products/barcode/{case.barcode}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["sku"] == product.sku
    assert body["scanned_unit"]["name"] == case.name
    assert body["scanned_unit"]["factor_milli"] == case.factor_milli
    assert body["gst_rate_bp"] == gst_on(product, TODAY)
    assert body["hsn_code"] == product.hsn_code


def test_scanned_piece_shows_its_tier_prices(login: Callable[[str], FlaskClient]) -> None:
    product = next(p for p in demo_products() if p.base_unit == "piece" and p.units[0].barcode)
    base = product.units[0]
    body = login("cashier").get(f"/api/v1/products/barcode/{base.barcode}").get_json()
    assert body["scanned_unit"]["prices_paise"] == base.prices_paise
    assert body["scanned_unit"]["prices_paise"]["wholesale"] <= body["scanned_unit"]["prices_paise"]["counter"]


def test_price_history_applies_the_rate_in_force(login: Callable[[str], FlaskClient]) -> None:
    changed = next(p for p in demo_products() if len(p.gst) > 1 and p.units[0].barcode)
    body = login("cashier").get(f"/api/v1/products/barcode/{changed.units[0].barcode}").get_json()
    assert body["gst_rate_bp"] == changed.gst[-1].rate_bp
    assert changed.gst[-1].rate_bp != changed.gst[0].rate_bp


def test_unknown_barcode_answers_404_in_the_error_shape(login: Callable[[str], FlaskClient]) -> None:
    response = login("cashier").get("/api/v1/products/barcode/8900000000000")
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "unknown_barcode", "message": "no product has barcode 8900000000000", "field": "code"
    }


def test_garbage_barcode_is_a_400_naming_the_field(login: Callable[[str], FlaskClient]) -> None:
    response = login("cashier").get("/api/v1/products/barcode/%3Cscript%3E")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "code"


def test_search_by_word_prefixes_finds_the_product(login: Callable[[str], FlaskClient]) -> None:
    product = demo_products()[17]
    words = [w for w in product.name.lower().replace("-", " ").split() if w.isalpha()][:2]
    query = " ".join(word[:4] for word in words)
    items = login("cashier").get("/api/v1/products", query_string={"q": query}).get_json()["items"]
    assert product.sku in [item["sku"] for item in items]
    assert all(item["base_unit"] in ("piece", "kg") for item in items)
    assert [item["name"] for item in items] == sorted(item["name"] for item in items)


def test_search_by_sku_and_by_barcode(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    product = next(p for p in demo_products() if p.units[0].barcode)
    by_sku = cashier.get("/api/v1/products", query_string={"q": product.sku}).get_json()["items"]
    by_code = cashier.get("/api/v1/products", query_string={"q": product.units[0].barcode}).get_json()["items"]
    assert [item["sku"] for item in by_sku] == [product.sku]
    assert [item["sku"] for item in by_code] == [product.sku]


def test_search_limit_is_bounded(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    assert len(cashier.get("/api/v1/products", query_string={"q": "sku", "limit": "5"}).get_json()["items"]) == 5
    for bad in ("0", "101", "ten"):
        response = cashier.get("/api/v1/products", query_string={"q": "rice", "limit": bad})
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "limit"


def test_empty_search_is_refused(login: Callable[[str], FlaskClient]) -> None:
    response = login("cashier").get("/api/v1/products", query_string={"q": " -- "})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "q"


def test_hr_sees_the_employee_directory_without_pay(login: Callable[[str], FlaskClient]) -> None:
    items = login("hr").get("/api/v1/employees").get_json()["items"]
    assert len(items) == 250
    assert all("pay_rate" not in item and "pay_rate_paise" not in item for item in items)


def test_employee_pay_is_stored_encrypted_and_readable_with_the_key(demo_ctx: ServiceContext) -> None:
    demo = demo_employees()[0]
    row = Employee.get(Employee.code == demo.code)
    assert str(demo.pay_rate_paise).encode() not in bytes(row.pay_rate_enc)
    assert demo_ctx.cipher.decrypt_json(row.pay_rate_enc, "employee.pay_rate") == demo.pay_rate_paise
