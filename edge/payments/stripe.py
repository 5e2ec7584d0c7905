"""Stripe: PaymentIntents for cards, in person through a Terminal reader or online with a Stripe.js token.

Card present: the intent is made with ``payment_method_types[]=card_present`` and manual capture, handed
to the till's reader (``process_payment_intent``); when the customer taps, it becomes
``requires_capture`` and the till captures it. Online: the intent is confirmed at once with the payment
method token (``pm_…``) the customer's browser got from Stripe.js. Every mutating call carries an
Idempotency-Key; every call has a timeout.
"""

from __future__ import annotations

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
from edge.payments.signatures import STRIPE_HEADER, verify_stripe

DEFAULT_BASE_URL = "https://api.stripe.com"
FLOWS = ("card_present", "online")
EXPAND = [("expand[]", "latest_charge")]


def _failure(intent: Mapping[str, Any]) -> tuple[str, str]:
    error = intent.get("last_payment_error") or {}
    code = str(error.get("decline_code") or error.get("code") or "")
    return code, str(error.get("message") or "")


def intent_state(intent: Mapping[str, Any]) -> tuple[GatewayState, bool]:
    """Our state for a PaymentIntent, and whether it waits for the till's capture."""
    status = intent.get("status")
    if status == "succeeded":
        charge = intent.get("latest_charge")
        if isinstance(charge, Mapping) and charge.get("refunded"):
            return GatewayState.REFUNDED, False
        return GatewayState.SUCCEEDED, False
    if status == "canceled":
        return GatewayState.CANCELLED, False
    if status == "requires_capture":
        return GatewayState.PENDING, True
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return GatewayState.FAILED, False
    return GatewayState.PENDING, False


def to_payment(intent: Mapping[str, Any]) -> GatewayPayment:
    """A PaymentIntent (its latest charge expanded when present) as the till reads it."""
    state, needs_capture = intent_state(intent)
    code, message = _failure(intent) if state is GatewayState.FAILED else ("", "")
    charge = intent.get("latest_charge")
    details: dict[str, Any] = {}
    refunded = 0
    if isinstance(charge, Mapping):
        refunded = int(charge.get("amount_refunded") or 0)
        method_details = charge.get("payment_method_details") or {}
        card = method_details.get("card_present") or method_details.get("card") or {}
        details = {key: card[key] for key in ("brand", "last4") if card.get(key)}
    if intent.get("client_secret"):
        details["client_secret"] = intent["client_secret"]
    return GatewayPayment(
        ref=str(intent["id"]), state=state, status=str(intent.get("status", "")),
        amount_paise=int(intent.get("amount") or 0), transaction_id=str(intent["id"]),
        needs_capture=needs_capture, refunded_paise=refunded, failure_code=code, failure_message=message,
        details=details,
    )


class StripeGateway:
    """Stripe's PaymentIntents API over requests."""

    name = "stripe"
    needs_internet = True
    methods = frozenset({"card"})
    flows: tuple[str, ...] = FLOWS

    def __init__(self, secret_key: str, webhook_secret: str, reachability: Reachability, *,
                 base_url: str = DEFAULT_BASE_URL, timeout_s: float = 10.0, terminal_reader: str = "") -> None:
        self.webhook_secret = webhook_secret
        self.terminal_reader = terminal_reader
        self.reachability = reachability
        self.http = HttpClient(base_url, {"Authorization": f"Bearer {secret_key}"}, timeout_s, reachability)

    def _intent(self, method: str, path: str, key: str | None = None,
                data: list[tuple[str, Any]] | None = None) -> GatewayPayment:
        response = self.http.call(method, path, idempotency_key=key, data=data,
                                  params=EXPAND if method == "GET" else None)
        body = json_of(response, self.name)
        if response.status_code == 402 and isinstance(body.get("error", {}).get("payment_intent"), Mapping):
            # A decline: Stripe answers 402 with the intent, now carrying last_payment_error.
            return to_payment(body["error"]["payment_intent"])
        if response.status_code >= 400:
            error = body.get("error") or {}
            raise GatewayRefused(f"Stripe: {error.get('message') or 'request refused'}",
                                 str(error.get("code") or "gateway_refused"))
        return to_payment(body)

    def create(self, request: PaymentRequest) -> GatewayPayment:
        """A PaymentIntent: confirmed with the token online, or handed to the till's reader in person."""
        data: list[tuple[str, Any]] = [
            ("amount", request.amount_paise), ("currency", CURRENCY.lower()),
            ("description", f"Invoice {request.invoice_number}"),
            ("metadata[till]", request.till), ("metadata[invoice]", request.invoice_number),
        ]
        if request.flow == "online":
            if not request.payment_method:
                raise GatewayRefused("an online card payment needs the card's payment method token", "token_missing")
            data += [("payment_method_types[]", "card"), ("payment_method", request.payment_method),
                     ("confirm", "true"), *EXPAND]
            return self._intent("POST", "/v1/payment_intents", request.idempotency_key, data)
        if not self.terminal_reader:
            raise GatewayRefused("no Stripe Terminal reader is configured (payments.stripe_terminal_reader)",
                                 "no_reader")
        data += [("payment_method_types[]", "card_present"), ("capture_method", "manual")]
        intent = self._intent("POST", "/v1/payment_intents", request.idempotency_key, data)
        if intent.state is GatewayState.PENDING and not intent.needs_capture:
            response = self.http.call("POST", f"/v1/terminal/readers/{self.terminal_reader}/process_payment_intent",
                                      idempotency_key=f"{request.idempotency_key}-reader",
                                      data=[("payment_intent", intent.ref)])
            if response.status_code >= 400:
                error = json_of(response, self.name).get("error") or {}
                raise GatewayRefused(f"Stripe Terminal: {error.get('message') or 'the reader refused'}",
                                     str(error.get("code") or "reader_refused"))
        return intent

    def capture(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Capture an intent waiting in requires_capture."""
        return self._intent("POST", f"/v1/payment_intents/{payment.ref}/capture", key, [*EXPAND])

    def cancel(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Cancel an intent not yet succeeded (a reader still waiting for a card is released)."""
        return self._intent("POST", f"/v1/payment_intents/{payment.ref}/cancel", key, [*EXPAND])

    def refund(self, payment: GatewayPayment, amount_paise: int, key: str) -> GatewayPayment:
        """Refund part or all of a succeeded intent; the answer is the intent with its total refunded."""
        response = self.http.call("POST", "/v1/refunds", idempotency_key=key,
                                  data=[("payment_intent", payment.ref), ("amount", amount_paise)])
        if response.status_code >= 400:
            error = json_of(response, self.name).get("error") or {}
            raise GatewayRefused(f"Stripe: {error.get('message') or 'refund refused'}",
                                 str(error.get("code") or "refund_refused"))
        return self.fetch(payment.ref)

    def fetch(self, ref: str) -> GatewayPayment:
        """The intent now, with its latest charge."""
        return self._intent("GET", f"/v1/payment_intents/{ref}")

    def probe(self) -> None:
        """GET /v1/balance: the cheapest authenticated read."""
        self.http.call("GET", "/v1/balance")

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str], now: float) -> WebhookEvent:
        """Verify Stripe-Signature, then read the event; intents are read as payments, charges by their intent."""
        verify_stripe(self.webhook_secret, raw_body, header(headers, STRIPE_HEADER), now)
        event = json.loads(raw_body)
        obj = (event.get("data") or {}).get("object") or {}
        payment = to_payment(obj) if obj.get("object") == "payment_intent" else None
        ref = str(obj.get("id") if payment is not None else obj.get("payment_intent") or "")
        return WebhookEvent(str(event.get("id", "")), str(event.get("type", "")), ref, payment, event)
