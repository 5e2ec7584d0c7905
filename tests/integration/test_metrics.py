"""/metrics as Prometheus scrapes it (parsed with prometheus_client's own parser): sales, replication backlog
and lag, devices, print queue; admins or the metrics token only. And the JSON log lines."""

from __future__ import annotations

import json
import logging
import shutil
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import requests
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from edge.server import JsonLineFormatter
from edge.services.context import ServiceContext
from edge.store.models import Outbox, PrintJob
from tests.conftest import FakeClock
from tests.integration.test_cli import seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import start_daemon
from tests.integration.test_power_cut import http
from tests.integration.test_sale import CASE, cart_of, post
from tests.servers import wait_until

TOKEN = "scrape-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Scrape the in-process app as a logged-in client."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def test_sales_sync_lag_and_print_queue_follow_the_till(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    admin, cashier = login("admin"), login("cashier")
    before = scrape(admin)
    assert ("pos_sales_total", (("till", "T1"),)) not in before
    assert before[("pos_print_queue_length", ())] == 0
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    sale = post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    post(cashier, f"/api/v1/invoices/{sale['id']}/print", {"kind": "receipt"}, status=202)
    Outbox.update(created_at=clock.now - timedelta(seconds=90)).where(Outbox.seq == 1).execute()  # the oldest
    after = scrape(admin)
    assert after[("pos_sales_total", (("till", "T1"),))] == 1
    assert after[("pos_sales_amount_paise_total", (("till", "T1"),))] == sale["total_paise"]
    backlog = Outbox.select().where(Outbox.sent_at.is_null()).count()
    assert backlog > 0 and after[("pos_sync_backlog", ())] == backlog
    assert after[("pos_sync_oldest_unsent_age_seconds", ())] == 90
    assert ("pos_sync_last_ack_age_seconds", ()) not in after, "nothing acknowledged yet"
    assert after[("pos_print_queue_length", ())] == PrintJob.select().count() == 1
    assert after[("pos_info", (("store", "S001"), ("version", after_version(after))))] == 1

    Outbox.update(sent_at=clock.now - timedelta(seconds=30)).execute()  # the bridge got every PUBACK
    drained = scrape(admin)
    assert drained[("pos_sync_backlog", ())] == 0 and drained[("pos_sync_oldest_unsent_age_seconds", ())] == 0
    assert drained[("pos_sync_last_ack_age_seconds", ())] == 30


def after_version(found: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> str:
    """The version label of pos_info."""
    return next(dict(labels)["version"] for name, labels in found if name == "pos_info")


def test_only_admins_and_the_token_holder_may_scrape(login: Callable[[str], FlaskClient], client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401, "no token set: none works"
    for role in ("manager", "cashier", "hr", "employee"):
        assert login(role).get("/metrics").status_code == 403, role


def test_the_daemon_serves_metrics_to_prometheus_with_its_token(seeded: Path, tmp_path: Path) -> None:  # noqa: F811
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    secrets = data_dir / "secrets.toml"
    secrets.write_text(secrets.read_text().replace('metrics_token = ""', f'metrics_token = "{TOKEN}"'))
    daemon = start_daemon(data_dir, tmp_path / "daemon.log")
    try:
        def scraped(token: str) -> requests.Response:
            return http(daemon, None, "GET", "/metrics", headers={"Authorization": f"Bearer {token}"})

        assert scraped("wrong-token").status_code == 401

        def devices_up() -> bool:
            found = samples(scraped(TOKEN).text)
            up = {dict(labels)["device"]: value for (name, labels), value in found.items() if name == "pos_device_up"}
            return up.get("t1-scanner-sim") == 1 and up.get("t1-scale-sim") == 1

        wait_until(devices_up, 30, "the simulated devices in /metrics")
        found = samples(scraped(TOKEN).text)
        assert found[("pos_sync_backlog", ())] == 0
        assert found[("pos_uptime_seconds", ())] >= 0
    finally:
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=30) == 0


def test_json_log_lines_carry_time_level_logger_message_and_extras() -> None:
    record = logging.LogRecord("edge.backup", logging.WARNING, __file__, 1, "backup %s failed", ("nightly",), None)
    record.store = "S001"
    line = json.loads(JsonLineFormatter().format(record))
    assert (line["level"], line["logger"], line["msg"], line["store"]) == (
        "WARNING", "edge.backup", "backup nightly failed", "S001")
    assert line["ts"].endswith("Z") and "T" in line["ts"]
    try:
        raise RuntimeError("printer on fire")
    except RuntimeError:
        import sys

        failed = logging.LogRecord("edge", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    assert "RuntimeError: printer on fire" in json.loads(JsonLineFormatter().format(failed))["exc"]
