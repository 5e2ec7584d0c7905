"""Products in the back office: add, edit with dated prices and GST, archive or delete, CSV export and import."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from edge.domain.barcodes import check_digit
from edge.services import products as products_service
from edge.services.demo_data import demo_products
from edge.store.models import AuditLog, Outbox, Product, ProductBarcode, ProductPrice, ProductUnit, RateTier
from edge.web import products as products_web
from tests.conftest import FakeClock
from tests.integration.test_sale import CASE, PIECE_ITEM, cart_of, post

API = "/api/v1/products"
DEMO = demo_products()
OTHER = next(p for p in DEMO if p.sku != PIECE_ITEM.sku and p.base_unit == "piece" and p.units[0].barcode
             and p.units[0].sellable)


@pytest.fixture
def app(app_and_socketio: tuple[Flask, SocketIO]) -> Flask:
    """The app with the products blueprint (registered here until the app factory registers it)."""
    app = app_and_socketio[0]
    if products_web.bp.name not in app.blueprints:
        app.register_blueprint(products_web.bp)
    return app


def ean(body12: str) -> str:
    """An EAN-13 with its check digit."""
    return body12 + check_digit(body12)


PACKET, CARTON = ean("890777000001"), ean("890777000002")


def new_product(**changes: Any) -> dict[str, Any]:
    """A valid body for a new product: a biscuit packet sold alone and by the carton of 24."""
    body: dict[str, Any] = {
        "sku": "BIS-0001", "name": "Nice Time Coconut Biscuits 150 g", "category": "Biscuits & Snacks",
        "hsn_code": "190531", "base_unit": "piece", "gst": {"rate_bp": 500},
        "units": [
            {"name": "piece", "barcodes": [PACKET], "prices_paise": {"counter": 4000, "wholesale": 3800}},
            {"name": "Carton of 24", "kind": "package", "factor_milli": 24000, "barcodes": [CARTON],
             "prices_paise": {"counter": 92000}},
        ],
    }
    body.update(changes)
    return body


def uuid_of(sku: str) -> str:
    """The UUID of a product by SKU."""
    return str(Product.get(Product.sku == sku).uuid)


def outbox_types() -> list[str]:
    """Types of the queued business events, oldest first (audit rows replicate too; they are left out)."""
    return [row.type for row in Outbox.select().where(Outbox.type != "audit.recorded").order_by(Outbox.seq)]


def read_csv(text: str) -> list[dict[str, str]]:
    """CSV text as rows of cells by column."""
    return list(csv.DictReader(io.StringIO(text)))


def write_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    """Rows back to CSV text, as a spreadsheet would save them."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_new_product_can_be_scanned_found_and_sold_at_the_till(login: Callable[[str], FlaskClient]) -> None:
    manager, cashier = login("manager"), login("cashier")
    created = manager.post(API, json=new_product())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["sku"], body["category"], body["gst_rate_bp"], body["is_active"]) == (
        "BIS-0001", "Biscuits & Snacks", 500, True)
    assert [(u["name"], u["kind"], u["factor_milli"], u["barcodes"], u["prices_paise"]) for u in body["units"]] == [
        ("piece", "piece", 1000, [PACKET], {"counter": 4000, "wholesale": 3800}),
        ("Carton of 24", "package", 24000, [CARTON], {"counter": 92000}),
    ]
    assert cashier.get(f"{API}/{body['id']}").get_json() == body

    scanned = cashier.get(f"{API}/barcode/{CARTON}").get_json()
    assert (scanned["sku"], scanned["scanned_unit"]["name"]) == ("BIS-0001", "Carton of 24")
    found = cashier.get(f"{API}?q=nice%20time%20coconut").get_json()["items"]
    assert [item["sku"] for item in found] == ["BIS-0001"]
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CARTON})
    assert [(line["unit"], line["rate_paise"], line["gst_rate_bp"]) for line in cart["lines"]] == [
        ("Carton of 24", 92000, 500)]

    assert outbox_types() == ["product.created"]
    audit = AuditLog.select().where(AuditLog.action == "product.created").get()
    assert (audit.user.username, audit.entity_id) == ("manager", body["id"])

    in_use = manager.patch(f"{API}/{body['id']}", json={"remove_units": ["Carton of 24"]})
    assert in_use.status_code == 409 and in_use.get_json()["error"]["code"] == "unit_in_use"
    added = manager.patch(f"{API}/{body['id']}", json={"units": [
        {"name": "Pack of 6", "factor_milli": 6000, "barcodes": [ean("890777000003")]}]})
    assert [unit["name"] for unit in added.get_json()["units"]] == ["piece", "Pack of 6", "Carton of 24"]
    removed = manager.patch(f"{API}/{body['id']}", json={"remove_units": ["Pack of 6"]})
    assert [unit["name"] for unit in removed.get_json()["units"]] == ["piece", "Carton of 24"]
    assert cashier.get(f"{API}/barcode/{ean('890777000003')}").status_code == 404


@pytest.mark.parametrize(("changes", "status", "field", "code"), [
    ({"hsn_code": "12345"}, 400, "hsn_code", "bad_hsn"),
    ({"gst": {"rate_bp": 1300}}, 400, "gst.rate_bp", "unknown_gst_slab"),
    ({"gst": {"rate_bp": 500, "cess_bp": 20000}}, 400, "gst.cess_bp", "invalid"),
    ({"units": [{"name": "piece", "barcodes": [PACKET[:-1] + str((int(PACKET[-1]) + 1) % 10)]}]}, 400,
     "units.0.barcodes.0", "bad_check_digit"),
    ({"units": [{"name": "piece", "barcodes": [PIECE_ITEM.units[0].barcode]}]}, 409, "units.0.barcodes.0",
     "duplicate_barcode"),
    ({"units": [{"name": "piece", "barcodes": [ean("210004201234")]}]}, 400, "units.0.barcodes.0",
     "barcode_is_scale_label"),
    ({"units": [{"name": "piece", "barcodes": [PACKET]}, {"name": "Box", "barcodes": [PACKET], "factor_milli": 6000}]},
     400, "units.1.barcodes.0", "duplicate_barcode"),
    ({"units": [{"name": "Half dozen", "factor_milli": 6500}]}, 400, "units.0.factor_milli", "bad_factor"),
    ({"units": [{"name": "Box"}]}, 400, "units.0.factor_milli", "required"),
    ({"units": [{"name": "piece", "prices_paise": {"vip": 100}}]}, 400, "units.0.prices_paise.vip", "invalid"),
    ({"units": [{"name": "piece", "prices_paise": {"counter": 0}}]}, 400, "units.0.prices_paise.counter", "invalid"),
    ({"sku": PIECE_ITEM.sku}, 409, "sku", "duplicate_sku"),
    ({"base_unit": "litre"}, 400, "base_unit", "invalid"),
    ({"scale_code": "42"}, 400, "scale_code", "bad_scale_code"),
    ({"gst": None}, 400, "gst", "invalid"),
])
def test_bad_product_fields_are_named_and_nothing_is_saved(
    login: Callable[[str], FlaskClient], changes: dict[str, Any], status: int, field: str, code: str
) -> None:
    manager = login("manager")
    body = {key: value for key, value in new_product(**changes).items() if value is not None}
    response = manager.post(API, json=body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["field"].startswith(field) and error["code"] == code, error
    assert Product.select().count() == len(DEMO)
    assert outbox_types() == []


def test_a_cashier_reads_products_but_cannot_change_them(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    product = uuid_of(PIECE_ITEM.sku)
    assert cashier.get(f"{API}/{product}").status_code == 200
    assert cashier.get(f"{API}/export.csv").status_code == 200
    for method, path, body in (("POST", API, new_product()), ("PATCH", f"{API}/{product}", {"name": "Cheap"}),
                               ("DELETE", f"{API}/{product}", {}), ("POST", f"{API}/import", {"csv": "sku\n"})):
        response = cashier.open(path, method=method, json=body)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["error"]["code"] == "forbidden"
    assert Product.get(Product.sku == PIECE_ITEM.sku).name == PIECE_ITEM.name


def counter_rows(sku: str) -> list[tuple[date, int]]:
    """The dated counter prices of a product's base unit."""
    product = Product.get(Product.sku == sku)
    unit = ProductUnit.get((ProductUnit.product == product) & (ProductUnit.factor_milli == 1000))
    return [(row.effective_from, row.price_paise) for row in ProductPrice.select().join(RateTier).where(
        (ProductPrice.unit == unit) & (RateTier.code == "counter")).order_by(ProductPrice.effective_from)]


def counter_price(paise: int) -> dict[str, Any]:
    """A PATCH body setting the counter price of the base unit (a piece)."""
    return {"units": [{"name": "piece", "prices_paise": {"counter": paise}}]}


def test_price_and_gst_changes_add_dated_rows_and_issued_invoices_keep_their_rates(
    login: Callable[[str], FlaskClient], clock: FakeClock
) -> None:
    manager, cashier = login("manager"), login("cashier")
    product = uuid_of(PIECE_ITEM.sku)
    old = PIECE_ITEM.units[0].prices_paise["counter"]
    raised = manager.patch(f"{API}/{product}", json=counter_price(old + 500))
    assert raised.status_code == 200, raised.get_json()
    assert raised.get_json()["units"][0]["prices_paise"]["counter"] == old + 500
    assert counter_rows(PIECE_ITEM.sku) == [(date(2025, 4, 1), old), (date(2026, 11, 24), old + 500)]
    corrected = manager.patch(f"{API}/{product}", json=counter_price(old + 600))
    assert corrected.status_code == 200
    assert counter_rows(PIECE_ITEM.sku) == [(date(2025, 4, 1), old), (date(2026, 11, 24), old + 600)], (
        "a second change the same day corrects that day's row; the old price stays")

    sale = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    invoice = post(cashier, f"/api/v1/carts/{sale['id']}/checkout", {}, status=201)
    assert [(line["rate_paise"], line["gst_rate_bp"]) for line in invoice["lines"]] == [(old + 600, 500)]

    planned = manager.patch(f"{API}/{product}", json={
        "units": [{"name": "piece", "prices_paise": {"counter": old + 1000}}], "prices_effective_from": "2026-12-01",
        "gst": {"rate_bp": 1800, "effective_from": "2026-12-01"}})
    assert planned.status_code == 200, planned.get_json()
    view = planned.get_json()
    assert (view["units"][0]["prices_paise"]["counter"], view["gst_rate_bp"]) == (old + 600, 500), (
        "today's price and rate stay until 1 Dec")
    assert [(row["effective_from"], row["rate_bp"]) for row in view["gst_history"]] == [
        ("2017-07-01", 500), ("2026-12-01", 1800)]
    assert [(row["effective_from"], row["price_paise"]) for row in view["units"][0]["price_history"]
            if row["tier"] == "counter"] == [("2025-04-01", old), ("2026-11-24", old + 600), ("2026-12-01", old + 1000)]

    for body, field in (({"units": [{"name": "piece", "prices_paise": {"counter": 1}}],
                          "prices_effective_from": "2026-11-01"}, "prices_effective_from"),
                        ({"gst": {"rate_bp": 1800, "effective_from": "2025-01-01"}}, "gst.effective_from")):
        backdated = manager.patch(f"{API}/{product}", json=body)
        assert backdated.status_code == 400
        assert (backdated.get_json()["error"]["field"], backdated.get_json()["error"]["code"]) == (
            field, "backdated_change")

    clock.now = datetime(2026, 12, 1, 4, 0)
    december = login("cashier")
    line = post(december, f"/api/v1/carts/{cart_of(december)['id']}/scan",
                {"code": PIECE_ITEM.units[0].barcode})["lines"][0]
    assert (line["rate_paise"], line["gst_rate_bp"]) == (old + 1000, 1800)
    again = december.get(f"/api/v1/invoices/{invoice['id']}").get_json()
    assert [(line["rate_paise"], line["gst_rate_bp"]) for line in again["lines"]] == [(old + 600, 500)], (
        "the November invoice keeps the rate it was issued with")


def test_a_sold_product_is_archived_and_an_unused_one_deleted(login: Callable[[str], FlaskClient]) -> None:
    manager, cashier = login("manager"), login("cashier")
    sold = uuid_of(PIECE_ITEM.sku)
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)

    archived = manager.delete(f"{API}/{sold}", json={})
    assert archived.status_code == 200
    assert archived.get_json()["outcome"] == "archived" and "1 invoice" in archived.get_json()["reason"]
    assert cashier.get(f"{API}/barcode/{CASE.barcode}").get_json()["error"]["code"] == "unknown_barcode"
    assert PIECE_ITEM.sku not in [p["sku"] for p in cashier.get(f"{API}?q=india%20gate").get_json()["items"]]
    assert cashier.get(f"{API}/{sold}").get_json()["is_active"] is False
    exported = {row["sku"]: row for row in read_csv(manager.get(f"{API}/export.csv").data.decode())}
    assert exported[PIECE_ITEM.sku]["active"] == "no"
    restored = manager.patch(f"{API}/{sold}", json={"is_active": True})
    assert restored.get_json()["is_active"] is True
    assert cashier.get(f"{API}/barcode/{CASE.barcode}").status_code == 200

    in_cart = uuid_of(OTHER.sku)
    post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": OTHER.units[0].barcode})
    assert manager.delete(f"{API}/{in_cart}", json={}).get_json()["outcome"] == "archived", "a cart refers to it"

    unused = manager.post(API, json=new_product()).get_json()
    deleted = manager.delete(f"{API}/{unused['id']}", json={})
    assert deleted.get_json()["outcome"] == "deleted"
    assert manager.get(f"{API}/{unused['id']}").status_code == 404
    assert not ProductBarcode.select().where(ProductBarcode.code == PACKET).exists()
    assert manager.post(API, json=new_product(sku="BIS-0002")).status_code == 201, "its barcodes are free again"
    assert [kind for kind in outbox_types() if kind.startswith("product.")] == [
        "product.changed", "product.changed", "product.changed", "product.created", "product.deleted",
        "product.created"], "archive, restore, archive, create, delete, create"


def test_csv_export_then_import_round_trips(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    exported = manager.get(f"{API}/export.csv")
    assert exported.mimetype == "text/csv"
    assert "products-20261124.csv" in exported.headers["Content-Disposition"]
    text = exported.data.decode()
    rows = read_csv(text)
    columns = list(rows[0])
    assert columns == ["sku", "name", "category", "hsn_code", "base_unit", "prices_include_tax", "gst_rate_percent",
                       "cess_percent", "scale_code", "active", "barcode", "counter_price", "wholesale_price",
                       "customer_price", "case_name", "case_factor", "case_barcode", "case_counter_price",
                       "case_wholesale_price", "case_customer_price"]
    assert len(rows) == len(DEMO) == 240
    first = rows[0]
    assert (first["sku"], first["base_unit"], first["counter_price"], first["case_name"], first["case_factor"],
            first["case_counter_price"], first["gst_rate_percent"]) == (
        "SKU00001", "kg", "62.00", "25 kg bag", "25", "1530.00", "0")

    same = manager.post(f"{API}/import", json={"csv": text})
    assert same.get_json() == {"rows": 240, "created": 0, "updated": 0, "unchanged": 240}
    assert outbox_types() == [], "re-importing an export changes nothing"

    by_sku = {row["sku"]: row for row in rows}
    by_sku[PIECE_ITEM.sku]["counter_price"] = "150.50"
    by_sku[OTHER.sku]["name"] = OTHER.name + " (new pack)"
    new_row = dict.fromkeys(columns, "")
    new_row.update(sku="BIS-0001", name="Nice Time Coconut Biscuits 150 g", category="Biscuits & Snacks",
                   hsn_code="190531", base_unit="piece", prices_include_tax="yes", gst_rate_percent="5",
                   cess_percent="0", active="yes", barcode=PACKET, counter_price="40.00", wholesale_price="38.00",
                   case_name="Carton of 24", case_factor="24", case_barcode=CARTON, case_counter_price="920.00")
    edited = write_csv([*by_sku.values(), new_row], columns)
    imported = manager.post(f"{API}/import", json={"csv": edited})
    assert imported.get_json() == {"rows": 241, "created": 1, "updated": 2, "unchanged": 238}
    assert sorted(outbox_types()) == ["product.changed", "product.changed", "product.created"]

    again = manager.get(f"{API}/export.csv").data.decode()
    assert read_csv(again) == sorted([*by_sku.values(), new_row], key=lambda row: row["sku"]), (
        "what was imported is what is exported")
    assert counter_rows(PIECE_ITEM.sku) == [(date(2025, 4, 1), PIECE_ITEM.units[0].prices_paise["counter"]),
                                            (date(2026, 11, 24), 15050)], "the old price is kept as history"
    scanned = manager.get(f"{API}/barcode/{CARTON}").get_json()
    assert (scanned["sku"], scanned["scanned_unit"]["factor_milli"], scanned["scanned_unit"]["prices_paise"]) == (
        "BIS-0001", 24000, {"counter": 92000})


def test_an_import_with_two_bad_rows_out_of_five_saves_nothing(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    header = "sku,name,hsn_code,base_unit,gst_rate_percent,counter_price,barcode"
    lines = [
        header,
        f"NEW-1,Good One,190531,piece,5,10.00,{ean('890777100001')}",
        "NEW-2,Bad HSN and price,12345,piece,5,12.345,",
        f"NEW-3,Good Three,190531,piece,18,25.50,{ean('890777100003')}",
        f"NEW-4,Taken barcode,190531,piece,5,9.00,{PIECE_ITEM.units[0].barcode}",
        "NEW-5,Good Five,0902,kg,5,450.00,",
    ]
    response = manager.post(f"{API}/import", json={"csv": "\n".join(lines) + "\n"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "import_rejected" and "nothing was imported" in error["message"]
    assert [(item["row"], item["field"]) for item in error["rows"]] == [
        (3, "hsn_code"), (3, "counter_price"), (5, "barcode")]
    assert PIECE_ITEM.sku in error["rows"][2]["message"], "says which product has the barcode"
    assert "more than 2 decimals" in error["rows"][1]["message"]
    assert not Product.select().where(Product.sku.startswith("NEW-")).exists()
    assert Product.select().count() == len(DEMO) and outbox_types() == []
    assert not AuditLog.select().where(AuditLog.action == "products.imported").exists()

    fixed = [line for line in lines if not line.startswith(("NEW-2", "NEW-4"))]
    assert manager.post(f"{API}/import", json={"csv": "\n".join(fixed)}).get_json()["created"] == 3

    for text, field in (("sku,name,colour\nX,Y,red\n", "colour"), ("", "csv"),
                        (f"{header}\nNEW-9,Dup,190531,piece,5,1.00,\nNEW-9,Dup,190531,piece,5,1.00,\n", "sku")):
        bad = manager.post(f"{API}/import", json={"csv": text})
        assert bad.status_code == 400, text
        assert field in [item["field"] for item in bad.get_json()["error"].get("rows", [])] + [
            bad.get_json()["error"]["field"]], bad.get_json()
    as_text = manager.post(f"{API}/import", data=header, content_type="text/csv")
    assert as_text.status_code == 415, "changes are sent as JSON: {\"csv\": \"...\"}"


def test_barcodes_can_swap_between_products_in_one_import(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    rows = read_csv(manager.get(f"{API}/export.csv").data.decode())
    by_sku = {row["sku"]: row for row in rows}
    first, second = by_sku[PIECE_ITEM.sku], by_sku[OTHER.sku]
    first["barcode"], second["barcode"] = second["barcode"], first["barcode"]
    result = manager.post(f"{API}/import", json={"csv": write_csv(rows, list(rows[0]))})
    assert result.status_code == 200, result.get_json()
    assert result.get_json()["updated"] == 2
    assert manager.get(f"{API}/barcode/{PIECE_ITEM.units[0].barcode}").get_json()["sku"] == OTHER.sku
    assert manager.get(f"{API}/barcode/{OTHER.units[0].barcode}").get_json()["sku"] == PIECE_ITEM.sku
    changed = [json.loads(row.details) for row in AuditLog.select().where(AuditLog.action == "product.changed")]
    assert all(details["source"] == "csv import" and details["changes"]["barcodes"] for details in changed)


def test_one_import_changes_at_most_a_bounded_number_of_products(
    login: Callable[[str], FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(products_service, "MAX_IMPORT_CHANGES", 2)
    manager = login("manager")
    rows = read_csv(manager.get(f"{API}/export.csv").data.decode())
    for row in rows[:3]:
        row["name"] += " (renamed)"
    refused = manager.post(f"{API}/import", json={"csv": write_csv(rows, list(rows[0]))})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["rows"][0]["code"] == "too_many_changes"
    assert not Product.select().where(Product.name.endswith("(renamed)")).exists(), "nothing half-imported"
    rows[2]["name"] = rows[2]["name"].removesuffix(" (renamed)")
    accepted = manager.post(f"{API}/import", json={"csv": write_csv(rows, list(rows[0]))})
    assert accepted.get_json() == {"rows": 240, "created": 0, "updated": 2, "unchanged": 238}, (
        "unchanged rows do not count against the limit")


def test_a_price_change_reaches_the_cart_that_already_holds_the_product(
    login: Callable[[str], FlaskClient],
) -> None:
    manager, cashier = login("manager"), login("cashier")
    old = PIECE_ITEM.units[0].prices_paise["counter"]
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    assert [line["rate_paise"] for line in cart["lines"]] == [old]  # the till now holds the product's prices

    changed = manager.patch(f"{API}/{uuid_of(PIECE_ITEM.sku)}", json=counter_price(old + 700))
    assert changed.status_code == 200, changed.get_json()
    cart = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    assert [(line["quantity_milli"], line["rate_paise"]) for line in cart["lines"]] == [(2000, old + 700)]
    invoice = post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    assert [line["rate_paise"] for line in invoice["lines"]] == [old + 700]
