"""The real daemon (gevent server) as a kiosk meets it: HTTP, the kiosk page, Socket.IO over websocket."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio

from tests.integration.test_cli import FAST, REPO, edge, seeded  # noqa: F401  (module fixture)
from tests.servers import free_port, wait_until


@dataclass
class Daemon:
    """A running daemon, where it listens (https by default) and the store CA that its certificate is
    verified against (what a kiosk trusts)."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log_file: Path
    scheme: str = "https"
    ca_file: Path | None = None

    @property
    def verify(self) -> str | bool:
        """What requests' ``verify`` takes: the store CA's file (plain HTTP: True, unused)."""
        return str(self.ca_file) if self.ca_file else True

    def session(self) -> requests.Session:
        """A requests session that trusts the store CA (and only it)."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE of the environment overrides verify
        session.verify = self.verify
        return session

    def socket_client(self) -> socketio.Client:
        """A Socket.IO client whose websocket trusts the store CA."""
        return socketio.Client(reconnection=False, http_session=self.session())


PLACEHOLDER_KIOSK = REPO / "kiosk_ui" / "placeholder"


def start_daemon(data_dir: Path, log_file: Path, kiosk_dir: Path = PLACEHOLDER_KIOSK, tries: int = 3,
                 env: dict[str, str] | None = None) -> Daemon:
    """Start `python -m edge serve` (demo devices, the given kiosk bundle, extra POS_* settings in ``env``,
    HTTPS with the store CA it makes on first run) on a free loopback port and wait until health answers over
    verified TLS (another program may take the port between our probe and the daemon's bind: then try another
    port)."""
    for attempt in range(tries):
        try:
            return _start_daemon(data_dir, log_file, free_port(), kiosk_dir, env or {})
        except RuntimeError:
            if attempt == tries - 1 or "cannot listen on" not in log_file.read_text(errors="replace"):
                raise
    raise AssertionError("unreachable")


def _start_daemon(data_dir: Path, log_file: Path, port: int, kiosk_dir: Path, extra: dict[str, str]) -> Daemon:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_")} | FAST | {
        "POS_DEVICES_SIMULATE": "true", "POS_SERVER_KIOSK_DIR": str(kiosk_dir),
    } | extra
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "edge", "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    tls = env.get("POS_SERVER_TLS", "true").lower() not in ("false", "0", "no")
    scheme = "https" if tls else "http"
    ca_file = data_dir / "tls" / "store-ca.pem" if tls else None
    daemon = Daemon(process, f"{scheme}://127.0.0.1:{port}", data_dir, log_file, scheme, ca_file)

    def healthy() -> bool:
        if ca_file is not None and not ca_file.is_file():
            return False
        try:
            return requests.get(f"{daemon.url}/api/v1/health", timeout=1, verify=daemon.verify).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(healthy, 30, "the daemon", process, log_file)
    except BaseException:
        process.kill()  # a daemon that never came up is not left running after the test
        process.wait()
        raise
    return daemon


@pytest.fixture
def daemon(seeded: Path, tmp_path: Path) -> Iterator[Daemon]:  # noqa: F811
    """A daemon over a copy of the demo store."""
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    running = start_daemon(data_dir, tmp_path / "daemon.log")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def session_cookie(daemon: Daemon, username: str, password: str) -> str:
    """Log in over HTTPS and return the session cookie header value."""
    response = daemon.session().post(f"{daemon.url}/api/v1/auth/login",
                                     json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200
    return f"pos_session={response.cookies['pos_session']}"


def test_health_openapi_and_kiosk_page_over_https(daemon: Daemon) -> None:
    http = daemon.session()
    assert daemon.url.startswith("https://")
    health = http.get(f"{daemon.url}/api/v1/health", timeout=5).json()
    assert health["status"] == "ok" and health["database"]["reachable"] is True
    assert "/api/v1/health" in http.get(f"{daemon.url}/api/v1/openapi.json", timeout=5).json()["paths"]
    page = http.get(f"{daemon.url}/", timeout=5)
    assert page.status_code == 200 and "<h1>Store Edge POS</h1>" in page.text
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    script = http.get(f"{daemon.url}/health.js", timeout=5)
    assert script.headers["Content-Type"].startswith("text/javascript")


def test_a_client_without_the_store_ca_does_not_trust_the_daemon(daemon: Daemon) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{daemon.url}/api/v1/health", timeout=5)
    plain = daemon.url.replace("https://", "http://")
    with pytest.raises(requests.ConnectionError):  # plain HTTP to the TLS port: the handshake fails, nothing served
        requests.get(f"{plain}/api/v1/health", timeout=5)


def test_second_daemon_and_migration_on_the_same_data_dir_are_refused(daemon: Daemon) -> None:
    pid = daemon.process.pid
    second = edge(daemon.data_dir, "serve", "--port", str(free_port()))
    assert second.returncode == 1
    expected = f"error: another store daemon is already using data dir {daemon.data_dir} (pid {pid})"
    assert second.stderr.strip() == expected
    migrate = edge(daemon.data_dir, "migrate")
    assert migrate.returncode == 1 and "another store daemon" in migrate.stderr
    assert daemon.session().get(f"{daemon.url}/api/v1/health", timeout=5).status_code == 200


def test_kiosk_joins_its_till_and_gets_echoes_over_websocket(daemon: Daemon) -> None:
    client = daemon.socket_client()
    client.connect(daemon.url, headers={"Cookie": session_cookie(daemon, "cashier", "cashier-demo-1")},
                   transports=["websocket"], wait_timeout=10)
    try:
        assert client.transport() == "websocket"
        assert client.call("join_till", {"till": "T1"}, timeout=5) == {"ok": True, "room": "till:T1"}
        refused = client.call("join_till", {"till": "T9"}, timeout=5)
        assert refused["error"]["code"] == "not_found" and refused["error"]["field"] == "till"
        assert client.call("ping_server", {"n": 42, "text": "नमस्ते"}, timeout=5) == {"n": 42, "text": "नमस्ते"}
    finally:
        client.disconnect()


def test_a_socket_from_another_site_is_refused_even_with_the_cookie(daemon: Daemon) -> None:
    cookie = session_cookie(daemon, "cashier", "cashier-demo-1")
    client = daemon.socket_client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(daemon.url, headers={"Cookie": cookie, "Origin": "https://evil.example"},
                       transports=["websocket"], wait_timeout=5)


def test_socket_without_login_is_refused(daemon: Daemon) -> None:
    client = daemon.socket_client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(daemon.url, transports=["websocket"], wait_timeout=5)


def test_sigterm_stops_cleanly_and_frees_the_data_dir(daemon: Daemon, tmp_path: Path) -> None:
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=30) == 0
    again = start_daemon(daemon.data_dir, tmp_path / "again.log")
    try:
        assert again.session().get(f"{again.url}/api/v1/health", timeout=5).json()["status"] == "ok"
    finally:
        again.process.send_signal(signal.SIGTERM)
        again.process.wait(timeout=30)


def test_demo_devices_feed_the_till(daemon: Daemon) -> None:
    from tests.integration.test_sale import CASE

    session = daemon.session()
    assert session.post(f"{daemon.url}/api/v1/auth/login", json={"username": "cashier", "password":
                                                                  "cashier-demo-1"}, timeout=10).status_code == 200
    cart = session.get(f"{daemon.url}/api/v1/tills/T1/cart", timeout=10).json()

    def connected() -> bool:
        items = session.get(f"{daemon.url}/api/v1/devices", timeout=5).json()["items"]
        return {i["device"] for i in items if i["status"] == "connected"} >= {"t1-scanner-sim", "t1-scale-sim"}

    wait_until(connected, 30, "simulated devices")
    assert session.post(f"{daemon.url}/api/v1/devices/simulate/scan", json={"till": "T1", "code": CASE.barcode},
                        timeout=10).status_code == 202

    def scanned() -> bool:
        lines = session.get(f"{daemon.url}/api/v1/carts/{cart['id']}", timeout=5).json()["lines"]
        return [line["unit"] for line in lines] == [CASE.name]

    wait_until(scanned, 30, "the scan in the cart")


def test_a_receipt_prints_once_on_the_demo_printer(daemon: Daemon) -> None:
    import sqlite3

    from tests.integration.test_sale import CASE

    session = daemon.session()
    session.post(f"{daemon.url}/api/v1/auth/login", json={"username": "cashier", "password": "cashier-demo-1"},
                 timeout=10)
    cart = session.get(f"{daemon.url}/api/v1/tills/T1/cart", timeout=10).json()
    cart = session.post(f"{daemon.url}/api/v1/carts/{cart['id']}/scan", json={"code": CASE.barcode}, timeout=10).json()
    sale = session.post(f"{daemon.url}/api/v1/carts/{cart['id']}/checkout", json={"payments": [
        {"method": "cash", "amount_paise": cart["total_paise"]}]}, timeout=10).json()
    job = session.post(f"{daemon.url}/api/v1/invoices/{sale['id']}/print", json={"kind": "receipt"}, timeout=10)
    assert job.status_code == 202

    def printed() -> bool:
        with sqlite3.connect(daemon.data_dir / "store.db") as conn:
            rows = conn.execute("SELECT status, attempts FROM print_job").fetchall()
        return rows == [("printed", 1)]

    wait_until(printed, 30, "the receipt printed")


def test_the_plain_http_port_only_redirects_to_https(seeded: Path, tmp_path: Path) -> None:  # noqa: F811
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    plain_port = free_port()
    running = start_daemon(data_dir, tmp_path / "daemon.log", env={"POS_SERVER_HTTP_REDIRECT_PORT": str(plain_port)})
    try:
        port = running.url.rsplit(":", 1)[1]
        for method in ("GET", "POST"):
            answer = requests.request(method, f"http://127.0.0.1:{plain_port}/api/v1/auth/login?next=/pos",
                                      json={"username": "cashier", "password": "cashier-demo-1"},
                                      allow_redirects=False, timeout=5)
            assert answer.status_code == 308
            assert answer.headers["Location"] == f"https://127.0.0.1:{port}/api/v1/auth/login?next=/pos"
            assert "pos_session" not in answer.cookies
        followed = running.session().get(f"http://127.0.0.1:{plain_port}/api/v1/health", timeout=5)
        assert followed.status_code == 200 and followed.url.startswith("https://")
    finally:
        running.process.send_signal(signal.SIGTERM)
        running.process.wait(timeout=30)
