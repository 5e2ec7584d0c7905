"""systemd's service notification protocol (sd_notify): one datagram per message to $NOTIFY_SOCKET.

The daemon says READY=1 once it serves, STOPPING=1 when it stops, and feeds the watchdog (WATCHDOG=1) from a
timer that runs *on the server's event loop*: a loop that hangs stops feeding it, and systemd restarts the
daemon after WatchdogSec. Without $NOTIFY_SOCKET (not under systemd, or Type=simple) every call is a no-op.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def notify_socket_address(environ: Mapping[str, str] | None = None) -> str | None:
    """The socket systemd listens on, with an abstract name ("@...") turned into its NUL-prefixed form."""
    path = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not path:
        return None
    if path.startswith("@"):
        return "\0" + path[1:]
    return path


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one notification (e.g. "READY=1\\nSTATUS=serving"); False when not under systemd or it failed."""
    address = notify_socket_address(environ)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        return False
    return True


def watchdog_period(environ: Mapping[str, str] | None = None) -> float | None:
    """How often to feed the watchdog (half of WatchdogSec), or None when systemd expects no feeding."""
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid.isdigit() and int(pid) != os.getpid()):
        return None
    return int(usec) / 1_000_000 / 2


def start_watchdog(gevent_mode: bool) -> object | None:
    """Feed the watchdog from the server's loop: a greenlet under gevent (so a blocked loop starves it), a
    daemon thread in threading mode. Returns the greenlet or thread, None when there is no watchdog."""
    period = watchdog_period()
    if period is None:
        return None
    if gevent_mode:
        import gevent

        def feed_on_loop() -> None:
            while True:
                notify("WATCHDOG=1")
                gevent.sleep(period)

        return gevent.spawn(feed_on_loop)
    import threading

    stop = threading.Event()

    def feed() -> None:
        while not stop.wait(period):
            notify("WATCHDOG=1")

    notify("WATCHDOG=1")
    thread = threading.Thread(target=feed, name="sd-watchdog", daemon=True)
    thread.start()
    return thread
