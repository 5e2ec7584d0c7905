"""The UPS, through NUT (Network UPS Tools): upsd's TCP protocol on port 3493 read with LIST VAR.

On battery: every kiosk gets a banner (``ups`` Socket.IO event to the store room), replication becomes the
priority (the bridge is told through a flag file in the data dir and reconnects at once instead of backing off;
the daemon's backups wait), and the banner goes away when mains power returns. On low battery: the outbox is
given ``[ups] flush_seconds`` to drain to the cloud, the SQLite WAL is checkpointed into the main file, and the
daemon stops cleanly (exit status 75, which systemd does not restart) before upsmon powers the box off.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
NUT_PORT = 3493
SYNC_PRIORITY_FLAG = "sync-priority"  # present in the data dir while the bridge should drain first
EXIT_UPS_SHUTDOWN = 75  # the daemon stopped for the UPS's low battery (RestartPreventExitStatus in the unit)


class NutError(Exception):
    """upsd answered with an error or could not be reached."""


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"').replace("\\\\", "\\") if text.startswith('"') else text


def list_vars(host: str, port: int, ups: str, timeout: float = 5.0) -> dict[str, str]:
    """``LIST VAR <ups>``: every variable upsd holds for a UPS (ups.status, battery.charge, ...)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(f"LIST VAR {ups}\n".encode())
            reader = sock.makefile("r", encoding="utf-8", newline="\n")
            first = reader.readline().strip()
            if first.startswith("ERR "):
                raise NutError(f"upsd: {first[4:]} (ups {ups!r})")
            if first != f"BEGIN LIST VAR {ups}":
                raise NutError(f"upsd answered {first!r}")
            values: dict[str, str] = {}
            for raw in reader:
                line = raw.strip()
                if line == f"END LIST VAR {ups}":
                    sock.sendall(b"LOGOUT\n")
                    return values
                kind, _, rest = line.partition(" ")
                name_ups, _, rest = rest.partition(" ")
                name, _, value = rest.partition(" ")
                if kind == "VAR" and name_ups == ups:
                    values[name] = _unquote(value)
            raise NutError("upsd closed the connection in the middle of LIST VAR")
    except OSError as exc:
        raise NutError(f"cannot reach upsd at {host}:{port}: {exc}") from exc


@dataclass(frozen=True)
class UpsState:
    """What the UPS says now."""

    status: tuple[str, ...] = ()  # ups.status flags: OL (on line), OB (on battery), LB (low battery), ...
    charge: float | None = None  # battery.charge, percent
    runtime_s: int | None = None  # battery.runtime, seconds left
    reachable: bool = True

    @property
    def on_battery(self) -> bool:
        """Running on battery (a power cut)."""
        return "OB" in self.status

    @property
    def low_battery(self) -> bool:
        """The UPS says its battery is low (or a forced shutdown was called)."""
        return "LB" in self.status or "FSD" in self.status

    def event(self) -> dict[str, Any]:
        """The ``ups`` event the kiosks show as a banner."""
        if self.low_battery:
            message = "Battery low: the till is shutting down. Finish the sale on paper."
        elif self.on_battery:
            message = "Power cut: running on the UPS battery. Sales are safe; replication goes first."
        else:
            message = ""
        return {"on_battery": self.on_battery, "low_battery": self.low_battery, "charge": self.charge,
                "runtime_s": self.runtime_s, "message": message}


def parse_state(values: dict[str, str]) -> UpsState:
    """An UpsState from LIST VAR's variables."""
    def number(name: str) -> float | None:
        try:
            return float(values[name])
        except (KeyError, ValueError):
            return None

    runtime = number("battery.runtime")
    return UpsState(tuple(values.get("ups.status", "").split()), number("battery.charge"),
                    int(runtime) if runtime is not None else None)


@dataclass
class UpsMonitor:
    """Polls upsd and acts on the transitions: banner, sync priority, clean stop on low battery."""

    host: str
    port: int
    name: str
    data_dir: Path
    publish: Callable[[str, dict[str, Any]], Any]  # the bus: ``ups.status`` reaches every kiosk
    backlog: Callable[[], int]  # unsent outbox rows
    checkpoint: Callable[[], None]  # fold the WAL into the database file
    poll_s: float = 5.0
    flush_s: float = 60.0
    shutdown: bool = True
    on_battery_changed: Callable[[bool], None] = lambda on_battery: None
    state: UpsState | None = None
    stopped_for_battery: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _on_low_battery: Callable[[], None] | None = None

    @property
    def priority_flag(self) -> Path:
        """The file the bridge watches while sync has priority."""
        return self.data_dir / SYNC_PRIORITY_FLAG

    def poll(self) -> UpsState:
        """Read the UPS once and act on what changed."""
        try:
            new = parse_state(list_vars(self.host, self.port, self.name))
        except NutError as exc:
            if self.state is None or self.state.reachable:
                log.warning("UPS not readable: %s", exc)
            new = UpsState(self.state.status if self.state else (), None, None, reachable=False)
            self.state = new
            return new
        old, self.state = self.state, new
        if old is None:
            log.info("UPS %s: %s (charge %s%%)", self.name, " ".join(new.status) or "unknown", new.charge)
            if not (new.on_battery or new.low_battery):
                self.priority_flag.unlink(missing_ok=True)  # left by a run that stopped during a power cut
        before = (old.on_battery, old.low_battery) if old is not None and old.reachable else (False, False)
        if (new.on_battery, new.low_battery) != before:
            self._changed(new)
        return new

    def _changed(self, state: UpsState) -> None:
        log.warning("UPS %s: %s (charge %s%%)", self.name, " ".join(state.status) or "unknown", state.charge)
        if state.on_battery or state.low_battery:
            self.priority_flag.write_text("on battery\n")
        else:
            self.priority_flag.unlink(missing_ok=True)
        self.on_battery_changed(state.on_battery or state.low_battery)
        self.publish("ups.status", state.event())
        if state.low_battery and self.shutdown and not self.stopped_for_battery:
            self.stop_for_low_battery()

    def stop_for_low_battery(self) -> None:
        """Give the outbox ``flush_s`` to drain, checkpoint the WAL, and stop the daemon."""
        deadline = time.monotonic() + self.flush_s
        left = self.backlog()
        while left and time.monotonic() < deadline and not self._stop.is_set():
            self._stop.wait(0.5)  # the bridge is draining; look again
            left = self.backlog()
        if left:
            log.warning("low battery: %d events still unsent; they go when power returns", left)
        try:
            self.checkpoint()
        except Exception:  # the store must still be stopped cleanly
            log.exception("low battery: WAL checkpoint failed")
        self.stopped_for_battery = True
        log.warning("low battery: stopping the daemon (store checkpointed, %d events unsent)", left)
        if self._on_low_battery is not None:
            self._on_low_battery()

    def run(self) -> None:
        """Poll until stopped."""
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.poll_s)

    def start(self, on_low_battery: Callable[[], None], gevent_mode: bool) -> None:
        """Poll in the background: a greenlet under gevent, a thread otherwise."""
        self._on_low_battery = on_low_battery
        if gevent_mode:
            import gevent

            gevent.spawn(self.run)
        else:
            threading.Thread(target=self.run, name="ups", daemon=True).start()

    def stop(self) -> None:
        """Stop polling (the flag file stays: a restart on battery keeps the priority)."""
        self._stop.set()


def monitor_from_config(ctx: Any, on_battery_changed: Callable[[bool], None] = lambda on: None) -> UpsMonitor | None:
    """The configured UPS monitor, None without ``[ups] host``."""
    config = ctx.config
    if not config.get("ups.host"):
        return None
    from edge.services.sync import sync_status
    from edge.store.db import is_sqlite

    def backlog() -> int:
        with ctx.db.connection_context():
            return int(sync_status(ctx)["backlog"])

    def checkpoint() -> None:
        if is_sqlite(ctx.db):
            with ctx.db.connection_context():
                busy, _, _ = ctx.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            log.info("WAL checkpointed%s", " (readers busy: partial)" if busy else "")

    return UpsMonitor(config.get("ups.host"), config.get("ups.port"), config.get("ups.name"), config.data_dir,
                      ctx.bus.publish, backlog, checkpoint, config.get("ups.poll_seconds"),
                      config.get("ups.flush_seconds"), config.get("ups.shutdown_on_low_battery"), on_battery_changed)
