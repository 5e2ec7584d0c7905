"""Frame-to-event latency of the device paths: a weight frame on the scale's serial line to the
``scale.weight`` event, and a scanner's key events to the ``scanner.scan`` event.

Baselines in the same run: the same bytes through a bare pseudo-terminal (os.write → select → os.read) for
the scale, and the same key events through a bare pipe (write → select → read) for the scanner — the OS
floor under each driver.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty

from edge.bus import EventBus
from edge.devices.scale import ScaleDriver, encode_continuous
from edge.devices.scanner import DeviceMatch, EvdevScanner
from edge.devices.sim_input import FakeInputDevice
from tests.bench.harness import Result, ns_to_ms, percentile

FULL, QUICK = 500, 100


def _waiter(bus: EventBus, topic: str) -> tuple[threading.Event, list[int]]:
    arrived = threading.Event()
    stamps: list[int] = []

    def on_event(_: str, payload: dict[str, object]) -> None:
        stamps.append(time.perf_counter_ns())
        arrived.set()

    bus.subscribe(topic, on_event)
    return arrived, stamps


def scale_latency(count: int) -> tuple[list[float], list[float]]:
    """Driver path and bare pty, ms per frame."""
    master, slave = os.openpty()
    tty.setraw(slave)
    bus = EventBus()
    arrived, stamps = _waiter(bus, "scale.weight")
    connected, _ = _waiter(bus, "scale.status")
    driver = ScaleDriver("bench-scale", "T1", os.ttyname(slave), "continuous", bus, settle_readings=1)
    stop = threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    thread.start()
    samples: list[int] = []
    try:
        while not connected.wait(0.05):  # the driver opens the port (and drops stale input) first
            os.write(master, encode_continuous(1, stable=True))
        arrived.wait(5)
        for index in range(count + 20):
            frame = encode_continuous(1000 + index, stable=True)
            arrived.clear()
            start = time.perf_counter_ns()
            os.write(master, frame)
            if not arrived.wait(5):
                raise RuntimeError("the scale driver published nothing")
            if index >= 20:
                samples.append(stamps[-1] - start)
    finally:
        stop.set()
        thread.join(5)
    baseline: list[int] = []
    reader, writer = os.openpty()
    tty.setraw(writer)
    for index in range(count):
        frame = encode_continuous(1000 + index, stable=True)
        start = time.perf_counter_ns()
        os.write(reader, frame)
        got = b""
        while not got.endswith(frame[-2:]):
            select.select([writer], [], [], 5)
            got += os.read(writer, 256)
        baseline.append(time.perf_counter_ns() - start)
    for fd in (master, slave, reader, writer):
        os.close(fd)
    return ns_to_ms(samples), ns_to_ms(baseline)


def scanner_latency(count: int) -> tuple[list[float], list[float]]:
    """Driver path (real InputEvents through the decoder) and a bare pipe, ms per 13-digit scan."""
    fake = FakeInputDevice(gap_ms=0.1)
    bus = EventBus()
    arrived, stamps = _waiter(bus, "scanner.scan")
    driver = EvdevScanner("bench-scanner", "T1", DeviceMatch(path=fake.path), bus, opener=lambda _: fake.open(),
                          debounce_ms=0)
    stop = threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    thread.start()
    samples: list[int] = []
    try:
        deadline = time.monotonic() + 10
        while not fake.grabbed and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the driver to open the device, not timing anything
        for index in range(count + 20):
            code = f"89{index:011d}"
            arrived.clear()
            start = time.perf_counter_ns()
            fake.type_text(code + "\n")
            if not arrived.wait(5):
                raise RuntimeError("the scanner driver published nothing")
            if index >= 20:
                samples.append(stamps[-1] - start)
    finally:
        stop.set()
        thread.join(5)
        fake.unplug()
    baseline: list[int] = []
    read_fd, write_fd = os.pipe()
    payload = b"x" * (14 * 2 * 24)  # 14 keys, down and up, as 24-byte input_event structs
    for _ in range(count):
        start = time.perf_counter_ns()
        os.write(write_fd, payload)
        got = 0
        while got < len(payload):
            select.select([read_fd], [], [], 5)
            got += len(os.read(read_fd, 65536))
        baseline.append(time.perf_counter_ns() - start)
    os.close(read_fd)
    os.close(write_fd)
    return ns_to_ms(samples), ns_to_ms(baseline)


def run(quick: bool) -> list[Result]:
    """p50/p99 of each device path against its OS floor."""
    count = QUICK if quick else FULL
    results = []
    for label, measure, floor in (
        ("scale: weight frame → scale.weight", scale_latency, "bare pty write → select → read of the same frame"),
        ("scanner: 13-digit scan → scanner.scan", scanner_latency, "bare pipe write → select → read of the events"),
    ):
        path, base = measure(count)
        for pct in (50, 99):
            value = percentile(path, pct)
            goal = "p99 <= 20 ms (a cashier never waits on the device path)" if pct == 99 else "—"
            results.append(Result(f"{label} p{pct}", value, "ms", f"{floor} p{pct}", percentile(base, pct), goal,
                                  value <= 20 if pct == 99 else None,
                                  notes=f"{count} frames after 20 warm-ups" if pct == 99 else ""))
    return results
