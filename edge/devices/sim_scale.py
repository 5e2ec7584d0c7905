"""Simulated weighing scales on pseudo-terminals, speaking the real wire protocols of edge.devices.scale.

``SimulatedScale(protocol).start()`` opens a pty, keeps its master side and returns the slave's path;
a ``ScaleDriver`` (or anything else) opens that path as if it were /dev/ttyUSB0. Tests and the demo mode
move the load with ``set_weight``, shake it with ``set_unstable``, ``overload`` it, ``inject`` garbage in
place of the next frame, or make it ``silent``. Request protocols (Toledo 8217, Adam) answer requests;
the continuous protocol sends a line every ``interval`` seconds.
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import threading
import time
import tty
from collections import deque
from types import TracebackType

from edge.devices.scale import (
    Fault,
    encode_adam,
    encode_adam_overload,
    encode_continuous,
    encode_continuous_overload,
    encode_toledo_status,
    encode_toledo_weight,
    protocol_spec,
)

log = logging.getLogger(__name__)

# What an unsteady load adds to each reading, in grams: readings that never agree.
_JITTER = (7, -4, 12, -9, 3, -11)


class SimulatedScale:
    """One scale behind one pseudo-terminal; thread-safe setters, a thread that answers the driver."""

    def __init__(
        self, protocol: str = "toledo8217", *, grams: int = 0, variant: str = "cas", interval: float = 0.05,
    ) -> None:
        self.spec = protocol_spec(protocol)
        if variant not in ("cas", "dini"):
            raise ValueError(f"unknown continuous variant {variant!r}")
        self.variant = variant
        self.interval = interval
        self._gross = grams
        self._zero = 0
        self._tare = 0
        self._tared = False
        self._unstable = False
        self._overloaded = False
        self._silent = False
        self._injected: deque[bytes] = deque()
        self._jitter = itertools.cycle(_JITTER)
        self._changed = threading.Condition()
        self.commands: list[bytes] = []
        self.frames_sent = 0
        self.dropped_writes = 0
        self._rx = bytearray()
        self._master = -1
        self._slave = -1
        self._path = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life ------------------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The slave device to open (``/dev/pts/N``); empty before ``start()``."""
        return self._path

    def start(self) -> str:
        """Create the pty and start answering; returns the slave path."""
        if self._thread is not None:
            return self._path
        self._master, self._slave = os.openpty()
        # Raw at once, so bytes sent before the driver opens the port are neither echoed nor translated;
        # the slave stays open here so the master never reads EIO while no driver is attached.
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self._path = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-scale-{self.spec.name}", daemon=True)
        self._thread.start()
        return self._path

    def stop(self) -> None:
        """Unplug: stop answering and close both sides; the slave path disappears."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> SimulatedScale:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what the shop does -----------------------------------------------------------------------------

    def set_weight(self, grams: int) -> None:
        """Put a load of ``grams`` (gross) on the platter; ends an overload."""
        with self._changed:
            self._gross = grams
            self._overloaded = False

    def set_unstable(self, unstable: bool = True) -> None:
        """Make the load swing (no stable reading) or settle."""
        with self._changed:
            self._unstable = unstable

    def overload(self, on: bool = True) -> None:
        """Put more than the capacity on the platter (or take it off)."""
        with self._changed:
            self._overloaded = on

    def set_silent(self, silent: bool = True) -> None:
        """Stop answering and sending (a dead scale on a live cable)."""
        with self._changed:
            self._silent = silent

    def inject(self, raw: bytes) -> None:
        """Send ``raw`` as-is instead of the next weight frame."""
        with self._changed:
            self._injected.append(raw)

    def wait_for_command(self, command: bytes, timeout: float = 3.0) -> bool:
        """Wait until the scale has received ``command`` (zero/tare, as the protocol spells it)."""
        with self._changed:
            return self._changed.wait_for(lambda: command in self.commands, timeout)

    def wait_frames(self, count: int, timeout: float = 3.0) -> bool:
        """Wait until at least ``count`` frames have been sent since start."""
        with self._changed:
            return self._changed.wait_for(lambda: self.frames_sent >= count, timeout)

    # -- the scale's side of the wire ------------------------------------------------------------------

    def _run(self) -> None:
        next_line = time.monotonic()
        streaming = self.spec.request is None
        while not self._stop.is_set():
            wait = max(0.0, next_line - time.monotonic()) if streaming else 0.05
            try:
                readable, _, _ = select.select([self._master], [], [], wait)
            except (OSError, ValueError):
                return
            if readable:
                try:
                    self._received(os.read(self._master, 1024))
                except BlockingIOError:
                    pass
                except OSError:
                    self._stop.wait(0.01)
            if streaming and time.monotonic() >= next_line:
                next_line = time.monotonic() + self.interval
                self._send_frame(self._weight_frame())

    def _received(self, data: bytes) -> None:
        if self.spec.name == "toledo8217":  # single-character commands
            for byte in data:
                self._command(bytes([byte]))
            return
        self._rx += data
        while b"\n" in self._rx:
            line, _, rest = bytes(self._rx).partition(b"\n")
            self._rx = bytearray(rest)
            self._command(line.rstrip(b"\r"))

    def _command(self, command: bytes) -> None:
        name = self.spec.name
        if command in (b"", b"\r", b"\n"):
            return
        if command.strip() == (self.spec.request or b"").strip():
            self._send_frame(self._weight_frame())
            return
        with self._changed:
            self.commands.append(command)
            self._changed.notify_all()
        if command in (b"Z", b"ZERO"):
            self._do_zero()
        elif command in (b"T", b"TARE"):
            self._do_tare()
        elif command in (b"C", b"CLEAR"):
            with self._changed:
                self._tare, self._tared = 0, False
        elif name == "continuous" and command in (b"READ", b"R"):
            self._send_frame(self._weight_frame())
            return
        elif name == "continuous":
            self._write(b"ERR04\r\n")
            return
        if name == "toledo8217":
            self._write(self._toledo_status())
        elif name == "continuous":
            self._write(b"OK\r\n")

    def _do_zero(self) -> None:
        with self._changed:
            if not (self._unstable or self._overloaded or self._tared):
                self._zero = self._gross

    def _do_tare(self) -> None:
        with self._changed:
            if not (self._unstable or self._overloaded):
                self._tare, self._tared = self._gross - self._zero, True

    def _display(self) -> int:
        return self._gross - self._zero - self._tare

    def _toledo_status(self) -> bytes:
        with self._changed:
            grams = self._display()
            faults = {
                Fault.MOTION: self._unstable, Fault.OVER_CAPACITY: self._overloaded or grams > 99_999,
                Fault.UNDER_ZERO: grams < 0,
            }
            return encode_toledo_status(
                [fault for fault, on in faults.items() if on], net=self._tared, centre_of_zero=grams == 0,
            )

    def _weight_frame(self) -> bytes:
        with self._changed:
            grams, net = self._display(), self._tared
            unstable, overloaded = self._unstable, self._overloaded
            shaken = grams + next(self._jitter) if unstable else grams
        name = self.spec.name
        if name == "toledo8217":
            if unstable or overloaded or not 0 <= grams <= 99_999:
                return self._toledo_status()
            return encode_toledo_weight(grams, net=net)
        if name == "continuous":
            if overloaded:
                return encode_continuous_overload(self.variant)
            return encode_continuous(shaken, stable=not unstable, net=net, variant=self.variant)
        return encode_adam_overload() if overloaded else encode_adam(shaken)

    def _send_frame(self, frame: bytes) -> None:
        with self._changed:
            if self._silent:
                return
            if self._injected:
                frame = self._injected.popleft()
        self._write(frame)
        with self._changed:
            self.frames_sent += 1
            self._changed.notify_all()

    def _write(self, data: bytes) -> None:
        if self._silent:
            return
        while data:
            try:
                written = os.write(self._master, data)
            except (BlockingIOError, OSError):  # nobody reads the slave: a scale talking to a loose cable
                self.dropped_writes += 1
                return
            data = data[written:]
