"""Catalog for the till: product by barcode, search by name, SKU or barcode prefix."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.services import catalog
from edge.services.errors import InvalidInput
from edge.web.api import Param, api

bp = Blueprint("catalog", __name__, url_prefix="/api/v1/products")
SELLERS = ("admin", "manager", "cashier")
PRODUCT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "sku": {"type": "string"}, "name": {"type": "string"},
    "category": {"type": ["string", "null"]}, "hsn_code": {"type": "string"},
    "base_unit": {"type": "string", "enum": ["piece", "kg"]},
    "gst_rate_bp": {"type": ["integer", "null"]}, "cess_bp": {"type": ["integer", "null"]},
    "units": {"type": "array", "items": {"type": "object"}},
}}


def _today() -> Any:
    return current_app.extensions["pos"].now().date()


@api(bp, "/barcode/<code>", "GET", roles=SELLERS, summary="The product and unit of a scanned barcode",
     response=PRODUCT_SCHEMA)
def by_barcode(code: str) -> Any:
    """404 with code unknown_barcode when no product carries it."""
    return jsonify(catalog.lookup_barcode(current_app.extensions["pos"].db, code, _today()))


@api(bp, "", "GET", roles=SELLERS, summary="Search products by words of name, SKU or barcode",
     query=(Param("q", {"type": "string"}, "words; each must start a word of the product", True),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "at most this many (20)")),
     response={"type": "object", "properties": {"items": {"type": "array", "items": PRODUCT_SCHEMA}}})
def search() -> Any:
    """Products ordered by name."""
    limit_text = request.args.get("limit", "20")
    if not limit_text.isdigit():
        raise InvalidInput("limit must be an integer between 1 and 100", "limit")
    ctx = current_app.extensions["pos"]
    return jsonify({"items": catalog.search_products(ctx.db, request.args.get("q", ""), _today(), int(limit_text))})
