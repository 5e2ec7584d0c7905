"""Simulated input devices that speak the real interfaces: CI machines have no /dev/uinput or /dev/input.

- :func:`type_text` turns text into the REAL ``evdev.InputEvent`` sequence a keyboard-wedge scanner sends
  (``EV_MSC``/``MSC_SCAN``, ``EV_KEY`` down/up with Shift or AltGr around characters that need them,
  ``EV_SYN``/``SYN_REPORT``), with kernel-style timestamps spaced ``gap_ms`` apart.
- :class:`FakeInputDevice` stands in for ``evdev.InputDevice``: a real file descriptor (a pipe) that
  ``select`` reports readable when events are queued, ``read()`` that raises ``BlockingIOError`` when empty
  and ``OSError(ENODEV)`` after :meth:`FakeInputDevice.unplug`, ``grab``/``ungrab`` with the kernel's errors.
- :class:`PtySerialDevice` is a pseudo-terminal: the driver opens :attr:`PtySerialDevice.port` through
  serial_link exactly as it opens /dev/ttyUSB0; :class:`PtyRfidReader` writes EM4100 frames on it,
  repeatedly while a card is held.
"""

from __future__ import annotations

import errno
import os
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence

import evdev
from evdev import ecodes as e

from edge.devices.clock import encode_em4100
from edge.devices.keymap import US, Layout

Gap = float | Callable[[int], float]
_SPECIAL = {"\n": e.KEY_ENTER, "\r": e.KEY_ENTER, "\t": e.KEY_TAB}
# USB HID usage IDs for MSC_SCAN (keyboard page 0x07); only for realism, the decoder ignores EV_MSC.
_HID_BASE = 0x70000


def make_event(timestamp_us: int, etype: int, code: int, value: int) -> evdev.InputEvent:
    """A real InputEvent at an integer microsecond timestamp (as the kernel gives sec + usec)."""
    sec, usec = divmod(timestamp_us, 1_000_000)
    return evdev.InputEvent(sec, usec, etype, code, value)


def key_events(timestamp_us: int, code: int, value: int) -> list[evdev.InputEvent]:
    """One key action as a keyboard reports it: MSC_SCAN, EV_KEY, SYN_REPORT, all at one timestamp."""
    return [
        make_event(timestamp_us, e.EV_MSC, e.MSC_SCAN, _HID_BASE + code),
        make_event(timestamp_us, e.EV_KEY, code, value),
        make_event(timestamp_us, e.EV_SYN, e.SYN_REPORT, 0),
    ]


class KeyTyper:
    """Builds key event sequences on a microsecond clock it advances by ``gap_ms`` per key action."""

    def __init__(self, layout: Layout = US, start: float | None = None, gap_ms: Gap = 5.0) -> None:
        self.layout = layout
        self.now_us = round((time.time() if start is None else start) * 1_000_000)
        self.gap_ms = gap_ms
        self._actions = 0

    def pause(self, ms: float) -> None:
        """Let ``ms`` milliseconds pass with no key."""
        self.now_us += round(ms * 1000)

    def key(self, code: int, value: int) -> list[evdev.InputEvent]:
        """One key action (1 down, 0 up, 2 autorepeat) after the gap."""
        gap = self.gap_ms(self._actions) if callable(self.gap_ms) else self.gap_ms
        self._actions += 1
        self.now_us += round(gap * 1000)
        return key_events(self.now_us, code, value)

    def tap(self, code: int, drop_key_up: bool = False) -> list[evdev.InputEvent]:
        """Key down then key up (unless the key-up is lost)."""
        events = self.key(code, 1)
        if not drop_key_up:
            events += self.key(code, 0)
        return events

    def type(
        self, text: str, drop_key_ups: bool | Container[int] = False, release_shift_each: bool = True
    ) -> list[evdev.InputEvent]:
        """The events that type ``text``; '\\n' and '\\r' are Enter, '\\t' is Tab.

        ``drop_key_ups``: True loses every key-up, a set of key codes loses those keys' key-ups.
        ``release_shift_each``: press and release Shift around each character (as scanners do); False keeps
        Shift held across a run of shifted characters.
        ValueError if the layout cannot type a character (a simulator never guesses either).
        """

        def lost(code: int) -> bool:
            return drop_key_ups if isinstance(drop_key_ups, bool) else code in drop_key_ups

        events: list[evdev.InputEvent] = []
        shift_down = False
        for char in text:
            if char in _SPECIAL:
                code, shift, altgr = _SPECIAL[char], False, False
            else:
                stroke = self.layout.keystroke(char)
                if stroke is None:
                    raise ValueError(f"layout {self.layout.name!r} cannot type {char!r}")
                code, shift, altgr = stroke.code, stroke.shift, stroke.altgr
            if shift_down and not shift:
                events += self.key(e.KEY_LEFTSHIFT, 0) if not lost(e.KEY_LEFTSHIFT) else []
                shift_down = False
            if shift and not shift_down:
                events += self.key(e.KEY_LEFTSHIFT, 1)
                shift_down = True
            if altgr:
                events += self.key(e.KEY_RIGHTALT, 1)
            events += self.tap(code, drop_key_up=lost(code))
            if altgr and not lost(e.KEY_RIGHTALT):
                events += self.key(e.KEY_RIGHTALT, 0)
            if shift_down and release_shift_each:
                if not lost(e.KEY_LEFTSHIFT):
                    events += self.key(e.KEY_LEFTSHIFT, 0)
                shift_down = False
        if shift_down and not lost(e.KEY_LEFTSHIFT):
            events += self.key(e.KEY_LEFTSHIFT, 0)
        return events


def type_text(
    text: str,
    layout: Layout = US,
    gap_ms: Gap = 5.0,
    drop_key_ups: bool | Container[int] = False,
    start: float | None = None,
) -> list[evdev.InputEvent]:
    """The real InputEvents a keyboard-mode scanner sends for ``text`` (see :meth:`KeyTyper.type`)."""
    return KeyTyper(layout, start, gap_ms).type(text, drop_key_ups)


class _Node:
    """What the kernel keeps per input device node: identity, open handles, the grab, presence."""

    def __init__(self, name: str, path: str, info: evdev.DeviceInfo, capabilities: dict[int, list[int]],
                 typer: KeyTyper) -> None:
        self.name, self.path, self.info, self.capabilities, self.typer = name, path, info, capabilities, typer
        self.lock = threading.RLock()
        self.handles: list[FakeInputDevice] = []
        self.grabbed_by: FakeInputDevice | None = None
        self.gone = False


class FakeInputDevice:
    """A stand-in for ``evdev.InputDevice``: one open handle on a simulated /dev/input node.

    Driver side (what evdev.InputDevice offers): ``path``, ``name``, ``info``, ``phys``, ``uniq``,
    ``fileno``, ``read``, ``read_one``, ``read_loop``, ``capabilities``, ``grab``, ``ungrab``, ``close``.
    Each handle has its own pipe, so ``select`` works; like the kernel, events go to every open handle of
    the node, or only to the grabbing one, and a second grab is EBUSY. :meth:`open` gives another handle on
    the same node (what a driver's second ``os.open`` would get).
    Feeding side: ``inject``, ``type_text``, ``pause``, ``unplug``; ``typer`` holds the event clock.
    """

    def __init__(
        self,
        name: str = "Simulated Barcode Scanner",
        path: str = "/dev/input/event90",
        usb_id: tuple[int, int] = (0x0C2E, 0x0B61),
        layout: Layout = US,
        gap_ms: Gap = 4.0,
        keys: Iterable[int] | None = None,
        *,
        _node: _Node | None = None,
    ) -> None:
        if _node is None:
            if keys is None:  # a keyboard node: the layout's keys, terminators and modifiers
                keys = {*layout.keys, e.KEY_ENTER, e.KEY_KPENTER, e.KEY_TAB, e.KEY_LEFTSHIFT, e.KEY_RIGHTSHIFT,
                        e.KEY_RIGHTALT, e.KEY_CAPSLOCK}
            info = evdev.DeviceInfo(bustype=e.BUS_USB, vendor=usb_id[0], product=usb_id[1], version=0x0110)
            capabilities = {e.EV_SYN: [e.SYN_REPORT], e.EV_KEY: sorted(keys), e.EV_MSC: [e.MSC_SCAN]}
            _node = _Node(name, path, info, capabilities, KeyTyper(layout, gap_ms=gap_ms))
        self._node = _node
        self.phys = "usb-sim/input0"
        self.uniq = ""
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        self._queue: deque[evdev.InputEvent] = deque()
        self.closed = False
        with _node.lock:
            _node.handles.append(self)

    # -- identity
    @property
    def name(self) -> str:
        """The device name the kernel reports."""
        return self._node.name

    @property
    def path(self) -> str:
        """The /dev/input path this handle was opened on."""
        return self._node.path

    @property
    def info(self) -> evdev.DeviceInfo:
        """Bus, vendor, product, version."""
        return self._node.info

    @property
    def typer(self) -> KeyTyper:
        """The node's event clock and key builder."""
        return self._node.typer

    @property
    def grabbed(self) -> bool:
        """Whether any handle holds the node's grab."""
        return self._node.grabbed_by is not None

    @property
    def open_handles(self) -> int:
        """How many handles on this node are open (this one included)."""
        return len(self._node.handles)

    def open(self) -> FakeInputDevice:
        """Another handle on the same node; ENODEV once unplugged."""
        if self._node.gone:
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV), self.path)
        return FakeInputDevice(_node=self._node)

    # -- driver side
    def fileno(self) -> int:
        """The readable end of this handle's pipe (select() works on it)."""
        self._check_open()
        return self._read_fd

    def capabilities(self, verbose: bool = False, absinfo: bool = True) -> Mapping[int, Sequence[int]]:
        """Event types → codes, as a keyboard node reports them."""
        return self._node.capabilities

    def read(self) -> Iterator[evdev.InputEvent]:
        """All queued events; BlockingIOError when none, OSError(ENODEV) once unplugged."""
        with self._node.lock:
            self._check_present()
            self._drain_pipe()
            if not self._queue:
                raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
            events = list(self._queue)
            self._queue.clear()
        return iter(events)

    def read_one(self) -> evdev.InputEvent | None:
        """One queued event or None."""
        with self._node.lock:
            self._check_present()
            if not self._queue:
                self._drain_pipe()
                return None
            event = self._queue.popleft()
            if not self._queue:
                self._drain_pipe()
            return event

    def read_loop(self) -> Iterator[evdev.InputEvent]:
        """Endless select() + read() loop, like evdev's."""
        while True:
            select.select([self], [], [])
            try:
                yield from self.read()
            except BlockingIOError:
                continue

    def grab(self) -> None:
        """EVIOCGRAB: EBUSY if any handle (this one included) holds the grab."""
        with self._node.lock:
            self._check_present()
            if self._node.grabbed_by is not None:
                raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), self.path)
            self._node.grabbed_by = self

    def ungrab(self) -> None:
        """Release the grab: EINVAL if this handle does not hold it."""
        with self._node.lock:
            self._check_present()
            if self._node.grabbed_by is not self:
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), self.path)
            self._node.grabbed_by = None

    def close(self) -> None:
        """Close this handle (idempotent); its grab goes with it, as in the kernel."""
        with self._node.lock:
            if self.closed:
                return
            self.closed = True
            if self._node.grabbed_by is self:
                self._node.grabbed_by = None
            self._node.handles.remove(self)
            os.close(self._read_fd)
            os.close(self._write_fd)

    # -- feeding side
    def inject(self, events: Iterable[evdev.InputEvent]) -> None:
        """Deliver events to the grabbing handle, or to every open handle, and wake their select()."""
        batch = list(events)
        with self._node.lock:
            if self._node.gone:
                raise OSError(errno.ENODEV, "device unplugged")
            grabber = self._node.grabbed_by
            for handle in [grabber] if grabber is not None else list(self._node.handles):
                handle._queue.extend(batch)
                os.write(handle._write_fd, b"\x01")

    def type_text(self, text: str, drop_key_ups: bool | Container[int] = False) -> list[evdev.InputEvent]:
        """Type ``text`` on the simulated device (one batch, like a fast scanner); returns the events."""
        events = self.typer.type(text, drop_key_ups)
        self.inject(events)
        return events

    def pause(self, ms: float) -> None:
        """Advance the event clock by ``ms`` without typing."""
        self.typer.pause(ms)

    def unplug(self) -> None:
        """The device vanishes: every handle's select() wakes and read() raises OSError(ENODEV)."""
        with self._node.lock:
            self._node.gone = True
            self._node.grabbed_by = None
            for handle in self._node.handles:
                os.write(handle._write_fd, b"\x00")

    def _check_open(self) -> None:
        if self.closed:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def _check_present(self) -> None:
        self._check_open()
        if self._node.gone:
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV), self.path)

    def _drain_pipe(self) -> None:
        try:
            while os.read(self._read_fd, 4096):
                pass
        except BlockingIOError:
            pass

    def __enter__(self) -> FakeInputDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PtySerialDevice:
    """The device end of a pseudo-terminal; a driver opens :attr:`port` like any serial port."""

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline: bytes pass through as on a UART
        self.port = os.ttyname(self._slave)
        self._lock = threading.Lock()
        self.closed = False

    def write(self, data: bytes) -> None:
        """Send bytes to the host side."""
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.master, view):]

    def read_available(self, timeout: float = 0.0) -> bytes:
        """Whatever the host sent (commands to the device), waiting at most ``timeout`` seconds."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        return os.read(self.master, 4096) if ready else b""

    def close(self) -> None:
        """Close both ends (the host sees the port hang up)."""
        with self._lock:
            if not self.closed:
                self.closed = True
                os.close(self.master)
                os.close(self._slave)

    def __enter__(self) -> PtySerialDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PtyRfidReader(PtySerialDevice):
    """An RDM6300-style 125 kHz reader: writes an EM4100 frame every ``interval_s`` while a card is held."""

    def __init__(self, interval_s: float = 0.1) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._holding: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def present(self, card_hex: str, frames: int = 1) -> None:
        """The card is read ``frames`` times in a row (held briefly), synchronously."""
        self.write(encode_em4100(card_hex) * frames)

    def hold(self, card_hex: str) -> None:
        """Hold the card on the reader: frames repeat from a background thread until :meth:`remove`."""
        self.remove()
        holding = threading.Event()
        frame = encode_em4100(card_hex)

        def repeat() -> None:
            while True:
                try:
                    self.write(frame)
                except OSError:
                    return
                if holding.wait(self.interval_s):
                    return

        self._holding = holding
        self._thread = threading.Thread(target=repeat, name="sim-rfid-hold", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Take the card away (frames stop)."""
        if self._holding is not None and self._thread is not None:
            self._holding.set()
            self._thread.join(timeout=2)
        self._holding = None
        self._thread = None

    def close(self) -> None:
        """Stop any held card and close the pty."""
        self.remove()
        super().close()
