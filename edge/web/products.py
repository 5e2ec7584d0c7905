"""Products for the back office over REST: full view, create, edit, archive or delete, CSV export and import.

The till's search (``GET /api/v1/products``) and barcode look-up (``/api/v1/products/barcode/<code>``) live in
edge.web.catalog; these routes share the URL prefix and take product IDs (UUIDs) as one path segment, so they
never shadow the barcode route.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from edge.services import products
from edge.web.access import current_user_or_none
from edge.web.api import api, json_body

bp = Blueprint("products", __name__, url_prefix="/api/v1/products")
READERS = ("admin", "manager", "cashier")
EDITORS = ("admin", "manager")

DAY = {"type": "string", "description": "YYYY-MM-DD"}
PAISE = {"type": "integer", "minimum": 1}
UNIT = {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "kind": {"type": "string", "enum": ["piece", "kg", "package"],
                 "description": "the product's base unit, or package (default: base when named like it)"},
        "factor_milli": {"type": "integer", "minimum": 1,
                         "description": "base units x 1000 in one package (case of 24 = 24000); base unit 1000"},
        "sellable": {"type": "boolean"},
        "floor_price_paise": {"type": ["integer", "null"], "minimum": 0},
        "barcodes": {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 20,
                     "description": "EAN-13, EAN-8 or UPC-A; replaces the unit's barcodes"},
        "prices_paise": {"type": "object", "additionalProperties": PAISE,
                         "description": "price of one unit per rate tier, e.g. {\"counter\": 4500}"},
    },
}
GST = {
    "type": "object", "required": ["rate_bp"], "additionalProperties": False,
    "properties": {
        "rate_bp": {"type": "integer", "description": "a GST slab in basis points: 0, 25, 300, 500, 1200, 1800, "
                                                      "2800, 4000"},
        "cess_bp": {"type": "integer", "minimum": 0, "maximum": 10000, "description": "default 0"},
        "effective_from": {**DAY, "description": "default today; an edit cannot be back-dated"},
    },
}
FIELDS: dict[str, Any] = {
    "sku": {"type": "string", "minLength": 1, "maxLength": 32},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "category": {"type": ["string", "null"], "maxLength": 120, "description": "made when new"},
    "hsn_code": {"type": "string", "description": "4, 6 or 8 digits"},
    "base_unit": {"type": "string", "enum": ["piece", "kg"]},
    "prices_include_tax": {"type": "boolean"},
    "scale_code": {"type": ["string", "null"], "description": "item code in scale labels (5 digits by default)"},
    "gst": GST,
    "prices_effective_from": {**DAY, "description": "day new prices apply from; default today, never back-dated"},
    "units": {"type": "array", "items": UNIT, "maxItems": 20},
}
NEW_BODY = {"type": "object", "required": ["sku", "name", "hsn_code", "base_unit", "gst"], "properties": FIELDS}
CHANGE_BODY = {"type": "object", "properties": {
    **FIELDS, "is_active": {"type": "boolean"},
    "remove_units": {"type": "array", "items": {"type": "string"}, "description": "package names to remove"}}}
IMPORT_BODY = {"type": "object", "required": ["csv"], "properties": {
    "csv": {"type": "string", "minLength": 1, "description": "the CSV text, header row first"}}}
PRODUCT = {"type": "object", "properties": {
    "id": {"type": "string"}, "sku": {"type": "string"}, "name": {"type": "string"},
    "category": {"type": ["string", "null"]}, "hsn_code": {"type": "string"}, "base_unit": {"type": "string"},
    "prices_include_tax": {"type": "boolean"}, "gst_rate_bp": {"type": ["integer", "null"]},
    "cess_bp": {"type": ["integer", "null"]}, "is_active": {"type": "boolean"},
    "scale_code": {"type": ["string", "null"]}, "units": {"type": "array", "items": {"type": "object"}},
    "gst_history": {"type": "array", "items": {"type": "object"}},
}}
OUTCOME = {"type": "object", "properties": {
    "id": {"type": "string"}, "sku": {"type": "string"},
    "outcome": {"type": "string", "enum": ["archived", "deleted"]}, "reason": {"type": "string"}}}
IMPORTED = {"type": "object", "properties": {
    "rows": {"type": "integer"}, "created": {"type": "integer"}, "updated": {"type": "integer"},
    "unchanged": {"type": "integer"}}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "/export.csv", "GET", media_type="text/csv", roles=READERS,
     summary="Every product as CSV (text/csv), prices in rupees",
     response={"type": "string", "description": "CSV text; see docs/catalog-and-customers.md"})
def export_products() -> Any:
    """One row per product by SKU: base unit and first package, prices and GST in force today."""
    ctx = _ctx()
    day = products.store_today(ctx).strftime("%Y%m%d")
    return Response(products.export_csv(ctx), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="products-{day}.csv"'})


@api(bp, "/import", "POST", roles=EDITORS, summary="Create or update products from CSV, all or nothing",
     body=IMPORT_BODY, response=IMPORTED)
def import_products() -> Any:
    """400 import_rejected lists every bad row as error.rows [{row, field, message, code}]; nothing is saved."""
    data = json_body(IMPORT_BODY)
    try:
        return jsonify(products.import_csv(_ctx(), current_user_or_none(), data["csv"]))
    except products.ImportRejected as exc:
        error = {"code": exc.code, "message": exc.message, "field": exc.field, "rows": exc.rows}
        return jsonify({"error": error}), exc.status


@api(bp, "", "POST", roles=EDITORS, summary="Add a product: GST, units with barcodes, tier prices",
     body=NEW_BODY, response=PRODUCT, status=201)
def create_product() -> Any:
    """Barcodes are checked (check digit, unique); the GST rate must be a slab; HSN 4, 6 or 8 digits."""
    data = json_body(NEW_BODY)
    return jsonify(products.create_product(_ctx(), current_user_or_none(), data)), 201


@api(bp, "/<product_id>", "GET", roles=READERS, summary="A product in full: units, prices, GST and their history",
     response=PRODUCT)
def get_product(product_id: str) -> Any:
    """Prices and GST in force today, with every dated row."""
    return jsonify(products.view_product(_ctx(), product_id))


@api(bp, "/<product_id>", "PATCH", roles=EDITORS,
     summary="Change a product; a price or GST change adds a dated row", body=CHANGE_BODY, response=PRODUCT)
def change_product(product_id: str) -> Any:
    """Units are matched by name: new names add packages, given barcodes replace the unit's barcodes."""
    data = json_body(CHANGE_BODY)
    return jsonify(products.update_product(_ctx(), current_user_or_none(), product_id, data))


@api(bp, "/<product_id>", "DELETE", roles=EDITORS,
     summary="Delete a product, or archive it when invoices or carts refer to it", response=OUTCOME)
def delete_product(product_id: str) -> Any:
    """An archived product is hidden from the till's search and scans; PATCH is_active true brings it back."""
    return jsonify(products.delete_product(_ctx(), current_user_or_none(), product_id))
