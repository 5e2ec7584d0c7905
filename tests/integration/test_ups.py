"""The UPS through NUT: a fake upsd on a loopback TCP port speaks the real protocol lines (LIST VAR, GET VAR,
ERR, LOGOUT). A power cut puts a banner on every kiosk and gives replication priority; mains back clears
both; a low battery drains the outbox, checkpoints the WAL and stops the daemon with status 75."""

from __future__ import annotations

import shutil
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from cloud_bridge.publisher import Publisher, PublisherSettings
from edge.server import background_jobs_paused
from edge.services.context import ServiceContext
from edge.store.models import Outbox
from edge.ups import EXIT_UPS_SHUTDOWN, SYNC_PRIORITY_FLAG, NutError, UpsMonitor, list_vars, monitor_from_config
from tests.integration.test_cli import seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import start_daemon
from tests.integration.test_power_cut import http, login
from tests.integration.test_sale import CASE, cart_of, post
from tests.servers import free_port, wait_until


class FakeUpsd:
    """A NUT server for one UPS whose variables a test changes; answers as upsd does, line by line."""

    def __init__(self, name: str = "ups") -> None:
        self.name = name
        self.values = {"ups.status": "OL CHRG", "battery.charge": "100", "battery.runtime": "1800",
                       "device.mfr": 'APC "Back-UPS"', "ups.model": "BX1100C"}
        self.requests: list[str] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for raw in self.rfile:
                    line = raw.decode().strip()
                    fake.requests.append(line)
                    words = line.split()
                    if words[:2] == ["LIST", "VAR"]:
                        if words[2:] != [fake.name]:
                            self.wfile.write(b"ERR UNKNOWN-UPS\n")
                            continue
                        body = "".join(f'VAR {fake.name} {k} "{v.replace(chr(34), chr(92) + chr(34))}"\n'
                                       for k, v in dict(fake.values).items())
                        self.wfile.write(f"BEGIN LIST VAR {fake.name}\n{body}END LIST VAR {fake.name}\n".encode())
                    elif words[:2] == ["GET", "VAR"] and len(words) == 4:
                        value = fake.values.get(words[3])
                        self.wfile.write((f'VAR {words[2]} {words[3]} "{value}"\n' if value is not None
                                          else "ERR VAR-NOT-SUPPORTED\n").encode())
                    elif words[:1] == ["LOGOUT"]:
                        self.wfile.write(b"OK Goodbye\n")
                        return
                    else:
                        self.wfile.write(b"ERR UNKNOWN-COMMAND\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set(self, status: str, charge: str) -> None:
        """What the UPS reports from now on."""
        self.values.update({"ups.status": status, "battery.charge": charge})

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upsd() -> Iterator[FakeUpsd]:
    """A fake upsd on a free loopback port."""
    server = FakeUpsd()
    yield server
    server.close()


def test_list_var_reads_every_variable_and_errors_are_named(upsd: FakeUpsd) -> None:
    values = list_vars("127.0.0.1", upsd.port, "ups")
    assert values["ups.status"] == "OL CHRG" and values["battery.charge"] == "100"
    assert values["device.mfr"] == 'APC "Back-UPS"', "quoted values are unescaped"
    # The client says LOGOUT as it leaves; the fake server may read it a moment after list_vars returns.
    wait_until(lambda: upsd.requests[-1:] == ["LOGOUT"], 10, "the client's LOGOUT")
    assert upsd.requests[-2:] == ["LIST VAR ups", "LOGOUT"]
    with pytest.raises(NutError, match="UNKNOWN-UPS"):
        list_vars("127.0.0.1", upsd.port, "other")
    with pytest.raises(NutError, match="cannot reach upsd"):
        list_vars("127.0.0.1", free_port(), "ups")


def monitor(ctx: ServiceContext, upsd_port: int, **overrides: Any) -> UpsMonitor:
    """The UPS monitor of a test store, wired as the daemon wires it."""
    config = ctx.config.with_overrides({"ups.host": "127.0.0.1", "ups.port": upsd_port, **overrides})
    ctx.config = config
    found = monitor_from_config(ctx)
    assert found is not None
    ctx.ups = found
    return found


def test_a_power_cut_puts_a_banner_on_every_kiosk_and_puts_sync_first(
    upsd: FakeUpsd, demo_ctx: ServiceContext, app_and_socketio: tuple[Flask, SocketIO],
    login: Callable[[str], FlaskClient],
) -> None:
    app, sio = app_and_socketio
    screens = [sio.test_client(app, flask_test_client=login(role)) for role in ("cashier", "manager")]
    for screen in screens:
        screen.get_received()
    scheduler = BackgroundScheduler()
    scheduler.add_job(lambda: None, "interval", hours=24, id="backup")
    scheduler.add_job(lambda: None, "interval", seconds=30, id="mail")
    scheduler.start(paused=True)
    ups = monitor(demo_ctx, upsd.port)
    ups.on_battery_changed = background_jobs_paused(scheduler)
    flag = demo_ctx.config.data_dir / SYNC_PRIORITY_FLAG
    try:
        assert ups.poll().status == ("OL", "CHRG")
        assert [s.get_received() for s in screens] == [[], []] and not flag.exists()

        upsd.set("OB DISCHRG", "87")
        assert ups.poll().on_battery
        for screen in screens:
            banner = [e["args"][0] for e in screen.get_received() if e["name"] == "ups"]
            assert banner == [{"on_battery": True, "low_battery": False, "charge": 87.0, "runtime_s": 1800,
                               "message": "Power cut: running on the UPS battery. Sales are safe; replication "
                                          "goes first."}]
        assert flag.exists(), "the bridge is told to put sync first"
        assert [scheduler.get_job(j).next_run_time for j in ("backup", "mail")] == [None, None], "jobs wait"
        late = sio.test_client(app, flask_test_client=login("cashier"))
        assert [e["name"] for e in late.get_received()] == ["ups"], "a screen connecting now sees the banner too"
        ups.poll()
        assert [s.get_received() for s in screens] == [[], []], "told once, not on every poll"

        upsd.set("OL CHRG", "88")
        ups.poll()
        for screen in screens:
            assert [e["args"][0]["on_battery"] for e in screen.get_received() if e["name"] == "ups"] == [False]
        assert not flag.exists()
        assert all(scheduler.get_job(j).next_run_time is not None for j in ("backup", "mail"))
    finally:
        scheduler.shutdown(wait=False)


def test_the_bridge_reconnects_at_once_while_sync_has_priority(tmp_path: Path) -> None:
    flag = tmp_path / SYNC_PRIORITY_FLAG
    settings = PublisherSettings("S001", "127.0.0.1", free_port(), priority_file=str(flag), backoff_max_s=30)
    publisher = Publisher(None, settings)  # type: ignore[arg-type]  (no store needed to read the flag)
    assert publisher._backoff_cap() == 30
    flag.write_text("on battery\n")
    assert publisher._backoff_cap() == settings.priority_backoff_s == 2


def test_low_battery_drains_the_outbox_checkpoints_and_stops(
    upsd: FakeUpsd, demo_ctx: ServiceContext, login: Callable[[str], FlaskClient]
) -> None:
    cashier = login("cashier")
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": CASE.barcode})
    post(cashier, f"/api/v1/carts/{cart['id']}/checkout", {}, status=201)
    wal = Path(f"{demo_ctx.config.data_dir / 'store.db'}-wal")
    assert wal.stat().st_size > 0 and Outbox.select().where(Outbox.sent_at.is_null()).count() > 0
    ups = monitor(demo_ctx, upsd.port, **{"ups.flush_seconds": 30})
    stopped = threading.Event()
    backlog_at_stop: list[int] = []
    ups._on_low_battery = lambda: (backlog_at_stop.append(ups.backlog()), stopped.set())

    def bridge() -> None:  # the publisher getting its PUBACKs while the daemon waits
        wait_until(lambda: ups.state is not None and ups.state.low_battery, 10, "low battery seen")
        with demo_ctx.db.connection_context():
            Outbox.update(sent_at=demo_ctx.now()).where(Outbox.sent_at.is_null()).execute()

    drain = threading.Thread(target=bridge)
    drain.start()
    upsd.set("OB LB", "9")
    ups.poll()
    drain.join(timeout=10)
    assert stopped.is_set() and ups.stopped_for_battery
    assert backlog_at_stop == [0], "stopped only once the outbox was empty"
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL is folded into the store file"


def test_the_daemon_shows_the_banner_and_stops_cleanly_on_low_battery(
    upsd: FakeUpsd, seeded: Path, tmp_path: Path  # noqa: F811
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    daemon = start_daemon(data_dir, tmp_path / "daemon.log", env={
        "POS_UPS_HOST": "127.0.0.1", "POS_UPS_PORT": str(upsd.port), "POS_UPS_POLL_SECONDS": "1",
        "POS_UPS_FLUSH_SECONDS": "1"})
    session = login(daemon, "cashier", "cashier-demo-1")
    heard: list[dict[str, Any]] = []
    banner = threading.Event()
    kiosk = daemon.socket_client()
    kiosk.on("ups", lambda data: (heard.append(data), banner.set()))
    try:
        kiosk.connect(daemon.url, headers={"Cookie": f"pos_session={session.cookies['pos_session']}"},
                      transports=["websocket"], wait_timeout=10)
        upsd.set("OB DISCHRG", "60")
        assert banner.wait(15), "the banner reached the kiosk"
        assert heard[0]["on_battery"] is True and (data_dir / SYNC_PRIORITY_FLAG).exists()
        cart = http(daemon, session, "GET", "/api/v1/tills/T1/cart").json()
        cart = http(daemon, session, "POST", f"/api/v1/carts/{cart['id']}/scan", {"code": CASE.barcode}).json()
        sold = http(daemon, session, "POST", f"/api/v1/carts/{cart['id']}/checkout", {})
        assert sold.status_code == 201, "selling goes on during the power cut"
        upsd.set("OB LB", "8")
        assert daemon.process.wait(timeout=30) == EXIT_UPS_SHUTDOWN
    finally:
        kiosk.disconnect()
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait()
    log = daemon.log_file.read_text()
    assert "low battery: stopping the daemon" in log and "Traceback" not in log
    wal = data_dir / "store.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert not (data_dir / "edge.lock").exists() or _lock_is_free(data_dir / "edge.lock")


def _lock_is_free(path: Path) -> bool:
    """True when nobody holds the data-dir lock."""
    import fcntl

    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return True


def test_unreachable_upsd_is_logged_once_and_changes_nothing(demo_ctx: ServiceContext) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    ups = monitor(demo_ctx, port)
    heard: list[dict[str, Any]] = []
    demo_ctx.bus.subscribe("ups.status", lambda topic, payload: heard.append(payload))
    assert ups.poll().reachable is False and ups.poll().reachable is False
    assert heard == [] and not (demo_ctx.config.data_dir / SYNC_PRIORITY_FLAG).exists()
