"""The device manager: builds the drivers the config declares (or simulators in demo mode), hosts each
driver's ``run(stop)`` loop on its own thread, and keeps every device's status for REST and Socket.IO.

Drivers reconnect on their own with backoff (a scale or scanner unplugged and plugged back comes back by
itself); a driver whose loop ends unexpectedly is restarted here. A missing or failing device never stops
billing: the manager only publishes on the bus.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from edge.bus import EventBus
from edge.clock import utcnow
from edge.config import Config
from edge.devices.clock import SerialFingerprintTerminal, SerialRfidReader
from edge.devices.keymap import get_layout
from edge.devices.scale import ScaleDriver
from edge.devices.scanner import DeviceMatch, EvdevScanner, SerialScanner, parse_usb_id

log = logging.getLogger(__name__)
STATUS_TOPICS = ("scanner.status", "scale.status", "clock.status", "printer.status")
RESTART_S = 5.0


class Driver(Protocol):
    """What the manager hosts."""

    name: str

    def run(self, stop: threading.Event) -> None:
        """Loop until stop is set."""


@dataclass
class Hosted:
    """A driver, its till and kind, and the thread running it."""

    driver: Driver
    kind: str
    till: str | None
    simulated: bool
    thread: threading.Thread | None = None
    status: dict[str, Any] = field(default_factory=lambda: {"status": "starting", "error": None})
    last_event_at: str | None = None


class Simulators:
    """The demo devices of ``devices.simulate``: a scanner and a scale per till, an RFID gate reader."""

    def __init__(self) -> None:
        from edge.devices.sim_input import FakeInputDevice, PtyRfidReader
        from edge.devices.sim_scale import SimulatedScale

        self._fake_input = FakeInputDevice
        self._scale = SimulatedScale
        self.scanners: dict[str, Any] = {}
        self.scales: dict[str, Any] = {}
        self.printers: dict[str, Any] = {}
        self.rfid = PtyRfidReader()

    def scanner(self, till: str) -> Any:
        """The stand-in input node of a till's scanner (real InputEvents through the real decoder)."""
        if till not in self.scanners:
            self.scanners[till] = self._fake_input(name=f"Simulated scanner {till}", path=f"/dev/input/sim-{till}")
        return self.scanners[till]

    def scale(self, till: str) -> Any:
        """A till's scale on a pseudo-terminal, speaking the continuous protocol."""
        if till not in self.scales:
            self.scales[till] = self._scale("continuous")
        return self.scales[till]

    def printer(self, name: str) -> Any:
        """A network receipt printer on loopback that keeps what it is sent."""
        if name not in self.printers:
            from edge.devices.sim_printer import SimulatedNetworkPrinter

            self.printers[name] = SimulatedNetworkPrinter()
            self.printers[name].start()
        return self.printers[name]

    def close(self) -> None:
        """Unplug everything."""
        for printer in self.printers.values():
            printer.stop()
        for scale in self.scales.values():
            scale.stop()
        for device in self.scanners.values():
            device.unplug()
        self.rfid.close()


class DeviceManager:
    """Builds, hosts and watches the store's devices."""

    def __init__(self, config: Config, bus: EventBus, tills: Sequence[str],
                 extra: Sequence[tuple[Driver, str, str | None]] = ()) -> None:
        self.config = config
        self.bus = bus
        self.tills = list(tills)
        self.hosted: dict[str, Hosted] = {}
        self.simulators: Simulators | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._extra = list(extra)
        for topic in STATUS_TOPICS:
            bus.subscribe(topic, self._on_status)
        for topic in ("scanner.scan", "scale.weight", "clock.punch"):
            bus.subscribe(topic, self._on_event)

    # --- building -----------------------------------------------------------------------------------

    def build(self) -> None:
        """Drivers from ``[[devices.*]]``, or simulators for every till when ``devices.simulate`` is set."""
        devices = self.config["devices"]
        if devices["simulate"]:
            self._build_simulated()
        for spec in devices["scanners"]:
            if spec["serial_port"]:
                driver: Driver = SerialScanner(spec["name"], spec["till"], spec["serial_port"], self.bus,
                                               debounce_ms=spec["debounce_ms"])
            else:
                match = DeviceMatch(spec["path"], parse_usb_id(spec["usb_id"]) if spec["usb_id"] else None,
                                    spec["name_contains"])
                driver = EvdevScanner(spec["name"], spec["till"], match, self.bus, get_layout(spec["layout"]),
                                      inter_key_timeout_ms=spec["inter_key_timeout_ms"],
                                      debounce_ms=spec["debounce_ms"])
            self.add(driver, "scanner", spec["till"])
        for spec in devices["scales"]:
            self.add(ScaleDriver(spec["name"], spec["till"], spec["port"], spec["protocol"], self.bus),
                      "scale", spec["till"])
        for spec in devices["clocks"]:
            direction = spec["direction"] or None
            if spec["type"] == "rfid_serial":
                self.add(SerialRfidReader(spec["name"], spec["serial_port"], self.bus, direction=direction),
                          "clock", None)
            elif spec["type"] == "fingerprint_serial":
                from edge.devices.clock import FingerprintLineParser

                parser = FingerprintLineParser(spec["pattern"], timezone=self.config.get("store.timezone"))
                self.add(SerialFingerprintTerminal(spec["name"], spec["serial_port"], self.bus, parser),
                          "clock", None)
            else:
                from edge.devices.clock import EvdevBadgeReader

                match = DeviceMatch(spec["path"], None, spec["name_contains"])
                self.add(EvdevBadgeReader(spec["name"], match, self.bus, direction=direction), "clock", None)
        for driver, kind, till in self._extra:
            self.add(driver, kind, till)

    def _build_simulated(self) -> None:
        sims = self.simulators = Simulators()
        for till in self.tills:
            fake = sims.scanner(till)
            self.add(EvdevScanner(f"{till.lower()}-scanner-sim", till, DeviceMatch(path=fake.path), self.bus,
                                   opener=lambda path, fake=fake: fake.open()), "scanner", till, simulated=True)
            port = sims.scale(till).start()
            self.add(ScaleDriver(f"{till.lower()}-scale-sim", till, port, "continuous", self.bus), "scale", till,
                      simulated=True)
        self.add(SerialRfidReader("gate-rfid-sim", sims.rfid.port, self.bus), "clock", None, simulated=True)

    def add(self, driver: Driver, kind: str, till: str | None, simulated: bool = False) -> None:
        if driver.name in self.hosted:
            raise ValueError(f"device name {driver.name!r} is used twice")
        self.hosted[driver.name] = Hosted(driver, kind, till, simulated)

    # --- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every driver on its own thread, and a watchdog that restarts a driver whose loop ended."""
        for hosted in self.hosted.values():
            self._launch(hosted)
        threading.Thread(target=self._watch, name="device-watchdog", daemon=True).start()

    def _launch(self, hosted: Hosted) -> None:
        hosted.thread = threading.Thread(target=self._host, args=(hosted,), name=f"device-{hosted.driver.name}",
                                         daemon=True)
        hosted.thread.start()

    def _host(self, hosted: Hosted) -> None:
        try:
            hosted.driver.run(self._stop)
        except Exception:  # a driver must never raise; if it does, report and let the watchdog restart it
            log.exception("device %s failed", hosted.driver.name)
            self._set(hosted, {"status": "error", "error": "driver failure (see the log)"})

    def _watch(self) -> None:
        while not self._stop.wait(RESTART_S):
            for hosted in self.hosted.values():
                if hosted.thread is not None and not hosted.thread.is_alive():
                    log.warning("restarting device %s", hosted.driver.name)
                    self._launch(hosted)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every driver and unplug the simulators."""
        self._stop.set()
        for hosted in self.hosted.values():
            if hosted.thread is not None:
                hosted.thread.join(timeout)
        if self.simulators is not None:
            self.simulators.close()

    # --- status -------------------------------------------------------------------------------------

    def _set(self, hosted: Hosted, status: dict[str, Any]) -> None:
        with self._lock:
            hosted.status = status
        self.bus.publish("device.status", {"device": hosted.driver.name, "kind": hosted.kind, "till": hosted.till,
                                           **status, "simulated": hosted.simulated})

    def _on_status(self, topic: str, event: dict[str, Any]) -> None:
        hosted = self.hosted.get(str(event.get("device")))
        if hosted is not None:
            self._set(hosted, {"status": event.get("status"), "error": event.get("error")})

    def _on_event(self, topic: str, event: dict[str, Any]) -> None:
        hosted = self.hosted.get(str(event.get("device")))
        if hosted is not None:
            hosted.last_event_at = str(event.get("at") or utcnow().isoformat())

    def statuses(self) -> list[dict[str, Any]]:
        """Every device: name, kind, till, status, last error, last event, simulated."""
        with self._lock:
            return [
                {"device": name, "kind": h.kind, "till": h.till, "status": h.status.get("status"),
                 "error": h.status.get("error"), "last_event_at": h.last_event_at, "simulated": h.simulated}
                for name, h in sorted(self.hosted.items())
            ]

    # --- demo controls (devices.simulate) ---------------------------------------------------------------

    def _sims(self) -> Simulators:
        if self.simulators is None:
            raise LookupError("devices are not simulated (devices.simulate = false)")
        return self.simulators

    def simulate_scan(self, till: str, code: str) -> None:
        """Type a barcode on a till's simulated scanner, as a keyboard-wedge scanner would."""
        sims = self._sims()
        if till not in sims.scanners:
            raise LookupError(f"no simulated scanner on till {till!r}")
        sims.scanners[till].type_text(code + "\n")

    def simulate_weight(self, till: str, grams: int, stable: bool = True) -> None:
        """Put a weight on a till's simulated scale."""
        sims = self._sims()
        if till not in sims.scales:
            raise LookupError(f"no simulated scale on till {till!r}")
        scale = sims.scales[till]
        scale.set_unstable(not stable)
        scale.set_weight(grams)

    def simulate_badge(self, card_hex: str) -> None:
        """Tap a card on the simulated RFID gate reader."""
        self._sims().rfid.present(card_hex, frames=3)


def build_manager(config: Config, bus: EventBus, tills: Sequence[str],
                  extra: Sequence[tuple[Driver, str, str | None]] = ()) -> DeviceManager:
    """A manager with its drivers built from config (not started)."""
    manager = DeviceManager(config, bus, tills, extra)
    manager.build()
    return manager

