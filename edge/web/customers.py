"""Customers over REST: list and search, add (also at the till), view, edit, delete, statement, payments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.services import customers
from edge.web.access import current_user_or_none
from edge.web.api import Param, api, json_body

bp = Blueprint("customers", __name__, url_prefix="/api/v1/customers")
READERS = ("admin", "manager", "cashier")
EDITORS = ("admin", "manager")

TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
STATE = {"type": "string", "pattern": "^[0-9]{2}$", "description": "GST state code, e.g. 27 (Maharashtra)"}
DAY = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
FIELDS: dict[str, Any] = {
    "code": {"type": "string", "maxLength": 16, "description": "made as C0001, C0002, ... when not given"},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "phone": {"type": ["string", "null"], "maxLength": 20},
    "email": {"type": ["string", "null"], "maxLength": 200},
    "type": {"type": "string", "description": "customer type code: retail, wholesale, b2b, staff"},
    "rate_tier": {"type": "string", "description": "wholesale, counter or customer; default: the type's tier"},
    "billing_address": {"type": "string", "maxLength": 2000},
    "billing_state_code": STATE,
    "shipping_address": {"type": "string", "maxLength": 2000},
    "shipping_state_code": STATE,
    "credit_limit_paise": {"type": "integer", "minimum": 0},
    "gstin": {"type": ["string", "null"], "description": "null or empty ends the GSTIN in force"},
    "legal_name": {"type": "string", "maxLength": 200},
    "gstin_effective_from": {**DAY, "description": "day a GSTIN (or legal name) change takes effect; default today"},
    "gstin_state_reason": {"type": "string", "maxLength": 500,
                           "description": "why the GSTIN's state differs from the billing state"},
}
NEW_BODY = {"type": "object", "required": ["name"], "properties": FIELDS}
CHANGE_BODY = {"type": "object", "properties": {**FIELDS, "is_active": {"type": "boolean"}}}
GSTIN_PERIOD = {"type": "object", "properties": {
    "gstin": TEXT, "legal_name": TEXT, "state_code": TEXT, "valid_from": TEXT, "valid_to": NULLABLE_TEXT}}
CUSTOMER = {"type": "object", "properties": {
    "id": TEXT, "code": TEXT, "name": TEXT, "phone": NULLABLE_TEXT, "email": NULLABLE_TEXT, "type": TEXT,
    "rate_tier": TEXT, "billing_address": TEXT, "billing_state_code": TEXT, "shipping_address": TEXT,
    "shipping_state_code": TEXT, "credit_limit_paise": {"type": "integer"}, "is_active": {"type": "boolean"},
    "gstin": NULLABLE_TEXT, "legal_name": NULLABLE_TEXT, "gstin_history": {"type": "array", "items": GSTIN_PERIOD},
    "balance_paise": {"type": "integer"}, "credit_available_paise": {"type": "integer"},
    "open_invoices": {"type": "array", "items": {"type": "object"}},
}}
PAGE_PARAMS = (
    Param("page", {"type": "integer", "minimum": 1}, "page number, from 1"),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "items a page (25)"),
)
PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"type": "object"}}, "page": {"type": "integer"},
    "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"}}}
STATEMENT = {"type": "object", "properties": {
    "from": TEXT, "to": TEXT, "timezone": TEXT, "opening_paise": {"type": "integer"},
    "closing_paise": {"type": "integer"}, "debits_paise": {"type": "integer"}, "credits_paise": {"type": "integer"},
    "lines": {"type": "array", "items": {"type": "object"}}}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "", "GET", roles=READERS, summary="Find customers: search, filters, pages",
     query=(Param("q", TEXT, "words; each must match the name, code, phone or a GSTIN"),
            Param("type", TEXT, "customer type code"), Param("state", TEXT, "billing state code"),
            Param("has_gstin", {"type": "boolean"}, "with (true) or without (false) a GSTIN in force today"),
            Param("min_balance_paise", {"type": "integer"}, "balance at least this"),
            Param("status", {"type": "string", "enum": ["active", "inactive", "all"]}, "active (default)"),
            *PAGE_PARAMS),
     response=PAGE)
def list_customers() -> Any:
    """Ordered by name then code; total counts every match."""
    return jsonify(customers.list_customers(_ctx(), request.args.to_dict()))


@api(bp, "", "POST", roles=READERS, summary="Add a customer (cashiers too, without credit or a special tier)",
     body=NEW_BODY, response=CUSTOMER, status=201)
def create_customer() -> Any:
    """A GSTIN is checked (format, check character, state) and starts its first period."""
    data = json_body(NEW_BODY)
    return jsonify(customers.create_customer(_ctx(), current_user_or_none(), data)), 201


@api(bp, "/<customer_id>", "GET", roles=READERS, summary="A customer with balance, GSTIN history, open invoices",
     response=CUSTOMER)
def get_customer(customer_id: str) -> Any:
    """Balance is the sum of the customer's ledger entries."""
    return jsonify(customers.view_customer(_ctx(), customer_id))


@api(bp, "/<customer_id>", "PATCH", roles=EDITORS, summary="Change a customer; a GSTIN change keeps history",
     body=CHANGE_BODY, response=CUSTOMER)
def change_customer(customer_id: str) -> Any:
    """Only the fields sent change; the old GSTIN period ends the day before the new one starts."""
    data = json_body(CHANGE_BODY)
    return jsonify(customers.update_customer(_ctx(), current_user_or_none(), customer_id, data))


@api(bp, "/<customer_id>", "DELETE", roles=EDITORS,
     summary="Delete a customer (deactivated when it has history; 409 while money is open)",
     response={"type": "object", "properties": {"id": TEXT, "code": TEXT,
                                                "outcome": {"type": "string", "enum": ["deleted", "deactivated"]}}})
def delete_customer(customer_id: str) -> Any:
    """Refused while the customer owes or is owed money or has open invoices."""
    return jsonify(customers.delete_customer(_ctx(), current_user_or_none(), customer_id))


@api(bp, "/<customer_id>/statement", "GET", roles=READERS,
     summary="Account statement for a period: opening, entries with running balance, closing",
     query=(Param("from", DAY, "first day (store time zone); default: first of the month of 'to'"),
            Param("to", DAY, "last day, inclusive; default today")),
     response=STATEMENT)
def customer_statement(customer_id: str) -> Any:
    """Days are the store's; entries are stored in UTC."""
    return jsonify(customers.statement(_ctx(), customer_id, request.args.get("from"), request.args.get("to")))


@api(bp, "/<customer_id>/payments", "GET", roles=READERS, summary="Payments received from the customer",
     query=PAGE_PARAMS, response=PAGE)
def customer_payments(customer_id: str) -> Any:
    """Newest first; amounts put on credit at the till are not payments and are left out."""
    return jsonify(customers.payments(_ctx(), customer_id, request.args.to_dict()))
