"""Barcode scanners: keyboard-wedge scanners through evdev, USB-CDC (serial) scanners through serial_link.

Two layers:

- :class:`KeystrokeDecoder` — pure: fed ``evdev.InputEvent`` values, returns completed scans. It knows the
  layout, Shift/AltGr/Caps Lock, the terminators, the inter-key timeout, the length limit and the repeat
  debounce, and counts everything it drops (:class:`DecoderStats`). It never raises on input.
- The OS boundary: :class:`KeyboardDevice` finds an input device, ``grab()``s it so scans never reach a
  console, reads and decodes it; :class:`SerialDevice` reads frames through ``serial_link``.
  :class:`EvdevScanner` and :class:`SerialScanner` publish ``scanner.scan`` {device, till, code, at} and
  ``scanner.status`` {device, kind, till, status, error, path, at}; ``at`` is naive UTC in ISO 8601.

Loop model (every driver, here and in clock.py): ``run(stop: threading.Event) -> None`` is a blocking loop
that returns soon after ``stop`` is set and never raises; the device manager calls it on a thread it owns
(a greenlet under the daemon's gevent monkey-patching, where ``select`` and ``Event.wait`` cooperate).
``start()``/``stop()`` host it on a daemon thread for simple cases. See docs/devices-input.md.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import select
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import evdev
from evdev import ecodes as e

from edge.clock import utcnow
from edge.devices.keymap import US, Layout
from edge.devices.serial_link import LinkError, LinkFactory, LinkSettings, SerialLink

log = logging.getLogger(__name__)

SCAN_TOPIC = "scanner.scan"
STATUS_TOPIC = "scanner.status"

DEFAULT_TERMINATORS: frozenset[int] = frozenset({e.KEY_ENTER, e.KEY_KPENTER, e.KEY_TAB})
_SHIFT = frozenset({e.KEY_LEFTSHIFT, e.KEY_RIGHTSHIFT})
_CTRL_ALT_META = frozenset({e.KEY_LEFTCTRL, e.KEY_RIGHTCTRL, e.KEY_LEFTALT, e.KEY_LEFTMETA, e.KEY_RIGHTMETA})
_IGNORED_TOGGLES = frozenset({e.KEY_NUMLOCK, e.KEY_SCROLLLOCK})
_KEY_DOWN, _KEY_UP = 1, 0  # 2 is autorepeat: ignored


def event_time(timestamp: float) -> datetime:
    """A kernel event timestamp (seconds since the epoch) as the naive UTC datetime the store keeps."""
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


class Publisher(Protocol):
    """What the drivers need of the event bus (edge.bus.EventBus)."""

    def publish(self, topic: str, payload: dict[str, Any]) -> int: ...


@dataclass(frozen=True)
class Scan:
    """One completed scan: the text and the timestamp (epoch seconds) of its terminator key."""

    code: str
    timestamp: float


@dataclass
class DecoderStats:
    """What a decoder accepted and what it dropped, by reason."""

    scans: int = 0
    timeouts: int = 0  # half scans dropped after an inter-key gap
    overflows: int = 0  # floods longer than max_length without a terminator
    unknown_keys: int = 0  # scans with a key (or modifier combination) the layout does not type
    debounced: int = 0  # repeats of the same code inside the debounce window
    lost_events: int = 0  # SYN_DROPPED from the kernel: the partial scan is dropped

    @property
    def dropped(self) -> int:
        """Everything dropped except debounced repeats."""
        return self.timeouts + self.overflows + self.unknown_keys + self.lost_events


class RepeatFilter:
    """Drops a value seen again within ``window_ms`` of its *last sighting* (a sliding window).

    A scanner in presentation mode, or an RFID card left on the reader, repeats the same value for as long
    as it is in view; the sliding window makes that one event until the value has been absent for the
    whole window. A clock stepped backwards (negative gap) counts as outside the window.
    """

    def __init__(self, window_ms: int, max_entries: int = 64) -> None:
        if window_ms < 0:
            raise ValueError("window_ms must be >= 0")
        self.window = window_ms / 1000.0
        self.max_entries = max_entries
        self._seen: dict[str, float] = {}

    def accept(self, value: str, now: float) -> bool:
        """True when ``value`` at time ``now`` (seconds) is new, False when it is a repeat to drop."""
        if self.window == 0:
            return True
        last = self._seen.pop(value, None)
        self._seen[value] = now
        if len(self._seen) > self.max_entries:
            for old, seen in list(self._seen.items()):
                if not 0 <= now - seen <= self.window and old != value:
                    del self._seen[old]
            while len(self._seen) > self.max_entries:  # all recent: forget the oldest sightings
                del self._seen[next(iter(self._seen))]
        return last is None or not 0 <= now - last <= self.window


class KeystrokeDecoder:
    """Turns evdev key events from a keyboard-mode scanner or badge reader into scans.

    Rules (docs/devices-input.md has the reasons):

    - Only ``EV_KEY`` key-down (value 1) types; key-up (0) only releases modifiers; autorepeat (2) and other
      event types are ignored. ``SYN_DROPPED`` (the kernel lost events) drops the partial scan and ignores
      events up to the next ``SYN_REPORT``.
    - Shift (left/right) and AltGr (Right Alt, on layouts with an AltGr level) are held from key-down to
      key-up; Caps Lock toggles on key-down and affects letters only. A character typed while Ctrl, Alt or
      Meta is held is unknown.
    - Modifier reset (so a lost key-up cannot leave Shift stuck): held modifiers are released at every
      terminator; held modifiers *and* Caps Lock are reset when a key event comes more than
      ``inter_key_timeout_ms`` after the previous one (each scan starts clean), on ``expire``, on
      ``SYN_DROPPED`` and when a scan is dropped.
    - A terminator key (Enter, keypad Enter, Tab by default) ends the scan; an empty scan is ignored.
    - A gap longer than ``inter_key_timeout_ms`` between key events drops the partial scan (``timeouts``).
    - More than ``max_length`` characters drops the scan (``overflows``) and everything up to the next
      terminator or gap; nothing of a flood is ever emitted.
    - A key the layout does not type drops the scan (``unknown_keys``) up to the next terminator or gap.
    - The same code again within ``debounce_ms`` of its last sighting is dropped (``debounced``).
    """

    def __init__(
        self,
        layout: Layout = US,
        terminators: Collection[int] = DEFAULT_TERMINATORS,
        inter_key_timeout_ms: int = 100,
        max_length: int = 256,
        debounce_ms: int = 500,
        label: str = "keyboard",
    ) -> None:
        if inter_key_timeout_ms <= 0 or max_length <= 0:
            raise ValueError("inter_key_timeout_ms and max_length must be positive")
        if not terminators:
            raise ValueError("at least one terminator key is needed")
        self.layout = layout
        self.terminators = frozenset(terminators)
        self.timeout = inter_key_timeout_ms / 1000.0
        self.max_length = max_length
        self.label = label
        self.stats = DecoderStats()
        self._repeats = RepeatFilter(debounce_ms)
        self._altgr = frozenset({e.KEY_RIGHTALT}) if layout.has_altgr else frozenset()
        self._other_mods = _CTRL_ALT_META if layout.has_altgr else _CTRL_ALT_META | {e.KEY_RIGHTALT}
        self._buffer: list[str] = []
        self._discarding = False
        self._held: set[int] = set()
        self._caps = False
        self._last: float | None = None
        self._resync = False

    @property
    def pending(self) -> str:
        """The partial scan typed so far (for diagnostics)."""
        return "".join(self._buffer)

    def feed(self, event: evdev.InputEvent) -> Scan | None:
        """Take one event; return the scan it completes, if any. Never raises on any event."""
        if event.type == e.EV_SYN:
            if event.code == e.SYN_DROPPED:
                self._lost_events()
            elif event.code == e.SYN_REPORT:
                self._resync = False
            return None
        if self._resync or event.type != e.EV_KEY or event.value not in (_KEY_DOWN, _KEY_UP):
            return None
        now = event.timestamp()
        if self._last is not None and not 0 <= now - self._last <= self.timeout:
            self._reset(drop_reason="timeout")
        self._last = now
        code = event.code
        if event.value == _KEY_UP:
            self._held.discard(code)
            return None
        if code in _SHIFT or code in self._altgr or code in self._other_mods:
            self._held.add(code)
            return None
        if code == e.KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in _IGNORED_TOGGLES:
            return None
        if code in self.terminators:
            return self._terminate(now)
        if self._discarding:
            return None
        char = None
        if not self._held & self._other_mods:
            char = self.layout.char(
                code, shift=bool(self._held & _SHIFT), caps=self._caps, altgr=bool(self._held & self._altgr)
            )
        if char is None:
            self.stats.unknown_keys += 1
            self._discard(f"key {_key_name(code)} is not on layout {self.layout.name!r} with these modifiers")
            return None
        self._buffer.append(char)
        if len(self._buffer) > self.max_length:
            self.stats.overflows += 1
            self._discard(f"more than {self.max_length} characters without a terminator")
        return None

    def feed_all(self, events: Iterable[evdev.InputEvent]) -> list[Scan]:
        """Feed several events; the scans they complete, in order."""
        scans = []
        for event in events:
            scan = self.feed(event)
            if scan is not None:
                scans.append(scan)
        return scans

    def expire(self, now: float) -> bool:
        """Apply the inter-key timeout with no new event (call when idle); True when a half scan was dropped."""
        if self._last is None or not now - self._last > self.timeout:
            return False
        had_partial = bool(self._buffer) and not self._discarding
        self._reset(drop_reason="timeout")
        self._last = None
        return had_partial

    def _terminate(self, now: float) -> Scan | None:
        self._held.clear()
        if self._discarding:
            self._discarding = False
            return None
        code = "".join(self._buffer)
        self._buffer.clear()
        if not code:
            return None
        if not self._repeats.accept(code, now):
            self.stats.debounced += 1
            log.info("%s: repeat of the same scan within the debounce window dropped", self.label)
            return None
        self.stats.scans += 1
        return Scan(code, now)

    def _discard(self, why: str) -> None:
        log.warning("%s: scan dropped: %s", self.label, why)
        self._buffer.clear()
        self._held.clear()
        self._discarding = True

    def _reset(self, drop_reason: str) -> None:
        if self._buffer and not self._discarding:
            self.stats.timeouts += 1
            log.warning("%s: half scan of %d characters dropped (%s)", self.label, len(self._buffer), drop_reason)
        self._buffer.clear()
        self._discarding = False
        self._held.clear()
        self._caps = False

    def _lost_events(self) -> None:
        if self._buffer and not self._discarding:
            self.stats.lost_events += 1
            log.warning("%s: the kernel dropped input events; half scan dropped", self.label)
        self._buffer.clear()
        self._discarding = False
        self._held.clear()
        self._caps = False
        self._resync = True


def _key_name(code: int) -> str:
    name = e.KEY.get(code)
    if isinstance(name, tuple):
        name = name[0]
    return name or f"code {code}"


# ---------------------------------------------------------------------------------------------- OS boundary


class DeviceDriver:
    """What every input driver shares: a name, status events on change, ``run(stop)`` hosting.

    Status values: "connected", "error" (with ``error`` saying why), "stopped".
    """

    kind = "device"
    status_topic = STATUS_TOPIC

    def __init__(self, name: str, bus: Publisher, clock: Callable[[], datetime] = utcnow) -> None:
        self.name = name
        self.bus = bus
        self.clock = clock
        self.path: str | None = None
        self._status: dict[str, Any] = {"status": "stopped", "error": None}
        self._status_lock = threading.Lock()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, stop: threading.Event) -> None:
        """The driver loop; returns after ``stop`` is set, never raises."""
        raise NotImplementedError

    def status_fields(self) -> dict[str, Any]:
        """Extra fields of this driver's events (e.g. the till)."""
        return {}

    @property
    def status(self) -> dict[str, Any]:
        """The last published status: ``{"status", "error"}``."""
        with self._status_lock:
            return dict(self._status)

    def start(self) -> None:
        """Run the driver on a daemon thread (when no device manager hosts ``run``)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self.run, args=(self._stop_event,), name=f"{self.kind}-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the thread started by ``start()``; the device is released on the way out."""
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def set_status(self, status: str, error: str | None = None) -> None:
        """Publish a status event when the status or its error changes."""
        new = {"status": status, "error": error}
        with self._status_lock:
            if new == self._status:
                return
            self._status = new
        if status == "error":
            log.warning("%s %s: %s", self.kind, self.name, error)
        else:
            log.info("%s %s: %s %s", self.kind, self.name, status, self.path or "")
        self.publish(self.status_topic, {
            "device": self.name, "kind": self.kind, **self.status_fields(), **new, "path": self.path,
            "at": self.clock().isoformat(),
        })

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Publish, never letting a publishing failure into the driver loop."""
        try:
            self.bus.publish(topic, payload)
        except Exception:  # the bus swallows handler errors; this guards any other publisher
            log.exception("%s %s: publishing %s failed", self.kind, self.name, topic)


class InputDeviceLike(Protocol):
    """What the drivers use of ``evdev.InputDevice`` (and what ``sim_input.FakeInputDevice`` provides)."""

    @property
    def path(self) -> str | bytes: ...
    @property
    def name(self) -> str: ...
    @property
    def info(self) -> evdev.DeviceInfo: ...
    def fileno(self) -> int: ...
    def read(self) -> Iterable[evdev.InputEvent]: ...
    def capabilities(self) -> Mapping[int, Sequence[int]]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


def list_input_devices() -> list[str]:
    """``/dev/input/event*`` nodes this user can read (read access is enough to grab)."""
    return sorted(evdev.list_devices(writable=False))


def key_codes(names: Iterable[str]) -> frozenset[int]:
    """Key names from config (``"enter"``, ``"KEY_TAB"``, ``"kpenter"``) → evdev key codes; ValueError if unknown."""
    codes = set()
    for name in names:
        key = name.strip().upper()
        key = key if key.startswith("KEY_") else f"KEY_{key}"
        if key not in e.ecodes:
            raise ValueError(f"unknown key name {name!r} (use evdev names like enter, kpenter, tab)")
        codes.add(e.ecodes[key])
    return frozenset(codes)


def parse_usb_id(text: str) -> tuple[int, int]:
    """``"0c2e:0b61"`` → (0x0c2e, 0x0b61); ValueError otherwise."""
    match = re.fullmatch(r"\s*([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\s*", text)
    if not match:
        raise ValueError(f"USB id must be vendor:product in hex, like 0c2e:0b61 (got {text!r})")
    return int(match.group(1), 16), int(match.group(2), 16)


@dataclass(frozen=True)
class DeviceMatch:
    """How to find one input device: an exact path (best: /dev/input/by-id/...), or USB vendor:product
    and/or a case-insensitive part of the device name. Every criterion given must match."""

    path: str | None = None
    usb_id: tuple[int, int] | None = None
    name_contains: str | None = None

    def __post_init__(self) -> None:
        if not (self.path or self.usb_id or self.name_contains):
            raise ValueError("a device needs a path, a USB id (vendor:product) or a name to match")

    def matches(self, device: InputDeviceLike) -> bool:
        """Whether an opened device fits the USB id and name criteria."""
        if self.usb_id is not None and (device.info.vendor, device.info.product) != self.usb_id:
            return False
        return not (self.name_contains and self.name_contains.lower() not in device.name.lower())

    def describe(self) -> str:
        """One line for status messages."""
        if self.path:
            return self.path
        parts = []
        if self.usb_id:
            parts.append(f"usb {self.usb_id[0]:04x}:{self.usb_id[1]:04x}")
        if self.name_contains:
            parts.append(f"name containing {self.name_contains!r}")
        return " and ".join(parts)


Opener = Callable[[str], InputDeviceLike]


def _open_input_device(path: str) -> InputDeviceLike:
    return evdev.InputDevice(path)


def _oserror_text(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied on {exc.filename or 'the device'} (is the daemon user in the 'input' group?)"
    if exc.errno == errno.ENODEV:
        return "device vanished (unplugged)"
    if exc.errno == errno.ENOENT:
        return f"no such device {exc.filename or ''}".strip()
    if exc.errno == errno.EBUSY:
        return "device grabbed by another program"
    return f"{exc.strerror or exc} (errno {exc.errno})"


class KeyboardDevice(DeviceDriver):
    """A keyboard-mode input device (scanner, badge reader) read through evdev; subclasses publish scans.

    ``run(stop)`` finds the device, grabs it, reads and decodes it until ``stop`` is set, and ungrabs and
    closes it on the way out. A missing, busy or vanished device is status "error" and a retry every
    ``retry_s`` (sleeping on ``stop``, never spinning). Idle, it wakes every ``poll_s`` to apply the
    inter-key timeout and to notice ``stop``.
    """

    kind = "keyboard"

    def __init__(
        self,
        name: str,
        match: DeviceMatch,
        bus: Publisher,
        decoder: KeystrokeDecoder,
        *,
        opener: Opener = _open_input_device,
        lister: Callable[[], Iterable[str]] = list_input_devices,
        poll_s: float = 0.25,
        retry_s: float = 2.0,
        wall_clock: Callable[[], float] = time.time,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(name, bus, clock)
        self.match = match
        self.decoder = decoder
        self.opener = opener
        self.lister = lister
        self.poll_s = poll_s
        self.retry_s = retry_s
        self.wall_clock = wall_clock

    @property
    def stats(self) -> dict[str, int]:
        """The decoder's counters (scans and drops by reason)."""
        return asdict(self.decoder.stats)

    def on_scan(self, scan: Scan) -> None:
        """Publish one decoded scan."""
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:
        """Find, grab, read and decode until ``stop`` is set; reconnect after errors. Never raises."""
        while not stop.is_set():
            device = None
            try:
                device = self._connect()
                if device is not None:
                    self._pump(device, stop)
            except OSError as exc:
                self.set_status("error", _oserror_text(exc))
            except Exception:  # a bug must not kill the driver thread: logged, reported, retried
                log.exception("%s %s: driver failure", self.kind, self.name)
                self.set_status("error", "driver failure (see the log)")
            finally:
                if device is not None:
                    self._release(device)
            stop.wait(self.retry_s)
        self.set_status("stopped")

    def _connect(self) -> InputDeviceLike | None:
        if self.match.path:
            device = self.opener(self.match.path)
            try:
                device.grab()
            except OSError:
                self._release(device, grabbed=False)
                raise
            return self._connected(device)
        busy = False
        for path in self.lister():
            try:
                device = self.opener(path)
            except OSError:
                continue  # not ours to read, or gone meanwhile
            if not (self.match.matches(device) and self._types_scans(device)):
                self._release(device, grabbed=False)
                continue
            try:
                device.grab()
            except OSError as exc:
                self._release(device, grabbed=False)
                busy = busy or exc.errno == errno.EBUSY  # e.g. the same model on the next till holds it
                continue
            return self._connected(device)
        why = "every matching input device is grabbed by another program" if busy else "no input device matches"
        self.path = None
        self.set_status("error", f"{why}: {self.match.describe()}")
        return None

    def _types_scans(self, device: InputDeviceLike) -> bool:
        # Scanners often expose extra nodes (consumer/system control); only the keyboard node has a terminator.
        try:
            keys = device.capabilities().get(e.EV_KEY, ())
        except OSError:
            return False
        return bool(self.decoder.terminators.intersection(keys))

    def _connected(self, device: InputDeviceLike) -> InputDeviceLike:
        path = device.path
        self.path = path.decode() if isinstance(path, bytes) else path
        self.set_status("connected")
        return device

    def _pump(self, device: InputDeviceLike, stop: threading.Event) -> None:
        while not stop.is_set():
            ready, _, _ = select.select([device], [], [], self.poll_s)
            if not ready:
                self.decoder.expire(self.wall_clock())
                continue
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            for event in events:
                scan = self.decoder.feed(event)
                if scan is not None:
                    self.on_scan(scan)

    def _release(self, device: InputDeviceLike, grabbed: bool = True) -> None:
        if grabbed:
            # A vanished device cannot be ungrabbed; the kernel released the grab with it.
            with contextlib.suppress(OSError):
                device.ungrab()
        with contextlib.suppress(OSError):
            device.close()


class EvdevScanner(KeyboardDevice):
    """A keyboard-wedge barcode scanner on a till: publishes ``scanner.scan`` {device, till, code, at}."""

    kind = "scanner"

    def __init__(
        self,
        name: str,
        till: str,
        match: DeviceMatch,
        bus: Publisher,
        layout: Layout = US,
        *,
        terminators: Collection[int] = DEFAULT_TERMINATORS,
        inter_key_timeout_ms: int = 100,
        max_length: int = 256,
        debounce_ms: int = 500,
        **options: Any,
    ) -> None:
        decoder = KeystrokeDecoder(layout, terminators, inter_key_timeout_ms, max_length, debounce_ms, label=name)
        super().__init__(name, match, bus, decoder, **options)
        self.till = till

    def status_fields(self) -> dict[str, Any]:
        """Scanner events name the till."""
        return {"till": self.till}

    def on_scan(self, scan: Scan) -> None:
        """Publish the scan for this scanner's till, timed by the kernel's timestamp of its terminator."""
        self.publish(SCAN_TOPIC, {
            "device": self.name, "till": self.till, "code": scan.code, "at": event_time(scan.timestamp).isoformat(),
        })


# ---------------------------------------------------------------------------------------------- serial



class SerialDevice(DeviceDriver):
    """A device that sends frames over a serial port (USB-CDC, RS-232), read through ``SerialLink``.

    ``run(stop)`` opens the port exclusively, hands each frame (ending in ``terminator``, at most
    ``max_frame`` bytes; longer runs are dropped and counted by the link) to ``on_frame``, and reopens after
    a LinkError every ``retry_s``. ``counters`` holds the link's and the driver's counts. The link drops an
    overlong run through its terminator, so a flood's tail never turns into a scan or a punch.
    """

    kind = "serial"

    def __init__(
        self,
        name: str,
        port: str,
        bus: Publisher,
        *,
        terminator: bytes,
        max_frame: int,
        settings: LinkSettings | None = None,
        retry_s: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        link_factory: LinkFactory = SerialLink,
    ) -> None:
        super().__init__(name, bus, clock)
        self.port = port
        self.terminator = terminator
        self.max_frame = max_frame
        self.settings = settings or LinkSettings()
        self.retry_s = retry_s
        self.monotonic = monotonic
        self.link_factory = link_factory
        self.counters: Counter[str] = Counter()

    @property
    def stats(self) -> dict[str, int]:
        """Counters: frames and drops by reason, link errors, the link's dropped bytes and overlong runs."""
        return dict(self.counters)

    def on_frame(self, frame: bytes) -> None:
        """Handle one frame (terminator included); count, log and drop anything invalid."""
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:
        """Open, read frames, reopen after failures, until ``stop`` is set. Never raises."""
        while not stop.is_set():
            link = self.link_factory(self.port, self.settings, self.counters)
            try:
                link.open()
                self.path = self.port
                self.set_status("connected")
                while not stop.is_set():
                    frame = link.read_frame(self.terminator, self.max_frame, timeout=0.5, stop=stop)
                    if frame is None:
                        continue
                    self.counters["frames"] += 1
                    self.on_frame(frame)
            except LinkError as exc:
                self.counters["link_errors"] += 1
                self.set_status("error", str(exc))
            except Exception:  # a bug must not kill the driver thread: logged, reported, retried
                log.exception("%s %s: driver failure", self.kind, self.name)
                self.set_status("error", "driver failure (see the log)")
            finally:
                link.close()
            stop.wait(self.retry_s)
        self.set_status("stopped")

    def drop(self, reason: str, frame: bytes, why: str) -> None:
        """Count, log and drop a bad frame."""
        self.counters["bad_frames"] += 1
        self.counters[f"bad:{reason}"] += 1
        log.warning("%s %s: dropped %r: %s", self.kind, self.name, frame[:48], why)


class SerialScanner(SerialDevice):
    """A USB-CDC / RS-232 barcode scanner: one scan per line.

    Lines end with ``line_end`` (CR by default, which also reads CR LF: the LF left at the start of the next
    line is stripped; use b"\\n" for scanners that end lines with LF only). A line that is empty, not
    printable ASCII, or longer than ``max_length`` is dropped and counted; the same code again within
    ``debounce_ms`` of its last sighting is dropped (``debounced``).
    """

    kind = "scanner"
    status_topic = STATUS_TOPIC

    def __init__(
        self,
        name: str,
        till: str,
        port: str,
        bus: Publisher,
        *,
        line_end: bytes = b"\r",
        max_length: int = 256,
        debounce_ms: int = 500,
        **options: Any,
    ) -> None:
        super().__init__(name, port, bus, terminator=line_end, max_frame=max_length + 2, **options)
        self.till = till
        self.max_length = max_length
        self._repeats = RepeatFilter(debounce_ms)

    def status_fields(self) -> dict[str, Any]:
        """Scanner events name the till."""
        return {"till": self.till}

    def on_frame(self, frame: bytes) -> None:
        """Validate the line and publish it as a scan."""
        body = frame.strip(b"\r\n")
        if not body:
            self.counters["blank"] += 1
            return
        if len(body) > self.max_length:
            self.drop("too_long", frame, f"longer than {self.max_length} characters")
            return
        if not all(0x20 <= byte < 0x7F for byte in body):
            self.drop("not_printable", frame, "holds bytes that are not printable ASCII")
            return
        code = body.decode("ascii")
        if not self._repeats.accept(code, self.monotonic()):
            self.counters["debounced"] += 1
            return
        self.counters["scans"] += 1
        self.publish(SCAN_TOPIC, {"device": self.name, "till": self.till, "code": code,
                                  "at": self.clock().isoformat()})
