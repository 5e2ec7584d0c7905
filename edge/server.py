"""The daemon: one object that wires the named components from config — data dir, secrets, store,
services, web and Socket.IO — and refuses to start with a clear one-line message when any is wrong."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import logging.handlers
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from edge import __version__, sdnotify
from edge.config import Config
from edge.security.secrets import SecretsError, ensure_secrets
from edge.security.tls import TLSError, TLSFiles, redirect_app, server_context, tls_files
from edge.services import attendance as attendance_service
from edge.services.carts import connect_devices
from edge.services.context import ServiceContext
from edge.store.db import StoreError, open_database, store_url
from edge.store.migrate import MigrationError, current_version, head, refuse_gaps
from edge.ups import EXIT_UPS_SHUTDOWN, monitor_from_config

log = logging.getLogger("edge")
LOCK_FILE_NAME = "edge.lock"


class StartupError(Exception):
    """The daemon cannot start; the message says why in one line."""


def prepare_data_dir(path: Path) -> Path:
    """Create the data directory (mode 0750) and its logs folder if missing."""
    try:
        path.mkdir(mode=0o750, parents=True, exist_ok=True)
        (path / "logs").mkdir(mode=0o750, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"storage.data_dir: cannot create {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK):
        raise StartupError(f"storage.data_dir: {path} is not writable by this user")
    return path


class DataDirLock:
    """An exclusive advisory lock on the data directory: one daemon (or migration) at a time."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise StartupError naming the holder's PID."""
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StartupError(
                f"another store daemon is already using data dir {self.path.parent} (pid {holder})"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the lock back."""
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, process, and the traceback
    or the record's ``extra`` fields when present — for journald forwarding and log shippers."""

    RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        import json
        from datetime import UTC, datetime

        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00",
                                                                                                         "Z"),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(), "pid": record.process,
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in self.RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_formatter(config: Config) -> logging.Formatter:
    """The configured log line format ([logging] format)."""
    if config.get("logging.format") == "json":
        return JsonLineFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def setup_logging(config: Config, data_dir: Path | None) -> None:
    """Log to stderr (the journal under systemd) and to a rotating file in the data directory."""
    root = logging.getLogger()
    root.setLevel(config.get("logging.level"))
    if root.handlers:
        return
    formatter = log_formatter(config)
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(formatter)
    root.addHandler(stream)
    if data_dir is not None and config.get("logging.file"):
        handler = logging.handlers.RotatingFileHandler(
            data_dir / "logs" / "edge.log", maxBytes=5_000_000, backupCount=5
        )
        handler.setFormatter(formatter)
        root.addHandler(handler)


def build_context(config: Config) -> ServiceContext:
    """Data dir, secrets and store, opened and checked; everything the services need."""
    data_dir = prepare_data_dir(config.data_dir)
    try:
        secrets = ensure_secrets(data_dir)
        url = store_url(config.database_url, secrets.credentials["database_password"])
        db = open_database(url, config.get("storage.sqlite_busy_timeout_ms"))
    except (SecretsError, StoreError) as exc:
        raise StartupError(str(exc)) from exc
    return ServiceContext(config=config, db=db, secrets=secrets)


def require_schema_at_head(ctx: ServiceContext) -> None:
    """Refuse to serve a store whose schema is behind or ahead of this software."""
    try:
        refuse_gaps(ctx.db)
    except MigrationError as exc:
        raise StartupError(str(exc)) from exc
    version, newest = current_version(ctx.db), head()
    if version < newest:
        raise StartupError(f"the store is at schema version {version}, this software needs {newest}: run migrate")
    if version > newest:
        raise StartupError(str(MigrationError(f"the store is at schema version {version}, newer than this "
                                              f"software ({newest}); upgrade the software")))


SYNC_REPORT_S = 5
MAIL_EVERY_S = 30


def no_delay_handler() -> type:
    """gevent's WSGI handler with TCP_NODELAY on each connection: it writes headers and body separately,
    and with Nagle's algorithm a kept-alive kiosk connection waited ~40 ms for the body of every answer."""
    import socket

    from gevent import pywsgi

    class NoDelayHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
        def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
            with contextlib.suppress(OSError):  # not a TCP socket: nothing to do
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().__init__(sock, address, server, rfile)

    return NoDelayHandler


def sync_reporter(ctx: ServiceContext) -> Callable[[], None]:
    """A job publishing replication progress when it changed since the last run (the kiosks' progress bar)."""
    from edge.services.sync import sync_status

    last: list[dict[str, Any]] = []

    def report() -> None:
        with ctx.db.connection_context():
            status = sync_status(ctx)
        if not last or status != last[0]:
            ctx.bus.publish("sync.status", status)
            last[:] = [status]

    return report


def mail_sender(ctx: ServiceContext) -> Callable[[], None]:
    """A job sending the queued e-mails while an SMTP server is configured."""
    from edge.services.mailer import send_queued

    def send() -> None:
        with ctx.db.connection_context():
            send_queued(ctx)

    return send


def payment_jobs(ctx: ServiceContext, scheduler: Any) -> None:
    """Gateway payments: reconcile every open one at start, then poll those webhooks left waiting, and probe
    each gateway so the till knows which methods work before a cashier tries one."""
    from edge.services import gateway_payments

    settle_after = ctx.config.get("payments.timeout_seconds") + 2  # a call may still be under way until then
    scheduler.add_job(gateway_payments.reconcile, "date", run_date=datetime.now(UTC), args=[ctx],
                      id="payments-reconcile-at-start", misfire_grace_time=None)
    scheduler.add_job(gateway_payments.reconcile, "interval", seconds=ctx.config.get("payments.poll_seconds"),
                      args=[ctx, settle_after], id="payments-reconcile")
    if ctx.gateways is not None and ctx.gateways.online():
        scheduler.add_job(gateway_payments.probe, "interval", seconds=ctx.config.get("payments.probe_seconds"),
                          args=[ctx], id="payments-probe", next_run_time=datetime.now(UTC))


def start_payment_simulator(ctx: ServiceContext, port: int, tls: TLSFiles | None = None) -> Any:
    """Demo mode: the Stripe and Razorpay simulator on loopback, its webhooks sent to this daemon (over HTTPS,
    verified against the store CA, when the daemon serves HTTPS), and the gateways pointed at it with the
    simulator's made-up keys."""
    from edge.payments.registry import build_gateways
    from edge.payments.simulator import GatewaySimulator

    scheme = "https" if tls is not None else "http"
    verify: str | bool = str(tls.ca) if tls is not None and tls.ca is not None else True
    simulator = GatewaySimulator(webhook_url=f"{scheme}://127.0.0.1:{port}", webhook_verify=verify).start()
    config = ctx.config
    if not config.get("payments.stripe_terminal_reader"):
        config = config.with_overrides({"payments.stripe_terminal_reader": "tmr_simulated"})
    ctx.gateways = build_gateways(config, simulator.credentials(), base_urls=simulator.base_urls(),
                                  on_change=lambda _name, status: ctx.bus.publish("payments.status", status))
    ctx.gateways.simulator = simulator
    log.info("payment gateways simulated at %s", simulator.url)
    return simulator


def off_loop(ctx: ServiceContext, work: Callable[[], Any]) -> Callable[[], Any]:
    """Run blocking work (SQLite's backup step, a dump) on a real OS thread under gevent, so the kiosks'
    event loop keeps serving meanwhile; directly in threading mode."""
    if ctx.config.get("server.async_mode") != "gevent":
        return work

    def in_thread() -> Any:
        import gevent

        return gevent.get_hub().threadpool.apply(work)

    return in_thread


def backup_job(ctx: ServiceContext) -> Callable[[], None]:
    """The scheduled online backup ([backup] every_hours), logged; a failure is logged and retried next time."""
    from edge.store.backup import backup_from_config

    def run() -> None:
        result = backup_from_config(ctx.config)
        log.info("backup %s (%d bytes)%s", result.path, result.size,
                 f", copied to {result.copied_to}" if result.copied_to else "")

    return off_loop(ctx, run)


def start_scheduler(ctx: ServiceContext) -> Any:
    """APScheduler for the daemon's timed jobs (the nightly attendance derivation), in the server's mode."""
    if ctx.config.get("server.async_mode") == "gevent":
        from apscheduler.schedulers.gevent import GeventScheduler as Scheduler
    else:
        from apscheduler.schedulers.background import BackgroundScheduler as Scheduler
    scheduler = Scheduler(timezone=ctx.config.get("store.timezone"))
    attendance_service.schedule(ctx, scheduler)
    # Failures of these jobs are logged by the scheduler; the next run tries again.
    scheduler.add_job(sync_reporter(ctx), "interval", seconds=SYNC_REPORT_S, id="sync-status")
    scheduler.add_job(mail_sender(ctx), "interval", seconds=MAIL_EVERY_S, id="mail")
    from edge.services.receipts import EMAIL_QUEUED_TOPIC

    # An e-mail just queued goes out now (when the SMTP server answers), not at the job's next round.
    ctx.bus.subscribe(EMAIL_QUEUED_TOPIC, lambda _topic, _payload: scheduler.modify_job(
        "mail", next_run_time=datetime.now(UTC)))
    payment_jobs(ctx, scheduler)
    if ctx.config.get("backup.every_hours"):
        scheduler.add_job(backup_job(ctx), "interval", hours=ctx.config.get("backup.every_hours"), id="backup",
                          max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler


def background_jobs_paused(scheduler: Any) -> Callable[[bool], None]:
    """On battery, work that can wait (backups, e-mail) waits: the CPU, disk and network go to the tills and to
    replication; it resumes when mains power returns."""
    def paused(on_battery: bool) -> None:
        for job_id in ("backup", "mail"):
            if scheduler.get_job(job_id) is not None:
                (scheduler.pause_job if on_battery else scheduler.resume_job)(job_id)

    return paused


def printer_connection(spec: dict[str, Any]) -> str:
    """The Device.connection URL of a ``[[devices.printers]]`` table."""
    return {
        "network": f"tcp://{spec['host']}:{spec['port']}", "serial": f"serial://{spec['device']}",
        "usb": f"usb://{spec['usb_id']}", "file": f"file://{spec['device']}",
    }[spec["kind"]]


def sync_printer_rows(ctx: ServiceContext) -> None:
    """Make the configured printers' Device rows match the config (the print queue reads the rows)."""
    import json

    from edge.store.db import write_transaction
    from edge.store.models import Device, Till

    with write_transaction(ctx.db):
        for spec in ctx.config.get("devices.printers"):
            till = Till.get_or_none(Till.code == spec["till"])
            fields = {"kind": "printer", "till": till, "connection": printer_connection(spec), "simulated": False,
                      "settings": json.dumps({"width_chars": spec["width_chars"]})}
            if not Device.update(**fields).where(Device.name == spec["name"]).execute():
                Device.create(name=spec["name"], **fields)


def start_devices(ctx: ServiceContext) -> Any:
    """Build and start the device manager for the store's active tills (simulators in demo mode), with the
    print queue worker."""
    from edge.devices.manager import DeviceManager
    from edge.devices.printer import PrintWorker, store_devices
    from edge.store.models import Device, Till

    with ctx.db.connection_context():
        tills = [till.code for till in Till.select().where(Till.is_active).order_by(Till.code)]
        simulated_printers = [row.name for row in Device.select().where(Device.simulated & (Device.kind == "printer"))]
    try:
        sync_printer_rows(ctx)
        manager = DeviceManager(ctx.config, ctx.bus, tills)
        manager.build()
        targets = {}
        if manager.simulators is not None:
            targets = {name: manager.simulators.printer(name).target() for name in simulated_printers}
        manager.add(PrintWorker(ctx.db, ctx.bus, store_devices(ctx.db, simulated=targets)), "printer", None,
                     simulated=bool(targets))
    except (ValueError, OSError) as exc:  # a bad device table: billing goes on without devices
        log.error("devices not started: %s", exc)
        return None
    manager.start()
    return manager


class Redirector:
    """The plain-HTTP listener that only redirects to HTTPS (a gevent server, or a thread in threading mode)."""

    def __init__(self, server: Any, thread: Any = None) -> None:
        self.server = server
        self.thread = thread

    def stop(self) -> None:
        """Stop listening."""
        if self.thread is None:
            self.server.stop(timeout=1)
        else:
            self.server.shutdown()
            self.server.server_close()


def start_redirector(host: str, port: int, https_port: int, gevent_mode: bool) -> Redirector:
    """Listen on the plain-HTTP port and answer every request with a redirect to HTTPS."""
    app = redirect_app(https_port)
    try:
        if gevent_mode:
            from gevent import pywsgi

            server = pywsgi.WSGIServer((host, port), app, log=None)
            server.start()
            return Redirector(server)
        import threading
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

        plain = make_server(host, port, app, handler_class=QuietHandler)
        thread = threading.Thread(target=plain.serve_forever, name="http-redirect", daemon=True)
        thread.start()
        return Redirector(plain, thread)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise StartupError(f"server.http_redirect_port: cannot listen on {host}:{port}: {reason}") from exc


class EdgeServer:
    """The store daemon: owns the data-dir lock, the service context and the web server."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = DataDirLock(prepare_data_dir(config.data_dir))
        self.devices: Any = None
        self.scheduler: Any = None
        self.redirector: Any = None
        self.payment_simulator: Any = None
        self.ups: Any = None
        self.exit_code = 0  # EXIT_UPS_SHUTDOWN after a stop for the UPS's low battery

    def _tls_files(self) -> TLSFiles:
        try:
            return tls_files(self.config)
        except (TLSError, OSError, ValueError) as exc:
            raise StartupError(str(exc)) from exc

    def serve(self, host: str, port: int) -> None:
        """Run until stopped: lock the data dir, open the store, serve HTTP and Socket.IO."""
        from edge.web.app import create_app

        self.lock.acquire()
        try:
            from edge.store.backup import RESUME_NEEDED

            if (self.config.data_dir / RESUME_NEEDED).exists():
                raise StartupError("the store was restored from a backup and has not caught up with the cloud: run "
                                   "resume-from-cloud (docs/operations.md, 'Replace a dead box')")
            setup_logging(self.config, self.config.data_dir)
            ctx = build_context(self.config)
            require_schema_at_head(ctx)
            ctx.db.close()
            files = self._tls_files() if self.config.get("server.tls") else None
            if self.config.get("payments.simulate"):
                self.payment_simulator = start_payment_simulator(ctx, port, files)
            app, socketio = create_app(ctx)
            connect_devices(ctx)
            attendance_service.subscribe_clock(ctx)
            self.scheduler = start_scheduler(ctx)
            ctx.ups = self.ups = monitor_from_config(ctx, background_jobs_paused(self.scheduler))
            ctx.devices = self.devices = start_devices(ctx)
            mode = "simulated devices" if self.config.get("devices.simulate") else "configured devices"
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
            options: dict[str, Any] = {}
            scheme = "http"
            trust = ""
            if files is not None:
                options["ssl_context"] = server_context(files)
                scheme = "https"
                trust = f", kiosks trust {files.ca}" if files.ca else ""
            log.info("Store Edge POS %s, store %s, %s", __version__, self.config.get("store.code"), mode)
            print(f"Store Edge POS {__version__} serving on {scheme}://{shown}:{port}/ "
                  f"(listening on {host}:{port}, data dir {self.config.data_dir}{trust})", flush=True)
            status = f"STATUS=serving store {self.config.get('store.code')} on {host}:{port}"
            gevent_mode = self.config.get("server.async_mode") == "gevent"
            if gevent_mode:
                import gevent

                # systemd stops the daemon with SIGTERM: stop accepting, finish, release the lock, exit 0.
                gevent.signal_handler(signal.SIGTERM, socketio.stop)
                gevent.signal_handler(signal.SIGINT, socketio.stop)
                options["handler_class"] = no_delay_handler()
                # A browser or scanner that drops a TLS connection without close_notify is not an error.
                import ssl

                hub = gevent.get_hub()
                hub.NOT_ERROR = (*hub.NOT_ERROR, ssl.SSLEOFError)
                # Runs once the main greenlet yields: inside serve_forever, after the socket is bound and listening.
                gevent.spawn(lambda: (sdnotify.notify(f"READY=1\n{status}"), sdnotify.start_watchdog(True)))
            else:
                sdnotify.notify(f"READY=1\n{status}")
                sdnotify.start_watchdog(False)
            redirect_port = int(self.config.get("server.http_redirect_port"))
            if redirect_port and scheme == "https":
                self.redirector = start_redirector(host, redirect_port, port, gevent_mode)
            if self.ups is not None:
                def stop_for_battery() -> None:
                    self.exit_code = EXIT_UPS_SHUTDOWN
                    socketio.stop()

                self.ups.start(stop_for_battery, gevent_mode)
            try:
                socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True, **options)
            except OSError as exc:
                reason = os.strerror(exc.errno) if exc.errno else str(exc)
                raise StartupError(f"server.port: cannot listen on {host}:{port}: {reason}") from exc
            sdnotify.notify("STOPPING=1")
            log.info("stopped")
        finally:
            if self.redirector is not None:
                self.redirector.stop()
            if self.ups is not None:
                self.ups.stop()
            if self.devices is not None:
                self.devices.stop()
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
            if self.payment_simulator is not None:
                self.payment_simulator.stop()
            self.lock.release()
