"""A year of a busy store as plain rows, bulk-inserted (executemany in large transactions): invoices with their
lines, payments (split methods, credit sales settled later or left open), credit notes with refunds,
same-day cancellations, buyer-detail revisions that move a bill from CGST+SGST to IGST, and the customer
ledger; then the report summaries rebuilt from them (edge.services.report_summaries.rebuild).

The financial year 2025-26 (1 April 2025 – 31 March 2026, India's time), so it crosses the company's GSTIN
change of 1 January 2026 (the demo registrations). Sizes: FULL ~500,000 invoices and ~2.5 million lines;
QUICK 20,000 invoices.
"""

from __future__ import annotations

import bisect
import json
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from edge.services.context import ServiceContext
from edge.services.report_summaries import rebuild
from edge.services.setup import seed_demo
from edge.store.db import write_transaction
from edge.store.models import (
    Category,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerGstin,
    CustomerLedgerEntry,
    CustomerType,
    Invoice,
    InvoiceLine,
    InvoiceRevision,
    InvoiceSeries,
    Payment,
    Product,
    RateTier,
    SellerRegistration,
    Store,
    Till,
    User,
)
from tests.bench.catalog_data import catalog_names

ZONE = ZoneInfo("Asia/Kolkata")
FIRST_DAY = date(2025, 4, 1)
STORE_STATE = "27"
OTHER_STATES = ("29", "24", "33", "23", "30", "09", "07")
METHODS = (("cash", 45), ("upi", 35), ("card", 15), ("wallet", 3), ("bank_transfer", 2))
CHUNK_DAYS = 7
VERSION = "reports-data-3"  # bump when the generated rows change (cached stores are keyed by it)


@dataclass(frozen=True)
class Size:
    """How big a store to make."""

    invoices: int
    products: int
    customers: int
    tills: int
    cashiers: int
    days: int = 365
    lines_per_invoice: float = 5.0

    @property
    def key(self) -> str:
        """A name for a cached store of this size."""
        return f"{VERSION}-{self.invoices}-{self.products}-{self.customers}-{self.tills}-{self.cashiers}-{self.days}"


FULL = Size(invoices=500_000, products=5_000, customers=3_000, tills=4, cashiers=8)
QUICK = Size(invoices=20_000, products=2_000, customers=800, tills=4, cashiers=8)
TEST = Size(invoices=4_000, products=600, customers=300, tills=3, cashiers=4)


@dataclass(frozen=True)
class ProductRow:
    """What a sale needs of a product."""

    id: int
    name: str
    hsn: str
    rate_bp: int
    price_paise: int
    base_unit: str


@dataclass(frozen=True)
class CustomerRow:
    """What a sale needs of a customer."""

    id: int
    type_code: str
    state: str
    gstin: str | None
    name: str


def utc(moment: datetime) -> datetime:
    """A local (India) naive time as stored naive UTC."""
    return moment.replace(tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


def half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (the billing rules' rounding)."""
    quotient, rest = divmod(abs(numerator), denominator)
    value = quotient + (1 if rest * 2 >= denominator else 0)
    return value if numerator >= 0 else -value


def to_rupee(paise: int) -> tuple[int, int]:
    """Grand total rounded to the rupee, and the round-off."""
    rounded = half_up(paise, 100) * 100
    return rounded, rounded - paise


def fake_gstin(state: str, rng: random.Random) -> str:
    """A GSTIN-shaped string (reports never check the check character)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = "".join(rng.choice(letters) for _ in range(3)) + "C" + rng.choice(letters) + f"{rng.randint(0, 9999):04d}" + \
        rng.choice(letters)
    return f"{state}{pan}1Z{rng.choice('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"


class Writer:
    """Rows per table, flushed with executemany inside the caller's transaction."""

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self.rows: dict[type[peewee.Model], list[tuple[Any, ...]]] = {}
        self.columns: dict[type[peewee.Model], list[str]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: type[peewee.Model], values: dict[str, Any]) -> None:
        """Queue a row (column names as in the table)."""
        if model not in self.columns:
            self.columns[model] = list(values)
        self.rows.setdefault(model, []).append(tuple(values[name] for name in self.columns[model]))

    def flush(self) -> None:
        """Write every queued row, parents first."""
        order = (Invoice, InvoiceLine, Payment, CreditNote, CreditNoteLine, InvoiceRevision, CustomerLedgerEntry)
        quote = '"' if isinstance(self.db, peewee.SqliteDatabase) else "`"
        cursor = self.db.cursor()
        for model in order:
            rows = self.rows.pop(model, [])
            if not rows:
                continue
            columns = self.columns[model]
            names = ", ".join(f"{quote}{name}{quote}" for name in columns)
            marks = ", ".join([self.db.param] * len(columns))
            sql = f"INSERT INTO {quote}{model._meta.table_name}{quote} ({names}) VALUES ({marks})"
            for start in range(0, len(rows), 10_000):
                cursor.executemany(sql, rows[start:start + 10_000])
            self.counts[model._meta.table_name] = self.counts.get(model._meta.table_name, 0) + len(rows)


class Generator:
    """Makes the year's rows from a seed."""

    def __init__(self, ctx: ServiceContext, size: Size, seed: int) -> None:
        self.ctx, self.size, self.rng = ctx, size, random.Random(seed)
        self.next_id: dict[str, int] = {}
        self.numbers: dict[tuple[int, str, str], int] = {}
        self.series_ids: dict[tuple[int, str, str], int] = {}

    def new_id(self, table: str) -> int:
        """The next id of a table (ids are given, not left to the database, so children can point at them)."""
        value = self.next_id.get(table, 0) + 1
        self.next_id[table] = value
        return value

    # --- reference data ----------------------------------------------------------------------------------

    def reference(self) -> None:
        """Products, customers, tills, cashiers and series; the demo store underneath."""
        ctx, rng, size = self.ctx, self.rng, self.size
        seed_demo(ctx)
        store = Store.get()
        with write_transaction(ctx.db):
            for number in range(3, size.tills + 1):
                Till.create(store=store, code=f"T{number}", name=f"Counter {number}")
            self.tills = [till.id for till in Till.select().order_by(Till.id)][: size.tills]
            self.cashiers = [User.create(username=f"bench{n}", display_name=f"Bench cashier {n}", role="cashier",
                                         password_hash="x").id for n in range(1, size.cashiers + 1)]
            self.manager = User.get(User.username == "manager").id
            categories = {category.name: category.id for category in Category.select()}
            now = datetime(2025, 4, 1, 3, 30)
            rows, made = [], []
            for index, (group, name) in enumerate(catalog_names(size.products, rng)):
                category = categories.get(group.category) or Category.create(name=group.category).id
                categories[group.category] = category
                sku = f"RPT{index:06d}"
                rows.append({"uuid": uuid.uuid4().hex, "sku": sku, "name": name, "category_id": category,
                             "hsn_code": group.hsn, "base_unit": "piece", "prices_include_tax": True,
                             "scale_code": None, "is_active": True, "created_at": now, "updated_at": now})
                made.append((sku, name, group.hsn, group.gst_bp, rng.randint(*group.price_range_paise)))
            for start in range(0, len(rows), 2_000):
                Product.insert_many(rows[start:start + 2_000]).execute()
            ids = dict(Product.select(Product.sku, Product.id).where(Product.sku.startswith("RPT")).tuples())
            self.products = [ProductRow(ids[sku], name, hsn, rate, price, "piece")
                             for sku, name, hsn, rate, price in made]
            rng.shuffle(self.products)  # popularity does not follow the catalogue's order
            self.cumulative = _cumulative([1 / (rank + 1) ** 0.95 for rank in range(len(self.products))])
            types = {kind.code: kind for kind in CustomerType.select()}
            tier = RateTier.get(RateTier.code == "counter")
            new_customers = []
            for index in range(size.customers - Customer.select().count()):
                code = rng.choices(("retail", "wholesale", "b2b", "staff"), (70, 15, 12, 3))[0]
                state = rng.choice(OTHER_STATES) if code == "b2b" and rng.random() < 0.3 else STORE_STATE
                new_customers.append({"uuid": uuid.uuid4().hex, "code": f"R{index:05d}", "name": f"Customer {index}",
                                      "phone": None, "email": None, "customer_type_id": types[code].id,
                                      "rate_tier_id": tier.id, "billing_address": "", "billing_state_code": state,
                                      "shipping_address": "", "shipping_state_code": state,
                                      "credit_limit_paise": 50_000_00 if code in ("wholesale", "b2b") else 0,
                                      "is_active": True, "created_at": now, "updated_at": now})
            for start in range(0, len(new_customers), 2_000):
                Customer.insert_many(new_customers[start:start + 2_000]).execute()
            for row in Customer.select().where(Customer.code.startswith("R")):
                if row.customer_type_id == types["b2b"].id:
                    CustomerGstin.create(customer=row, gstin=fake_gstin(row.billing_state_code, rng),
                                         legal_name=row.name, valid_from=date(2024, 4, 1))
            gstins = {row.customer_id: row.gstin for row in CustomerGstin.select()}
            codes = {kind.id: kind.code for kind in types.values()}
            self.customers = [CustomerRow(c.id, codes[c.customer_type_id], c.billing_state_code, gstins.get(c.id),
                                          c.name) for c in Customer.select()]
            self.registrations = list(SellerRegistration.select().order_by(SellerRegistration.valid_from))
            for till in Till.select():
                for kind, mark in (("invoice", ""), ("credit_note", "C")):
                    for fy in ("2526",):
                        series = InvoiceSeries.create(till=till, document_type=kind, financial_year=fy,
                                                      prefix=f"{till.code}{mark}")
                        self.series_ids[(till.id, kind, fy)] = series.id
            self.till_codes = {till.id: till.code for till in Till.select()}
        for table in ("invoice", "invoice_line", "payment", "credit_note", "credit_note_line", "invoice_revision",
                      "customer_ledger_entry"):
            self.next_id[table] = int(ctx.db.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])

    # --- a year of sales ---------------------------------------------------------------------------------

    def registration(self, day: date) -> SellerRegistration:
        """The seller registration in force on a day."""
        for row in reversed(self.registrations):
            if row.valid_from <= day and (row.valid_to is None or row.valid_to >= day):
                return row
        raise AssertionError(f"no registration on {day}")

    def number(self, till: int, kind: str) -> tuple[int, str, int]:
        """The next number of a till's series (FY 2025-26)."""
        key = (till, kind, "2526")
        value = self.numbers.get(key, 0) + 1
        self.numbers[key] = value
        prefix = self.till_codes[till] + ("C" if kind == "credit_note" else "")
        return self.series_ids[key], f"{prefix}/2526/{value:06d}", value

    def product(self) -> ProductRow:
        """A product, popular ones more often."""
        index = bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.products[min(index, len(self.products) - 1)]

    def run(self, progress: Any = None) -> dict[str, int]:
        """Generate and insert every sale; returns the rows written per table."""
        size, rng = self.size, self.rng
        per_day = size.invoices / size.days
        writer = Writer(self.ctx.db)
        made = 0
        later: list[tuple[datetime, Any]] = []  # (when, action) done on a later day
        for chunk_start in range(0, size.days, CHUNK_DAYS):
            with write_transaction(self.ctx.db):
                for offset in range(chunk_start, min(chunk_start + CHUNK_DAYS, size.days)):
                    day = FIRST_DAY + timedelta(days=offset)
                    target = size.invoices if offset == size.days - 1 else min(
                        size.invoices, round(per_day * (offset + 1)))
                    count = target - made
                    made = target
                    moments = sorted(datetime.combine(day, datetime.min.time()) + timedelta(
                        seconds=rng.uniform(9 * 3600, 22 * 3600)) for _ in range(count))
                    for moment in moments:
                        self.sale(writer, day, moment, later)
                    due = [item for item in later if item[0].date() <= day]
                    later = [item for item in later if item[0].date() > day]
                    for when, action in due:
                        action(writer, when)
                writer.flush()
            if progress is not None:
                progress(made)
        return writer.counts

    def sale(self, writer: Writer, day: date, moment: datetime, later: list[tuple[datetime, Any]]) -> None:
        """One invoice with its lines, payments and what happens to it later."""
        rng, size = self.rng, self.size
        till = self.tills[rng.randrange(len(self.tills))]
        cashier = self.cashiers[(self.tills.index(till) + day.toordinal()) % len(self.cashiers)]
        customer = self.customers[rng.randrange(len(self.customers))] if rng.random() < 0.15 else None
        registration = self.registration(day)
        place = customer.state if customer else STORE_STATE
        supply = "intra" if place == registration.state_code else "inter"
        lines = []
        count = max(1, min(15, round(rng.gauss(size.lines_per_invoice, 2.6))))
        invoice_id = self.new_id("invoice")
        for line_no in range(1, count + 1):
            product = self.product()
            quantity = rng.choices((1, 2, 3, 5, 10), (60, 22, 10, 5, 3))[0]
            amount = product.price_paise * quantity
            taxable = half_up(amount * 10_000, 10_000 + product.rate_bp)  # prices include GST (MRP)
            tax = amount - taxable
            cgst, sgst, igst = (tax - tax // 2, tax // 2, 0) if supply == "intra" else (0, 0, tax)
            lines.append({
                "id": self.new_id("invoice_line"), "uuid": uuid.uuid4().hex, "invoice_id": invoice_id,
                "line_no": line_no, "product_id": product.id, "product_name": product.name,
                "hsn_code": product.hsn, "unit_kind": product.base_unit, "unit_name": product.base_unit,
                "unit_factor_milli": 1000, "quantity_milli": quantity * 1000, "rate_paise": product.price_paise,
                "rate_tier": "counter", "rate_includes_tax": True, "discount_paise": 0, "taxable_paise": taxable,
                "gst_rate_bp": product.rate_bp, "cgst_paise": cgst, "sgst_paise": sgst, "igst_paise": igst,
                "cess_bp": 0, "cess_paise": 0, "total_paise": amount})
        subtotal = sum(line["total_paise"] for line in lines)
        total, round_off = to_rupee(subtotal)
        series, number, _ = self.number(till, "invoice")
        issued_at = utc(moment)
        credit_sale = customer is not None and customer.type_code in ("wholesale", "b2b") and rng.random() < 0.5
        invoice = {
            "id": invoice_id, "uuid": uuid.uuid4().hex, "number": number, "series_id": series, "till_id": till,
            "cashier_id": cashier, "cart_id": None, "register_session_id": None,
            "customer_id": customer.id if customer else None, "seller_registration_id": registration.id,
            "buyer_name": customer.name if customer else "Cash customer",
            "buyer_gstin": customer.gstin if customer else None, "buyer_address": "",
            "billing_state_code": place, "place_of_supply_state_code": place, "supply_type": supply,
            "status": "issued", "revision": 0, "subtotal_paise": subtotal, "discount_paise": 0,
            "taxable_paise": sum(line["taxable_paise"] for line in lines),
            "cgst_paise": sum(line["cgst_paise"] for line in lines),
            "sgst_paise": sum(line["sgst_paise"] for line in lines),
            "igst_paise": sum(line["igst_paise"] for line in lines), "cess_paise": 0, "round_off_paise": round_off,
            "total_paise": total, "issued_at": issued_at,
            "due_date": day + timedelta(days=30) if credit_sale else None, "cancelled_at": None,
            "cancel_reason": None}
        roll = rng.random()
        if roll < 0.003:  # billed by mistake: refunded and cancelled ten minutes later
            invoice.update(status="cancelled", cancelled_at=issued_at + timedelta(minutes=10),
                           cancel_reason="billed by mistake")
        writer.add(Invoice, invoice)
        for line in lines:
            writer.add(InvoiceLine, line)
        if customer:
            self.ledger(writer, customer.id, issued_at, "invoice", total, invoice_id=invoice_id, note=number)
        if credit_sale:
            self.payment(writer, invoice, "credit", total, issued_at, cashier)
            if rng.random() < 0.85:
                when = moment + timedelta(days=rng.randint(3, 45), minutes=rng.randint(0, 300))
                later.append((when, lambda w, at, inv=invoice, cust=customer: self.settle(w, inv, cust, at)))
        else:
            if rng.random() < 0.1:
                first = total // 2
                self.payment(writer, invoice, "upi", first, issued_at, cashier)
                self.payment(writer, invoice, "cash", total - first, issued_at, cashier)
            else:
                method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
                self.payment(writer, invoice, method, total, issued_at, cashier)
        if invoice["status"] == "cancelled":
            if not credit_sale:
                self.payment(writer, invoice, "cash", -total, invoice["cancelled_at"], cashier, kind="refund")
            if customer:
                self.ledger(writer, customer.id, invoice["cancelled_at"], "adjustment", -total if credit_sale else 0,
                            invoice_id=invoice_id, note=f"{number} cancelled")
            return
        if roll < 0.013:  # a return a few days later: one piece of one line, refunded in cash
            when = moment + timedelta(days=rng.randint(0, 10), minutes=rng.randint(1, 120))
            later.append((when, lambda w, at, inv=invoice, ls=lines, cust=customer, cs=credit_sale:
                          self.credit_note(w, inv, ls, cust, cs, at)))
        elif roll < 0.015 and customer is None:  # a GST bill asked for later, by a company in another state
            when = moment + timedelta(days=rng.randint(0, 20), minutes=rng.randint(1, 120))
            later.append((when, lambda w, at, inv=invoice, ls=lines: self.revise(w, inv, ls, at)))

    def payment(self, writer: Writer, invoice: dict[str, Any], method: str, amount: int, at: datetime,
                user: int, kind: str = "payment") -> None:
        """A succeeded payment (or refund, negative) and its ledger entry."""
        payment_id = self.new_id("payment")
        writer.add(Payment, {
            "id": payment_id, "uuid": uuid.uuid4().hex, "invoice_id": invoice["id"],
            "customer_id": invoice["customer_id"], "register_session_id": None, "kind": kind, "method": method,
            "gateway": "", "status": "succeeded", "attempt": 1, "amount_paise": amount, "tendered_paise": None,
            "reference": "", "idempotency_key": None, "gateway_order_id": None, "details_enc": None,
            "received_by_id": user, "created_at": at, "updated_at": at})
        if invoice["customer_id"] and method != "credit":
            self.ledger(writer, invoice["customer_id"], at, "payment" if kind == "payment" else "refund", -amount,
                        invoice_id=invoice["id"], payment_id=payment_id)

    def ledger(self, writer: Writer, customer: int, at: datetime, kind: str, amount: int, invoice_id: int | None = None,
               payment_id: int | None = None, note_id: int | None = None, note: str = "") -> None:
        """A customer ledger entry."""
        if amount == 0 and kind != "invoice":
            return
        writer.add(CustomerLedgerEntry, {
            "id": self.new_id("customer_ledger_entry"), "uuid": uuid.uuid4().hex, "customer_id": customer, "at": at,
            "kind": kind, "invoice_id": invoice_id, "payment_id": payment_id, "credit_note_id": note_id,
            "amount_paise": amount, "note": note})

    def settle(self, writer: Writer, invoice: dict[str, Any], customer: CustomerRow, when: datetime) -> None:
        """The credit sale paid by bank transfer days later."""
        if invoice["status"] == "cancelled" or when.date() >= FIRST_DAY + timedelta(days=self.size.days):
            return
        self.payment(writer, invoice, "bank_transfer", invoice["total_paise"] - invoice.get("credited", 0),
                     utc(when), self.manager)

    def credit_note(self, writer: Writer, invoice: dict[str, Any], lines: Sequence[dict[str, Any]],
                    customer: CustomerRow | None, credit_sale: bool, when: datetime) -> None:
        """One piece of one line comes back."""
        if when.date() >= FIRST_DAY + timedelta(days=self.size.days) or invoice["revision"]:
            return
        line = lines[self.rng.randrange(len(lines))]
        quantity = line["quantity_milli"] // 1000
        share = {name: half_up(line[name], quantity) for name in ("taxable_paise", "cgst_paise", "sgst_paise",
                                                                   "igst_paise")}
        subtotal = sum(share.values())
        total, round_off = to_rupee(subtotal)
        series, number, _ = self.number(invoice["till_id"], "credit_note")
        at = utc(when)
        note_id = self.new_id("credit_note")
        writer.add(CreditNote, {
            "id": note_id, "uuid": uuid.uuid4().hex, "number": number, "series_id": series,
            "invoice_id": invoice["id"], "customer_id": invoice["customer_id"], "issued_by_id": self.manager,
            "issued_at": at, "reason": "returned", "status": "issued", **share, "cess_paise": 0,
            "round_off_paise": round_off, "total_paise": total})
        writer.add(CreditNoteLine, {
            "id": self.new_id("credit_note_line"), "uuid": uuid.uuid4().hex, "credit_note_id": note_id,
            "invoice_line_id": line["id"], "quantity_milli": 1000, **share, "cess_paise": 0,
            "total_paise": subtotal})
        invoice["credited"] = invoice.get("credited", 0) + total
        if customer:
            self.ledger(writer, customer.id, at, "credit_note", -total, invoice_id=invoice["id"], note_id=note_id,
                        note=number)
        if not credit_sale:
            self.payment(writer, invoice, "cash", -total, at, self.manager, kind="refund")

    def revise(self, writer: Writer, invoice: dict[str, Any], lines: Sequence[dict[str, Any]], when: datetime) -> None:
        """A walk-in bill made out to a company in another state: the same taxable values, IGST instead."""
        if when.date() >= FIRST_DAY + timedelta(days=self.size.days):
            return
        writer.flush()  # the invoice may still be queued: write it before changing it
        before = _document(invoice, lines)
        gstin = fake_gstin("29", self.rng)
        for line in lines:
            igst = half_up(line["taxable_paise"] * line["gst_rate_bp"], 10_000)
            line.update(cgst_paise=0, sgst_paise=0, igst_paise=igst, total_paise=line["taxable_paise"] + igst)
        subtotal = sum(line["total_paise"] for line in lines)
        total, round_off = to_rupee(subtotal)
        invoice.update(buyer_name="Interstate Buyer Pvt Ltd", buyer_gstin=gstin, billing_state_code="29",
                       place_of_supply_state_code="29", supply_type="inter", revision=1, cgst_paise=0, sgst_paise=0,
                       igst_paise=sum(line["igst_paise"] for line in lines), round_off_paise=round_off,
                       total_paise=total)
        after = _document(invoice, lines)
        db = self.ctx.db
        # The invoice and its lines are already written (an earlier day): change them in place.
        db.execute_sql(
            f"UPDATE invoice SET buyer_name = {db.param}, buyer_gstin = {db.param}, billing_state_code = {db.param}, "
            f"place_of_supply_state_code = {db.param}, supply_type = 'inter', revision = 1, cgst_paise = 0, "
            f"sgst_paise = 0, igst_paise = {db.param}, round_off_paise = {db.param}, total_paise = {db.param} "
            f"WHERE id = {db.param}",
            (invoice["buyer_name"], gstin, "29", "29", invoice["igst_paise"], round_off, total, invoice["id"]))
        db.cursor().executemany(
            f"UPDATE invoice_line SET cgst_paise = 0, sgst_paise = 0, igst_paise = {db.param}, "
            f"total_paise = {db.param} WHERE id = {db.param}",
            [(line["igst_paise"], line["total_paise"], line["id"]) for line in lines])
        writer.add(InvoiceRevision, {
            "id": self.new_id("invoice_revision"), "uuid": uuid.uuid4().hex, "invoice_id": invoice["id"],
            "revision": 1, "changed_at": utc(when), "changed_by_id": self.manager, "reason": "GST bill asked later",
            "before": json.dumps(before), "after": json.dumps(after)})
        difference = total - before["total_paise"]
        if difference:  # paid in full at the till: the difference is refunded or collected at once
            self.payment(writer, invoice, "cash", difference, utc(when), self.manager,
                         kind="payment" if difference > 0 else "refund")


def _document(invoice: dict[str, Any], lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The parts of an invoice document the report summaries read from a revision."""
    return {
        "number": invoice["number"], "revision": invoice["revision"], "supply": invoice["supply_type"],
        "place_of_supply": invoice["place_of_supply_state_code"],
        "buyer": {"name": invoice["buyer_name"], "gstin": invoice["buyer_gstin"]},
        **{name: invoice[name] for name in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise",
                                            "round_off_paise", "total_paise")},
        "lines": [{name: line[name] for name in ("line_no", "hsn_code", "gst_rate_bp", "quantity_milli",
                                                 "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise",
                                                 "cess_paise", "total_paise")} for line in lines],
    }


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    found = []
    for weight in weights:
        total += weight
        found.append(total)
    return found


@dataclass(frozen=True)
class Generated:
    """What was made and how long it took."""

    rows: dict[str, int]
    reference_seconds: float
    sales_seconds: float
    summaries_seconds: float
    summary_rows: dict[str, int]


def generate(ctx: ServiceContext, size: Size, seed: int = 11, progress: Any = None) -> Generated:
    """Make the store: reference data, a year of sales (bulk inserts), then the summaries (rebuild)."""
    started = time.perf_counter()
    generator = Generator(ctx, size, seed)
    generator.reference()
    reference = time.perf_counter() - started
    started = time.perf_counter()
    rows = generator.run(progress)
    sales = time.perf_counter() - started
    started = time.perf_counter()
    with write_transaction(ctx.db):
        summary_rows = rebuild(ctx.db, "Asia/Kolkata")
    summaries = time.perf_counter() - started
    return Generated(rows, reference, sales, summaries, summary_rows)
