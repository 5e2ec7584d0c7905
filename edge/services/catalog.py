"""Catalog look-ups for billing: a product by barcode, products by name, SKU or barcode prefix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import peewee

from edge.services.errors import InvalidInput, NotFound
from edge.store.db import is_sqlite
from edge.store.models import (
    Category,
    Product,
    ProductBarcode,
    ProductGstRate,
    ProductPrice,
    ProductSearchToken,
    ProductUnit,
    RateTier,
)

WORD = re.compile(r"[a-z0-9]+")
MAX_TOKEN = 64
MAX_QUERY_WORDS = 5
BARCODE_PATTERN = re.compile(r"^[0-9A-Za-z-]{4,32}$")


def search_words(text: str) -> list[str]:
    """Lower-case words of a name or query, as the search index stores them."""
    return [word[:MAX_TOKEN] for word in WORD.findall(text.lower())]


def product_tokens(name: str, sku: str, barcodes: Iterable[str]) -> set[str]:
    """Every token under which a product is found."""
    return {*search_words(name), sku.lower()[:MAX_TOKEN], *(code.lower()[:MAX_TOKEN] for code in barcodes)}


def index_product(product: Product, barcodes: Iterable[str]) -> None:
    """Rewrite a product's search tokens; call in the transaction that changes it."""
    ProductSearchToken.delete().where(ProductSearchToken.product == product).execute()
    tokens = sorted(product_tokens(product.name, product.sku, barcodes))
    rows = [{"token": token, "product": product.id} for token in tokens]
    if rows:
        ProductSearchToken.insert_many(rows).execute()


def _prefix_match(db: peewee.Database, word: str) -> peewee.Expression:
    # Words are [a-z0-9]: no wildcard escaping needed. GLOB uses SQLite's binary index, LIKE MySQL's.
    if is_sqlite(db):
        return peewee.Expression(ProductSearchToken.token, "GLOB", f"{word}*")
    return ProductSearchToken.token ** f"{word}%"  # type: ignore[no-any-return]


def current_gst(product_ids: Sequence[int], on: date) -> dict[int, tuple[int, int]]:
    """(rate_bp, cess_bp) in force on a date, per product."""
    rates: dict[int, tuple[int, int]] = {}
    query = (
        ProductGstRate.select()
        .where(ProductGstRate.product.in_(list(product_ids)) & (ProductGstRate.effective_from <= on))
        .order_by(ProductGstRate.product, ProductGstRate.effective_from)
    )
    for row in query:
        rates[row.product_id] = (row.rate_bp, row.cess_bp)
    return rates


def _prices(unit_ids: Sequence[int], on: date) -> dict[int, dict[str, int]]:
    prices: dict[int, dict[str, int]] = {}
    query = (
        ProductPrice.select(ProductPrice.unit, ProductPrice.price_paise, RateTier.code)
        .join(RateTier)
        .where(ProductPrice.unit.in_(list(unit_ids)) & (ProductPrice.effective_from <= on))
        .order_by(ProductPrice.unit, ProductPrice.effective_from)
        .tuples()
    )
    for unit_id, price, tier in query:
        prices.setdefault(unit_id, {})[tier] = price
    return prices


def product_views(products: Sequence[Product], on: date) -> list[dict[str, Any]]:
    """Products as the till needs them: units with barcodes and tier prices, GST in force."""
    if not products:
        return []
    ids = [product.id for product in products]
    units = list(ProductUnit.select().where(ProductUnit.product.in_(ids)).order_by(ProductUnit.factor_milli))
    barcodes: dict[int, list[str]] = {}
    for unit_id, code in ProductBarcode.select(ProductBarcode.unit, ProductBarcode.code).where(
        ProductBarcode.product.in_(ids)
    ).tuples():
        barcodes.setdefault(unit_id, []).append(code)
    prices = _prices([unit.id for unit in units], on)
    gst = current_gst(ids, on)
    units_by_product: dict[int, list[dict[str, Any]]] = {}
    for unit in units:
        units_by_product.setdefault(unit.product_id, []).append({
            "id": str(unit.uuid), "kind": unit.kind, "name": unit.name, "factor_milli": unit.factor_milli,
            "sellable": unit.sellable, "barcodes": sorted(barcodes.get(unit.id, [])),
            "prices_paise": prices.get(unit.id, {}),
        })
    views = []
    for product in products:
        rate_bp, cess_bp = gst.get(product.id, (None, None))
        views.append({
            "id": str(product.uuid), "sku": product.sku, "name": product.name,
            "category": product.category.name if product.category_id else None,
            "hsn_code": product.hsn_code, "base_unit": product.base_unit,
            "gst_rate_bp": rate_bp, "cess_bp": cess_bp, "units": units_by_product.get(product.id, []),
        })
    return views


def _with_category(query: peewee.ModelSelect) -> peewee.ModelSelect:
    return query.switch(Product).join(Category, peewee.JOIN.LEFT_OUTER).select_extend(Category)


def lookup_barcode(code: str, on: date) -> dict[str, Any]:
    """The product and unit a scanned barcode stands for."""
    code = (code or "").strip()
    if not BARCODE_PATTERN.match(code):
        raise InvalidInput("barcode must be 4-32 letters, digits or '-'", "code")
    hit = (
        ProductBarcode.select(ProductBarcode, Product)
        .join(Product)
        .where((ProductBarcode.code == code) & Product.is_active)
        .first()
    )
    if hit is None:
        raise NotFound(f"no product has barcode {code}", "code", code="unknown_barcode")
    product = _with_category(Product.select().where(Product.id == hit.product_id)).get()
    view = product_views([product], on)[0]
    view["scanned_unit"] = next(unit for unit in view["units"] if code in unit["barcodes"])
    return view


def search_products(db: peewee.Database, text: str, on: date, limit: int = 20) -> list[dict[str, Any]]:
    """Active products whose name, SKU or barcode has a word starting with each query word."""
    words = sorted(set(search_words(text)), key=len, reverse=True)[:MAX_QUERY_WORDS]
    if not words:
        raise InvalidInput("search needs at least one letter or digit", "q")
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100", "limit")
    query = Product.select().where(Product.is_active)
    for word in words:
        matching = ProductSearchToken.select(ProductSearchToken.product).where(_prefix_match(db, word))
        query = query.where(Product.id.in_(matching))
    products = list(_with_category(query.order_by(Product.name)).limit(limit))
    return product_views(products, on)
