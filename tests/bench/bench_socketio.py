"""Websocket round trip: the real daemon (`python -m edge serve`, Flask-SocketIO in gevent mode, logged-in
cashier) against a bare python-socketio server on gevent.pywsgi (tests/bench/bare_echo_server.py).
Both answer the event "ping_server" by echoing its data through the ack. One python-socketio client per
server (websocket transport only) makes one call at a time; both servers run side by side and are
measured in alternating chunks, so machine drift hits both."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests
import socketio

from tests.bench.harness import REPO_ROOT, Result, ns_to_ms, percentile
from tests.servers import free_port, wait_until

CASHIER = {"username": "cashier", "password": "cashier-demo-1"}
SESSION_COOKIE = "pos_session"
CALL_TIMEOUT_S = 10
START_TIMEOUT_S = 90
COMMAND_TIMEOUT_S = 180
ROUNDS = 5
P99_GOAL_MS = 10.0
RATE_GOAL = 500.0
BARE_MAX_SECONDS = 900


@dataclass(frozen=True)
class Sizes:
    """Round trips per server, after the warm-up."""

    calls: int
    warmup: int


FULL = Sizes(calls=2_000, warmup=200)
QUICK = Sizes(calls=500, warmup=50)


@dataclass
class Target:
    """A connected client and the durations of its round trips."""

    name: str
    client: socketio.Client
    durations_ns: list[int]

    @property
    def ms(self) -> list[float]:
        """Round trips in milliseconds."""
        return ns_to_ms(self.durations_ns)

    @property
    def per_second(self) -> float:
        """Round trips per second, one in flight at a time."""
        return len(self.durations_ns) / (sum(self.durations_ns) / 1e9)


def die_with_parent() -> None:
    """preexec_fn: SIGTERM the child when the benchmark process dies (Linux), so nothing is left running."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def clean_env() -> dict[str, str]:
    """The environment without POS_* overrides, so the daemon runs its default config (gevent mode)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("POS_")}


def edge_command(data_dir: Path, *args: str) -> list[str]:
    """``python -m edge --data-dir DIR ARGS``."""
    return [sys.executable, "-m", "edge", "--data-dir", str(data_dir), *args]


# The daemon serves HTTPS with the store CA it makes on first run; clients trust that CA (and only it).
_TRUSTED_CA: dict[str, Path] = {}


def trust_store_ca(base_url: str, data_dir: Path) -> None:
    """Verify the daemon at base_url against the store CA in its data dir (made when it first starts)."""
    _TRUSTED_CA[base_url] = data_dir / "tls" / "store-ca.pem"


def verify_for(url: str) -> str | bool:
    """requests' ``verify`` for a URL: the store CA of a trusted daemon, else the system's CAs."""
    for base, ca_file in _TRUSTED_CA.items():
        if url.startswith(base):
            return str(ca_file)
    return True


def http_session(base_url: str) -> requests.Session:
    """A requests session for a server (environment CA bundles ignored: they would override verify)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = verify_for(base_url)
    return session


def answers(url: str) -> Callable[[], bool]:
    """Readiness probe: GET url answers 200 (over verified TLS for a trusted daemon)."""
    def probe() -> bool:
        verify = verify_for(url)
        if isinstance(verify, str) and not Path(verify).is_file():
            return False
        try:
            return http_session(url).get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False
    return probe


@contextlib.contextmanager
def server_process(command: list[str], log_path: Path, ready_url: str, what: str) -> Iterator[None]:
    """Start a server subprocess, wait until ready_url answers, terminate it (kill if it lingers) on exit."""
    log: IO[bytes] = log_path.open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=die_with_parent)
    try:
        wait_until(answers(ready_url), START_TIMEOUT_S, what, process, log_path)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def connect(url: str, headers: dict[str, str]) -> socketio.Client:
    """A websocket-only Socket.IO client, connected."""
    client = socketio.Client(reconnection=False, http_session=http_session(url))
    client.connect(url, headers=dict(headers), transports=["websocket"], wait_timeout=CALL_TIMEOUT_S)
    return client


def ping(client: socketio.Client, seq: int) -> None:
    """One round trip; the echo must come back unchanged."""
    payload = {"seq": seq, "till": "T1", "barcode": "8901000000118"}
    reply: Any = client.call("ping_server", payload, timeout=CALL_TIMEOUT_S)
    if reply != payload:
        raise AssertionError(f"ping_server echoed {reply!r}, sent {payload!r}")


def measure(targets: list[Target], sizes: Sizes) -> None:
    """Warm every client up, then time calls round-robin in chunks, alternating which server goes first."""
    for target in targets:
        for seq in range(sizes.warmup):
            ping(target.client, seq)
    step = -(-sizes.calls // ROUNDS)
    clock = time.perf_counter_ns
    gc.collect()
    for index in range(ROUNDS):
        count = min(step, sizes.calls - index * step)
        for target in targets if index % 2 == 0 else reversed(targets):
            for seq in range(count):
                start = clock()
                ping(target.client, seq)
                target.durations_ns.append(clock() - start)


def prepare_daemon(data_dir: Path) -> None:
    """Migrate and seed the demo store through the daemon's own commands."""
    for args in (("migrate",), ("seed-demo",)):
        subprocess.run(edge_command(data_dir, *args), cwd=REPO_ROOT, env=clean_env(), check=True,
                       capture_output=True, timeout=COMMAND_TIMEOUT_S)


def log_in(base_url: str) -> str:
    """The demo cashier's session cookie."""
    response = http_session(base_url).post(f"{base_url}/api/v1/auth/login", json=CASHIER, timeout=60)
    response.raise_for_status()
    token = response.cookies.get(SESSION_COOKIE)
    if not token:
        raise AssertionError("login answered without the session cookie")
    return token


def run(quick: bool) -> list[Result]:
    """Daemon and bare server side by side; round-trip percentiles and rate of each."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-socketio-") as tmp:
        base = Path(tmp)
        data_dir = base / "data"
        prepare_daemon(data_dir)
        daemon_port, bare_port = free_port(), free_port()
        daemon_url, bare_url = f"https://127.0.0.1:{daemon_port}", f"http://127.0.0.1:{bare_port}"
        trust_store_ca(daemon_url, data_dir)
        daemon_cmd = edge_command(data_dir, "serve", "--host", "127.0.0.1", "--port", str(daemon_port))
        bare_cmd = [sys.executable, "-m", "tests.bench.bare_echo_server", "--port", str(bare_port),
                    "--max-seconds", str(BARE_MAX_SECONDS)]
        clients: list[socketio.Client] = []
        try:
            with server_process(daemon_cmd, base / "daemon.log", f"{daemon_url}/api/v1/health", "edge daemon"), \
                    server_process(bare_cmd, base / "bare.log", f"{bare_url}/health", "bare echo server"):
                token = log_in(daemon_url)
                clients.append(connect(daemon_url, {"Cookie": f"{SESSION_COOKIE}={token}"}))
                clients.append(connect(bare_url, {}))
                daemon = Target("daemon", clients[0], [])
                bare = Target("bare", clients[1], [])
                measure([daemon, bare], sizes)
                for client in clients:
                    client.disconnect()
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    client.disconnect()

    bare_name = "bare python-socketio Server (gevent, pywsgi, no Flask)"
    p99 = percentile(daemon.ms, 99)
    rate = daemon.per_second
    how = (f"{len(daemon.durations_ns)} sequential `client.call('ping_server', ...)` after {sizes.warmup} warm-up "
           "calls; client: python-socketio + websocket-client, websocket transport only; daemon on its default "
           "config (server.async_mode = gevent, POS_* variables removed), connected as the demo cashier")
    return [
        Result("daemon ping_server round trip p50", percentile(daemon.ms, 50), "ms", bare_name + " p50",
               percentile(bare.ms, 50), "—", None, how),
        Result("daemon ping_server round trip p99", p99, "ms", bare_name + " p99", percentile(bare.ms, 99),
               f"p99 <= {P99_GOAL_MS:g} ms", p99 <= P99_GOAL_MS,
               "a scan pushed to the till screen must feel instant (< 100 ms end to end); the socket hop "
               "gets a tenth of that"),
        Result("daemon ping_server round trip max", max(daemon.ms), "ms", bare_name + " max", max(bare.ms),
               "—", None, ""),
        Result("daemon round trips per second (one in flight)", rate, "msg/s", bare_name + " msg/s",
               bare.per_second, f">= {RATE_GOAL:g} msg/s", rate >= RATE_GOAL,
               "N / total time of the sequential calls; a busy store pushes well under 100 events/s"),
    ]
