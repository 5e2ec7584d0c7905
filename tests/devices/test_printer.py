"""Receipt printers and drawers: python-escpos transports against a network printer simulator on loopback
(and a pty for serial), DLE EOT status, and the print queue's exactly-once rule on a real store (SQLite, and
MariaDB where the database decides the outcome). Every wait is on an event with a timeout, never a sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.bus import EventBus
from edge.devices.printer import (
    CHUNK,
    DONE_TOPIC,
    FAILED_TOPIC,
    INTERRUPTED,
    QUEUED_TOPIC,
    STATUS_TOPIC,
    PrinterConfigError,
    PrinterDevice,
    PrinterState,
    PrinterStatus,
    PrinterTarget,
    PrinterUnavailable,
    PrintWorker,
    claim_job,
    close_quietly,
    decode_status,
    default_backoff,
    drawer_kick_bytes,
    exponential_backoff,
    kick_drawer,
    open_transport,
    printer_status,
    store_devices,
)
from edge.devices.sim_printer import EscposStream, SimulatedNetworkPrinter, SimulatedSerialPrinter, status_bytes
from edge.services.context import ServiceContext
from edge.services.setup import ensure_store
from edge.store.db import write_transaction
from edge.store.migrate import migrate
from edge.store.models import Device, PrintJob, Store, Till
from tests.conftest import FakeClock, make_config, make_context

WAIT = 10.0
# A receipt-sized job with every byte value (0x10 never followed by 0x04), longer than one write chunk.
RECEIPT = b"\x1b@Kirana Stores\n" + bytes(range(256)) * 40 + b"\n\x1dV\x00"
assert len(RECEIPT) > 2 * CHUNK and b"\x10\x04" not in RECEIPT


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[ServiceContext]:
    """A migrated SQLite store (tests where the backend does not change the outcome)."""
    ctx = make_context(make_config(tmp_path / "data"), clock)
    migrate(ctx.db)
    ensure_store(ctx)
    yield ctx
    ctx.db.close()


@pytest.fixture
def sim() -> Iterator[SimulatedNetworkPrinter]:
    with SimulatedNetworkPrinter() as printer:
        yield printer


class Recorder:
    """Every bus event, with a condition to wait on."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._changed = threading.Condition()
        bus.subscribe("*", self._on_event)

    def _on_event(self, topic: str, payload: dict[str, Any]) -> None:
        with self._changed:
            self.events.append((topic, dict(payload)))
            self._changed.notify_all()

    def of(self, topic: str) -> list[dict[str, Any]]:
        with self._changed:
            return [payload for name, payload in self.events if name == topic]

    def statuses(self) -> list[str]:
        return [event["status"] for event in self.of(STATUS_TOPIC)]

    def wait(self, predicate: Callable[[Recorder], bool], timeout: float = WAIT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)


def make_till(code: str = "T1") -> Till:
    return Till.create(store=Store.get(), code=code, name=f"Till {code}")


def network_device(sim: SimulatedNetworkPrinter, till: Till | None, name: str = "t1-printer",
                   kind: str = "printer", settings: str = "{}", query: str = "") -> Device:
    connection = f"tcp://127.0.0.1:{sim.port}?connect_timeout=1&status_timeout=1&confirm_timeout=2{query}"
    return Device.create(name=name, kind=kind, till=till, connection=connection, settings=settings)


def add_job(ctx: ServiceContext, device: Device | None, payload: bytes = RECEIPT, *, till: Till | None = None,
            kind: str = "receipt", status: str = "queued", attempts: int = 0, age: float = 0.0) -> int:
    with write_transaction(ctx.db):
        job = PrintJob.create(
            device=device, till=till or (device.till if device else None), kind=kind, document="INV-0001",
            payload=payload, status=status, attempts=attempts, created_at=ctx.now() - timedelta(seconds=age),
        )
    return int(job.id)


def make_worker(ctx: ServiceContext, **options: Any) -> PrintWorker:
    settings: dict[str, Any] = {"backoff": lambda failures: 0.01, "recheck_interval": 1.0,
                                "idle_probe_interval": None, "stop_poll": 0.05}
    settings.update(options)
    return PrintWorker(ctx.db, ctx.bus, store_devices(ctx.db), ctx.clock, **settings)


@contextmanager
def running(*workers: PrintWorker) -> Iterator[None]:
    stop = threading.Event()
    threads = [threading.Thread(target=worker.run, args=(stop,), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.wake()
        for thread in threads:
            thread.join(WAIT)
            assert not thread.is_alive(), "the print worker did not stop"


def job(job_id: int) -> PrintJob:
    return PrintJob.get_by_id(job_id)


# ------------------------------------------------------------------------------------------------ status


@pytest.mark.parametrize(("replies", "state", "detail"), [
    ((0x12, None, 0x12), PrinterState.ONLINE, ""),
    ((0x12, None, 0x1E), PrinterState.PAPER_NEAR_END, "paper near end"),
    ((0x12, None, 0x16), PrinterState.PAPER_NEAR_END, "paper near end"),  # one of the two near-end bits
    ((0x1A, 0x32, 0x7E), PrinterState.PAPER_OUT, "paper out"),
    ((0x1A, 0x32, None), PrinterState.PAPER_OUT, "paper out"),  # paper end known from n=2 alone
    ((0x1A, 0x16, 0x12), PrinterState.OFFLINE, "printer reports offline: cover open"),
    ((0x3A, 0x52, 0x12), PrinterState.OFFLINE, "printer reports offline: printer error"),
    ((0x12, None, None), PrinterState.ONLINE, "paper sensor did not answer"),
    ((0x12, None, 0xFF), PrinterState.ONLINE, "paper sensor did not answer"),  # garbage paper byte ignored
    ((None, None, None), PrinterState.UNKNOWN, "no answer to DLE EOT 1"),
    ((0x00, None, 0x12), PrinterState.UNKNOWN, "0x00 is not a DLE EOT 1 reply"),
    ((0x93, None, 0x12), PrinterState.UNKNOWN, "0x93 is not a DLE EOT 1 reply"),
])
def test_dle_eot_replies_decode_to_one_status(replies: tuple[int | None, int | None, int | None],
                                              state: PrinterState, detail: str) -> None:
    status = decode_status(*replies)
    assert (status.state, status.detail) == (state, detail)
    assert status.can_print == (state in (PrinterState.ONLINE, PrinterState.PAPER_NEAR_END, PrinterState.UNKNOWN))


def test_simulator_status_bytes_follow_the_escpos_bit_layout() -> None:
    assert status_bytes() == {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
    assert status_bytes(paper="near_end")[4] == 0x1E  # python-escpos RT_MASK_LOWPAPER
    out = status_bytes(paper="out")
    assert (out[1], out[2], out[4]) == (0x1A, 0x32, 0x7E)  # offline, stopped by paper end, both sensors
    assert status_bytes(cover_open=True)[2] == 0x16
    assert status_bytes(drawer_pin3_high=True)[1] == 0x16
    with pytest.raises(ValueError, match="paper must be one of"):
        status_bytes(paper="low")


def test_status_requests_are_split_from_print_data_across_reads() -> None:
    stream = EscposStream()
    assert stream.feed(b"ab\x10") == [("data", b"ab")]
    assert stream.feed(b"\x04") == []
    assert stream.feed(b"\x01cd\x10\x11") == [("status", 1), ("data", b"cd\x10\x11")]
    assert stream.feed(b"\x10\x04\x09") == [("data", b"\x10\x04\x09")]  # n=9 is not a status request
    assert stream.feed(b"x\x10") == [("data", b"x")]
    assert stream.flush() == b"\x10"


@pytest.mark.parametrize(("state", "expected"), [
    ({}, PrinterState.ONLINE),
    ({"paper": "near_end"}, PrinterState.PAPER_NEAR_END),
    ({"paper": "out"}, PrinterState.PAPER_OUT),
    ({"cover_open": True}, PrinterState.OFFLINE),
    ({"online": False}, PrinterState.OFFLINE),
])
def test_printer_status_asks_the_printer_on_the_same_socket(sim: SimulatedNetworkPrinter, state: dict[str, Any],
                                                           expected: PrinterState) -> None:
    sim.set_status(**state)
    printer = open_transport(sim.target())
    try:
        assert printer_status(printer, 1.0).state == expected
    finally:
        close_quietly(printer)
    assert sim.wait_for(lambda s: s.connections and s.connections[-1].closed, WAIT)
    record = sim.connections[-1]
    assert record.data == b"" and record.status_requests[:2] == [1, 4]


def test_a_printer_that_does_not_answer_is_unknown_and_garbage_too(sim: SimulatedNetworkPrinter) -> None:
    sim.answer_status(False)
    printer = open_transport(sim.target())
    try:
        status = printer_status(printer, 0.2)
        assert (status.state, status.answered, status.can_print) == (PrinterState.UNKNOWN, False, True)
    finally:
        close_quietly(printer)
    sim.answer_status(True)
    sim.override_status(1, 0xFF)
    printer = open_transport(sim.target())
    try:
        assert printer_status(printer, 0.5).detail == "0xff is not a DLE EOT 1 reply"
    finally:
        close_quietly(printer)


def test_a_printer_switched_off_is_unavailable_and_back_on_the_same_port(sim: SimulatedNetworkPrinter) -> None:
    sim.power_off()
    with pytest.raises(PrinterUnavailable, match="Connection refused"):
        open_transport(sim.target())
    sim.power_on()
    printer = open_transport(sim.target())
    try:
        assert printer_status(printer).state == PrinterState.ONLINE
    finally:
        close_quietly(printer)


# ------------------------------------------------------------------------------------------------ config


def test_targets_from_toml_tables_and_device_connections() -> None:
    table = {"till": "T1", "transport": "network", "host": "192.168.1.50", "paper_width_mm": 58}
    target = PrinterTarget.from_mapping(table)
    assert (target.port, target.line_columns, target.describe()) == (9100, 32, "tcp://192.168.1.50:9100")
    serial = PrinterTarget.from_connection("serial:///dev/ttyUSB0?baudrate=19200&flow=rtscts", {"drawer_pin": 5})
    assert (serial.path, serial.baudrate, serial.flow, serial.drawer_pin) == ("/dev/ttyUSB0", 19200, "rtscts", 5)
    usb = PrinterTarget.from_connection("usb://04b8:0202")
    assert (usb.usb_vendor, usb.usb_product, usb.line_columns) == (0x04B8, 0x0202, 48)
    assert PrinterTarget.from_connection("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    assert PrinterTarget.from_connection("tcp://[::1]:9101").host == "::1"


@pytest.mark.parametrize(("values", "message"), [
    ({"host": "x"}, r"devices\.printers\.t1\.transport: is required"),
    ({"transport": "bluetooth"}, r"devices\.printers\.t1\.transport: must be one of"),
    ({"transport": "network"}, r"\.host: is required"),
    ({"transport": "network", "host": "x", "port": "ninety"}, r"\.port: 'ninety' is not a valid int"),
    ({"transport": "network", "host": "x", "port": 70000}, r"\.port: must be 1\.\.65535"),
    ({"transport": "serial", "path": "ttyUSB0"}, r"\.path: must be an absolute path"),
    ({"transport": "file", "path": "/dev/usb/lp0", "drawer_pin": 3}, r"\.drawer_pin: must be 2 or 5"),
    ({"transport": "file", "path": "/x", "status_timeout": 0}, r"\.status_timeout: must be more than 0"),
    ({"transport": "file", "path": "/x", "query_status": "maybe"}, r"\.query_status: 'maybe' is not a valid"),
    ({"transport": "file", "path": "/x", "colour": "red"}, r"\.colour: unknown key"),
])
def test_bad_printer_config_names_the_key(values: dict[str, Any], message: str) -> None:
    with pytest.raises(PrinterConfigError, match=message):
        PrinterTarget.from_mapping(values, "devices.printers.t1")


def test_backoff_doubles_up_to_its_maximum() -> None:
    assert [default_backoff(n) for n in (1, 2, 3, 6, 7, 50, 10**6)] == [1, 2, 4, 32, 60, 60, 60]
    assert exponential_backoff(10)(5) == 10


# ------------------------------------------------------------------------------------------------ the queue


def test_a_job_prints_exactly_its_bytes(backend_ctx: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    ctx = backend_ctx
    events = Recorder(ctx.bus)
    device = network_device(sim, make_till())
    job_id = add_job(ctx, device)
    worker = make_worker(ctx)
    with running(worker):
        ctx.bus.publish(QUEUED_TOPIC, {"till": "T1", "job": job_id})
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT]
    row = job(job_id)
    assert (row.status, row.attempts, row.printed_at, row.last_error) == ("printed", 1, ctx.now(), None)
    done = events.of(DONE_TOPIC)[0]
    assert (done["job"], done["till"], done["device"], done["uuid"]) == (job_id, "T1", "t1-printer", str(row.uuid))
    assert events.statuses() == ["online"]
    record = sim.connections[0]
    assert record.status_requests == [1, 4, 1, 4]  # checked before, confirmed after
    assert record.raw == b"\x10\x04\x01\x10\x04\x04" + RECEIPT + b"\x10\x04\x01\x10\x04\x04"


def test_printer_off_keeps_the_job_queued_and_prints_it_once_when_back(
        store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    device = network_device(sim, make_till())
    sim.power_off()
    job_id = add_job(store, device)
    worker = make_worker(store)
    with running(worker):
        assert events.wait(lambda r: "offline" in r.statuses())
        assert worker.wait_for(lambda stats: stats.get("blocked", 0) >= 5, WAIT)  # retried while off
        row = job(job_id)
        assert (row.status, row.attempts) == ("queued", 0)
        assert "Connection refused" in (events.of(STATUS_TOPIC)[0]["error"] or "")
        sim.power_on()
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT]
    assert len(sim.connections) == 1
    assert (job(job_id).status, job(job_id).attempts) == ("printed", 1)
    assert events.statuses() == ["offline", "online"]


@pytest.mark.parametrize(("state", "status", "error"), [
    ({"paper": "out"}, "paper_out", "paper out"),
    ({"cover_open": True}, "offline", "printer reports offline: cover open"),
])
def test_paper_out_or_cover_open_prints_nothing_until_fixed(
        store: ServiceContext, sim: SimulatedNetworkPrinter, state: dict[str, Any], status: str, error: str) -> None:
    events = Recorder(store.bus)
    device = network_device(sim, make_till())
    sim.set_status(**state)
    job_id = add_job(store, device)
    worker = make_worker(store)
    with running(worker):
        assert events.wait(lambda r: status in r.statuses())
        assert worker.wait_for(lambda stats: stats.get("blocked", 0) >= 3, WAIT)
        assert events.of(STATUS_TOPIC)[0]["error"] == error
        assert (job(job_id).status, job(job_id).attempts) == ("queued", 0)
        assert sim.printed == b""
        sim.set_status(paper="ok", cover_open=False)
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT]
    assert events.statuses() == [status, "online"]


def test_paper_near_end_still_prints_and_says_so(store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    sim.set_status(paper="near_end")
    job_id = add_job(store, network_device(sim, make_till()))
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT] and job(job_id).status == "printed"
    assert events.statuses() == ["paper_near_end"]


def test_a_connection_dropped_mid_job_fails_the_job_and_never_reprints_it(
        store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    device = network_device(sim, make_till())
    sim.drop_after(1000)
    job_id = add_job(store, device)
    worker = make_worker(store)
    with running(worker):
        assert events.wait(lambda r: len(r.of(FAILED_TOPIC)) == 1)
        row = job(job_id)
        assert (row.status, row.attempts, row.printed_at) == ("failed", 1, None)
        assert "not retried" in row.last_error
        assert events.of(FAILED_TOPIC)[0]["job"] == job_id and events.of(FAILED_TOPIC)[0]["till"] == "T1"
        # The printer is fine again: the failed job stays failed; the next job prints.
        sim.drop_after(None)
        passes = worker.stats.get("passes", 0)
        worker.wake()
        assert worker.wait_for(lambda stats: stats.get("passes", 0) >= passes + 2, WAIT)
        next_id = add_job(store, device, b"\x1b@next receipt\n")
        store.bus.publish(QUEUED_TOPIC, {"till": "T1", "job": next_id})
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT[:1000], b"\x1b@next receipt\n"]
    assert sim.connections[0].dropped
    assert job(job_id).status == "failed" and job(job_id).attempts == 1


def test_a_job_left_printing_by_a_crash_is_failed_on_restart_not_reprinted(
        store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    device = network_device(sim, make_till())
    crashed = add_job(store, device, status="printing", attempts=1)
    queued = add_job(store, device, b"\x1b@after restart\n")
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(FAILED_TOPIC)) == 1 and len(r.of(DONE_TOPIC)) == 1)
    row = job(crashed)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, INTERRUPTED)
    failed = events.of(FAILED_TOPIC)[0]
    assert (failed["job"], failed["till"], failed["device"], failed["error"]) == (crashed, "T1", "t1-printer",
                                                                                  INTERRUPTED)
    assert sim.jobs == [b"\x1b@after restart\n"] and job(queued).status == "printed"


def test_claim_is_atomic_one_winner_per_job(backend_ctx: ServiceContext) -> None:
    ctx = backend_ctx
    till = make_till()
    device = Device.create(name="p", kind="printer", till=till, connection="file:///dev/null")
    job_ids = [add_job(ctx, device) for _ in range(10)]
    contenders = 4
    wins: dict[int, list[bool]] = {job_id: [] for job_id in job_ids}
    barrier = threading.Barrier(contenders)
    errors: list[BaseException] = []

    def contend() -> None:
        try:
            for job_id in job_ids:
                barrier.wait(WAIT)
                wins[job_id].append(claim_job(ctx.db, job_id, device.id))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            ctx.db.close()

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert not errors
    assert all(sorted(results) == [False] * (contenders - 1) + [True] for results in wins.values())
    assert {(row.status, row.attempts) for row in PrintJob.select()} == {("printing", 1)}


def test_two_workers_on_one_queue_never_print_a_job_twice(backend_ctx: ServiceContext,
                                                          sim: SimulatedNetworkPrinter) -> None:
    ctx = backend_ctx
    events = Recorder(ctx.bus)
    device = network_device(sim, make_till())
    payloads = [f"\x1b@receipt {number:03d}\n".encode() for number in range(30)]
    for payload in payloads:
        add_job(ctx, device, payload)
    first, second = make_worker(ctx, name="a"), make_worker(ctx, name="b", recover_on_start=False)
    with running(first, second):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == len(payloads), WAIT * 3)
    assert sorted(sim.jobs) == sorted(payloads)
    assert {(row.status, row.attempts) for row in PrintJob.select()} == {("printed", 1)}
    assert first.stats.get("printed", 0) + second.stats.get("printed", 0) == len(payloads)
    assert sorted(event["job"] for event in events.of(DONE_TOPIC)) == sorted(row.id for row in PrintJob.select())


def test_jobs_print_in_order_and_a_job_without_a_device_goes_to_its_tills_printer(
        store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    till, other = make_till("T1"), make_till("T2")
    network_device(sim, till)
    add_job(store, None, b"\x1b@one\n", till=till)
    add_job(store, None, b"\x1b@elsewhere\n", till=other)
    add_job(store, None, b"\x1b@two\n", till=till)
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 2)
    assert sim.jobs == [b"\x1b@one\n", b"\x1b@two\n"]
    assert PrintJob.get(PrintJob.till == other).status == "queued"


def test_a_printer_that_never_answers_status_still_prints(store: ServiceContext,
                                                          sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    sim.answer_status(False)
    job_id = add_job(store, network_device(sim, make_till(), query="&status_timeout=0.2"))
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT] and job(job_id).status == "printed"
    assert events.of(STATUS_TOPIC)[0]["status"] == "unknown"


def test_bad_input_never_stops_the_worker(store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    till = make_till()
    Device.create(name="broken", kind="printer", till=None, connection="lpt1:")
    Device.create(name="bad-json", kind="printer", till=None, connection="tcp://h", settings="[1, 2")
    device = network_device(sim, till)
    empty = add_job(store, device, b"")
    good = add_job(store, device)
    with running(make_worker(store)):
        store.bus.publish(QUEUED_TOPIC, {"job": object(), "till": None})
        store.bus.publish(QUEUED_TOPIC, {})
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1 and len(r.of(FAILED_TOPIC)) == 1)
    assert store.bus.failures == 0
    errors = {event["device"]: event["error"] for event in events.of(STATUS_TOPIC)}
    assert "is not tcp://, serial://, usb:// or file://" in errors["broken"]
    assert errors["bad-json"].startswith("configuration:")
    assert (job(empty).status, job(empty).last_error) == ("failed", "nothing to print: the job has no bytes")
    assert job(good).status == "printed" and sim.jobs == [RECEIPT]


# ------------------------------------------------------------------------------------------------ drawer


def test_drawer_kick_bytes_are_esc_p_m_t1_t2() -> None:
    assert drawer_kick_bytes() == b"\x1bp\x00\x32\x32"  # ESC p 0: pin 2, 50 x 2 ms on, 50 x 2 ms off
    assert drawer_kick_bytes(5) == b"\x1bp\x01\x32\x32"
    with pytest.raises(ValueError, match="drawer pin must be 2 or 5"):
        drawer_kick_bytes(3)


def test_kick_drawer_sends_exactly_the_pulse_and_refuses_an_offline_printer(sim: SimulatedNetworkPrinter) -> None:
    kick_drawer(sim.target(), pin=5)
    assert sim.wait_for(lambda s: s.connections and s.connections[-1].closed, WAIT)
    assert sim.jobs == [b"\x1bp\x01\x32\x32"]
    sim.set_status(paper="out")
    with pytest.raises(PrinterUnavailable, match="paper_out"):
        kick_drawer(sim.target())
    assert sim.jobs == [b"\x1bp\x01\x32\x32"]


def test_a_drawer_job_kicks_with_the_devices_pin_and_a_stale_one_expires(
        store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    events = Recorder(store.bus)
    till = make_till()
    drawer = network_device(sim, till, name="t1-drawer", kind="drawer", settings='{"drawer_pin": 5}')
    stale = add_job(store, drawer, b"", kind="drawer", age=120)
    fresh = add_job(store, drawer, b"", kind="drawer", age=1)
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1 and len(r.of(FAILED_TOPIC)) == 1)
    assert sim.jobs == [b"\x1bp\x01\x32\x32"]
    assert job(fresh).status == "printed"
    assert job(stale).status == "failed" and "drawer kick not sent within 60 s" in job(stale).last_error


# ------------------------------------------------------------------------------------------------ other transports


def test_file_transport_writes_exactly_the_bytes(store: ServiceContext, tmp_path: Path) -> None:
    events = Recorder(store.bus)
    out = tmp_path / "lp0"
    out.touch()
    device = Device.create(name="file-printer", kind="printer", till=make_till(), connection=f"file://{out}")
    job_id = add_job(store, device)
    with running(make_worker(store)):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert out.read_bytes() == RECEIPT
    assert job(job_id).status == "printed" and events.statuses() == ["online"]
    printer = open_transport(PrinterTarget(transport="file", path=str(out)))
    try:
        assert printer_status(printer) == PrinterStatus(PrinterState.ONLINE, "file transport: written without status")
    finally:
        close_quietly(printer)


def test_a_missing_file_device_is_offline_not_an_error(store: ServiceContext, tmp_path: Path) -> None:
    events = Recorder(store.bus)
    missing = tmp_path / "no-such-dir" / "lp0"
    job_id = add_job(store, Device.create(name="lp", kind="printer", till=make_till(), connection=f"file://{missing}"))
    with running(make_worker(store)):
        assert events.wait(lambda r: "offline" in r.statuses())
    assert job(job_id).status == "queued"


def test_serial_transport_over_a_pty_checks_status_and_sends_exact_bytes(store: ServiceContext) -> None:
    events = Recorder(store.bus)
    with SimulatedSerialPrinter() as serial_sim:
        device = Device.create(name="serial-printer", kind="printer", till=make_till(),
                               connection=f"serial://{serial_sim.path}?baudrate=19200")
        job_id = add_job(store, device)
        with running(make_worker(store)):
            assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
        assert serial_sim.wait_for(lambda s: s.printed == RECEIPT, WAIT)
        assert serial_sim.connections[0].status_requests == [1, 4, 1, 4]
    assert job(job_id).status == "printed"


def test_worker_with_a_fixed_device_list(store: ServiceContext, sim: SimulatedNetworkPrinter) -> None:
    """A lookup need not be the store's Device table: the daemon may pass configured printers directly."""
    events = Recorder(store.bus)
    till = make_till()
    row = Device.create(name="cfg-printer", kind="printer", till=till, connection="simulator", simulated=True)
    add_job(store, row)
    devices = [PrinterDevice(id=row.id, name=row.name, till="T1", till_id=till.id, target=sim.target())]
    worker = PrintWorker(store.db, store.bus, lambda: devices, store.clock, idle_probe_interval=None, stop_poll=0.05)
    with running(worker):
        assert events.wait(lambda r: len(r.of(DONE_TOPIC)) == 1)
    assert sim.jobs == [RECEIPT]
    assert store_devices(store.db, simulated={"cfg-printer": sim.target()})()[0].target == sim.target()
    assert store_devices(store.db)()[0].error == "simulated device without a running simulator"
