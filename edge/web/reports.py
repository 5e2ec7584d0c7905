"""Reports over REST (admin and manager): the dashboard and each of its figures, the invoice register, the
GSTR-1 return and its sections, customer statements — JSON (money in paise), or CSV with ``?format=csv``
(money in rupees, formula-looking text escaped). Definitions: docs/reports.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from edge.services import customers, gst_reports, reports
from edge.services.errors import InvalidInput
from edge.services.report_csv import Column, lines, money, to_csv
from edge.web.api import Param, api

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports")
READERS = ("admin", "manager")
CSV = ("text/csv",)
DAY = {"type": "string", "format": "date", "description": "YYYY-MM-DD, store time zone"}
TEXT = {"type": "string"}
FORMAT = Param("format", {"type": "string", "enum": ["json", "csv"]},
               "csv: the rows as a spreadsheet file (money in rupees); default json (money in paise)")
PERIOD = (Param("from", DAY, "first day; default the first of the month of 'to'"),
          Param("to", DAY, "last day, inclusive; default today"))
FILTERS = (*PERIOD, Param("till", TEXT, "one till's sales (till code)"),
           Param("cashier", TEXT, "one cashier's sales (user name)"), FORMAT)
LIMIT = Param("limit", {"type": "integer", "minimum": 1}, "at most this many rows")
GSTIN = Param("gstin", TEXT, "one seller GSTIN (default: every GSTIN in force in the period)")
ROWS = {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "object"}}}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


def _args() -> dict[str, str]:
    return request.args.to_dict()


def _wants_csv() -> bool:
    wanted = (request.args.get("format") or "json").strip().lower()
    if wanted not in ("json", "csv"):
        raise InvalidInput("format must be json or csv", "format")
    return wanted == "csv"


def _filename(name: str, document: dict[str, Any]) -> str:
    span = "-".join(str(document[key]) for key in ("from", "to") if document.get(key)) or str(
        document.get("as_of") or "")
    return f"{name}-{span}.csv" if span else f"{name}.csv"


def _csv(name: str, document: dict[str, Any], columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Response:
    return Response(to_csv(columns, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(name, document)}"'})


def _answer(name: str, document: dict[str, Any], columns: Sequence[Column], key: str = "rows") -> Any:
    if _wants_csv():
        return _csv(name, document, columns, document[key])
    return jsonify(document)


# --- CSV columns -------------------------------------------------------------------------------------------

SALES_COLUMNS = (
    Column("Invoices", "invoices", "int"), Column("Cancelled invoices", "cancelled_invoices", "int"),
    Column("Net invoices", "net_invoices", "int"), Column("Credit notes", "credit_notes", "int"),
    money("Gross sales (taxable)", "gross_sales_paise"), money("Returns (taxable)", "returns_paise"),
    money("Cancelled (taxable)", "cancelled_paise"), money("Net sales (taxable)", "net_sales_paise"),
    money("CGST", "cgst_paise"), money("SGST", "sgst_paise"), money("IGST", "igst_paise"), money("Cess", "cess_paise"),
    money("Round-off", "round_off_paise"), money("Net billed (with GST)", "net_billed_paise"),
    money("Average bill", "average_bill_paise"),
)
TREND_COLUMNS = (Column("Period", "period"), Column("Invoices", "invoices", "int"),
                 Column("Credit notes", "credit_notes", "int"), money("Net sales (taxable)", "net_sales_paise"),
                 money("GST", "tax_paise"), money("Net billed (with GST)", "net_billed_paise"))
CUSTOMER_COLUMNS = (Column("Customer code", "code"), Column("Customer", "name"), Column("Invoices", "invoices", "int"),
                    Column("Credit notes", "credit_notes", "int"), money("Net sales (taxable)", "net_sales_paise"),
                    money("Net billed (with GST)", "net_billed_paise"))
TYPE_COLUMNS = (Column("Customer type", "type"), Column("Name", "name"), Column("Invoices", "invoices", "int"),
                Column("Credit notes", "credit_notes", "int"), money("Net sales (taxable)", "net_sales_paise"),
                money("Net billed (with GST)", "net_billed_paise"))
PRODUCT_COLUMNS = (Column("Rank", "rank", "int"), Column("SKU", "sku"), Column("Product", "name"),
                   Column("Category", "category"), Column("Unit", "unit"),
                   Column("Net quantity", "quantity_milli", "milli"), Column("Sold", "sold_milli", "milli"),
                   Column("Returned or cancelled", "returned_milli", "milli"),
                   money("Net sales (taxable)", "net_sales_paise"), money("GST", "tax_paise"),
                   money("Net billed (with GST)", "net_billed_paise"))
CATEGORY_COLUMNS = (Column("Category", "category"), Column("Products sold", "products", "int"),
                    Column("Invoice lines", "lines", "int"), money("Net sales (taxable)", "net_sales_paise"),
                    money("GST", "tax_paise"), money("Net billed (with GST)", "net_billed_paise"))
PAYMENT_COLUMNS = (Column("Method", "method"), Column("Money", "money"), Column("Payments", "payments", "int"),
                   money("Paid", "paid_paise"), Column("Refunds", "refunds", "int"),
                   money("Refunded", "refunded_paise"), money("Net", "net_paise"))
STATUS_COLUMNS = (Column("Status", "status"), Column("Invoices", "invoices", "int"), money("Value", "value_paise"),
                  money("Still due", "due_paise"))
RECEIVABLE_COLUMNS = (Column("Invoice", "number"), Column("Issued on", "issued_on"), Column("Due date", "due_date"),
                      Column("Customer code", "customer_code"), Column("Customer", "customer"),
                      money("Invoice total", "total_paise"), money("Paid", "paid_paise"),
                      money("Credit notes", "credited_paise"), money("Balance", "balance_paise"),
                      Column("Days past due", "days_past_due", "int"), Column("Bucket", "bucket"))
REGISTER_COLUMNS = (
    Column("Invoice", "number"), Column("Date", "date"), Column("Time", "time"), Column("Till", "till"),
    Column("Cashier", "cashier"), Column("Customer code", "customer_code"), Column("Buyer", "buyer_name"),
    Column("Buyer GSTIN", "buyer_gstin"), Column("Place of supply", "place_of_supply"), Column("Supply", "supply"),
    money("Taxable value", "taxable_paise"), money("CGST", "cgst_paise"), money("SGST", "sgst_paise"),
    money("IGST", "igst_paise"), money("Cess", "cess_paise"), money("Round-off", "round_off_paise"),
    money("Invoice total", "total_paise"), money("Paid", "paid_paise"), money("Credit notes", "credited_paise"),
    money("Balance", "balance_paise"), Column("Status", "status"), Column("Due date", "due_date"),
    Column("Revision", "revision", "int"), Column("Cancel reason", "cancel_reason"),
)
STATEMENT_COLUMNS = (Column("Date", "date"), Column("Kind", "kind"), Column("Reference", "reference"),
                     Column("Note", "note"), money("Debit", "debit_paise"), money("Credit", "credit_paise"),
                     money("Balance", "balance_paise"))
TAXES = (money("Taxable value", "taxable_paise"), money("IGST", "igst_paise"), money("CGST", "cgst_paise"),
         money("SGST", "sgst_paise"), money("Cess", "cess_paise"))
RATE = Column("Rate %", "rate_bp", "bp")
GST_COLUMNS: dict[str, tuple[Column, ...]] = {
    "b2b": (Column("GSTIN", "gstin"), Column("GSTIN of recipient", "buyer_gstin"),
            Column("Receiver name", "buyer_name"), Column("Invoice number", "invoice_number"),
            Column("Invoice date", "invoice_date"), money("Invoice value", "invoice_value_paise"),
            Column("Place of supply", "place_of_supply"), Column("Reverse charge", "reverse_charge"),
            Column("Invoice type", "invoice_type"), RATE, *TAXES),
    "b2cl": (Column("GSTIN", "gstin"), Column("Invoice number", "invoice_number"),
             Column("Invoice date", "invoice_date"), money("Invoice value", "invoice_value_paise"),
             Column("Place of supply", "place_of_supply"), RATE, money("Taxable value", "taxable_paise"),
             money("IGST", "igst_paise"), money("Cess", "cess_paise")),
    "b2cs": (Column("GSTIN", "gstin"), Column("Type", "type"), Column("Place of supply", "place_of_supply"), RATE,
             *TAXES),
    "cdnr": (Column("GSTIN", "gstin"), Column("GSTIN of recipient", "buyer_gstin"),
             Column("Receiver name", "buyer_name"), Column("Note number", "note_number"),
             Column("Note date", "note_date"), Column("Note type", "note_type"),
             Column("Place of supply", "place_of_supply"), Column("Reverse charge", "reverse_charge"),
             Column("Note supply type", "note_supply_type"), money("Note value", "note_value_paise"), RATE, *TAXES,
             Column("Invoice number", "invoice_number"), Column("Invoice date", "invoice_date")),
    "cdnur": (Column("GSTIN", "gstin"), Column("UR type", "ur_type"), Column("Note number", "note_number"),
              Column("Note date", "note_date"), Column("Note type", "note_type"),
              Column("Place of supply", "place_of_supply"), money("Note value", "note_value_paise"), RATE,
              money("Taxable value", "taxable_paise"), money("IGST", "igst_paise"), money("Cess", "cess_paise"),
              Column("Invoice number", "invoice_number"), Column("Invoice date", "invoice_date")),
    "nil": (Column("GSTIN", "gstin"), Column("Description", "description"),
            money("Nil rated supplies", "nil_rated_paise"), money("Exempted", "exempted_paise"),
            money("Non-GST supplies", "non_gst_paise")),
    "hsn": (Column("GSTIN", "gstin"), Column("Part", "part"), Column("HSN", "hsn_code"),
            Column("Description", "description"), Column("UQC", "uqc"),
            Column("Total quantity", "quantity_milli", "milli"), money("Total value", "value_paise"), RATE, *TAXES),
    "rates": (Column("GSTIN", "gstin"), RATE, money("Taxable value", "taxable_paise"), money("CGST", "cgst_paise"),
              money("SGST", "sgst_paise"), money("IGST", "igst_paise"), money("Cess", "cess_paise"),
              money("Total tax", "tax_paise"), money("Value with tax", "value_paise")),
    "documents": (Column("GSTIN", "gstin"), Column("Nature of document", "nature"), Column("Series", "series"),
                  Column("Sr. No. From", "from_number"), Column("Sr. No. To", "to_number"),
                  Column("Total number", "total", "int"), Column("Cancelled", "cancelled", "int"),
                  Column("Net issued", "net_issued", "int")),
    "amendments": (Column("GSTIN", "gstin"), Column("Kind", "kind"), Column("Invoice number", "invoice_number"),
                   Column("Invoice date", "invoice_date"), Column("Changed on", "changed_on"),
                   Column("Reason", "reason"), Column("Section before", "section_before"),
                   Column("Section after", "section_after"), Column("Buyer GSTIN before", "buyer_gstin_before"),
                   Column("Buyer GSTIN after", "buyer_gstin_after"),
                   Column("Place of supply before", "place_of_supply_before"),
                   Column("Place of supply after", "place_of_supply_after"),
                   money("CGST difference", "cgst_difference_paise"), money("SGST difference", "sgst_difference_paise"),
                   money("IGST difference", "igst_difference_paise"), money("Cess difference", "cess_difference_paise"),
                   money("Total before", "total_before_paise"), money("Total after", "total_after_paise")),
}
GST_TOTAL_COLUMNS = (Column("GSTIN", "gstin"), Column("Figure", "figure"), money("Taxable value", "taxable_paise"),
                     money("CGST", "cgst_paise"), money("SGST", "sgst_paise"), money("IGST", "igst_paise"),
                     money("Cess", "cess_paise"), money("Total tax", "tax_paise"))


# --- routes ------------------------------------------------------------------------------------------------


@api(bp, "/dashboard", "GET", roles=READERS, also=CSV, query=(*FILTERS, LIMIT),
     summary="Every dashboard figure: revenue today, this month and the period, trend, invoices by status, "
             "receivables, best sellers, categories, customer types, customers, payment methods")
def dashboard() -> Any:
    """CSV: the revenue figures of today, this month and the period, one row each."""
    ctx = _ctx()
    flt = reports.parse_filters(ctx, _args())
    document = reports.dashboard(ctx, flt, reports.parse_limit(_args(), reports.DEFAULT_TOP) or reports.DEFAULT_TOP)
    if _wants_csv():
        rows = [{"figure": name, **document["revenue"][name]} for name in ("today", "month", "period")]
        return _csv("dashboard", document, (Column("Figure", "figure"), *SALES_COLUMNS), rows)
    return jsonify(document)


@api(bp, "/revenue", "GET", roles=READERS, also=CSV, query=FILTERS,
     summary="Revenue of a period: net sales (taxable value) after returns and cancellations, GST, billed value")
def revenue() -> Any:
    """One row of totals."""
    document = reports.revenue(_ctx(), reports.parse_filters(_ctx(), _args()))
    return _answer("revenue", {**document, "rows": [document]}, SALES_COLUMNS)


@api(bp, "/trend", "GET", roles=READERS, also=CSV, response=ROWS,
     query=(*FILTERS, Param("by", {"type": "string", "enum": ["month", "day"]}, "month (default) or day")),
     summary="Revenue month by month (or day by day) over the period")
def trend() -> Any:
    """Every month or day listed, with or without sales."""
    document = reports.trend(_ctx(), reports.parse_filters(_ctx(), _args()), request.args.get("by") or "month")
    return _answer("trend", document, TREND_COLUMNS)


@api(bp, "/invoice-status", "GET", roles=READERS, also=CSV, query=FILTERS, response=ROWS,
     summary="Invoices issued in the period by the status they show today: count, value, still due")
def invoice_status() -> Any:
    """Draft, issued, partially paid, paid, overdue, cancelled."""
    return _answer("invoice-status", reports.invoice_status(_ctx(), reports.parse_filters(_ctx(), _args())),
                   STATUS_COLUMNS)


@api(bp, "/receivables", "GET", roles=READERS, also=CSV, response=ROWS,
     query=(Param("till", TEXT, "one till's invoices"), Param("cashier", TEXT, "one cashier's invoices"), FORMAT),
     summary="What is owed today by how long past due (not due, 0-30, 31-60, 61-90, over 90 days)")
def receivables() -> Any:
    """Per invoice (CSV), per customer and per bucket."""
    args = {key: value for key, value in _args().items() if key in ("till", "cashier")}
    document = reports.receivables(_ctx(), reports.parse_filters(_ctx(), args))
    return _answer("receivables", document, RECEIVABLE_COLUMNS)


@api(bp, "/customers", "GET", roles=READERS, also=CSV, query=(*FILTERS, LIMIT), response=ROWS,
     summary="Revenue by customer (walk-in sales together), biggest first")
def by_customer() -> Any:
    """Net sales and billed value per customer."""
    document = reports.by_customer(_ctx(), reports.parse_filters(_ctx(), _args()), reports.parse_limit(_args(), None))
    return _answer("customers", document, CUSTOMER_COLUMNS)


@api(bp, "/customer-types", "GET", roles=READERS, also=CSV, query=FILTERS, response=ROWS,
     summary="Revenue by customer type")
def by_customer_type() -> Any:
    """Retail, wholesale, B2B, staff, walk-in."""
    return _answer("customer-types", reports.by_customer_type(_ctx(), reports.parse_filters(_ctx(), _args())),
                   TYPE_COLUMNS)


@api(bp, "/products", "GET", roles=READERS, also=CSV, response=ROWS,
     query=(*FILTERS, LIMIT, Param("by", {"type": "string", "enum": ["revenue", "quantity"]}, "revenue (default)")),
     summary="Best-selling products by net sales or net quantity")
def best_sellers() -> Any:
    """Net of credit notes and cancellations."""
    args = _args()
    document = reports.best_sellers(_ctx(), reports.parse_filters(_ctx(), args), reports.parse_limit(args, 20),
                                    args.get("by") or "revenue")
    return _answer("best-sellers", document, PRODUCT_COLUMNS)


@api(bp, "/categories", "GET", roles=READERS, also=CSV, query=FILTERS, response=ROWS,
     summary="Net sales by product category")
def by_category() -> Any:
    """A product's category today."""
    return _answer("categories", reports.by_category(_ctx(), reports.parse_filters(_ctx(), _args())),
                   CATEGORY_COLUMNS)


@api(bp, "/payments", "GET", roles=READERS, also=CSV, query=FILTERS, response=ROWS,
     summary="Payments and refunds by method (credit: put on account)")
def by_payment_method() -> Any:
    """Money received net of refunds."""
    return _answer("payments", reports.by_payment_method(_ctx(), reports.parse_filters(_ctx(), _args())),
                   PAYMENT_COLUMNS)


@api(bp, "/invoice-register", "GET", roles=READERS, also=CSV, response=ROWS,
     query=(*FILTERS, Param("customer", TEXT, "one customer's invoices (customer ID or code)"),
            Param("status", {"type": "string", "enum": list(reports.STATUSES)}, "only invoices showing this status"),
            Param("order", {"type": "string", "enum": list(reports.REGISTER_ORDERS)},
                  "issued (default: issue order) or newest first (JSON only)"),
            Param("page", {"type": "integer", "minimum": 1}, "page (JSON only)"),
            Param("per_page", {"type": "integer", "minimum": 1, "maximum": reports.MAX_PAGE}, "rows a page (100)")),
     summary="Invoice register: every invoice of the period with taxes, paid, due and status (CSV: all of them)")
def invoice_register() -> Any:
    """JSON a page at a time; CSV streams the whole period."""
    ctx = _ctx()
    args = _args()
    flt = reports.parse_filters(ctx, args)
    customer, status = reports.parse_customer(args), reports.parse_status(args)
    if _wants_csv():
        body = stream_with_context(lines(REGISTER_COLUMNS, reports.register_rows(ctx, flt, customer=customer,
                                                                               status=status)))
        code = "".join(ch for ch in customer.code if ch.isalnum() or ch in "-_") if customer else ""
        name = f"invoice-register-{code}" if code else "invoice-register"
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{_filename(name, flt.document())}"'})
    page = reports.parse_limit(args, 1, "page") or 1
    per_page = reports.parse_limit(args, 100, "per_page") or 100
    return jsonify(reports.invoice_register(ctx, flt, page, per_page, customer, args.get("order") or "issued",
                                            status))


@api(bp, "/gst", "GET", roles=READERS, also=CSV, query=(*PERIOD, GSTIN, FORMAT),
     summary="GSTR-1 figures of a period per seller GSTIN: B2B, B2CL, B2CS, CDNR, CDNUR, nil, HSN, rates, "
             "documents, amendments and tax totals (CSV: the totals)")
def gst_return() -> Any:
    """Each section also has its own route with its own CSV."""
    ctx = _ctx()
    flt = reports.parse_filters(ctx, {key: value for key, value in _args().items() if key in ("from", "to")})
    document = gst_reports.gst_return(ctx, flt, request.args.get("gstin"))
    if _wants_csv():
        rows = [{"gstin": block["gstin"], "figure": figure, **block["totals"][figure]}
                for block in document["registrations"] for figure in block["totals"]]
        return _csv("gst-totals", document, GST_TOTAL_COLUMNS, rows)
    return jsonify(document)


@api(bp, "/gst/<section>", "GET", roles=READERS, also=CSV, query=(*PERIOD, GSTIN, FORMAT), response=ROWS,
     summary="One GSTR-1 section: b2b, b2cl, b2cs, cdnr, cdnur, nil, hsn, rates, documents or amendments")
def gst_section(section: str) -> Any:
    """Rows in the order and with the columns of the GST offline tool's CSV."""
    ctx = _ctx()
    flt = reports.parse_filters(ctx, {key: value for key, value in _args().items() if key in ("from", "to")})
    document = gst_reports.gst_section_rows(ctx, flt, section, request.args.get("gstin"))
    return _answer(f"gstr1-{section}", document, GST_COLUMNS[section])


@api(bp, "/customers/<customer_id>/statement", "GET", roles=READERS, also=CSV, query=(*PERIOD, FORMAT),
     summary="A customer's statement: opening balance, entries with running balance, closing balance")
def statement(customer_id: str) -> Any:
    """The same statement as /customers/{id}/statement, also as CSV with opening and closing rows."""
    document = customers.statement(_ctx(), customer_id, request.args.get("from"), request.args.get("to"))
    if _wants_csv():
        rows = [{"date": document["from"], "kind": "opening balance", "balance_paise": document["opening_paise"]},
                *document["lines"],
                {"date": document["to"], "kind": "closing balance", "debit_paise": document["debits_paise"],
                 "credit_paise": document["credits_paise"], "balance_paise": document["closing_paise"]}]
        code = document["customer"]["code"]
        return _csv(f"statement-{code}", document, STATEMENT_COLUMNS, rows)
    return jsonify(document)

