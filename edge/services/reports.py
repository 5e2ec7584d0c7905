"""Dashboard figures and reports, read from the summaries kept at write time (edge/services/report_summaries.py).

Every figure is defined in docs/reports.md. Days are the store's (``store.timezone``); a period is read as
whole months where it covers them and single days at its ends, from the all-tills rows unless a till or
cashier is asked for. GST returns are in edge/services/gst_reports.py; the customer statement is
edge.services.customers.statement.
"""

from __future__ import annotations

import uuid
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
from edge.services.errors import InvalidInput, NotFound
from edge.services.report_summaries import PAID_SUM, as_date, as_datetime
from edge.store.models import (
    Category,
    Customer,
    CustomerType,
    Invoice,
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
MAX_NUMBER = 1_000_000  # limit and page: beyond any store's rows, within every driver's integers
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
    if not 1 <= value <= MAX_NUMBER:
        raise InvalidInput(f"{field} must be from 1 to {MAX_NUMBER:,}", field)
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
        for row in raw_rows(query):
            key = tuple(as_date(part) if isinstance(field, peewee.DateField) else part
                        for field, part in zip(group, row[:width], strict=True))
            sums = result.setdefault(key, [0] * len(values))
            for index, value in enumerate(row[width:]):
                sums[index] += int(value or 0)
    return result


def raw_rows(query: peewee.Query) -> list[tuple[Any, ...]]:
    """A query's rows as the driver returns them (no per-value conversion: dates may come as text)."""
    sql, params = query.sql()
    return list(query.model._meta.database.execute_sql(sql, params).fetchall())


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


CUSTOMER_VALUES = (ReportSales.invoices, ReportSales.cancellations, ReportSales.returns, ReportSales.taxable_paise,
                   ReportSales.total_paise)


def _customer_sums(flt: Filters) -> dict[tuple[int, int], list[int]]:
    """Sales of the period per (customer, customer type): invoices, cancellations, returns, net sales, billed."""
    return summed(ReportSales, flt, (ReportSales.customer_id, ReportSales.customer_type_id), CUSTOMER_VALUES)


def by_customer(ctx: ServiceContext, flt: Filters, limit: int | None = None,
                sums: dict[tuple[int, int], list[int]] | None = None) -> dict[str, Any]:
    """Revenue per customer (walk-in sales together), biggest first."""
    per_customer: dict[int, list[int]] = {}
    for (customer_id, _), values in (sums if sums is not None else _customer_sums(flt)).items():
        slot = per_customer.setdefault(customer_id, [0] * len(CUSTOMER_VALUES))
        for index, value in enumerate(values):
            slot[index] += value
    order = sorted(per_customer.items(), key=lambda item: (-item[1][3], item[0]))
    chosen = order[:limit] if limit else order
    ids = [customer_id for customer_id, _ in chosen if customer_id]
    names = {row[0]: row for row in raw_rows(Customer.select(Customer.id, Customer.uuid, Customer.code, Customer.name)
                                             .where(Customer.id.in_(ids)))} if ids else {}
    rows = []
    for customer_id, (invoices, cancelled, returns, taxable, total) in chosen:
        _, key, code, name = names.get(customer_id, (None, None, None, WALK_IN))
        rows.append({"customer_id": _uuid_text(key), "code": code, "name": name, "invoices": invoices - cancelled,
                     "credit_notes": returns, "net_sales_paise": taxable, "net_billed_paise": total})
    return {**flt.document(), "rows": rows, "customers": len(order)}


def by_customer_type(ctx: ServiceContext, flt: Filters,
                     sums: dict[tuple[int, int], list[int]] | None = None) -> dict[str, Any]:
    """Revenue per customer type (walk-in sales as their own line; a customer's type when it bought)."""
    per_type: dict[int, list[int]] = {}
    for (_, type_id), values in (sums if sums is not None else _customer_sums(flt)).items():
        slot = per_type.setdefault(type_id, [0] * len(CUSTOMER_VALUES))
        for index, value in enumerate(values):
            slot[index] += value
    types = {row.id: row for row in CustomerType.select()}
    rows = []
    for type_id, (invoices, cancelled, returns, taxable, total) in per_type.items():
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


def best_sellers(ctx: ServiceContext, flt: Filters, limit: int | None = 20, by: str = "revenue",
                 sums: dict[int, list[int]] | None = None) -> dict[str, Any]:
    """Products by net sales (taxable value) or by net quantity, best first."""
    if by not in ("revenue", "quantity"):
        raise InvalidInput("by must be revenue or quantity", "by")
    sums = sums if sums is not None else _product_sums(flt)
    order = sorted(sums.items(), key=lambda item: (-(item[1][3] if by == "revenue" else item[1][0] - item[1][1]),
                                                    item[0]))
    chosen = order[:limit] if limit else order
    ids = [product_id for product_id, _ in chosen]
    products = {row[0]: row for row in raw_rows(
        Product.select(Product.id, Product.uuid, Product.sku, Product.name, Product.base_unit, Category.name)
        .join(Category, peewee.JOIN.LEFT_OUTER).where(Product.id.in_(ids)))} if ids else {}
    rows = []
    for rank, (product_id, (sold, returned, lines, taxable, tax, total)) in enumerate(chosen, start=1):
        _, key, sku, name, unit, category = products.get(product_id, (None, None, None, f"product {product_id}",
                                                                      None, None))
        rows.append({
            "rank": rank, "product_id": _uuid_text(key), "sku": sku, "name": name,
            "category": category or "Uncategorised", "unit": unit, "quantity_milli": sold - returned,
            "sold_milli": sold, "returned_milli": returned, "lines": lines, "net_sales_paise": taxable,
            "tax_paise": tax, "net_billed_paise": total,
        })
    return {**flt.document(), "by": by, "rows": rows, "products": len(sums)}


def by_category(ctx: ServiceContext, flt: Filters, sums: dict[int, list[int]] | None = None) -> dict[str, Any]:
    """Net sales per product category (a product's category today)."""
    sums = sums if sums is not None else _product_sums(flt)
    categories = dict(raw_rows(Product.select(Product.id, Category.name).join(Category, peewee.JOIN.LEFT_OUTER)))
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


OPEN_COLUMNS = (ReportOpenInvoice.invoice_id, ReportOpenInvoice.customer_id, ReportOpenInvoice.issued_day,
                ReportOpenInvoice.due_date, ReportOpenInvoice.total_paise, ReportOpenInvoice.paid_paise,
                ReportOpenInvoice.credited_paise)


def _open_query(flt: Filters | None, issued: Period | None, columns: Sequence[Any] = OPEN_COLUMNS
                ) -> peewee.ModelSelect:
    query = ReportOpenInvoice.select(*columns)
    if issued is not None:
        query = query.where(ReportOpenInvoice.issued_day.between(issued.first, issued.last))
    if flt is not None and flt.till_id is not None:
        query = query.where(ReportOpenInvoice.till_id == flt.till_id)
    if flt is not None and flt.cashier_id is not None:
        query = query.where(ReportOpenInvoice.cashier_id == flt.cashier_id)
    return query


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
    for _, _, _, due_date, total, paid, _ in raw_rows(_open_query(flt, flt.period)):
        status = status_from_amounts("issued", total, paid, as_date(due_date) if due_date else None, today)
        if status == "paid":
            continue
        slot = counts[status]
        slot["invoices"] += 1
        slot["value_paise"] += total
        slot["due_paise"] += total - paid
        unpaid_count += 1
        unpaid_value += total
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


def _uuid_text(value: Any) -> str | None:
    """A UUID column's value as text (stored as 32 hex digits on SQLite)."""
    if value is None:
        return None
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def ageing(ctx: ServiceContext, flt: Filters) -> dict[str, Any]:
    """What customers owe today by ageing bucket, summed by the database (the dashboard's figure)."""
    today = store_today(ctx)
    due = peewee.fn.COALESCE(ReportOpenInvoice.due_date, ReportOpenInvoice.issued_day)
    balance = ReportOpenInvoice.total_paise - ReportOpenInvoice.paid_paise - ReportOpenInvoice.credited_paise
    edges = [(name, today - timedelta(days=days)) for name, days in (("0_30", 0), ("31_60", 31), ("61_90", 61),
                                                                      ("over_90", 91))]

    def owed(condition: Any) -> Any:
        return peewee.fn.SUM(peewee.Case(None, [((balance > 0) & condition, balance)], 0))

    columns = [owed(due > today)]
    for index, (_, latest) in enumerate(edges):
        earliest = edges[index + 1][1] if index + 1 < len(edges) else None
        columns.append(owed((due <= latest) & (due > earliest)) if earliest else owed(due <= latest))
    columns.append(peewee.fn.SUM(peewee.Case(None, [(balance < 0, 0 - balance)], 0)))  # peewee: -x is DESC
    sums = [int(value or 0) for value in raw_rows(_open_query(flt, None, columns))[0]]
    buckets = dict(zip(AGEING_BUCKETS, sums[:5], strict=True))
    return {"as_of": today.isoformat(), "buckets": [{"bucket": name, "balance_paise": buckets[name]}
                                                    for name in AGEING_BUCKETS],
            "total_paise": sum(buckets.values()), "overdue_paise": sum(buckets[name] for name in AGEING_BUCKETS[1:]),
            "credits_paise": sums[5]}


def receivables(ctx: ServiceContext, flt: Filters, issued: Period | None = None) -> dict[str, Any]:
    """What customers owe today, by how long it is past due: each open invoice (total less money paid less
    credit notes), per customer with its buckets, and the bucket totals. Amounts the shop owes back (credit
    notes on paid invoices) are listed as credits."""
    today = store_today(ctx)
    query = (_open_query(flt, issued, (*OPEN_COLUMNS, Invoice.uuid, Invoice.number, Invoice.buyer_name,
                                       Customer.uuid, Customer.code, Customer.name))
             .join(Invoice, on=(Invoice.id == ReportOpenInvoice.invoice_id))
             .join(Customer, peewee.JOIN.LEFT_OUTER, on=(Customer.id == ReportOpenInvoice.customer_id)))
    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    per_customer: dict[int, dict[str, Any]] = {}
    items, credits = [], []
    rows = sorted(raw_rows(query), key=lambda row: (str(row[3] or row[2]), row[0]))
    for (_, customer_id, issued_day, due_date, total, paid, credited, invoice_uuid, number, buyer_name,
         customer_uuid, customer_code, customer_name) in rows:
        balance = total - paid - credited
        due = as_date(due_date or issued_day)
        item = {"invoice_id": _uuid_text(invoice_uuid), "number": number,
                "issued_on": as_date(issued_day).isoformat(), "due_date": due.isoformat(),
                "customer_id": _uuid_text(customer_uuid),
                "customer_code": customer_code, "customer": customer_name or buyer_name or WALK_IN,
                "total_paise": total, "paid_paise": paid, "credited_paise": credited, "balance_paise": balance}
        if balance < 0:
            credits.append(item)
            continue
        if balance == 0:
            continue
        bucket = ageing_bucket(due, today)
        item.update(days_past_due=max((today - due).days, 0), bucket=bucket)
        items.append(item)
        buckets[bucket] += balance
        summary = per_customer.setdefault(customer_id, {
            "customer_id": item["customer_id"], "code": customer_code, "name": customer_name or WALK_IN,
            "invoices": 0, "balance_paise": 0, **{f"{name}_paise": 0 for name in AGEING_BUCKETS}})
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


def parse_customer(args: Mapping[str, str]) -> Customer | None:
    """The ``customer`` query parameter (a customer's ID or code) as a customer; None when not given."""
    text = (args.get("customer") or "").strip()
    if not text:
        return None
    try:
        found: Customer | None = Customer.get_or_none(Customer.uuid == uuid.UUID(text))
    except ValueError:
        found = Customer.get_or_none(Customer.code == text.upper())
    if found is None:
        raise InvalidInput(f"no customer {text!r}", "customer", "unknown_customer")
    return found


def customer_document(customer: Customer | None) -> dict[str, Any] | None:
    """The customer a register is filtered to, as it shows it."""
    if customer is None:
        return None
    return {"id": str(customer.uuid), "code": customer.code, "name": customer.name}


def _status_condition(status: str, today: date) -> Any:
    """SQL for the invoices showing a status today: status_from_amounts' rules over the same money paid as the
    register's rows (PAID_SUM of the invoice's payments, by the payment table's invoice index)."""
    if status in ("cancelled", "draft"):
        return Invoice.status == status
    paid = peewee.NodeList((  # a correlated subquery on the invoice of the row
        peewee.SQL(f"COALESCE((SELECT {PAID_SUM} FROM payment p WHERE p.invoice_id ="), Invoice.id,  # noqa: S608
        peewee.SQL("), 0)")))
    issued = Invoice.status == "issued"
    if status == "paid":
        return issued & (paid >= Invoice.total_paise)
    owing = issued & (paid < Invoice.total_paise)
    if status == "overdue":
        return owing & (Invoice.due_date < today)
    not_due = Invoice.due_date.is_null() | (Invoice.due_date >= today)
    return owing & not_due & ((paid > 0) if status == "partially_paid" else (paid <= 0))


def parse_status(args: Mapping[str, str]) -> str | None:
    """The ``status`` query parameter of the register; None when not given."""
    status = (args.get("status") or "").strip()
    if not status:
        return None
    if status not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", "status")
    return status


def _register_query(ctx: ServiceContext, flt: Filters, columns: Sequence[Any] = REGISTER_COLUMNS,
                    customer: Customer | None = None, status: str | None = None) -> peewee.ModelSelect:
    start, end = utc_bounds(flt.period, ctx.config.get("store.timezone"))
    query = Invoice.select(*columns).where((Invoice.issued_at >= start) & (Invoice.issued_at < end))
    if status is not None:
        query = query.where(_status_condition(status, store_today(ctx)))
    if customer is not None:
        query = query.where(Invoice.customer == customer.id)
    if flt.till_id is not None:
        query = query.where(Invoice.till == flt.till_id)
    if flt.cashier_id is not None:
        query = query.where(Invoice.cashier == flt.cashier_id)
    return query


def _register_rows(ctx: ServiceContext, invoices: list[Invoice], today: date) -> list[dict[str, Any]]:
    ids = [invoice.id for invoice in invoices]
    if not ids:
        return []
    marks = ", ".join([ctx.db.param] * len(ids))
    paid = dict(ctx.db.execute_sql(  # status and method inside the sum: see report_summaries.PAID_SUM
        f"SELECT p.invoice_id, {PAID_SUM} FROM payment p WHERE p.invoice_id IN ({marks}) GROUP BY p.invoice_id",  # noqa: S608
        tuple(ids)).fetchall())
    credited = dict(ctx.db.execute_sql(
        "SELECT invoice_id, SUM(CASE WHEN status = 'issued' THEN total_paise ELSE 0 END) FROM credit_note "  # noqa: S608
        f"WHERE invoice_id IN ({marks}) GROUP BY invoice_id", tuple(ids)).fetchall())
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


REGISTER_ORDERS = ("issued", "newest")


def invoice_register(ctx: ServiceContext, flt: Filters, page: int = 1, per_page: int = 100,
                     customer: Customer | None = None, order: str = "issued",
                     status: str | None = None) -> dict[str, Any]:
    """Invoices issued in the period (one customer's, those of one status, when given), in issue order or
    newest first, one page at a time, with what is paid and due."""
    if page < 1 or not 1 <= per_page <= MAX_PAGE:
        raise InvalidInput(f"page from 1, per_page from 1 to {MAX_PAGE}", "per_page")
    if order not in REGISTER_ORDERS:
        raise InvalidInput(f"order is one of {', '.join(REGISTER_ORDERS)}", "order")
    query = _register_query(ctx, flt, customer=customer, status=status)
    total = int(_register_query(ctx, flt, (peewee.fn.COUNT(Invoice.id),), customer, status).scalar() or 0)
    sort = (Invoice.issued_at.desc(), Invoice.id.desc()) if order == "newest" else (Invoice.issued_at, Invoice.id)
    invoices = list(query.order_by(*sort).paginate(page, per_page))
    return {**flt.document(), "customer": customer_document(customer), "status": status, "order": order,
            "page": page,
            "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page,
            "rows": _register_rows(ctx, invoices, store_today(ctx))}


def till_invoices(ctx: ServiceContext, till_code: str, day_text: str | None = None) -> dict[str, Any]:
    """One till's invoices of a day (today unless given), newest first, as register rows: where a cashier
    finds a bill again to reprint it or take a payment after it."""
    till = Till.get_or_none(Till.code == till_code.upper())
    if till is None:
        raise NotFound(f"no till {till_code!r}", "till", "unknown_till")
    day = parse_day(day_text, "date") if day_text else store_today(ctx)
    return invoice_register(ctx, Filters(Period(day, day), till.id, till.code), 1, MAX_PAGE, order="newest")


def register_rows(ctx: ServiceContext, flt: Filters, chunk: int = 2_000,
                  customer: Customer | None = None, status: str | None = None) -> Iterator[dict[str, Any]]:
    """Every invoice of the period (one customer's, those of one status, when given) in issue order, read a
    chunk at a time (for a CSV of any length)."""
    today = store_today(ctx)
    last: tuple[datetime, int] | None = None
    while True:
        query = _register_query(ctx, flt, customer=customer, status=status)
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
    products = _product_sums(flt)  # one read each, shared by the figures drawn from it
    customers = _customer_sums(flt)
    return {
        **flt.document(), "timezone": ctx.config.get("store.timezone"), "today": today.isoformat(),
        "revenue": {
            "today": sales_document(sales_totals(flt.with_period(today, today))),
            "month": sales_document(sales_totals(flt.with_period(today.replace(day=1), today))),
            "period": sales_document(sales_totals(flt)),
        },
        "trend": trend(ctx, flt.with_period(year_start, flt.period.last))["rows"],
        "invoice_status": invoice_status(ctx, flt)["rows"],
        "receivables": ageing(ctx, flt),
        "best_sellers": best_sellers(ctx, flt, top, sums=products)["rows"],
        "categories": by_category(ctx, flt, sums=products)["rows"],
        "customer_types": by_customer_type(ctx, flt, sums=customers)["rows"],
        "customers": by_customer(ctx, flt, top, sums=customers)["rows"],
        "payments": by_payment_method(ctx, flt)["rows"],
    }
