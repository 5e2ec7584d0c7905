"""Catalog for the till and the back office: product by barcode, search by name, SKU or barcode prefix,
and the whole catalog page by page."""

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


@api(bp, "/categories", "GET", roles=SELLERS, summary="Product categories with their product counts",
     response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
         "name": {"type": "string"}, "products": {"type": "integer"}}}}}})
def categories() -> Any:
    """By name; the list's category filter takes a name from here."""
    return jsonify({"items": catalog.list_categories(current_app.extensions["pos"].db)})


LIST_ONLY = ("status", "category", "after", "before")
PAGE_SCHEMA = {"type": "object", "properties": {
    "items": {"type": "array", "items": PRODUCT_SCHEMA},
    "total": {"type": "integer", "description": "products the list's filters match (not with q)"},
    "limit": {"type": "integer"},
    "next": {"type": ["string", "null"], "description": "cursor of the next page (after=), null on the last"},
    "prev": {"type": ["string", "null"], "description": "cursor of the previous page (before=), null on the first"},
}}


@api(bp, "", "GET", roles=SELLERS,
     summary="Search products by words of name, SKU or barcode (q); without q, the catalog page by page",
     query=(Param("q", {"type": "string"}, "words; each must start a word of the product (a search: active "
                                           "products, the best `limit` by name, no paging)"),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "at most this many (20)"),
            Param("status", {"type": "string", "enum": list(catalog.LIST_STATUSES)},
                  "list only: active (default), archived or all"),
            Param("category", {"type": "string"}, "list only: the category's exact name"),
            Param("after", {"type": "string"}, "list only: the `next` cursor of the page before"),
            Param("before", {"type": "string"}, "list only: the `prev` cursor of the page after")),
     response=PAGE_SCHEMA)
def search() -> Any:
    """Products ordered by name; a list also has the total and the next / previous cursors."""
    limit_text = request.args.get("limit", "20")
    if not (limit_text.isascii() and limit_text.isdigit()):
        raise InvalidInput("limit must be an integer between 1 and 100", "limit")
    ctx = current_app.extensions["pos"]
    text = request.args.get("q", "")
    if text.strip():
        for name in LIST_ONLY:
            if name in request.args:
                raise InvalidInput(f"{name} applies to the list (without q), not to a search", name)
        return jsonify({"items": catalog.search_products(ctx.db, text, _today(), int(limit_text))})
    return jsonify(catalog.list_products(
        ctx.db, _today(), status=request.args.get("status", "active"), category=request.args.get("category"),
        limit=int(limit_text), after=request.args.get("after"), before=request.args.get("before")))
