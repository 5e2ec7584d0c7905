"""Report summaries kept at write time: every write that changes what a report shows calls ONE function here,
inside its own transaction, so a summary never disagrees with the rows it summarises.

| event                                          | called from                          | function                   |
|------------------------------------------------|--------------------------------------|----------------------------|
| invoice issued, with the payments at checkout  | checkout.checkout                    | ``invoice_issued``         |
| payment taken after the bill                   | checkout.pay                         | ``payment_recorded``       |
| gateway payment joining the invoice            | gateway_payments._join_invoice       | ``payment_recorded``       |
| refund (at the till or by a gateway)           | after_sale._refund                   | ``payment_recorded``       |
| credit note                                    | after_sale.return_items              | ``credit_note_issued``     |
| cancellation                                   | after_sale.cancel_invoice            | ``invoice_cancelled``      |
| buyer-detail revision                          | after_sale.correct_buyer             | ``invoice_revised``        |
| a stored payment row changing status (future)  | —                                    | ``payment_status_changed`` |

Postings go to the day of the event in the store's time zone (a credit note on its own day, a cancellation on
the day it happens, reversing what the invoice still carried), except the document counts, which follow each
document's issue day and current status. ``rebuild`` recomputes every summary from the source tables with
the same posting functions (``python -m edge rebuild-summaries``, and after migration 0005). See
docs/reports.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import peewee

from edge.domain.reports import (
    ALL_DAY,
    ALL_MONTH,
    DAY,
    MONTH,
    Posting,
    base_quantity_milli,
    gst_section,
    month_start,
    next_month,
    uqc,
)
from edge.services.context import ServiceContext
from edge.store.db import is_sqlite
from edge.store.models import (
    REPORT_MODELS,
    BaseModel,
    CreditNote,
    Invoice,
    Payment,
    ReportDocument,
    ReportOpenInvoice,
    ReportPayment,
    ReportProduct,
    ReportSales,
    ReportTax,
    Store,
)

INSERT_BATCH = 5_000
OWN_PERIOD = date(9999, 12, 31)  # origin day of invoice and credit-note GST rows: never an earlier period's


# --- the tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # hashed by identity: a dict key on every posting
class Table:
    """A summary table: key columns after (grain, period), summed columns, and columns kept as min / max.
    With ``rollup`` the first two key columns are till and cashier, and every posting also lands in the
    all-tills rows (grains sd/sm, till 0, cashier 0)."""

    model: type[BaseModel]
    dims: tuple[str, ...]
    sums: tuple[str, ...]
    rollup: bool = True
    mins: tuple[str, ...] = ()
    maxs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The SQL table name."""
        return str(self.model._meta.table_name)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column in insert order."""
        return ("grain", "period", *self.dims, *self.sums, *self.mins, *self.maxs)


SALES = Table(ReportSales, ("till_id", "cashier_id", "customer_id", "customer_type_id"), (
    "invoices", "invoice_taxable_paise", "invoice_total_paise", "returns", "return_taxable_paise",
    "return_total_paise", "cancellations", "cancel_taxable_paise", "cancel_total_paise", "taxable_paise",
    "cgst_paise", "sgst_paise", "igst_paise", "cess_paise", "round_off_paise", "total_paise"))
PRODUCT = Table(ReportProduct, ("till_id", "cashier_id", "product_id"),
                ("sold_milli", "returned_milli", "lines", "taxable_paise", "tax_paise", "total_paise"))
TAX = Table(ReportTax, ("origin_day", "seller_registration_id", "posting", "section", "supply", "place_of_supply",
                        "rate_bp", "hsn_code", "uqc"),
            ("quantity_milli", "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise"), rollup=False)
PAYMENT = Table(ReportPayment, ("till_id", "cashier_id", "method", "kind"), ("count", "amount_paise"))
DOCUMENT = Table(ReportDocument, ("till_id", "cashier_id", "series_id", "seller_registration_id"), (
    "issued", "issued_total_paise", "cancelled", "cancelled_total_paise", "drafts", "draft_total_paise"),
    mins=("first_seq",), maxs=("last_seq",))
# Written in this order in every transaction, each table's rows in key order: on MySQL two writers always
# take row locks in the same order (and they already queue on the outbox counter before they get here).
TABLES: tuple[Table, ...] = (SALES, PRODUCT, TAX, PAYMENT, DOCUMENT)


# --- what an invoice carries -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice (or credit-note) line as the summaries need it."""

    line_no: int
    product_id: int
    hsn_code: str
    rate_bp: int
    uqc: str
    quantity_milli: int  # in thousandths of the product's base unit
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    total_paise: int

    @property
    def tax_paise(self) -> int:
        """All taxes of the line."""
        return self.cgst_paise + self.sgst_paise + self.igst_paise + self.cess_paise

    def minus(self, other: Line | None) -> Line:
        """What is left of this line after another (its credited part)."""
        if other is None:
            return self
        return Line(self.line_no, self.product_id, self.hsn_code, self.rate_bp, self.uqc,
                    self.quantity_milli - other.quantity_milli, self.taxable_paise - other.taxable_paise,
                    self.cgst_paise - other.cgst_paise, self.sgst_paise - other.sgst_paise,
                    self.igst_paise - other.igst_paise, self.cess_paise - other.cess_paise,
                    self.total_paise - other.total_paise)


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What never changes on an invoice line: product, HSN, rate, unit."""

    product_id: int
    hsn_code: str
    rate_bp: int
    uqc: str
    quantity_milli: int
    unit_factor_milli: int

    @property
    def base_milli(self) -> int:
        """The line's quantity in the product's base unit."""
        return base_quantity_milli(self.quantity_milli, self.unit_factor_milli)


@dataclass(frozen=True, slots=True)
class State:
    """An invoice's buyer classification and amounts at one moment (issue, a revision, now)."""

    gstin: str | None
    supply: str
    place_of_supply: str
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    round_off_paise: int
    total_paise: int
    lines: tuple[Line, ...]
    buyer_name: str = ""


class Revision(NamedTuple):
    """A stored buyer-detail revision: when, the invoice documents before and after, its number and reason."""

    changed_at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    number: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What never changes on an invoice: who, where, when, which registration and series."""

    id: int
    day: date
    till_id: int
    cashier_id: int
    customer_id: int
    customer_type_id: int
    seller_registration_id: int
    series_id: int
    seq: int


def sequence_of(number: str) -> int:
    """The running number of a printed document number (T1/2627/000123 → 123)."""
    return int(number.rsplit("/", 1)[1])


def state_from_document(document: dict[str, Any], facts: dict[int, LineFacts]) -> State:
    """An invoice's state from a stored revision document (before or after a correction)."""
    lines = []
    for item in document["lines"]:
        fact = facts[int(item["line_no"])]
        lines.append(Line(int(item["line_no"]), fact.product_id, fact.hsn_code, fact.rate_bp, fact.uqc,
                          fact.base_milli, int(item["taxable_paise"]), int(item["cgst_paise"]),
                          int(item["sgst_paise"]), int(item["igst_paise"]), int(item["cess_paise"]),
                          int(item["total_paise"])))
    buyer = document.get("buyer") or {}
    return State(buyer.get("gstin"), str(document["supply"]), str(document["place_of_supply"]),
                 int(document["taxable_paise"]), int(document["cgst_paise"]), int(document["sgst_paise"]),
                 int(document["igst_paise"]), int(document["cess_paise"]), int(document["round_off_paise"]),
                 int(document["total_paise"]), tuple(lines), str(buyer.get("name") or ""))


# --- postings ----------------------------------------------------------------------------------------------


@dataclass
class Postings:
    """Signed amounts per table, keyed by (day, key columns), summed before they are written."""

    rows: dict[Table, dict[tuple[Any, ...], list[Any]]] = field(default_factory=lambda: {t: {} for t in TABLES})

    def add(self, table: Table, day: date, dims: tuple[Any, ...], values: list[int],
            extremes: Sequence[int | None] = ()) -> None:
        """Add a posting on a store-local day (``values`` is kept: pass a fresh list)."""
        key = (day, *dims)
        rows = self.rows[table]
        current = rows.get(key)
        if current is None:
            if table.mins or table.maxs:
                values = [*values, *(extremes or [None] * (len(table.mins) + len(table.maxs)))]
            rows[key] = values
            return
        for index, value in enumerate(values):
            current[index] += value
        if extremes:
            _merge_extremes(table, current, extremes)


def _merge_extremes(table: Table, current: list[Any], extremes: Sequence[int | None]) -> None:
    offset = len(table.sums)
    for index, value in enumerate(extremes):
        if value is None:
            continue
        position = offset + index
        kept = current[position]
        if kept is None:
            current[position] = value
        elif index < len(table.mins):
            current[position] = min(kept, value)
        else:
            current[position] = max(kept, value)


def expand(table: Table, day_rows: dict[tuple[Any, ...], list[Any]]) -> list[tuple[Any, ...]]:
    """Rows to write, in key order: each day posting in its day and month rows (and the all-tills rows),
    rows that add up to nothing left out."""
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    width = len(table.sums)
    extremes = bool(table.mins or table.maxs)
    months: dict[date, date] = {}
    for key, values in day_rows.items():
        day, dims = key[0], key[1:]
        month = months.get(day)
        if month is None:
            month = months[day] = month_start(day)
        targets = [(DAY, day, *dims), (MONTH, month, *dims)]
        if table.rollup:
            rest = dims[2:]
            targets += [(ALL_DAY, day, 0, 0, *rest), (ALL_MONTH, month, 0, 0, *rest)]
        for target in targets:
            current = grouped.get(target)
            if current is None:
                grouped[target] = list(values)
                continue
            for index in range(width):
                current[index] += values[index]
            if extremes:
                _merge_extremes(table, current, values[width:])
    rows = []
    for (grain, period, *dims), values in sorted(grouped.items()):
        if any(values[:width]) or any(value is not None for value in values[width:]):
            rows.append((grain, period.isoformat(), *dims, *values))
    return rows


def _sales_dims(facts: Facts) -> tuple[int, int, int, int]:
    return (facts.till_id, facts.cashier_id, facts.customer_id, facts.customer_type_id)


def _tax_head(facts: Facts, state: State, posting: Posting) -> tuple[Any, ...]:
    """The GST row key up to the line's part; a revision or cancellation keeps its invoice's day, so a report
    can tell an amendment of an earlier period from a change within its own."""
    section = gst_section(state.gstin, state.supply, state.total_paise, facts.day)
    origin = facts.day if posting in (Posting.AMENDMENT, Posting.CANCELLATION) else OWN_PERIOD
    return (origin.isoformat(), facts.seller_registration_id, posting.value, section.value, state.supply,
            state.place_of_supply)


def _tax_values(line: Line, sign: int) -> list[int]:
    return [sign * line.quantity_milli, sign * line.taxable_paise, sign * line.cgst_paise, sign * line.sgst_paise,
            sign * line.igst_paise, sign * line.cess_paise]


def post_issue(postings: Postings, facts: Facts, state: State) -> None:
    """An invoice issued: a sale on its day."""
    postings.add(SALES, facts.day, _sales_dims(facts), [
        1, state.taxable_paise, state.total_paise, 0, 0, 0, 0, 0, 0, state.taxable_paise, state.cgst_paise,
        state.sgst_paise, state.igst_paise, state.cess_paise, state.round_off_paise, state.total_paise])
    head = _tax_head(facts, state, Posting.INVOICE)
    for line in state.lines:
        postings.add(PRODUCT, facts.day, (facts.till_id, facts.cashier_id, line.product_id),
                     [line.quantity_milli, 0, 1, line.taxable_paise, line.tax_paise, line.total_paise])
        postings.add(TAX, facts.day, (*head, line.rate_bp, line.hsn_code, line.uqc), _tax_values(line, 1))


@dataclass(frozen=True, slots=True)
class Note:
    """A credit note as the summaries need it."""

    day: date
    issued_by_id: int
    series_id: int
    seq: int
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    round_off_paise: int
    total_paise: int
    lines: tuple[Line, ...]


def post_credit_note(postings: Postings, facts: Facts, state: State, note: Note) -> None:
    """A credit note: a return on its own day, classified as its invoice was when the note was issued."""
    postings.add(SALES, note.day, _sales_dims(facts), [
        0, 0, 0, 1, note.taxable_paise, note.total_paise, 0, 0, 0, -note.taxable_paise, -note.cgst_paise,
        -note.sgst_paise, -note.igst_paise, -note.cess_paise, -note.round_off_paise, -note.total_paise])
    head = _tax_head(facts, state, Posting.CREDIT_NOTE)
    for line in note.lines:
        postings.add(PRODUCT, note.day, (facts.till_id, facts.cashier_id, line.product_id),
                     [0, line.quantity_milli, 0, -line.taxable_paise, -line.tax_paise, -line.total_paise])
        postings.add(TAX, note.day, (*head, line.rate_bp, line.hsn_code, line.uqc), _tax_values(line, -1))


def post_credit_note_document(postings: Postings, facts: Facts, note: Note) -> None:
    """A credit note counted among the documents of its day and series."""
    postings.add(DOCUMENT, note.day, (facts.till_id, note.issued_by_id, note.series_id, facts.seller_registration_id),
                 [1, note.total_paise, 0, 0, 0, 0], [note.seq, note.seq])


def post_cancellation(postings: Postings, facts: Facts, state: State, credited: dict[int, Line],
                      credited_totals: Sequence[int], day: date) -> None:
    """A cancellation on its own day: reverses what the invoice still carried after its credit notes.
    ``credited_totals`` are the credit notes' taxable, CGST, SGST, IGST, cess, round-off and total."""
    c_taxable, c_cgst, c_sgst, c_igst, c_cess, c_round, c_total = credited_totals
    taxable, total = state.taxable_paise - c_taxable, state.total_paise - c_total
    postings.add(SALES, day, _sales_dims(facts), [
        0, 0, 0, 0, 0, 0, 1, taxable, total, -taxable, -(state.cgst_paise - c_cgst), -(state.sgst_paise - c_sgst),
        -(state.igst_paise - c_igst), -(state.cess_paise - c_cess), -(state.round_off_paise - c_round), -total])
    head = _tax_head(facts, state, Posting.CANCELLATION)
    for line in state.lines:
        left = line.minus(credited.get(line.line_no))
        postings.add(PRODUCT, day, (facts.till_id, facts.cashier_id, line.product_id),
                     [0, left.quantity_milli, -1, -left.taxable_paise, -left.tax_paise, -left.total_paise])
        postings.add(TAX, day, (*head, line.rate_bp, line.hsn_code, line.uqc), _tax_values(left, -1))


def post_revision(postings: Postings, facts: Facts, before: State, after: State, day: date) -> None:
    """A buyer-detail revision on its own day: the tax difference, and in GST the lines moved from the
    classification before to the one after (an amendment of the invoice's own day)."""
    postings.add(SALES, day, _sales_dims(facts), [
        0, 0, 0, 0, 0, 0, 0, 0, 0, after.taxable_paise - before.taxable_paise, after.cgst_paise - before.cgst_paise,
        after.sgst_paise - before.sgst_paise, after.igst_paise - before.igst_paise,
        after.cess_paise - before.cess_paise, after.round_off_paise - before.round_off_paise,
        after.total_paise - before.total_paise])
    old = {line.line_no: line for line in before.lines}
    head_before = _tax_head(facts, before, Posting.AMENDMENT)
    head_after = _tax_head(facts, after, Posting.AMENDMENT)
    for line in after.lines:
        was = old[line.line_no]
        postings.add(PRODUCT, day, (facts.till_id, facts.cashier_id, line.product_id), [
            0, 0, 0, line.taxable_paise - was.taxable_paise, line.tax_paise - was.tax_paise,
            line.total_paise - was.total_paise])
        postings.add(TAX, day, (*head_before, was.rate_bp, was.hsn_code, was.uqc), _tax_values(was, -1))
        postings.add(TAX, day, (*head_after, line.rate_bp, line.hsn_code, line.uqc), _tax_values(line, 1))


def post_payment(postings: Postings, day: date, till_id: int, cashier_id: int, method: str, kind: str,
                 amount_paise: int, sign: int = 1) -> None:
    """A succeeded payment or refund (refunds are stored negative) on the day it was taken."""
    postings.add(PAYMENT, day, (till_id, cashier_id, method, kind), [sign, sign * amount_paise])


def post_document(postings: Postings, facts: Facts, status: str, total_paise: int, sign: int = 1,
                  numbered: bool = True) -> None:
    """An invoice counted (or uncounted) under a status on its issue day."""
    values = {"issued": [sign, sign * total_paise, 0, 0, 0, 0], "cancelled": [0, 0, sign, sign * total_paise, 0, 0],
              "draft": [0, 0, 0, 0, sign, sign * total_paise]}[status]
    extremes = [facts.seq, facts.seq] if numbered else [None, None]
    postings.add(DOCUMENT, facts.day, _document_dims(facts), values, extremes)


def _document_dims(facts: Facts) -> tuple[int, int, int, int]:
    return (facts.till_id, facts.cashier_id, facts.series_id, facts.seller_registration_id)


# --- writing -----------------------------------------------------------------------------------------------


def _quote(db: peewee.Database, name: str) -> str:
    return f'"{name}"' if is_sqlite(db) else f"`{name}`"


_UPSERTS: dict[tuple[str, bool], str] = {}


def upsert_sql(db: peewee.Database, table: Table) -> str:
    """INSERT that adds to an existing row: ON CONFLICT DO UPDATE on SQLite, ON DUPLICATE KEY UPDATE on MySQL
    (the text made once per table and dialect)."""
    key = (table.name, is_sqlite(db))
    text = _UPSERTS.get(key)
    if text is None:
        text = _UPSERTS[key] = _make_upsert_sql(db, table)
    return text


def _make_upsert_sql(db: peewee.Database, table: Table) -> str:
    q = lambda name: _quote(db, name)  # noqa: E731
    columns = ", ".join(q(column) for column in table.columns)
    marks = ", ".join([db.param] * len(table.columns))
    head = f"INSERT INTO {q(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    if is_sqlite(db):
        new = lambda column: f"excluded.{q(column)}"  # noqa: E731
        low = lambda a, b: f"COALESCE(MIN({a}, {b}), {a}, {b})"  # noqa: E731
        high = lambda a, b: f"COALESCE(MAX({a}, {b}), {a}, {b})"  # noqa: E731
        key = ", ".join(q(column) for column in ("grain", "period", *table.dims))
        tail = f" ON CONFLICT ({key}) DO UPDATE SET "
    else:
        new = lambda column: f"VALUES({q(column)})"  # noqa: E731
        low = lambda a, b: f"COALESCE(LEAST({a}, {b}), {a}, {b})"  # noqa: E731
        high = lambda a, b: f"COALESCE(GREATEST({a}, {b}), {a}, {b})"  # noqa: E731
        tail = " ON DUPLICATE KEY UPDATE "
    sets = [f"{q(c)} = {q(c)} + {new(c)}" for c in table.sums]
    sets += [f"{q(c)} = {low(q(c), new(c))}" for c in table.mins]
    sets += [f"{q(c)} = {high(q(c), new(c))}" for c in table.maxs]
    return head + tail + ", ".join(sets)


def insert_sql(db: peewee.Database, table: Table) -> str:
    """A plain INSERT of whole rows (rebuild)."""
    columns = ", ".join(_quote(db, column) for column in table.columns)
    marks = ", ".join([db.param] * len(table.columns))
    return f"INSERT INTO {_quote(db, table.name)} ({columns}) VALUES ({marks})"  # noqa: S608


def _executemany(db: peewee.Database, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    cursor = db.cursor()
    for start in range(0, len(rows), INSERT_BATCH):
        cursor.executemany(sql, rows[start:start + INSERT_BATCH])


def write(db: peewee.Database, postings: Postings) -> None:
    """Add postings to the summaries (upserts, table by table, rows in key order)."""
    for table in TABLES:
        _executemany(db, upsert_sql(db, table), expand(table, postings.rows[table]))


# --- reading what an event needs ---------------------------------------------------------------------------


def _zone(ctx_or_zone: ServiceContext | str) -> ZoneInfo:
    if isinstance(ctx_or_zone, str):
        return ZoneInfo(ctx_or_zone)
    return ZoneInfo(str(ctx_or_zone.config.get("store.timezone")))


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The store-local day of a stored (naive UTC) time."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def as_date(value: Any) -> date:
    """A DATE column's value from either driver (SQLite gives text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime:
    """A DATETIME column's value from either driver."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


LINE_COLUMNS = ("il.invoice_id", "il.line_no", "il.product_id", "il.hsn_code", "il.gst_rate_bp", "il.quantity_milli",
                "il.unit_factor_milli", "p.base_unit", "il.taxable_paise", "il.cgst_paise", "il.sgst_paise",
                "il.igst_paise", "il.cess_paise", "il.total_paise")


def _line_rows(db: peewee.Database, where: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    sql = (f"SELECT {', '.join(LINE_COLUMNS)} FROM invoice_line il JOIN product p ON p.id = il.product_id "  # noqa: S608
           f"{where} ORDER BY il.invoice_id, il.line_no")
    yield from db.execute_sql(sql, tuple(params))


def _line_of(row: Sequence[Any]) -> tuple[LineFacts, Line]:
    (_, line_no, product_id, hsn, rate, quantity, factor, base_unit, taxable, cgst, sgst, igst, cess, total) = row
    facts = LineFacts(int(product_id), str(hsn), int(rate), uqc(str(base_unit)), int(quantity), int(factor))
    line = Line(int(line_no), facts.product_id, facts.hsn_code, facts.rate_bp, facts.uqc, facts.base_milli,
                int(taxable), int(cgst), int(sgst), int(igst), int(cess), int(total))
    return facts, line


def invoice_lines(db: peewee.Database, invoice_ids: Sequence[int]) -> dict[int, list[tuple[LineFacts, Line]]]:
    """Each invoice's lines, current amounts, with the unchanging facts."""
    found: dict[int, list[tuple[LineFacts, Line]]] = {invoice_id: [] for invoice_id in invoice_ids}
    if not invoice_ids:
        return found
    marks = ", ".join([db.param] * len(invoice_ids))
    for row in _line_rows(db, f"WHERE il.invoice_id IN ({marks})", invoice_ids):
        found[int(row[0])].append(_line_of(row))
    return found


def current_state(invoice: Any, lines: Iterable[Line]) -> State:
    """An invoice's state now (any object with the invoice's columns)."""
    return State(invoice.buyer_gstin or None, invoice.supply_type, invoice.place_of_supply_state_code,
                 int(invoice.taxable_paise), int(invoice.cgst_paise), int(invoice.sgst_paise),
                 int(invoice.igst_paise), int(invoice.cess_paise), int(invoice.round_off_paise),
                 int(invoice.total_paise), tuple(lines), str(invoice.buyer_name or ""))


def _customer_types(customer_ids: Iterable[int]) -> dict[int, int]:
    from edge.store.models import Customer

    ids = sorted({customer_id for customer_id in customer_ids if customer_id})
    if not ids:
        return {}
    return dict(Customer.select(Customer.id, Customer.customer_type).where(Customer.id.in_(ids)).tuples())


def facts_of(invoice: Any, zone: ZoneInfo, customer_types: dict[int, int]) -> Facts:
    """The unchanging facts of an invoice row: its customer's type as issued (the customer's type now only
    for a row that has none)."""
    customer_id = int(invoice.customer_id or 0)
    kept = invoice.customer_type_id
    customer_type = int(kept) if kept is not None else int(customer_types.get(customer_id, 0))
    return Facts(int(invoice.id), local_day(as_datetime(invoice.issued_at), zone), int(invoice.till_id),
                 int(invoice.cashier_id), customer_id, customer_type,
                 int(invoice.seller_registration_id), int(invoice.series_id), sequence_of(invoice.number))


def revision_documents(invoice_ids: Sequence[int]) -> dict[int, list[Revision]]:
    """Each invoice's revisions in order."""
    from edge.store.models import InvoiceRevision

    found: dict[int, list[Revision]] = {}
    if not invoice_ids:
        return found
    rows = (InvoiceRevision.select(InvoiceRevision.invoice, InvoiceRevision.changed_at, InvoiceRevision.before,
                                   InvoiceRevision.after, InvoiceRevision.revision, InvoiceRevision.reason)
            .where(InvoiceRevision.invoice.in_(list(invoice_ids)))
            .order_by(InvoiceRevision.invoice, InvoiceRevision.revision).tuples())
    for invoice_id, changed_at, before, after, number, reason in rows:
        found.setdefault(int(invoice_id), []).append(
            Revision(as_datetime(changed_at), json.loads(before), json.loads(after), int(number), str(reason)))
    return found


def state_at(moment: datetime | None, now: State, revisions: Sequence[Revision], facts: dict[int, LineFacts]) -> State:
    """The invoice as it stood at a moment: before the first revision made after it, or as it is now.
    ``moment`` None: as first issued."""
    for revision in revisions:
        if moment is None or revision.changed_at > moment:
            return state_from_document(revision.before, facts)
    return now


def _credited(db: peewee.Database, invoice_ids: Sequence[int]) -> tuple[dict[int, dict[int, Line]],
                                                                          dict[int, list[int]]]:
    """Per invoice: credited amounts per line number, and the credit notes' totals (taxable, CGST, SGST,
    IGST, cess, round-off, total)."""
    per_line: dict[int, dict[int, Line]] = {}
    totals: dict[int, list[int]] = {}
    if not invoice_ids:
        return per_line, totals
    marks = ", ".join([db.param] * len(invoice_ids))
    sql = (
        "SELECT cn.invoice_id, il.line_no, il.product_id, il.hsn_code, il.gst_rate_bp, il.unit_factor_milli, "  # noqa: S608
        "p.base_unit, SUM(cl.quantity_milli), SUM(cl.taxable_paise), SUM(cl.cgst_paise), SUM(cl.sgst_paise), "
        "SUM(cl.igst_paise), SUM(cl.cess_paise), SUM(cl.total_paise) FROM credit_note_line cl "
        "JOIN credit_note cn ON cn.id = cl.credit_note_id JOIN invoice_line il ON il.id = cl.invoice_line_id "
        f"JOIN product p ON p.id = il.product_id WHERE cn.invoice_id IN ({marks}) AND cn.status = 'issued' "
        "GROUP BY cn.invoice_id, il.line_no, il.product_id, il.hsn_code, il.gst_rate_bp, il.unit_factor_milli, "
        "p.base_unit")
    for (invoice_id, line_no, product_id, hsn, rate, factor, base_unit, quantity, taxable, cgst, sgst, igst, cess,
         total) in db.execute_sql(sql, tuple(invoice_ids)):
        per_line.setdefault(int(invoice_id), {})[int(line_no)] = Line(
            int(line_no), int(product_id), str(hsn), int(rate), uqc(str(base_unit)),
            base_quantity_milli(int(quantity), int(factor)), int(taxable), int(cgst), int(sgst), int(igst),
            int(cess), int(total))
    sql = ("SELECT invoice_id, SUM(taxable_paise), SUM(cgst_paise), SUM(sgst_paise), SUM(igst_paise), "  # noqa: S608
           f"SUM(cess_paise), SUM(round_off_paise), SUM(total_paise) FROM credit_note WHERE invoice_id IN ({marks}) "
           "AND status = 'issued' GROUP BY invoice_id")
    for invoice_id, *sums in db.execute_sql(sql, tuple(invoice_ids)):
        totals[int(invoice_id)] = [int(value or 0) for value in sums]
    return per_line, totals


def _note_of(note: Any, zone: ZoneInfo, lines: Sequence[Line]) -> Note:
    return Note(local_day(as_datetime(note.issued_at), zone), int(note.issued_by_id), int(note.series_id),
                sequence_of(note.number), int(note.taxable_paise), int(note.cgst_paise), int(note.sgst_paise),
                int(note.igst_paise), int(note.cess_paise), int(note.round_off_paise), int(note.total_paise),
                tuple(lines))


def _note_lines(db: peewee.Database, note_ids: Sequence[int]) -> dict[int, list[Line]]:
    found: dict[int, list[Line]] = {note_id: [] for note_id in note_ids}
    if not note_ids:
        return found
    marks = ", ".join([db.param] * len(note_ids))
    sql = (
        "SELECT cl.credit_note_id, il.line_no, il.product_id, il.hsn_code, il.gst_rate_bp, cl.quantity_milli, "  # noqa: S608
        "il.unit_factor_milli, p.base_unit, cl.taxable_paise, cl.cgst_paise, cl.sgst_paise, cl.igst_paise, "
        "cl.cess_paise, cl.total_paise FROM credit_note_line cl JOIN invoice_line il ON il.id = cl.invoice_line_id "
        f"JOIN product p ON p.id = il.product_id WHERE cl.credit_note_id IN ({marks}) ORDER BY cl.credit_note_id, "
        "il.line_no")
    for row in db.execute_sql(sql, tuple(note_ids)):
        found[int(row[0])].append(_line_of(row)[1])
    return found


# --- open invoices (receivables, status) -------------------------------------------------------------------


# Money paid on an invoice (edge.domain.payments.amount_paid) as one SQL expression over its payment rows. The
# status and method tests stay inside the sum: as WHERE terms they would tempt a planner onto payment(status),
# a scan of every succeeded payment, instead of payment(invoice_id).
PAID_SUM = ("SUM(CASE WHEN p.status = 'succeeded' AND p.method <> 'credit' THEN CASE WHEN p.kind = 'refund' "
            "THEN -ABS(p.amount_paise) ELSE ABS(p.amount_paise) END ELSE 0 END)")
OPEN_SQL = (
    "SELECT i.id, i.customer_id, i.till_id, i.cashier_id, i.issued_at, i.due_date, i.total_paise, "  # noqa: S608
    f"COALESCE((SELECT {PAID_SUM} FROM payment p WHERE p.invoice_id = i.id), 0), "
    "COALESCE((SELECT SUM(CASE WHEN c.status = 'issued' THEN c.total_paise ELSE 0 END) FROM credit_note c "
    "WHERE c.invoice_id = i.id), 0) FROM invoice i WHERE i.status = 'issued'"
)


def _open_row(row: Sequence[Any], zone: ZoneInfo) -> tuple[Any, ...] | None:
    invoice_id, customer_id, till_id, cashier_id, issued_at, due_date, total, paid, credited = row
    total, paid, credited = int(total), int(paid), int(credited)
    if paid >= total and total - credited - paid == 0:
        return None
    return (int(invoice_id), int(customer_id or 0), int(till_id), int(cashier_id),
            local_day(as_datetime(issued_at), zone).isoformat(),
            as_date(due_date).isoformat() if due_date else None, total, paid, credited)


OPEN_COLUMNS = ("invoice_id", "customer_id", "till_id", "cashier_id", "issued_day", "due_date", "total_paise",
                "paid_paise", "credited_paise")


def refresh_open_invoice(db: peewee.Database, invoice_id: int, zone: ZoneInfo) -> None:
    """Bring one invoice's open-invoice row in line with its payments, credit notes and status."""
    ReportOpenInvoice.delete().where(ReportOpenInvoice.invoice_id == invoice_id).execute()
    row = db.execute_sql(f"{OPEN_SQL} AND i.id = {db.param}", (invoice_id,)).fetchone()
    values = _open_row(row, zone) if row else None
    if values is not None:
        _executemany(db, open_insert_sql(db), [values])


def open_insert_sql(db: peewee.Database) -> str:
    """INSERT of an open-invoice row."""
    columns = ", ".join(_quote(db, column) for column in OPEN_COLUMNS)
    marks = ", ".join([db.param] * len(OPEN_COLUMNS))
    return f"INSERT INTO {_quote(db, str(ReportOpenInvoice._meta.table_name))} ({columns}) VALUES ({marks})"  # noqa: S608


# --- the event functions (one line in each writing service) ------------------------------------------------


def invoice_issued(ctx: ServiceContext, invoice: Invoice, lines: Sequence[Any] | None = None,
                   payments: Sequence[Payment] | None = None) -> None:
    """An invoice just issued, with the payments taken at checkout. Call inside the checkout transaction;
    pass the lines and payments it already holds and nothing is read back."""
    zone = _zone(ctx)
    types = _customer_types([invoice.customer_id or 0]) if invoice.customer_type_id is None else {}
    facts = facts_of(invoice, zone, types)
    if lines is None:
        current = [line for _, line in invoice_lines(ctx.db, [invoice.id])[invoice.id]]
    else:
        units = _uqc_of(ctx, {int(line.product_id) for line in lines})
        current = [Line(int(line.line_no), int(line.product_id), str(line.hsn_code), int(line.gst_rate_bp),
                        units[int(line.product_id)],
                        base_quantity_milli(int(line.quantity_milli), int(line.unit_factor_milli)),
                        int(line.taxable_paise), int(line.cgst_paise), int(line.sgst_paise), int(line.igst_paise),
                        int(line.cess_paise), int(line.total_paise)) for line in lines]
    taken = list(payments) if payments is not None else list(
        Payment.select().where((Payment.invoice == invoice.id) & (Payment.status == "succeeded")))
    postings = Postings()
    if invoice.status != "draft":
        post_issue(postings, facts, current_state(invoice, current))
    post_document(postings, facts, invoice.status, int(invoice.total_paise))
    for payment in taken:
        if payment.status == "succeeded":
            _post_payment_row(postings, payment, invoice, zone, 1)
    write(ctx.db, postings)
    if invoice.status != "issued":
        return
    if payments is None:
        refresh_open_invoice(ctx.db, invoice.id, zone)
        return
    paid = sum(_money_paid(payment) for payment in taken)
    if paid < int(invoice.total_paise):  # a new invoice has no credit note: open while money is due
        _executemany(ctx.db, open_insert_sql(ctx.db), [(
            int(invoice.id), facts.customer_id, facts.till_id, facts.cashier_id, facts.day.isoformat(),
            as_date(invoice.due_date).isoformat() if invoice.due_date else None, int(invoice.total_paise), paid, 0)])


def _money_paid(payment: Payment) -> int:
    """What a payment row adds to the money paid on its invoice (edge.domain.payments.amount_paid)."""
    if payment.status != "succeeded" or payment.method == "credit":
        return 0
    return -abs(int(payment.amount_paise)) if payment.kind == "refund" else abs(int(payment.amount_paise))


def _uqc_of(ctx: ServiceContext, product_ids: set[int]) -> dict[int, str]:
    """UQC of products by their base unit, remembered for the daemon's life (a base unit never changes once
    the product has been sold)."""
    known: dict[int, str] = ctx.cached("report_summaries:uqc", float("inf"), dict)
    missing = sorted(product_ids - known.keys())
    if missing:
        marks = ", ".join([ctx.db.param] * len(missing))
        for product_id, base_unit in ctx.db.execute_sql(
                f"SELECT id, base_unit FROM product WHERE id IN ({marks})", tuple(missing)):  # noqa: S608
            known[int(product_id)] = uqc(str(base_unit))
    return known


def _post_payment_row(postings: Postings, payment: Payment, invoice: Invoice | None, zone: ZoneInfo,
                      sign: int) -> None:
    till_id = int(invoice.till_id) if invoice is not None else 0
    cashier_id = int(payment.received_by_id or (invoice.cashier_id if invoice is not None else 0) or 0)
    post_payment(postings, local_day(as_datetime(payment.created_at), zone), till_id, cashier_id, payment.method,
                 payment.kind, int(payment.amount_paise), sign)


def payment_recorded(ctx: ServiceContext, payment: Payment, invoice: Invoice | None = None) -> None:
    """A payment or refund just stored (succeeded ones count). Call inside its transaction."""
    zone = _zone(ctx)
    if invoice is None and payment.invoice_id:
        invoice = Invoice.get_by_id(payment.invoice_id)
    if payment.status == "succeeded":
        postings = Postings()
        _post_payment_row(postings, payment, invoice, zone, 1)
        write(ctx.db, postings)
    if invoice is not None:
        refresh_open_invoice(ctx.db, invoice.id, zone)


def payment_status_changed(ctx: ServiceContext, payment: Payment, old_status: str) -> None:
    """A gateway moved a payment from ``old_status`` to its current status: counted once it succeeds, taken
    out if a succeeded one is reversed. Call inside the transaction that changed it."""
    zone = _zone(ctx)
    invoice = Invoice.get_by_id(payment.invoice_id) if payment.invoice_id else None
    was, now = old_status == "succeeded", payment.status == "succeeded"
    if was != now:
        postings = Postings()
        _post_payment_row(postings, payment, invoice, zone, 1 if now else -1)
        write(ctx.db, postings)
    if invoice is not None:
        refresh_open_invoice(ctx.db, invoice.id, zone)


def _invoice_now(ctx: ServiceContext, invoice_id: int, zone: ZoneInfo) -> tuple[Invoice, Facts, State]:
    """An invoice as stored, its facts and its current state (what a later event posts against)."""
    row = Invoice.get_by_id(invoice_id)
    facts = facts_of(row, zone, _customer_types([row.customer_id or 0]))
    return row, facts, current_state(row, [line for _, line in invoice_lines(ctx.db, [row.id])[row.id]])


def credit_note_issued(ctx: ServiceContext, note: CreditNote) -> None:
    """A credit note just issued (and its refund, if any, already recorded). Call inside its transaction."""
    zone = _zone(ctx)
    invoice, facts, state = _invoice_now(ctx, note.invoice_id, zone)
    record = _note_of(note, zone, _note_lines(ctx.db, [note.id])[note.id])
    postings = Postings()
    post_credit_note(postings, facts, state, record)
    post_credit_note_document(postings, facts, record)
    write(ctx.db, postings)
    refresh_open_invoice(ctx.db, invoice.id, zone)


def invoice_cancelled(ctx: ServiceContext, invoice: Invoice) -> None:
    """An invoice just cancelled (any object with its id). Call inside the cancelling transaction."""
    zone = _zone(ctx)
    row, facts, state = _invoice_now(ctx, invoice.id, zone)
    credited, totals = _credited(ctx.db, [row.id])
    postings = Postings()
    post_cancellation(postings, facts, state, credited.get(row.id, {}), totals.get(row.id, [0] * 7),
                      local_day(as_datetime(row.cancelled_at), zone))
    post_document(postings, facts, "issued", state.total_paise, -1, numbered=False)
    post_document(postings, facts, "cancelled", state.total_paise)
    write(ctx.db, postings)
    refresh_open_invoice(ctx.db, row.id, zone)


def invoice_revised(ctx: ServiceContext, invoice: Invoice, revision: Any) -> None:
    """A buyer-detail revision just stored (the InvoiceRevision row). Call inside its transaction."""
    zone = _zone(ctx)
    row = Invoice.get_by_id(invoice.id)
    facts = facts_of(row, zone, _customer_types([row.customer_id or 0]))
    line_facts = {line.line_no: fact for fact, line in invoice_lines(ctx.db, [row.id])[row.id]}
    before = state_from_document(json.loads(revision.before), line_facts)
    after = state_from_document(json.loads(revision.after), line_facts)
    postings = Postings()
    post_revision(postings, facts, before, after, local_day(as_datetime(revision.changed_at), zone))
    if row.status == "issued":  # the same document, its value changed
        change = after.total_paise - before.total_paise
        postings.add(DOCUMENT, facts.day, _document_dims(facts), [0, change, 0, 0, 0, 0], [None, None])
    write(ctx.db, postings)
    refresh_open_invoice(ctx.db, row.id, zone)


# --- rebuild -----------------------------------------------------------------------------------------------


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)


def _event_span(db: peewee.Database) -> tuple[datetime, datetime] | None:
    sql = ("SELECT MIN(t), MAX(t) FROM (SELECT MIN(issued_at) AS t FROM invoice UNION ALL SELECT MAX(issued_at) "
           "FROM invoice UNION ALL SELECT MAX(cancelled_at) FROM invoice UNION ALL SELECT MIN(issued_at) FROM "
           "credit_note UNION ALL SELECT MAX(issued_at) FROM credit_note UNION ALL SELECT MIN(created_at) FROM "
           "payment UNION ALL SELECT MAX(created_at) FROM payment UNION ALL SELECT MAX(changed_at) FROM "
           "invoice_revision) span")
    low, high = db.execute_sql(sql).fetchone()
    if low is None:
        return None
    return as_datetime(low), as_datetime(high)


INVOICE_COLUMNS = ("id", "number", "issued_at", "till_id", "cashier_id", "customer_id", "seller_registration_id",
                   "series_id", "status", "revision", "buyer_name", "buyer_gstin", "supply_type",
                   "place_of_supply_state_code",
                   "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise", "round_off_paise",
                   "total_paise", "cancelled_at", "customer_type_id")


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice read by the rebuild (the columns the postings need)."""

    id: int
    number: str
    issued_at: Any
    till_id: int
    cashier_id: int
    customer_id: int | None
    seller_registration_id: int
    series_id: int
    status: str
    revision: int
    buyer_name: str
    buyer_gstin: str | None
    supply_type: str
    place_of_supply_state_code: str
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    round_off_paise: int
    total_paise: int
    cancelled_at: Any
    customer_type_id: int | None


def _invoices(db: peewee.Database, where: str, params: Sequence[Any]) -> list[InvoiceRow]:
    sql = f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoice {where} ORDER BY id"  # noqa: S608
    return [InvoiceRow(*row) for row in db.execute_sql(sql, tuple(params))]


def _lines_by_invoice(db: peewee.Database, where: str, params: Sequence[Any]) -> dict[int, list[tuple[LineFacts,
                                                                                                          Line]]]:
    found: dict[int, list[tuple[LineFacts, Line]]] = {}
    for row in _line_rows(db, where, params):
        found.setdefault(int(row[0]), []).append(_line_of(row))
    return found


def _postings_for_month(db: peewee.Database, zone: ZoneInfo, first: date) -> Postings:
    """Every posting whose day falls in one store-local month, from the source tables."""
    start, end = _local_midnight_utc(first, zone), _local_midnight_utc(next_month(first), zone)
    p = db.param
    postings = Postings()
    # Invoices issued this month: the sale as first issued; the document as it stands now.
    issued = _invoices(db, f"WHERE issued_at >= {p} AND issued_at < {p}", (start, end))
    types = _customer_types(row.customer_id or 0 for row in issued)
    lines = _lines_by_invoice(db, f"JOIN invoice i ON i.id = il.invoice_id WHERE i.issued_at >= {p} "
                                  f"AND i.issued_at < {p}", (start, end))
    for row in issued:
        facts = facts_of(row, zone, types)
        pairs = lines.get(row.id, [])
        now = current_state(row, [line for _, line in pairs])
        if row.status != "draft":
            first_state = now
            if row.revision:
                line_facts = {line.line_no: fact for fact, line in pairs}
                first_state = state_at(None, now, revision_documents([row.id]).get(row.id, []), line_facts)
            post_issue(postings, facts, first_state)
        post_document(postings, facts, row.status, row.total_paise)
    # Credit notes issued this month, classified as their invoice stood then.
    notes = list(CreditNote.select().where((CreditNote.issued_at >= start) & (CreditNote.issued_at < end)
                                           & (CreditNote.status == "issued")).order_by(CreditNote.id))
    if notes:
        invoice_ids = sorted({note.invoice_id for note in notes})
        marks = ", ".join([p] * len(invoice_ids))
        invoices = {row.id: row for row in _invoices(db, f"WHERE id IN ({marks})", invoice_ids)}
        types = _customer_types(row.customer_id or 0 for row in invoices.values())
        inv_lines = invoice_lines(db, invoice_ids)
        note_lines = _note_lines(db, [note.id for note in notes])
        for note in notes:
            row = invoices[note.invoice_id]
            pairs = inv_lines[row.id]
            now = current_state(row, [line for _, line in pairs])
            state = state_at(as_datetime(note.issued_at), now, revision_documents([row.id]).get(row.id, []),
                             {line.line_no: fact for fact, line in pairs}) if row.revision else now
            facts = facts_of(row, zone, types)
            record = _note_of(note, zone, note_lines[note.id])
            post_credit_note(postings, facts, state, record)
            post_credit_note_document(postings, facts, record)
    # Cancellations this month.
    cancelled = _invoices(db, f"WHERE status = 'cancelled' AND cancelled_at >= {p} AND cancelled_at < {p}",
                          (start, end))
    if cancelled:
        ids = [row.id for row in cancelled]
        types = _customer_types(row.customer_id or 0 for row in cancelled)
        inv_lines = invoice_lines(db, ids)
        credited, totals = _credited(db, ids)
        for row in cancelled:
            facts = facts_of(row, zone, types)
            state = current_state(row, [line for _, line in inv_lines[row.id]])
            post_cancellation(postings, facts, state, credited.get(row.id, {}), totals.get(row.id, [0] * 7),
                              local_day(as_datetime(row.cancelled_at), zone))
    # Revisions made this month.
    from edge.store.models import InvoiceRevision

    revisions = list(InvoiceRevision.select().where((InvoiceRevision.changed_at >= start)
                                                    & (InvoiceRevision.changed_at < end))
                     .order_by(InvoiceRevision.id))
    if revisions:
        ids = sorted({revision.invoice_id for revision in revisions})
        marks = ", ".join([p] * len(ids))
        invoices = {row.id: row for row in _invoices(db, f"WHERE id IN ({marks})", ids)}
        types = _customer_types(row.customer_id or 0 for row in invoices.values())
        inv_lines = invoice_lines(db, ids)
        for revision in revisions:
            row = invoices[revision.invoice_id]
            line_facts = {line.line_no: fact for fact, line in inv_lines[row.id]}
            post_revision(postings, facts_of(row, zone, types), state_from_document(json.loads(revision.before),
                                                                                    line_facts),
                          state_from_document(json.loads(revision.after), line_facts),
                          local_day(as_datetime(revision.changed_at), zone))
    # Payments taken this month that succeeded.
    sql = ("SELECT p.created_at, COALESCE(i.till_id, 0), COALESCE(p.received_by_id, i.cashier_id, 0), p.method, "  # noqa: S608
           "p.kind, p.amount_paise FROM payment p LEFT JOIN invoice i ON i.id = p.invoice_id "
           f"WHERE p.created_at >= {p} AND p.created_at < {p} AND p.status = 'succeeded'")
    for created_at, till_id, cashier_id, method, kind, amount in db.execute_sql(sql, (start, end)):
        post_payment(postings, local_day(as_datetime(created_at), zone), int(till_id), int(cashier_id), method, kind,
                     int(amount))
    return postings


def rebuild(db: peewee.Database, timezone: str | None = None,
            progress: Callable[[date], None] | None = None) -> dict[str, int]:
    """Recompute every summary from the source tables (run inside one write transaction by the caller).
    Returns the rows written per table."""
    zone = ZoneInfo(timezone or (Store.get().timezone if Store.select().exists() else "Asia/Kolkata"))
    for model in REPORT_MODELS:
        model.delete().execute()
    written = {table.name: 0 for table in TABLES}
    span = _event_span(db)
    if span is not None:
        first, last = local_day(span[0], zone), local_day(span[1], zone)
        month = month_start(first)
        while month <= last:
            if progress is not None:
                progress(month)
            postings = _postings_for_month(db, zone, month)
            for table in TABLES:
                rows = expand(table, postings.rows[table])
                _executemany(db, insert_sql(db, table), rows)
                written[table.name] += len(rows)
            month = next_month(month)
    open_rows = [values for row in db.execute_sql(OPEN_SQL) if (values := _open_row(row, zone)) is not None]
    _executemany(db, open_insert_sql(db), open_rows)
    written[str(ReportOpenInvoice._meta.table_name)] = len(open_rows)
    return written


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return int(value)
    return value


def summary_rows(db: peewee.Database) -> dict[str, set[tuple[Any, ...]]]:
    """Every non-empty summary row as plain values (to compare the kept summaries with a rebuild)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    for table in TABLES:
        columns = ", ".join(_quote(db, column) for column in table.columns)
        width, start = len(table.sums), 2 + len(table.dims)
        rows = set()
        for row in db.execute_sql(f"SELECT {columns} FROM {_quote(db, table.name)}"):  # noqa: S608
            values = row[start:]
            if any(values[:width]) or any(value is not None for value in values[width:]):
                rows.add(tuple(_plain(part) for part in row))
        found[table.name] = rows
    columns = ", ".join(_quote(db, column) for column in OPEN_COLUMNS)
    table_name = str(ReportOpenInvoice._meta.table_name)
    found[table_name] = {tuple(_plain(part) for part in row)
                         for row in db.execute_sql(f"SELECT {columns} FROM {_quote(db, table_name)}")}  # noqa: S608
    return found
