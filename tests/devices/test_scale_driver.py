"""Scale drivers through real pseudo-terminals: the same SerialLink/pyserial path as a USB scale.

A SimulatedScale owns the pty master and speaks the protocol; the driver opens the slave (or a symlink
to it, re-pointed to simulate a re-plug). Tests wait on bus events and simulator conditions with
timeouts, never on sleeps.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.bus import EventBus
from edge.devices.scale import PROTOCOLS, ScaleDriver
from edge.devices.serial_link import LinkError, LinkSettings, SerialLink
from edge.devices.sim_scale import SimulatedScale

pytestmark = pytest.mark.timeout(30)
WAIT = 3.0
# (protocol, continuous variant): every protocol, the continuous one in both of its spellings
SCALES = [("toledo8217", "cas"), ("continuous", "cas"), ("continuous", "dini"), ("adam", "cas")]
SCALE_IDS = ["toledo8217", "continuous-cas", "continuous-dini", "adam"]
Payload = dict[str, Any]


class Recorder:
    """Keeps every scale event from the bus; tests wait for the one they expect."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[tuple[str, Payload]] = []
        self._changed = threading.Condition()
        bus.subscribe("scale.weight", self._record)
        bus.subscribe("scale.status", self._record)

    def _record(self, topic: str, payload: Payload) -> None:
        with self._changed:
            self.events.append((topic, payload))
            self._changed.notify_all()

    def _find(self, topic: str, match: Callable[[Payload], bool], after: int) -> int | None:
        for index in range(after, len(self.events)):
            if self.events[index][0] == topic and match(self.events[index][1]):
                return index
        return None

    def wait(self, topic: str, match: Callable[[Payload], bool] = lambda _: True, after: int = 0) -> int:
        """Index of the first matching event at or after ``after``; fails after WAIT seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._find(topic, match, after) is not None, WAIT)
            index = self._find(topic, match, after)
        assert index is not None, f"no {topic} event as expected within {WAIT} s; events: {self.events[after:]}"
        return index

    def weight(self, grams: int, after: int = 0, **fields: Any) -> int:
        return self.wait("scale.weight", lambda p: p["grams"] == grams and fields.items() <= p.items(), after)

    def status(self, status: str, after: int = 0, fault: str | None = None, device: str = "scale-1") -> int:
        def match(payload: Payload) -> bool:
            return payload["device"] == device and payload["status"] == status and (
                fault is None or fault in payload["faults"])
        return self.wait("scale.status", match, after)

    def weights(self) -> list[int]:
        with self._changed:
            return [payload["grams"] for topic, payload in self.events if topic == "scale.weight"]


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorder(bus: EventBus) -> Recorder:
    return Recorder(bus)


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimulatedScale]]:
    sims: list[SimulatedScale] = []

    def make(protocol: str, variant: str = "cas", **options: Any) -> SimulatedScale:
        sim = SimulatedScale(protocol, variant=variant, interval=0.02, **options)
        sim.start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def make_driver(bus: EventBus) -> Iterator[Callable[..., ScaleDriver]]:
    drivers: list[ScaleDriver] = []

    def make(port: str | Path, protocol: str, name: str = "scale-1", **options: Any) -> ScaleDriver:
        settings: dict[str, Any] = {"poll_interval": 0.02, "reply_timeout": 0.3, "backoff": lambda attempt: 0.02}
        settings.update(options)
        driver = ScaleDriver(name, "T1", str(port), protocol, bus, **settings)
        driver.start()
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.stop()


def motion_seen(recorder: Recorder, sim: SimulatedScale, protocol: str) -> None:
    """Wait until the driver has handled unsteady readings: a motion status, or (Adam, whose print line
    carries no stability flag) several answered requests in lock step."""
    if protocol == "adam":
        assert sim.wait_frames(sim.frames_sent + 4, WAIT)
    else:
        recorder.status("fault", fault="motion")


# --- weights ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_a_stable_weight_is_published_once_with_exact_grams(
    protocol: str, variant: str, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim(protocol, variant, grams=1234)
    make_driver(sim.path, protocol)
    first = recorder.weight(1234)
    payload = recorder.events[first][1]
    assert payload["device"] == "scale-1" and payload["till"] == "T1"
    assert payload["stable"] is True and payload["net"] is False
    assert isinstance(payload["grams"], int) and isinstance(payload["at"], str)
    assert sim.wait_frames(sim.frames_sent + 5, WAIT)  # the same weight keeps coming ...
    sim.set_weight(2345)
    recorder.weight(2345, after=first)
    assert recorder.weights() == [1234, 2345]  # ... and was published once


@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_an_unstable_weight_is_not_published(
    protocol: str, variant: str, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim(protocol, variant, grams=800)
    sim.set_unstable(True)
    make_driver(sim.path, protocol)
    motion_seen(recorder, sim, protocol)
    assert recorder.weights() == []
    sim.set_unstable(False)
    recorder.weight(800)
    assert recorder.weights() == [800]


@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_overload_is_a_fault_status_never_a_weight(
    protocol: str, variant: str, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim(protocol, variant, grams=1000)
    sim.overload()
    make_driver(sim.path, protocol)
    fault = recorder.status("fault", fault="over_capacity")
    assert sim.wait_frames(sim.frames_sent + 3, WAIT)
    assert recorder.weights() == []
    sim.set_weight(1500)
    recorder.status("connected", after=fault)
    recorder.weight(1500)
    assert recorder.weights() == [1500]


def test_a_negative_weight_is_an_under_zero_fault(
    make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim("continuous", grams=-250)
    make_driver(sim.path, "continuous")
    recorder.status("fault", fault="under_zero")
    sim.set_weight(250)
    recorder.weight(250)
    assert recorder.weights() == [250]


BAD_FRAMES = {
    "toledo8217": [b"\x02 1.2345\r", b"\x02?\x01\r", b"\x02\xb01.234\r", b"\x02-1.234\r", b"\x02garbage\r"],
    "continuous": [b"ST,GS,+  1.2.3kg\r\n", b"ST,GS,+-1.234kg\r\n", b"ST,GS,+1.2345kg\r\n", b"\x00\x01garbage\r\n",
                   b"ST,GS,+  1.234lb\r\n"],
    "adam": [b"       1.2.34kg \r\n", b"  +-   1.234kg \r\n", b"       1.2345kg \r\n", b"\x00\x01garbage\r\n"],
}
OVERLONG = {"toledo8217": b"\x7f" * 40 + b"\r", "continuous": b"x" * 200 + b"\r\n", "adam": b"x" * 200 + b"\r\n"}


@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_garbage_is_counted_and_dropped(
    protocol: str, variant: str, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim(protocol, variant, grams=1000)
    driver = make_driver(sim.path, protocol)
    first = recorder.weight(1000)
    for raw in [*BAD_FRAMES[protocol], OVERLONG[protocol]]:
        sim.inject(raw)
    sim.set_weight(2000)  # goes out only after every injected frame
    recorder.weight(2000, after=first)
    assert recorder.weights() == [1000, 2000]
    stats = driver.stats
    assert stats["bad_frames"] >= len(BAD_FRAMES[protocol])
    assert stats["overlong_runs"] >= 1
    assert driver.status["status"] == "connected"


def test_garbage_before_a_start_byte_does_not_cost_the_frame(
    make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim("toledo8217", grams=500)
    sim.inject(b"\x13\x11noise" + b"\x0201.250\r")
    driver = make_driver(sim.path, "toledo8217")
    recorder.weight(1250)
    assert driver.stats["resyncs"] >= 1


# --- commands -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_tare_and_zero_reach_the_scale(
    protocol: str, variant: str, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim(protocol, variant, grams=30)  # a little drift on an empty platter
    driver = make_driver(sim.path, protocol)
    mark = recorder.weight(30)
    assert driver.zero()
    assert sim.wait_for_command(PROTOCOLS[protocol].zero.strip())
    mark = recorder.weight(0, after=mark)
    sim.set_weight(1530)  # 1.5 kg of container on the platter
    mark = recorder.weight(1500, after=mark)
    assert driver.tare()
    assert sim.wait_for_command(PROTOCOLS[protocol].tare.strip())
    net = protocol != "adam"  # the Adam print line does not say gross or net
    mark = recorder.weight(0, after=mark, net=net)
    sim.set_weight(1530 + 750)
    recorder.weight(750, after=mark, net=net)


def test_commands_are_refused_while_no_scale_is_connected(
    tmp_path: Path, make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    driver = make_driver(tmp_path / "no-scale", "toledo8217")
    recorder.status("error")
    assert driver.zero() is False and driver.tare() is False
    assert driver.stats["link_errors"] >= 1


# --- status, hot-plug, reconnect ------------------------------------------------------------------------------

@pytest.mark.parametrize(("protocol", "variant"), SCALES, ids=SCALE_IDS)
def test_unplug_reports_error_and_replug_reconnects(
    protocol: str, variant: str, tmp_path: Path, make_sim: Callable[..., SimulatedScale],
    make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    port = tmp_path / "scale0"  # like /dev/serial/by-id/..., re-pointed by udev on re-plug
    first = make_sim(protocol, variant, grams=1234)
    port.symlink_to(first.path)
    make_driver(port, protocol)
    connected = recorder.status("connected")
    mark = recorder.weight(1234, after=connected)

    first.stop()  # pull the cable mid-read
    port.unlink()
    error = recorder.status("error", after=mark)
    assert recorder.events[error][1]["error"]

    second = make_sim(protocol, variant, grams=2500)
    port.symlink_to(second.path)
    reconnected = recorder.status("connected", after=error)
    recorder.weight(2500, after=reconnected)
    assert recorder.weights() == [1234, 2500]


def test_a_scale_plugged_in_after_start_is_picked_up(
    tmp_path: Path, make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver],
    recorder: Recorder,
) -> None:
    port = tmp_path / "scale0"
    make_driver(port, "continuous")
    error = recorder.status("error")
    assert "cannot open" in recorder.events[error][1]["error"]
    port.symlink_to(make_sim("continuous", grams=420).path)
    recorder.status("connected", after=error)
    recorder.weight(420)


def test_a_silent_scale_is_an_error_until_it_answers_again(
    make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim("toledo8217", grams=600)
    driver = make_driver(sim.path, "toledo8217", stale_after=0.3)
    mark = recorder.weight(600)
    sim.set_silent()
    error = recorder.status("error", after=mark)
    assert "no valid data" in recorder.events[error][1]["error"]
    assert driver.stats["no_reply"] >= 1
    sim.set_silent(False)
    recorder.status("connected", after=error)
    recorder.weight(600, after=error)  # the load may have changed meanwhile: published again


def test_the_port_is_opened_exclusively(
    make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim("toledo8217", grams=100)
    make_driver(sim.path, "toledo8217")
    recorder.weight(100)
    make_driver(sim.path, "toledo8217", name="scale-2")
    error = recorder.status("error", device="scale-2")
    assert "lock" in recorder.events[error][1]["error"]


def test_a_failing_bus_handler_does_not_stop_the_driver(
    bus: EventBus, make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver],
    recorder: Recorder,
) -> None:
    def broken(topic: str, payload: Payload) -> None:
        raise RuntimeError("a subscriber bug")

    bus.subscribe("scale.weight", broken)
    sim = make_sim("adam", grams=900)
    make_driver(sim.path, "adam")
    mark = recorder.weight(900)
    sim.set_weight(901)
    recorder.weight(901, after=mark)
    assert bus.failures >= 2


def test_stop_publishes_stopped_and_closes_the_port(
    make_sim: Callable[..., SimulatedScale], make_driver: Callable[..., ScaleDriver], recorder: Recorder,
) -> None:
    sim = make_sim("toledo8217", grams=100)
    driver = make_driver(sim.path, "toledo8217")
    recorder.weight(100)
    driver.stop()
    recorder.status("stopped")
    assert driver.status["status"] == "stopped"
    with SerialLink(sim.path, LinkSettings(bytesize=7, parity="E")) as link:  # free again: exclusive open works
        assert link.is_open


# --- the link itself ----------------------------------------------------------------------------------------

@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    """A bare pseudo-terminal: (master fd, slave path)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_link_reads_to_the_terminator_not_to_a_timeout(pty: tuple[int, str]) -> None:
    master, path = pty
    with SerialLink(path, LinkSettings(poll_timeout=0.01)) as link:
        os.write(master, b"\x0201.2")
        assert link.read_frame(b"\r", 16, timeout=0.1) is None  # a pause in the middle is not the end
        os.write(master, b"34\rST")
        assert link.read_frame(b"\r", 16, timeout=WAIT) == b"\x0201.234\r"
        os.write(master, b",GS,+  1.234kg\r\n")
        assert link.read_frame(b"\n", 80, timeout=WAIT) == b"ST,GS,+  1.234kg\r\n"


def test_link_drops_overlong_runs_and_counts_them(pty: tuple[int, str]) -> None:
    master, path = pty
    with SerialLink(path) as link:
        os.write(master, b"z" * 100 + b"\r" + b"ok\r")
        assert link.read_frame(b"\r", 16, timeout=WAIT) == b"ok\r"
        assert link.counters["overlong_runs"] >= 1 and link.counters["dropped_bytes"] >= 100


def test_link_discards_stale_input(pty: tuple[int, str]) -> None:
    master, path = pty
    with SerialLink(path) as link:
        os.write(master, b"half an old ans")
        assert link.read_frame(b"\r", 32, timeout=0.2) is None  # buffered, waiting for its CR
        assert link.discard_input() >= len(b"half an old ans")
        os.write(master, b"fresh\r")
        assert link.read_frame(b"\r", 32, timeout=WAIT) == b"fresh\r"
        assert link.counters["dropped_bytes"] >= len(b"half an old ans")


def test_link_errors_are_link_errors(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    with pytest.raises(LinkError, match="cannot open"):
        SerialLink(str(tmp_path / "missing")).open()
    link = SerialLink(path, LinkSettings(poll_timeout=0.01))
    try:
        link.open()
        with pytest.raises(LinkError, match="lock"):
            SerialLink(path).open()
    finally:
        os.close(master)  # unplug
    with pytest.raises(LinkError):
        link.read_frame(b"\r", 16, timeout=WAIT)
    with pytest.raises(LinkError):
        link.write(b"W")
    link.close()
    link.close()
    with pytest.raises(LinkError, match="not open"):
        link.write(b"W")


def test_link_settings_are_checked() -> None:
    for bad in ({"bytesize": 6}, {"parity": "X"}, {"stopbits": 3}, {"baudrate": 0}, {"poll_timeout": 0}):
        with pytest.raises(ValueError):
            LinkSettings(**bad)


def test_the_tail_of_an_overlong_run_is_never_a_frame(pty: tuple[int, str]) -> None:
    """A flood with no terminator in time is dropped through its terminator; the next frame is read."""
    master, path = pty
    link = SerialLink(path)
    link.open()
    try:
        os.write(master, b"9" * 300 + b"12345\r" + b"good\r")
        assert link.read_frame(b"\r", 64, timeout=5) == b"good\r"
        assert link.counters["overlong_runs"] >= 1
    finally:
        link.close()
