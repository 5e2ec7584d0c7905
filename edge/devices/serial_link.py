"""The one place the daemon touches a serial port: open it exclusively, read whole frames, write, close.

Every pyserial call of the drivers goes through ``SerialLink``; any OS or pyserial failure comes out as a
``LinkError`` whose message names the port, so a driver has one exception to turn into status "error".
Frames end at a terminator: the short read timeout only keeps the reader responsive to stop requests
and deadlines; a frame is never cut where a timeout happened to fall. The port may be a device node
(``/dev/ttyUSB0``), a udev symlink (``/dev/serial/by-id/...``) or a pseudo-terminal slave; the path is
resolved again on every ``open()``, so a re-pointed symlink is followed after a re-plug.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import serial

log = logging.getLogger(__name__)

# Exceptions pyserial lets out of open/read/write on a missing, unplugged or closed device
# (a closed fd shows up as TypeError/ValueError inside select or ioctl).
_IO_ERRORS = (serial.SerialException, OSError, ValueError, TypeError)
PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}


class LinkError(Exception):
    """The serial device is missing, busy, failed or was unplugged; the message names the port and why."""


@dataclass(frozen=True)
class LinkSettings:
    """Line settings of a port, and the read timeout that only bounds how long one read call blocks."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    poll_timeout: float = 0.05
    write_timeout: float = 1.0

    def __post_init__(self) -> None:
        if self.baudrate <= 0:
            raise ValueError(f"baudrate must be positive (got {self.baudrate})")
        if self.bytesize not in (7, 8):
            raise ValueError(f"bytesize must be 7 or 8 (got {self.bytesize})")
        if self.parity not in PARITIES:
            raise ValueError(f"parity must be one of N, E, O (got {self.parity!r})")
        if self.stopbits not in (1, 2):
            raise ValueError(f"stopbits must be 1 or 2 (got {self.stopbits})")
        if self.poll_timeout <= 0 or self.write_timeout <= 0:
            raise ValueError("timeouts must be positive")


class SerialLink:
    """A serial port opened exclusively, read frame by frame.

    ``counters`` (shared with the driver) counts ``dropped_bytes`` (thrown away outside frames: stale
    before a request, before a start byte, or in a run with no terminator within ``max_len``),
    ``overlong_runs`` and ``resyncs`` (garbage skipped up to a start byte).
    """

    def __init__(self, port: str, settings: LinkSettings | None = None, counters: Counter[str] | None = None) -> None:
        self._in_overlong_run = False
        self.port = port
        self.settings = settings or LinkSettings()
        self.counters: Counter[str] = counters if counters is not None else Counter()
        self._serial: Any = None
        self._buffer = bytearray()

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()``."""
        return self._serial is not None

    def open(self) -> None:
        """Open the port exclusively (a second opener gets a LinkError) and drop whatever was waiting."""
        if self._serial is not None:
            return
        s = self.settings
        try:
            port = serial.Serial(
                port=self.port, baudrate=s.baudrate, bytesize=s.bytesize, parity=PARITIES[s.parity],
                stopbits=s.stopbits, timeout=s.poll_timeout, write_timeout=s.write_timeout, exclusive=True,
            )
        except _IO_ERRORS as exc:
            raise LinkError(f"cannot open {self.port}: {exc}") from exc
        self._serial = port
        self._buffer.clear()
        if s.parity != "N":
            self._mark_parity_errors()
        try:
            port.reset_input_buffer()
        except _IO_ERRORS as exc:
            self.close()
            raise LinkError(f"{self.port}: cannot flush input: {exc}") from exc
        log.debug("opened %s (%d %d%s%d)", self.port, s.baudrate, s.bytesize, s.parity, s.stopbits)

    def _mark_parity_errors(self) -> None:
        """Have the kernel check parity and mark a bad byte as FF 00 <byte> (pyserial turns checking off).

        On a 7-bit link no good byte has its 8th bit set, so a parser rejects any frame with such a byte:
        that is how a parity error becomes a dropped frame instead of a wrong digit.
        """
        try:
            attrs = termios.tcgetattr(self._serial.fd)
            attrs[0] = (attrs[0] | termios.INPCK | termios.PARMRK) & ~(termios.IGNPAR | termios.ISTRIP)
            termios.tcsetattr(self._serial.fd, termios.TCSANOW, attrs)
        except (termios.error, OSError, TypeError) as exc:  # not a real tty: parity is not checked there
            log.debug("%s: parity marking not available: %s", self.port, exc)

    def _require_open(self) -> Any:
        if self._serial is None:
            raise LinkError(f"{self.port} is not open")
        return self._serial

    def read_frame(
        self, terminator: bytes, max_len: int, *, start: bytes | None = None, timeout: float | None = None,
        stop: threading.Event | None = None,
    ) -> bytes | None:
        """The next frame, terminator included; None when ``timeout`` passes or ``stop`` is set first.

        Bytes of an unfinished frame stay buffered for the next call. With ``start`` (a protocol's
        start byte) a frame begins at the last start before its terminator and the bytes before it are
        dropped. A run of more than ``max_len`` bytes without a terminator is dropped and counted, and so
        is a terminated frame longer than that.
        """
        if not terminator or max_len < len(terminator):
            raise ValueError("a frame needs a terminator no longer than max_len")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            frame = self._take_frame(terminator, max_len, start)
            if frame is not None:
                return frame
            if stop is not None and stop.is_set():
                return None
            if deadline is not None and time.monotonic() >= deadline:
                return None
            self._buffer += self._read_some()

    def _take_frame(self, terminator: bytes, max_len: int, start: bytes | None) -> bytes | None:
        while True:
            end = self._buffer.find(terminator)
            if end >= 0 and self._in_overlong_run:
                # The tail of a run already dropped as too long is not a frame of its own: drop it too.
                self._in_overlong_run = False
                self._drop(end + len(terminator))
                continue
            if end < 0:
                if len(self._buffer) > max_len:
                    begin = self._buffer.rfind(start) if start else -1
                    if begin < 0 or len(self._buffer) - begin > max_len:
                        begin = len(self._buffer) - (len(terminator) - 1)  # a terminator may be starting
                        self._in_overlong_run = True
                    self._drop(begin)
                return None
            end += len(terminator)
            if start:
                begin = self._buffer.rfind(start, 0, end)
                if begin > 0:
                    self._drop(begin, overlong=False)
                    end -= begin
            if end > max_len:
                self._drop(end)
                continue
            frame = bytes(self._buffer[:end])
            del self._buffer[:end]
            return frame

    def _drop(self, count: int, overlong: bool = True) -> None:
        del self._buffer[:count]
        self.counters["overlong_runs" if overlong else "resyncs"] += 1
        self.counters["dropped_bytes"] += count
        log.debug("%s: dropped %d bytes outside frames", self.port, count)

    def _read_some(self) -> bytes:
        port = self._require_open()
        try:
            waiting = int(port.in_waiting)
            data = port.read(max(1, min(waiting, 4096)))
        except _IO_ERRORS as exc:
            raise LinkError(f"{self.port}: read failed: {exc}") from exc
        return bytes(data)

    def discard_input(self) -> int:
        """Throw away buffered and waiting bytes (stale answers before a new request); returns how many."""
        port = self._require_open()
        dropped = len(self._buffer)
        self._buffer.clear()
        try:
            waiting = int(port.in_waiting)
            if waiting:
                dropped += len(port.read(waiting))
        except _IO_ERRORS as exc:
            raise LinkError(f"{self.port}: read failed: {exc}") from exc
        if dropped:
            self.counters["dropped_bytes"] += dropped
        return dropped

    def write(self, data: bytes) -> None:
        """Send bytes; a write that cannot finish within ``write_timeout`` is a LinkError."""
        port = self._require_open()
        try:
            port.write(data)
        except _IO_ERRORS as exc:
            raise LinkError(f"{self.port}: write failed: {exc}") from exc

    def close(self) -> None:
        """Close the port; safe to call twice and on a port that already failed."""
        port, self._serial = self._serial, None
        self._buffer.clear()
        if port is not None:
            try:
                port.close()
            except _IO_ERRORS as exc:
                log.debug("%s: close failed: %s", self.port, exc)

    def __enter__(self) -> SerialLink:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None,
    ) -> None:
        self.close()


LinkFactory = Callable[[str, LinkSettings, Counter[str]], SerialLink]
"""Makes a link (tests pass a factory that wraps or breaks it)."""
