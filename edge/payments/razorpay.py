"""Razorpay: the Orders API (amounts in paise), UPI by QR (intent link) or collect request, and Razorpay
Checkout on the customer display for cards, wallets and netbanking.

An order is not a charge: money moves only when the customer pays *the order the store saved*. The UPI
intent link Razorpay returns (``upi://pay?…``) is the QR the customer display shows. Checkout callbacks are
trusted only with a payment signature over the saved order ID. Every call has a timeout; mutating calls
carry an Idempotency-Key (honoured by the simulator; Razorpay's own protection is that a second order is
never shown to anyone, so never paid).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from edge.domain.gateway import GatewayState
from edge.payments.base import (
    CURRENCY,
    GatewayPayment,
    GatewayRefused,
    HttpClient,
    PaymentRequest,
    Reachability,
    WebhookEvent,
    header,
    json_of,
)
from edge.payments.signatures import RAZORPAY_HEADER, verify_razorpay_payment, verify_razorpay_webhook

DEFAULT_BASE_URL = "https://api.razorpay.com"
FLOWS = ("upi_qr", "upi_collect", "checkout")
EVENT_ID_HEADER = "X-Razorpay-Event-Id"


def payment_state(entity: Mapping[str, Any]) -> tuple[GatewayState, bool]:
    """Our state for a Razorpay payment entity, and whether it waits for the till's capture."""
    status = entity.get("status")
    amount = int(entity.get("amount") or 0)
    refunded = int(entity.get("amount_refunded") or 0)
    if status == "refunded" or (status == "captured" and amount and refunded >= amount):
        return GatewayState.REFUNDED, False
    if status == "captured":
        return GatewayState.SUCCEEDED, False
    if status == "authorized":
        return GatewayState.PENDING, True
    if status == "failed":
        return GatewayState.FAILED, False
    return GatewayState.PENDING, False


def to_payment(entity: Mapping[str, Any], order_id: str = "", qr_payload: str = "") -> GatewayPayment:
    """A payment entity as the till reads it; its reference is the order."""
    state, needs_capture = payment_state(entity)
    details = {key: entity[key] for key in ("method", "vpa", "bank", "wallet") if entity.get(key)}
    card = entity.get("card") or {}
    details.update({key: card[key] for key in ("network", "last4") if card.get(key)})
    failed = state is GatewayState.FAILED
    return GatewayPayment(
        ref=str(entity.get("order_id") or order_id), state=state, status=str(entity.get("status", "")),
        amount_paise=int(entity.get("amount") or 0), transaction_id=str(entity.get("id", "")),
        needs_capture=needs_capture, refunded_paise=int(entity.get("amount_refunded") or 0),
        failure_code=str(entity.get("error_reason") or entity.get("error_code") or "") if failed else "",
        failure_message=str(entity.get("error_description") or "") if failed else "",
        qr_payload=qr_payload, details=details,
    )


def order_payment(order_id: str, payments: list[Mapping[str, Any]]) -> GatewayPayment:
    """The order's standing from its payments: one captured (or refunded) wins, then one authorised,
    then the latest; an order nobody has paid yet is pending."""
    for wanted in ({"captured", "refunded"}, {"authorized"}):
        for entity in payments:
            if entity.get("status") in wanted:
                return to_payment(entity, order_id)
    if payments:
        latest = max(payments, key=lambda entity: int(entity.get("created_at") or 0))
        return to_payment(latest, order_id)
    return GatewayPayment(ref=order_id, state=GatewayState.PENDING, status="created", amount_paise=0)


class RazorpayGateway:
    """Razorpay's Orders and Payments APIs over requests."""

    name = "razorpay"
    needs_internet = True
    methods = frozenset({"upi", "card", "wallet", "bank_transfer"})
    flows: tuple[str, ...] = FLOWS

    def __init__(self, key_id: str, key_secret: str, webhook_secret: str, reachability: Reachability, *,
                 base_url: str = DEFAULT_BASE_URL, timeout_s: float = 10.0) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self.webhook_secret = webhook_secret
        self.reachability = reachability
        token = base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        self.http = HttpClient(base_url, {"Authorization": f"Basic {token}"}, timeout_s, reachability)

    def _json(self, method: str, path: str, key: str | None = None, body: Any = None) -> dict[str, Any]:
        response = self.http.call(method, path, idempotency_key=key, json=body)
        answer = json_of(response, self.name)
        if response.status_code >= 400:
            error = answer.get("error") or {}
            raise GatewayRefused(f"Razorpay: {error.get('description') or 'request refused'}",
                                 str(error.get("reason") or error.get("code") or "gateway_refused").lower())
        return answer

    def create(self, request: PaymentRequest) -> GatewayPayment:
        """An order for the amount; for UPI also the payment request: a QR link or a collect to a VPA."""
        order = self._json("POST", "/v1/orders", request.idempotency_key, {
            "amount": request.amount_paise, "currency": CURRENCY, "receipt": request.invoice_number[:40],
            "payment_capture": 1, "notes": {"till": request.till, "invoice": request.invoice_number},
        })
        order_id = str(order["id"])
        if request.flow == "checkout":
            return GatewayPayment(ref=order_id, state=GatewayState.PENDING, status=str(order.get("status", "")),
                                  amount_paise=int(order.get("amount") or request.amount_paise),
                                  details={"key_id": self.key_id})
        upi: dict[str, Any] = {"flow": "intent"}
        if request.flow == "upi_collect":
            if not request.vpa:
                raise GatewayRefused("a UPI collect request needs the customer's UPI ID", "vpa_missing")
            upi = {"flow": "collect", "vpa": request.vpa, "expiry_time": 5}
        started = self._json("POST", "/v1/payments/create/upi", f"{request.idempotency_key}-upi", {
            "amount": request.amount_paise, "currency": CURRENCY, "order_id": order_id, "method": "upi",
            "upi": upi, "notes": {"till": request.till, "invoice": request.invoice_number},
        })
        link = str(started.get("link") or "")
        details = {"vpa": request.vpa} if request.vpa else {}
        return GatewayPayment(ref=order_id, state=GatewayState.PENDING, status="created",
                              amount_paise=request.amount_paise,
                              transaction_id=str(started.get("razorpay_payment_id", "")), qr_payload=link,
                              details={**details, "upi_link": link} if link else details)

    def capture(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Capture an authorised payment (orders are made with automatic capture; this is the fallback)."""
        entity = self._json("POST", f"/v1/payments/{payment.transaction_id}/capture", key,
                            {"amount": payment.amount_paise, "currency": CURRENCY})
        return to_payment(entity, payment.ref)

    def cancel(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Orders cannot be cancelled at Razorpay: give up locally unless the customer has already paid."""
        now = self.fetch(payment.ref)
        if now.state in (GatewayState.SUCCEEDED, GatewayState.REFUNDED) or now.needs_capture:
            return now
        return GatewayPayment(ref=payment.ref, state=GatewayState.CANCELLED, status="cancelled_by_till",
                              amount_paise=payment.amount_paise, transaction_id=now.transaction_id)

    def refund(self, payment: GatewayPayment, amount_paise: int, key: str) -> GatewayPayment:
        """Refund part or all of the captured payment; the answer is the order's payment afterwards."""
        self._json("POST", f"/v1/payments/{payment.transaction_id}/refund", key, {"amount": amount_paise})
        return self.fetch(payment.ref)

    def fetch(self, ref: str) -> GatewayPayment:
        """The order's standing, from its payments."""
        payments = self._json("GET", f"/v1/orders/{ref}/payments").get("items") or []
        return order_payment(ref, [entity for entity in payments if isinstance(entity, Mapping)])

    def probe(self) -> None:
        """GET /v1/orders?count=1: the cheapest authenticated read."""
        self.http.call("GET", "/v1/orders", params={"count": 1})

    def verify_checkout(self, saved_order_id: str, payment_id: str, signature: str) -> None:
        """Check a Razorpay Checkout callback against the order the store saved."""
        verify_razorpay_payment(self.key_secret, saved_order_id, payment_id, signature)

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str], now: float) -> WebhookEvent:
        """Verify X-Razorpay-Signature over the raw body, then read the payment the event carries."""
        verify_razorpay_webhook(self.webhook_secret, raw_body, header(headers, RAZORPAY_HEADER))
        event = json.loads(raw_body)
        event_id = header(headers, EVENT_ID_HEADER) or hashlib.sha256(raw_body).hexdigest()
        payload = event.get("payload") or {}
        entity = (payload.get("payment") or {}).get("entity")
        order = (payload.get("order") or {}).get("entity") or {}
        payment = to_payment(entity, str(order.get("id", ""))) if isinstance(entity, Mapping) else None
        ref = payment.ref if payment is not None else str(order.get("id", ""))
        return WebhookEvent(event_id, str(event.get("event", "")), ref, payment, event)
