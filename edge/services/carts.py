"""Carts: the sale in progress, kept in the store per till and cashier so a kiosk can crash and lose nothing.

Every change is one write transaction that bumps the cart's version; callers may pass the version they
saw, and a stale one is refused (two kiosks on one till never overwrite each other silently). After
commit the priced cart is published on the bus (``cart.updated``) for the till's screens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import peewee

from edge.clock import local_date
from edge.domain.barcodes import ScaleLabel, check_product_barcode, decode
from edge.domain.errors import RuleError
from edge.domain.gst import place_of_supply, supply_type
from edge.domain.money import round_paise
from edge.domain.pricing import LineRequest, PricedSale, SaleTerms, Tier, price_sale
from edge.domain.units import MILLI, Unit, UnitKind, parse_quantity
from edge.services import permissions
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from edge.services.records import by_uuid
from edge.services.sales_data import (
    LoadedProduct,
    customer_rates,
    priced_products,
    registration_on,
    scale_rules,
    tier_tax_basis,
)
from edge.store import sql
from edge.store.db import write_transaction
from edge.store.models import (
    Cart,
    CartLine,
    Customer,
    CustomerGstin,
    Product,
    ProductUnit,
    RateTier,
    Till,
    User,
)

WEIGHT_FRESH_SECONDS = 30
REFERENCE_TTL_S = 30.0


@dataclass(frozen=True)
class ScaleReading:
    """The latest stable weight of a till's scale."""

    grams: int
    at: datetime


@dataclass(frozen=True)
class SaleLine:
    """A cart line with its product's UUID and its unit, as pricing, screens and checkout read it."""

    id: int
    uuid: uuid.UUID
    position: int
    product_id: int
    product_uuid: uuid.UUID
    unit: Unit
    quantity_milli: int
    rate_tier_id: int | None
    manual_rate_paise: int | None
    discount_paise: int
    source: str


# One statement for the lines of a cart with their units (the scan path runs it on every change).
SALE_LINES_SQL = (
    "SELECT l.id, l.uuid, l.position, l.product_id, p.uuid, u.kind, u.name, u.factor_milli, l.quantity_milli,"
    " l.rate_tier_id, l.manual_rate_paise, l.discount_paise, l.source"
    " FROM cart_line l JOIN product_unit u ON u.id = l.unit_id JOIN product p ON p.id = l.product_id"
    " WHERE l.cart_id = {p} ORDER BY l.position"
)


# What a scanned barcode stands for, in one statement: the product and the unit (piece, kg, case) it names.
BARCODE_SQL = (
    "SELECT p.id, p.name, p.is_active, u.id, u.kind, u.name, u.factor_milli, u.sellable FROM product_barcode b"
    " JOIN product p ON p.id = b.product_id JOIN product_unit u ON u.id = b.unit_id WHERE b.code = {p}"
)


def sale_lines(db: peewee.Database, cart_id: int) -> list[SaleLine]:
    """The lines of a cart in order."""
    return [
        SaleLine(line_id, uuid.UUID(str(line_uuid)), position, product_id, uuid.UUID(str(product_uuid)),
                 Unit(UnitKind(kind), name, factor), quantity, tier_id, manual, discount, source)
        for (line_id, line_uuid, position, product_id, product_uuid, kind, name, factor, quantity, tier_id, manual,
             discount, source) in sql.execute(db, SALE_LINES_SQL, cart_id).fetchall()
    ]


@dataclass
class PricedCart:
    """A cart with its rules applied: what the screens show and checkout issues."""

    cart: Cart
    lines: list[SaleLine]
    sale: PricedSale
    products: dict[int, LoadedProduct]
    terms: SaleTerms
    seller_state: str
    place_of_supply: str
    till: str


def sale_date(ctx: ServiceContext) -> date:
    """Today in the store's time zone: the date that picks prices, GST rates and the GSTIN."""
    return local_date(ctx.now(), ctx.config.get("store.timezone"))


def record_weight(ctx: ServiceContext, till: str, grams: int, at: datetime) -> None:
    """Keep a stable weight from a till's scale (called for ``scale.weight`` events)."""
    ctx.scale_readings[till] = ScaleReading(grams, at)


def till_rows(ctx: ServiceContext) -> dict[int, Till]:
    """Every till by ID, reference data read at most every REFERENCE_TTL_S (pricing and checkout use it)."""
    rows: dict[int, Till] = ctx.cached("tills", REFERENCE_TTL_S, lambda: {till.id: till for till in Till.select()})
    return rows


def _till(code: str) -> Till:
    till = sql.first(Till, "code = {p} AND is_active = {p}", code, True)
    if till is None:
        raise NotFound(f"no active till {code!r}", "till")
    return till


def _cart(cart_id: str, user: User, for_update: bool = True) -> Cart:
    cart = by_uuid(Cart, cart_id, "cart", "cart", lock=for_update)
    if for_update and cart.status != "open":
        raise Conflict(f"the cart is {cart.status.replace('_', ' ')}", "cart", code="cart_closed")
    if cart.cashier_id != user.id and user.role not in ("admin", "manager"):
        raise Forbidden("this cart belongs to another cashier")
    return cart


def _check_version(cart: Cart, expected: int | None) -> None:
    if expected is not None and expected != cart.version:
        raise Conflict(
            f"the cart changed on another screen (version {cart.version}, you had {expected}); reload it",
            "version", code="stale_cart",
        )


def _bump(ctx: ServiceContext, cart: Cart) -> None:
    """The cart changed: one more version, in the store and on the caller's instance."""
    now = ctx.now()
    sql.execute(ctx.db, "UPDATE cart SET version = version + 1, updated_at = {p} WHERE id = {p}", now, cart.id)
    cart.version += 1
    cart.updated_at = now


def open_cart(ctx: ServiceContext, user: User, till_code: str) -> Cart:
    """The cashier's open cart on a till, made when there is none."""
    with write_transaction(ctx.db):
        till = _till(till_code)
        cart = sql.first(Cart, "till_id = {p} AND cashier_id = {p} AND status = {p}", till.id, user.id, "open")
        if cart is None:
            counter = sql.first(RateTier, "code = {p}", Tier.COUNTER.value)
            cart_id = sql.insert(Cart, till=till, cashier=user, rate_tier=counter, created_at=ctx.now(),
                                 updated_at=ctx.now())
            cart = sql.first(Cart, "id = {p}", cart_id)
    assert cart is not None
    return cart


def _customer_gstin(customer: Customer, on: date) -> CustomerGstin | None:
    rows = [row for row in customer.gstins if row.valid_from <= on and (row.valid_to is None or on <= row.valid_to)]
    return max(rows, key=lambda row: row.valid_from) if rows else None


def price_cart(ctx: ServiceContext, cart: Cart, user: User | None = None) -> PricedCart:
    """Apply the billing rules to a cart as it stands; ``user``'s powers bound manual rates and discounts."""
    on = sale_date(ctx)
    lines = sale_lines(ctx.db, cart.id)
    products = priced_products(ctx, [line.product_id for line in lines], on)
    customer: Customer | None = cart.customer if cart.customer_id else None
    seller, registration = ctx.cached(f"registration:{on}", REFERENCE_TTL_S, lambda: registration_on(on))
    gstin = _customer_gstin(customer, on) if customer else None
    place = place_of_supply(
        ctx.config.get("store.state_code"),
        buyer_gstin=gstin.gstin if gstin else None,
        buyer_state=customer.shipping_state_code if customer else None,
    )
    def grant(permission: str) -> permissions.Grant:
        if user is None:
            return permissions.Grant(True)
        return ctx.cached(f"grant:{user.role}:{permission}", REFERENCE_TTL_S,
                          lambda: permissions.grant(user.role, permission))

    below_floor, discount = grant(permissions.RATE_BELOW_FLOOR).granted, grant(permissions.DISCOUNT)
    tiers = ctx.cached("tiers", REFERENCE_TTL_S, lambda: {tier.id: tier.code for tier in RateTier.select()})
    terms = SaleTerms(
        on=on, supply=supply_type(registration.state_code, place), tier=Tier(tiers[cart.rate_tier_id]),
        customer=customer.code if customer else None,
        customer_type=customer.customer_type.code if customer else None,
        customer_rates=tuple(customer_rates(customer)),
        tier_prices_include_tax=ctx.cached("tier_tax_basis", REFERENCE_TTL_S, tier_tax_basis),
        may_sell_below_floor=below_floor, max_discount_bp=discount.limit if discount.granted else 0,
    )
    requests = [
        LineRequest(
            products[line.product_id].pricing, line.unit.name, line.quantity_milli,
            Tier(tiers[line.rate_tier_id]) if line.rate_tier_id else None, line.manual_rate_paise, line.discount_paise,
        )
        for line in lines
    ]
    try:
        sale = price_sale(requests, terms, cart.discount_paise)
    except RuleError as exc:
        raise InvalidInput(exc.message, exc.field, exc.code) from exc
    known = till_rows(ctx).get(cart.till_id)
    till = known.code if known else cart.till.code
    return PricedCart(cart, lines, sale, products, terms, seller.state_code, place, till)


def cart_document(priced: PricedCart) -> dict[str, Any]:
    """The cart as screens show it: lines with names, units, rates, tiers and totals; taxes; round-off."""
    cart, sale = priced.cart, priced.sale
    customer = cart.customer if cart.customer_id else None
    lines = []
    for line, priced_line in zip(priced.lines, sale.lines, strict=True):
        product = priced.products[line.product_id]
        lines.append({
            "id": str(line.uuid), "product_id": str(line.product_uuid), "sku": product.pricing.sku,
            "name": product.pricing.name, "hsn_code": product.pricing.hsn_code, "unit": line.unit.name,
            "unit_kind": line.unit.kind.value, "quantity_milli": line.quantity_milli,
            "rate_paise": priced_line.rate_paise, "tier": priced_line.tier.value,
            "discount_paise": priced_line.discount_paise, "gst_rate_bp": product.pricing.gst.rate_bp,
            "taxable_paise": priced_line.tax.taxable_paise, "tax_paise": priced_line.tax.tax_paise,
            "total_paise": priced_line.total_paise, "source": line.source,
        })
    return {
        "id": str(cart.uuid), "till": priced.till, "version": cart.version, "status": cart.status,
        "tier": priced.terms.tier.value,
        "customer": {"id": str(customer.uuid), "code": customer.code, "name": customer.name} if customer else None,
        "supply": priced.terms.supply.value, "place_of_supply": priced.place_of_supply, "lines": lines,
        "subtotal_paise": sale.subtotal_paise, "discount_paise": sale.discount_paise,
        "bill_discount_paise": cart.discount_paise,
        "taxable_paise": sale.taxable_paise, "cgst_paise": sale.cgst_paise, "sgst_paise": sale.sgst_paise,
        "igst_paise": sale.igst_paise, "cess_paise": sale.cess_paise, "round_off_paise": sale.round_off_paise,
        "total_paise": sale.grand_total_paise,
        "tax_summary": [
            {"hsn_code": row.hsn_code, "rate_bp": row.rate_bp, "taxable_paise": row.taxable_paise,
             "cgst_paise": row.cgst_paise, "sgst_paise": row.sgst_paise, "igst_paise": row.igst_paise,
             "cess_paise": row.cess_paise}
            for row in sale.summary
        ],
    }


def view_cart(ctx: ServiceContext, user: User, cart_id: str) -> dict[str, Any]:
    """The priced cart document."""
    return cart_document(price_cart(ctx, _cart(cart_id, user, for_update=False)))


def _mutate(ctx: ServiceContext, user: User, cart_id: str, version: int | None, change: Any) -> dict[str, Any]:
    """Run a change in one transaction, re-price with the user's powers (refusing what they may not do),
    bump the version, and publish the new cart after commit."""
    with write_transaction(ctx.db):
        cart = _cart(cart_id, user)
        _check_version(cart, version)
        change(cart)
        _bump(ctx, cart)
        # Priced with the user's powers: a rate below the floor or a discount beyond the limit rolls back.
        document = cart_document(price_cart(ctx, cart, user))
    ctx.bus.publish("cart.updated", {"till": document["till"], "cart": document})
    return document


def _next_position(cart: Cart) -> int:
    last = sql.scalar(cart._meta.database, "SELECT MAX(position) FROM cart_line WHERE cart_id = {p}", cart.id)
    return int(last or 0) + 1


def _add_line(cart: Cart, product: Product, unit: ProductUnit, quantity_milli: int, source: str,
              barcode: str | None = None, manual_rate_paise: int | None = None) -> None:
    if not product.is_active:
        raise InvalidInput(f"{product.name} is no longer sold", "product", code="product_inactive")
    if not unit.sellable:
        raise InvalidInput(f"{product.name} is not sold by {unit.name}", "unit", code="unit_not_sellable")
    # Scanning the same packet again adds one to its line; weighed and hand-priced lines stay apart.
    if source in ("scan", "search") and unit.kind != UnitKind.KG.value and manual_rate_paise is None:
        db = cart._meta.database
        same = sql.scalar(db, (
            "SELECT id FROM cart_line WHERE cart_id = {p} AND product_id = {p} AND unit_id = {p}"
            " AND manual_rate_paise IS NULL AND source IN ('scan', 'search') AND discount_paise = 0 LIMIT 1"
        ), cart.id, product.id, unit.id)
        if same is not None:
            sql.execute(db, "UPDATE cart_line SET quantity_milli = quantity_milli + {p} WHERE id = {p}",
                        quantity_milli, same)
            return
    sql.insert(CartLine, cart=cart, position=_next_position(cart), product=product, unit=unit,
               quantity_milli=quantity_milli, source=source, barcode=barcode, manual_rate_paise=manual_rate_paise)


def _label_line(ctx: ServiceContext, cart: Cart, label: ScaleLabel, code: str) -> None:
    product = Product.get_or_none(Product.scale_code == label.item_code)
    if product is None:
        raise NotFound(f"no product has scale item code {label.item_code}", "code", code="unknown_scale_item")
    base = ProductUnit.get((ProductUnit.product == product) & (ProductUnit.factor_milli == MILLI)
                           & (ProductUnit.kind != UnitKind.PACKAGE.value))
    if label.quantity_milli is not None:
        _add_line(cart, product, base, label.quantity_milli, "scale", code)
        return
    assert label.price_paise is not None
    if base.kind == UnitKind.KG.value:
        loaded = priced_products(ctx, [product.id], sale_date(ctx))[product.id]
        rate = loaded.pricing.base.prices_paise.get(Tier.COUNTER.value)
        if not rate:
            raise InvalidInput(f"{product.name} has no counter price per kg", "code", code="no_price")
        grams = max(1, round_paise(Decimal(label.price_paise) * MILLI / rate))
        _add_line(cart, product, base, grams, "scale", code, manual_rate_paise=rate)
        return
    _add_line(cart, product, base, MILLI, "scale", code, manual_rate_paise=label.price_paise)


def scan(ctx: ServiceContext, user: User, cart_id: str, code: str, version: int | None = None) -> dict[str, Any]:
    """Add what a scanned barcode stands for: a product unit (case barcode → a case), or a scale label
    with its weight or price. A wrong check digit is refused, never guessed."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("scan a barcode", "code")

    def change(cart: Cart) -> None:
        try:
            rules = ctx.cached("scale_rules", REFERENCE_TTL_S, scale_rules)
            label = decode(code, rules) if code.isdigit() and len(code) == 13 else None
        except RuleError as exc:
            raise InvalidInput(exc.message, "code", exc.code) from exc
        if label is not None:
            _label_line(ctx, cart, label, code)
            return
        hit = sql.execute(ctx.db, BARCODE_SQL, code).fetchone()
        if hit is None:
            if code.isdigit() and len(code) in (8, 12, 13):
                try:
                    check_product_barcode(code)
                except RuleError as exc:
                    raise InvalidInput(exc.message, "code", exc.code) from exc
            raise NotFound(f"no product has barcode {code}", "code", code="unknown_barcode")
        product_id, name, active, unit_id, kind, unit_name, factor, sellable = hit
        product = Product(id=product_id, name=name, is_active=bool(active))
        unit = ProductUnit(id=unit_id, product=product_id, kind=kind, name=unit_name, factor_milli=factor,
                           sellable=bool(sellable))
        _add_line(cart, product, unit, MILLI, "scan", code)

    return _mutate(ctx, user, cart_id, version, change)


def _quantity(ctx: ServiceContext, user: User, cart: Cart, unit: ProductUnit, quantity: str | None,
              use_scale: bool) -> tuple[int, str]:
    kind = UnitKind(unit.kind)
    if use_scale or (quantity is None and kind is UnitKind.KG):
        if kind is not UnitKind.KG:
            raise InvalidInput(f"{unit.name} is not weighed", "use_scale")
        reading = ctx.scale_readings.get(cart.till.code)
        if reading is None or ctx.now() - reading.at > timedelta(seconds=WEIGHT_FRESH_SECONDS):
            raise InvalidInput("place the item on the scale and wait for a stable weight", "quantity",
                               code="no_stable_weight")
        return reading.grams, "scale"
    if quantity is None:
        return MILLI, "search"
    if kind is UnitKind.KG and not permissions.grant(user.role, permissions.MANUAL_WEIGHT).granted:
        raise Forbidden("typing a weight needs a manager's permission; use the scale", "quantity")
    try:
        return parse_quantity(quantity, Unit(kind, unit.name, unit.factor_milli)), "manual"
    except RuleError as exc:
        raise InvalidInput(exc.message, "quantity", exc.code) from exc


def _product_unit(product_id: str, unit_name: str | None) -> tuple[Product, ProductUnit]:
    product = by_uuid(Product, product_id, "product_id", "product")
    units = list(ProductUnit.select().where(ProductUnit.product == product).order_by(ProductUnit.factor_milli))
    if unit_name is None:
        sellable = [unit for unit in units if unit.sellable]
        if not sellable:
            raise InvalidInput(f"{product.name} has no unit it is sold in", "unit")
        return product, sellable[0]
    for unit in units:
        if unit.name == unit_name:
            return product, unit
    raise InvalidInput(f"{product.name} is not sold by {unit_name!r}", "unit", code="unknown_unit")


def add_product(ctx: ServiceContext, user: User, cart_id: str, product_id: str, unit_name: str | None = None,
                quantity: str | None = None, use_scale: bool = False, version: int | None = None) -> dict[str, Any]:
    """Add a product picked by search or typed: a quantity in its unit, or the till scale's weight."""

    def change(cart: Cart) -> None:
        product, unit = _product_unit(product_id, unit_name)
        milli, source = _quantity(ctx, user, cart, unit, quantity, use_scale)
        _add_line(cart, product, unit, milli, source)

    return _mutate(ctx, user, cart_id, version, change)


def _line(cart: Cart, line_id: str) -> CartLine:
    try:
        key = uuid.UUID(line_id)
    except (ValueError, TypeError) as exc:
        raise NotFound("no such line in this cart", "line_id") from exc
    line = CartLine.get_or_none((CartLine.uuid == key) & (CartLine.cart == cart))
    if line is None:
        raise NotFound("no such line in this cart", "line_id")
    return line


def update_line(ctx: ServiceContext, user: User, cart_id: str, line_id: str, changes: dict[str, Any],
                version: int | None = None) -> dict[str, Any]:
    """Change a line's quantity, unit, tier, manual rate or discount."""

    def change(cart: Cart) -> None:
        line = _line(cart, line_id)
        if "unit" in changes:
            _, unit = _product_unit(str(line.product.uuid), changes["unit"])
            if not unit.sellable:
                raise InvalidInput(f"{line.product.name} is not sold by {unit.name}", "unit")
            line.unit = unit
        if "quantity" in changes:
            line.quantity_milli, _ = _quantity(ctx, user, cart, line.unit, str(changes["quantity"]), False)
        elif changes.get("use_scale"):
            line.quantity_milli, line.source = _quantity(ctx, user, cart, line.unit, None, True)
        if "tier" in changes:
            tier = changes["tier"]
            line.rate_tier = None if tier is None else _tier(tier)
        if "manual_rate_paise" in changes and changes["manual_rate_paise"] != line.manual_rate_paise:
            _audit_price_override(ctx, user, cart, line, "cart.manual_rate", "manual_rate_paise",
                                  line.manual_rate_paise, changes["manual_rate_paise"])
            line.manual_rate_paise = changes["manual_rate_paise"]
        if "discount_paise" in changes and changes["discount_paise"] != line.discount_paise:
            _audit_price_override(ctx, user, cart, line, "cart.line_discount", "discount_paise",
                                  line.discount_paise, changes["discount_paise"])
            line.discount_paise = changes["discount_paise"]
        line.save()

    return _mutate(ctx, user, cart_id, version, change)


def _audit_price_override(ctx: ServiceContext, user: User, cart: Cart, line: CartLine | None, action: str,
                          name: str, before: int | None, after: int | None) -> None:
    """A manual rate or a discount typed by the cashier: audited with before and after (in the cart's
    transaction, so a change the user's limits refuse rolls its audit row back too)."""
    details: dict[str, Any] = {"till": cart.till.code, "before": {name: before}, "after": {name: after}}
    if line is not None:
        details.update(product=line.product.sku, unit=line.unit.name, quantity_milli=line.quantity_milli)
    record_audit(ctx, action, user, "cart_line" if line is not None else "cart",
                 str(line.uuid if line is not None else cart.uuid), details=details)


def remove_line(ctx: ServiceContext, user: User, cart_id: str, line_id: str,
                version: int | None = None) -> dict[str, Any]:
    """Take a line out of the cart."""
    return _mutate(ctx, user, cart_id, version, lambda cart: _line(cart, line_id).delete_instance())


def _tier(code: str) -> RateTier:
    if code == Tier.MANUAL.value:
        raise InvalidInput("the manual tier is set by typing a rate on a line", "tier")
    tier = RateTier.get_or_none(RateTier.code == code)
    if tier is None:
        raise InvalidInput(f"no rate tier {code!r}", "tier")
    return tier


def set_terms(ctx: ServiceContext, user: User, cart_id: str, changes: dict[str, Any],
              version: int | None = None) -> dict[str, Any]:
    """Attach or remove the customer (its tier follows), choose the sale's tier, set the invoice discount."""

    def change(cart: Cart) -> None:
        if "customer_id" in changes:
            if changes["customer_id"] is None:
                cart.customer = None
                cart.rate_tier = _tier(Tier.COUNTER.value)
            else:
                customer = by_uuid(Customer, changes["customer_id"], "customer_id", "customer")
                if not customer.is_active:
                    raise NotFound("no such customer", "customer_id")
                cart.customer = customer
                cart.rate_tier = customer.rate_tier
        if "tier" in changes:
            cart.rate_tier = _tier(changes["tier"])
        if "discount_paise" in changes and changes["discount_paise"] != cart.discount_paise:
            _audit_price_override(ctx, user, cart, None, "cart.discount", "discount_paise", cart.discount_paise,
                                  changes["discount_paise"])
            cart.discount_paise = changes["discount_paise"]
        cart.save()

    return _mutate(ctx, user, cart_id, version, change)


def current_cart(ctx: ServiceContext, user: User, till_code: str) -> dict[str, Any]:
    """The cashier's open cart on a till (made if needed), priced: what a reconnecting kiosk gets."""
    return cart_document(price_cart(ctx, open_cart(ctx, user, till_code)))



def scan_for_till(ctx: ServiceContext, till: str, code: str) -> None:
    """A hardware scanner mapped to a till scanned: add to that till's most recently used open cart, or tell
    the till's screens why not (``scan.rejected``)."""
    cart = (Cart.select().join(Till).where((Till.code == till) & (Cart.status == "open"))
            .order_by(Cart.updated_at.desc()).first())
    try:
        if cart is None:
            raise NotFound("no open sale on this till: log in on the till first", "till")
        scan(ctx, cart.cashier, str(cart.uuid), code)
    except (InvalidInput, NotFound, Conflict, Forbidden) as exc:
        ctx.bus.publish("scan.rejected", {"till": till, "code": code, "error": {
            "code": exc.code, "message": exc.message, "field": exc.field}})


def connect_devices(ctx: ServiceContext) -> None:
    """Feed device events into sales: stable weights to the till's reading, scans to the till's cart."""
    ctx.bus.subscribe("scale.weight", lambda _, event: record_weight(ctx, event["till"], event["grams"], ctx.now()))
    ctx.bus.subscribe("scanner.scan", lambda _, event: scan_for_till(ctx, event["till"], event["code"]))
