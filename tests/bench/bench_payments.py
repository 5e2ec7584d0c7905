"""Gateway payments (issue #9), in-process through the service layer on a copy of the demo store, against the
gateway simulator on loopback, each next to a cash payment measured in the same run on the same store.

1. A card payment online (Stripe PaymentIntent confirmed with ``pm_card_visa``): the attempt and its key
   committed, the HTTP call to the simulator, the answer applied and recorded as the invoice's payment.
   Baseline: a cash payment of the same amount through ``checkout.pay`` (the REST route's service).
2. A verified Razorpay webhook (``payment.captured``) turned into the invoice's payment: signature check,
   event kept for dedupe, state advanced, payment recorded. Baseline: the same cash payment.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from edge.clock import utcnow
from edge.payments.simulator import GatewaySimulator
from edge.services import gateway_payments
from edge.services.carts import open_cart, scan
from edge.services.checkout import checkout, pay
from edge.services.context import ServiceContext
from edge.services.setup import seed_demo
from edge.store.migrate import migrate
from edge.store.models import User
from tests.bench.harness import Result, ns_to_ms, percentile
from tests.conftest import make_config, make_context
from tests.integration.payments_support import wire
from tests.integration.test_concurrency import BARCODE


def invoices(ctx: ServiceContext, user: User, count: int) -> list[dict[str, object]]:
    """Issued invoices with their total still due (one scanned item each)."""
    made = []
    for _ in range(count):
        cart = open_cart(ctx, user, "T1")
        made.append(checkout(ctx, user, scan(ctx, user, str(cart.uuid), str(BARCODE))["id"], []))
    return made


def timed(action: list[object], run: object) -> list[int]:
    """Nanoseconds of ``run(item)`` for each item."""
    samples = []
    for item in action:
        start = time.perf_counter_ns()
        run(item)  # type: ignore[operator]
        samples.append(time.perf_counter_ns() - start)
    return samples


def run(quick: bool) -> list[Result]:
    """Card through the simulated Stripe and UPI webhooks, each against cash on the same store."""
    count = 30 if quick else 150
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as tmp:
        ctx = make_context(make_config(Path(tmp) / "data"), utcnow)
        migrate(ctx.db)
        seed_demo(ctx)
        sim = GatewaySimulator().start()
        try:
            wire(ctx, sim, timeout_seconds=10)
            user = User.get(User.username == "cashier")
            cash_bills, card_bills, upi_bills = (invoices(ctx, user, count) for _ in range(3))
            cash = timed(cash_bills, lambda bill: pay(ctx, user, bill["id"], "cash", bill["total_paise"]))
            card = timed(card_bills, lambda bill: gateway_payments.start(
                ctx, user, bill["id"], "card", bill["total_paise"], "online", "pm_card_visa"))
            for bill in upi_bills:
                upi = gateway_payments.start(ctx, user, bill["id"], "upi", bill["total_paise"])
                sim.customer_pays(upi["transaction_id"])
            captured = [hook for hook in sim.take_webhooks() if b'"payment.captured"' in hook.body]
            razorpay = ctx.gateways.get("razorpay")
            webhooks = timed(captured, lambda hook: gateway_payments.handle_webhook(
                ctx, "razorpay", razorpay.parse_webhook(hook.body, hook.headers, time.time())))
            assert sim.charged["stripe"] == count and len(captured) == count
        finally:
            sim.stop()
            ctx.db.close()
    cash_ms, card_ms, hook_ms = ns_to_ms(cash), ns_to_ms(card), ns_to_ms(webhooks)
    cash_p50 = percentile(cash_ms, 50)
    card_p50, hook_p50 = percentile(card_ms, 50), percentile(hook_ms, 50)
    note = f"{count} payments each; p99 card {percentile(card_ms, 99):.1f} ms, webhook {percentile(hook_ms, 99):.1f} " \
           f"ms, cash {percentile(cash_ms, 99):.1f} ms"
    return [
        Result("card payment through the simulated Stripe, p50", card_p50, "ms", "cash payment (checkout.pay), p50",
               cash_p50, "<= cash + 25 ms (the till's own cost around one loopback gateway call)",
               card_p50 <= cash_p50 + 25, note),
        Result("verified Razorpay webhook applied as a payment, p50", hook_p50, "ms",
               "cash payment (checkout.pay), p50", cash_p50,
               "<= 3x cash (a cash payment's work plus the event kept, the attempt moved, two AES-GCM seals)",
               hook_p50 <= 3 * cash_p50, note),
    ]
