"""The systemd units pass `systemd-analyze verify` with no complaint, carry the restart, watchdog and
hardening settings, and the daemon speaks sd_notify to a real unix datagram socket: READY=1 once it serves,
WATCHDOG=1 while its loop turns, STOPPING=1 on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.sdnotify import notify, watchdog_period
from tests.integration.test_cli import REPO, seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import start_daemon
from tests.servers import find_binary

UNITS = REPO / "systemd"
VENV_PYTHONS = ("/opt/store-edge/.venv/bin/python", "/opt/pos-cloud/.venv/bin/python")


def unit_settings(name: str) -> dict[str, list[str]]:
    """Key → values of a unit file (a key may repeat)."""
    found: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_units_pass_systemd_analyze_verify_without_a_warning(tmp_path: Path) -> None:
    analyze = find_binary("systemd-analyze")
    names = []
    for unit in sorted(UNITS.glob("*.service")):
        text = unit.read_text()
        for python in VENV_PYTHONS:  # verify checks that ExecStart's program exists: point it at this Python
            text = text.replace(python, sys.executable)
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text)
        names.append(name)
    assert names == ["cloud-ingest@1.service", "store-edge-bridge.service", "store-edge.service"]
    result = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    (tmp_path / "broken.service").write_text(text.replace("Restart=always", "Restart=sometimes"))
    broken = subprocess.run([analyze, "verify", "--man=no", "broken.service"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert "Failed to parse service restart specifier" in broken.stderr, "the check does catch a bad unit"


def test_the_daemon_unit_restarts_feeds_a_watchdog_and_is_confined() -> None:
    unit = unit_settings("store-edge.service")
    single = {key: values[-1] for key, values in unit.items()}
    assert (single["Type"], single["Restart"], single["WatchdogSec"]) == ("notify", "always", "30")
    assert single["ExecStartPre"].endswith("migrate") and single["ExecStart"].endswith("serve")
    assert single["SupplementaryGroups"].split() == ["dialout", "input", "lp"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "StateDirectory": "store-edge", "CapabilityBoundingSet": "",
                       "StandardOutput": "journal"}.items():
        assert single[key] == value, key
    bridge = {key: values[-1] for key, values in unit_settings("store-edge-bridge.service").items()}
    assert (bridge["PartOf"], bridge["Restart"], bridge["ProtectSystem"]) == ("store-edge.service", "always", "strict")


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, Path]]:
    """A unix datagram socket where systemd would listen."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(30)
    yield sock, path
    sock.close()


def messages_until(sock: socket.socket, wanted: str, limit: int = 200) -> list[str]:
    """Datagrams received until one contains ``wanted``."""
    received: list[str] = []
    while len(received) < limit:
        received.append(sock.recv(4096).decode())
        if wanted in received[-1]:
            return received
    raise AssertionError(f"no {wanted!r} in {received}")


def test_the_daemon_says_ready_feeds_the_watchdog_and_says_stopping(
    seeded: Path, tmp_path: Path, notify_socket: tuple[socket.socket, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sock, path = notify_socket
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # WatchdogSec=0.4: fed every 0.2 s
    daemon = start_daemon(data_dir, tmp_path / "daemon.log")
    try:
        first = messages_until(sock, "READY=1")
        port = daemon.url.rsplit(":", 1)[1]
        assert first[-1].splitlines() == ["READY=1", f"STATUS=serving store S001 on 127.0.0.1:{port}"]
        fed = [sock.recv(4096).decode() for _ in range(3)]
        assert fed == ["WATCHDOG=1"] * 3
        daemon.process.send_signal(signal.SIGSTOP)  # a hung daemon feeds nothing
        sock.settimeout(1.0)
        drained = []
        try:
            while True:
                drained.append(sock.recv(4096).decode())
        except TimeoutError:
            pass
        assert len(drained) <= 1, "only a datagram already in flight"
        daemon.process.send_signal(signal.SIGCONT)
        sock.settimeout(30)
        assert sock.recv(4096).decode() == "WATCHDOG=1", "fed again once it runs"
        daemon.process.send_signal(signal.SIGTERM)
        assert "STOPPING=1" in messages_until(sock, "STOPPING=1")[-1]
        assert daemon.process.wait(timeout=30) == 0
    finally:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait()


def test_abstract_sockets_and_the_watchdog_owner_are_understood(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0store-edge-test-notify")
        assert notify("READY=1", {"NOTIFY_SOCKET": "@store-edge-test-notify"}) is True
        assert sock.recv(64) == b"READY=1"
    assert notify("READY=1", {}) is False, "not under systemd: nothing to do"
    assert notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}) is False
    assert watchdog_period({"WATCHDOG_USEC": "30000000"}) == 15
    assert watchdog_period({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None, "another process's"
    assert watchdog_period({}) is None
