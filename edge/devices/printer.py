"""Receipt printers and cash drawers through python-escpos: transports, status, and the print queue worker.

Three layers, each usable on its own:

- ``PrinterTarget`` says where a printer is (network port 9100, serial, USB, a device file) and
  ``open_transport`` gives an opened python-escpos printer for it. A printer is opened per job and closed
  after it; nothing holds a printer open between jobs.
- ``printer_status`` asks the printer with DLE EOT 1/2/4 (real-time status, answered on the same socket
  or serial line) and decodes the reply into online / paper near end / paper out / offline / unknown.
  Unknown (no answer, a garbled answer, a transport without a read channel) never blocks printing.
- ``PrintWorker`` prints queued ``PrintJob`` rows exactly once: it claims a job with one conditional
  UPDATE, sends the job's ESC/POS bytes unchanged, and marks it printed in a second transaction. A job that
  fails before any byte went out goes back to the queue; a job that fails after bytes went out is marked
  'failed' and never retried automatically (a person decides; a reprint is a new job). See
  docs/devices-printers.md for the rules and what an operator does with a failed job.

The worker publishes ``printer.status``, ``print.done`` and ``print.failed`` on the bus and imports nothing
from web or sync code. A missing or failing printer only delays its own jobs: billing never waits on it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlparse

import peewee
from escpos.constants import RT_STATUS
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network, Serial, Usb

from edge.bus import EventBus
from edge.clock import utcnow
from edge.store.db import first_line, write_transaction
from edge.store.models import Device, PrintJob, Till

log = logging.getLogger(__name__)

TRANSPORTS = ("network", "serial", "usb", "file")
SERIAL_FLOW = ("dsrdtr", "rtscts", "xonxoff", "none")
DRAWER_PINS = (2, 5)
DEVICE_KEYS = ("till", "kind")  # keys of a printer table that describe the Device, not the transport
CHUNK = 4096  # bytes handed to the transport per write, so a failure can say how far it got

STATUS_TOPIC = "printer.status"
DONE_TOPIC = "print.done"
FAILED_TOPIC = "print.failed"
QUEUED_TOPIC = "print.queued"

# DLE EOT n replies (Epson ESC/POS reference, "Transmit real-time status"): bits 0 and 7 are 0, bits 1 and 4
# are 1 in every reply, so a byte without that pattern is not a status reply.
FIXED_MASK, FIXED_BITS = 0x93, 0x12
EOT1_DRAWER_PIN3 = 0x04  # n=1 printer status: drawer kick connector pin 3 high
EOT1_OFFLINE = 0x08  # n=1: offline
EOT1_WAITING_RECOVERY = 0x20  # n=1: waiting for online recovery
EOT2_COVER_OPEN = 0x04  # n=2 offline cause: cover open
EOT2_FEED_BUTTON = 0x08  # n=2: paper being fed by the feed button
EOT2_PAPER_END_STOP = 0x20  # n=2: printing stopped by paper end
EOT2_ERROR = 0x40  # n=2: an error occurred
EOT4_NEAR_END = 0x0C  # n=4 roll paper sensor: near end (bits 2-3)
EOT4_PAPER_OUT = 0x60  # n=4: paper end (bits 5-6)


class PrinterConfigError(ValueError):
    """A printer's configuration is invalid; the message names the key."""


class PrinterUnavailable(Exception):
    """The printer cannot be reached now (not found, refused, timed out); nothing was sent."""


# ---------------------------------------------------------------------------------------------------------
# Where a printer is


@dataclass(frozen=True)
class PrinterTarget:
    """How to reach one printer, its paper and its drawer. Times are seconds.

    ``transport`` is network (``host``, ``port``), serial (``path``, ``baudrate``, ``flow``), usb
    (``usb_vendor``, ``usb_product``, endpoints) or file (``path``, e.g. /dev/usb/lp0). ``query_status``
    False skips DLE EOT for printers that never answer it (their status is always "unknown").
    """

    transport: str
    host: str = ""
    port: int = 9100
    path: str = ""
    baudrate: int = 9600
    flow: str = "dsrdtr"
    usb_vendor: int = 0
    usb_product: int = 0
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    paper_width_mm: int = 80
    columns: int = 0  # characters per line in font A; 0: from the paper width
    profile: str = ""  # python-escpos capability profile (e.g. "TM-T88V"); empty: the default profile
    drawer_pin: int = 2
    query_status: bool = True
    connect_timeout: float = 3.0
    status_timeout: float = 1.0
    write_timeout: float = 30.0
    confirm_timeout: float = 5.0

    def __post_init__(self) -> None:
        _check(self.transport in TRANSPORTS, "transport", f"must be one of {', '.join(TRANSPORTS)}")
        if self.transport == "network":
            _check(bool(self.host.strip()), "host", "is required for a network printer")
            _check(1 <= self.port <= 65535, "port", "must be 1..65535")
        if self.transport in ("serial", "file"):
            _check(self.path.startswith("/"), "path", f"must be an absolute path for a {self.transport} printer")
        if self.transport == "serial":
            _check(300 <= self.baudrate <= 921_600, "baudrate", "must be 300..921600")
            _check(self.flow in SERIAL_FLOW, "flow", f"must be one of {', '.join(SERIAL_FLOW)}")
        if self.transport == "usb":
            _check(0 < self.usb_vendor <= 0xFFFF, "usb_vendor", "must be a USB vendor ID (e.g. 0x04b8)")
            _check(0 < self.usb_product <= 0xFFFF, "usb_product", "must be a USB product ID (e.g. 0x0202)")
            _check(0x80 < self.usb_in_ep <= 0x8F, "usb_in_ep", "must be an IN endpoint 0x81..0x8f")
            _check(0 < self.usb_out_ep <= 0x0F, "usb_out_ep", "must be an OUT endpoint 0x01..0x0f")
        _check(40 <= self.paper_width_mm <= 120, "paper_width_mm", "must be 40..120 (58 or 80 for receipts)")
        _check(0 <= self.columns <= 100, "columns", "must be 0..100")
        _check(self.drawer_pin in DRAWER_PINS, "drawer_pin", "must be 2 or 5")
        for name in ("connect_timeout", "status_timeout", "write_timeout", "confirm_timeout"):
            value = getattr(self, name)
            _check(0 < value <= 600 and math.isfinite(value), name, "must be more than 0 and at most 600 seconds")

    @property
    def line_columns(self) -> int:
        """Characters per line in font A: 48 on 80 mm paper, 32 on 58 mm, unless ``columns`` says."""
        if self.columns:
            return self.columns
        return 48 if self.paper_width_mm >= 72 else 32

    def describe(self) -> str:
        """Where the printer is, for logs and status events."""
        if self.transport == "network":
            return f"tcp://{self.host}:{self.port}"
        if self.transport == "usb":
            return f"usb://{self.usb_vendor:04x}:{self.usb_product:04x}"
        return f"{self.transport}://{self.path}"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str = "printer",
                     ignore: Iterable[str] = DEVICE_KEYS) -> PrinterTarget:
        """From a TOML table or settings JSON; unknown keys and wrong types raise PrinterConfigError.
        ``ignore``: keys of the table that belong to the Device, not to the target (till, kind)."""
        known = {item.name: item for item in fields(cls)}
        skipped = set(ignore)
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key in skipped:
                continue
            if key not in known:
                raise PrinterConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
            kwargs[key] = _coerce(f"{where}.{key}", known[key].type, value)
        if "transport" not in kwargs:
            raise PrinterConfigError(f"{where}.transport: is required ({', '.join(TRANSPORTS)})")
        try:
            return cls(**kwargs)
        except PrinterConfigError as exc:
            raise PrinterConfigError(f"{where}.{exc}") from None

    @classmethod
    def from_connection(cls, connection: str, settings: Mapping[str, Any] | None = None,
                        where: str = "device") -> PrinterTarget:
        """From a ``Device.connection`` URL plus its settings JSON (query parameters win over settings).

        ``tcp://192.168.1.50:9100`` (or ``network://``), ``serial:///dev/ttyUSB0?baudrate=19200``,
        ``usb://04b8:0202``, ``file:///dev/usb/lp0``.
        """
        parsed = urlparse(connection.strip())
        values: dict[str, Any] = dict(settings or {})
        scheme = parsed.scheme.lower()
        if scheme in ("tcp", "network", "socket"):
            values["transport"] = "network"
            values["host"] = parsed.hostname or ""
            try:
                port = parsed.port
            except ValueError:
                raise PrinterConfigError(f"{where}.connection: {connection!r} has a bad port") from None
            if port is not None:
                values["port"] = port
        elif scheme in ("serial", "file"):
            values["transport"] = scheme
            values["path"] = parsed.path
        elif scheme == "usb":
            vendor, _, product = parsed.netloc.partition(":")
            values.update(transport="usb", usb_vendor=f"0x{vendor}", usb_product=f"0x{product}")
        else:
            raise PrinterConfigError(f"{where}.connection: {connection!r} is not tcp://, serial://, usb:// or file://")
        values.update(dict(parse_qsl(parsed.query)))
        return cls.from_mapping(values, where)


def _check(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise PrinterConfigError(f"{key}: {message}")


def _coerce(key: str, kind: Any, value: Any) -> Any:
    """A config value as the field's type; strings (from URLs) are parsed, ints also as 0x hex."""
    kind = str(kind)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
    elif kind == "int" and not isinstance(value, bool | float):
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return int(value.strip(), 0)
    elif kind == "float" and not isinstance(value, bool):
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return float(value)
    elif kind == "str" and isinstance(value, str):
        return value
    raise PrinterConfigError(f"{key}: {value!r} is not a valid {kind}")


class _NetworkPrinter(Network):
    """escpos.printer.Network whose ``open`` closes the socket when connecting fails (3.1 leaves it open)."""

    def open(self, raise_not_found: bool = True) -> None:
        """Connect with ``self.timeout``; DeviceNotFoundError when the printer does not accept."""
        if self._device:
            self.close()
        try:
            connection = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self._device = None
            raise DeviceNotFoundError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        self._device = connection


class _SerialPrinter(Serial):
    """escpos.printer.Serial whose ``_read`` returns as soon as a reply is there. 3.1 reads 16 bytes, so a
    1-byte DLE EOT reply would wait out the whole timeout (pyserial's POSIX read ignores inter-byte gaps)."""

    def _read(self) -> bytes:
        """The first byte (waiting up to the port's timeout), then whatever else has already arrived."""
        assert self.device
        first = bytes(self.device.read(1))
        waiting = self.device.in_waiting if first else 0
        return first + (bytes(self.device.read(min(waiting, 15))) if waiting else b"")


def make_printer(target: PrinterTarget) -> Escpos:
    """The python-escpos printer object for a target, not yet opened."""
    profile = target.profile or None
    if target.transport == "network":
        return _NetworkPrinter(host=target.host, port=target.port, timeout=target.connect_timeout, profile=profile)
    if target.transport == "serial":
        return _SerialPrinter(
            devfile=target.path, baudrate=target.baudrate, timeout=target.status_timeout,
            xonxoff=target.flow == "xonxoff", dsrdtr=target.flow == "dsrdtr", profile=profile,
        )
    if target.transport == "usb":
        if not Usb.is_usable():
            raise PrinterUnavailable("USB printing needs pyusb (python-escpos[usb]); or use the usblp device "
                                     "file with transport = \"file\"")
        return Usb(
            idVendor=target.usb_vendor, idProduct=target.usb_product, timeout=int(target.write_timeout * 1000),
            in_ep=target.usb_in_ep, out_ep=target.usb_out_ep, profile=profile,
        )
    return File(devfile=target.path, auto_flush=True, profile=profile)


def open_transport(target: PrinterTarget) -> Escpos:
    """An opened python-escpos printer for the target; close it after the job. PrinterUnavailable when the
    printer cannot be reached (nothing was sent)."""
    printer = make_printer(target)
    try:
        printer.open()
        device = printer._device
        if target.transport == "serial" and device:
            device.write_timeout = target.write_timeout
            if target.flow == "rtscts":
                device.rtscts = True
    except DeviceNotFoundError as exc:
        close_quietly(printer)
        raise PrinterUnavailable(first_line(exc) if str(exc).strip() else f"{target.describe()} not found") from exc
    except (OSError, ValueError, RuntimeError) as exc:
        close_quietly(printer)
        raise PrinterUnavailable(f"{target.describe()}: {first_line(exc)}") from exc
    return printer


def close_quietly(printer: Escpos) -> None:
    """Close a printer; a failing close is logged (the job's outcome was decided before)."""
    try:
        printer.close()
    except Exception as exc:
        log.warning("closing printer %r failed: %s", printer, exc)


# ---------------------------------------------------------------------------------------------------------
# Status


class PrinterState(StrEnum):
    """What a printer says about itself before a job."""

    ONLINE = "online"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


PRINTABLE = frozenset({PrinterState.ONLINE, PrinterState.PAPER_NEAR_END, PrinterState.UNKNOWN})


@dataclass(frozen=True)
class PrinterStatus:
    """A status with a one-line reason. ``answered``: the printer answered DLE EOT 1 (so after a job it
    must answer again, or the job's outcome is unknown)."""

    state: PrinterState
    detail: str = ""
    answered: bool = False

    @property
    def can_print(self) -> bool:
        """Online, paper near end or unknown: try to print. Paper out or offline: keep the job queued."""
        return self.state in PRINTABLE


def valid_status_byte(value: int | None) -> bool:
    """True for a byte with the fixed bits of every DLE EOT reply (0xx1xx10)."""
    return value is not None and 0 <= value <= 0xFF and value & FIXED_MASK == FIXED_BITS


def decode_status(printer: int | None, offline_cause: int | None = None, paper: int | None = None) -> PrinterStatus:
    """The replies to DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor) as one status.

    No or a malformed reply to n=1 is "unknown". Paper end (n=4 bits 5-6, or n=2 bit 5) is "paper out";
    the offline bit of n=1 is "offline" with the cause from n=2; the near-end bits of n=4 are
    "paper near end" (printing goes on).
    """
    if printer is None:
        return PrinterStatus(PrinterState.UNKNOWN, "no answer to DLE EOT 1")
    if not valid_status_byte(printer):
        return PrinterStatus(PrinterState.UNKNOWN, f"0x{printer:02x} is not a DLE EOT 1 reply")
    paper_bits = paper if paper is not None and valid_status_byte(paper) else None
    cause_bits = offline_cause if offline_cause is not None and valid_status_byte(offline_cause) else None
    offline = bool(printer & EOT1_OFFLINE)
    paper_end = paper_bits is not None and bool(paper_bits & EOT4_PAPER_OUT)
    stopped_by_paper_end = offline and cause_bits is not None and bool(cause_bits & EOT2_PAPER_END_STOP)
    if paper_end or stopped_by_paper_end:
        return PrinterStatus(PrinterState.PAPER_OUT, "paper out", answered=True)
    if offline:
        causes = []
        if cause_bits is not None:
            if cause_bits & EOT2_COVER_OPEN:
                causes.append("cover open")
            if cause_bits & EOT2_FEED_BUTTON:
                causes.append("paper feed button pressed")
            if cause_bits & EOT2_ERROR:
                causes.append("printer error")
        detail = "printer reports offline" + (f": {', '.join(causes)}" if causes else "")
        return PrinterStatus(PrinterState.OFFLINE, detail, answered=True)
    if paper_bits is not None and paper_bits & EOT4_NEAR_END:
        return PrinterStatus(PrinterState.PAPER_NEAR_END, "paper near end", answered=True)
    detail = "" if paper_bits is not None else "paper sensor did not answer"
    return PrinterStatus(PrinterState.ONLINE, detail, answered=True)


class _LinkLost(Exception):
    """The connection failed or was closed by the printer while talking to it."""


def _is_socket_printer(printer: Escpos) -> bool:
    return isinstance(printer._device, socket.socket)


def has_status_channel(printer: Escpos) -> bool:
    """True when the transport can read the printer's replies (network, serial, USB; not file)."""
    return type(printer)._read is not Escpos._read and not isinstance(printer, File | Dummy)


@contextlib.contextmanager
def io_timeout(printer: Escpos, seconds: float) -> Iterator[None]:
    """Set the read/write timeout of an open transport for a block, then restore it."""
    device = printer._device
    if isinstance(device, socket.socket):
        old = device.gettimeout()
        device.settimeout(seconds)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                device.settimeout(old)
    elif device is not None and hasattr(device, "write_timeout") and hasattr(device, "timeout"):  # pyserial
        old_read, old_write = device.timeout, device.write_timeout
        device.timeout = device.write_timeout = seconds
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                device.timeout, device.write_timeout = old_read, old_write
    elif device is not None and hasattr(device, "default_timeout"):  # pyusb, in milliseconds
        old_ms = device.default_timeout
        device.default_timeout = int(seconds * 1000)
        try:
            yield
        finally:
            device.default_timeout = old_ms
    else:
        yield


def query_status_byte(printer: Escpos, n: int) -> int | None:
    """Send DLE EOT n through python-escpos' ``query_status`` and return the reply byte; None when the
    printer does not answer in time. _LinkLost when the link fails or the printer hangs up."""
    try:
        reply = printer.query_status(RT_STATUS + bytes([n]))
    except TimeoutError:
        return None
    except OSError as exc:  # sockets, pyserial's SerialException and pyusb's USBError are all OSError
        if type(exc).__name__ == "USBTimeoutError":
            return None
        raise _LinkLost(f"link lost: {first_line(exc)}") from exc
    if not reply:
        if _is_socket_printer(printer):
            raise _LinkLost("the printer closed the connection")
        return None  # a serial or USB read that timed out
    return int(reply[-1])


def printer_status(printer: Escpos, timeout: float = 1.0, *, query: bool = True) -> PrinterStatus:
    """Ask an open printer for its status (DLE EOT 1, then 4, then 2 when offline), each reply within
    ``timeout``. File transports have no status channel and count as online; a transport that cannot read,
    a printer that does not answer, or ``query=False`` give "unknown" (printing is attempted)."""
    if isinstance(printer, File):
        return PrinterStatus(PrinterState.ONLINE, "file transport: written without status")
    if not query or not has_status_channel(printer) or not printer._device:
        return PrinterStatus(PrinterState.UNKNOWN, "no status channel")
    try:
        with io_timeout(printer, timeout):
            first = query_status_byte(printer, 1)
            if first is None or not valid_status_byte(first):
                return decode_status(first)
            paper = query_status_byte(printer, 4)
            cause = query_status_byte(printer, 2) if first & EOT1_OFFLINE else None
    except _LinkLost as exc:
        return PrinterStatus(PrinterState.OFFLINE, str(exc))
    except Exception as exc:  # a transport bug must not stop the queue; unknown means "try to print"
        log.warning("status query on %r failed: %s", printer, exc, exc_info=True)
        return PrinterStatus(PrinterState.UNKNOWN, f"status query failed: {first_line(exc)}")
    return decode_status(first, cause, paper)


# ---------------------------------------------------------------------------------------------------------
# Sending bytes, drawer kick


class SendError(Exception):
    """The link failed while a job's bytes were going out: some may have reached the printer."""

    def __init__(self, sent: int, total: int, cause: BaseException | str) -> None:
        reason = cause if isinstance(cause, str) else first_line(cause)
        super().__init__(f"link failed after {sent} of {total} bytes were handed to the printer: {reason}")
        self.sent = sent
        self.total = total


def send_raw(printer: Escpos, payload: bytes, timeout: float = 30.0) -> int:
    """Write ESC/POS bytes unchanged through the transport's ``_raw``, in chunks; SendError on failure."""
    sent = 0
    try:
        with io_timeout(printer, timeout):
            for start in range(0, len(payload), CHUNK):
                chunk = payload[start:start + CHUNK]
                printer._raw(chunk)
                sent += len(chunk)
    except Exception as exc:
        raise SendError(sent, len(payload), exc) from exc
    return sent


def drawer_kick_bytes(pin: int = 2) -> bytes:
    """ESC p m t1 t2 for a drawer on connector pin 2 (m=0) or 5 (m=1), as python-escpos' ``cashdraw``
    makes it (100 ms on, 100 ms off)."""
    if pin not in DRAWER_PINS:
        raise ValueError(f"drawer pin must be 2 or 5, not {pin!r}")
    dummy = Dummy()
    dummy.cashdraw(pin)
    return dummy.output


def kick_drawer(target: PrinterTarget, pin: int | None = None) -> PrinterStatus:
    """Open the drawer on a printer now (``cashdraw``), outside the queue. PrinterUnavailable when the
    printer is unreachable, offline or out of paper (it would hold the kick and open the drawer later);
    SendError when the link failed while sending."""
    pin = target.drawer_pin if pin is None else pin
    if pin not in DRAWER_PINS:
        raise ValueError(f"drawer pin must be 2 or 5, not {pin!r}")
    printer = open_transport(target)
    try:
        status = printer_status(printer, target.status_timeout, query=target.query_status)
        if not status.can_print:
            raise PrinterUnavailable(f"{target.describe()}: {status.state}: {status.detail}")
        try:
            with io_timeout(printer, target.write_timeout):
                printer.cashdraw(pin)
        except Exception as exc:
            raise SendError(0, len(drawer_kick_bytes(pin)), exc) from exc
        return status
    finally:
        close_quietly(printer)


# ---------------------------------------------------------------------------------------------------------
# The queue: claim, mark, recover


def claim_job(db: peewee.Database, job_id: int, device_id: int | None = None) -> bool:
    """Take a queued job for printing: one conditional UPDATE in one write transaction. True only when
    this caller changed the row (update count 1); any other claimer sees 0 and leaves the job alone."""
    values: dict[Any, Any] = {PrintJob.status: "printing", PrintJob.attempts: PrintJob.attempts + 1}
    if device_id is not None:
        values[PrintJob.device] = device_id
    with write_transaction(db):
        count = PrintJob.update(values).where((PrintJob.id == job_id) & (PrintJob.status == "queued")).execute()
    return count == 1


def _finish(db: peewee.Database, job_id: int, values: dict[Any, Any]) -> bool:
    """Move a job out of 'printing' (conditional); False when it was no longer 'printing'."""
    with write_transaction(db):
        count = PrintJob.update(values).where((PrintJob.id == job_id) & (PrintJob.status == "printing")).execute()
    return count == 1


def mark_printed(db: peewee.Database, job_id: int, at: datetime) -> bool:
    """The second transaction of a job: printed, with the time."""
    return _finish(db, job_id, {PrintJob.status: "printed", PrintJob.printed_at: at, PrintJob.last_error: None})


def mark_failed(db: peewee.Database, job_id: int, error: str) -> bool:
    """A claimed job's outcome is unknown or it cannot print: failed, never retried automatically."""
    return _finish(db, job_id, {PrintJob.status: "failed", PrintJob.last_error: error[:2000]})


def requeue(db: peewee.Database, job_id: int, error: str) -> bool:
    """A claimed job failed before any byte went out: back to the queue with the reason."""
    return _finish(db, job_id, {PrintJob.status: "queued", PrintJob.last_error: error[:2000]})


INTERRUPTED = "interrupted while printing (daemon stopped or crashed): outcome unknown, not retried"


def recover_interrupted(db: peewee.Database, device_ids: Iterable[int] | None = None) -> list[int]:
    """Jobs left 'printing' by a crash → 'failed' (they may have printed). Only for the given devices (and
    jobs without a device); all devices when None. Returns the job ids."""
    where = PrintJob.status == "printing"
    if device_ids is not None:
        where &= PrintJob.device.in_(list(device_ids)) | PrintJob.device.is_null()
    with write_transaction(db):
        ids = [row.id for row in PrintJob.select(PrintJob.id).where(where)]
        if ids:
            PrintJob.update({PrintJob.status: "failed", PrintJob.last_error: INTERRUPTED}).where(
                PrintJob.id.in_(ids) & (PrintJob.status == "printing")
            ).execute()
    return ids


# ---------------------------------------------------------------------------------------------------------
# Devices the worker serves


@dataclass(frozen=True)
class PrinterDevice:
    """A printer or drawer the worker serves: its Device row, its till and how to reach it. ``target`` is
    None (and ``error`` says why) when its configuration is invalid."""

    id: int
    name: str
    till: str | None = None  # till code, as in every bus event
    till_id: int | None = None
    kind: str = "printer"  # printer | drawer
    target: PrinterTarget | None = None
    error: str = ""


DeviceLookup = Callable[[], Sequence[PrinterDevice]]


def device_from_row(row: Device, simulated: Mapping[str, PrinterTarget] | None = None) -> PrinterDevice:
    """A Device row as a PrinterDevice; a bad connection or settings JSON becomes ``error``, never raises."""
    till_code = row.till.code if row.till is not None else None
    base = {"id": row.id, "name": row.name, "till": till_code, "till_id": row.till_id, "kind": row.kind}
    if row.simulated or row.connection == "simulator":
        target = (simulated or {}).get(row.name)
        if target is None:
            return PrinterDevice(**base, error="simulated device without a running simulator")
        return PrinterDevice(**base, target=target)
    try:
        settings = json.loads(row.settings or "{}")
        if not isinstance(settings, dict):
            raise PrinterConfigError("settings: must be a JSON object")
        target = PrinterTarget.from_connection(row.connection, settings, where=f"device {row.name}")
    except (ValueError, PrinterConfigError) as exc:
        return PrinterDevice(**base, error=f"configuration: {exc}")
    return PrinterDevice(**base, target=target)


def store_devices(
    db: peewee.Database, names: Iterable[str] | None = None, simulated: Mapping[str, PrinterTarget] | None = None,
) -> DeviceLookup:
    """A lookup of the printer and drawer Device rows (all, or the named ones), read at each pass so a
    changed row applies without a restart. ``simulated`` maps simulated device names to their simulators."""
    wanted = None if names is None else list(names)

    def lookup() -> list[PrinterDevice]:
        query = (Device.select(Device, Till).join(Till, peewee.JOIN.LEFT_OUTER)
                 .where(Device.kind.in_(("printer", "drawer"))).order_by(Device.id))
        if wanted is not None:
            query = query.where(Device.name.in_(wanted))
        return [device_from_row(row, simulated) for row in query]

    return lookup


def exponential_backoff(maximum: float = 60.0) -> Callable[[int], float]:
    """Seconds before the next try of a printer that failed ``failures`` times in a row: 1 s doubling up to
    ``maximum`` (the ``backoff_max`` setting)."""

    def backoff(failures: int) -> float:
        return float(min(2 ** min(max(failures - 1, 0), 16), maximum))

    return backoff


default_backoff = exponential_backoff(60.0)


@dataclass
class _DeviceState:
    status: PrinterStatus | None = None
    failures: int = 0
    next_try: float = 0.0
    last_probe: float = -math.inf


class _Outcome(StrEnum):
    PRINTED = "printed"
    FAILED = "failed"
    REQUEUED = "requeued"
    BLOCKED = "blocked"
    LOST = "lost"


class PrintWorker:
    """Prints the queued jobs of its printers, each exactly once, in order per printer.

    ``run(stop_event)`` loops: a pass over the devices from ``devices()``, then a wait that ends on a
    ``print.queued`` event, ``wake()``, the next due retry, or ``recheck_interval``. Per job: open the
    transport, ask the status (paper out / offline → the job stays queued untouched and the printer is
    retried after ``backoff(failures)``), claim the job, send its bytes unchanged, confirm with a second
    status query when the printer answers status, mark printed, close. Every exception is caught per pass.
    """

    def __init__(
        self,
        db: peewee.Database,
        bus: EventBus,
        devices: DeviceLookup,
        clock: Callable[[], datetime] = utcnow,
        *,
        backoff: Callable[[int], float] = default_backoff,
        recheck_interval: float = 5.0,
        idle_probe_interval: float | None = 60.0,
        drawer_max_age: float = 60.0,
        max_attempts: int = 5,
        transport: Callable[[PrinterTarget], Escpos] = open_transport,
        recover_on_start: bool = True,
        stop_poll: float = 0.25,
        name: str = "print",
    ) -> None:
        self.db = db
        self.bus = bus
        self.name = name
        self._devices = devices
        self._clock = clock
        self._backoff = backoff
        self._recheck = recheck_interval
        self._idle_probe = idle_probe_interval or None  # 0 or None: never
        self._drawer_max_age = timedelta(seconds=drawer_max_age)
        self._max_attempts = max_attempts
        self._transport = transport
        self._recover_pending = recover_on_start
        self._stop_poll = stop_poll
        self._wake = threading.Event()
        self._states: dict[int, _DeviceState] = {}
        self._counters: Counter[str] = Counter()
        self._progress = threading.Condition()
        self._stop_event = threading.Event()
        self._running_stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------------------

    @property
    def stats(self) -> dict[str, int]:
        """Counters: passes, probes, printed, failed, requeued, blocked, lost_claims, expired, recovered,
        errors."""
        with self._progress:
            return dict(self._counters)

    def wait_for(self, predicate: Callable[[dict[str, int]], bool], timeout: float) -> bool:
        """Block until ``predicate(stats)`` holds (checked after each probe and pass), or the timeout."""
        with self._progress:
            return self._progress.wait_for(lambda: predicate(dict(self._counters)), timeout)

    def status(self, device_id: int) -> PrinterStatus | None:
        """The last status published for a device."""
        state = self._states.get(device_id)
        return state.status if state else None

    def wake(self) -> None:
        """Run a pass now (new jobs, or a printer an operator says is back)."""
        for state in list(self._states.values()):
            state.next_try = 0.0
        self._wake.set()

    def start(self) -> None:
        """Run the worker in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self.run, args=(self._stop_event,), name=f"printer-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread started by ``start()``; a job being sent finishes first."""
        self._stop_event.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set; wakes on ``print.queued``. Never raises."""
        unsubscribe = self.bus.subscribe(QUEUED_TOPIC, self._on_queued)
        self._running_stop = stop
        opened_here = self.db.is_closed()
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    delay = self.run_once()
                except Exception:
                    self._count("errors")
                    log.exception("print worker %s: pass failed", self.name)
                    delay = self._recheck
                deadline = time.monotonic() + delay
                while not stop.is_set() and not self._wake.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._wake.wait(min(remaining, self._stop_poll))
        finally:
            unsubscribe()
            if opened_here and not self.db.is_closed():
                self.db.close()

    def run_once(self) -> float:
        """One pass over every device; returns the seconds until the next pass is due."""
        devices = list(self._devices())
        if self._recover_pending:
            self._recover({device.id for device in devices})
        wait = self._recheck
        for device in devices:
            state = self._states.setdefault(device.id, _DeviceState())
            try:
                self._serve(device, state)
            except Exception:
                self._count("errors")
                log.exception("print worker %s: device %s failed", self.name, device.name)
                self._back_off(state)
            now = time.monotonic()
            if state.next_try > now:
                wait = min(wait, state.next_try - now)
            elif self._idle_probe is not None and device.target is not None:
                wait = min(wait, max(state.last_probe + self._idle_probe - now, 0.0))
        self._count("passes")
        return max(wait, 0.0)

    # -- one device --------------------------------------------------------------------------------------

    def _serve(self, device: PrinterDevice, state: _DeviceState) -> None:
        if device.target is None:
            self._set_status(device, state, PrinterStatus(PrinterState.OFFLINE, device.error or "not configured"))
            self._expire_drawer_jobs(device)
            return
        self._expire_drawer_jobs(device)
        if time.monotonic() < state.next_try:
            return
        for _ in range(100):  # a bounded batch; the next pass continues
            if self._running_stop is not None and self._running_stop.is_set():
                return
            job_id = self._next_job(device)
            if job_id is None:
                if self._idle_probe is not None and time.monotonic() - state.last_probe >= self._idle_probe:
                    self._probe(device, state)
                return
            outcome = self._attempt(device, state, job_id)
            if outcome in (_Outcome.BLOCKED, _Outcome.REQUEUED):
                return

    def _job_filter(self, device: PrinterDevice) -> Any:
        where = PrintJob.device == device.id
        if device.kind == "printer" and device.till_id is not None:
            where |= PrintJob.device.is_null() & (PrintJob.till == device.till_id)
        return where

    def _next_job(self, device: PrinterDevice) -> int | None:
        row = (PrintJob.select(PrintJob.id).where((PrintJob.status == "queued") & self._job_filter(device))
               .order_by(PrintJob.id).first())
        return row.id if row is not None else None

    def _expire_drawer_jobs(self, device: PrinterDevice) -> None:
        """A drawer kick that could not go out within ``drawer_max_age`` fails: a drawer must never spring
        open long after the sale, with nobody at the till."""
        cutoff = self._clock() - self._drawer_max_age
        rows = list(PrintJob.select(PrintJob.id).where(
            (PrintJob.status == "queued") & (PrintJob.kind == "drawer") & (PrintJob.created_at < cutoff)
            & self._job_filter(device)
        ))
        for row in rows:
            error = f"drawer kick not sent within {self._drawer_max_age.total_seconds():g} s (printer unavailable)"
            with write_transaction(self.db):
                count = PrintJob.update({PrintJob.status: "failed", PrintJob.last_error: error}).where(
                    (PrintJob.id == row.id) & (PrintJob.status == "queued")
                ).execute()
            if count == 1:
                self._count("expired")
                self._publish_failed(row.id, device, error)

    def _probe(self, device: PrinterDevice, state: _DeviceState) -> PrinterStatus:
        """Open, ask the status, close; publishes a change. Used when idle."""
        assert device.target is not None
        state.last_probe = time.monotonic()
        self._count("probes")
        try:
            printer = self._transport(device.target)
        except PrinterUnavailable as exc:
            status = PrinterStatus(PrinterState.OFFLINE, str(exc))
        else:
            try:
                status = printer_status(printer, device.target.status_timeout, query=device.target.query_status)
            finally:
                close_quietly(printer)
        self._set_status(device, state, status)
        return status

    def _attempt(self, device: PrinterDevice, state: _DeviceState, job_id: int) -> _Outcome:
        target = device.target
        assert target is not None
        state.last_probe = time.monotonic()
        self._count("probes")
        try:
            printer = self._transport(target)
        except PrinterUnavailable as exc:
            self._set_status(device, state, PrinterStatus(PrinterState.OFFLINE, str(exc)))
            self._back_off(state)
            self._count("blocked")
            return _Outcome.BLOCKED
        try:
            before = printer_status(printer, target.status_timeout, query=target.query_status)
            self._set_status(device, state, before)
            if not before.can_print:
                self._back_off(state)
                self._count("blocked")
                return _Outcome.BLOCKED
            if not claim_job(self.db, job_id, device.id):
                self._count("lost_claims")
                return _Outcome.LOST
            return self._print_claimed(device, state, printer, before, job_id)
        finally:
            close_quietly(printer)

    def _print_claimed(self, device: PrinterDevice, state: _DeviceState, printer: Escpos,
                       before: PrinterStatus, job_id: int) -> _Outcome:
        target = device.target
        assert target is not None
        # Before the first byte: any failure puts the job back (or fails it when it can never print).
        try:
            job = PrintJob.get_by_id(job_id)
            payload = bytes(job.payload or b"")
            drawer_pin = None
            if job.kind == "drawer" and not payload:
                drawer_pin = target.drawer_pin
            elif not payload:
                return self._fail(device, job_id, "nothing to print: the job has no bytes")
        except Exception as exc:
            return self._requeue(device, state, job_id, f"before sending: {first_line(exc)}")
        # From the first byte on: a failure means the printer may have printed part of it.
        try:
            if drawer_pin is not None:
                try:
                    with io_timeout(printer, target.write_timeout):
                        printer.cashdraw(drawer_pin)
                except Exception as exc:
                    raise SendError(0, 5, exc) from exc
            else:
                send_raw(printer, payload, target.write_timeout)
            if before.answered:
                after = printer_status(printer, target.confirm_timeout)
                if not after.answered or not after.can_print:
                    self._set_status(device, state, after)
                    raise SendError(len(payload), len(payload), f"no confirmation after the job: {after.state}"
                                    + (f" ({after.detail})" if after.detail else ""))
                self._set_status(device, state, after)
        except SendError as exc:
            return self._fail(device, job_id, f"partial or unconfirmed print, not retried: {exc}")
        state.failures = 0
        return self._mark_printed(device, job_id)

    def _mark_printed(self, device: PrinterDevice, job_id: int) -> _Outcome:
        at = self._clock()
        for attempt in range(3):  # the bytes are out: only this write remains; a crash here fails the job
            try:
                if not mark_printed(self.db, job_id, at):
                    log.error("print job %s was printed but is no longer 'printing'; left as it is", job_id)
                    return _Outcome.LOST
                break
            except peewee.DatabaseError as exc:
                log.warning("print job %s: marking printed failed (%s), try %d", job_id, exc, attempt + 1)
        else:
            log.error("print job %s printed but not marked; it stays 'printing' until restart fails it", job_id)
            self._count("errors")
            return _Outcome.FAILED
        self._count("printed")
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        self._publish(DONE_TOPIC, {**self._job_event(job, job_id, device), "at": at.isoformat()})
        return _Outcome.PRINTED

    def _fail(self, device: PrinterDevice, job_id: int, error: str) -> _Outcome:
        log.warning("print job %s on %s failed: %s", job_id, device.name, error)
        if mark_failed(self.db, job_id, error):
            self._count("failed")
            self._publish_failed(job_id, device, error)
        return _Outcome.FAILED

    def _requeue(self, device: PrinterDevice, state: _DeviceState, job_id: int, error: str) -> _Outcome:
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if job is not None and job.attempts >= self._max_attempts:
            return self._fail(device, job_id, f"gave up after {job.attempts} attempts: {error}")
        log.warning("print job %s on %s back to the queue: %s", job_id, device.name, error)
        requeue(self.db, job_id, error)
        self._count("requeued")
        self._back_off(state)
        return _Outcome.REQUEUED

    def _recover(self, device_ids: set[int]) -> None:
        ids = recover_interrupted(self.db, device_ids)
        self._recover_pending = False
        for job_id in ids:
            log.warning("print job %s: %s", job_id, INTERRUPTED)
            self._count("recovered")
            self._publish_failed(job_id, None, INTERRUPTED)

    # -- state and events --------------------------------------------------------------------------------

    def _back_off(self, state: _DeviceState) -> None:
        state.failures += 1
        state.next_try = time.monotonic() + max(self._backoff(state.failures), 0.0)

    def _count(self, name: str) -> None:
        with self._progress:
            self._counters[name] += 1
            self._progress.notify_all()

    def _set_status(self, device: PrinterDevice, state: _DeviceState, status: PrinterStatus) -> None:
        previous = state.status
        state.status = status
        if previous is not None and (previous.state, previous.detail) == (status.state, status.detail):
            return
        level = logging.INFO if status.can_print else logging.WARNING
        log.log(level, "printer %s: %s %s", device.name, status.state, status.detail)
        self._publish(STATUS_TOPIC, {
            "device": device.name, "till": device.till, "kind": device.kind, "status": str(status.state),
            "error": status.detail or None, "at": self._clock().isoformat(),
        })

    def _job_event(self, job: PrintJob | None, job_id: int, device: PrinterDevice | None) -> dict[str, Any]:
        till = device.till if device else None
        if job is not None and job.till_id is not None:
            till_row = Till.get_or_none(Till.id == job.till_id)
            till = till_row.code if till_row else till
        return {
            "job": job_id, "uuid": str(job.uuid) if job else None, "till": till,
            "device": device.name if device else None, "kind": job.kind if job else None,
            "document": job.document if job else None,
        }

    def _publish_failed(self, job_id: int, device: PrinterDevice | None, error: str) -> None:
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if device is None and job is not None and job.device_id is not None:
            row = Device.get_or_none(Device.id == job.device_id)
            device = PrinterDevice(id=row.id, name=row.name) if row else None
        self._publish(FAILED_TOPIC, {**self._job_event(job, job_id, device), "error": error,
                                     "at": self._clock().isoformat()})

    def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        try:
            self.bus.publish(topic, payload)
        except Exception:
            log.exception("print worker %s: publishing %s failed", self.name, topic)

    def _on_queued(self, _topic: str, _payload: dict[str, Any]) -> None:
        """Any ``print.queued`` event wakes the worker; the payload is not trusted, the queue is read."""
        self._wake.set()
