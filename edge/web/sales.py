"""The sale over REST: the till's cart, scans, lines, customer and tier, checkout, payments, summary."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.services import after_sale, carts, checkout, reports
from edge.store.models import Invoice
from edge.web.access import current_user_or_none, require_step_up
from edge.web.api import Param, api, json_body

bp = Blueprint("sales", __name__, url_prefix="/api/v1")
SELLERS = ("admin", "manager", "cashier")
VERSION = {"type": "integer", "minimum": 1, "description": "the cart version the screen shows; stale → 409"}
PAISE = {"type": "integer", "minimum": 0}
CART = {"type": "object", "properties": {
    "id": {"type": "string"}, "till": {"type": "string"}, "version": {"type": "integer"},
    "lines": {"type": "array", "items": {"type": "object"}}, "total_paise": {"type": "integer"},
    "round_off_paise": {"type": "integer"}, "tax_summary": {"type": "array", "items": {"type": "object"}},
    "discount_paise": {"type": "integer", "description": "every discount: the lines' own and the bill's"},
    "bill_discount_paise": {"type": "integer", "description": "the bill (invoice) discount set by PATCH /carts/{id}"},
}}
SUMMARY = {"type": "object", "properties": {
    "id": {"type": "string"}, "number": {"type": "string"}, "status": {"type": "string"},
    "lines": {"type": "array", "items": {"type": "object"}}, "payments": {"type": "array", "items": {"type": "object"}},
    "total_paise": {"type": "integer"}, "paid_paise": {"type": "integer"}, "balance_due_paise": {"type": "integer"},
}}
SCAN_BODY = {"type": "object", "required": ["code"], "properties": {
    "code": {"type": "string", "minLength": 1, "maxLength": 64}, "version": VERSION}}
ADD_BODY = {"type": "object", "required": ["product_id"], "properties": {
    "product_id": {"type": "string"}, "unit": {"type": "string"},
    "quantity": {"type": "string", "description": "in the unit, e.g. 2 or 1.250 (a typed weight needs a permission)"},
    "use_scale": {"type": "boolean"}, "version": VERSION}}
LINE_BODY = {"type": "object", "properties": {
    "quantity": {"type": "string"}, "unit": {"type": "string"}, "use_scale": {"type": "boolean"},
    "tier": {"type": ["string", "null"], "enum": ["wholesale", "counter", "customer", None]},
    "manual_rate_paise": {"type": ["integer", "null"], "minimum": 1}, "discount_paise": PAISE, "version": VERSION}}
VERSION_BODY = {"type": "object", "properties": {"version": VERSION}}
TERMS_BODY = {"type": "object", "properties": {
    "customer_id": {"type": ["string", "null"]},
    "tier": {"type": "string", "enum": ["wholesale", "counter", "customer"]},
    "discount_paise": PAISE, "version": VERSION}}
PAYMENT = {"type": "object", "required": ["method", "amount_paise"], "properties": {
    "method": {"type": "string", "enum": ["cash", "card", "upi", "wallet", "bank_transfer", "credit"]},
    "amount_paise": {"type": "integer", "minimum": 1}, "tendered_paise": {"type": "integer", "minimum": 1},
    "reference": {"type": "string", "maxLength": 120}}, "additionalProperties": False}
CHECKOUT_BODY = {"type": "object", "properties": {
    "payments": {"type": "array", "items": PAYMENT, "maxItems": 10}, "version": VERSION}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "/tills/<till>/cart", "GET", roles=SELLERS, summary="The cashier's open cart on a till (made if none)",
     response=CART)
def till_cart(till: str) -> Any:
    """What a kiosk loads on start and on reconnect."""
    return jsonify(carts.current_cart(_ctx(), current_user_or_none(), till))


@api(bp, "/tills/<till>/invoices", "GET", roles=SELLERS,
     summary="A till's invoices of a day, newest first (today unless date=): find a bill again",
     query=(Param("date", {"type": "string", "format": "date"}, "the day (YYYY-MM-DD); default today"),),
     response={"type": "object", "properties": {"total": {"type": "integer"},
                                                "rows": {"type": "array", "items": {"type": "object"}}}})
def till_invoices(till: str) -> Any:
    """Number, time, buyer, total, paid, due and status of each; at most 500 (``total`` says if more)."""
    return jsonify(reports.till_invoices(_ctx(), till, request.args.get("date")))


@api(bp, "/carts/<cart_id>", "GET", roles=SELLERS, summary="A cart, priced", response=CART)
def get_cart(cart_id: str) -> Any:
    """Lines, taxes, round-off and total as the rules give them now."""
    return jsonify(carts.view_cart(_ctx(), current_user_or_none(), cart_id))


@api(bp, "/carts/<cart_id>/scan", "POST", roles=SELLERS, summary="Add what a barcode stands for",
     body=SCAN_BODY, response=CART)
def scan(cart_id: str) -> Any:
    """A product unit (a case barcode adds a case) or a scale label's weight or price."""
    data = json_body(SCAN_BODY)
    return jsonify(carts.scan(_ctx(), current_user_or_none(), cart_id, data["code"], data.get("version")))


@api(bp, "/carts/<cart_id>/lines", "POST", roles=SELLERS, summary="Add a product found by search",
     body=ADD_BODY, response=CART)
def add_line(cart_id: str) -> Any:
    """A quantity in a unit, or the till scale's stable weight for kg items."""
    data = json_body(ADD_BODY)
    return jsonify(carts.add_product(
        _ctx(), current_user_or_none(), cart_id, data["product_id"], data.get("unit"), data.get("quantity"),
        bool(data.get("use_scale")), data.get("version"),
    ))


@api(bp, "/carts/<cart_id>/lines/<line_id>", "PATCH", roles=SELLERS,
     summary="Change a line's quantity, unit, tier, manual rate or discount", body=LINE_BODY, response=CART)
def change_line(cart_id: str, line_id: str) -> Any:
    """Rates below the floor, typed weights and large discounts need the role's permission."""
    data = json_body(LINE_BODY)
    version = data.pop("version", None)
    return jsonify(carts.update_line(_ctx(), current_user_or_none(), cart_id, line_id, data, version))


@api(bp, "/carts/<cart_id>/lines/<line_id>", "DELETE", roles=SELLERS, summary="Remove a line",
     body=VERSION_BODY, response=CART)
def remove_line(cart_id: str, line_id: str) -> Any:
    """Take a line out of the cart."""
    data = json_body(VERSION_BODY)
    return jsonify(carts.remove_line(_ctx(), current_user_or_none(), cart_id, line_id, data.get("version")))


@api(bp, "/carts/<cart_id>", "PATCH", roles=SELLERS, summary="Attach a customer, choose the tier, set the discount",
     body=TERMS_BODY, response=CART)
def change_cart(cart_id: str) -> Any:
    """The customer's tier follows the customer; a chosen tier overrides it."""
    data = json_body(TERMS_BODY)
    version = data.pop("version", None)
    return jsonify(carts.set_terms(_ctx(), current_user_or_none(), cart_id, data, version))


@api(bp, "/carts/<cart_id>/checkout", "POST", roles=SELLERS,
     summary="Issue the invoice and take the payments given", body=CHECKOUT_BODY, response=SUMMARY, status=201)
def checkout_cart(cart_id: str) -> Any:
    """Number, lines, taxes, totals, ledger and payments in one transaction; returns the post-sale summary."""
    data = json_body(CHECKOUT_BODY)
    summary = checkout.checkout(_ctx(), current_user_or_none(), cart_id, data.get("payments", []),
                                data.get("version"))
    return jsonify(summary), 201


@api(bp, "/invoices/<invoice_id>", "GET", roles=SELLERS, summary="Post-sale summary of an invoice",
     response=SUMMARY)
def invoice(invoice_id: str) -> Any:
    """Every product, taxes by rate and HSN, round-off, grand total, payments with references, status."""
    return jsonify(checkout.view_invoice(_ctx(), invoice_id))


@api(bp, "/invoices/<invoice_id>/payments", "POST", roles=SELLERS,
     summary="Take a payment on an invoice (split payments, any time after the bill)", body=PAYMENT,
     response=SUMMARY, status=201)
def pay(invoice_id: str) -> Any:
    """Cash may be tendered above what is due (change is returned); other methods may not overpay."""
    data = json_body(PAYMENT)
    summary = checkout.pay(_ctx(), current_user_or_none(), invoice_id, data["method"], data["amount_paise"],
                           data.get("tendered_paise"), data.get("reference", ""))
    return jsonify(summary), 201


MANAGERS = ("admin", "manager")
CORRECTION_BODY = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 500}, "name": {"type": "string", "maxLength": 200},
    "gstin": {"type": ["string", "null"]}, "address": {"type": "string", "maxLength": 500},
    "state_code": {"type": "string", "pattern": "^[0-9]{2}$"},
    "delivery_state": {"type": ["string", "null"], "pattern": "^[0-9]{2}$"}}}
RETURN_BODY = {"type": "object", "required": ["reason", "lines"], "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 500},
    "lines": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["line_no", "quantity_milli"], "additionalProperties": False,
        "properties": {"line_no": {"type": "integer", "minimum": 1},
                       "quantity_milli": {"type": "integer", "minimum": 1}}}},
    "refund_method": {"type": "string", "enum": ["cash", "card", "upi", "wallet", "bank_transfer"]},
    "reference": {"type": "string", "maxLength": 120}}}
REFUND_BODY = {"type": "object", "required": ["method", "amount_paise"], "properties": {
    "method": {"type": "string", "enum": ["cash", "card", "upi", "wallet", "bank_transfer"]},
    "amount_paise": {"type": "integer", "minimum": 1}, "reference": {"type": "string", "maxLength": 120}}}
CANCEL_BODY = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}


def step_up_if_old(invoice_id: str, action: str) -> None:
    """Changing the GST record of an invoice older than auth.correction_step_up_days (by then it may be in
    a filed return) needs a fresh TOTP code."""
    ctx = _ctx()
    invoice = Invoice.select(Invoice.issued_at).where(Invoice.uuid == _uuid_or_none(invoice_id)).first()
    if invoice is None:
        return  # the service answers 404
    if ctx.now() - invoice.issued_at > timedelta(days=int(ctx.config.get("auth.correction_step_up_days"))):
        require_step_up(f"{action} older than {ctx.config.get('auth.correction_step_up_days')} days")


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


@api(bp, "/invoices/<invoice_id>/corrections", "POST", roles=MANAGERS, status=201, response=SUMMARY,
     summary="Correct the buyer's name, GSTIN, address or place of supply (a new revision)", body=CORRECTION_BODY)
def correct(invoice_id: str) -> Any:
    """Re-taxed on the same taxable values when the supply moves between intra- and inter-state."""
    data = json_body(CORRECTION_BODY)
    step_up_if_old(invoice_id, "correcting an invoice")
    reason = data.pop("reason")
    return jsonify(after_sale.correct_buyer(_ctx(), current_user_or_none(), invoice_id, data, reason)), 201


@api(bp, "/invoices/<invoice_id>/revisions", "GET", roles=SELLERS,
     summary="Every revision: who, when, why, before, after",
     response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def list_revisions(invoice_id: str) -> Any:
    """The original and every revision stay readable and reprintable."""
    return jsonify({"items": after_sale.revisions(invoice_id)})


@api(bp, "/invoices/<invoice_id>/returns", "POST", roles=MANAGERS, status=201, body=RETURN_BODY,
     summary="Return goods: a credit note, with a refund or credit on the customer's account")
def return_goods(invoice_id: str) -> Any:
    """Credited in proportion; the last return of a line credits exactly what is left."""
    data = json_body(RETURN_BODY)
    step_up_if_old(invoice_id, "a credit note on an invoice")
    returns: dict[int, int] = {}
    for item in data["lines"]:
        returns[item["line_no"]] = returns.get(item["line_no"], 0) + item["quantity_milli"]
    note = after_sale.return_items(_ctx(), current_user_or_none(), invoice_id, returns, data["reason"],
                                   data.get("refund_method"), data.get("reference", ""))
    return jsonify(note), 201


@api(bp, "/invoices/<invoice_id>/refunds", "POST", roles=MANAGERS, status=201, body=REFUND_BODY, response=SUMMARY,
     summary="Give money back on an invoice")
def refund(invoice_id: str) -> Any:
    """Never more than was paid; card, UPI and wallet only up to what each paid."""
    data = json_body(REFUND_BODY)
    return jsonify(after_sale.refund_payment(_ctx(), current_user_or_none(), invoice_id, data["method"],
                                             data["amount_paise"], data.get("reference", ""))), 201


@api(bp, "/invoices/<invoice_id>/cancel", "POST", roles=MANAGERS, body=CANCEL_BODY, response=SUMMARY,
     summary="Cancel an invoice with a reason (its money refunded first; the number stays used)")
def cancel(invoice_id: str) -> Any:
    """A cancelled invoice keeps its number and its history."""
    data = json_body(CANCEL_BODY)
    step_up_if_old(invoice_id, "cancelling an invoice")
    return jsonify(after_sale.cancel_invoice(_ctx(), current_user_or_none(), invoice_id, data["reason"]))
