"""A local Stripe and Razorpay for tests and ``make run``'s demo mode: a small WSGI app on loopback speaking
the subset of both HTTP APIs the adapters use, with their idempotency semantics, declines, signed webhooks
POSTed to the daemon, and injected timeouts and 5xx answers.

Test cards and tokens (as Stripe documents them): ``pm_card_visa`` / ``pm_card_mastercard`` succeed,
``pm_card_chargeDeclined`` and ``pm_card_chargeDeclinedInsufficientFunds`` are declined; on a Terminal
reader card 4242 4242 4242 4242 succeeds and 4000 0000 0000 0002 is declined (``card_declined``). UPI
(Razorpay's test VPAs): ``success@razorpay`` pays, ``failure@razorpay`` fails. A QR (intent) payment waits for
the customer: ``customer_pays`` here or ``POST /_sim/razorpay/payments/{id}/complete``.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets as token_source
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests

from edge.payments.signatures import hmac_hex, razorpay_payment_signature, stripe_signature_header

log = logging.getLogger(__name__)
STRIPE_CARDS = {"pm_card_visa": ("visa", "4242"), "pm_card_mastercard": ("mastercard", "4444")}
STRIPE_DECLINES = {"pm_card_chargeDeclined": "generic_decline",
                   "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds"}
READER_DECLINED = "4000000000000002"
UPI_SUCCESS, UPI_FAILURE = "success@razorpay", "failure@razorpay"
Json = dict[str, Any]


class Answer(Exception):
    """An HTTP answer raised from deep inside a handler (errors mostly)."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _new_id(prefix: str) -> str:
    return f"{prefix}_{token_source.token_hex(7)}"


def _stripe_error(status: int, message: str, code: str = "", kind: str = "invalid_request_error",
                  **extra: Any) -> Answer:
    return Answer(status, {"error": {"type": kind, "code": code, "message": message, **extra}})


def _razorpay_error(status: int, description: str, reason: str = "input_validation_failed") -> Answer:
    return Answer(status, {"error": {"code": "BAD_REQUEST_ERROR", "description": description, "reason": reason,
                                     "source": "business", "step": "payment_initiation"}})


def form_params(body: bytes) -> Json:
    """Stripe's form encoding: ``a[]`` collects a list, ``a[b]`` a nested object."""
    params: Json = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        if key.endswith("[]"):
            params.setdefault(key[:-2], []).append(value)
        elif "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            params.setdefault(outer, {})[inner] = value
        else:
            params[key] = value
    return params


@dataclass
class Webhook:
    """A signed webhook the simulator sends (or keeps for a test to deliver)."""

    gateway: str
    path: str
    body: bytes
    headers: dict[str, str]
    event_id: str


@dataclass
class Faults:
    """Failures to inject on the next matching requests."""

    fail: list[tuple[str, int]] = field(default_factory=list)  # (path prefix, status)
    delay: list[tuple[str, float]] = field(default_factory=list)  # (path prefix, seconds)

    def take(self, queue: list[tuple[str, Any]], path: str) -> Any:
        for index, (prefix, value) in enumerate(queue):
            if path.startswith(prefix):
                del queue[index]
                return value
        return None


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("simulator: " + format, *args)


class GatewaySimulator:
    """Stripe and Razorpay on one loopback port (paths ``/stripe/v1/…`` and ``/razorpay/v1/…``)."""

    def __init__(self, *, stripe_key: str = "", stripe_webhook_secret: str = "", razorpay_key_id: str = "",
                 razorpay_key_secret: str = "", razorpay_webhook_secret: str = "", webhook_url: str = "",
                 store_vpa: str = "store@razorpay", webhook_verify: str | bool = True) -> None:
        self.stripe_key = stripe_key or f"sk_test_{token_source.token_hex(12)}"
        self.stripe_webhook_secret = stripe_webhook_secret or f"whsec_{token_source.token_hex(16)}"
        self.razorpay_key_id = razorpay_key_id or f"rzp_test_{token_source.token_hex(6)}"
        self.razorpay_key_secret = razorpay_key_secret or token_source.token_hex(12)
        self.razorpay_webhook_secret = razorpay_webhook_secret or token_source.token_hex(12)
        self.webhook_url = webhook_url.rstrip("/")
        self.webhook_verify = webhook_verify  # the store CA's file when the daemon serves HTTPS
        self.store_vpa = store_vpa
        self.faults = Faults()
        self.lock = threading.RLock()
        self.intents: dict[str, Json] = {}
        self.charges: dict[str, Json] = {}
        self.readers: dict[str, Json] = {}
        self.orders: dict[str, Json] = {}
        self.payments: dict[str, Json] = {}
        self.idempotent: dict[tuple[str, str], tuple[str, int, Json]] = {}
        self.charged = {"stripe": 0, "razorpay": 0}
        self.requests: list[tuple[str, str]] = []
        self.webhooks: list[Webhook] = []
        self._pending_delivery: list[Webhook] = []
        self._wake = threading.Condition(self.lock)
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> GatewaySimulator:
        """Serve on loopback from a thread (and deliver webhooks from another when a URL is set)."""
        self._server = make_server(host, port, self.wsgi, server_class=_Server, handler_class=_QuietHandler)
        serving = threading.Thread(target=self._server.serve_forever, name="gateway-simulator", daemon=True)
        delivering = threading.Thread(target=self._deliver_loop, name="gateway-webhooks", daemon=True)
        self._threads = [serving, delivering]
        for thread in self._threads:
            thread.start()
        return self

    @property
    def url(self) -> str:
        """Base address of the simulator."""
        assert self._server is not None, "start the simulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def base_urls(self) -> dict[str, str]:
        """Each gateway's base URL (configure the adapters with these)."""
        return {"stripe": f"{self.url}/stripe", "razorpay": f"{self.url}/razorpay"}

    def credentials(self) -> dict[str, str]:
        """The keys and webhook secrets, named as in the secrets file."""
        return {"stripe_secret_key": self.stripe_key, "stripe_webhook_secret": self.stripe_webhook_secret,
                "razorpay_key_id": self.razorpay_key_id, "razorpay_key_secret": self.razorpay_key_secret,
                "razorpay_webhook_secret": self.razorpay_webhook_secret}

    def stop(self) -> None:
        """Stop serving (the gateway is 'down': connections are refused)."""
        with self.lock:
            self._stopping = True
            self._wake.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    # --- failure injection and customer actions -----------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, path_prefix: str = "") -> None:
        """The next ``count`` requests (under a path prefix) answer ``status`` without doing anything."""
        with self.lock:
            self.faults.fail += [(path_prefix, status)] * count

    def delay_next(self, seconds: float, path_prefix: str = "") -> None:
        """The next request (under a path prefix) is carried out, then answered ``seconds`` late (a timeout
        for a client that waits less: the charge happened, the answer was lost)."""
        with self.lock:
            self.faults.delay.append((path_prefix, seconds))

    def present_card(self, reader: str, number: str = "4242424242424242") -> Json:
        """The customer taps a card on a Terminal reader (Stripe's test helper)."""
        with self.lock:
            return self._present(reader, number)

    def customer_pays(self, payment_id: str, succeed: bool = True) -> Json:
        """The customer approves (or declines) a UPI request in their app."""
        with self.lock:
            return self._complete_upi(payment_id, succeed)

    def checkout_pays(self, order_id: str, method: str = "card") -> Json:
        """The customer pays an order in Razorpay Checkout: the callback Checkout hands to the page."""
        with self.lock:
            order = self.orders[order_id]
            payment = self._razorpay_payment(order, method, "")
            self._capture_razorpay(payment, order)
            return {"razorpay_payment_id": payment["id"], "razorpay_order_id": order_id,
                    "razorpay_signature": razorpay_payment_signature(self.razorpay_key_secret, order_id,
                                                                     payment["id"])}

    def take_webhooks(self) -> list[Webhook]:
        """Webhooks not delivered yet (with no webhook URL, the test delivers them itself)."""
        with self.lock:
            taken, self._pending_delivery = self._pending_delivery, []
            return taken

    # --- WSGI -----------------------------------------------------------------------------------------

    def wsgi(self, environ: Json, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The simulator's HTTP entry point."""
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        delay = 0.0
        with self.lock:
            self.requests.append((method, path))
            failure = self.faults.take(self.faults.fail, path)
            delay = self.faults.take(self.faults.delay, path) or 0.0
        extra: list[tuple[str, str]] = []
        if failure:
            status, answer = failure, {"error": {"message": "simulated server error"}}
        else:
            try:
                status, answer, replayed = self._route(method, path, body, query, headers)
                if replayed:
                    extra.append(("Idempotent-Replayed", "true"))
            except Answer as exc:
                status, answer = exc.status, exc.body
        if delay:
            time.sleep(delay)  # the simulated slow gateway: work done, answer late
        payload = json.dumps(answer).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                                       *extra])
        return [payload]

    def _route(self, method: str, path: str, body: bytes, query: Json,
               headers: dict[str, str]) -> tuple[int, Json, bool]:
        if path.startswith("/_sim/"):
            return 200, self._helper(path, json.loads(body or b"{}")), False
        gateway, _, rest = path.lstrip("/").partition("/")
        if gateway == "stripe":
            if headers.get("authorization") != f"Bearer {self.stripe_key}":
                raise _stripe_error(401, "Invalid API Key provided")
            params = form_params(body) if method == "POST" else {"expand": query.get("expand[]", "").split(",")}
            handler: Callable[[str, str, Json], Json] = self._stripe
        elif gateway == "razorpay":
            expected = base64.b64encode(f"{self.razorpay_key_id}:{self.razorpay_key_secret}".encode()).decode()
            if headers.get("authorization") != f"Basic {expected}":
                raise Answer(401, {"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}})
            params = json.loads(body or b"{}") if method == "POST" else query
            handler = self._razorpay
        else:
            raise Answer(404, {"error": {"message": f"no route {path}"}})
        key = headers.get("idempotency-key", "")
        if method != "POST" or not key:
            with self.lock:
                return 200, handler(method, "/" + rest, params), False
        fingerprint = json.dumps([method, rest, params], sort_keys=True)
        with self.lock:
            seen = self.idempotent.get((gateway, key))
            if seen is not None:
                if seen[0] != fingerprint:
                    raise _stripe_error(400, "Keys for idempotent requests can only be used with the same "
                                             "parameters they were first used with.", kind="idempotency_error")
                return seen[1], seen[2], True
            try:
                status, answer = 200, handler(method, "/" + rest, params)
            except Answer as exc:
                status, answer = exc.status, exc.body
            if status < 500:
                self.idempotent[(gateway, key)] = (fingerprint, status, answer)
            if status >= 400:
                raise Answer(status, answer)
            return status, answer, False

    # --- Stripe ------------------------------------------------------------------------------------------

    def _stripe(self, method: str, path: str, params: Json) -> Json:
        parts = path.strip("/").split("/")
        if method == "GET" and parts == ["v1", "balance"]:
            return {"object": "balance", "available": [{"amount": 0, "currency": "inr"}], "livemode": False}
        if parts[:2] == ["v1", "payment_intents"]:
            if method == "POST" and len(parts) == 2:
                return self._expanded(self._create_intent(params), params)
            intent = self.intents.get(parts[2]) if len(parts) > 2 else None
            if intent is None:
                raise _stripe_error(404, "No such payment_intent", "resource_missing")
            if method == "GET":
                return self._expanded(intent, params)
            if parts[3:] == ["capture"]:
                return self._expanded(self._capture_intent(intent), params)
            if parts[3:] == ["cancel"]:
                return self._expanded(self._cancel_intent(intent), params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._stripe_refund(params)
        if method == "POST" and parts[:3] == ["v1", "terminal", "readers"] and parts[4:] == ["process_payment_intent"]:
            intent = self.intents.get(params.get("payment_intent", ""))
            if intent is None:
                raise _stripe_error(404, "No such payment_intent", "resource_missing")
            reader = {"id": parts[3], "object": "terminal.reader", "status": "online",
                      "action": {"type": "process_payment_intent", "status": "in_progress",
                                 "process_payment_intent": {"payment_intent": intent["id"]}}}
            self.readers[parts[3]] = reader
            return reader
        if (method == "POST" and parts[:4] == ["v1", "test_helpers", "terminal", "readers"]
                and parts[5:] == ["present_payment_method"]):
            card = params.get("card_present") or {}
            return self._present(parts[4], card.get("number", "4242424242424242"))
        raise _stripe_error(404, f"Unrecognized request URL ({method}: {path})")

    def _expanded(self, intent: Json, params: Json) -> Json:
        if "latest_charge" in (params.get("expand") or []) and intent.get("latest_charge"):
            return {**intent, "latest_charge": self.charges[intent["latest_charge"]]}
        return intent

    def _create_intent(self, params: Json) -> Json:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError) as exc:
            raise _stripe_error(400, "Missing required param: amount.", "parameter_missing") from exc
        intent_id = _new_id("pi")
        intent = {
            "id": intent_id, "object": "payment_intent", "amount": amount, "amount_received": 0,
            "amount_capturable": 0, "currency": params.get("currency", "inr"), "status": "requires_payment_method",
            "capture_method": params.get("capture_method", "automatic"),
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "client_secret": f"{intent_id}_secret_{token_source.token_hex(8)}", "last_payment_error": None,
            "latest_charge": None, "metadata": params.get("metadata", {}), "created": int(time.time()),
            "description": params.get("description"),
        }
        self.intents[intent_id] = intent
        token = params.get("payment_method", "")
        if params.get("confirm") == "true" and token:
            if token in STRIPE_DECLINES:
                self._decline(intent, STRIPE_DECLINES[token], "card")
                raise _stripe_error(402, "Your card was declined.", "card_declined", "card_error",
                                    decline_code=STRIPE_DECLINES[token], payment_intent=intent)
            if token not in STRIPE_CARDS:
                raise _stripe_error(400, f"No such PaymentMethod: '{token}'", "resource_missing")
            self._authorise(intent, "card", *STRIPE_CARDS[token])
        return intent

    def _decline(self, intent: Json, decline_code: str, kind: str) -> None:
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {"type": "card_error", "code": "card_declined", "decline_code": decline_code,
                                        "message": "Your card was declined."}
        self._stripe_event("payment_intent.payment_failed", intent)

    def _authorise(self, intent: Json, kind: str, brand: str, last4: str) -> None:
        charge_id = _new_id("ch")
        self.charges[charge_id] = {
            "id": charge_id, "object": "charge", "amount": intent["amount"], "amount_refunded": 0, "refunded": False,
            "captured": False, "payment_intent": intent["id"],
            "payment_method_details": {"type": kind, kind: {"brand": brand, "last4": last4}},
        }
        intent.update(latest_charge=charge_id, last_payment_error=None)
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self._stripe_event("payment_intent.amount_capturable_updated", intent)
        else:
            self._capture_intent(intent)

    def _capture_intent(self, intent: Json) -> Json:
        if intent["status"] != "requires_capture" and not (intent["status"] == "requires_payment_method"
                                                           and intent["latest_charge"]):
            raise _stripe_error(400, f"This PaymentIntent could not be captured because it has a status of "
                                     f"{intent['status']}.", "payment_intent_unexpected_state")
        intent.update(status="succeeded", amount_received=intent["amount"], amount_capturable=0)
        self.charges[intent["latest_charge"]]["captured"] = True
        self.charged["stripe"] += 1
        self._stripe_event("payment_intent.succeeded", intent)
        return intent

    def _cancel_intent(self, intent: Json) -> Json:
        if intent["status"] in ("succeeded", "canceled"):
            raise _stripe_error(400, f"You cannot cancel this PaymentIntent because it has a status of "
                                     f"{intent['status']}.", "payment_intent_unexpected_state")
        intent["status"] = "canceled"
        self._stripe_event("payment_intent.canceled", intent)
        return intent

    def _present(self, reader_id: str, number: str) -> Json:
        reader = self.readers.get(reader_id)
        if reader is None or reader["action"]["status"] != "in_progress":
            raise _stripe_error(400, "The reader has no payment in progress", "terminal_reader_busy")
        intent = self.intents[reader["action"]["process_payment_intent"]["payment_intent"]]
        if number.replace(" ", "") == READER_DECLINED:
            reader["action"]["status"] = "failed"
            self._decline(intent, "generic_decline", "card_present")
        else:
            reader["action"]["status"] = "succeeded"
            self._authorise(intent, "card_present", "visa", number[-4:])
        return reader

    def _stripe_refund(self, params: Json) -> Json:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            raise _stripe_error(400, "This PaymentIntent has no succeeded charge to refund", "charge_not_refundable")
        charge = self.charges[intent["latest_charge"]]
        amount = int(params.get("amount") or charge["amount"] - charge["amount_refunded"])
        if amount > charge["amount"] - charge["amount_refunded"]:
            raise _stripe_error(400, "Refund amount is greater than unrefunded amount on charge", "amount_too_large")
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._stripe_event("charge.refunded", charge)
        return {"id": _new_id("re"), "object": "refund", "amount": amount, "payment_intent": intent["id"],
                "charge": charge["id"], "status": "succeeded"}

    def _stripe_event(self, event_type: str, obj: Json) -> None:
        event_id = _new_id("evt")
        body = json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
                           "livemode": False, "data": {"object": dict(obj)}}).encode()
        header = stripe_signature_header(self.stripe_webhook_secret, body, int(time.time()))
        self._queue(Webhook("stripe", "/api/v1/payments/webhooks/stripe", body,
                            {"Content-Type": "application/json", "Stripe-Signature": header}, event_id))

    # --- Razorpay ----------------------------------------------------------------------------------------

    def _razorpay(self, method: str, path: str, params: Json) -> Json:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "orders"]:
            if method == "POST" and len(parts) == 2:
                return self._create_order(params)
            if method == "GET" and len(parts) == 2:
                items = list(self.orders.values())[-int(params.get("count") or 10):]
                return {"entity": "collection", "count": len(items), "items": items}
            order = self.orders.get(parts[2]) if len(parts) > 2 else None
            if order is None:
                raise _razorpay_error(400, "The id provided does not exist")
            if method == "GET" and parts[3:] == ["payments"]:
                items = [p for p in self.payments.values() if p["order_id"] == order["id"]]
                return {"entity": "collection", "count": len(items), "items": items}
            if method == "GET" and len(parts) == 3:
                return order
        if method == "POST" and parts == ["v1", "payments", "create", "upi"]:
            return self._create_upi(params)
        if parts[:2] == ["v1", "payments"] and len(parts) >= 3:
            payment = self.payments.get(parts[2])
            if payment is None:
                raise _razorpay_error(400, "The id provided does not exist")
            if method == "GET" and len(parts) == 3:
                return payment
            if method == "POST" and parts[3:] == ["capture"]:
                if payment["status"] != "authorized":
                    raise _razorpay_error(400, "This payment has already been captured"
                                          if payment["status"] == "captured" else "Only authorized payments "
                                          "can be captured")
                return self._capture_razorpay(payment, self.orders[payment["order_id"]])
            if method == "POST" and parts[3:] == ["refund"]:
                return self._razorpay_refund(payment, params)
        raise _razorpay_error(400, f"The requested URL was not found on the server ({method} {path})")

    def _create_order(self, params: Json) -> Json:
        amount = params.get("amount")
        if not isinstance(amount, int) or amount < 100:
            raise _razorpay_error(400, "The amount must be atleast INR 1.00")
        order_id = _new_id("order")
        order = {"id": order_id, "entity": "order", "amount": amount, "amount_paid": 0, "amount_due": amount,
                 "currency": params.get("currency", "INR"), "receipt": params.get("receipt"), "status": "created",
                 "attempts": 0, "notes": params.get("notes", {}), "created_at": int(time.time())}
        self.orders[order_id] = order
        return order

    def _razorpay_payment(self, order: Json, method: str, vpa: str) -> Json:
        payment = {"id": _new_id("pay"), "entity": "payment", "amount": order["amount"], "currency": "INR",
                   "status": "created", "order_id": order["id"], "method": method, "amount_refunded": 0,
                   "refund_status": None, "captured": False, "vpa": vpa or None, "error_code": None,
                   "error_description": None, "error_reason": None, "created_at": int(time.time())}
        if method == "card":
            payment["card"] = {"network": "Visa", "last4": "1111"}
        self.payments[payment["id"]] = payment
        order["attempts"] += 1
        order["status"] = "attempted"
        return payment

    def _create_upi(self, params: Json) -> Json:
        order = self.orders.get(params.get("order_id", ""))
        if order is None:
            raise _razorpay_error(400, "order_id is invalid")
        if params.get("amount") != order["amount"]:
            raise _razorpay_error(400, "The amount does not match the order amount")
        upi = params.get("upi") or {}
        payment = self._razorpay_payment(order, "upi", upi.get("vpa", ""))
        if upi.get("flow") == "collect":
            if upi.get("vpa") == UPI_FAILURE:
                self._complete_upi(payment["id"], False)
            elif upi.get("vpa") == UPI_SUCCESS:
                self._complete_upi(payment["id"], True)
            return {"razorpay_payment_id": payment["id"]}
        rupees = f"{order['amount'] // 100}.{order['amount'] % 100:02d}"
        link = (f"upi://pay?pa={self.store_vpa}&pn=Store%20Edge%20POS&tr={payment['id']}&tn={order['id']}"
                f"&am={rupees}&cu=INR&mc=5411")
        return {"razorpay_payment_id": payment["id"], "link": link}

    def _complete_upi(self, payment_id: str, succeed: bool) -> Json:
        payment = self.payments[payment_id]
        if payment["status"] != "created":
            return payment
        if succeed:
            return self._capture_razorpay(payment, self.orders[payment["order_id"]])
        payment.update(status="failed", error_code="BAD_REQUEST_ERROR", error_reason="payment_failed",
                       error_description="Payment was unsuccessful as the customer's UPI app declined it")
        self._razorpay_event("payment.failed", payment)
        return payment

    def _capture_razorpay(self, payment: Json, order: Json) -> Json:
        payment.update(status="captured", captured=True)
        order.update(status="paid", amount_paid=order["amount"], amount_due=0)
        self.charged["razorpay"] += 1
        self._razorpay_event("payment.captured", payment)
        self._razorpay_event("order.paid", payment, order)
        return payment

    def _razorpay_refund(self, payment: Json, params: Json) -> Json:
        amount = int(params.get("amount") or payment["amount"] - payment["amount_refunded"])
        if payment["status"] not in ("captured", "refunded") or amount > payment["amount"] - payment["amount_refunded"]:
            raise _razorpay_error(400, "The refund amount provided is greater than amount captured")
        payment["amount_refunded"] += amount
        full = payment["amount_refunded"] >= payment["amount"]
        payment.update(refund_status="full" if full else "partial", status="refunded" if full else "captured")
        refund = {"id": _new_id("rfnd"), "entity": "refund", "amount": amount, "payment_id": payment["id"],
                  "status": "processed", "created_at": int(time.time())}
        self._razorpay_event("refund.processed", payment, refund=refund)
        return refund

    def _razorpay_event(self, event_type: str, payment: Json, order: Json | None = None,
                        refund: Json | None = None) -> None:
        payload: Json = {"payment": {"entity": dict(payment)}}
        if order is not None:
            payload["order"] = {"entity": dict(order)}
        if refund is not None:
            payload["refund"] = {"entity": dict(refund)}
        body = json.dumps({"entity": "event", "account_id": "acc_simulator", "event": event_type,
                           "contains": sorted(payload), "payload": payload, "created_at": int(time.time())}).encode()
        event_id = _new_id("evt")
        self._queue(Webhook("razorpay", "/api/v1/payments/webhooks/razorpay", body, {
            "Content-Type": "application/json", "X-Razorpay-Signature": hmac_hex(self.razorpay_webhook_secret, body),
            "X-Razorpay-Event-Id": event_id}, event_id))

    # --- test helpers over HTTP and webhook delivery -------------------------------------------------

    def _helper(self, path: str, params: Json) -> Json:
        parts = path.strip("/").split("/")
        with self.lock:
            if parts[:3] == ["_sim", "razorpay", "payments"] and parts[4:] == ["complete"]:
                return self._complete_upi(parts[3], bool(params.get("succeed", True)))
            if parts[:3] == ["_sim", "razorpay", "orders"] and parts[4:] == ["checkout"]:
                return self.checkout_pays(parts[3], str(params.get("method", "card")))
        raise Answer(404, {"error": {"message": f"no simulator helper {path}"}})

    def _queue(self, webhook: Webhook) -> None:
        self.webhooks.append(webhook)
        self._pending_delivery.append(webhook)
        self._wake.notify_all()

    def _deliver_loop(self) -> None:
        while True:
            with self.lock:
                while not self._stopping and not (self.webhook_url and self._pending_delivery):
                    self._wake.wait(timeout=1)
                if self._stopping:
                    return
                batch, self._pending_delivery = self._pending_delivery, []
            for webhook in batch:
                self._post(webhook)

    def _post(self, webhook: Webhook) -> None:
        for attempt in range(3):
            try:
                response = requests.post(self.webhook_url + webhook.path, data=webhook.body, headers=webhook.headers,
                                         timeout=5, verify=self.webhook_verify)
                if response.status_code < 500:
                    return
            except requests.RequestException as exc:
                log.info("simulator: webhook %s not delivered (%s)", webhook.event_id, type(exc).__name__)
            time.sleep(0.2 * (attempt + 1))  # a gateway's retry backoff
        log.info("simulator: webhook %s dropped after 3 tries", webhook.event_id)
