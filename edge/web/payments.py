"""Gateway payments over REST: the methods on offer now, start / follow / cancel / refund an attempt, the UPI
QR for the customer display, and the gateways' signed webhooks (the only unauthenticated routes that
change anything, and only once the signature over the raw body checks out)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.payments.base import GatewayError, SignatureError
from edge.services import gateway_payments
from edge.services.errors import InvalidInput, NotFound
from edge.web.access import SIGNED_WEBHOOK, current_user_or_none
from edge.web.api import Param, api, json_body

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__, url_prefix="/api/v1")
SELLERS = ("admin", "manager", "cashier")
MANAGERS = ("admin", "manager")
FLOWS = ["counter", "external_terminal", "card_present", "online", "upi_qr", "upi_collect", "checkout"]
START_BODY = {"type": "object", "required": ["method", "amount_paise"], "properties": {
    "method": {"type": "string", "enum": ["cash", "card", "upi", "wallet", "bank_transfer"]},
    "amount_paise": {"type": "integer", "minimum": 1},
    "flow": {"type": "string", "enum": FLOWS,
             "description": "how the method is taken; default: the method's first enabled flow"},
    "payment_method": {"type": "string", "maxLength": 255, "pattern": "^pm_[A-Za-z0-9_]+$",
                       "description": "online cards: the Stripe.js payment method token (never a card number)"},
    "vpa": {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,64}$",
            "description": "upi_collect: the customer's UPI ID"},
    "reference": {"type": "string", "maxLength": 120, "description": "external_terminal: the slip's reference"},
    "tendered_paise": {"type": "integer", "minimum": 1, "description": "cash handed over"},
}}
ATTEMPT = {"type": "object", "properties": {
    "id": {"type": "string"}, "invoice_id": {"type": "string"}, "gateway": {"type": "string"},
    "method": {"type": "string"}, "flow": {"type": "string"}, "attempt": {"type": "integer"},
    "amount_paise": {"type": "integer"}, "state": {"type": "string", "enum": [
        "created", "pending", "succeeded", "failed", "cancelled", "refunded"]},
    "transaction_id": {"type": "string"}, "message": {"type": "string"},
    "failure": {"type": ["object", "null"]}, "qr_payload": {"type": "string"},
    "payment_id": {"type": ["string", "null"]},
}}
REFUND_BODY = {"type": "object", "properties": {"amount_paise": {"type": "integer", "minimum": 1}}}
CONFIRM_BODY = {"type": "object", "required": ["razorpay_payment_id", "razorpay_signature"], "properties": {
    "razorpay_payment_id": {"type": "string", "maxLength": 64}, "razorpay_order_id": {"type": "string"},
    "razorpay_signature": {"type": "string", "maxLength": 128}}}
RECEIVED = {"type": "object", "properties": {"received": {"type": "boolean"}, "duplicate": {"type": "boolean"}}}
EMPTY = {"type": "object", "properties": {}}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "/payments/methods", "GET", roles=SELLERS,
     summary="Payment methods on offer now, and whether each gateway answers",
     response={"type": "object", "properties": {"methods": {"type": "array", "items": {"type": "object"}},
                                                "gateways": {"type": "array", "items": {"type": "object"}}}})
def payment_methods() -> Any:
    """Methods that need the internet show unavailable while their gateway is down; cash and the external
    terminal always work."""
    return jsonify(gateway_payments.methods(_ctx()))


@api(bp, "/invoices/<invoice_id>/gateway-payments", "POST", roles=SELLERS, status=201, body=START_BODY,
     response=ATTEMPT, summary="Take a payment through a gateway (card reader, online card, UPI QR or collect, "
                               "Razorpay Checkout, cash, external terminal)")
def start_payment(invoice_id: str) -> Any:
    """Sent again after a timeout, it resumes the same attempt with the same Idempotency-Key."""
    data = json_body(START_BODY)
    document = gateway_payments.start(
        _ctx(), current_user_or_none(), invoice_id, data["method"], data["amount_paise"], data.get("flow"),
        data.get("payment_method", ""), data.get("vpa", ""), data.get("reference", ""), data.get("tendered_paise"))
    return jsonify(document), 201


@api(bp, "/invoices/<invoice_id>/gateway-payments", "GET", roles=SELLERS,
     response={"type": "object", "properties": {"items": {"type": "array", "items": ATTEMPT}}},
     summary="An invoice's gateway payments, newest first (a waiting one shows again after a page reload)")
def list_payments(invoice_id: str) -> Any:
    """Each attempt as GET /gateway-payments/{id} answers it: state, message, transaction ID, QR while waiting."""
    return jsonify({"items": gateway_payments.invoice_attempts(_ctx(), invoice_id)})


@api(bp, "/gateway-payments/<gateway_payment_id>", "GET", roles=SELLERS, response=ATTEMPT,
     summary="A gateway payment's state (refresh=true asks the gateway first)",
     query=[Param("refresh", {"type": "boolean"}, "check a pending payment with its gateway now")])
def get_payment(gateway_payment_id: str) -> Any:
    """State, transaction ID and the message for the cashier."""
    refresh = request.args.get("refresh", "").lower() in ("1", "true", "yes")
    return jsonify(gateway_payments.view(_ctx(), gateway_payment_id, refresh))


@api(bp, "/gateway-payments/<gateway_payment_id>/cancel", "POST", roles=SELLERS, body=EMPTY, response=ATTEMPT,
     summary="Cancel a payment still waiting (if the customer paid meanwhile, it is recorded instead)")
def cancel_payment(gateway_payment_id: str) -> Any:
    """Released at the gateway where it can be."""
    json_body(EMPTY)
    return jsonify(gateway_payments.cancel(_ctx(), current_user_or_none(), gateway_payment_id))


@api(bp, "/gateway-payments/<gateway_payment_id>/refund", "POST", roles=MANAGERS, body=REFUND_BODY,
     response=ATTEMPT, summary="Refund a gateway payment through its gateway (all of it unless an amount is given)")
def refund_payment(gateway_payment_id: str) -> Any:
    """The refund joins the invoice's payments once the gateway confirms it."""
    data = json_body(REFUND_BODY)
    return jsonify(gateway_payments.refund_attempt(_ctx(), current_user_or_none(), gateway_payment_id,
                                                   data.get("amount_paise")))


@api(bp, "/gateway-payments/<gateway_payment_id>/qr", "GET", roles=SELLERS,
     summary="The UPI QR payload the customer display shows while the payment waits",
     response={"type": "object", "properties": {"payload": {"type": "string"}, "amount_paise": {"type": "integer"},
                                                "state": {"type": "string"}}})
def payment_qr(gateway_payment_id: str) -> Any:
    """A ``upi://pay?…`` link, to draw as a QR code."""
    return jsonify(gateway_payments.qr(_ctx(), gateway_payment_id))


@api(bp, "/gateway-payments/<gateway_payment_id>/razorpay-confirm", "POST", roles=SELLERS, body=CONFIRM_BODY,
     response=ATTEMPT, summary="Razorpay Checkout's success callback (verified against the order the store saved)")
def confirm_payment(gateway_payment_id: str) -> Any:
    """The signature is HMAC-SHA256 of saved_order_id|payment_id; the order ID in the callback is ignored."""
    data = json_body(CONFIRM_BODY)
    return jsonify(gateway_payments.confirm_checkout(_ctx(), gateway_payment_id, data["razorpay_payment_id"],
                                                     data["razorpay_signature"]))


SIMULATE_BODY = {"type": "object", "required": ["outcome"], "properties": {
    "outcome": {"type": "string", "enum": ["pay", "decline"]}}}


@api(bp, "/gateway-payments/<gateway_payment_id>/simulate", "POST", roles=SELLERS, body=SIMULATE_BODY,
     status=202, response=ATTEMPT,
     summary="Demo mode: the customer pays or declines at the simulated gateway (the webhook follows)")
def simulate_customer(gateway_payment_id: str) -> Any:
    """Taps a card on the simulated reader, approves the UPI request, or pays in the simulated Checkout."""
    data = json_body(SIMULATE_BODY)
    return jsonify(gateway_payments.simulate_customer(_ctx(), gateway_payment_id, data["outcome"] == "pay")), 202


def _webhook(name: str) -> Any:
    ctx = _ctx()
    gateway = ctx.gateways.get(name) if ctx.gateways is not None else None
    if gateway is None:
        raise NotFound(f"{name} is not enabled on this store", "gateway")
    raw = request.get_data(cache=True)
    try:
        event = gateway.parse_webhook(raw, dict(request.headers), time.time())
    except SignatureError as exc:
        log.warning("refused a %s webhook from %s: %s", name, request.remote_addr, exc.message)
        raise InvalidInput(exc.message, exc.header, "bad_signature") from exc
    except (ValueError, GatewayError) as exc:
        log.warning("refused a %s webhook from %s: unreadable body", name, request.remote_addr)
        raise InvalidInput("the webhook body is not a JSON event", None, "bad_event") from exc
    return jsonify(gateway_payments.handle_webhook(ctx, name, event))


@api(bp, "/payments/webhooks/stripe", "POST", roles=SIGNED_WEBHOOK, body={"type": "object"}, response=RECEIVED,
     summary="Stripe webhook (Stripe-Signature verified: t=, v1= HMAC-SHA256, 300 s tolerance)")
def stripe_webhook() -> Any:
    """Each event applied once (kept by its ID)."""
    return _webhook("stripe")


@api(bp, "/payments/webhooks/razorpay", "POST", roles=SIGNED_WEBHOOK, body={"type": "object"}, response=RECEIVED,
     summary="Razorpay webhook (X-Razorpay-Signature verified over the raw body)")
def razorpay_webhook() -> Any:
    """Each event applied once (kept by X-Razorpay-Event-Id), in whatever order they come."""
    return _webhook("razorpay")
