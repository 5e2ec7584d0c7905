"""Shared pieces of the gateway payment tests: wiring a store to the simulator, an unpaid invoice, webhooks."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from edge.payments.registry import build_gateways
from edge.payments.simulator import GatewaySimulator
from edge.services.context import ServiceContext
from tests.integration.test_sale import CASE, cart_of, post

READER = "tmr_test_reader"


def wire(ctx: ServiceContext, sim: GatewaySimulator, timeout_seconds: int = 2) -> list[dict[str, Any]]:
    """Point the store's gateways at the simulator; returns the list the reachability pushes land in."""
    pushed: list[dict[str, Any]] = []
    ctx.bus.subscribe("payments.status", lambda _topic, payload: pushed.append(payload))
    ctx.config = ctx.config.with_overrides({"payments.timeout_seconds": timeout_seconds,
                                            "payments.stripe_terminal_reader": READER})
    ctx.gateways = build_gateways(ctx.config, sim.credentials(), base_urls=sim.base_urls(),
                                  on_change=lambda _name, status: ctx.bus.publish("payments.status", status))
    return pushed


def unpaid_invoice(client: FlaskClient, cases: int = 1) -> dict[str, Any]:
    """Check out a cart of cases with no payment: an issued invoice with its total due."""
    cart = cart_of(client)
    for _ in range(cases):
        cart = post(client, f"/api/v1/carts/{cart['id']}/scan", {"code": str(CASE.barcode)})
    return post(client, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)


def start(client: FlaskClient, invoice: dict[str, Any], status: int = 201, **body: Any) -> dict[str, Any]:
    """POST a gateway payment for an invoice and check the status."""
    response = client.post(f"/api/v1/invoices/{invoice['id']}/gateway-payments", json=body)
    assert response.status_code == status, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def deliver(client: FlaskClient, sim: GatewaySimulator, times: int = 1) -> list[dict[str, Any]]:
    """Deliver the simulator's pending webhooks to the app (each ``times`` times); their answers."""
    answers = []
    for webhook in sim.take_webhooks():
        for _ in range(times):
            response = client.post(webhook.path, data=webhook.body, headers=webhook.headers)
            assert response.status_code == 200, response.get_json()
            answers.append(response.get_json())
    return answers


def invoice_of(client: FlaskClient, invoice: dict[str, Any]) -> dict[str, Any]:
    """The invoice's post-sale summary now."""
    body: dict[str, Any] = client.get(f"/api/v1/invoices/{invoice['id']}").get_json()
    return body
