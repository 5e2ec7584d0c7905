"""Dashboard figures and reports, read from the summaries kept at write time (edge/services/report_summaries.py).

Every figure is defined in docs/reports.md. Days are the store's (``store.timezone``); a period is read as
whole months where it covers them and single days at its ends, from the all-tills rows unless a till or
cashier is asked for. GST returns are in edge/services/gst_reports.py; the customer statement is
edge.services.customers.statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from edge.domain.errors import RuleError
from edge.domain.reports import (
    AGEING_BUCKETS,
    ALL_DAY,
    DAY,
    Period,
    Piece,
    SalesTotals,
    ageing_bucket,
    month_start,
    months,
    split_period,
    status_from_amounts,
)
from edge.services.context import ServiceContext
from edge.services.customers import parse_day, store_today
from edge.services.errors import InvalidInput
from edge.services.report_summaries import as_date, as_datetime
from edge.store.models import (
    Category,
    CreditNote,
    Customer,
    CustomerType,
    Invoice,
    Payment,
    Product,
    ReportDocument,
    ReportOpenInvoice,
    ReportPayment,
    ReportProduct,
    ReportSales,
    Till,
    User,
)

DEFAULT_TOP = 10
MAX_PAGE = 500
WALK_IN = "Walk-in (no customer account)"


# --- filters -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A report's days (store time zone, both inclusive) and, optionally, one till and one cashier."""

    period: Period
    till_id: int | None = None
    till: str | None = None
    cashier_id: int | None = None
    cashier: str | None = None

    @property
    def all_tills(self) -> bool:
        """No till or cashier asked for: the all-tills summary rows answer."""
        return self.till_id is None and self.cashier_id is None

    def with_period(self, first: date, last: date) -> Filters:
        """The same filters over other days."""
        return Filters(Period(first, last), self.till_id, self.till, self.cashier_id, self.cashier)

    def document(self) -> dict[str, Any]:
        """The filters as a report shows them."""
        return {"from": self.period.first.isoformat(), "to": self.period.last.isoformat(), "till": self.till,
                "cashier": self.cashier}


def _period(first: date, last: date) -> Period:
    try:
        return Period(first, last)
    except RuleError as exc:
        raise InvalidInput(exc.message, exc.field, exc.code) from exc


def parse_filters(ctx: ServiceContext, args: Mapping[str, str]) -> Filters:
    """Filters from query parameters: ``from`` and ``to`` (YYYY-MM-DD; default the month so far), ``till``
    (code) and ``cashier`` (user name)."""
    today = store_today(ctx)
    last = parse_day(args["to"], "to") if args.get("to") else today
    first = parse_day(args["from"], "from") if args.get("from") else last.replace(day=1)
    till_id = cashier_id = None
    till_code = (args.get("till") or "").strip() or None
    if till_code:
        till = Till.get_or_none(Till.code == till_code.upper())
        if till is None:
            raise InvalidInput(f"no till {till_code!r}", "till", "unknown_till")
        till_id, till_code = till.id, till.code
    cashier_name = (args.get("cashier") or "").strip() or None
    if cashier_name:
        user = User.get_or_none(User.username == cashier_name)
        if user is None:
            raise InvalidInput(f"no user {cashier_name!r}", "cashier", "unknown_cashier")
        cashier_id = user.id
    return Filters(_period(first, last), till_id, till_code, cashier_id, cashier_name)


def parse_limit(args: Mapping[str, str], default: int | None, field: str = "limit") -> int | None:
    """A whole number of at least 1 from a query parameter, or the default."""
    text = (args.get(field) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a whole number", field) from exc
    if value < 1:
        raise InvalidInput(f"{field} must be at least 1", field)
    return value


# --- reading summaries -------------------------------------------------------------------------------------


def summed(model: type[peewee.Model], flt: Filters, group: Sequence[peewee.Field], values: Sequence[peewee.Field],
           rollup: bool = True, days_only: bool = False) -> dict[tuple[Any, ...], list[int]]:
    """Sums of ``values`` per ``group`` over the filters' period: one query per piece of the period (whole
    months, ragged days; ``days_only``: every day), each a range of the summary's primary key."""
    result: dict[tuple[Any, ...], list[int]] = {}
    pieces = split_period(flt.period, flt.all_tills and rollup)
    if days_only:
        pieces = [Piece(ALL_DAY if flt.all_tills and rollup else DAY, flt.period.first, flt.period.last)]
    for piece in pieces:
        where = (model.grain == piece.grain) & (model.period >= piece.first) & (model.period <= piece.last)
        if flt.till_id is not None:
            where &= model.till_id == flt.till_id
        if flt.cashier_id is not None:
            where &= model.cashier_id == flt.cashier_id
        query = model.select(*group, *[peewee.fn.SUM(value) for value in values]).where(where)
        if group:
            query = query.group_by(*group)
        width = len(group)
        for row in query.tuples():
            key = tuple(row[:width])
            sums = result.setdefault(key, [0] * len(values))
            for index, value in enumerate(row[width:]):
                sums[index] += int(value or 0)
    return result


SALES_FIELDS = tuple(getattr(ReportSales, f.name) for f in fields(SalesTotals))


def sales_totals(flt: Filters) -> SalesTotals:
    """The sales of the filters' period, summed."""
    sums = summed(ReportSales, flt, (), SALES_FIELDS).get((), [0] * len(SALES_FIELDS))
    return SalesTotals(*sums)


def sales_document(totals: SalesTotals) -> dict[str, Any]:
    """Sales totals as the dashboard shows them: counts, gross, returns, cancellations, net, taxes."""
    return {
        "invoices": totals.invoices, "cancelled_invoices": totals.cancellations, "net_invoices": totals.net_invoices,
        "credit_notes": totals.returns,
        "gross_sales_paise": totals.invoice_taxable_paise, "returns_paise": totals.return_taxable_paise,
        "cancelled_paise": totals.cancel_taxable_paise, "net_sales_paise": totals.revenue_paise,
        "cgst_paise": totals.cgst_paise, "sgst_paise": totals.sgst_paise, "igst_paise": totals.igst_paise,
        "cess_paise": totals.cess_paise, "tax_paise": totals.tax_paise, "round_off_paise": totals.round_off_paise,
        "billed_paise": totals.invoice_total_paise, "credited_paise": totals.return_total_paise,
        "cancelled_billed_paise": totals.cancel_total_paise, "net_billed_paise": totals.total_paise,
        "average_bill_paise": totals.average_bill_paise(),
    }


# --- revenue and trend -------------------------------------------------------------------------------------


def revenue(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """Sales of a period: revenue (net sales, taxable value) and what was billed, with taxes."""
    return {**flt.document(), "timezone": ctx.config.get("store.timezone"), **sales_document(sales_totals(flt))}


def trend(ctx: ServiceContext, flt: Filters, by: str = "month") -> dict[str, Any]:
    """Revenue per month (or per day) of the period, every month or day listed even without sales."""
    if by not in ("month", "day"):
        raise InvalidInput("by must be month or day", "by")
    values = (ReportSales.invoices, ReportSales.cancellations, ReportSales.returns, ReportSales.taxable_paise,
              ReportSales.cgst_paise, ReportSales.sgst_paise, ReportSales.igst_paise, ReportSales.cess_paise,
              ReportSales.total_paise)
    if by == "day" and flt.period.days > 400:
        raise InvalidInput("a day-by-day trend covers at most 400 days", "from", "period_too_long")
    buckets: dict[date, list[int]] = {}
    if by == "month":
        keys = list(months(flt.period.first, flt.period.last))
        for (period,), sums in summed(ReportSales, flt, (ReportSales.period,), values).items():
            slot = buckets.setdefault(month_start(as_date(period)), [0] * len(values))
            for index, value in enumerate(sums):
                slot[index] += value
    else:
        keys = [flt.period.first + timedelta(days=n) for n in range(flt.period.days)]
        for (period,), sums in summed(ReportSales, flt, (ReportSales.period,), values, days_only=True).items():
            buckets[as_date(period)] = sums
    rows = []
    for key in keys:
        invoices, cancelled, returns, taxable, cgst, sgst, igst, cess, total = buckets.get(key, [0] * len(values))
        rows.append({"period": key.isoformat()[: 7 if by == "month" else 10], "invoices": invoices - cancelled,
                     "credit_notes": returns, "net_sales_paise": taxable, "tax_paise": cgst + sgst + igst + cess,
                     "net_billed_paise": total})
    return {**flt.document(), "by": by, "rows": rows}


# --- by customer, customer type, product, category, payment method -----------------------------------------


def by_customer(ctx: ServiceContext, flt: Filters, limit: int | None = None) -> dict[str, Any]:
    """Revenue per customer (walk-in sales together), biggest first."""
    values = (ReportSales.invoices, ReportSales.cancellations, ReportSales.returns, ReportSales.taxable_paise,
              ReportSales.total_paise)
    sums = {key[0]: value for key, value in summed(ReportSales, flt, (ReportSales.customer_id,), values).items()}
    ids = [customer_id for customer_id in sums if customer_id]
    customers = {row.id: row for row in Customer.select(Customer.id, Customer.uuid, Customer.code, Customer.name)
                 .where(Customer.id.in_(ids))} if ids else {}
    rows = []
    for customer_id, (invoices, cancelled, returns, taxable, total) in sums.items():
        customer = customers.get(customer_id)
        rows.append({"customer_id": str(customer.uuid) if customer else None,
                     "code": customer.code if customer else None,
                     "name": customer.name if customer else WALK_IN, "invoices": invoices - cancelled,
                     "credit_notes": returns, "net_sales_paise": taxable, "net_billed_paise": total})
    rows.sort(key=lambda row: (-row["net_sales_paise"], row["name"]))
    return {**flt.document(), "rows": rows[:limit] if limit else rows, "customers": len(rows)}


def by_customer_type(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """Revenue per customer type (walk-in sales as their own line)."""
    values = (ReportSales.invoices, ReportSales.cancellations, ReportSales.returns, ReportSales.taxable_paise,
              ReportSales.total_paise)
    sums = summed(ReportSales, flt, (ReportSales.customer_type_id,), values)
    types = {row.id: row for row in CustomerType.select()}
    rows = []
    for (type_id,), (invoices, cancelled, returns, taxable, total) in sums.items():
        kind = types.get(type_id)
        rows.append({"type": kind.code if kind else "walk_in", "name": kind.name if kind else WALK_IN,
                     "invoices": invoices - cancelled, "credit_notes": returns, "net_sales_paise": taxable,
                     "net_billed_paise": total})
    rows.sort(key=lambda row: (-row["net_sales_paise"], row["type"]))
    return {**flt.document(), "rows": rows}


PRODUCT_VALUES = (ReportProduct.sold_milli, ReportProduct.returned_milli, ReportProduct.lines,
                  ReportProduct.taxable_paise, ReportProduct.tax_paise, ReportProduct.total_paise)


def _product_sums(flt: Filters) -> dict[int, list[int]]:
    return {key[0]: sums for key, sums in summed(ReportProduct, flt, (ReportProduct.product_id,),
                                                 PRODUCT_VALUES).items()}


def best_sellers(ctx: ServiceContext, flt: Filters, limit: int | None = 20, by: str = "revenue") -> dict[str, Any]:
    """Products by net sales (taxable value) or by net quantity, best first."""
    if by not in ("revenue", "quantity"):
        raise InvalidInput("by must be revenue or quantity", "by")
    sums = _product_sums(flt)
    order = sorted(sums.items(), key=lambda item: (-(item[1][3] if by == "revenue" else item[1][0] - item[1][1]),
                                                    item[0]))
    chosen = order[:limit] if limit else order
    ids = [product_id for product_id, _ in chosen]
    products = {row.id: row for row in Product.select(Product.id, Product.uuid, Product.sku, Product.name,
                                                      Product.base_unit, Category.name.alias("category_name"))
                .join(Category, peewee.JOIN.LEFT_OUTER).where(Product.id.in_(ids)).objects()} if ids else {}
    rows = []
    for rank, (product_id, (sold, returned, lines, taxable, tax, total)) in enumerate(chosen, start=1):
        product = products.get(product_id)
        rows.append({
            "rank": rank, "product_id": str(product.uuid) if product else None, "sku": product.sku if product else None,
            "name": product.name if product else f"product {product_id}",
            "category": (product.category_name if product else None) or "Uncategorised",
            "unit": product.base_unit if product else None, "quantity_milli": sold - returned, "sold_milli": sold,
            "returned_milli": returned, "lines": lines, "net_sales_paise": taxable, "tax_paise": tax,
            "net_billed_paise": total,
        })
    return {**flt.document(), "by": by, "rows": rows, "products": len(sums)}


def by_category(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """Net sales per product category (a product's category today)."""
    sums = _product_sums(flt)
    categories = dict(Product.select(Product.id, Category.name).join(Category, peewee.JOIN.LEFT_OUTER)
                      .where(Product.id.in_(list(sums))).tuples()) if sums else {}
    grouped: dict[str, list[int]] = {}
    for product_id, (sold, returned, lines, taxable, tax, total) in sums.items():
        slot = grouped.setdefault(categories.get(product_id) or "Uncategorised", [0, 0, 0, 0, 0])
        for index, value in enumerate((lines, taxable, tax, total, 1 if sold - returned or taxable else 0)):
            slot[index] += value
    rows = [{"category": name, "lines": lines, "products": products, "net_sales_paise": taxable, "tax_paise": tax,
             "net_billed_paise": total}
            for name, (lines, taxable, tax, total, products) in grouped.items()]
    rows.sort(key=lambda row: (-row["net_sales_paise"], row["category"]))
    return {**flt.document(), "rows": rows}


METHOD_ORDER = ("cash", "card", "upi", "wallet", "bank_transfer", "credit")


def by_payment_method(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """Money taken and given back per method (credit: put on account, not money)."""
    sums = summed(ReportPayment, flt, (ReportPayment.method, ReportPayment.kind),
                  (ReportPayment.count, ReportPayment.amount_paise))
    methods: dict[str, dict[str, Any]] = {}
    for (method, kind), (count, amount) in sums.items():
        row = methods.setdefault(method, {"method": method, "money": method != "credit", "payments": 0,
                                          "paid_paise": 0, "refunds": 0, "refunded_paise": 0})
        if kind == "refund":
            row["refunds"] += count
            row["refunded_paise"] += -amount
        else:
            row["payments"] += count
            row["paid_paise"] += amount
    rows = sorted(methods.values(), key=lambda row: (METHOD_ORDER.index(row["method"])
                                                     if row["method"] in METHOD_ORDER else 99, row["method"]))
    for row in rows:
        row["net_paise"] = row["paid_paise"] - row["refunded_paise"]
    money = [row for row in rows if row["money"]]
    return {**flt.document(), "rows": rows, "money_received_paise": sum(row["net_paise"] for row in money)}


# --- invoices by status, receivables -----------------------------------------------------------------------


def _open_rows(flt: Filters | None, issued: Period | None) -> list[ReportOpenInvoice]:
    query = ReportOpenInvoice.select()
    if issued is not None:
        query = query.where(ReportOpenInvoice.issued_day.between(issued.first, issued.last))
    if flt is not None and flt.till_id is not None:
        query = query.where(ReportOpenInvoice.till_id == flt.till_id)
    if flt is not None and flt.cashier_id is not None:
        query = query.where(ReportOpenInvoice.cashier_id == flt.cashier_id)
    return list(query)


STATUSES = ("draft", "issued", "partially_paid", "paid", "overdue", "cancelled")


def invoice_status(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """Invoices issued in the period by the status they show today (as on the invoice screen): count, value
    and what is still due."""
    today = store_today(ctx)
    docs = summed(ReportDocument, flt, (), (ReportDocument.issued, ReportDocument.issued_total_paise,
                                            ReportDocument.cancelled, ReportDocument.cancelled_total_paise,
                                            ReportDocument.drafts, ReportDocument.draft_total_paise)).get((), [0] * 6)
    # Credit-note documents are in the same summary; count invoices only.
    notes = _credit_note_documents(flt)
    issued, issued_total, cancelled, cancelled_total, drafts, draft_total = docs
    issued -= notes[0]
    issued_total -= notes[1]
    counts = {status: {"status": status, "invoices": 0, "value_paise": 0, "due_paise": 0} for status in STATUSES}
    counts["draft"].update(invoices=drafts, value_paise=draft_total)
    counts["cancelled"].update(invoices=cancelled, value_paise=cancelled_total)
    unpaid_count = unpaid_value = 0
    for row in _open_rows(flt, flt.period):
        status = status_from_amounts("issued", row.total_paise, row.paid_paise, row.due_date, today)
        if status == "paid":
            continue
        slot = counts[status]
        slot["invoices"] += 1
        slot["value_paise"] += row.total_paise
        slot["due_paise"] += row.total_paise - row.paid_paise
        unpaid_count += 1
        unpaid_value += row.total_paise
    counts["paid"].update(invoices=issued - unpaid_count, value_paise=issued_total - unpaid_value)
    return {**flt.document(), "as_of": today.isoformat(), "rows": [counts[status] for status in STATUSES],
            "invoices": issued + cancelled + drafts}


def _credit_note_documents(flt: Filters) -> list[int]:
    from edge.store.models import InvoiceSeries

    note_series = [row.id for row in InvoiceSeries.select(InvoiceSeries.id).where(
        InvoiceSeries.document_type == "credit_note")]
    if not note_series:
        return [0, 0]
    sums = summed(ReportDocument, flt, (ReportDocument.series_id,), (ReportDocument.issued,
                                                                      ReportDocument.issued_total_paise))
    found = [0, 0]
    for (series_id,), (count, total) in sums.items():
        if series_id in note_series:
            found[0] += count
            found[1] += total
    return found


def receivables(ctx: ServiceContext, flt: Filters, issued: Period | None = None) -> dict[str, Any]:
    """What customers owe today, by how long it is past due: each open invoice (total less money paid less
    credit notes), per customer with its buckets, and the bucket totals. Amounts the shop owes back (credit
    notes on paid invoices) are listed as credits."""
    today = store_today(ctx)
    rows = _open_rows(flt, issued)
    invoice_ids = [row.invoice_id for row in rows]
    invoices = {row.id: row for row in Invoice.select(Invoice.id, Invoice.uuid, Invoice.number, Invoice.buyer_name)
                .where(Invoice.id.in_(invoice_ids))} if invoice_ids else {}
    customer_ids = sorted({row.customer_id for row in rows if row.customer_id})
    customers = {row.id: row for row in Customer.select(Customer.id, Customer.uuid, Customer.code, Customer.name)
                 .where(Customer.id.in_(customer_ids))} if customer_ids else {}
    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    per_customer: dict[int, dict[str, Any]] = {}
    items, credits = [], []
    for row in sorted(rows, key=lambda r: (r.due_date or r.issued_day, r.invoice_id)):
        balance = row.total_paise - row.paid_paise - row.credited_paise
        invoice = invoices.get(row.invoice_id)
        customer = customers.get(row.customer_id)
        due = row.due_date or row.issued_day
        item = {"invoice_id": str(invoice.uuid) if invoice else None, "number": invoice.number if invoice else None,
                "issued_on": row.issued_day.isoformat(), "due_date": due.isoformat(),
                "customer_id": str(customer.uuid) if customer else None,
                "customer_code": customer.code if customer else None,
                "customer": customer.name if customer else (invoice.buyer_name if invoice else WALK_IN),
                "total_paise": row.total_paise, "paid_paise": row.paid_paise,
                "credited_paise": row.credited_paise, "balance_paise": balance}
        if balance < 0:
            credits.append(item)
            continue
        if balance == 0:
            continue
        bucket = ageing_bucket(due, today)
        item.update(days_past_due=max((today - due).days, 0), bucket=bucket)
        items.append(item)
        buckets[bucket] += balance
        key = row.customer_id
        summary = per_customer.setdefault(key, {
            "customer_id": item["customer_id"], "code": item["customer_code"],
            "name": customer.name if customer else WALK_IN, "invoices": 0, "balance_paise": 0,
            **{f"{name}_paise": 0 for name in AGEING_BUCKETS}})
        summary["invoices"] += 1
        summary["balance_paise"] += balance
        summary[f"{bucket}_paise"] += balance
    customers_rows = sorted(per_customer.values(), key=lambda row: (-row["balance_paise"], row["name"]))
    return {
        "as_of": today.isoformat(), "till": flt.till, "cashier": flt.cashier,
        "buckets": [{"bucket": name, "balance_paise": buckets[name]} for name in AGEING_BUCKETS],
        "total_paise": sum(buckets.values()), "overdue_paise": sum(buckets[name] for name in AGEING_BUCKETS[1:]),
        "customers": customers_rows, "rows": items, "credits": credits,
        "credits_paise": -sum(item["balance_paise"] for item in credits),
    }


# --- invoice register --------------------------------------------------------------------------------------


def utc_bounds(period: Period, timezone: str) -> tuple[datetime, datetime]:
    """A period's store-local days as naive UTC [start, end)."""
    zone = ZoneInfo(timezone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)

    return midnight(period.first), midnight(period.last + timedelta(days=1))


REGISTER_COLUMNS = (Invoice.id, Invoice.uuid, Invoice.number, Invoice.issued_at, Invoice.till, Invoice.cashier,
                    Invoice.customer, Invoice.buyer_name, Invoice.buyer_gstin, Invoice.place_of_supply_state_code,
                    Invoice.supply_type, Invoice.status, Invoice.revision, Invoice.taxable_paise, Invoice.cgst_paise,
                    Invoice.sgst_paise, Invoice.igst_paise, Invoice.cess_paise, Invoice.round_off_paise,
                    Invoice.total_paise, Invoice.due_date, Invoice.cancel_reason)


def _register_query(ctx: ServiceContext, flt: Filters) -> peewee.ModelSelect:
    start, end = utc_bounds(flt.period, ctx.config.get("store.timezone"))
    query = Invoice.select(*REGISTER_COLUMNS).where((Invoice.issued_at >= start) & (Invoice.issued_at < end))
    if flt.till_id is not None:
        query = query.where(Invoice.till == flt.till_id)
    if flt.cashier_id is not None:
        query = query.where(Invoice.cashier == flt.cashier_id)
    return query


def _register_rows(ctx: ServiceContext, invoices: list[Invoice], today: date) -> list[dict[str, Any]]:
    ids = [invoice.id for invoice in invoices]
    if not ids:
        return []
    paid = dict(Payment.select(Payment.invoice, peewee.fn.SUM(Payment.amount_paise)).where(
        Payment.invoice.in_(ids) & (Payment.status == "succeeded") & (Payment.method != "credit"))
        .group_by(Payment.invoice).tuples())
    credited = dict(CreditNote.select(CreditNote.invoice, peewee.fn.SUM(CreditNote.total_paise)).where(
        CreditNote.invoice.in_(ids) & (CreditNote.status == "issued")).group_by(CreditNote.invoice).tuples())
    tills = dict(Till.select(Till.id, Till.code).tuples())
    users = dict(User.select(User.id, User.username).where(User.id.in_({i.cashier_id for i in invoices})).tuples())
    customer_ids = {invoice.customer_id for invoice in invoices if invoice.customer_id}
    codes = dict(Customer.select(Customer.id, Customer.code).where(Customer.id.in_(customer_ids)).tuples()) \
        if customer_ids else {}
    zone = ZoneInfo(str(ctx.config.get("store.timezone")))
    rows = []
    for invoice in invoices:
        money = int(paid.get(invoice.id) or 0)
        notes = int(credited.get(invoice.id) or 0)
        local = as_datetime(invoice.issued_at).replace(tzinfo=UTC).astimezone(zone)
        due_date = as_date(invoice.due_date) if invoice.due_date else None
        cancelled = invoice.status == "cancelled"
        rows.append({
            "invoice_id": str(invoice.uuid), "number": invoice.number, "date": local.date().isoformat(),
            "time": local.strftime("%H:%M:%S"), "till": tills.get(invoice.till_id),
            "cashier": users.get(invoice.cashier_id), "customer_code": codes.get(invoice.customer_id),
            "buyer_name": invoice.buyer_name, "buyer_gstin": invoice.buyer_gstin,
            "place_of_supply": invoice.place_of_supply_state_code, "supply": invoice.supply_type,
            "taxable_paise": invoice.taxable_paise, "cgst_paise": invoice.cgst_paise,
            "sgst_paise": invoice.sgst_paise, "igst_paise": invoice.igst_paise, "cess_paise": invoice.cess_paise,
            "round_off_paise": invoice.round_off_paise, "total_paise": invoice.total_paise, "paid_paise": money,
            "credited_paise": notes,
            "balance_paise": 0 if cancelled else invoice.total_paise - money - notes,
            "status": status_from_amounts(invoice.status, invoice.total_paise, money, due_date, today),
            "due_date": due_date.isoformat() if due_date else None, "revision": invoice.revision,
            "cancel_reason": invoice.cancel_reason,
        })
    return rows


def invoice_register(ctx: ServiceContext, flt: Filters, page: int = 1, per_page: int = 100) -> dict[str, Any]:
    """Invoices issued in the period, in issue order, one page at a time, with what is paid and due."""
    if page < 1 or not 1 <= per_page <= MAX_PAGE:
        raise InvalidInput(f"page from 1, per_page from 1 to {MAX_PAGE}", "per_page")
    query = _register_query(ctx, flt)
    total = query.count()
    invoices = list(query.order_by(Invoice.issued_at, Invoice.id).paginate(page, per_page))
    return {**flt.document(), "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page, "rows": _register_rows(ctx, invoices, store_today(ctx))}


def register_rows(ctx: ServiceContext, flt: Filters, chunk: int = 2_000) -> Iterator[dict[str, Any]]:
    """Every invoice of the period in issue order, read a chunk at a time (for a CSV of any length)."""
    today = store_today(ctx)
    last: tuple[datetime, int] | None = None
    while True:
        query = _register_query(ctx, flt)
        if last is not None:
            query = query.where((Invoice.issued_at > last[0]) | ((Invoice.issued_at == last[0])
                                                                  & (Invoice.id > last[1])))
        invoices = list(query.order_by(Invoice.issued_at, Invoice.id).limit(chunk))
        if not invoices:
            return
        yield from _register_rows(ctx, invoices, today)
        last = (invoices[-1].issued_at, invoices[-1].id)
        if len(invoices) < chunk:
            return


# --- the dashboard -----------------------------------------------------------------------------------------


def dashboard(ctx: ServiceContext, flt: Filters, top: int = DEFAULT_TOP) -> dict[str, Any]:
    """Every dashboard figure at once: today, this month, the period, its trend by month (the twelve months
    to the period's end), invoices by status, receivables, best sellers, categories, customer types,
    customers and payment methods."""
    today = store_today(ctx)
    year_start = month_start(flt.period.last.replace(day=1) - timedelta(days=335))
    owed = receivables(ctx, flt)
    return {
        **flt.document(), "timezone": ctx.config.get("store.timezone"), "today": today.isoformat(),
        "revenue": {
            "today": sales_document(sales_totals(flt.with_period(today, today))),
            "month": sales_document(sales_totals(flt.with_period(today.replace(day=1), today))),
            "period": sales_document(sales_totals(flt)),
        },
        "trend": trend(ctx, flt.with_period(year_start, flt.period.last))["rows"],
        "invoice_status": invoice_status(ctx, flt)["rows"],
        "receivables": {key: owed[key] for key in ("as_of", "buckets", "total_paise", "overdue_paise",
                                                    "credits_paise")},
        "best_sellers": best_sellers(ctx, flt, top)["rows"],
        "categories": by_category(ctx, flt)["rows"],
        "customer_types": by_customer_type(ctx, flt)["rows"],
        "customers": by_customer(ctx, flt, top)["rows"],
        "payments": by_payment_method(ctx, flt)["rows"],
    }
