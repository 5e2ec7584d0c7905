"""Receipts: the Indian tax invoice as ESC/POS bytes for the till's printer and as printable A4 HTML, queued
for the printer (the devices layer prints each job once) and for e-mail (a worker sends it over SMTP).

Everything printed comes from the invoice document (edge.services.checkout.invoice_summary): no clock, no
other query, so the same document always renders to the same bytes.
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
import qrcode
import qrcode.image.svg
from escpos.capabilities import Profile, get_profile_class
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from markupsafe import Markup

from edge.domain.gst import LineTax, TaxSummaryRow, tax_summary
from edge.domain.gstin import STATE_NAMES
from edge.domain.money import format_inr
from edge.services import gateway_payments
from edge.services.audit import record_audit
from edge.services.checkout import invoice_summary
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput, NotFound
from edge.store.db import write_transaction
from edge.store.models import Device, EmailMessage, Invoice, InvoiceRevision, PrintJob, Till, User

DEFAULT_TZ = "Asia/Kolkata"
WIDTH_80MM = 42
WIDTH_58MM = 32
MIN_WIDTH, MAX_WIDTH = 24, 64
DOTS_PER_CHAR = 12  # font A is 12 dots wide: 32 chars = 384 dots (58 mm), 42 = 504 (80 mm), 48 = 576
QR_MAX_MODULE_DOTS = 6
PRINT_KINDS = ("receipt", "reprint")
METHOD_NAMES = {"cash": "Cash", "card": "Card", "upi": "UPI", "wallet": "Wallet", "bank_transfer": "Bank transfer",
                "credit": "On account"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
VPA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}$")
UPI_LINK = re.compile(r"^upi://pay\?[\x21-\x7e]{1,1000}$")  # printable ASCII only: it goes into the QR as is
EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
EMAIL_DOMAIN = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
BUYER_KEYS = ("name", "gstin", "address", "state_code")


# --- formatting helpers (pure) ---------------------------------------------------------------------------------


def clean(text: Any) -> str:
    """One line of printable text: control and format characters dropped, runs of blanks made one space."""
    value = "" if text is None else str(text)
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value)
    return " ".join(kept.split())


def clean_lines(text: Any) -> list[str]:
    """Multi-line text (an address) as cleaned, non-empty lines."""
    value = "" if text is None else str(text)
    return [line for line in (clean(part) for part in value.splitlines()) if line]


def amount(paise: int) -> str:
    """Rupees with Indian grouping and no symbol (ESC/POS code pages have no ₹): ``1,23,456.78``."""
    return format_inr(int(paise)).replace("₹", "")


def signed_amount(paise: int) -> str:
    """An amount with its sign always shown, for the round-off: ``+0.19``, ``-0.49``."""
    return amount(paise) if paise <= 0 else "+" + amount(paise)


def percent(rate_bp: int, share: int = 1) -> str:
    """Basis points as a percentage without trailing zeros: 500 → ``5``, 250 → ``2.5``; ``share=2`` halves it."""
    value = (Decimal(int(rate_bp)) / (100 * share)).normalize()
    return format(value, "f")


def quantity(line: Mapping[str, Any]) -> str:
    """A line's quantity in its unit: weights as kg with 3 decimals, pieces and packages whole."""
    milli = int(line["quantity_milli"])
    unit = clean(line.get("unit")) or clean(line.get("unit_kind"))
    whole, rest = divmod(milli, 1000)
    if line.get("unit_kind") == "kg":
        text = f"{whole}.{rest:03d}"
    elif rest == 0:
        text = str(whole)
    else:
        text = f"{whole}.{rest:03d}".rstrip("0")
    return f"{text} {unit}".strip()


def state_label(code: str | None) -> str:
    """``Maharashtra (27)``; the bare code when it is not a GST state code."""
    if not code:
        return ""
    name = STATE_NAMES.get(str(code))
    return f"{name} ({code})" if name else str(code)


def local_time(stamp: str, tz: str) -> datetime:
    """An ISO UTC time from the document (``...Z``) in the store's time zone."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZoneInfo(tz))


def show_time(moment: datetime) -> str:
    """``24 Nov 2026 11:30``, the same in every locale."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year} {moment.hour:02d}:{moment.minute:02d}"


def show_date(day: date | str) -> str:
    """``24 Dec 2026``."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def upi_waiting(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The invoice's Razorpay UPI QR payment still waiting (``upi_payment`` of the receipt document, set by
    receipt_document), when its link is a plain ``upi://pay`` one; its QR replaces the store VPA's."""
    waiting = document.get("upi_payment")
    if not isinstance(waiting, Mapping) or not UPI_LINK.match(str(waiting.get("payload") or "")):
        return None
    if not isinstance(waiting.get("amount_paise"), int) or waiting["amount_paise"] <= 0:
        return None
    return dict(waiting)


def upi_uri(vpa: str, payee: str, paise: int, number: str) -> str:
    """``upi://pay`` link (NPCI linking spec) for an amount due, with the invoice number as the note."""
    if not VPA.match(vpa):
        raise ValueError(f"{vpa!r} is not a UPI ID (name@bank)")
    rupees, rest = divmod(int(paise), 100)
    return (f"upi://pay?pa={quote(vpa, safe='@')}&pn={quote(clean(payee)[:50], safe='')}"
            f"&am={rupees}.{rest:02d}&cu=INR&tn={quote(clean(number), safe='')}")


_ONES = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
         "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen")
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def _words_below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


def _indian_words(n: int) -> str:
    if n == 0:
        return "Zero"
    parts: list[str] = []
    crore, n = divmod(n, 10**7)
    if crore:
        parts.append(f"{_indian_words(crore)} Crore")
    for size, name in ((10**5, "Lakh"), (1000, "Thousand"), (100, "Hundred")):
        count, n = divmod(n, size)
        if count:
            parts.append(f"{_words_below_hundred(count)} {name}")
    if n:
        parts.append(_words_below_hundred(n))
    return " ".join(parts)


def amount_in_words(paise: int) -> str:
    """``Rupees One Thousand Two Hundred Nine Only`` (Indian numbering: lakh, crore)."""
    rupees, rest = divmod(abs(int(paise)), 100)
    words = f"Rupees {_indian_words(rupees)}" + (f" and {_words_below_hundred(rest)} Paise" if rest else "")
    return ("Minus " if paise < 0 else "") + words + " Only"


def summary_rows(document: Mapping[str, Any]) -> list[TaxSummaryRow]:
    """Taxes per HSN and rate: the document's own summary, else added up from its lines."""
    if document.get("tax_summary") is not None:
        return [TaxSummaryRow(str(row["hsn_code"]), int(row["rate_bp"]), int(row["taxable_paise"]),
                              int(row["cgst_paise"]), int(row["sgst_paise"]), int(row["igst_paise"]),
                              int(row["cess_paise"])) for row in document["tax_summary"]]
    return tax_summary([
        (str(line["hsn_code"]), int(line["gst_rate_bp"]),
         LineTax(line["taxable_paise"], line["cgst_paise"], line["sgst_paise"], line["igst_paise"],
                 line["cess_paise"]))
        for line in document["lines"]
    ])


def rate_rows(document: Mapping[str, Any]) -> list[TaxSummaryRow]:
    """Taxes per rate (HSNs added together), lowest rate first."""
    by_rate: dict[int, list[int]] = {}
    for row in summary_rows(document):
        sums = by_rate.setdefault(row.rate_bp, [0, 0, 0, 0, 0])
        for index, value in enumerate((row.taxable_paise, row.cgst_paise, row.sgst_paise, row.igst_paise,
                                       row.cess_paise)):
            sums[index] += value
    return [TaxSummaryRow("", rate, *sums) for rate, sums in sorted(by_rate.items())]


def _payment_label(payment: Mapping[str, Any]) -> str:
    label = METHOD_NAMES.get(str(payment.get("method")), clean(payment.get("method")).title())
    if payment.get("kind") == "refund":
        label += " refund"
    if payment.get("status", "succeeded") != "succeeded":
        label += f" ({clean(payment.get('status'))})"
    return label


def _change(payment: Mapping[str, Any]) -> int:
    tendered = payment.get("tendered_paise")
    counts = payment.get("status", "succeeded") == "succeeded" and payment.get("kind", "payment") == "payment"
    return max(0, int(tendered) - int(payment["amount_paise"])) if tendered and counts else 0


def _balance_due(document: Mapping[str, Any]) -> int:
    return int(document.get("balance_due_paise", document["total_paise"]))


def _check_width(width_chars: int) -> None:
    if not MIN_WIDTH <= width_chars <= MAX_WIDTH:
        raise ValueError(f"width_chars must be {MIN_WIDTH}-{MAX_WIDTH} (42 for 80 mm paper, 32 for 58 mm)")


# --- the slip's layout (shared by the ESC/POS bytes and the plain-text rendering) ------------------------------


@dataclass(frozen=True)
class Row:
    """One printed line of at most the paper's width; bold and double height change no width."""

    text: str
    bold: bool = False
    tall: bool = False


@dataclass(frozen=True)
class Qr:
    """A QR code printed centred."""

    content: str


class _Slip:
    """Builds the rows of a receipt for a given width."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.items: list[Row | Qr] = []

    def line(self, text: str = "", *, bold: bool = False, tall: bool = False, first: str = "",
             indent: str = "") -> None:
        """Text wrapped to the width, the first line after ``first`` and the others after ``indent``."""
        wrapped = textwrap.wrap(clean(text), self.width, initial_indent=first, subsequent_indent=indent,
                                break_on_hyphens=False) or [""]
        self.items.extend(Row(part, bold, tall) for part in wrapped)

    def centre(self, text: str, *, bold: bool = False, tall: bool = False) -> None:
        """Text wrapped and centred."""
        for part in textwrap.wrap(clean(text), self.width, break_on_hyphens=False):
            self.items.append(Row(part.center(self.width).rstrip(), bold, tall))

    def pair(self, left: str, right: str, *, bold: bool = False, tall: bool = False, indent: str = "") -> None:
        """Label on the left and value flush right; the value goes on its own line when both do not fit."""
        left, right = clean(left), clean(right)
        if len(indent) + len(left) + 1 + len(right) <= self.width:
            gap = self.width - len(indent) - len(left) - len(right)
            self.items.append(Row(indent + left + " " * gap + right, bold, tall))
            return
        self.line(left, bold=bold, tall=tall, first=indent, indent=indent + "  ")
        for part in textwrap.wrap(right, self.width) or [""]:
            self.items.append(Row(part.rjust(self.width), bold, tall))

    def rule(self, char: str = "-") -> None:
        """A full-width rule."""
        self.items.append(Row(char * self.width))


def receipt_layout(document: Mapping[str, Any], width_chars: int = WIDTH_80MM, *, tz: str = DEFAULT_TZ,
                   vpa: str | None = None, reprint: bool = False) -> list[Row | Qr]:
    """The rows and QR of the receipt: what escpos_receipt prints and text_receipt shows."""
    _check_width(width_chars)
    slip = _Slip(width_chars)
    seller, buyer = document["seller"], document.get("buyer") or {}
    slip.centre(seller["trade_name"], bold=True, tall=True)
    if clean(seller.get("legal_name")) and clean(seller["legal_name"]) != clean(seller["trade_name"]):
        slip.centre(seller["legal_name"])
    for address_line in clean_lines(seller.get("address")):
        slip.centre(address_line)
    slip.centre(f"GSTIN: {seller['gstin']}")
    slip.centre(f"State: {state_label(seller.get('state_code'))}")
    slip.rule("=")
    slip.centre("TAX INVOICE", bold=True, tall=True)
    if document.get("status") == "cancelled":
        slip.centre("*** CANCELLED ***", bold=True)
    if int(document.get("revision") or 0) > 0:
        slip.centre(f"REVISED INVOICE - REVISION {int(document['revision'])}", bold=True)
        if clean(document.get("revision_reason")):
            slip.line(f"Reason: {document['revision_reason']}", indent="  ")
    if reprint:
        slip.centre("** REPRINT **", bold=True)
    slip.rule()
    slip.pair("Invoice", document["number"], bold=True)
    slip.pair("Date", show_time(local_time(document["issued_at"], tz)))
    slip.pair("Till", document.get("till") or "")
    if clean(document.get("cashier")):
        slip.pair("Cashier", document["cashier"])
    if document.get("due_date"):
        slip.pair("Due date", show_date(document["due_date"]))
    if buyer.get("gstin"):
        slip.rule()
        slip.line("Bill to:", bold=True)
        slip.line(buyer.get("name") or "", first="  ", indent="  ")
        slip.line(f"GSTIN: {buyer['gstin']}", first="  ", indent="  ")
        for address_line in clean_lines(buyer.get("address")):
            slip.line(address_line, first="  ", indent="  ")
        slip.line(f"State: {state_label(buyer.get('state_code'))}", first="  ", indent="  ")
    elif buyer.get("customer_id"):
        slip.rule()
        slip.line(f"Customer: {buyer.get('name') or ''}", indent="  ")
    if buyer.get("gstin") or document.get("supply") == "inter":
        slip.line(f"Place of supply: {state_label(document.get('place_of_supply'))}")
    _items(slip, document["lines"])
    _totals(slip, document)
    _taxes(slip, document)
    _payments(slip, document)
    due = _balance_due(document)
    waiting = upi_waiting(document)
    if waiting and due > 0:
        slip.rule()
        slip.centre("Scan to pay with UPI", bold=True)
        slip.items.append(Qr(waiting["payload"]))
        slip.centre(f"Rs.{amount(waiting['amount_paise'])} for {document['number']}")
    elif vpa and due > 0:
        slip.rule()
        slip.centre("Scan to pay with UPI", bold=True)
        slip.items.append(Qr(upi_uri(vpa, seller["trade_name"], due, document["number"])))
        slip.centre(f"Rs.{amount(due)} to {vpa}")
    slip.rule()
    slip.centre("Thank you", bold=True)
    return slip.items


def _items(slip: _Slip, lines: Sequence[Mapping[str, Any]]) -> None:
    slip.rule()
    slip.pair("Item", "Amount", bold=True)
    slip.rule()
    for line in lines:
        slip.line(f"{line['line_no']}. {line['name']}", indent="   ")
        slip.line(f"HSN {line['hsn_code']}  GST {percent(line['gst_rate_bp'])}%", first="   ", indent="   ")
        rate = f"{quantity(line)} x {amount(line['rate_paise'])}"
        if line.get("rate_includes_tax") is False:
            rate += " +GST"
        slip.pair(rate, amount(line["total_paise"]), indent="   ")
        if int(line.get("discount_paise") or 0):
            slip.pair("Discount", "-" + amount(line["discount_paise"]), indent="   ")


def _totals(slip: _Slip, document: Mapping[str, Any]) -> None:
    lines_total = sum(int(line["total_paise"]) for line in document["lines"])
    slip.rule()
    slip.pair(f"Items total ({len(document['lines'])})", amount(lines_total))
    slip.pair("Round off", signed_amount(int(document["round_off_paise"])))
    slip.rule("=")
    slip.pair("TOTAL", "Rs." + amount(int(document["total_paise"])), bold=True, tall=True)
    slip.rule("=")
    if int(document.get("discount_paise") or 0):
        slip.pair("You saved", amount(int(document["discount_paise"])))


def _taxes(slip: _Slip, document: Mapping[str, Any]) -> None:
    slip.line("GST summary", bold=True)
    for row in rate_rows(document):
        slip.pair(f"Taxable @{percent(row.rate_bp)}%", amount(row.taxable_paise))
        if row.cgst_paise or row.sgst_paise:
            slip.pair(f"CGST @{percent(row.rate_bp, 2)}%", amount(row.cgst_paise), indent="  ")
            slip.pair(f"SGST @{percent(row.rate_bp, 2)}%", amount(row.sgst_paise), indent="  ")
        if row.igst_paise:
            slip.pair(f"IGST @{percent(row.rate_bp)}%", amount(row.igst_paise), indent="  ")
        if row.cess_paise:
            slip.pair("Cess", amount(row.cess_paise), indent="  ")
    tax = sum(int(document[key]) for key in ("cgst_paise", "sgst_paise", "igst_paise", "cess_paise"))
    slip.pair("Total tax", amount(tax))


def _payments(slip: _Slip, document: Mapping[str, Any]) -> None:
    payments = document.get("payments") or []
    slip.rule()
    if payments:
        slip.line("Payments", bold=True)
    for payment in payments:
        slip.pair(_payment_label(payment), amount(int(payment["amount_paise"])))
        if clean(payment.get("reference")):
            slip.line(f"Ref: {payment['reference']}", first="  ", indent="  ")
        if _change(payment):
            slip.pair("Tendered", amount(int(payment["tendered_paise"])), indent="  ")
    change = sum(_change(payment) for payment in payments)
    if change:
        slip.pair("Change", amount(change), bold=True)
    if payments:
        slip.pair("Paid", amount(int(document.get("paid_paise", 0))))
    due = _balance_due(document)
    if due or not payments:
        slip.pair("Balance due", amount(due), bold=True)


def text_receipt(document: Mapping[str, Any], width_chars: int = WIDTH_80MM, *, tz: str = DEFAULT_TZ,
                 vpa: str | None = None, reprint: bool = False) -> str:
    """The receipt as plain text, line for line what escpos_receipt prints (a QR shows as ``[QR ...]``)."""
    rows = receipt_layout(document, width_chars, tz=tz, vpa=vpa, reprint=reprint)
    return "\n".join(item.text if isinstance(item, Row) else f"[QR {item.content}]" for item in rows) + "\n"


# --- ESC/POS ---------------------------------------------------------------------------------------------------


class _ReceiptProfile(Profile):  # type: ignore[misc]
    """python-escpos's default profile with the paper's width in dots and columns (for centring images)."""

    def __init__(self, width_chars: int) -> None:
        default = get_profile_class("default")
        super().__init__(columns=width_chars, features=dict(default.profile_data["features"]))
        data = dict(default.profile_data)
        data["media"] = {"dpi": 203, "width": {"mm": "Unknown", "pixels": width_chars * DOTS_PER_CHAR}}
        self.profile_data = data


def _qr_module_dots(content: str, width_dots: int) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(content)
    code.make(fit=True)
    modules = int(code.modules_count) + 2  # the code and its one-module border
    return max(1, min(QR_MAX_MODULE_DOTS, width_dots // modules))


def escpos_receipt(document: Mapping[str, Any], width_chars: int = WIDTH_80MM, *, tz: str = DEFAULT_TZ,
                   vpa: str | None = None, reprint: bool = False, native_qr: bool = False) -> bytes:
    """The tax invoice as ESC/POS bytes for a printer of ``width_chars`` columns (42: 80 mm, 32: 58 mm)."""
    rows = receipt_layout(document, width_chars, tz=tz, vpa=vpa, reprint=reprint)
    printer = Dummy(profile=_ReceiptProfile(width_chars))
    printer.hw("INIT")
    style = (False, False)
    for item in rows:
        if isinstance(item, Qr):
            size = _qr_module_dots(item.content, width_chars * DOTS_PER_CHAR)
            if native_qr:  # GS ( k: the printer draws it (not every 58 mm printer can)
                printer.set(align="center")
                printer.qr(item.content, ec=QR_ECLEVEL_M, size=size, native=True)
                printer.set(align="left")
            else:  # a raster image (GS v 0): every ESC/POS printer prints it
                printer.qr(item.content, ec=QR_ECLEVEL_M, size=size, center=True)
            continue
        if (item.bold, item.tall) != style:
            printer.set(bold=item.bold, double_height=item.tall, normal_textsize=not item.tall)
            style = (item.bold, item.tall)
        printer.textln(item.text)
    if style != (False, False):
        printer.set(bold=False, normal_textsize=True)
    printer.cut()
    output: bytes = printer.output
    return output


# --- HTML (A4) -------------------------------------------------------------------------------------------------

_HTML = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tax invoice {{ number }}</title>
<style>
@page { size: A4; margin: 12mm; }
body { font: 10pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #000; max-width: 186mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0; }
.pre { white-space: pre-line; }
.title { text-align: center; font-size: 13pt; font-weight: bold; letter-spacing: .1em; border: 1px solid #000;
         padding: 1.5mm; margin: 3mm 0; }
.banner { text-align: center; font-weight: bold; border: 2px solid #000; padding: 1.5mm; margin: 2mm 0; }
.parties { display: flex; gap: 4mm; }
.parties > div { flex: 1; border: 1px solid #555; padding: 2mm; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
th, td { border: 1px solid #555; padding: .8mm 1.5mm; vertical-align: top; }
th { background: #eee; text-align: left; }
.n { text-align: right; white-space: nowrap; }
.meta td, .meta th { border: 0; padding: .3mm 1.5mm .3mm 0; background: none; }
.totals { width: 60%; margin-left: 40%; }
.grand td { font-weight: bold; font-size: 12pt; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.qr { text-align: center; margin: 3mm 0; }
.qr svg { width: 38mm; height: 38mm; }
footer { text-align: center; margin-top: 4mm; }
</style>
</head>
<body>
<header>
<h1>{{ seller.trade_name }}</h1>
{% if seller.legal_name %}<div>{{ seller.legal_name }}</div>{% endif %}
<div class="pre">{{ seller.address }}</div>
<div>GSTIN: <b>{{ seller.gstin }}</b> &middot; State: {{ seller.state }}</div>
</header>
<div class="title">TAX INVOICE</div>
{% if cancelled %}<div class="banner">Cancelled</div>{% endif %}
{% if revision %}<div class="banner">Revised invoice — revision {{ revision }}
{%- if reason %}<br>Reason: {{ reason }}{% endif %}</div>{% endif %}
<div class="parties">
<div>
<table class="meta">
<tr><th>Invoice no.</th><td><b>{{ number }}</b></td></tr>
<tr><th>Date</th><td>{{ issued }}</td></tr>
<tr><th>Till</th><td>{{ till }}</td></tr>
{% if cashier %}<tr><th>Cashier</th><td>{{ cashier }}</td></tr>{% endif %}
{% if due_date %}<tr><th>Due date</th><td>{{ due_date }}</td></tr>{% endif %}
<tr><th>Place of supply</th><td>{{ place_of_supply }}</td></tr>
<tr><th>Supply</th><td>{{ supply }}</td></tr>
</table>
</div>
<div>
<b>Bill to</b><br>
{{ buyer.name }}
{% if buyer.gstin %}<br>GSTIN: <b>{{ buyer.gstin }}</b>{% endif %}
{% if buyer.address %}<div class="pre">{{ buyer.address }}</div>{% endif %}
{% if buyer.state %}<div>State: {{ buyer.state }}</div>{% endif %}
</div>
</div>
<table class="items">
<thead><tr><th>#</th><th>Description</th><th>HSN</th><th class="n">Qty</th><th class="n">Rate</th>
<th class="n">Discount</th><th class="n">Taxable value</th><th class="n">GST</th>
{% if show_cgst %}<th class="n">CGST</th><th class="n">SGST</th>{% endif %}
{% if show_igst %}<th class="n">IGST</th>{% endif %}{% if show_cess %}<th class="n">Cess</th>{% endif %}
<th class="n">Amount</th></tr></thead>
<tbody>
{% for line in lines %}<tr><td>{{ line.no }}</td><td>{{ line.name }}</td><td>{{ line.hsn }}</td>
<td class="n">{{ line.qty }}</td><td class="n">{{ line.rate }}</td><td class="n">{{ line.discount }}</td>
<td class="n">{{ line.taxable }}</td><td class="n">{{ line.gst }}</td>
{% if show_cgst %}<td class="n">{{ line.cgst }}</td><td class="n">{{ line.sgst }}</td>{% endif %}
{% if show_igst %}<td class="n">{{ line.igst }}</td>{% endif %}
{% if show_cess %}<td class="n">{{ line.cess }}</td>{% endif %}
<td class="n">{{ line.total }}</td></tr>
{% endfor %}</tbody>
</table>
<table class="totals">
{% for label, value in totals %}<tr><td>{{ label }}</td><td class="n">{{ value }}</td></tr>
{% endfor %}<tr class="grand"><td>Grand total</td><td class="n">{{ total }}</td></tr>
<tr><td colspan="2">{{ total_words }}</td></tr>
</table>
<h2 style="font-size: 11pt; margin: 3mm 0 0">GST summary by HSN and rate</h2>
<table class="tax-summary">
<thead><tr><th>HSN</th><th class="n">GST rate</th><th class="n">Taxable value</th>
<th class="n">CGST</th><th class="n">SGST</th><th class="n">IGST</th><th class="n">Cess</th>
<th class="n">Total tax</th></tr></thead>
<tbody>
{% for row in tax_rows %}<tr><td>{{ row.hsn }}</td><td class="n">{{ row.rate }}</td><td class="n">{{ row.taxable }}</td>
<td class="n">{{ row.cgst }}</td><td class="n">{{ row.sgst }}</td><td class="n">{{ row.igst }}</td>
<td class="n">{{ row.cess }}</td><td class="n">{{ row.tax }}</td></tr>
{% endfor %}<tr><th colspan="2">Total</th><th class="n">{{ tax_total.taxable }}</th>
<th class="n">{{ tax_total.cgst }}</th><th class="n">{{ tax_total.sgst }}</th>
<th class="n">{{ tax_total.igst }}</th><th class="n">{{ tax_total.cess }}</th>
<th class="n">{{ tax_total.tax }}</th></tr>
</tbody>
</table>
<table class="payments">
<thead><tr><th>Payment</th><th>Reference</th><th>Received</th><th class="n">Amount</th></tr></thead>
<tbody>
{% for payment in payments %}<tr><td>{{ payment.method }}</td><td>{{ payment.reference }}</td><td>{{ payment.at }}</td>
<td class="n">{{ payment.amount }}{% if payment.note %}<br><small>{{ payment.note }}</small>{% endif %}</td></tr>
{% else %}<tr><td colspan="4">No payment yet</td></tr>
{% endfor %}<tr><th colspan="3">Paid</th><th class="n">{{ paid }}</th></tr>
<tr><th colspan="3">Balance due</th><th class="n">{{ balance_due }}</th></tr>
</tbody>
</table>
{% if qr_svg %}<div class="qr">{{ qr_svg }}<div>{{ qr_caption }}</div></div>{% endif %}
<footer>Thank you</footer>
</body>
</html>
""")


def _qr_svg(content: str) -> Markup:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(content)
    code.make(fit=True)
    svg: str = code.make_image().to_string(encoding="unicode")
    # Our own generator's path data (no text from the document inside); safe to place as markup.
    return Markup(svg[svg.index("<svg"):])  # noqa: S704


def html_invoice(document: Mapping[str, Any], tz: str = DEFAULT_TZ, *, vpa: str | None = None) -> str:
    """The invoice as a standalone, printable A4 HTML page; every value from the document is escaped."""
    seller, buyer = document["seller"], document.get("buyer") or {}
    inr = format_inr
    lines = [{
        "no": line["line_no"], "name": line["name"], "hsn": line["hsn_code"], "qty": quantity(line),
        "rate": inr(line["rate_paise"]), "discount": inr(line.get("discount_paise") or 0),
        "taxable": inr(line["taxable_paise"]), "gst": f"{percent(line['gst_rate_bp'])}%",
        "cgst": inr(line["cgst_paise"]), "sgst": inr(line["sgst_paise"]), "igst": inr(line["igst_paise"]),
        "cess": inr(line["cess_paise"]), "total": inr(line["total_paise"]),
    } for line in document["lines"]]
    rows = summary_rows(document)

    def tax_row(hsn: str, rate: str, taxable: int, cgst: int, sgst: int, igst: int, cess: int) -> dict[str, str]:
        return {"hsn": hsn, "rate": rate, "taxable": inr(taxable), "cgst": inr(cgst), "sgst": inr(sgst),
                "igst": inr(igst), "cess": inr(cess), "tax": inr(cgst + sgst + igst + cess)}

    tax_rows = [tax_row(row.hsn_code, f"{percent(row.rate_bp)}%", row.taxable_paise, row.cgst_paise,
                        row.sgst_paise, row.igst_paise, row.cess_paise) for row in rows]
    tax_total = tax_row("", "", *(sum(getattr(row, name) for row in rows) for name in (
        "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")))
    intra = document.get("supply") != "inter"
    totals = [("Taxable value", inr(document["taxable_paise"]))]
    if intra or document["cgst_paise"] or document["sgst_paise"]:
        totals += [("CGST", inr(document["cgst_paise"])), ("SGST", inr(document["sgst_paise"]))]
    if not intra or document["igst_paise"]:
        totals.append(("IGST", inr(document["igst_paise"])))
    if document["cess_paise"]:
        totals.append(("Cess", inr(document["cess_paise"])))
    totals.append(("Round off", ("+" if document["round_off_paise"] > 0 else "") + inr(document["round_off_paise"])))
    if int(document.get("discount_paise") or 0):
        totals.insert(0, ("Discount (included)", inr(document["discount_paise"])))
    payments = [{
        "method": _payment_label(payment), "reference": payment.get("reference") or "",
        "at": show_time(local_time(payment["at"], tz)) if payment.get("at") else "",
        "amount": inr(payment["amount_paise"]),
        "note": (f"tendered {inr(payment['tendered_paise'])}, change {inr(_change(payment))}"
                 if _change(payment) else ""),
    } for payment in document.get("payments") or []]
    due = _balance_due(document)
    waiting = upi_waiting(document) if due > 0 else None
    qr = upi_uri(vpa, seller["trade_name"], due, document["number"]) if vpa and due > 0 else None
    caption = f"Scan to pay {inr(due)} by UPI to {vpa}" if qr else ""
    if waiting:
        qr, caption = waiting["payload"], f"Scan to pay {inr(waiting['amount_paise'])} by UPI ({document['number']})"
    return _HTML.render(
        number=document["number"], issued=show_time(local_time(document["issued_at"], tz)),
        till=document.get("till") or "", cashier=document.get("cashier") or "",
        due_date=show_date(document["due_date"]) if document.get("due_date") else "",
        seller={"trade_name": seller["trade_name"],
                "legal_name": seller.get("legal_name") if seller.get("legal_name") != seller["trade_name"] else "",
                "address": seller.get("address") or "", "gstin": seller["gstin"],
                "state": state_label(seller.get("state_code"))},
        buyer={"name": buyer.get("name") or "", "gstin": buyer.get("gstin") or "",
               "address": buyer.get("address") or "", "state": state_label(buyer.get("state_code"))},
        place_of_supply=state_label(document.get("place_of_supply")),
        supply="Inter-state (IGST)" if not intra else "Intra-state (CGST + SGST)",
        cancelled=document.get("status") == "cancelled",
        revision=int(document.get("revision") or 0), reason=document.get("revision_reason") or "",
        lines=lines, show_cgst=intra or any(line["cgst_paise"] for line in document["lines"]),
        show_igst=not intra or any(line["igst_paise"] for line in document["lines"]),
        show_cess=any(line["cess_paise"] for line in document["lines"]),
        totals=totals, total=inr(document["total_paise"]), total_words=amount_in_words(document["total_paise"]),
        tax_rows=tax_rows, tax_total=tax_total, payments=payments,
        paid=inr(int(document.get("paid_paise", 0))), balance_due=inr(due),
        qr_svg=_qr_svg(qr) if qr else None, qr_caption=caption,
    )


# --- use cases: the document to print, print and e-mail queues ------------------------------------------------


def _find_invoice(invoice_id: str) -> Invoice:
    try:
        key = uuid.UUID(str(invoice_id))
    except ValueError as exc:
        raise NotFound("no such invoice", "invoice_id") from exc
    invoice: Invoice | None = Invoice.get_or_none(Invoice.uuid == key)
    if invoice is None:
        raise NotFound("no such invoice", "invoice_id")
    return invoice


def _revision_row(invoice: Invoice, number: int) -> InvoiceRevision:
    row: InvoiceRevision | None = InvoiceRevision.get_or_none(
        (InvoiceRevision.invoice == invoice) & (InvoiceRevision.revision == number))
    if row is None:
        raise NotFound(f"invoice {invoice.number} has no revision {number}", "revision")
    return row


def _as_of(now: dict[str, Any], stored: str) -> dict[str, Any]:
    """The invoice as a revision left it, with today's payments (what is still due is always today's).

    A revision stores the whole invoice document (edge.services.after_sale); anything else is taken as buyer
    details (``name``, ``gstin``, ``address``, ``state_code``) put on today's document."""
    data = json.loads(stored or "{}")
    data = data if isinstance(data, dict) else {}
    if "seller" in data and "lines" in data:
        document = dict(data)
    else:
        document = dict(now)
        document["buyer"] = {**(now.get("buyer") or {}), **{key: data[key] for key in BUYER_KEYS if key in data}}
    for key in ("payments", "paid_paise", "balance_due_paise", "status"):
        if key in now:
            document[key] = now[key]
    return document


def receipt_document(ctx: ServiceContext, invoice: Invoice, revision: int | None = None) -> dict[str, Any]:
    """What a receipt prints: the invoice summary with its cashier, as of a revision (None: the current one;
    0: the original as issued) — buyer, supply and taxes of that revision, payments of today."""
    now = invoice_summary(ctx, invoice)
    current = int(invoice.revision or 0)
    wanted = current if revision is None else revision
    if not 0 <= wanted <= current:
        raise NotFound(f"invoice {invoice.number} has no revision {wanted} (the latest is {current})", "revision")
    if wanted == current:
        document = now
    elif wanted == 0:
        document = _as_of(now, _revision_row(invoice, 1).before)
    else:
        document = _as_of(now, _revision_row(invoice, wanted).after)
    if wanted > 0:
        document["revision_reason"] = _revision_row(invoice, wanted).reason
    document["revision"] = wanted
    document.setdefault("cashier", invoice.cashier.display_name)
    waiting = gateway_payments.pending_upi_qr(ctx, invoice) if _balance_due(document) > 0 else None
    if waiting is not None:
        document["upi_payment"] = waiting
    return document


def till_printer(till: Till) -> Device | None:
    """The till's receipt printer, if one is configured."""
    found: Device | None = (Device.select().where((Device.till == till) & (Device.kind == "printer"))
                            .order_by(Device.id).first())
    return found


def printer_settings(device: Device | None) -> tuple[int, bool]:
    """(characters per line, native QR) from the printer's settings JSON (``width_chars`` or ``paper_mm``, and
    ``qr``: ``"native"``); 42 columns and a raster-image QR by default."""
    try:
        settings = json.loads(device.settings or "{}") if device else {}
    except ValueError:
        settings = {}
    settings = settings if isinstance(settings, dict) else {}
    width = settings.get("width_chars")
    if not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        width = WIDTH_58MM if settings.get("paper_mm") == 58 else WIDTH_80MM
    return width, settings.get("qr") == "native"


def store_vpa(ctx: ServiceContext) -> str | None:
    """The store's UPI ID for QR codes (config ``payments.upi_vpa``), or None while it is not configured."""
    try:
        value = ctx.config.get("payments.upi_vpa")
    except KeyError:
        return None
    return str(value) if value and VPA.match(str(value)) else None


def queue_print(ctx: ServiceContext, invoice_id: str, kind: str = "receipt", revision: int | None = None, *,
                user: User | None = None, vpa: str | None = None) -> PrintJob:
    """Render the invoice for the till's printer and queue it as a PrintJob; ``print.queued`` goes out after
    commit so the devices layer prints it once."""
    if kind not in PRINT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(PRINT_KINDS)}", "kind")
    if revision is not None and (isinstance(revision, bool) or not isinstance(revision, int) or revision < 0):
        raise InvalidInput("revision must be a whole number, 0 for the original", "revision")
    # Read and render first (a QR takes tens of ms on a Pi): SQLite's write lock is held only for the insert.
    with ctx.db.atomic():
        invoice = _find_invoice(invoice_id)
        document = receipt_document(ctx, invoice, revision)
        printer = till_printer(invoice.till)
        till_code = invoice.till.code
    width, native_qr = printer_settings(printer)
    payload = escpos_receipt(document, width, tz=ctx.config.get("store.timezone"),
                             vpa=vpa if vpa is not None else store_vpa(ctx), reprint=kind == "reprint",
                             native_qr=native_qr)
    with write_transaction(ctx.db):
        job = PrintJob.create(device=printer, till=invoice.till, kind=kind, payload=payload, status="queued",
                              document=f"{invoice.uuid}/r{document['revision']}", created_at=ctx.now())
        if kind == "reprint":
            record_audit(ctx, "invoice.reprinted", user, "invoice", str(invoice.uuid),
                         details={"number": invoice.number, "revision": document["revision"], "job": str(job.uuid)})
    ctx.bus.publish("print.queued", {"till": till_code, "job_id": job.id, "job": str(job.uuid), "kind": kind})
    return job


def check_email(text: Any) -> str:
    """A bare e-mail address (``name@example.com``), trimmed; anything else is refused naming ``to``."""
    address = text.strip() if isinstance(text, str) else ""
    refused = InvalidInput("to: give one e-mail address like name@example.com", "to", code="bad_email")
    if not address or len(address) > 200 or any(unicodedata.category(ch)[0] in "CZ" for ch in address):
        raise refused
    if parseaddr(address) != ("", address) or address.count("@") != 1:
        raise refused
    local, domain = address.split("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise refused from exc
    if len(local) > 64 or not EMAIL_LOCAL.match(local) or not EMAIL_DOMAIN.match(ascii_domain):
        raise refused
    return f"{local}@{ascii_domain}"


EMAIL_QUEUED_TOPIC = "email.queued"


def queue_email(ctx: ServiceContext, invoice_id: str, to_address: str, *, user: User | None = None,
                vpa: str | None = None) -> EmailMessage:
    """Queue the invoice as an HTML e-mail to the customer; the mail worker sends it when the link is up."""
    address = check_email(to_address)
    with ctx.db.atomic():
        invoice = _find_invoice(invoice_id)
        document = receipt_document(ctx, invoice)
    body = html_invoice(document, ctx.config.get("store.timezone"), vpa=vpa if vpa is not None else store_vpa(ctx))
    subject = clean(f"Tax invoice {document['number']} from {document['seller']['trade_name']}")[:200]
    with write_transaction(ctx.db):
        message = EmailMessage.create(to_address=address, subject=subject, body=body, status="queued",
                                      document=f"{invoice.uuid}/r{document['revision']}", created_at=ctx.now())
        record_audit(ctx, "invoice.emailed", user, "invoice", str(invoice.uuid),
                     details={"number": invoice.number, "to": address, "message": str(message.uuid)})
    # After the commit: the daemon's mail job wakes at once instead of at its next round.
    ctx.bus.publish(EMAIL_QUEUED_TOPIC, {"message": str(message.uuid), "document": message.document})
    return message


def invoice_emails(invoice_id: str) -> list[dict[str, Any]]:
    """Every e-mail of an invoice, newest first: to whom, queued / sent / failed, tries, the last error."""
    invoice = _find_invoice(invoice_id)
    rows = (EmailMessage.select().where(EmailMessage.document.startswith(f"{invoice.uuid}/"))
            .order_by(EmailMessage.id.desc()))
    return [{"id": str(row.uuid), "to": row.to_address, "status": row.status, "attempts": row.attempts,
             "last_error": row.last_error, "created_at": _utc_text(row.created_at),
             "sent_at": _utc_text(row.sent_at) if row.sent_at else None, "document": row.document}
            for row in rows]


def _utc_text(value: Any) -> str:
    return (value if isinstance(value, datetime) else datetime.fromisoformat(str(value))).isoformat() + "Z"


def invoice_html(ctx: ServiceContext, invoice_id: str, revision: int | None = None) -> str:
    """The printable A4 invoice of an invoice (a given revision, or the current one)."""
    with ctx.db.atomic():
        document = receipt_document(ctx, _find_invoice(invoice_id), revision)
    return html_invoice(document, ctx.config.get("store.timezone"), vpa=store_vpa(ctx))
