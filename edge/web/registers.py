"""Till registers over REST: open with a float, cash in and out, close with the count, Z-report."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.services import registers
from edge.services.carts import sale_date
from edge.services.errors import InvalidInput
from edge.web.access import current_user_or_none
from edge.web.api import Param, api, json_body

bp = Blueprint("registers", __name__, url_prefix="/api/v1/tills/<till>")
SELLERS = ("admin", "manager", "cashier")
PAISE = {"type": "integer", "minimum": 0}
REGISTER = {"type": "object", "properties": {
    "id": {"type": "string"}, "status": {"type": "string"}, "expected_cash_paise": {"type": ["integer", "null"]},
    "over_short_paise": {"type": ["integer", "null"]}}}
OPEN_BODY = {"type": "object", "required": ["opening_float_paise"], "properties": {"opening_float_paise": PAISE}}
CASH_BODY = {"type": "object", "required": ["kind", "amount_paise", "reason"], "properties": {
    "kind": {"type": "string", "enum": ["pay_in", "pay_out"]}, "amount_paise": {"type": "integer", "minimum": 1},
    "reason": {"type": "string", "minLength": 1, "maxLength": 200}}}
CLOSE_BODY = {"type": "object", "required": ["counted_cash_paise"], "properties": {"counted_cash_paise": PAISE}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "/register", "GET", roles=SELLERS, summary="The till's open register (null when closed)",
     response={"type": ["object", "null"]})
def current(till: str) -> Any:
    """Float, cash expected now and the movements so far."""
    return jsonify(registers.current_register(till))


@api(bp, "/register/open", "POST", roles=SELLERS, summary="Open the register with a float", body=OPEN_BODY,
     response=REGISTER, status=201)
def open_register(till: str) -> Any:
    """One open register per till."""
    data = json_body(OPEN_BODY)
    return jsonify(registers.open_register(_ctx(), current_user_or_none(), till, data["opening_float_paise"])), 201


@api(bp, "/register/cash", "POST", roles=SELLERS, summary="Cash in or out with a reason", body=CASH_BODY,
     response=REGISTER, status=201)
def move_cash(till: str) -> Any:
    """A pay-out cannot take more than the drawer holds."""
    data = json_body(CASH_BODY)
    return jsonify(registers.move_cash(_ctx(), current_user_or_none(), till, data["kind"], data["amount_paise"],
                                       data["reason"])), 201


@api(bp, "/register/close", "POST", roles=SELLERS, summary="Close with the counted cash (over or short)",
     body=CLOSE_BODY, response=REGISTER)
def close_register(till: str) -> Any:
    """Expected = float + cash taken − cash refunded + pay-ins − pay-outs."""
    data = json_body(CLOSE_BODY)
    return jsonify(registers.close_register(_ctx(), current_user_or_none(), till, data["counted_cash_paise"]))


@api(bp, "/z-report", "GET", roles=("admin", "manager"), summary="A till's day: sales, taxes, payments, registers",
     query=(Param("date", {"type": "string", "format": "date"}, "store-local day (default today)"),))
def z_report(till: str) -> Any:
    """Invoices, taxes by rate, payments and refunds by method, credit notes and closed registers."""
    text = request.args.get("date")
    try:
        day = date.fromisoformat(text) if text else sale_date(_ctx())
    except ValueError as exc:
        raise InvalidInput("date must be YYYY-MM-DD", "date") from exc
    return jsonify(registers.z_report(_ctx(), till, day))
