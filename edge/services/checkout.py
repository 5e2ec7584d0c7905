"""Checkout and payments: the invoice issued atomically (number, lines, taxes, totals, ledger, outbox in one
transaction), payments at checkout or any time after, and the post-sale summary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import peewee

from edge.domain import invoice_state
from edge.domain.errors import RuleError
from edge.domain.gst import LineTax, tax_summary
from edge.domain.payments import Method, PaymentLine, amount_paid, balance_due, line_from_record, take_payment
from edge.domain.series import SeriesState, check_prefix, financial_year, issue
from edge.services import report_summaries
from edge.services.audit import chain_document, record_audit
from edge.services.carts import REFERENCE_TTL_S, _cart, _check_version, price_cart, sale_date, till_rows
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput
from edge.services.records import by_uuid
from edge.services.sales_data import registration_on
from edge.store import sql
from edge.store.db import write_transaction
from edge.store.models import (
    AuditLog,
    Customer,
    CustomerGstin,
    CustomerLedgerEntry,
    GatewayAttempt,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    Payment,
    Till,
    User,
)
from edge.store.outbox import enqueue


def _rule(exc: RuleError) -> InvalidInput:
    return InvalidInput(exc.message, exc.field, exc.code)


def ensure_series(db: peewee.Database, till: Till, document_type: str, prefix: str, fy: str) -> None:
    """Create a till's series for a financial year in its own transaction, if no one has yet (the first
    sales of a year on two kiosks race for it; the loser finds it made)."""
    if sql.scalar(db, "SELECT id FROM invoice_series WHERE till_id = {p} AND document_type = {p}"
                      " AND financial_year = {p}", till.id, document_type, fy) is not None:
        return
    try:
        with write_transaction(db):
            InvoiceSeries.create(till=till, document_type=document_type, financial_year=fy, prefix=prefix)
    except peewee.IntegrityError:
        pass


def _next_invoice_number(db: peewee.Database, till_id: int, on: Any) -> tuple[InvoiceSeries, str]:
    """Take the next number of the till's series for the financial year of ``on`` (row locked on MySQL)."""
    series = sql.first(InvoiceSeries, "till_id = {p} AND document_type = {p} AND financial_year = {p}",
                       till_id, "invoice", financial_year(on), lock=True)
    assert series is not None  # made by ensure_series before the transaction
    number, state = issue(SeriesState(series.prefix, series.financial_year, series.next_number), on)
    sql.execute(db, "UPDATE invoice_series SET next_number = {p} WHERE id = {p}", state.next_number, series.id)
    return series, number


def _payment_lines(invoice: Invoice) -> list[PaymentLine]:
    """The invoice's payments, and the gateway payments still in flight (they hold their amount)."""
    return [_payment_line(payment) for payment in _payments(invoice)] + _in_flight(invoice)


def _payment_line(payment: Payment) -> PaymentLine:
    return line_from_record(payment.kind, payment.method, payment.status, payment.amount_paise,
                            payment.tendered_paise, payment.reference)


def _payments(invoice: Invoice) -> list[Payment]:
    return sql.select(Payment, "invoice_id = {p}", invoice.id, order_by="id")


def _in_flight(invoice: Invoice) -> list[PaymentLine]:
    """Gateway payments on the invoice whose outcome is not known yet: they hold their amount."""
    return [line_from_record("payment", attempt.method, attempt.state, attempt.amount_paise)
            for attempt in sql.select(GatewayAttempt, "invoice_id = {p} AND state IN ({p}, {p})", invoice.id,
                                      "created", "pending")]


def _open_register(till_id: int) -> int | None:
    """ID of the till's open register session, if any."""
    return sql.scalar(Till._meta.database, "SELECT id FROM register_session WHERE till_id = {p} AND status = {p}",
                      till_id, "open")


def _record_payment(ctx: ServiceContext, user: User | None, invoice: Invoice, method: str, amount_paise: int,
                    tendered_paise: int | None, reference: str, earlier: list[PaymentLine],
                    gateway_fields: dict[str, Any] | None = None) -> tuple[Payment, int]:
    """Check a payment against what the invoice already holds (``earlier``, gateway payments in flight
    included) and store it with its ledger entry and outbox row (``gateway_fields``: the gateway, key and
    order of a payment taken through one)."""
    try:
        invoice_state.check_can_take_payment(invoice.status)
        outcome = take_payment(
            invoice.total_paise, earlier, Method(method), amount_paise, tendered_paise,
            reference, has_customer=invoice.customer_id is not None, credit_available_paise=_credit_available(invoice),
        )
    except ValueError as exc:
        if isinstance(exc, RuleError):
            raise _rule(exc) from exc
        raise InvalidInput(f"unknown payment method {method!r}", "method") from exc
    line = outcome.line
    now = ctx.now()
    payment = sql.insert_new(Payment(
        invoice=invoice, customer=invoice.customer_id, register_session=_open_register(invoice.till_id),
        method=line.method.value, amount_paise=line.amount_paise, tendered_paise=line.tendered_paise,
        reference=line.reference, received_by=user, created_at=now, updated_at=now, **(gateway_fields or {}),
    ))
    if invoice.customer_id and line.method is not Method.CREDIT:
        sql.insert_new(CustomerLedgerEntry(customer=invoice.customer_id, at=now, kind="payment", invoice=invoice,
                                           payment=payment, amount_paise=-line.amount_paise, note=line.reference))
    enqueue("payment.recorded", payment.uuid, {
        "invoice": str(invoice.uuid), "number": invoice.number, "method": payment.method,
        "amount_paise": payment.amount_paise, "reference": payment.reference, "at": payment.created_at,
    })
    return payment, outcome.change_due_paise


def _credit_available(invoice: Invoice) -> int | None:
    if not invoice.customer_id:
        return None
    customer: Customer = invoice.customer
    if customer.credit_limit_paise <= 0:
        return 0
    owed = CustomerLedgerEntry.select(peewee.fn.SUM(CustomerLedgerEntry.amount_paise)).where(
        CustomerLedgerEntry.customer == customer).scalar() or 0
    # The invoice being paid is already in the ledger; its own amount on account is what we are deciding.
    return int(customer.credit_limit_paise - owed + invoice.total_paise)


def checkout(ctx: ServiceContext, user: User, cart_id: str, payments: list[dict[str, Any]],
             version: int | None = None) -> dict[str, Any]:
    """Issue the cart's invoice and take any payments given, all in one transaction."""
    on = sale_date(ctx)
    changes: list[int] = []
    till_id = _cart(cart_id, user, for_update=False).till_id
    till = till_rows(ctx).get(till_id) or Till.get_by_id(till_id)
    ensure_series(ctx.db, till, "invoice", check_prefix(till.code), financial_year(on))
    with write_transaction(ctx.db):
        cart = _cart(cart_id, user)
        _check_version(cart, version)
        priced = price_cart(ctx, cart, user)
        if not priced.lines:
            raise InvalidInput("the cart is empty", "cart", code="empty_cart")
        seller, _ = ctx.cached(f"registration:{on}", REFERENCE_TTL_S, lambda: registration_on(on))
        series, number = _next_invoice_number(ctx.db, till.id, on)
        customer: Customer | None = cart.customer if cart.customer_id else None
        gstin = (CustomerGstin.select().where((CustomerGstin.customer == customer) & (CustomerGstin.valid_from <= on)
                                              & ((CustomerGstin.valid_to.is_null()) | (CustomerGstin.valid_to >= on)))
                 .order_by(CustomerGstin.valid_from.desc()).first()) if customer else None
        sale = priced.sale
        now = ctx.now()
        invoice = sql.insert_new(Invoice(
            number=number, series=series, till=till, cashier=user, cart=cart, customer=customer,
            customer_type_id=customer.customer_type_id if customer else None,
            register_session=_open_register(till.id), seller_registration=seller,
            buyer_name=(gstin.legal_name if gstin else customer.name) if customer else "Cash customer",
            buyer_gstin=gstin.gstin if gstin else None, buyer_address=customer.billing_address if customer else "",
            billing_state_code=customer.billing_state_code if customer else ctx.config.get("store.state_code"),
            place_of_supply_state_code=priced.place_of_supply, supply_type=priced.terms.supply.value,
            status=invoice_state.StoredStatus.ISSUED.value, subtotal_paise=sale.subtotal_paise,
            discount_paise=sale.discount_paise, taxable_paise=sale.taxable_paise, cgst_paise=sale.cgst_paise,
            sgst_paise=sale.sgst_paise, igst_paise=sale.igst_paise, cess_paise=sale.cess_paise,
            round_off_paise=sale.round_off_paise, total_paise=sale.grand_total_paise, issued_at=now,
        ))
        lines = []
        for index, (line, priced_line) in enumerate(zip(priced.lines, sale.lines, strict=True), start=1):
            pricing = priced.products[line.product_id].pricing
            lines.append(InvoiceLine(
                invoice=invoice.id, line_no=index, product=line.product_id, product_name=pricing.name,
                hsn_code=pricing.hsn_code, unit_kind=line.unit.kind.value, unit_name=line.unit.name,
                unit_factor_milli=line.unit.factor_milli, quantity_milli=line.quantity_milli,
                rate_paise=priced_line.rate_paise, rate_tier=priced_line.tier.value,
                rate_includes_tax=priced_line.includes_tax, discount_paise=priced_line.discount_paise,
                taxable_paise=priced_line.tax.taxable_paise, gst_rate_bp=pricing.gst.rate_bp,
                cgst_paise=priced_line.tax.cgst_paise, sgst_paise=priced_line.tax.sgst_paise,
                igst_paise=priced_line.tax.igst_paise, cess_bp=pricing.gst.cess_bp,
                cess_paise=priced_line.tax.cess_paise, total_paise=priced_line.total_paise,
            ))
        sql.insert_all(lines)  # one statement for every line
        if customer:
            sql.insert_new(CustomerLedgerEntry(customer=customer, at=now, kind="invoice", invoice=invoice,
                                               amount_paise=invoice.total_paise, note=number))
        sql.execute(ctx.db, "UPDATE cart SET status = {p}, version = version + 1, updated_at = {p} WHERE id = {p}",
                    "checked_out", now, cart.id)
        record_audit(ctx, "invoice.issued", user, "invoice", str(invoice.uuid), details={"number": number})
        chain_document(ctx, invoice, "issued", lines)
        enqueue("invoice.issued", invoice.uuid, invoice_document(invoice, lines))
        taken: list[Payment] = []
        for given in payments:
            payment, change = _record_payment(ctx, user, invoice, given["method"], given["amount_paise"],
                                              given.get("tendered_paise"), given.get("reference", ""),
                                              [_payment_line(p) for p in taken])
            taken.append(payment)
            changes.append(change)
        if customer and balance_due(invoice.total_paise, [_payment_line(p) for p in taken]) > 0:
            invoice.due_date = on + timedelta(days=int(ctx.config.get("sales.credit_days")))
            sql.execute(ctx.db, "UPDATE invoice SET due_date = {p} WHERE id = {p}", invoice.due_date, invoice.id)
        report_summaries.invoice_issued(ctx, invoice, lines, taken)
    summary = invoice_summary(ctx, invoice, lines, taken)
    summary["change_due_paise"] = sum(changes)
    ctx.bus.publish("sale.completed", {"till": till.code, "summary": summary})
    return summary


def _invoice(invoice_id: str, for_update: bool = False) -> Invoice:
    return by_uuid(Invoice, invoice_id, "invoice_id", "invoice", lock=for_update)


def pay(ctx: ServiceContext, user: User, invoice_id: str, method: str, amount_paise: int,
        tendered_paise: int | None = None, reference: str = "") -> dict[str, Any]:
    """Take a payment on an issued invoice, at checkout or any time after the bill."""
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        payment, change = _record_payment(ctx, user, invoice, method, amount_paise, tendered_paise, reference,
                                          _payment_lines(invoice))
        report_summaries.payment_recorded(ctx, payment, invoice)
    return publish_payment(ctx, invoice, payment, change)


def publish_payment(ctx: ServiceContext, invoice: Invoice, payment: Payment, change: int) -> dict[str, Any]:
    """After a payment commits: push it (amount, transaction ID, the invoice's new status) to the till's
    cashier screen and customer display; the post-sale summary with the change to hand back."""
    summary = invoice_summary(ctx, Invoice.get_by_id(invoice.id))
    event = {"till": invoice.till.code, "invoice_id": str(invoice.uuid), "status": summary["status"],
             "payment": payment_document(payment), "change_due_paise": change,
             "paid_paise": summary["paid_paise"], "balance_due_paise": summary["balance_due_paise"]}
    ctx.bus.publish("payment.updated", event)
    return {**summary, "change_due_paise": change}


def payment_document(payment: Payment) -> dict[str, Any]:
    """A payment as cashier and customer see it: method, amount, transaction ID."""
    return {
        "id": str(payment.uuid), "kind": payment.kind, "method": payment.method, "status": payment.status,
        "amount_paise": payment.amount_paise, "tendered_paise": payment.tendered_paise,
        "reference": payment.reference, "at": payment.created_at.isoformat() + "Z",
    }


def _invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return sql.select(InvoiceLine, "invoice_id = {p}", invoice.id, order_by="line_no")


def invoice_document(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> dict[str, Any]:
    """The invoice as issued: seller, buyer, lines, taxes, totals (the replicated payload); ``lines`` when
    the caller holds them already."""
    seller = invoice.seller_registration
    lines = _invoice_lines(invoice) if lines is None else lines
    return {
        "id": str(invoice.uuid), "number": invoice.number, "issued_at": invoice.issued_at.isoformat() + "Z",
        "till": invoice.till.code, "cashier": invoice.cashier.display_name, "status": invoice.status,
        "revision": invoice.revision,
        "seller": {"legal_name": seller.legal_name, "trade_name": seller.trade_name, "gstin": seller.gstin,
                   "state_code": seller.state_code, "address": seller.address},
        "buyer": {"customer_id": str(invoice.customer.uuid) if invoice.customer_id else None,
                  "name": invoice.buyer_name, "gstin": invoice.buyer_gstin, "address": invoice.buyer_address,
                  "state_code": invoice.billing_state_code},
        "place_of_supply": invoice.place_of_supply_state_code, "supply": invoice.supply_type,
        "lines": [
            {"line_no": line.line_no, "name": line.product_name, "hsn_code": line.hsn_code, "unit": line.unit_name,
             "unit_kind": line.unit_kind, "quantity_milli": line.quantity_milli, "rate_paise": line.rate_paise,
             "tier": line.rate_tier, "rate_includes_tax": line.rate_includes_tax,
             "discount_paise": line.discount_paise, "taxable_paise": line.taxable_paise,
             "gst_rate_bp": line.gst_rate_bp, "cgst_paise": line.cgst_paise, "sgst_paise": line.sgst_paise,
             "igst_paise": line.igst_paise, "cess_paise": line.cess_paise, "total_paise": line.total_paise}
            for line in lines
        ],
        "subtotal_paise": invoice.subtotal_paise, "discount_paise": invoice.discount_paise,
        "taxable_paise": invoice.taxable_paise, "cgst_paise": invoice.cgst_paise, "sgst_paise": invoice.sgst_paise,
        "igst_paise": invoice.igst_paise, "cess_paise": invoice.cess_paise,
        "round_off_paise": invoice.round_off_paise, "total_paise": invoice.total_paise,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
    }


def line_tax_of(line: InvoiceLine | Any) -> LineTax:
    """The taxes stored on an invoice (or credit-note) line, as the billing rules hold them."""
    return LineTax(line.taxable_paise, line.cgst_paise, line.sgst_paise, line.igst_paise, line.cess_paise)


def invoice_summary(ctx: ServiceContext, invoice: Invoice, lines: list[InvoiceLine] | None = None,
                    payments: list[Payment] | None = None) -> dict[str, Any]:
    """The post-sale summary: every product with quantity in its unit, rate, tier and total; taxes by rate
    and HSN; round-off; grand total; payments with references; what is paid and due; status today.
    ``lines`` and ``payments`` when the caller holds them already."""
    lines = _invoice_lines(invoice) if lines is None else lines
    document = invoice_document(invoice, lines)
    payments = _payments(invoice) if payments is None else payments
    paid = [_payment_line(payment) for payment in payments]
    status = invoice_state.derive_status(invoice.status, invoice.total_paise, paid, invoice.due_date, sale_date(ctx))
    document.update(
        tax_summary=[
            {"hsn_code": row.hsn_code, "rate_bp": row.rate_bp, "taxable_paise": row.taxable_paise,
             "cgst_paise": row.cgst_paise, "sgst_paise": row.sgst_paise, "igst_paise": row.igst_paise,
             "cess_paise": row.cess_paise}
            for row in tax_summary([(line.hsn_code, line.gst_rate_bp, line_tax_of(line)) for line in lines])
        ],
        payments=[payment_document(payment) for payment in payments],
        paid_paise=amount_paid(paid), balance_due_paise=balance_due(invoice.total_paise, paid),
        status=status.value, cancellation=cancellation(invoice),
    )
    return document


def cancellation(invoice: Invoice) -> dict[str, Any] | None:
    """When, why and by whom a cancelled invoice was cancelled (the who from its audit row); None otherwise."""
    if invoice.status != "cancelled":
        return None
    row = (AuditLog.select(AuditLog.user).where((AuditLog.action == "invoice.cancelled")
                                               & (AuditLog.entity_id == str(invoice.uuid)))
           .order_by(AuditLog.id.desc()).first())
    by = User.get_by_id(row.user_id).username if row is not None and row.user_id else None
    at = report_summaries.as_datetime(invoice.cancelled_at) if invoice.cancelled_at else None
    return {"at": at.isoformat() + "Z" if at else None,
            "reason": invoice.cancel_reason or "", "by": by}


def view_invoice(ctx: ServiceContext, invoice_id: str) -> dict[str, Any]:
    """The post-sale summary of an invoice by ID."""
    return invoice_summary(ctx, _invoice(invoice_id))
