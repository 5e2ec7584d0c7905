"""The device manager in demo mode: real drivers on simulators, statuses, and the demo controls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from edge.bus import EventBus
from edge.config import load_config
from edge.devices.clock import em4100_decimal
from edge.devices.manager import DeviceManager, build_manager


class Recorder:
    """Collects bus events of some topics and wakes waiters."""

    def __init__(self, bus: EventBus, *topics: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.changed = threading.Condition()
        for topic in topics:
            bus.subscribe(topic, self._take)

    def _take(self, topic: str, payload: dict[str, Any]) -> None:
        with self.changed:
            self.events.append((topic, payload))
            self.changed.notify_all()

    def wait_for(self, topic: str, timeout: float = 10, **fields: Any) -> dict[str, Any]:
        """The first event on topic whose fields match."""
        def found() -> dict[str, Any] | None:
            return next((p for t, p in self.events if t == topic
                         and all(p.get(k) == v for k, v in fields.items())), None)
        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout), f"no {topic} {fields}"
            event = found()
            assert event is not None
            return event


@pytest.fixture
def demo_devices(tmp_path: Any) -> Iterator[tuple[DeviceManager, Recorder]]:
    """Simulated devices for tills T1 and T2, started."""
    bus = EventBus()
    recorder = Recorder(bus, "scanner.scan", "scale.weight", "clock.punch", "device.status")
    config = load_config(None, environ={}, overrides={"devices.simulate": True, "storage.data_dir": str(tmp_path)})
    manager = build_manager(config, bus, ["T1", "T2"])
    manager.start()
    yield manager, recorder
    manager.stop()


def test_demo_mode_brings_up_a_scanner_and_scale_per_till_and_a_gate_reader(
    demo_devices: tuple[DeviceManager, Recorder],
) -> None:
    manager, recorder = demo_devices
    for device in ("t1-scanner-sim", "t1-scale-sim", "t2-scanner-sim", "t2-scale-sim", "gate-rfid-sim"):
        recorder.wait_for("device.status", device=device, status="connected")
    statuses = {s["device"]: s for s in manager.statuses()}
    assert statuses["t2-scale-sim"]["till"] == "T2" and statuses["t2-scale-sim"]["simulated"] is True
    assert statuses["gate-rfid-sim"]["till"] is None


def test_a_simulated_scan_goes_through_the_real_decoder_to_its_till(
    demo_devices: tuple[DeviceManager, Recorder],
) -> None:
    manager, recorder = demo_devices
    recorder.wait_for("device.status", device="t2-scanner-sim", status="connected")
    manager.simulate_scan("T2", "8901725133979")
    scan = recorder.wait_for("scanner.scan", till="T2")
    assert (scan["code"], scan["device"]) == ("8901725133979", "t2-scanner-sim")
    assert [p for t, p in recorder.events if t == "scanner.scan" and p["till"] == "T1"] == []


def test_a_simulated_weight_and_badge_arrive_as_events(demo_devices: tuple[DeviceManager, Recorder]) -> None:
    manager, recorder = demo_devices
    recorder.wait_for("device.status", device="t1-scale-sim", status="connected")
    manager.simulate_weight("T1", 1235)
    assert recorder.wait_for("scale.weight", till="T1", grams=1235)["stable"] is True
    recorder.wait_for("device.status", device="gate-rfid-sim", status="connected")
    manager.simulate_badge("0A00BC614E")
    punch = recorder.wait_for("clock.punch", device="gate-rfid-sim")
    assert punch["badge"] == em4100_decimal("0A00BC614E")


def test_demo_controls_are_refused_without_simulation(tmp_path: Any) -> None:
    config = load_config(None, environ={}, overrides={"storage.data_dir": str(tmp_path)})
    manager = build_manager(config, EventBus(), ["T1"])
    with pytest.raises(LookupError, match="not simulated"):
        manager.simulate_scan("T1", "123")
    assert manager.statuses() == []
