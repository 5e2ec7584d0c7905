"""The one interface every payment gateway adapter implements, what it answers, and how its calls fail.

Adapters speak a gateway's HTTP API with ``requests`` (docs/decisions.md says why not the SDKs), with a
timeout on every call, and record each call's outcome in the gateway's ``Reachability`` so the till knows
which methods work right now. Card numbers never pass through here: only the gateways' tokens, intents,
orders and payment IDs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from edge.domain.gateway import GatewayState

log = logging.getLogger(__name__)
CURRENCY = "INR"


class GatewayError(Exception):
    """A gateway call did not give an answer the till can act on; ``code`` is stable, the message is for people."""

    code = "gateway_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached (connection refused, DNS, TLS, 5xx): nothing happened there."""

    code = "gateway_unavailable"


class GatewayTimeout(GatewayUnavailable):
    """The request went out but no answer came in time: it may have happened. Send it again with the same
    Idempotency-Key to learn the outcome (it is never done twice)."""

    code = "gateway_timeout"


class GatewayRefused(GatewayError):
    """The gateway refused the request itself (bad key, bad parameters, wrong state): not a decline."""

    code = "gateway_refused"


class SignatureError(Exception):
    """A webhook or payment signature is missing, malformed, stale or wrong."""

    def __init__(self, message: str, header: str) -> None:
        super().__init__(message)
        self.message = message
        self.header = header


@dataclass(frozen=True)
class PaymentRequest:
    """What the till asks a gateway for. ``payment_method`` is a gateway token (Stripe ``pm_…``), ``vpa``
    a UPI ID for a collect request, ``reference`` the slip number typed for an external terminal."""

    idempotency_key: str
    amount_paise: int
    method: str
    flow: str
    till: str
    invoice_number: str
    payment_method: str = ""
    vpa: str = ""
    reference: str = ""
    tendered_paise: int | None = None


@dataclass(frozen=True)
class GatewayPayment:
    """What a gateway says about one payment: its reference there, our state for its status, and details.

    ``ref`` finds the payment at the gateway (Stripe PaymentIntent, Razorpay order); ``transaction_id`` is
    the ID shown on the receipt (the intent, or Razorpay's ``pay_…``). ``details`` may hold the customer's
    VPA, card brand and last four digits or a client secret: the store keeps them only encrypted.
    """

    ref: str
    state: GatewayState
    status: str
    amount_paise: int
    transaction_id: str = ""
    needs_capture: bool = False
    refunded_paise: int = 0
    failure_code: str = ""
    failure_message: str = ""
    qr_payload: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook: its ID (to drop redeliveries), type, the gateway reference it is about, and
    what it says of that payment (None for events the till does not act on)."""

    event_id: str
    event_type: str
    ref: str
    payment: GatewayPayment | None
    payload: Mapping[str, Any]


class Gateway(Protocol):
    """A payment gateway adapter (Stripe, Razorpay, cash, external card terminal)."""

    name: str
    needs_internet: bool
    methods: frozenset[str]
    flows: tuple[str, ...]
    reachability: Reachability

    def create(self, request: PaymentRequest) -> GatewayPayment:
        """Create (and where the flow allows, confirm) a payment; sent again with the same key, the same one."""

    def capture(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Capture an authorised payment."""

    def cancel(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Cancel a payment not yet taken (where the gateway can)."""

    def refund(self, payment: GatewayPayment, amount_paise: int, key: str) -> GatewayPayment:
        """Give back part or all of a taken payment; the answer carries the total refunded."""

    def fetch(self, ref: str) -> GatewayPayment:
        """The payment's current status at the gateway."""

    def probe(self) -> None:
        """A cheap read that tells whether the gateway answers (the outcome lands in ``reachability``)."""

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str], now: float) -> WebhookEvent:
        """Verify a webhook's signature over its raw body and read it; SignatureError when not genuine."""


class Reachability:
    """Whether a gateway answered its last call: ``up``, ``down`` or ``unknown`` (no call yet).

    Every HTTP call reports here; a probe job calls the gateway when the till is quiet. ``on_change`` is
    told of each change (the daemon pushes it to the screens)."""

    def __init__(self, name: str, needs_internet: bool = True,
                 on_change: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.name = name
        self.needs_internet = needs_internet
        self.on_change = on_change
        self._lock = threading.Lock()
        self.status = "up" if not needs_internet else "unknown"
        self.checked_at: float | None = None
        self.last_error = ""

    def record(self, ok: bool, error: str = "") -> None:
        """Note one call's outcome; tell ``on_change`` when up/down flips."""
        with self._lock:
            before = self.status
            self.status = "up" if ok else "down"
            self.checked_at = time.time()
            self.last_error = "" if ok else error
            changed = before != self.status
        if changed:
            (log.info if ok else log.warning)("gateway %s is %s%s", self.name, self.status,
                                              f" ({error})" if error else "")
            if self.on_change is not None:
                self.on_change(self.name, self.snapshot())

    @property
    def available(self) -> bool:
        """Whether methods of this gateway may be offered (unknown counts as available: try, and learn)."""
        return self.status != "down"

    def snapshot(self) -> dict[str, Any]:
        """The status as the API and the screens show it."""
        with self._lock:
            checked = self.checked_at
            return {"gateway": self.name, "status": self.status, "available": self.status != "down",
                    "checked_at": None if checked is None else
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(checked)),
                    "last_error": self.last_error}


class HttpClient:
    """One gateway's HTTP calls: base URL, auth, a (connect, read) timeout on every call, outcomes recorded."""

    def __init__(self, base_url: str, auth_headers: Mapping[str, str], timeout_s: float,
                 reachability: Reachability) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(auth_headers)
        self.session.headers["User-Agent"] = "store-edge-pos"
        self.timeout = (min(3.0, timeout_s), timeout_s)
        self.reachability = reachability

    def call(self, method: str, path: str, *, idempotency_key: str | None = None, **kwargs: Any) -> requests.Response:
        """Send one request; GatewayTimeout / GatewayUnavailable when no usable answer came."""
        headers = dict(kwargs.pop("headers", {}))
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.ConnectionError as exc:  # includes ConnectTimeout: the request never went out
            self.reachability.record(False, "cannot connect")
            raise GatewayUnavailable(f"{self.reachability.name} cannot be reached") from exc
        except requests.Timeout as exc:
            self.reachability.record(False, f"no answer in {self.timeout[1]:g} s")
            raise GatewayTimeout(f"{self.reachability.name} did not answer in {self.timeout[1]:g} s; the payment "
                                 "may have gone through: try again to find out (it is never charged twice)") from exc
        except requests.RequestException as exc:
            self.reachability.record(False, type(exc).__name__)
            raise GatewayUnavailable(f"{self.reachability.name}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            self.reachability.record(False, f"HTTP {response.status_code}")
            raise GatewayUnavailable(f"{self.reachability.name} answered HTTP {response.status_code}; try again")
        self.reachability.record(True)
        if response.status_code == 409:  # the same key is still being worked on (another till's retry)
            raise GatewayTimeout(f"{self.reachability.name} is still processing the same request; try again in a "
                                 "moment (it is never charged twice)")
        return response


def json_of(response: requests.Response, gateway: str) -> dict[str, Any]:
    """A response's JSON object, or GatewayRefused when the gateway sent something else."""
    try:
        body = response.json()
    except ValueError as exc:
        raise GatewayRefused(f"{gateway} answered HTTP {response.status_code} without JSON") from exc
    if not isinstance(body, dict):
        raise GatewayRefused(f"{gateway} answered HTTP {response.status_code} with unexpected JSON")
    return body


def header(headers: Mapping[str, str], name: str) -> str:
    """A request header by name, case-insensitively ('' when absent)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")
