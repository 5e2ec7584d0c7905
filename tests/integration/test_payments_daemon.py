"""The real daemon killed in the middle of a payment: on restart every open payment is reconciled with the
gateway (the simulator runs in the test, so it outlives the daemon)."""

from __future__ import annotations

import re
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from edge.payments.simulator import GatewaySimulator
from tests.integration.test_cli import seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import Daemon, start_daemon
from tests.integration.test_sale import CASE
from tests.servers import wait_until


@pytest.fixture
def gateway() -> Iterator[GatewaySimulator]:
    """Stripe and Razorpay outside the daemon's process."""
    sim = GatewaySimulator().start()
    yield sim
    sim.stop()


def with_credentials(data_dir: Path, sim: GatewaySimulator) -> None:
    """Put the simulator's keys and webhook secrets in the store's secrets file (mode kept at 0600)."""
    path = data_dir / "secrets.toml"
    text = path.read_text()
    for name, value in sim.credentials().items():
        text = re.sub(rf'^{name} = ".*"$', f'{name} = "{value}"', text, flags=re.MULTILINE)
    path.write_text(text)


def settings(sim: GatewaySimulator) -> dict[str, str]:
    """POS_* settings enabling both gateways at the simulator."""
    urls = sim.base_urls()
    return {"POS_PAYMENTS_STRIPE_ENABLED": "true", "POS_PAYMENTS_STRIPE_BASE_URL": urls["stripe"],
            "POS_PAYMENTS_RAZORPAY_ENABLED": "true", "POS_PAYMENTS_RAZORPAY_BASE_URL": urls["razorpay"],
            "POS_PAYMENTS_TIMEOUT_SECONDS": "20"}


@pytest.fixture
def store(seeded: Path, tmp_path: Path, gateway: GatewaySimulator) -> Path:  # noqa: F811
    """A copy of the demo store holding the simulator's credentials."""
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    with_credentials(data_dir, gateway)
    return data_dir


def session_for(daemon: Daemon) -> requests.Session:
    """The demo cashier logged in over HTTPS (the store CA trusted)."""
    session = daemon.session()
    answer = session.post(f"{daemon.url}/api/v1/auth/login",
                          json={"username": "cashier", "password": "cashier-demo-1"}, timeout=10)
    assert answer.status_code == 200
    return session


def unpaid_invoice(session: requests.Session, url: str) -> dict[str, Any]:
    """A case checked out with no payment."""
    cart = session.get(f"{url}/api/v1/tills/T1/cart", timeout=10).json()
    session.post(f"{url}/api/v1/carts/{cart['id']}/scan", json={"code": CASE.barcode}, timeout=10)
    sale: dict[str, Any] = session.post(f"{url}/api/v1/carts/{cart['id']}/checkout", json={}, timeout=10).json()
    assert sale["balance_due_paise"] == sale["total_paise"] > 0
    return sale


def kill(daemon: Daemon) -> None:
    """SIGKILL: no clean shutdown at all."""
    daemon.process.send_signal(signal.SIGKILL)
    daemon.process.wait(timeout=30)


def paid(daemon: Daemon, invoice_id: str) -> bool:
    """Whether the restarted daemon shows the invoice paid."""
    answer = session_for(daemon).get(f"{daemon.url}/api/v1/invoices/{invoice_id}", timeout=5)
    return bool(answer.json()["status"] == "paid")


def test_killed_while_waiting_for_stripe_the_restart_finds_the_charge_and_records_it_once(
    store: Path, tmp_path: Path, gateway: GatewaySimulator
) -> None:
    daemon = start_daemon(store, tmp_path / "first.log", env=settings(gateway))
    gateway.webhook_url, gateway.webhook_verify = daemon.url, daemon.verify
    session = session_for(daemon)
    sale = unpaid_invoice(session, daemon.url)
    gateway.delay_next(60, "/stripe/v1/payment_intents")  # Stripe charges, then is slow to say so
    outcome: list[Any] = []

    def pay() -> None:
        try:
            outcome.append(session.post(f"{daemon.url}/api/v1/invoices/{sale['id']}/gateway-payments", json={
                "method": "card", "flow": "online", "amount_paise": sale["total_paise"],
                "payment_method": "pm_card_visa"}, timeout=90))
        except requests.RequestException as exc:
            outcome.append(exc)

    cashier = threading.Thread(target=pay)
    cashier.start()
    wait_until(lambda: gateway.charged["stripe"] == 1, 30, "the charge at the simulated Stripe")
    kill(daemon)
    cashier.join(timeout=30)
    assert isinstance(outcome[0], requests.ConnectionError), "the till lost its daemon mid-payment"
    gateway.webhook_url = ""
    gateway.take_webhooks()  # the succeeded webhook cannot reach a dead daemon: only reconciliation can tell

    again = start_daemon(store, tmp_path / "second.log", env=settings(gateway))
    try:
        wait_until(lambda: paid(again, sale["id"]), 30, "the payment reconciled after the restart")
        summary = session_for(again).get(f"{again.url}/api/v1/invoices/{sale['id']}", timeout=5).json()
        assert [(p["method"], p["amount_paise"]) for p in summary["payments"]] == [("card", sale["total_paise"])]
        assert summary["payments"][0]["reference"] in gateway.intents
        assert gateway.charged["stripe"] == 1 and len(gateway.intents) == 1, "charged once, one intent"
    finally:
        kill(again)


def test_a_upi_payment_made_while_the_daemon_was_dead_is_reconciled_on_start(
    store: Path, tmp_path: Path, gateway: GatewaySimulator
) -> None:
    daemon = start_daemon(store, tmp_path / "first.log", env=settings(gateway))
    session = session_for(daemon)
    sale = unpaid_invoice(session, daemon.url)
    upi = session.post(f"{daemon.url}/api/v1/invoices/{sale['id']}/gateway-payments",
                       json={"method": "upi", "amount_paise": sale["total_paise"]}, timeout=30).json()
    assert upi["state"] == "pending" and upi["qr_payload"].startswith("upi://pay")
    kill(daemon)
    gateway.customer_pays(upi["transaction_id"])  # scanned and approved while the daemon was down
    gateway.take_webhooks()

    again = start_daemon(store, tmp_path / "second.log", env=settings(gateway))
    try:
        wait_until(lambda: paid(again, sale["id"]), 30, "the UPI payment reconciled after the restart")
        state = session_for(again).get(f"{again.url}/api/v1/gateway-payments/{upi['id']}", timeout=5).json()
        assert (state["state"], state["transaction_id"]) == ("succeeded", upi["transaction_id"])
        assert "reconciled gateway payments" in (tmp_path / "second.log").read_text()
    finally:
        kill(again)


def test_make_run_demo_mode_takes_upi_through_the_built_in_simulator(store: Path, tmp_path: Path) -> None:
    daemon = start_daemon(store, tmp_path / "demo.log", env={"POS_PAYMENTS_SIMULATE": "true"})
    try:
        session = session_for(daemon)
        methods = session.get(f"{daemon.url}/api/v1/payments/methods", timeout=10).json()
        assert {(m["method"], m["flow"]) for m in methods["methods"] if m["available"]} >= {
            ("upi", "upi_qr"), ("card", "card_present"), ("cash", "counter")}
        sale = unpaid_invoice(session, daemon.url)
        upi = session.post(f"{daemon.url}/api/v1/invoices/{sale['id']}/gateway-payments",
                           json={"method": "upi", "amount_paise": sale["total_paise"]}, timeout=30).json()
        assert upi["qr_payload"].startswith("upi://pay")
        approved = session.post(f"{daemon.url}/api/v1/gateway-payments/{upi['id']}/simulate",
                                json={"outcome": "pay"}, timeout=10)
        assert approved.status_code == 202
        wait_until(lambda: paid(daemon, sale["id"]), 30, "the simulator's signed webhook to settle the invoice")
    finally:
        kill(daemon)
