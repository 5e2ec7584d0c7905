"""Products for the back office: create, edit, archive or delete, and bulk CSV export and import.

Prices and GST rates are dated rows: a change adds a row from its effective date (today by default) and never
rewrites an earlier one; a second change with the same date replaces that date's row (a same-day correction,
audited with before and after). Issued invoices keep the rates they were issued with. A product that invoices
or carts refer to is archived (``is_active`` false) instead of deleted. A CSV import is all or nothing: every
row is checked first, and the errors of every bad row are reported together. See docs/catalog-and-customers.md.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee

from edge.clock import local_date
from edge.domain.barcodes import ScaleRule, check_product_barcode
from edge.domain.csvsafe import safe_cell, unescape_cell
from edge.domain.errors import RuleError
from edge.domain.gst import BASIS, check_rate
from edge.domain.money import rupees_to_paise
from edge.domain.units import MILLI, Unit, UnitKind, parse_quantity
from edge.services.audit import record_audit
from edge.services.catalog import index_product, product_views
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, InvalidInput, NotFound
from edge.services.sales_data import catalog_changed, scale_rules
from edge.store.db import write_transaction
from edge.store.models import (
    BASE_UNITS,
    CartLine,
    Category,
    InvoiceLine,
    Product,
    ProductBarcode,
    ProductGstRate,
    ProductPrice,
    ProductUnit,
    RateTier,
    User,
)
from edge.store.outbox import enqueue

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")
HSN_PATTERN = re.compile(r"^(?:[0-9]{4}|[0-9]{6}|[0-9]{8})$")
DIGITS = re.compile(r"^[0-9]+$")
MAX_IMPORT_ROWS = 10_000
# Products one import may create or change: each costs an audit row, an outbox row and often a re-index
# (about 1.5 ms on a 2-core VM), all inside the write lock the tills wait on (storage.sqlite_busy_timeout_ms).
MAX_IMPORT_CHANGES = 1000
CHUNK = 500
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")


# --- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request or a CSV row."""

    field: str
    message: str
    code: str = "invalid"
    conflict: bool = False


class ImportRejected(InvalidInput):
    """A CSV import refused as a whole; ``rows`` lists every problem as {row, field, message, code}."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        bad = sorted({item["row"] for item in rows})
        if bad == [1]:
            message = (rows[0]["message"] if len(rows) == 1 else f"the header row has {len(rows)} errors")
        else:
            shown = ", ".join(str(row) for row in bad[:20]) + (" ..." if len(bad) > 20 else "")
            plural = len(bad) != 1
            message = (f"{len(bad)} row{'s' if plural else ''} of the file {'have' if plural else 'has'} errors "
                       f"(rows {shown})")
        super().__init__(f"{message}; nothing was imported", "csv", "import_rejected")
        self.rows = rows


def _raise_first(problems: Sequence[Problem]) -> None:
    """Raise the first problem as the API error (409 for clashes with other products)."""
    if problems:
        first = problems[0]
        raise (Conflict if first.conflict else InvalidInput)(first.message, first.field, first.code)


# --- dates and formats ---------------------------------------------------------------------------


def store_today(ctx: ServiceContext) -> date:
    """Today in the store's time zone: the date prices and GST rates are read and changed on."""
    return local_date(ctx.now(), ctx.config.get("store.timezone"))


def rupees(paise: int) -> str:
    """Paise as rupees with 2 decimals, as the CSV carries them (``12.50``)."""
    sign = "-" if paise < 0 else ""
    whole, rest = divmod(abs(paise), 100)
    return f"{sign}{whole}.{rest:02d}"


def percent(bp: int) -> str:
    """Basis points as a percentage without trailing zeros (500 → ``5``, 25 → ``0.25``)."""
    whole, rest = divmod(bp, 100)
    return str(whole) if not rest else f"{whole}.{rest:02d}".rstrip("0")


def base_units_text(factor_milli: int) -> str:
    """Thousandths of the base unit as a plain number (24000 → ``24``, 500 → ``0.5``)."""
    whole, rest = divmod(factor_milli, MILLI)
    return str(whole) if not rest else f"{whole}.{rest:03d}".rstrip("0")


# --- what is stored now --------------------------------------------------------------------------


@dataclass
class _State:
    """A stored product's units, dated prices and GST rates."""

    product: Product
    units: dict[str, ProductUnit] = field(default_factory=dict)
    prices: dict[tuple[int, str], list[tuple[date, int, int]]] = field(default_factory=dict)  # (from, paise, id)
    gst: list[tuple[date, int, int, int]] = field(default_factory=list)  # (from, rate, cess, id)
    barcodes: dict[int, list[str]] = field(default_factory=dict)

    @property
    def base(self) -> ProductUnit | None:
        """The base unit (piece or kg, one base unit)."""
        return next((unit for unit in self.units.values()
                     if unit.kind != UnitKind.PACKAGE.value and unit.factor_milli == MILLI), None)

    def price_on(self, unit_id: int, tier: str, on: date) -> tuple[date, int, int] | None:
        """The dated price row of a unit and tier in force on a day."""
        rows = [row for row in self.prices.get((unit_id, tier), []) if row[0] <= on]
        return max(rows, key=lambda row: row[0]) if rows else None

    def gst_on(self, on: date) -> tuple[date, int, int, int] | None:
        """The dated GST row in force on a day."""
        rows = [row for row in self.gst if row[0] <= on]
        return max(rows, key=lambda row: row[0]) if rows else None


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _load_states(products: Iterable[Product]) -> dict[int, _State]:
    """Units, prices, GST rows and barcodes of stored products, a few queries for all of them."""
    states = {product.id: _State(product) for product in products}
    for ids in _chunks(states):
        for unit in ProductUnit.select().where(ProductUnit.product.in_(ids)).order_by(ProductUnit.factor_milli,
                                                                                       ProductUnit.id):
            states[unit.product_id].units[unit.name] = unit
        prices = (ProductPrice.select(ProductPrice.id, ProductPrice.product, ProductPrice.unit, RateTier.code,
                                      ProductPrice.price_paise, ProductPrice.effective_from)
                  .join(RateTier).where(ProductPrice.product.in_(ids)).tuples())
        for row_id, product_id, unit_id, tier, price, since in prices:
            states[product_id].prices.setdefault((unit_id, tier), []).append((since, price, row_id))
        for row in ProductGstRate.select().where(ProductGstRate.product.in_(ids)):
            states[row.product_id].gst.append((row.effective_from, row.rate_bp, row.cess_bp, row.id))
        for code, product_id, unit_id in (ProductBarcode.select(ProductBarcode.code, ProductBarcode.product,
                                                                ProductBarcode.unit)
                                          .where(ProductBarcode.product.in_(ids)).tuples()):
            states[product_id].barcodes.setdefault(unit_id, []).append(code)
    return states


class _Catalog:
    """What checks need beyond the products being changed: tiers, scale rules, who holds a SKU, barcode or
    scale code."""

    def __init__(self, skus: Iterable[str], codes: Iterable[str], scale_codes: Iterable[str]) -> None:
        self.tiers = {tier.code: tier for tier in RateTier.select().order_by(RateTier.id)}
        self.rules: Sequence[ScaleRule] = scale_rules()
        self.sku_owner: dict[str, int] = {}
        for chunk in _chunks(set(skus)):
            self.sku_owner.update(Product.select(Product.sku, Product.id).where(Product.sku.in_(chunk)).tuples())
        self.barcode_owner: dict[str, tuple[int, int, str]] = {}
        for chunk in _chunks(set(codes)):
            query = (ProductBarcode.select(ProductBarcode.code, ProductBarcode.product, ProductBarcode.unit,
                                           Product.sku).join(Product).where(ProductBarcode.code.in_(chunk)).tuples())
            self.barcode_owner.update({code: (pid, uid, sku) for code, pid, uid, sku in query})
        self.scale_owner: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(set(scale_codes)):
            query = Product.select(Product.scale_code, Product.id, Product.sku).where(Product.scale_code.in_(chunk))
            self.scale_owner.update({code: (pid, sku) for code, pid, sku in query.tuples()})

    def tier_codes(self) -> list[str]:
        """Tier codes, counter first (the price most shops think in), then in the store's order."""
        return sorted(self.tiers, key=lambda code: (code != "counter", self.tiers[code].id))


# --- the plan of a change ------------------------------------------------------------------------


@dataclass
class _UnitPlan:
    """A unit as it will be: new or existing, with the barcodes it will carry and the prices to set."""

    name: str
    unit: ProductUnit | None
    kind: str
    factor_milli: int
    sellable: bool
    floor_price_paise: int | None
    barcodes: list[str] | None  # None: keep the unit's barcodes
    prices: dict[str, int]
    path: str


@dataclass
class _Plan:
    """A product as it will be after a create, an edit or a CSV row."""

    product: Product | None
    state: _State | None
    fields: dict[str, Any]
    gst: tuple[int, int] | None
    gst_from: date
    prices_from: date
    units: list[_UnitPlan]
    remove_units: list[ProductUnit]
    category: str | None = None

    @property
    def sku(self) -> str:
        """The product's SKU after the change."""
        return str(self.fields.get("sku") or (self.product.sku if self.product else ""))


def _text(data: dict[str, Any], name: str, limit: int, problems: list[Problem], *, required: bool,
          nonempty: bool = True) -> str | None:
    if data.get(name) is None:
        if required:
            problems.append(Problem(name, f"{name} is required", "required"))
        return None
    value = str(data[name]).strip()
    if not value and nonempty:
        problems.append(Problem(name, f"{name} must not be empty", "required"))
        return None
    if len(value) > limit:
        problems.append(Problem(name, f"{name} has at most {limit} characters (got {len(value)})"))
        return None
    return value


def _day(value: Any, name: str, problems: list[Problem], today: date, *, history_allowed: bool) -> date:
    if value in (None, ""):
        return today
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(name, f"{name} must be a date as YYYY-MM-DD (got {value!r})"))
        return today
    if day < today and not history_allowed:
        problems.append(Problem(
            name, f"{name} {day.isoformat()} is in the past; a change takes effect today ({today.isoformat()}) or "
            "later, because earlier days are history that issued invoices were priced by", "backdated_change"))
        return today
    return day


def _check_barcode(code: Any, path: str, catalog: _Catalog, problems: list[Problem]) -> str | None:
    try:
        cleaned = check_product_barcode(str(code))
    except RuleError as exc:
        problems.append(Problem(path, exc.message, exc.code))
        return None
    for rule in catalog.rules:
        if len(cleaned) == 13 and cleaned.startswith(rule.prefix):
            problems.append(Problem(
                path, f"barcode {cleaned} starts with {rule.prefix}, the prefix of the scale label rule "
                f"{rule.name!r}; the till would read it as a scale label", "barcode_is_scale_label"))
            return None
    return cleaned


def _plan_unit(raw: dict[str, Any], path: str, base_unit: str, existing: ProductUnit | None, catalog: _Catalog,
               problems: list[Problem]) -> _UnitPlan | None:
    """Check one unit of a request: kind, factor, barcodes, tier prices."""
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 40:
        problems.append(Problem(f"{path}.name", "a unit needs a name of 1 to 40 characters"))
        return None
    default_kind = existing.kind if existing else (base_unit if name == base_unit else UnitKind.PACKAGE.value)
    kind = str(raw.get("kind") or default_kind)
    if kind not in (base_unit, UnitKind.PACKAGE.value):
        problems.append(Problem(f"{path}.kind", f"a {base_unit} product has the base unit {base_unit!r} and "
                                f"packages; {kind!r} is not allowed", "bad_unit_kind"))
        return None
    if existing is not None and existing.kind != kind:
        problems.append(Problem(f"{path}.kind", f"unit {name!r} is a {existing.kind}; its kind cannot change",
                                "bad_unit_kind"))
        return None
    if kind == base_unit:
        factor = raw.get("factor_milli", MILLI)
        if factor != MILLI:
            problems.append(Problem(f"{path}.factor_milli", f"the base unit {name!r} holds exactly 1 {base_unit} "
                                    "(factor_milli 1000)", "bad_factor"))
            return None
    else:
        factor = raw.get("factor_milli", existing.factor_milli if existing else None)
        if factor is None:
            problems.append(Problem(f"{path}.factor_milli", f"package {name!r} needs factor_milli, the "
                                    f"{base_unit}s it holds x 1000 (a case of 24 is 24000)", "required"))
            return None
        try:
            Unit(UnitKind.PACKAGE, name, int(factor))
        except RuleError as exc:
            problems.append(Problem(f"{path}.factor_milli", exc.message, "bad_factor"))
            return None
        if base_unit == UnitKind.PIECE.value and int(factor) % MILLI:
            problems.append(Problem(f"{path}.factor_milli", f"package {name!r} must hold whole pieces "
                                    f"(factor_milli a multiple of 1000, got {factor})", "bad_factor"))
            return None
    barcodes: list[str] | None = None
    if raw.get("barcodes") is not None:
        barcodes = []
        for index, code in enumerate(raw["barcodes"]):
            cleaned = _check_barcode(code, f"{path}.barcodes.{index}", catalog, problems)
            if cleaned and cleaned not in barcodes:
                barcodes.append(cleaned)
    prices: dict[str, int] = {}
    for tier, price in (raw.get("prices_paise") or {}).items():
        if tier not in catalog.tiers:
            problems.append(Problem(f"{path}.prices_paise.{tier}",
                                    f"no rate tier {tier!r} (tiers: {', '.join(catalog.tier_codes())})"))
        elif isinstance(price, bool) or not isinstance(price, int) or price <= 0:
            problems.append(Problem(f"{path}.prices_paise.{tier}",
                                    f"a price is a whole number of paise above 0 (got {price!r})", "bad_price"))
        else:
            prices[tier] = price
    floor = raw.get("floor_price_paise", existing.floor_price_paise if existing else None)
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, int) or floor < 0):
        problems.append(Problem(f"{path}.floor_price_paise", f"a floor price is paise, 0 or more (got {floor!r})"))
        floor = None
    sellable = raw.get("sellable", existing.sellable if existing else True)
    return _UnitPlan(name, existing, kind, int(factor), bool(sellable), floor, barcodes, prices, path)


def _plan(data: dict[str, Any], product: Product | None, state: _State | None, catalog: _Catalog,
          today: date) -> tuple[_Plan | None, list[Problem]]:
    """Check a create (product None) or an edit against the rules, reporting every problem found."""
    problems: list[Problem] = []
    creating = product is None
    fields: dict[str, Any] = {}
    sku = _text(data, "sku", 32, problems, required=creating)
    if sku is not None:
        if not SKU_PATTERN.match(sku):
            problems.append(Problem("sku", f"SKU {sku!r} must be 1-32 letters, digits, '.', '_', '/' or '-', "
                                    "starting with a letter or digit", "bad_sku"))
        elif catalog.sku_owner.get(sku) not in (None, product.id if product else None):
            problems.append(Problem("sku", f"SKU {sku} belongs to another product", "duplicate_sku", True))
        elif product is None or sku != product.sku:
            fields["sku"] = sku
    name = _text(data, "name", 200, problems, required=creating)
    if name is not None:
        fields["name"] = name
    category = None
    if "category" in data:
        category = _text(data, "category", 120, problems, required=False, nonempty=False) or ""
    hsn = _text(data, "hsn_code", 8, problems, required=creating)
    if hsn is not None:
        if HSN_PATTERN.match(hsn):
            fields["hsn_code"] = hsn
        else:
            problems.append(Problem("hsn_code", f"an HSN or SAC code has 4, 6 or 8 digits (got {hsn!r})", "bad_hsn"))
    base_unit = product.base_unit if product else None
    if data.get("base_unit") or creating:
        given = str(data.get("base_unit") or "")
        if given not in BASE_UNITS:
            problems.append(Problem("base_unit", f"base_unit is piece or kg (got {given!r})", "bad_unit_kind"))
        elif product is not None and given != product.base_unit:
            problems.append(Problem("base_unit", f"{product.sku} is sold by {product.base_unit}; the base unit "
                                    "cannot change because stock and sales are counted in it; add a new product",
                                    "base_unit_fixed"))
        else:
            base_unit = given
            fields["base_unit"] = given
    if "prices_include_tax" in data and data["prices_include_tax"] is not None:
        fields["prices_include_tax"] = bool(data["prices_include_tax"])
    if "is_active" in data and data["is_active"] is not None:
        fields["is_active"] = bool(data["is_active"])
    if "scale_code" in data:
        code = str(data["scale_code"] or "").strip()
        widths = sorted({rule.item_width for rule in catalog.rules})
        if code and (not DIGITS.match(code) or len(code) not in widths):
            problems.append(Problem("scale_code", f"a scale code is the item code in scale labels: "
                                    f"{' or '.join(str(w) for w in widths)} digits (got {code!r})", "bad_scale_code"))
        elif code and catalog.scale_owner.get(code, (None, ""))[0] not in (None, product.id if product else None):
            problems.append(Problem("scale_code", f"scale code {code} belongs to {catalog.scale_owner[code][1]}",
                                    "duplicate_scale_code", True))
        else:
            fields["scale_code"] = code or None
    gst = None
    gst_from = today
    if data.get("gst") is not None:
        raw = data["gst"]
        gst_from = _day(raw.get("effective_from"), "gst.effective_from", problems, today, history_allowed=creating)
        try:
            given_rate = raw.get("rate_bp")
            if isinstance(given_rate, bool) or not isinstance(given_rate, int):
                raise RuleError(f"rate_bp is the GST rate in basis points, 18 % = 1800 (got {given_rate!r})",
                                "rate_bp", "unknown_gst_slab")
            rate = check_rate(given_rate)
            cess = int(raw.get("cess_bp") or 0)
            if not 0 <= cess <= BASIS:
                raise RuleError(f"cess must be between 0 and 100 % (got {cess / 100:g} %)", "cess_bp", "bad_cess")
            gst = (rate, cess)
        except RuleError as exc:
            problems.append(Problem(f"gst.{exc.field or 'rate_bp'}", exc.message, exc.code))
    elif creating:
        problems.append(Problem("gst", "gst is required: the rate_bp of the product's GST slab", "required"))
    prices_from = _day(data.get("prices_effective_from"), "prices_effective_from", problems, today,
                       history_allowed=creating)
    units: list[_UnitPlan] = []
    remove: list[ProductUnit] = []
    if base_unit in BASE_UNITS:
        existing_units = state.units if state else {}
        seen: set[str] = set()
        for index, raw_unit in enumerate(data.get("units") or []):
            name_key = str(raw_unit.get("name") or "").strip()
            if name_key.lower() in seen:
                problems.append(Problem(f"units.{index}.name", f"unit {name_key!r} is given twice", "duplicate_unit"))
                continue
            seen.add(name_key.lower())
            planned = _plan_unit(raw_unit, f"units.{index}", base_unit, existing_units.get(name_key), catalog,
                                 problems)
            if planned is not None:
                units.append(planned)
        for index, unit_name in enumerate(data.get("remove_units") or []):
            unit = existing_units.get(str(unit_name))
            if unit is None:
                problems.append(Problem(f"remove_units.{index}", f"no unit {unit_name!r} to remove"))
            elif unit.kind != UnitKind.PACKAGE.value:
                problems.append(Problem(f"remove_units.{index}", "the base unit cannot be removed"))
            elif str(unit_name).lower() in seen:
                problems.append(Problem(f"remove_units.{index}", f"unit {unit_name!r} is both changed and removed"))
            elif CartLine.select().where(CartLine.unit == unit).exists():
                problems.append(Problem(f"remove_units.{index}", f"unit {unit_name!r} is on sales already; make it "
                                        "not sellable instead", "unit_in_use", True))
            else:
                remove.append(unit)
        stored_base = [unit for unit in existing_units.values() if unit.kind == base_unit]
        planned_base = [unit for unit in units if unit.kind == base_unit]
        if len(planned_base) > 1 or (planned_base and stored_base and planned_base[0].unit is None):
            problems.append(Problem("units", f"a product has one base unit ({base_unit}); "
                                    + (f"it is {stored_base[0].name!r}" if stored_base else "give it once"),
                                    "duplicate_base_unit"))
        elif not planned_base and not stored_base:
            units.insert(0, _UnitPlan(base_unit, None, base_unit, MILLI, True, None, None, {}, "units"))
        codes = [(code, f"{unit.path}.barcodes.{index}") for unit in units
                 for index, code in enumerate(unit.barcodes or [])]
        first_path: dict[str, str] = {}
        for code, path in codes:
            unit_path = path.rsplit(".barcodes.", 1)[0]
            if code in first_path and first_path[code] != unit_path:
                problems.append(Problem(path, f"barcode {code} is given for two units", "duplicate_barcode"))
            first_path.setdefault(code, unit_path)
    if problems:
        return None, problems
    plan = _Plan(product, state, fields, gst, gst_from, prices_from, units, remove, category)
    return plan, problems


def _barcode_clashes(plans: Sequence[_Plan], catalog: _Catalog) -> dict[int, list[Problem]]:
    """Barcodes that two products (or units) would share after every plan is applied, by plan index."""
    replaced: set[int] = set()
    removed: set[int] = {unit.id for plan in plans for unit in plan.remove_units}
    for plan in plans:
        replaced.update(unit.unit.id for unit in plan.units if unit.unit is not None and unit.barcodes is not None)
    holder: dict[str, tuple[int, str]] = {}
    clashes: dict[int, list[Problem]] = {}
    for index, plan in enumerate(plans):
        for unit in plan.units:
            for position, code in enumerate(unit.barcodes or []):
                owner = catalog.barcode_owner.get(code)
                mine = owner is not None and unit.unit is not None and owner[1] == unit.unit.id
                if owner is not None and not mine and owner[1] not in replaced and owner[1] not in removed:
                    clashes.setdefault(index, []).append(Problem(
                        f"{unit.path}.barcodes.{position}", f"barcode {code} is already on {owner[2]}",
                        "duplicate_barcode", True))
                elif code in holder and holder[code][0] != index:
                    clashes.setdefault(index, []).append(Problem(
                        f"{unit.path}.barcodes.{position}", f"barcode {code} is also given for {holder[code][1]}",
                        "duplicate_barcode", True))
                holder.setdefault(code, (index, plan.sku))
    return clashes


def _scale_code_clashes(plans: Sequence[_Plan]) -> dict[int, list[Problem]]:
    """Scale codes given to two products of the same request."""
    holder: dict[str, int] = {}
    clashes: dict[int, list[Problem]] = {}
    for index, plan in enumerate(plans):
        code = plan.fields.get("scale_code")
        if code and code in holder:
            clashes.setdefault(index, []).append(Problem(
                "scale_code", f"scale code {code} is also given for {plans[holder[code]].sku}", "duplicate_scale_code",
                True))
        if code:
            holder.setdefault(code, index)
    return clashes


# --- applying a plan -----------------------------------------------------------------------------


class _Writer:
    """Writes checked plans in the caller's transaction, batching the rows that need no ID back."""

    def __init__(self, ctx: ServiceContext, user: User | None, catalog: _Catalog) -> None:
        self.ctx, self.user, self.catalog = ctx, user, catalog
        self.categories: dict[str, Category] | None = None
        self.gst_rows: list[dict[str, Any]] = []
        self.price_rows: list[dict[str, Any]] = []
        self.created: dict[str, Product] = {}
        self.touched: list[Product] = []

    def create_all(self, plans: Sequence[_Plan]) -> None:
        """Insert the new products and their units in batches (a CSV may add thousands)."""
        new = [plan for plan in plans if plan.product is None]
        if not new:
            return
        now = self.ctx.now()
        rows = []
        for plan in new:
            values = dict(plan.fields)
            if plan.category is not None:
                values["category"] = self.category(plan.category)
            rows.append({**values, "created_at": now, "updated_at": now})
        for chunk in _chunks(rows):
            Product.insert_many(chunk).execute()
        for chunk in _chunks([plan.sku for plan in new]):
            self.created.update({product.sku: product for product in Product.select().where(Product.sku.in_(chunk))})
        unit_rows = [{"product": self.created[plan.sku].id, "kind": unit.kind, "name": unit.name,
                      "factor_milli": unit.factor_milli, "sellable": unit.sellable,
                      "floor_price_paise": unit.floor_price_paise} for plan in new for unit in plan.units]
        for chunk in _chunks(unit_rows):
            ProductUnit.insert_many(chunk).execute()
        units: dict[tuple[int, str], ProductUnit] = {}
        for chunk in _chunks([product.id for product in self.created.values()]):
            units.update({(unit.product_id, unit.name): unit
                          for unit in ProductUnit.select().where(ProductUnit.product.in_(chunk))})
        for plan in new:
            for unit_plan in plan.units:
                unit_plan.unit = units[(self.created[plan.sku].id, unit_plan.name)]

    def category(self, name: str | None) -> Category | None:
        """The category of that name, made (audited and replicated) when new."""
        if not name:
            return None
        if self.categories is None:
            self.categories = {row.name: row for row in Category.select()}
        found = self.categories.get(name)
        if found is None:
            found = self.categories[name] = Category.create(name=name)
            record_audit(self.ctx, "category.created", self.user, "category", str(found.uuid),
                         details={"name": name})
            enqueue("category.created", found.uuid, {"id": str(found.uuid), "name": name, "parent": None})
        return found

    def price(self, product: Product, unit: ProductUnit, tier: str, price: int, since: date,
              state: _State | None) -> dict[str, Any] | None:
        """Add a dated price row unless that price is already in force on the day; same day: replace the row."""
        current = state.price_on(unit.id, tier, since) if state else None
        if current is not None and current[1] == price:
            return None
        change = {"unit": unit.name, "tier": tier, "from_paise": current[1] if current else None,
                  "to_paise": price, "effective_from": since.isoformat()}
        if current is not None and current[0] == since:
            ProductPrice.update(price_paise=price).where(ProductPrice.id == current[2]).execute()
            change["replaced_same_day"] = True
        else:
            self.price_rows.append({"product": product.id, "unit": unit.id, "tier": self.catalog.tiers[tier].id,
                                    "price_paise": price, "effective_from": since})
        return change

    def gst(self, product: Product, plan: _Plan) -> dict[str, Any] | None:
        """Add a dated GST row unless that rate is already in force on the day; same day: replace the row."""
        assert plan.gst is not None
        current = plan.state.gst_on(plan.gst_from) if plan.state else None
        if current is not None and (current[1], current[2]) == plan.gst:
            return None
        rate, cess = plan.gst
        change: dict[str, Any] = {"from_bp": current[1] if current else None, "to_bp": rate, "cess_bp": cess,
                                  "effective_from": plan.gst_from.isoformat()}
        if current is not None and current[0] == plan.gst_from:
            ProductGstRate.update(rate_bp=rate, cess_bp=cess).where(ProductGstRate.id == current[3]).execute()
            change["replaced_same_day"] = True
        else:
            self.gst_rows.append({"product": product.id, "rate_bp": rate, "cess_bp": cess,
                                  "effective_from": plan.gst_from})
        return change

    def apply(self, plan: _Plan) -> tuple[Product, dict[str, Any]]:
        """Write a plan's product, units, GST and prices; returns the product and what changed."""
        changes: dict[str, Any] = {}
        product = plan.product
        if product is None:
            product = self.created[plan.sku]
        else:
            values = dict(plan.fields)
            if plan.category is not None:
                values["category"] = self.category(plan.category)
            for name, value in values.items():
                before = getattr(product, name)
                if name == "category":
                    before_name, after_name = (before.name if before else None), (value.name if value else None)
                    if before_name != after_name:
                        changes[name] = [before_name, after_name]
                        product.category = value
                elif before != value:
                    changes[name] = [before, value]
                    setattr(product, name, value)
        if plan.gst is not None:
            gst_change = self.gst(product, plan)
            if gst_change:
                changes["gst"] = gst_change
        for unit_plan in plan.units:
            unit = unit_plan.unit
            if unit is None:
                unit = ProductUnit.create(product=product, kind=unit_plan.kind, name=unit_plan.name,
                                          factor_milli=unit_plan.factor_milli, sellable=unit_plan.sellable,
                                          floor_price_paise=unit_plan.floor_price_paise)
                unit_plan.unit = unit
                if plan.product is not None:
                    changes.setdefault("units_added", []).append(unit.name)
            else:
                wanted = {"factor_milli": unit_plan.factor_milli, "sellable": unit_plan.sellable,
                          "floor_price_paise": unit_plan.floor_price_paise}
                differ = {key: [getattr(unit, key), value] for key, value in wanted.items()
                          if getattr(unit, key) != value}
                if differ:
                    ProductUnit.update(**wanted).where(ProductUnit.id == unit.id).execute()
                    changes.setdefault("units_changed", {})[unit.name] = differ
            for tier, price in unit_plan.prices.items():
                price_change = self.price(product, unit, tier, price, plan.prices_from, plan.state)
                if price_change:
                    changes.setdefault("prices", []).append(price_change)
        for unit in plan.remove_units:
            unit.delete_instance()
            changes.setdefault("units_removed", []).append(unit.name)
        if plan.product is not None and changes:
            if set(changes) & set(plan.fields) or "category" in changes:
                product.updated_at = self.ctx.now()
                product.save()
            else:
                self.touched.append(product)
        return product, changes

    def flush(self) -> None:
        """Insert the batched GST and price rows; stamp products changed only in their rows."""
        for model, rows in ((ProductGstRate, self.gst_rows), (ProductPrice, self.price_rows)):
            for chunk in _chunks(rows):
                model.insert_many(chunk).execute()
            rows.clear()
        now = self.ctx.now()
        for chunk in _chunks(self.touched):
            Product.update(updated_at=now).where(Product.id.in_([product.id for product in chunk])).execute()
            for product in chunk:
                product.updated_at = now
        self.touched.clear()


def _write_barcodes(plans: Sequence[_Plan], changes: list[dict[str, Any]]) -> None:
    """Replace the barcodes of every unit whose list was given: all removals first, so a barcode can move."""
    wanted: list[tuple[int, _UnitPlan, ProductUnit]] = []
    for index, plan in enumerate(plans):
        for unit_plan in plan.units:
            if unit_plan.barcodes is not None and unit_plan.unit is not None:
                wanted.append((index, unit_plan, unit_plan.unit))
    before: dict[int, set[str]] = {}
    for index, _, unit in wanted:
        state = plans[index].state
        before[unit.id] = set(state.barcodes.get(unit.id, [])) if state else set()
    changed = [(index, unit_plan, unit) for index, unit_plan, unit in wanted
               if set(unit_plan.barcodes or []) != before[unit.id]]
    for chunk in _chunks([unit.id for _, _, unit in changed]):
        ProductBarcode.delete().where(ProductBarcode.unit.in_(chunk)).execute()
    rows = [{"code": code, "product": unit.product_id, "unit": unit.id}
            for _, unit_plan, unit in changed for code in unit_plan.barcodes or []]
    for chunk in _chunks(rows):
        ProductBarcode.insert_many(chunk).execute()
    for index, unit_plan, unit in changed:
        added = sorted(set(unit_plan.barcodes or []) - before[unit.id])
        removed = sorted(before[unit.id] - set(unit_plan.barcodes or []))
        if plans[index].product is not None:
            changes[index].setdefault("barcodes", {})[unit.name] = {"added": added, "removed": removed}


def _write(ctx: ServiceContext, user: User | None, plans: Sequence[_Plan], catalog: _Catalog, today: date,
           source: str, max_changes: int | None = None) -> list[tuple[Product, bool, dict[str, Any]]]:
    """Write checked plans, then re-index, audit and queue an event for each product created or changed."""
    catalog_changed()
    writer = _Writer(ctx, user, catalog)
    writer.create_all(plans)
    results = [writer.apply(plan) for plan in plans]
    writer.flush()
    changes = [change for _, change in results]
    _write_barcodes(plans, changes)
    done = [(product, plan.product is None, change)
            for plan, (product, _), change in zip(plans, results, changes, strict=True)]
    touched = [(product, created, change) for product, created, change in done if created or change]
    if max_changes is not None and len(touched) > max_changes:
        raise ImportRejected([{"row": 1, "field": "csv", "code": "too_many_changes", "message": (
            f"the file creates or changes {len(touched)} products; at most {max_changes} per file, so the tills "
            "are never kept waiting; split it (rows that change nothing do not count)")}])
    # Search tokens come from the name, SKU and barcodes only: a price or GST change leaves them as they are.
    reindex = [product for product, created, change in touched if created or {"name", "sku", "barcodes"} & set(change)]
    codes: dict[int, list[str]] = {}
    for chunk in _chunks([product.id for product in reindex]):
        for code, product_id in (ProductBarcode.select(ProductBarcode.code, ProductBarcode.product)
                                 .where(ProductBarcode.product.in_(chunk)).tuples()):
            codes.setdefault(product_id, []).append(code)
    for product in reindex:
        index_product(product, codes.get(product.id, []))
    documents = product_documents(ctx, [product for product, _, _ in touched], today)
    for product, created, change in touched:
        details: dict[str, Any] = {"sku": product.sku, "source": source}
        if not created:
            details["changes"] = change
        action = "product.created" if created else "product.changed"
        record_audit(ctx, action, user, "product", str(product.uuid), details=details)
        enqueue(action, product.uuid, documents[product.id])
    return done


# --- reading -------------------------------------------------------------------------------------


def get_product(product_id: str) -> Product:
    """A product by its UUID, or 404."""
    try:
        key = uuid.UUID(str(product_id))
    except ValueError as exc:
        raise NotFound("no such product", "product_id") from exc
    product = Product.get_or_none(Product.uuid == key)
    if product is None:
        raise NotFound("no such product", "product_id")
    return product


def product_documents(ctx: ServiceContext, products: Sequence[Product], today: date) -> dict[int, dict[str, Any]]:
    """Full products by ID: what the till sees today plus status, scale code, GST and price history."""
    documents: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(products):
        views = product_views(ctx.db, [product.id for product in chunk], today)
        states = _load_states(chunk)
        for product, view in zip(chunk, views, strict=True):
            state = states[product.id]
            unit_ids = {str(unit.uuid): unit.id for unit in state.units.values()}
            for unit_view in view["units"]:
                unit_id = unit_ids[unit_view["id"]]
                unit_view["price_history"] = sorted(
                    ({"tier": tier, "price_paise": price, "effective_from": since.isoformat()}
                     for (uid, tier), rows in state.prices.items() if uid == unit_id for since, price, _ in rows),
                    key=lambda row: (row["effective_from"], row["tier"]))
            view.update(
                is_active=product.is_active, scale_code=product.scale_code,
                created_at=product.created_at.isoformat() + "Z", updated_at=product.updated_at.isoformat() + "Z",
                gst_history=[{"rate_bp": rate, "cess_bp": cess, "effective_from": since.isoformat()}
                             for since, rate, cess, _ in sorted(state.gst)],
            )
            documents[product.id] = view
    return documents


def product_document(ctx: ServiceContext, product: Product, today: date) -> dict[str, Any]:
    """One full product (see product_documents)."""
    return product_documents(ctx, [product], today)[product.id]


def view_product(ctx: ServiceContext, product_id: str) -> dict[str, Any]:
    """A product by ID, in full."""
    return product_document(ctx, get_product(product_id), store_today(ctx))


# --- use cases -----------------------------------------------------------------------------------


def _request_keys(data: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    skus = {str(data["sku"]).strip()} if data.get("sku") else set()
    codes = {str(code).strip() for unit in data.get("units") or [] for code in unit.get("barcodes") or []}
    scale = {str(data["scale_code"]).strip()} if data.get("scale_code") else set()
    return skus, codes, scale


def _checked_single(data: dict[str, Any], product: Product | None, today: date) -> tuple[_Plan, _Catalog]:
    catalog = _Catalog(*_request_keys(data))
    state = _load_states([product])[product.id] if product else None
    plan, problems = _plan(data, product, state, catalog, today)
    _raise_first(problems)
    assert plan is not None
    for found in (_barcode_clashes([plan], catalog), _scale_code_clashes([plan])):
        _raise_first(found.get(0, []))
    return plan, catalog


def create_product(ctx: ServiceContext, user: User | None, data: dict[str, Any]) -> dict[str, Any]:
    """Add a product with its GST rate, units, barcodes and tier prices. Audited and replicated."""
    today = store_today(ctx)
    with write_transaction(ctx.db):
        plan, catalog = _checked_single(data, None, today)
        [(product, _, _)] = _write(ctx, user, [plan], catalog, today, "api")
        document = product_document(ctx, product, today)
    return document


def update_product(ctx: ServiceContext, user: User | None, product_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a product: fields in place, prices and GST as new dated rows, units and barcodes."""
    today = store_today(ctx)
    with write_transaction(ctx.db):
        product = get_product(product_id)
        plan, catalog = _checked_single(data, product, today)
        _write(ctx, user, [plan], catalog, today, "api")
        document = product_document(ctx, Product.get_by_id(product.id), today)
    return document


def delete_product(ctx: ServiceContext, user: User | None, product_id: str) -> dict[str, Any]:
    """Delete a product nothing refers to; archive (is_active false) one on invoices or carts."""
    today = store_today(ctx)
    with write_transaction(ctx.db):
        product = get_product(product_id)
        catalog_changed()
        invoices = InvoiceLine.select(InvoiceLine.invoice).where(InvoiceLine.product == product).distinct().count()
        carts = CartLine.select(CartLine.cart).where(CartLine.product == product).distinct().count()
        uid, sku = product.uuid, product.sku
        if invoices or carts:
            reasons = []
            if invoices:
                reasons.append(f"sold on {invoices} invoice{'s' if invoices != 1 else ''}")
            if carts:
                reasons.append(f"in {carts} cart{'s' if carts != 1 else ''}")
            reason = " and ".join(reasons)
            if product.is_active:
                product.is_active = False
                product.updated_at = ctx.now()
                product.save()
                record_audit(ctx, "product.archived", user, "product", str(uid), details={"sku": sku, "reason": reason})
                enqueue("product.changed", uid, product_document(ctx, product, today))
            return {"id": str(uid), "sku": sku, "outcome": "archived",
                    "reason": f"{sku} is {reason}, so it is archived (hidden from the till) instead of deleted"}
        document = product_document(ctx, product, today)
        product.delete_instance()
        record_audit(ctx, "product.deleted", user, "product", str(uid), details={"sku": sku, "name": document["name"]})
        enqueue("product.deleted", uid, {"id": str(uid), "sku": sku})
    return {"id": str(uid), "sku": sku, "outcome": "deleted", "reason": f"nothing refers to {sku}"}


# --- CSV -----------------------------------------------------------------------------------------


def csv_columns(catalog: _Catalog) -> list[str]:
    """The CSV's columns, in order; one price column per rate tier, for the base unit and for the case."""
    tiers = catalog.tier_codes()
    return ["sku", "name", "category", "hsn_code", "base_unit", "prices_include_tax", "gst_rate_percent",
            "cess_percent", "scale_code", "active", "barcode", *[f"{tier}_price" for tier in tiers],
            "case_name", "case_factor", "case_barcode", *[f"case_{tier}_price" for tier in tiers]]


def export_csv(ctx: ServiceContext) -> str:
    """Every product (archived ones with active = no) as CSV, by SKU; prices and GST as in force today."""
    today = store_today(ctx)
    catalog = _Catalog((), (), ())
    columns = csv_columns(catalog)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    products = list(Product.select(Product, Category).join(Category, peewee.JOIN.LEFT_OUTER)
                    .order_by(Product.sku))
    states: dict[int, _State] = {}
    for chunk in _chunks(products):
        states.update(_load_states(chunk))
    for product in products:
        state = states[product.id]
        gst = state.gst_on(today)
        row: dict[str, str] = {
            "sku": product.sku, "name": product.name, "category": product.category.name if product.category else "",
            "hsn_code": product.hsn_code, "base_unit": product.base_unit,
            "prices_include_tax": "yes" if product.prices_include_tax else "no",
            "gst_rate_percent": percent(gst[1]) if gst else "", "cess_percent": percent(gst[2]) if gst else "",
            "scale_code": product.scale_code or "", "active": "yes" if product.is_active else "no",
        }
        units = [("", state.base)]
        packages = [unit for unit in state.units.values() if unit.kind == UnitKind.PACKAGE.value]
        if packages:
            first = min(packages, key=lambda unit: (unit.factor_milli, unit.id))
            units.append(("case_", first))
            row["case_name"] = first.name
            row["case_factor"] = base_units_text(first.factor_milli)
        for prefix, unit in units:
            if unit is None:
                continue
            row[f"{prefix}barcode"] = " ".join(sorted(state.barcodes.get(unit.id, [])))
            for tier in catalog.tier_codes():
                price = state.price_on(unit.id, tier, today)
                row[f"{prefix}{tier}_price"] = rupees(price[1]) if price else ""
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(row: dict[str, str], column: str) -> str:
    return unescape_cell((row.get(column) or "").strip())


def _yes_no(value: str, column: str, problems: list[Problem]) -> bool | None:
    if not value:
        return None
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    problems.append(Problem(column, f"{column} is yes or no (got {value!r})"))
    return None


def _percent_bp(value: str, column: str, problems: list[Problem]) -> int | None:
    try:
        amount = Decimal(value.rstrip("%").strip())
        bp = amount * 100
        if not amount.is_finite() or bp != bp.to_integral_value():
            raise InvalidOperation
        return int(bp)
    except InvalidOperation:
        problems.append(Problem(column, f"{column} is a percentage such as 5, 18 or 0.25 (got {value!r})"))
        return None


def _rupee_cells(row: dict[str, str], prefix: str, catalog: _Catalog, problems: list[Problem]) -> dict[str, int]:
    prices: dict[str, int] = {}
    for tier in catalog.tier_codes():
        column = f"{prefix}{tier}_price"
        value = _cell(row, column)
        if not value:
            continue
        try:
            prices[tier] = rupees_to_paise(value, column)
        except RuleError as exc:
            problems.append(Problem(column, f"{column}: {exc.message}", "bad_price"))
    return prices


def _row_body(row: dict[str, str], product: Product | None, state: _State | None, catalog: _Catalog
              ) -> tuple[dict[str, Any], list[Problem]]:
    """A CSV row as the body of a create or edit; cells that cannot be read are problems by column."""
    problems: list[Problem] = []
    body: dict[str, Any] = {}
    for column in ("sku", "name", "hsn_code", "base_unit"):
        body[column] = _cell(row, column)
    for column in ("category", "scale_code"):
        value = _cell(row, column)
        if value:
            body[column] = value
    includes = _yes_no(_cell(row, "prices_include_tax"), "prices_include_tax", problems)
    if includes is not None:
        body["prices_include_tax"] = includes
    active = _yes_no(_cell(row, "active"), "active", problems)
    if active is not None:
        body["is_active"] = active
    gst_text = _cell(row, "gst_rate_percent")
    if gst_text:
        rate = _percent_bp(gst_text, "gst_rate_percent", problems)
        cess_text = _cell(row, "cess_percent")
        cess = _percent_bp(cess_text, "cess_percent", problems) if cess_text else 0
        if rate is not None and cess is not None:
            body["gst"] = {"rate_bp": rate, "cess_bp": cess}
    elif _cell(row, "cess_percent"):
        problems.append(Problem("gst_rate_percent", "cess_percent needs gst_rate_percent in the same row"))
    base_unit = product.base_unit if product else body["base_unit"]
    base = state.base if state else None
    base_raw: dict[str, Any] = {"name": base.name if base else base_unit, "kind": base_unit}
    barcode_text = _cell(row, "barcode")
    if barcode_text:
        base_raw["barcodes"] = barcode_text.replace("|", " ").split()
    base_raw["prices_paise"] = _rupee_cells(row, "", catalog, problems)
    units = [base_raw]
    case_name = _cell(row, "case_name")
    case_given = [column for column in ("case_factor", "case_barcode") if _cell(row, column)]
    case_prices = _rupee_cells(row, "case_", catalog, problems)
    if case_name:
        case_raw: dict[str, Any] = {"name": case_name, "kind": UnitKind.PACKAGE.value, "prices_paise": case_prices}
        factor_text = _cell(row, "case_factor")
        if factor_text:
            try:
                kind = UnitKind.KG if base_unit == UnitKind.KG.value else UnitKind.PIECE
                case_raw["factor_milli"] = parse_quantity(factor_text, Unit(kind, base_unit), "case_factor")
            except RuleError as exc:
                problems.append(Problem("case_factor", f"case_factor is the {base_unit}s in one case: {exc.message}",
                                        "bad_factor"))
        case_barcodes = _cell(row, "case_barcode")
        if case_barcodes:
            case_raw["barcodes"] = case_barcodes.replace("|", " ").split()
        units.append(case_raw)
    elif case_given or case_prices:
        problems.append(Problem("case_name", "case_name is required when other case columns are filled",
                                "required"))
    body["units"] = units
    return body, problems


def _column(path: str, tiers: Sequence[str]) -> str:
    """The CSV column a request field came from."""
    parts = path.split(".")
    if parts[0] == "gst":
        return "cess_percent" if parts[-1] == "cess_bp" else "gst_rate_percent"
    if parts[0] == "is_active":
        return "active"
    if parts[0] == "prices_effective_from":
        return "sku"
    if parts[0] == "units" and len(parts) < 2:
        return "base_unit"
    if parts[0] != "units":
        return parts[0]
    prefix = "" if parts[1] == "0" else "case_"
    rest = parts[2:] if len(parts) > 2 else []
    if rest[:1] == ["barcodes"]:
        return f"{prefix}barcode"
    if rest[:1] == ["prices_paise"] and len(rest) > 1 and rest[1] in tiers:
        return f"{prefix}{rest[1]}_price"
    if rest[:1] == ["factor_milli"]:
        return "case_factor" if prefix else "base_unit"
    return "case_name" if prefix else "base_unit"


def _read_csv(text: str, catalog: _Catalog) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, Any]]]:
    """Rows of the file with their spreadsheet row numbers (the header is row 1), or header problems."""
    known = set(csv_columns(catalog))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [{"row": 1, "field": "csv", "message": "the file is empty; the first row names the columns",
                     "code": "empty_file"}]
    except csv.Error as exc:
        return [], [{"row": 1, "field": "csv", "message": f"not a CSV file: {exc}", "code": "bad_csv"}]
    errors = []
    for name in sorted({name for name in header if name and header.count(name) > 1}):
        errors.append({"row": 1, "field": name, "message": f"column {name!r} appears twice", "code": "bad_header"})
    for name in header:
        if name and name not in known:
            errors.append({"row": 1, "field": name or "csv",
                           "message": f"unknown column {name!r}; the columns are: {', '.join(csv_columns(catalog))}",
                           "code": "bad_header"})
    for name in ("sku", "name", "hsn_code", "base_unit"):
        if name not in header:
            errors.append({"row": 1, "field": name, "message": f"the file needs a {name!r} column",
                           "code": "bad_header"})
    if errors:
        return [], errors
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                errors.append({"row": number, "field": "csv", "code": "bad_row",
                               "message": f"the row has {len(cells)} cells but the header names {len(header)}"})
                continue
            rows.append((number, {name: cell for name, cell in zip(header, cells, strict=False) if name}))
    except csv.Error as exc:
        errors.append({"row": len(rows) + 2, "field": "csv", "message": f"cannot read the CSV: {exc}",
                       "code": "bad_csv"})
    if len(rows) > MAX_IMPORT_ROWS:
        errors.append({"row": MAX_IMPORT_ROWS + 2, "field": "csv", "code": "too_many_rows",
                       "message": f"at most {MAX_IMPORT_ROWS} rows per file; split the file"})
    return rows, errors


def import_csv(ctx: ServiceContext, user: User | None, text: str) -> dict[str, Any]:
    """Create or update products from CSV rows (by SKU), all or nothing: every row is checked first, and any
    problem rejects the whole file with every problem listed by row and column."""
    today = store_today(ctx)
    with write_transaction(ctx.db):
        header_catalog = _Catalog((), (), ())
        rows, errors = _read_csv(text, header_catalog)
        if errors:
            raise ImportRejected(errors)
        if not rows:
            raise ImportRejected([{"row": 2, "field": "csv", "message": "the file has no product rows",
                                   "code": "empty_file"}])
        skus = {_cell(row, "sku") for _, row in rows}
        codes = {code for _, row in rows for column in ("barcode", "case_barcode")
                 for code in _cell(row, column).replace("|", " ").split()}
        scale = {_cell(row, "scale_code") for _, row in rows} - {""}
        catalog = _Catalog(skus, codes, scale)
        tiers = catalog.tier_codes()
        stored = {product.sku: product for chunk in _chunks(skus)
                  for product in Product.select().where(Product.sku.in_(chunk))}
        states = _load_states(stored.values())
        plans: list[_Plan] = []
        plan_rows: list[int] = []
        first_row: dict[str, int] = {}
        for number, row in rows:
            sku = _cell(row, "sku")
            product = stored.get(sku)
            state = states.get(product.id) if product else None
            body, problems = _row_body(row, product, state, catalog)
            plan, more = _plan(body, product, state, catalog, today)
            problems += more
            if sku and sku in first_row:
                problems.append(Problem("sku", f"SKU {sku} is also in row {first_row[sku]}", "duplicate_sku"))
            first_row.setdefault(sku, number)
            errors += [{"row": number, "field": _column(p.field, tiers), "message": p.message, "code": p.code}
                       for p in problems]
            if plan is not None and not problems:
                plans.append(plan)
                plan_rows.append(number)
        for found in (_barcode_clashes(plans, catalog), _scale_code_clashes(plans)):
            for index, problems in found.items():
                errors += [{"row": plan_rows[index], "field": _column(p.field, tiers), "message": p.message,
                            "code": p.code} for p in problems]
        if errors:
            order = {name: index for index, name in enumerate(csv_columns(catalog))}
            errors.sort(key=lambda item: (item["row"], order.get(item["field"], len(order))))
            raise ImportRejected(errors)
        done = _write(ctx, user, plans, catalog, today, "csv import", MAX_IMPORT_CHANGES)
        created = sum(1 for _, is_new, _ in done if is_new)
        updated = sum(1 for _, is_new, change in done if not is_new and change)
        summary = {"rows": len(plans), "created": created, "updated": updated,
                   "unchanged": len(plans) - created - updated}
        record_audit(ctx, "products.imported", user, "product", "", details=summary)
    return summary

