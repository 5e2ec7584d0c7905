"""Weighing scales: what each wire protocol's frames mean, and the driver that publishes stable weights.

The first half is pure: per protocol a parser (frame bytes → ``Weight``, ``ScaleFault`` or
``ScaleStatus``, or ``FrameError``), encoders for the simulator and tests, and the request/command bytes.
Weights are integer grams (thousandths of a kg) parsed from the decimal text with integer arithmetic;
no float is involved, and a frame with more than 3 decimals of a kg, a fraction of a gram, a stray
character or a garbled sign is a ``FrameError``, never a weight.

The second half is ``ScaleDriver``: it talks to one scale through a ``SerialLink``, polls (request
protocols) or reads (streaming protocols), and publishes ``scale.weight`` for stable weights only and
``scale.status`` when the state changes. The frames and their sources are in docs/devices-scales.md.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from edge.clock import utcnow
from edge.devices.serial_link import LinkError, LinkFactory, LinkSettings, SerialLink

log = logging.getLogger(__name__)

STX = b"\x02"
CRLF = b"\r\n"


class Fault(StrEnum):
    """Why a scale gives no weight."""

    MOTION = "motion"
    OVER_CAPACITY = "over_capacity"
    UNDER_ZERO = "under_zero"
    OUTSIDE_ZERO_RANGE = "outside_zero_range"


class Flag(StrEnum):
    """Extra state a frame may report."""

    CENTRE_OF_ZERO = "centre_of_zero"
    TARE = "tare"
    HOLD = "hold"


@dataclass(frozen=True)
class Weight:
    """A weight frame. ``stable`` is None when the protocol's frame does not say (Adam print output)."""

    grams: int
    stable: bool | None
    net: bool = False
    flags: frozenset[Flag] = frozenset()


@dataclass(frozen=True)
class ScaleFault:
    """A frame saying the scale has no valid weight now, and why (at least one fault)."""

    faults: frozenset[Fault]
    net: bool = False
    flags: frozenset[Flag] = frozenset()


@dataclass(frozen=True)
class ScaleStatus:
    """A status-only frame with no fault: a Toledo status byte, or a Dini ``OK``/``ERRnn`` command reply."""

    net: bool = False
    flags: frozenset[Flag] = frozenset()
    text: str = ""

    @property
    def refused(self) -> bool:
        """The scale refused the last command (Dini ``ERRnn``)."""
        return self.text.startswith("ERR")


Frame = Weight | ScaleFault | ScaleStatus


class FrameError(ValueError):
    """A frame that is not valid; ``reason`` is a short stable code for counting."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# ---------------------------------------------------------------------------------------------------------
# Numbers: sign, digits, one decimal point; grams by integer arithmetic.

_NUMBER = re.compile(rb" *([+-]?) *([0-9]{1,7})(?:\.([0-9]{1,7}))? *")
_UNIT_AT_END = re.compile(rb",? *([A-Za-z]{1,3}) *\Z")


def grams_from_text(text: bytes, unit: bytes) -> int:
    """``b"+  1.234"`` in ``kg`` → 1234. FrameError for anything but an exact number of grams."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise FrameError("number", f"{text!r} is not a number")
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or b""
    unit = unit.lower()
    if unit == b"kg":
        if len(fraction) > 3:
            raise FrameError("precision", f"{text!r} kg has more than 3 decimals")
        grams = int(whole) * 1000 + int(fraction.ljust(3, b"0"))
    elif unit == b"g":
        if fraction.strip(b"0"):
            raise FrameError("precision", f"{text!r} g is not a whole number of grams")
        grams = int(whole)
    else:
        raise FrameError("unit", f"unit {unit!r} is not kg or g")
    return -grams if sign == b"-" else grams


def kg_text(grams: int) -> str:
    """1234 → ``1.234`` (sign left out)."""
    whole, rest = divmod(abs(grams), 1000)
    return f"{whole}.{rest:03d}"


def _line_body(line: bytes) -> bytes:
    """A CR LF (or LF) terminated line without its terminator."""
    if not line.endswith(b"\n"):
        raise FrameError("incomplete", f"{line[:40]!r} has no line end")
    body = line[:-1]
    return body[:-1] if body.endswith(b"\r") else body


def _split_unit(body: bytes) -> tuple[bytes, bytes]:
    """``b"+  1.234kg"`` → (b"+  1.234", b"kg"); the unit must be kg or g."""
    match = _UNIT_AT_END.search(body)
    if match is None:
        raise FrameError("unit", f"{body[:40]!r} does not end with a unit")
    unit = match.group(1).lower()
    if unit not in (b"kg", b"g"):
        raise FrameError("unit", f"unit {match.group(1)!r} is not kg or g")
    return body[: match.start()], unit


# ---------------------------------------------------------------------------------------------------------
# Mettler Toledo 8217: request W → STX WW.WWW [N] CR, or STX ? <status> CR. 7 data bits, even parity.

_TOLEDO_WEIGHT = re.compile(rb"\x02([ 0-9][0-9]\.[0-9]{3})(N?)\r")
_TOLEDO_STATUS = re.compile(rb"\x02\?(.)\r", re.DOTALL)
_TOLEDO_OTHER_DECIMALS = re.compile(rb"\x02[ 0-9]{1,4}\.([0-9]{1,5})N?\r")
_TOLEDO_FAULT_BITS = {
    Fault.MOTION: 0x01, Fault.OVER_CAPACITY: 0x02, Fault.UNDER_ZERO: 0x04, Fault.OUTSIDE_ZERO_RANGE: 0x08,
}
_TOLEDO_CENTRE_OF_ZERO, _TOLEDO_NET, _TOLEDO_ALWAYS = 0x10, 0x20, 0x40


def parse_toledo_8217(frame: bytes) -> Frame:
    """One 8217 reply, STX to CR included. Any byte with its 8th bit set (a parity error) rejects the frame."""
    if not frame.endswith(b"\r"):
        raise FrameError("incomplete", f"{frame[:40]!r} has no CR")
    if any(byte & 0x80 for byte in frame):
        raise FrameError("parity", f"{frame[:40]!r} has a byte that failed its parity check")
    if not frame.startswith(STX):
        raise FrameError("garbage", f"{frame[:40]!r} does not start with STX")
    status = _TOLEDO_STATUS.fullmatch(frame)
    if status is not None:
        return _toledo_status(status.group(1)[0])
    if frame.startswith(STX + b"?"):
        raise FrameError("status", f"{frame[:40]!r} is not STX ? <status byte> CR")
    weight = _TOLEDO_WEIGHT.fullmatch(frame)
    if weight is None:
        other = _TOLEDO_OTHER_DECIMALS.fullmatch(frame)
        decimals = 3 if other is None else len(other.group(1))
        if decimals == 2:
            raise FrameError("unit", f"{frame[:40]!r} has 2 decimals: the scale is set to pounds, not kg")
        if decimals != 3:
            raise FrameError("precision", f"{frame[:40]!r} is not a kg weight with 3 decimals")
        raise FrameError("number", f"{frame[:40]!r} is not STX WW.WWW [N] CR")
    return Weight(grams_from_text(weight.group(1), b"kg"), stable=True, net=weight.group(2) == b"N")


def _toledo_status(byte: int) -> ScaleFault | ScaleStatus:
    if not byte & _TOLEDO_ALWAYS:
        raise FrameError("status", f"status byte 0x{byte:02x} must have bit 6 set")
    faults = frozenset(fault for fault, bit in _TOLEDO_FAULT_BITS.items() if byte & bit)
    flags = frozenset({Flag.CENTRE_OF_ZERO}) if byte & _TOLEDO_CENTRE_OF_ZERO else frozenset()
    net = bool(byte & _TOLEDO_NET)
    if faults:
        return ScaleFault(faults, net=net, flags=flags)
    return ScaleStatus(net=net, flags=flags)


def encode_toledo_weight(grams: int, net: bool = False) -> bytes:
    """STX ``01.234`` [N] CR, the 8217 answer to W for a stable kg weight of 0..99.999 kg."""
    if not 0 <= grams <= 99_999:
        raise ValueError(f"an 8217 weight is 0 to 99.999 kg (got {grams} g)")
    whole, rest = divmod(grams, 1000)
    return STX + f"{whole:02d}.{rest:03d}".encode() + (b"N" if net else b"") + b"\r"


def encode_toledo_status(
    faults: Iterable[Fault] = (), *, net: bool = False, centre_of_zero: bool = False,
) -> bytes:
    """STX ? <status byte> CR."""
    byte = _TOLEDO_ALWAYS | sum(_TOLEDO_FAULT_BITS[fault] for fault in set(faults))
    byte |= (_TOLEDO_NET if net else 0) | (_TOLEDO_CENTRE_OF_ZERO if centre_of_zero else 0)
    return STX + b"?" + bytes([byte]) + b"\r"


# ---------------------------------------------------------------------------------------------------------
# Continuous output (Dini Argeo "standard string", CAS 22 bytes, CAS/AND 18 bytes):
#   [CC]ST,GS,<weight>[,]<unit> CR LF      [CC]: RS-485 address; ST|US|OL|UL; GS|NT;
#   CAS 22 adds "<device id><lamp byte>," before the weight. Dini answers commands with OK / ERRnn.

_CONT_HEADER = re.compile(rb"(?:[0-9]{2})?(ST|US),(GS|NT),")
_CONT_RANGE = re.compile(rb"(?:[0-9]{2})?(OL|UL)(?:,[\x20-\x7e]*)?")
_CONT_REPLY = re.compile(rb"(?:[0-9]{2})?(OK|ERR[0-9]{2})")


def parse_continuous(line: bytes) -> Frame:
    """One line of a continuously sending indicator, CR LF included."""
    body = _line_body(line)
    reply = _CONT_REPLY.fullmatch(body)
    if reply is not None:
        return ScaleStatus(text=reply.group(1).decode())
    out_of_range = _CONT_RANGE.fullmatch(body)
    if out_of_range is not None:
        fault = Fault.OVER_CAPACITY if out_of_range.group(1) == b"OL" else Fault.UNDER_ZERO
        return ScaleFault(frozenset({fault}))
    header = _CONT_HEADER.match(body)
    if header is None:
        raise FrameError("garbage", f"{body[:40]!r} does not start with ST|US,GS|NT")
    rest = body[header.end():]
    flags: frozenset[Flag] = frozenset()
    if len(rest) > 3 and 0x20 <= rest[0] < 0x7F and rest[1] & 0x80 and rest[2:3] == b",":
        flags = _cas_lamp_flags(rest[1])
        rest = rest[3:]
    text, unit = _split_unit(rest)
    stable = header.group(1) == b"ST"
    return Weight(grams_from_text(text, unit), stable=stable, net=header.group(2) == b"NT", flags=flags)


def _cas_lamp_flags(lamp: int) -> frozenset[Flag]:
    """CAS lamp byte: bit 0 zero point, bit 1 tare, bit 4 hold (bit 6 stable repeats the ST header)."""
    flags = {Flag.CENTRE_OF_ZERO: lamp & 0x01, Flag.TARE: lamp & 0x02, Flag.HOLD: lamp & 0x10}
    return frozenset(flag for flag, bit in flags.items() if bit)


def encode_continuous(grams: int, *, stable: bool = True, net: bool = False, variant: str = "cas") -> bytes:
    """``ST,GS,+  1.234kg`` CR LF (``cas``: CAS/AND 18 bytes) or ``ST,GS,   1.234,kg`` CR LF (``dini``)."""
    head = f"{'ST' if stable else 'US'},{'NT' if net else 'GS'},"
    number = kg_text(grams)
    if variant == "cas":
        if len(number) > 7:
            raise ValueError(f"{grams} g does not fit the CAS weight field")
        return f"{head}{'-' if grams < 0 else '+'}{number:>7}kg\r\n".encode()
    if variant == "dini":
        signed = ("-" if grams < 0 else "") + number
        if len(signed) > 8:
            raise ValueError(f"{grams} g does not fit the Dini weight field")
        return f"{head}{signed:>8},kg\r\n".encode()
    raise ValueError(f"unknown continuous variant {variant!r}")


def encode_continuous_overload(variant: str = "cas") -> bytes:
    """The over-capacity line."""
    return b"OL,GS,        kg\r\n" if variant == "cas" else b"OL,GS,        ,kg\r\n"


# ---------------------------------------------------------------------------------------------------------
# Adam Equipment print request: P CR LF → "Format 2" line: sign, 12-character weight, 3-character unit,
# CR LF (e.g. "       1.234kg "); the labelled form "ST,GS" / "US,NT" + the same is accepted too.
# An over-capacity field is filled with '^', an under-capacity field with '_' or '-'.

_ADAM_HEADER = re.compile(rb"(ST|US),(GS|NT),?")


def parse_adam(line: bytes) -> Frame:
    """One Adam output line, CR LF included."""
    body = _line_body(line)
    stable: bool | None = None
    net = False
    header = _ADAM_HEADER.match(body)
    if header is not None:
        stable, net = header.group(1) == b"ST", header.group(2) == b"NT"
        body = body[header.end():]
    text, unit = _split_unit(body)
    field = text.strip(b" ")
    if field and set(field) == {ord("^")}:
        return ScaleFault(frozenset({Fault.OVER_CAPACITY}), net=net)
    if len(field) > 1 and set(field) <= {ord("_"), ord("-")}:
        return ScaleFault(frozenset({Fault.UNDER_ZERO}), net=net)
    return Weight(grams_from_text(text, unit), stable=stable, net=net)


def encode_adam(grams: int) -> bytes:
    """The Format 2 print line for a kg weight: ``-      1.234kg `` CR LF (16 characters and CR LF)."""
    number = kg_text(grams)
    if len(number) > 12:
        raise ValueError(f"{grams} g does not fit the Adam weight field")
    return f"{'-' if grams < 0 else ' '}{number:>12}kg \r\n".encode()


def encode_adam_overload() -> bytes:
    """The Format 2 line of an overloaded scale."""
    return b" " + b"^" * 12 + b"kg \r\n"


# ---------------------------------------------------------------------------------------------------------
# Protocols: how to frame, ask, zero and tare, and the line settings a scale ships with.


@dataclass(frozen=True)
class ProtocolSpec:
    """One wire protocol. ``request`` None means the scale sends frames by itself."""

    name: str
    parse: Callable[[bytes], Frame]
    start: bytes | None
    terminator: bytes
    max_frame: int
    request: bytes | None
    zero: bytes
    tare: bytes
    command_reply: bool
    poll_interval: float
    baudrate: int
    bytesize: int
    parity: str
    stopbits: int
    stale_after: float | None


TOLEDO_8217 = ProtocolSpec(
    name="toledo8217", parse=parse_toledo_8217, start=STX, terminator=b"\r", max_frame=16,
    request=b"W", zero=b"Z", tare=b"T", command_reply=True, poll_interval=0.2,
    baudrate=9600, bytesize=7, parity="E", stopbits=1, stale_after=2.0,
)
CONTINUOUS = ProtocolSpec(
    name="continuous", parse=parse_continuous, start=None, terminator=b"\n", max_frame=80,
    request=None, zero=b"ZERO\r\n", tare=b"TARE\r\n", command_reply=True, poll_interval=0.0,
    baudrate=9600, bytesize=8, parity="N", stopbits=1, stale_after=2.0,
)
ADAM = ProtocolSpec(
    name="adam", parse=parse_adam, start=None, terminator=b"\n", max_frame=64,
    request=b"P\r\n", zero=b"Z\r\n", tare=b"T\r\n", command_reply=False, poll_interval=0.5,
    baudrate=4800, bytesize=8, parity="N", stopbits=1, stale_after=None,
)
PROTOCOLS: dict[str, ProtocolSpec] = {spec.name: spec for spec in (TOLEDO_8217, CONTINUOUS, ADAM)}


def protocol_spec(protocol: str | ProtocolSpec) -> ProtocolSpec:
    """A protocol by name (``toledo8217``, ``continuous``, ``adam``)."""
    if isinstance(protocol, ProtocolSpec):
        return protocol
    try:
        return PROTOCOLS[protocol]
    except KeyError:
        raise ValueError(f"unknown scale protocol {protocol!r} (known: {', '.join(PROTOCOLS)})") from None


# ---------------------------------------------------------------------------------------------------------
# The driver.


class Publisher(Protocol):
    """What the driver needs of the event bus."""

    def publish(self, topic: str, payload: dict[str, Any]) -> int: ...




def default_backoff(attempt: int) -> float:
    """Seconds before reconnect attempt ``attempt`` (1, 2, ...): 0.5 s doubling up to 10 s."""
    return float(min(0.5 * 2 ** min(attempt - 1, 8), 10.0))


class ScaleDriver:
    """One scale of one till: reads it, publishes stable weights and status changes, reconnects.

    Host it with ``start()``/``stop()`` (a daemon thread; a greenlet under gevent's monkey patching), or
    call ``run(stop_event)`` from a thread the device manager owns. Bad frames are counted in ``stats``,
    logged and dropped; link failures become status "error" and a reconnect after ``backoff(attempt)``.

    Options: line settings default to the protocol's; ``poll_interval`` (request protocols) defaults to
    the protocol's; ``reply_timeout`` bounds the wait for an answer; ``settle_readings`` is how many equal
    readings make a weight stable when the frame cannot say (Adam print output; 1 trusts the scale to
    print only stable weights); ``stale_after`` seconds without a valid frame is status "error" (None:
    the protocol's default, 0: never); ``link_factory`` and ``clock`` are for tests.
    """

    def __init__(
        self,
        name: str,
        till: str,
        port: str,
        protocol: str | ProtocolSpec,
        bus: Publisher,
        *,
        baudrate: int | None = None,
        bytesize: int | None = None,
        parity: str | None = None,
        stopbits: int | None = None,
        poll_interval: float | None = None,
        reply_timeout: float = 0.5,
        settle_readings: int = 2,
        stale_after: float | None = None,
        backoff: Callable[[int], float] = default_backoff,
        clock: Callable[[], datetime] = utcnow,
        link_factory: LinkFactory = SerialLink,
    ) -> None:
        self.name = name
        self.till = till
        self.port = port
        self.spec = protocol_spec(protocol)
        self.settings = LinkSettings(
            baudrate=baudrate or self.spec.baudrate, bytesize=bytesize or self.spec.bytesize,
            parity=parity or self.spec.parity, stopbits=stopbits or self.spec.stopbits,
        )
        if settle_readings < 1:
            raise ValueError("settle_readings must be at least 1")
        self._bus = bus
        self._poll_interval = self.spec.poll_interval if poll_interval is None else poll_interval
        self._reply_timeout = reply_timeout
        self._settle_readings = settle_readings
        self._stale_after = self.spec.stale_after if stale_after is None else (stale_after or None)
        self._backoff = backoff
        self._clock = clock
        self._link_factory = link_factory
        self._counters: Counter[str] = Counter()
        self._commands: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._status: dict[str, Any] = {"status": "stopped", "faults": [], "error": None}
        self._link_open = False
        self._last_published: tuple[int, bool] | None = None
        self._candidate: tuple[int, bool] | None = None
        self._candidate_count = 0
        self._last_valid = 0.0
        self._bad_run = 0
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------------

    @property
    def stats(self) -> dict[str, int]:
        """Counters: frames, weights, bad_frames (and bad:<reason>), blank, no_reply, commands,
        link_errors, connects, dropped_bytes, overlong_runs."""
        return dict(self._counters)

    @property
    def status(self) -> dict[str, Any]:
        """The last published status: ``{"status", "faults", "error"}``."""
        with self._lock:
            return dict(self._status)

    def zero(self) -> bool:
        """Ask the scale to zero. False (nothing sent) when no scale is connected."""
        return self._queue_command(self.spec.zero)

    def tare(self) -> bool:
        """Ask the scale to take the load on it as tare. False (nothing sent) when no scale is connected."""
        return self._queue_command(self.spec.tare)

    def start(self) -> None:
        """Run the driver in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_event = threading.Event()
        self._thread = threading.Thread(
            target=self.run, args=(self._stop_event,), name=f"scale-{self.name}", daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the thread started by ``start()`` and close the port."""
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self, stop: threading.Event) -> None:
        """Connect, read, reconnect after failures, until ``stop`` is set. Never raises."""
        attempt = 0
        while not stop.is_set():
            link: SerialLink | None = None
            frames_before = self._counters["frames"]
            try:
                link = self._link_factory(self.port, self.settings, self._counters)
                link.open()
                self._connected()
                self._session(link, stop)
            except LinkError as exc:
                self._counters["link_errors"] += 1
                self._set_status("error", error=str(exc))
            except Exception as exc:  # a bug here must not take billing down: report, back off, retry
                log.exception("scale %s: driver failure", self.name)
                self._set_status("error", error=f"driver failure: {exc}")
            finally:
                self._link_open = False
                self._forget_weight()
                self._drop_commands()
                if link is not None:
                    link.close()
            attempt = 1 if self._counters["frames"] > frames_before else attempt + 1
            if not stop.is_set():
                stop.wait(self._backoff(attempt))
        self._set_status("stopped")

    # -- session -----------------------------------------------------------------------------------

    def _connected(self) -> None:
        self._counters["connects"] += 1
        self._link_open = True
        self._last_valid = time.monotonic()
        self._set_status("connected")

    def _session(self, link: SerialLink, stop: threading.Event) -> None:
        """Talk to an open link until stop is set or a LinkError comes out."""
        spec = self.spec
        while not stop.is_set():
            self._send_commands(link, stop)
            if spec.request is None:
                frame = link.read_frame(spec.terminator, spec.max_frame, start=spec.start, timeout=0.25, stop=stop)
                if frame is not None:
                    self._on_frame(frame)
            else:
                link.discard_input()
                link.write(spec.request)
                frame = self._read_reply(link, stop)
                if frame is None:
                    self._counters["no_reply"] += 1
                else:
                    self._on_frame(frame)
            self._check_stale()
            if spec.request is not None:
                stop.wait(self._poll_interval)

    def _queue_command(self, command: bytes) -> bool:
        if not self._link_open:
            return False
        self._commands.put(command)
        return True

    def _drop_commands(self) -> None:
        """Commands queued for a scale that went away are not sent minutes later to its successor."""
        while True:
            try:
                self._commands.get_nowait()
            except queue.Empty:
                return

    def _send_commands(self, link: SerialLink, stop: threading.Event) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if self.spec.request is not None:
                link.discard_input()
            link.write(command)
            self._counters["commands"] += 1
            if self.spec.command_reply and self.spec.request is not None:
                reply = self._read_reply(link, stop)
                if reply is not None:
                    self._on_frame(reply)

    def _read_reply(self, link: SerialLink, stop: threading.Event) -> bytes | None:
        spec, timeout = self.spec, self._reply_timeout
        return link.read_frame(spec.terminator, spec.max_frame, start=spec.start, timeout=timeout, stop=stop)

    def _check_stale(self) -> None:
        if self._stale_after is not None and time.monotonic() - self._last_valid > self._stale_after:
            self._forget_weight()
            self._set_status("error", error=f"no valid data from the scale for {self._stale_after:g} s")

    # -- frames ------------------------------------------------------------------------------------

    def _on_frame(self, raw: bytes) -> None:
        if not raw.strip(b"\r\n\x00 "):
            self._counters["blank"] += 1
            return
        try:
            frame = self.spec.parse(raw)
        except FrameError as exc:
            self._bad_frame(raw, exc)
            return
        self._counters["frames"] += 1
        self._last_valid = time.monotonic()
        if self._bad_run:
            log.info("scale %s: valid frames again after %d bad ones", self.name, self._bad_run)
            self._bad_run = 0
        if isinstance(frame, Weight):
            self._on_weight(frame)
        elif isinstance(frame, ScaleFault):
            self._forget_weight()
            self._set_status("fault", faults=frame.faults)
        else:
            if frame.refused:
                log.warning("scale %s refused a command: %s", self.name, frame.text)
            if self.status["status"] == "error":
                self._set_status("connected")

    def _bad_frame(self, raw: bytes, exc: FrameError) -> None:
        self._counters["bad_frames"] += 1
        self._counters[f"bad:{exc.reason}"] += 1
        self._bad_run += 1
        level = logging.WARNING if self._bad_run == 1 else logging.DEBUG
        log.log(level, "scale %s: dropped a bad frame %r (%s)", self.name, raw[:48], exc)

    def _on_weight(self, weight: Weight) -> None:
        if weight.grams < 0:
            self._forget_weight()
            self._set_status("fault", faults={Fault.UNDER_ZERO})
            return
        stable = weight.stable
        if stable is None:  # the frame cannot say: stable once the same reading comes settle_readings times
            key = (weight.grams, weight.net)
            self._candidate_count = self._candidate_count + 1 if self._candidate == key else 1
            self._candidate = key
            stable = self._candidate_count >= self._settle_readings
            if not stable:
                return
        if not stable:
            self._forget_weight()
            self._set_status("fault", faults={Fault.MOTION})
            return
        self._set_status("connected")
        if (weight.grams, weight.net) != self._last_published:
            self._last_published = (weight.grams, weight.net)
            self._counters["weights"] += 1
            self._publish("scale.weight", {
                "device": self.name, "till": self.till, "grams": weight.grams, "stable": True,
                "net": weight.net, "at": self._clock().isoformat(),
            })

    def _forget_weight(self) -> None:
        """The next stable weight is published even if it equals the last one (the load was lifted)."""
        self._last_published = None
        self._candidate = None
        self._candidate_count = 0

    # -- events ------------------------------------------------------------------------------------

    def _set_status(self, status: str, *, faults: Iterable[Fault] = (), error: str | None = None) -> None:
        fault_names = sorted(str(fault) for fault in faults)
        new: dict[str, Any] = {"status": status, "faults": fault_names, "error": error}
        with self._lock:
            if new == self._status:
                return
            self._status = new
        if status == "error":
            log.warning("scale %s on %s: %s", self.name, self.port, error)
        else:
            log.info("scale %s on %s: %s %s", self.name, self.port, status, ",".join(fault_names))
        self._publish("scale.status", {"device": self.name, "till": self.till, **new, "at": self._clock().isoformat()})

    def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        try:
            self._bus.publish(topic, payload)
        except Exception:  # the bus swallows handler errors; this guards any other publisher
            log.exception("scale %s: publishing %s failed", self.name, topic)
