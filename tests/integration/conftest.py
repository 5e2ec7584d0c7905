"""Fixtures of the gateway payment tests: the simulator and an app whose gateways point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.payments.simulator import GatewaySimulator
from edge.services.context import ServiceContext
from edge.web.app import create_app
from tests.conftest import log_in
from tests.integration.payments_support import wire


@pytest.fixture
def simulator() -> Iterator[GatewaySimulator]:
    """Stripe and Razorpay on loopback; webhooks kept for the test to deliver."""
    sim = GatewaySimulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def pay_app(demo_ctx: ServiceContext, simulator: GatewaySimulator) -> Flask:
    """The web app over the demo store, its gateways at the simulator."""
    wire(demo_ctx, simulator)
    app, _ = create_app(demo_ctx)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def cashier_client(pay_app: Flask) -> FlaskClient:
    """The demo cashier, logged in."""
    return log_in(pay_app.test_client(), "cashier")


@pytest.fixture
def manager_client(pay_app: Flask) -> FlaskClient:
    """The demo manager, logged in."""
    return log_in(pay_app.test_client(), "manager")


