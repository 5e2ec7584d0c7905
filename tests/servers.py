"""Real servers for tests, started on 127.0.0.1 with random ports in temporary directories."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pymysql


def free_port() -> int:
    """A TCP port that was free on loopback a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen[bytes] | None = None,
               log_file: Path | None = None) -> None:
    """Poll a readiness check until it holds; fail with the server's log when it never does or it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        if ready():
            return
        time.sleep(0.05)  # polling interval of a readiness probe, not a synchronisation sleep
    detail = log_file.read_text(errors="replace")[-3000:] if log_file and log_file.exists() else ""
    raise RuntimeError(f"{what} did not become ready in {timeout} s\n{detail}")


def find_binary(*names: str) -> str:
    """First of the names on PATH or in the usual sbin folders."""
    for name in names:
        for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
    raise RuntimeError(f"none of {names} is installed; run `make test`, which installs it")


class MariaDBServer:
    """A throw-away mariadbd: root without password, its own data dir, socket and port."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.port = free_port()
        self.data_dir = base_dir / "data"
        self.socket_path = base_dir / "mysqld.sock"
        self.log_file = base_dir / "mariadb.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MariaDBServer:
        """Initialise the data dir and start the server; returns when it accepts logins."""
        user = getpass.getuser()
        install = find_binary("mariadb-install-db", "mysql_install_db")
        subprocess.run(
            [install, "--no-defaults", f"--datadir={self.data_dir}", f"--user={user}",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True,
        )
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [find_binary("mariadbd", "mysqld"), "--no-defaults", f"--datadir={self.data_dir}",
                 f"--socket={self.socket_path}", f"--port={self.port}", "--bind-address=127.0.0.1",
                 f"--user={user}", "--skip-name-resolve", "--innodb-buffer-pool-size=64M",
                 "--innodb-flush-log-at-trx-commit=2", "--character-set-server=utf8mb4",
                 "--collation-server=utf8mb4_unicode_ci", f"--log-error={self.log_file}"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, 60, "MariaDB", self.process, self.log_file)
        return self

    def _answers(self) -> bool:
        try:
            self.connect().close()
            return True
        except pymysql.err.OperationalError:
            return False

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        """An administrative connection."""
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", database=database,
                               charset="utf8mb4", autocommit=True)

    def url(self, database: str) -> str:
        """peewee URL of a database on this server."""
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a test database."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")

    def stop(self) -> None:
        """Stop the server."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class MosquittoServer:
    """A real mosquitto broker on a free loopback port, persistence in its own folder (restartable)."""

    def __init__(self, base_dir: Path, port: int | None = None, tls: tuple[Path, Path, Path] | None = None) -> None:
        self.base_dir = base_dir
        self.port = port or free_port()
        self.tls = tls  # (CA, certificate, key): the listener speaks only MQTT over TLS
        self.config = base_dir / "mosquitto.conf"
        self.log_file = base_dir / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MosquittoServer:
        """Write the config and start the broker; returns when it accepts TCP connections."""
        (self.base_dir / "data").mkdir(exist_ok=True)
        tls = ""
        if self.tls is not None:
            ca, cert, key = self.tls
            # As root, mosquitto reads the certificates after dropping to its own user, which cannot enter
            # pytest's private temp dirs: keep root (a test broker on loopback only).
            tls = f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\ntls_version tlsv1.2\nuser root\n"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n{tls}allow_anonymous true\npersistence true\n"
            f"persistence_location {self.base_dir / 'data'}/\nautosave_interval 1\nmax_queued_messages 100000\n"
            "max_inflight_messages 0\nlog_dest stderr\n"
        )
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen([find_binary("mosquitto"), "-c", str(self.config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._accepts, 20, "mosquitto", self.process, self.log_file)
        return self

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        """Kill the broker at once (no clean shutdown)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Stop the broker cleanly."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class PostgresServer:
    """A throw-away PostgreSQL cluster: trust auth on loopback, its own data dir, socket and port.

    Its folder is made directly under the system temp dir: PostgreSQL refuses to run as root, and its
    user must reach the folder (pytest's own temp dirs are private to root).
    """

    def __init__(self) -> None:
        import tempfile

        self.base_dir = Path(tempfile.mkdtemp(prefix="pos-pg-"))
        self.port = free_port()
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgres.log"
        self.bin_dir = self._bin_dir()
        self.as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @staticmethod
    def _bin_dir() -> Path:
        for version in ("17", "16", "15", "14"):
            candidate = Path(f"/usr/lib/postgresql/{version}/bin")
            if (candidate / "initdb").exists():
                return candidate
        raise RuntimeError("PostgreSQL server binaries are not installed; run `make test`, which installs them")

    def start(self) -> PostgresServer:
        """initdb and start; returns when it answers."""
        if self.as_user:
            shutil.chown(self.base_dir, "postgres")
        subprocess.run([*self.as_user, str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-A", "trust",
                        "-U", "postgres", "--no-sync"], check=True, capture_output=True)
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
             "-o", f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=50", "start"],
            check=True, capture_output=True,
        )
        return self

    def dsn(self, database: str = "postgres") -> str:
        """Connection string of a database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create a database and return its DSN."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        """Stop the cluster and remove its folder."""
        subprocess.run([*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def trusting_browser_home(ca_file: Path, home: Path) -> Path:
    """A HOME whose NSS database trusts ca_file: how a Linux kiosk's Chromium is told to trust the store CA
    (docs/security.md). Launch Chromium with HOME set to it."""
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True, exist_ok=True)
    certutil = shutil.which("certutil")
    if certutil is None:
        raise RuntimeError("certutil is not installed: `make test` installs the Debian package libnss3-tools")
    if not (nssdb / "cert9.db").exists():
        subprocess.run([certutil, "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True, capture_output=True)
    subprocess.run([certutil, "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "Store Edge POS CA", "-i", str(ca_file)],
                   check=True, capture_output=True)
    return home
