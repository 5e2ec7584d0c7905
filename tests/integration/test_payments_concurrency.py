"""One payment counted once when its webhook is delivered several times at once and a poll runs alongside —
on SQLite and on MariaDB."""

from __future__ import annotations

import threading
import time

from edge.payments.simulator import GatewaySimulator
from edge.services import gateway_payments
from edge.services.carts import open_cart, scan
from edge.services.checkout import checkout, view_invoice
from edge.services.context import ServiceContext
from edge.services.setup import seed_demo
from edge.store.models import GatewayAttempt, GatewayEvent, Payment, User
from tests.integration.payments_support import wire
from tests.integration.test_concurrency import BARCODE, run_threads


def test_concurrent_deliveries_and_a_poll_record_the_payment_once(backend_ctx: ServiceContext,
                                                                  simulator: GatewaySimulator) -> None:
    seed_demo(backend_ctx)
    wire(backend_ctx, simulator)
    user = User.get(User.username == "cashier")
    cart = open_cart(backend_ctx, user, "T1")
    sale = checkout(backend_ctx, user, scan(backend_ctx, user, str(cart.uuid), str(BARCODE))["id"], [])
    upi = gateway_payments.start(backend_ctx, user, sale["id"], "upi", sale["total_paise"])
    assert upi["state"] == "pending"
    simulator.customer_pays(upi["transaction_id"])
    captured = simulator.take_webhooks()[0]
    razorpay = backend_ctx.gateways.get("razorpay")
    errors: list[BaseException] = []
    answers: list[dict[str, object]] = []

    def deliver() -> None:
        try:
            event = razorpay.parse_webhook(captured.body, captured.headers, time.time())
            answers.append(gateway_payments.handle_webhook(backend_ctx, "razorpay", event))
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            backend_ctx.db.close()

    def poll() -> None:
        try:
            gateway_payments.reconcile(backend_ctx)
        except BaseException as exc:
            errors.append(exc)
        finally:
            backend_ctx.db.close()

    run_threads([threading.Thread(target=deliver) for _ in range(4)] + [threading.Thread(target=poll)])
    assert errors == []
    assert sorted(bool(a["duplicate"]) for a in answers) == [False, True, True, True]
    assert GatewayEvent.select().where(GatewayEvent.event_id == captured.event_id).count() == 1
    assert Payment.select().where(Payment.reference == upi["transaction_id"]).count() == 1
    assert GatewayAttempt.get().state == "succeeded"
    summary = view_invoice(backend_ctx, sale["id"])
    assert (summary["status"], summary["paid_paise"]) == ("paid", sale["total_paise"])
