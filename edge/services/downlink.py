"""Catalog pushed down from the cloud: products, units, barcodes, prices, GST rates and seller registrations,
each message applied atomically, once, in version order; the version held is reported back.

Message (JSON): ``{"v": 1, "id": "<unique>", "version": 17, "products": [...], "seller_registrations": [...]}``
A product: ``{"sku", "name", "category", "hsn_code", "base_unit", "prices_include_tax"?, "gst":
[{"rate_bp", "cess_bp", "effective_from"}], "units": [{"name", "kind", "factor_milli", "barcodes": [...],
"prices": {"counter": paise, ...}, "effective_from"}]}``. The cloud owns these fields (docs/replication.md):
a pushed value wins over a local edit, and history rows (prices, rates) are added, never rewritten.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date
from typing import Any

from edge.domain.barcodes import check_product_barcode
from edge.domain.errors import RuleError
from edge.domain.gst import check_rate
from edge.domain.gstin import check_gstin
from edge.services.audit import record_audit
from edge.services.catalog import index_product
from edge.services.context import ServiceContext
from edge.services.sales_data import catalog_changed
from edge.store.db import write_transaction
from edge.store.models import (
    Category,
    Counter,
    InboxApplied,
    Product,
    ProductBarcode,
    ProductGstRate,
    ProductPrice,
    ProductUnit,
    RateTier,
    SellerRegistration,
)
from edge.store.outbox import enqueue

log = logging.getLogger(__name__)
VERSION_COUNTER = "catalog_version"


class DownlinkError(ValueError):
    """A downlink message that cannot be applied; nothing of it was applied."""


def held_version() -> int:
    """The catalog version this store holds."""
    row = Counter.get_or_none(Counter.name == VERSION_COUNTER)
    return int(row.value) if row else 0


def _product(item: dict[str, Any], tiers: dict[str, RateTier]) -> tuple[Product, bool, dict[str, Any]]:
    """Create or update a product from the cloud; (product, created, GST and price changes before -> after)."""
    changes: dict[str, Any] = {}
    category = Category.get_or_create(name=item["category"])[0] if item.get("category") else None
    product = Product.get_or_none(Product.sku == item["sku"])
    fields = {"name": item["name"], "category": category, "hsn_code": item["hsn_code"],
              "base_unit": item["base_unit"], "prices_include_tax": bool(item.get("prices_include_tax", True))}
    created = product is None
    if product is None:
        product = Product.create(sku=item["sku"], **fields)
    else:
        Product.update(**fields).where(Product.id == product.id).execute()
        product = Product.get_by_id(product.id)
    for rate in item.get("gst", []):
        rate_bp, cess_bp = check_rate(int(rate["rate_bp"])), int(rate.get("cess_bp", 0))
        start = date.fromisoformat(rate["effective_from"])
        row = ProductGstRate.get_or_none((ProductGstRate.product == product) & (ProductGstRate.effective_from == start))
        if row is None:
            ProductGstRate.create(product=product, rate_bp=rate_bp, cess_bp=cess_bp, effective_from=start)
            changes.setdefault("gst", []).append({"from_bp": None, "to_bp": rate_bp, "cess_bp": cess_bp,
                                                  "effective_from": start.isoformat()})
        elif (row.rate_bp, row.cess_bp) != (rate_bp, cess_bp):
            changes.setdefault("gst", []).append({"from_bp": row.rate_bp, "to_bp": rate_bp, "cess_bp": cess_bp,
                                                  "effective_from": start.isoformat()})
            ProductGstRate.update(rate_bp=rate_bp, cess_bp=cess_bp).where(ProductGstRate.id == row.id).execute()
    codes = []
    for unit_item in item.get("units", []):
        unit = ProductUnit.get_or_none((ProductUnit.product == product) & (ProductUnit.name == unit_item["name"]))
        if unit is None:
            unit = ProductUnit.create(product=product, name=unit_item["name"], kind=unit_item["kind"],
                                      factor_milli=int(unit_item["factor_milli"]))
        for code in unit_item.get("barcodes", []):
            code = check_product_barcode(code)
            existing = ProductBarcode.get_or_none(ProductBarcode.code == code)
            if existing is None:
                ProductBarcode.create(code=code, product=product, unit=unit)
            elif existing.unit_id != unit.id:
                raise DownlinkError(f"barcode {code} already belongs to another product unit")
            codes.append(code)
        effective = date.fromisoformat(unit_item.get("effective_from", "2000-01-01"))
        for tier_code, price in unit_item.get("prices", {}).items():
            if tier_code not in tiers:
                raise DownlinkError(f"unknown rate tier {tier_code!r}")
            row = ProductPrice.get_or_none((ProductPrice.unit == unit) & (ProductPrice.tier == tiers[tier_code])
                                           & (ProductPrice.effective_from == effective))
            if row is None or row.price_paise != int(price):
                changes.setdefault("prices", []).append({
                    "unit": unit.name, "tier": tier_code, "from_paise": row.price_paise if row else None,
                    "to_paise": int(price), "effective_from": effective.isoformat()})
            if row is None:
                ProductPrice.create(product=product, unit=unit, tier=tiers[tier_code], price_paise=int(price),
                                    effective_from=effective)
            elif row.price_paise != int(price):
                ProductPrice.update(price_paise=int(price)).where(ProductPrice.id == row.id).execute()
    all_codes = [code for (code,) in ProductBarcode.select(ProductBarcode.code).where(
        ProductBarcode.product == product).tuples()]
    index_product(product, all_codes or codes)
    return product, created, changes


def _registration(item: dict[str, Any]) -> None:
    gstin = check_gstin(item["gstin"])
    valid_from = date.fromisoformat(item["valid_from"])
    valid_to = date.fromisoformat(item["valid_to"]) if item.get("valid_to") else None
    fields = {"legal_name": item["legal_name"], "trade_name": item.get("trade_name", item["legal_name"]),
              "state_code": gstin[:2], "address": item.get("address", ""), "valid_to": valid_to}
    row = SellerRegistration.get_or_none((SellerRegistration.gstin == gstin)
                                         & (SellerRegistration.valid_from == valid_from))
    if row is None:
        SellerRegistration.create(gstin=gstin, valid_from=valid_from, **fields)
    else:
        SellerRegistration.update(**fields).where(SellerRegistration.id == row.id).execute()


def apply_downlink(ctx: ServiceContext, payload: bytes) -> bool:
    """Apply one downlink message atomically; False when it was already applied or is older than held."""
    try:
        message = json.loads(payload)
        message_id, version = str(message["id"]), int(message["version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DownlinkError(f"malformed downlink message: {exc}") from exc
    with write_transaction(ctx.db):
        if InboxApplied.select().where((InboxApplied.source == "downlink")
                                       & (InboxApplied.message_id == message_id)).exists():
            return False
        if version <= held_version():
            log.info("downlink %s (version %d) is not newer than the held version; skipped", message_id, version)
            InboxApplied.create(source="downlink", message_id=message_id, applied_at=ctx.now())
            return False
        tiers = {tier.code: tier for tier in RateTier.select()}
        catalog_changed()
        try:
            for item in message.get("products", []):
                product, created, changes = _product(item, tiers)
                if created or changes:
                    # The cloud changed a price or a GST rate: audited like a change made in the store.
                    record_audit(ctx, "product.created" if created else "product.changed", None, "product",
                                 str(product.uuid), details={"sku": product.sku, "source": f"cloud:{message_id}",
                                                             "changes": changes})
            for item in message.get("seller_registrations", []):
                _registration(item)
        except (RuleError, KeyError, TypeError, ValueError) as exc:
            raise DownlinkError(f"downlink {message_id} refused, nothing applied: {exc}") from exc
        if not Counter.update(value=version).where(Counter.name == VERSION_COUNTER).execute():
            Counter.create(name=VERSION_COUNTER, value=version)
        InboxApplied.create(source="downlink", message_id=message_id, applied_at=ctx.now())
        enqueue("catalog.applied", uuid.uuid5(uuid.NAMESPACE_URL, f"downlink:{message_id}"),
                {"message_id": message_id, "version": version})
    ctx.bus.publish("catalog.updated", {"version": version})
    return True
