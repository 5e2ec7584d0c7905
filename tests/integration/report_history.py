"""A store's sales history made through the real services, and the report figures computed straight from the
rows it leaves (invoices, lines, credit notes, revisions, payments) — never from the summaries.

The history runs from 30 Dec 2025 to early April 2026 on three tills with four cashiers and a manager: walk-in
and account sales, split, partial, on-account and unpaid bills, payments days later, returns with and
without refunds, cancellations (same day and a month later), buyer-detail corrections that turn a walk-in
bill into an inter-state GST bill (CGST+SGST → IGST) within the month and a month later, a B2C Large bill,
nil-rated and 40 % goods, and sales either side of the company's GSTIN change (1 January) and of the
financial year (31 March / 1 April, in India's time).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.domain import invoice_state
from edge.domain.payments import line_from_record
from edge.domain.reports import ageing_bucket, base_quantity_milli, gst_section, uqc
from edge.services import after_sale, carts, checkout
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput
from edge.services.setup import seed_demo
from edge.store.models import (
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerType,
    Invoice,
    InvoiceLine,
    InvoiceRevision,
    Payment,
    Product,
    ProductUnit,
    RateTier,
    Store,
    Till,
    User,
)
from tests.conftest import FakeClock

ZONE = ZoneInfo("Asia/Kolkata")
START = datetime(2025, 12, 30, 4, 0)  # 09:30 in India
END = datetime(2026, 4, 4, 12, 0)
# Moments that must see a sale: either side of the GSTIN change and of the financial year, in India's time.
BOUNDARIES = (datetime(2025, 12, 31, 18, 29, 30), datetime(2025, 12, 31, 18, 30), datetime(2026, 3, 31, 18, 29, 59),
              datetime(2026, 3, 31, 18, 30, 1))
OTHER_STATE_GSTIN = ("29AABCS1429B1ZQ", "Sagar Stores Pvt Ltd", "29")


def local(moment: datetime) -> date:
    """The day in India of a stored UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(ZONE).date()


@dataclass
class Shop:
    """The store the history runs in."""

    ctx: ServiceContext
    clock: FakeClock
    rng: random.Random
    cashiers: list[User]
    manager: User
    tills: list[str]
    pieces: list[Product]
    weighed: list[Product]
    customers: list[Customer]
    credit_customers: list[Customer]
    far_buyer: Customer
    invoices: list[dict[str, Any]] = field(default_factory=list)


def open_shop(ctx: ServiceContext, clock: FakeClock, seed: int = 7) -> Shop:
    """The demo store with a third till, four cashiers and an unregistered customer in Karnataka."""
    seed_demo(ctx)
    store = Store.get()
    Till.create(store=store, code="T3", name="Counter 3")
    cashiers = [User.create(username=f"cashier{n}", display_name=f"Cashier {n}", role="cashier",
                            password_hash="x") for n in range(1, 5)]
    retail = CustomerType.get(CustomerType.code == "retail")
    far_buyer = Customer.create(code="C0901", name="Anand Rao (Bengaluru)", customer_type=retail,
                                rate_tier=RateTier.get(RateTier.code == "counter"), billing_address="Bengaluru",
                                billing_state_code="29", shipping_address="Bengaluru", shipping_state_code="29",
                                credit_limit_paise=0)
    units = {unit.product_id: unit for unit in ProductUnit.select().where(
        (ProductUnit.factor_milli == 1000) & ProductUnit.sellable)}
    products = [product for product in Product.select().order_by(Product.id) if product.id in units]
    customers = list(Customer.select().where(Customer.code != "C0901").order_by(Customer.id))
    return Shop(
        ctx, clock, random.Random(seed), cashiers, User.get(User.username == "manager"), ["T1", "T2", "T3"],
        [product for product in products if product.base_unit == "piece"],
        [product for product in products if product.base_unit == "kg"], customers,
        [customer for customer in customers if customer.credit_limit_paise >= 5_000_000], far_buyer)


def sell(shop: Shop, user: User, till: str, items: Iterable[tuple[Product, str]], customer: Customer | None,
         pay: str) -> dict[str, Any]:
    """A sale: the items, the customer, and how it is paid (full, split, partial, credit, none)."""
    ctx = shop.ctx
    cart = carts.open_cart(ctx, user, till)
    cart_id = str(cart.uuid)
    if customer is not None:
        carts.set_terms(ctx, user, cart_id, {"customer_id": str(customer.uuid)})
    for product, quantity in items:
        if product.base_unit == "kg":  # weighed on the till's scale, as a cashier must
            carts.record_weight(ctx, till, round(float(quantity) * 1000), ctx.now())
            carts.add_product(ctx, user, cart_id, str(product.uuid), None, None, use_scale=True)
        else:
            carts.add_product(ctx, user, cart_id, str(product.uuid), None, quantity)
    total = carts.view_cart(ctx, user, cart_id)["total_paise"]
    payments: list[dict[str, Any]] = []
    if pay == "full":
        payments = [{"method": shop.rng.choice(["cash", "card", "upi", "wallet"]), "amount_paise": total}]
    elif pay == "split":
        first = total // 3
        payments = [{"method": "upi", "amount_paise": first, "reference": "UPI-1"},
                    {"method": "cash", "amount_paise": total - first, "tendered_paise": total - first + 500}]
    elif pay == "partial":
        payments = [{"method": "card", "amount_paise": max(total // 2, 1)}]
    elif pay == "credit":
        payments = [{"method": "credit", "amount_paise": total}]
    summary = checkout.checkout(ctx, user, cart_id, payments)
    shop.invoices.append(summary)
    return summary


def _items(shop: Shop) -> list[tuple[Product, str]]:
    rng = shop.rng
    items = [(rng.choice(shop.pieces), str(rng.randint(1, 4))) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        items.append((rng.choice(shop.weighed), f"{rng.randint(250, 2500) / 1000:.3f}"))
    return items


def _after(shop: Shop) -> None:
    """Something done later to an earlier bill: a payment, a return, a correction or a cancellation."""
    rng, ctx, manager = shop.rng, shop.ctx, shop.manager
    invoice = Invoice.get(Invoice.uuid == rng.choice(shop.invoices)["id"])
    if invoice.status != "issued":
        return
    view = checkout.view_invoice(ctx, str(invoice.uuid))
    roll = rng.random()
    try:
        if roll < 0.3 and view["balance_due_paise"] > 0:
            checkout.pay(ctx, manager, str(invoice.uuid), rng.choice(["bank_transfer", "upi", "cash"]),
                         view["balance_due_paise"])
        elif roll < 0.55:
            line = rng.choice(view["lines"])
            quantity = 1000 if line["quantity_milli"] >= 1000 and line["quantity_milli"] % 1000 == 0 else \
                line["quantity_milli"]
            refund = "cash" if view["paid_paise"] > 0 and rng.random() < 0.6 else None
            after_sale.return_items(ctx, manager, str(invoice.uuid), {line["line_no"]: quantity}, "returned",
                                    refund)
        elif roll < 0.75 and not view["buyer"]["gstin"]:
            gstin, name, state = OTHER_STATE_GSTIN
            after_sale.correct_buyer(ctx, manager, str(invoice.uuid),
                                     {"name": name, "gstin": gstin, "state_code": state}, "asked for a GST bill")
        else:
            paid = view["paid_paise"]
            if paid > 0:
                after_sale.refund_payment(ctx, manager, str(invoice.uuid), "cash", paid)
            after_sale.cancel_invoice(ctx, manager, str(invoice.uuid), "billed by mistake")
    except InvalidInput:
        pass  # e.g. a card refund above what the card paid; the history just moves on


def make_history(shop: Shop, sales: int = 90) -> None:
    """The whole history (about ``sales`` sales and a quarter as many later changes)."""
    rng, clock = shop.rng, shop.clock
    span = (END - START).total_seconds()
    moments = sorted([START + timedelta(seconds=rng.uniform(0, span)) for _ in range(sales)] + list(BOUNDARIES))
    big_done = False
    for index, moment in enumerate(moments):
        if moment < clock.now:
            continue
        clock.now = moment
        following = moments[index + 1] if index + 1 < len(moments) else END
        user = rng.choice(shop.cashiers)
        till = rng.choice(shop.tills)
        roll = rng.random()
        customer = None
        pay = rng.choice(["full", "full", "full", "split", "partial", "none"])
        if roll < 0.25:
            customer = rng.choice(shop.customers)
        elif roll < 0.35:
            customer = rng.choice(shop.credit_customers)
            pay = rng.choice(["credit", "partial", "none"])
        if not big_done and moment >= datetime(2026, 1, 10):
            big_done = True  # an inter-state bill to an unregistered buyer above ₹1,00,000: B2C Large
            expensive = max(shop.pieces, key=lambda product: _price(product))
            sell(shop, user, till, [(expensive, str(100_000_00 // max(_price(expensive), 1) + 2))], shop.far_buyer,
                 "full")
            continue
        sell(shop, user, till, _items(shop), customer, pay)
        if rng.random() < 0.3 and len(shop.invoices) > 3:
            clock.advance(seconds=min(rng.randint(60, 5400), (following - moment).total_seconds() / 2))
            _after(shop)
    # A correction and a cancellation a month after their bills (amendments of an earlier period).
    clock.now = datetime(2026, 4, 4, 14, 0)
    february = [invoice for invoice in Invoice.select().where(
        (Invoice.status == "issued") & (Invoice.buyer_gstin.is_null()) & (Invoice.supply_type == "intra")
        & (Invoice.issued_at >= datetime(2026, 2, 1)) & (Invoice.issued_at < datetime(2026, 3, 1)))
        .order_by(Invoice.id)]
    if february:
        gstin, name, state = OTHER_STATE_GSTIN
        after_sale.correct_buyer(shop.ctx, shop.manager, str(february[0].uuid),
                                 {"name": name, "gstin": gstin, "state_code": state}, "GST bill asked late")
    if len(february) > 1:
        target = february[-1]
        paid = checkout.view_invoice(shop.ctx, str(target.uuid))["paid_paise"]
        if paid > 0:
            after_sale.refund_payment(shop.ctx, shop.manager, str(target.uuid), "cash", paid)
        after_sale.cancel_invoice(shop.ctx, shop.manager, str(target.uuid), "duplicate bill")


def _price(product: Product) -> int:
    from edge.store.models import ProductPrice

    row = ProductPrice.select().where(ProductPrice.product == product).order_by(ProductPrice.price_paise.desc()).first()
    return int(row.price_paise) if row else 0


# --- the figures, computed from the source rows ------------------------------------------------------------


@dataclass
class Book:
    """Every row the reports summarise, read once, with each invoice's states over time."""

    invoices: dict[int, Invoice]
    lines: dict[int, list[InvoiceLine]]
    notes: list[CreditNote]
    note_lines: dict[int, list[CreditNoteLine]]
    revisions: dict[int, list[InvoiceRevision]]
    payments: list[Payment]
    base_units: dict[int, str]
    types: dict[int, int]
    categories: dict[int, str | None]


def read_book() -> Book:
    """Load the source tables."""
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in InvoiceLine.select().order_by(InvoiceLine.invoice, InvoiceLine.line_no):
        lines[line.invoice_id].append(line)
    note_lines: dict[int, list[CreditNoteLine]] = defaultdict(list)
    for part in CreditNoteLine.select():
        note_lines[part.credit_note_id].append(part)
    revisions: dict[int, list[InvoiceRevision]] = defaultdict(list)
    for revision in InvoiceRevision.select().order_by(InvoiceRevision.invoice, InvoiceRevision.revision):
        revisions[revision.invoice_id].append(revision)
    from edge.store.models import Category

    names = {category.id: category.name for category in Category.select()}
    return Book(
        {invoice.id: invoice for invoice in Invoice.select()}, lines, list(CreditNote.select()), note_lines,
        revisions, list(Payment.select()), {p.id: p.base_unit for p in Product.select()},
        {c.id: c.customer_type_id for c in Customer.select()},
        {p.id: names.get(p.category_id) for p in Product.select()})


def _doc_lines(document: dict[str, Any]) -> dict[int, dict[str, int]]:
    return {int(line["line_no"]): line for line in document["lines"]}


TAXES = ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")


def original(book: Book, invoice: Invoice) -> dict[str, Any]:
    """The invoice as first issued (before its first revision): totals and per line."""
    history = book.revisions.get(invoice.id)
    if history:
        return json.loads(history[0].before)
    return {**{name: getattr(invoice, name) for name in (*TAXES, "round_off_paise", "total_paise")},
            "lines": [{"line_no": line.line_no, **{name: getattr(line, name) for name in (*TAXES, "total_paise")}}
                      for line in book.lines[invoice.id]],
            "buyer": {"gstin": invoice.buyer_gstin, "name": invoice.buyer_name}, "supply": invoice.supply_type,
            "place_of_supply": invoice.place_of_supply_state_code}


def current(book: Book, invoice: Invoice) -> dict[str, Any]:
    """The invoice now, in the same shape."""
    return {**{name: getattr(invoice, name) for name in (*TAXES, "round_off_paise", "total_paise")},
            "lines": [{"line_no": line.line_no, **{name: getattr(line, name) for name in (*TAXES, "total_paise")}}
                      for line in book.lines[invoice.id]],
            "buyer": {"gstin": invoice.buyer_gstin, "name": invoice.buyer_name}, "supply": invoice.supply_type,
            "place_of_supply": invoice.place_of_supply_state_code}


def at(book: Book, invoice: Invoice, moment: datetime) -> dict[str, Any]:
    """The invoice as it stood at a moment."""
    for revision in book.revisions.get(invoice.id, []):
        if revision.changed_at > moment:
            return json.loads(revision.before)
    return current(book, invoice)


def in_period(moment: datetime | None, first: date, last: date) -> bool:
    """A stored time on a day of the period (India's days)."""
    return moment is not None and first <= local(moment) <= last


def _notes_of(book: Book, invoice_id: int) -> list[CreditNote]:
    return [note for note in book.notes if note.invoice_id == invoice_id]


def expected_sales(book: Book, first: date, last: date, till: int | None = None, cashier: int | None = None,
                   key: str | None = None) -> dict[Any, dict[str, int]]:
    """Sales of a period by the definitions of docs/reports.md, grouped by customer, customer type or nothing."""
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def group(invoice: Invoice) -> Any:
        if key == "customer":
            return invoice.customer_id or 0
        if key == "type":
            return book.types.get(invoice.customer_id, 0) if invoice.customer_id else 0
        return None

    for invoice in book.invoices.values():
        if (till and invoice.till_id != till) or (cashier and invoice.cashier_id != cashier):
            continue
        slot = totals[group(invoice)]
        first_doc = original(book, invoice)
        if in_period(invoice.issued_at, first, last):
            slot["invoices"] += 1
            slot["invoice_taxable_paise"] += invoice.taxable_paise
            slot["invoice_total_paise"] += first_doc["total_paise"]
            for name in (*TAXES, "round_off_paise", "total_paise"):
                slot[name] += first_doc[name]
        for revision in book.revisions.get(invoice.id, []):
            if in_period(revision.changed_at, first, last):
                before, after = json.loads(revision.before), json.loads(revision.after)
                for name in (*TAXES, "round_off_paise", "total_paise"):
                    slot[name] += after[name] - before[name]
        notes = _notes_of(book, invoice.id)
        for note in notes:
            if in_period(note.issued_at, first, last):
                slot["returns"] += 1
                slot["return_taxable_paise"] += note.taxable_paise
                slot["return_total_paise"] += note.total_paise
                for name in (*TAXES, "round_off_paise", "total_paise"):
                    slot[name] -= getattr(note, name)
        if invoice.status == "cancelled" and in_period(invoice.cancelled_at, first, last):
            slot["cancellations"] += 1
            left = {name: getattr(invoice, name) - sum(getattr(note, name) for note in notes)
                    for name in (*TAXES, "round_off_paise", "total_paise")}
            slot["cancel_taxable_paise"] += left["taxable_paise"]
            slot["cancel_total_paise"] += left["total_paise"]
            for name, value in left.items():
                slot[name] -= value
    return {name: dict(values) for name, values in totals.items() if any(values.values())}


def expected_products(book: Book, first: date, last: date) -> dict[int, dict[str, int]]:
    """Per product: sold, returned (credit notes and cancellations) and net amounts of the period."""
    products: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for invoice in book.invoices.values():
        lines = {line.line_no: line for line in book.lines[invoice.id]}
        first_doc = _doc_lines(original(book, invoice))
        if in_period(invoice.issued_at, first, last):
            for line in lines.values():
                slot = products[line.product_id]
                slot["sold_milli"] += base_quantity_milli(line.quantity_milli, line.unit_factor_milli)
                slot["lines"] += 1
                slot["taxable_paise"] += line.taxable_paise
                slot["total_paise"] += first_doc[line.line_no]["total_paise"]
                slot["tax_paise"] += sum(first_doc[line.line_no][n] for n in TAXES[1:])
        for revision in book.revisions.get(invoice.id, []):
            if in_period(revision.changed_at, first, last):
                before, after = _doc_lines(json.loads(revision.before)), _doc_lines(json.loads(revision.after))
                for line_no, line in lines.items():
                    slot = products[line.product_id]
                    slot["total_paise"] += after[line_no]["total_paise"] - before[line_no]["total_paise"]
                    slot["tax_paise"] += sum(after[line_no][n] - before[line_no][n] for n in TAXES[1:])
        credited: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for note in _notes_of(book, invoice.id):
            for part in book.note_lines[note.id]:
                line = next(line for line in lines.values() if line.id == part.invoice_line_id)
                quantity = base_quantity_milli(part.quantity_milli, line.unit_factor_milli)
                for name in ("taxable_paise", "total_paise"):
                    credited[line.line_no][name] += getattr(part, name)
                credited[line.line_no]["tax"] += sum(getattr(part, n) for n in TAXES[1:])
                credited[line.line_no]["quantity"] += quantity
                if in_period(note.issued_at, first, last):
                    slot = products[line.product_id]
                    slot["returned_milli"] += quantity
                    slot["taxable_paise"] -= part.taxable_paise
                    slot["total_paise"] -= part.total_paise
                    slot["tax_paise"] -= sum(getattr(part, n) for n in TAXES[1:])
        if invoice.status == "cancelled" and in_period(invoice.cancelled_at, first, last):
            for line in lines.values():
                slot = products[line.product_id]
                done = credited[line.line_no]
                slot["returned_milli"] += base_quantity_milli(line.quantity_milli, line.unit_factor_milli) - \
                    done["quantity"]
                slot["lines"] -= 1
                slot["taxable_paise"] -= line.taxable_paise - done["taxable_paise"]
                slot["total_paise"] -= line.total_paise - done["total_paise"]
                slot["tax_paise"] -= sum(getattr(line, n) for n in TAXES[1:]) - done["tax"]
    return {product: dict(values) for product, values in products.items() if any(values.values())}


def expected_payments(book: Book, first: date, last: date) -> dict[tuple[str, str], tuple[int, int]]:
    """Succeeded payments and refunds of the period by method and kind: count and signed amount."""
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for payment in book.payments:
        if payment.status == "succeeded" and in_period(payment.created_at, first, last):
            slot = found[(payment.method, payment.kind)]
            slot[0] += 1
            slot[1] += payment.amount_paise
    return {key: (count, amount) for key, (count, amount) in found.items()}


def money_paid(book: Book, invoice: Invoice) -> int:
    """edge.domain.payments.amount_paid of the invoice's payment rows."""
    from edge.domain.payments import amount_paid

    return amount_paid(line_from_record(p.kind, p.method, p.status, p.amount_paise) for p in book.payments
                       if p.invoice_id == invoice.id)


def expected_status(book: Book, first: date, last: date, today: date) -> dict[str, tuple[int, int]]:
    """Invoices issued in the period by the status edge.domain.invoice_state.derive_status gives today."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for invoice in book.invoices.values():
        if not in_period(invoice.issued_at, first, last):
            continue
        lines = [line_from_record(p.kind, p.method, p.status, p.amount_paise) for p in book.payments
                 if p.invoice_id == invoice.id]
        status = invoice_state.derive_status(invoice.status, invoice.total_paise, lines, invoice.due_date, today)
        found[status.value][0] += 1
        found[status.value][1] += invoice.total_paise
    return {status: (count, value) for status, (count, value) in found.items()}


def expected_receivables(book: Book, today: date) -> tuple[dict[str, int], int]:
    """Balances owed today by ageing bucket, and what the shop owes back (as a positive amount)."""
    buckets: dict[str, int] = defaultdict(int)
    credits = 0
    for invoice in book.invoices.values():
        if invoice.status != "issued":
            continue
        balance = invoice.total_paise - money_paid(book, invoice) - sum(
            note.total_paise for note in _notes_of(book, invoice.id))
        if balance > 0:
            buckets[ageing_bucket(invoice.due_date or local(invoice.issued_at), today)] += balance
        elif balance < 0:
            credits -= balance
    return dict(buckets), credits


def expected_gst(book: Book, registration_ids: set[int], first: date, last: date
                 ) -> tuple[dict[tuple[Any, ...], dict[str, int]], dict[tuple[Any, ...], dict[str, int]]]:
    """GST of a period per (section, supply, place of supply, rate, HSN, UQC): the period's own supplies as they
    stood at its end net of its credit notes, and the amendments it carries of earlier periods' invoices."""
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), ZONE).astimezone(UTC).replace(tzinfo=None)
    own: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    earlier: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def post(target: Any, day: date, document: dict[str, Any], invoice: Invoice, amounts: dict[int, dict[str, int]],
             sign: int) -> None:
        section = gst_section(document["buyer"]["gstin"], document["supply"], document["total_paise"], day).value
        for line in book.lines[invoice.id]:
            values = amounts.get(line.line_no)
            if values is None:
                continue
            slot = target[(section, document["supply"], document["place_of_supply"], line.gst_rate_bp,
                           line.hsn_code, uqc(book.base_units[line.product_id]))]
            slot["quantity_milli"] += sign * values.get("quantity_milli", 0)
            for name in TAXES:
                slot[name] += sign * values[name]

    def line_amounts(document: dict[str, Any], invoice: Invoice) -> dict[int, dict[str, int]]:
        lines = {line.line_no: line for line in book.lines[invoice.id]}
        return {line_no: {**{name: values[name] for name in TAXES},
                          "quantity_milli": base_quantity_milli(lines[line_no].quantity_milli,
                                                                lines[line_no].unit_factor_milli)}
                for line_no, values in _doc_lines(document).items()}

    for invoice in book.invoices.values():
        if invoice.seller_registration_id not in registration_ids or invoice.status == "draft":
            continue
        day = local(invoice.issued_at)
        notes = _notes_of(book, invoice.id)
        lines = {line.id: line for line in book.lines[invoice.id]}
        credited: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for note in notes:
            parts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for part in book.note_lines[note.id]:
                line = lines[part.invoice_line_id]
                quantity = base_quantity_milli(part.quantity_milli, line.unit_factor_milli)
                for name in TAXES:
                    parts[line.line_no][name] += getattr(part, name)
                    credited[line.line_no][name] += getattr(part, name)
                parts[line.line_no]["quantity_milli"] += quantity
                credited[line.line_no]["quantity_milli"] += quantity
            if in_period(note.issued_at, first, last):
                post(own, day, at(book, invoice, note.issued_at), invoice, parts, -1)
        cancelled_in = invoice.status == "cancelled" and in_period(invoice.cancelled_at, first, last)
        now = current(book, invoice)
        remaining = {line_no: {name: values[name] - credited[line_no][name] for name in (*TAXES, "quantity_milli")}
                     for line_no, values in line_amounts(now, invoice).items()}
        if first <= day <= last:
            state = at(book, invoice, end)
            if invoice.status == "cancelled" and invoice.cancelled_at < end:
                # Issued and cancelled within the period: only what its credit notes took back remains, under
                # its final classification (it nets against the notes' own rows).
                post(own, day, state, invoice, {n: {**v} for n, v in credited.items()}, 1)
            else:
                post(own, day, state, invoice, line_amounts(state, invoice), 1)
        elif day < first:
            for revision in book.revisions.get(invoice.id, []):
                if in_period(revision.changed_at, first, last):
                    before, after = json.loads(revision.before), json.loads(revision.after)
                    post(earlier, day, before, invoice, line_amounts(before, invoice), -1)
                    post(earlier, day, after, invoice, line_amounts(after, invoice), 1)
            if cancelled_in:
                post(earlier, day, now, invoice, remaining, -1)
    clean = lambda rows: {key: dict(values) for key, values in rows.items() if any(values.values())}  # noqa: E731
    return clean(own), clean(earlier)
