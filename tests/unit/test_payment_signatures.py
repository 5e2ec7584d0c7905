"""Webhook and payment signatures: what the gateways sign verifies; any change, staleness or absence fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.payments.base import SignatureError
from edge.payments.signatures import (
    hmac_hex,
    razorpay_payment_signature,
    stripe_signature_header,
    verify_razorpay_payment,
    verify_razorpay_webhook,
    verify_stripe,
)

NOW = 1_790_000_000
secrets_ = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40)


def test_stripe_documented_scheme() -> None:
    body = b'{"id":"evt_1"}'
    expected = hmac_hex("whsec_test", b"1790000000." + body)
    assert stripe_signature_header("whsec_test", body, NOW) == f"t=1790000000,v1={expected}"
    assert verify_stripe("whsec_test", body, f"t={NOW},v0=ignored,v1=bad,v1={expected}", NOW + 300) == NOW


@given(secrets_, st.binary(max_size=300), st.integers(-300, 300))
def test_stripe_signature_verifies_within_tolerance(secret: str, body: bytes, skew: int) -> None:
    assert verify_stripe(secret, body, stripe_signature_header(secret, body, NOW), NOW + skew) == NOW


@given(secrets_, st.binary(min_size=1, max_size=300), st.data())
def test_stripe_signature_fails_on_any_changed_byte(secret: str, body: bytes, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(body) - 1))
    changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1:]
    with pytest.raises(SignatureError, match="does not match"):
        verify_stripe(secret, changed, stripe_signature_header(secret, body, NOW), NOW)


@given(secrets_, st.integers(301, 10**6), st.sampled_from([-1, 1]))
def test_stripe_signature_outside_300_s_is_stale(secret: str, skew: int, sign: int) -> None:
    with pytest.raises(SignatureError, match="stale or replayed"):
        verify_stripe(secret, b"{}", stripe_signature_header(secret, b"{}", NOW), NOW + sign * skew)


@pytest.mark.parametrize(("header", "message"), [
    ("", "missing"), ("t=abc,v1=00", "no t= timestamp"), (f"t={NOW}", "no t= timestamp or no v1="),
])
def test_stripe_malformed_headers(header: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_stripe("whsec_test", b"{}", header, NOW)
    with pytest.raises(SignatureError, match="no Stripe webhook secret"):
        verify_stripe("", b"{}", stripe_signature_header("", b"{}", NOW), NOW)


@given(secrets_, st.binary(max_size=300))
def test_razorpay_webhook_signature(secret: str, body: bytes) -> None:
    verify_razorpay_webhook(secret, body, hmac_hex(secret, body))
    with pytest.raises(SignatureError, match="does not match"):
        verify_razorpay_webhook(secret, body + b" ", hmac_hex(secret, body))
    with pytest.raises(SignatureError, match="missing"):
        verify_razorpay_webhook(secret, body, "")


def test_razorpay_payment_signature_binds_the_saved_order() -> None:
    signature = razorpay_payment_signature("key_secret", "order_A", "pay_1")
    assert signature == hmac_hex("key_secret", b"order_A|pay_1")
    verify_razorpay_payment("key_secret", "order_A", "pay_1", signature)
    with pytest.raises(SignatureError, match="does not match"):
        verify_razorpay_payment("key_secret", "order_B", "pay_1", signature)
    with pytest.raises(SignatureError, match="required"):
        verify_razorpay_payment("key_secret", "order_A", "", signature)
