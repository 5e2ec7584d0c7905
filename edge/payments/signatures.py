"""Signatures that prove a webhook or a payment callback came from the gateway: HMAC-SHA256, compared in
constant time (``hmac.compare_digest``) over the exact bytes received."""

from __future__ import annotations

import hashlib
import hmac

from edge.payments.base import SignatureError

STRIPE_TOLERANCE_S = 300
STRIPE_HEADER = "Stripe-Signature"
RAZORPAY_HEADER = "X-Razorpay-Signature"


def hmac_hex(secret: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of a message under a secret."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def stripe_signature_header(secret: str, raw_body: bytes, timestamp: int) -> str:
    """The Stripe-Signature header a sender puts on a body at a time (``t=…,v1=…``)."""
    signed = f"{timestamp}.".encode() + raw_body
    return f"t={timestamp},v1={hmac_hex(secret, signed)}"


def verify_stripe(secret: str, raw_body: bytes, header_value: str, now: float,
                  tolerance_s: int = STRIPE_TOLERANCE_S) -> int:
    """Check a Stripe-Signature header: its t= within ``tolerance_s`` of now and one of its v1= the HMAC of
    ``"t.raw_body"``. Returns the timestamp; SignatureError saying what is wrong otherwise."""
    if not secret:
        raise SignatureError("no Stripe webhook secret is configured (secrets file: stripe_webhook_secret)",
                             STRIPE_HEADER)
    if not header_value:
        raise SignatureError("the Stripe-Signature header is missing", STRIPE_HEADER)
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header_value.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("the Stripe-Signature header has no t= timestamp or no v1= signature", STRIPE_HEADER)
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError(f"the Stripe-Signature timestamp is {abs(now - timestamp):.0f} s away from now "
                             f"(tolerance {tolerance_s} s): stale or replayed", STRIPE_HEADER)
    expected = hmac_hex(secret, f"{timestamp}.".encode() + raw_body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("the Stripe-Signature does not match the body", STRIPE_HEADER)
    return timestamp


def verify_razorpay_webhook(secret: str, raw_body: bytes, signature: str) -> None:
    """Check X-Razorpay-Signature: the hex HMAC-SHA256 of the raw body under the webhook secret."""
    if not secret:
        raise SignatureError("no Razorpay webhook secret is configured (secrets file: razorpay_webhook_secret)",
                             RAZORPAY_HEADER)
    if not signature:
        raise SignatureError("the X-Razorpay-Signature header is missing", RAZORPAY_HEADER)
    if not hmac.compare_digest(hmac_hex(secret, raw_body), signature.strip()):
        raise SignatureError("the X-Razorpay-Signature does not match the body", RAZORPAY_HEADER)


def razorpay_payment_signature(key_secret: str, order_id: str, payment_id: str) -> str:
    """Razorpay's payment signature: HMAC-SHA256 of ``order_id|payment_id`` under the key secret."""
    return hmac_hex(key_secret, f"{order_id}|{payment_id}".encode())


def verify_razorpay_payment(key_secret: str, saved_order_id: str, payment_id: str, signature: str) -> None:
    """Check a checkout callback's razorpay_signature against the order ID the store saved (never the one
    the callback names)."""
    if not signature or not payment_id:
        raise SignatureError("razorpay_payment_id and razorpay_signature are required", "razorpay_signature")
    expected = razorpay_payment_signature(key_secret, saved_order_id, payment_id)
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("the payment signature does not match this payment's order", "razorpay_signature")
