"""Simulated ESC/POS receipt printers that speak the real wire protocol, for tests and the demo mode.

``SimulatedNetworkPrinter`` is a TCP server on 127.0.0.1 (a free port, or a given one) like a printer's
port 9100: it captures the bytes of every connection, answers the real-time status requests DLE EOT n
(n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor) on the same socket with status bytes
built from its state (online, cover, paper near end / out) or set by hand, can be powered off (the
listener closes: connections are refused) and on again on the same port, and can hang up after N bytes of
print data (a cable pulled mid-receipt). ``SimulatedSerialPrinter`` is the same printer behind a
pseudo-terminal, opened by path like /dev/ttyUSB0.

Captured print data excludes the DLE EOT requests the printer answered; ``raw`` keeps everything.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from edge.devices.printer import (
    EOT1_DRAWER_PIN3,
    EOT1_OFFLINE,
    EOT1_WAITING_RECOVERY,
    EOT2_COVER_OPEN,
    EOT2_ERROR,
    EOT2_PAPER_END_STOP,
    EOT4_NEAR_END,
    EOT4_PAPER_OUT,
    FIXED_BITS,
    PrinterTarget,
)

DLE, EOT = 0x10, 0x04
STATUS_REQUESTS = (1, 2, 3, 4)
PAPER_STATES = ("ok", "near_end", "out")
EOT3_UNRECOVERABLE = 0x20  # n=3 error cause: unrecoverable error


def status_bytes(*, online: bool = True, paper: str = "ok", cover_open: bool = False,
                 drawer_pin3_high: bool = False) -> dict[int, int]:
    """The replies to DLE EOT 1..4 of a printer in this state (Epson ESC/POS bit layout).

    Paper out also sets the near-end bits (the roll passed that sensor first) and takes the printer offline;
    an open cover takes it offline; ``online=False`` alone is an error state (n=2 bit 6).
    """
    if paper not in PAPER_STATES:
        raise ValueError(f"paper must be one of {PAPER_STATES}, not {paper!r}")
    offline = not online or cover_open or paper == "out"
    printer = FIXED_BITS | (EOT1_OFFLINE if offline else 0) | (EOT1_DRAWER_PIN3 if drawer_pin3_high else 0)
    if not online:
        printer |= EOT1_WAITING_RECOVERY
    cause = FIXED_BITS | (EOT2_COVER_OPEN if cover_open else 0) | (EOT2_PAPER_END_STOP if paper == "out" else 0)
    cause |= EOT2_ERROR if not online else 0
    error = FIXED_BITS | (EOT3_UNRECOVERABLE if not online else 0)
    sensor = FIXED_BITS | {"ok": 0, "near_end": EOT4_NEAR_END, "out": EOT4_NEAR_END | EOT4_PAPER_OUT}[paper]
    return {1: printer, 2: cause, 3: error, 4: sensor}


class EscposStream:
    """Splits a received byte stream into print data and DLE EOT n requests, also across reads."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        """Events in stream order: ("data", bytes) and ("status", n). A DLE or DLE EOT at the end of the
        chunk waits for the next one."""
        buffer = self._pending + chunk
        self._pending = b""
        events: list[tuple[str, Any]] = []
        start = index = 0
        while True:
            at = buffer.find(DLE, index)
            if at < 0:
                break
            if at + 1 >= len(buffer) or (buffer[at + 1] == EOT and at + 2 >= len(buffer)):
                self._pending = buffer[at:]
                buffer = buffer[:at]
                break
            if buffer[at + 1] == EOT and buffer[at + 2] in STATUS_REQUESTS:
                if at > start:
                    events.append(("data", buffer[start:at]))
                events.append(("status", buffer[at + 2]))
                start = index = at + 3
            else:
                index = at + 1
        if len(buffer) > start:
            events.append(("data", buffer[start:]))
        return events

    def flush(self) -> bytes:
        """Bytes held back at the end of the stream (print data after all)."""
        pending, self._pending = self._pending, b""
        return pending


@dataclass
class SimConnection:
    """What one connection (or the serial line) carried."""

    number: int
    raw: bytearray = field(default_factory=bytearray)
    data: bytearray = field(default_factory=bytearray)
    status_requests: list[int] = field(default_factory=list)
    dropped: bool = False  # the printer hung up mid-data (drop_after)
    closed: bool = False


class _PrinterCore:
    """State and capture shared by the simulators; every method is thread-safe."""

    def __init__(self, *, online: bool, paper: str) -> None:
        self._changed = threading.Condition()
        self._state: dict[str, Any] = {"online": online, "paper": paper, "cover_open": False,
                                       "drawer_pin3_high": False}
        status_bytes(online=online, paper=paper)
        self._overrides: dict[int, int | None] = {}
        self._answer = True
        self._drop_after: int | None = None
        self._connections: list[SimConnection] = []

    # -- configuration -------------------------------------------------------------------------------

    def set_status(self, *, online: bool | None = None, paper: str | None = None, cover_open: bool | None = None,
                   drawer_pin3_high: bool | None = None) -> None:
        """Change what the status replies say (None: unchanged)."""
        with self._changed:
            new = dict(self._state)
            for key, value in (("online", online), ("paper", paper), ("cover_open", cover_open),
                               ("drawer_pin3_high", drawer_pin3_high)):
                if value is not None:
                    new[key] = value
            status_bytes(**new)  # validates
            self._state = new

    def override_status(self, n: int, value: int | None) -> None:
        """Answer DLE EOT n with this byte (any value, to test garbage), or None for no answer; n=0 resets all."""
        with self._changed:
            if n == 0:
                self._overrides.clear()
            else:
                self._overrides[n] = value

    def answer_status(self, enabled: bool) -> None:
        """False: a printer that ignores DLE EOT (no reply at all)."""
        with self._changed:
            self._answer = enabled

    def drop_after(self, nbytes: int | None) -> None:
        """Hang up every connection once it has carried ``nbytes`` of print data; None: never."""
        with self._changed:
            self._drop_after = nbytes

    # -- capture -------------------------------------------------------------------------------------

    @property
    def connections(self) -> list[SimConnection]:
        """Copies of every connection's record so far."""
        with self._changed:
            return [replace(c, raw=bytearray(c.raw), data=bytearray(c.data), status_requests=list(c.status_requests))
                    for c in self._connections]

    @property
    def printed(self) -> bytes:
        """All print data received, connection after connection."""
        with self._changed:
            return b"".join(bytes(c.data) for c in self._connections)

    @property
    def jobs(self) -> list[bytes]:
        """The print data of each connection that carried any."""
        with self._changed:
            return [bytes(c.data) for c in self._connections if c.data]

    def clear(self) -> None:
        """Forget what was captured."""
        with self._changed:
            self._connections.clear()

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds (checked whenever bytes arrive or a line closes)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def _new_connection(self) -> SimConnection:
        with self._changed:
            record = SimConnection(number=len(self._connections) + 1)
            self._connections.append(record)
            self._changed.notify_all()
            return record

    def _receive(self, record: SimConnection, stream: EscposStream, chunk: bytes) -> tuple[bytes, bool]:
        """Take a chunk: returns (status replies to send, hang up now)."""
        replies = bytearray()
        with self._changed:
            record.raw += chunk
            for kind, value in stream.feed(chunk):
                if kind == "status":
                    record.status_requests.append(value)
                    reply = self._reply(value)
                    if reply is not None:
                        replies.append(reply)
                    continue
                if self._drop_after is not None:
                    value = value[: max(self._drop_after - len(record.data), 0)]
                record.data += value
                if self._drop_after is not None and len(record.data) >= self._drop_after:
                    record.dropped = True
                    break
            self._changed.notify_all()
            return bytes(replies), record.dropped

    def _close(self, record: SimConnection, stream: EscposStream) -> None:
        with self._changed:
            if not record.dropped:
                record.data += stream.flush()
            record.closed = True
            self._changed.notify_all()

    def _reply(self, n: int) -> int | None:
        if not self._answer:
            return None
        if n in self._overrides:
            return self._overrides[n]
        return status_bytes(**self._state)[n]


class SimulatedNetworkPrinter(_PrinterCore):
    """A network receipt printer on loopback. ``start()`` returns the port; use ``target()`` to print to it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, online: bool = True, paper: str = "ok") -> None:
        super().__init__(online=online, paper=paper)
        self.host = host
        self._port = port
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        """The TCP port (fixed after the first ``start()``)."""
        return self._port

    @property
    def powered(self) -> bool:
        """True while the printer accepts connections."""
        return self._listener is not None

    def target(self, **overrides: Any) -> PrinterTarget:
        """A PrinterTarget for this printer, with short timeouts suited to loopback."""
        values: dict[str, Any] = {"transport": "network", "host": self.host, "port": self._port,
                                  "connect_timeout": 1.0, "status_timeout": 1.0, "confirm_timeout": 2.0,
                                  "write_timeout": 5.0}
        values.update(overrides)
        return PrinterTarget(**values)

    def start(self) -> int:
        """Listen (power on); returns the port."""
        self.power_on()
        return self._port

    def stop(self) -> None:
        """Power off for good."""
        self.power_off()

    def power_on(self) -> None:
        """Listen again on the same port; connections are accepted."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((self.host, self._port))
                listener.listen(8)
            except OSError:
                listener.close()
                raise
            self._port = listener.getsockname()[1]
            self._listener = listener
            self._accept_thread = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True,
                                                   name=f"sim-printer-{self._port}")
            self._accept_thread.start()

    def power_off(self) -> None:
        """Close the listener (new connections are refused) and cut every open connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            thread, self._accept_thread = self._accept_thread, None
            live, self._live = set(self._live), set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
            listener.close()
        for conn in live:
            _abort(conn)
        if thread is not None:
            thread.join(2.0)

    def __enter__(self) -> SimulatedNetworkPrinter:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _peer = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._listener is not listener:
                    _abort(conn)
                    return
                self._live.add(conn)
            record = self._new_connection()
            threading.Thread(target=self._serve, args=(conn, record), daemon=True,
                             name=f"sim-printer-{self._port}-{record.number}").start()

    def _serve(self, conn: socket.socket, record: SimConnection) -> None:
        stream = EscposStream()
        try:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                replies, hang_up = self._receive(record, stream, chunk)
                if hang_up:
                    break
                if replies:
                    conn.sendall(replies)
        except OSError:
            pass
        finally:
            with self._lock:
                self._live.discard(conn)
            if record.dropped:
                _abort(conn)
            else:
                with contextlib.suppress(OSError):
                    conn.close()
            self._close(record, stream)


def _abort(conn: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), like a printer losing power."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        conn.close()


class SimulatedSerialPrinter(_PrinterCore):
    """The same printer behind a pseudo-terminal: ``start()`` returns the path to open (``/dev/pts/N``)."""

    def __init__(self, *, online: bool = True, paper: str = "ok") -> None:
        super().__init__(online=online, paper=paper)
        self._master = -1
        self._slave = -1
        self._path = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> str:
        """The slave device; empty before ``start()``."""
        return self._path

    def target(self, **overrides: Any) -> PrinterTarget:
        """A serial PrinterTarget for this printer."""
        values: dict[str, Any] = {"transport": "serial", "path": self._path, "baudrate": 19200,
                                  "status_timeout": 1.0, "confirm_timeout": 2.0, "write_timeout": 5.0}
        values.update(overrides)
        return PrinterTarget(**values)

    def start(self) -> str:
        """Create the pty and start answering; returns the slave path."""
        if self._thread is not None:
            return self._path
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self._path = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sim-serial-printer")
        self._thread.start()
        return self._path

    def stop(self) -> None:
        """Stop answering and close the pty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> SimulatedSerialPrinter:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _run(self) -> None:
        record = self._new_connection()
        stream = EscposStream()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                break
            if not chunk:
                break
            replies, _hang_up = self._receive(record, stream, chunk)  # a serial line cannot hang up
            if replies:
                with contextlib.suppress(OSError):
                    os.write(self._master, replies)
        self._close(record, stream)
