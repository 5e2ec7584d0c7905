"""Online backups of the store and their restore: SQLite through its backup API (a consistent snapshot taken
while the till sells), MySQL/MariaDB through mariadb-dump/mysqldump --single-transaction; rotation, an
optional copy to another disk, and a restore that checks the file before it replaces anything."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from edge.config import Config
from edge.security.secrets import SECRETS_FILE_NAME, SecretsError, load_secrets, write_private
from edge.store.db import SQLITE_HEADER, StoreError, store_url

SQLITE_SUFFIX = ".db"
MYSQL_SUFFIX = ".sql.gz"
DUMP_DONE_MARK = b"-- Dump completed"
SCHEDULED = "store"
PRE_UPGRADE = "pre-upgrade"
KEEP_PRE_UPGRADE = 5
# Left in the data dir by a restore: the daemon will not serve until resume-from-cloud has moved the store's
# sequence and invoice numbers past what the cloud already holds (numbers issued after the backup).
RESUME_NEEDED = "RESTORED-RESUME-NEEDED"


class BackupError(Exception):
    """A backup or restore could not be made; the message is one line an operator can act on."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote."""

    path: Path
    size: int
    copied_to: Path | None
    removed: tuple[Path, ...]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: Path, final: Path) -> None:
    """Make a finished file durable, then give it its name (a crash never leaves a half file under it)."""
    _fsync(tmp)
    tmp.replace(final)
    _fsync(final.parent)


def stamp(now: datetime | None = None) -> str:
    """A sortable UTC time stamp for file names."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, None for MySQL."""
    parsed = urlparse(database_url)
    return Path(parsed.path[1:]) if parsed.scheme.startswith("sqlite") else None


def check_sqlite_backup(path: Path) -> int:
    """Refuse a file that is not a whole, sound SQLite store; return its schema version."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupError(f"{path} is not a SQLite database")
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupError(f"{path} fails integrity_check: {result[0][0]}")
            version = conn.execute("SELECT MAX(version) FROM schema_migration").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable store: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    return int(version or 0)


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite store with the online backup API in one step: a consistent snapshot (in WAL mode
    writers go on meanwhile), checked with integrity_check before it gets its name."""
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(tmp)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source} to back it up: {exc}") from exc
    try:
        src.backup(dst)  # pages=-1: everything in one step, under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()
    try:
        check_sqlite_backup(tmp)
    except BackupError:
        tmp.unlink(missing_ok=True)
        raise
    _publish(tmp, target)


def dump_command(explicit: str = "") -> str:
    """mariadb-dump (or mysqldump) on this machine."""
    for name in ([explicit] if explicit else []) + ["mariadb-dump", "mysqldump"]:
        found = shutil.which(name)
        if found:
            return found
    raise BackupError("backup of a MySQL store needs mariadb-dump or mysqldump (apt-get install mariadb-client)")


def _mysql_args(url: str) -> tuple[list[str], dict[str, str], str]:
    parsed = urlparse(url)
    args = [f"--host={parsed.hostname or 'localhost'}", f"--port={parsed.port or 3306}"]
    if parsed.username:
        args.append(f"--user={unquote(parsed.username)}")
    env = dict(os.environ)
    if parsed.password:
        env["MYSQL_PWD"] = unquote(parsed.password)  # not on the command line, where ps would show it
    return args, env, parsed.path.lstrip("/")


def backup_mysql(url: str, target: Path, command: str = "") -> None:
    """mysqldump --single-transaction (a consistent InnoDB snapshot without locking the till out), gzipped."""
    args, env, database = _mysql_args(url)
    tmp = target.with_name(f".{target.name}.partial")
    with gzip.open(tmp, "wb") as out:
        process = subprocess.Popen(  # noqa: S603  (a fixed program and our own arguments)
            [dump_command(command), *args, "--single-transaction", "--quick", "--routines", "--triggers",
             "--hex-blob", "--default-character-set=utf8mb4", "--databases", database],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        assert process.stdout is not None
        shutil.copyfileobj(process.stdout, out)
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.wait() != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"mysqldump failed: {error.strip().splitlines()[-1] if error.strip() else 'no reason'}")
    check_mysql_backup(tmp)
    _publish(tmp, target)


def check_mysql_backup(path: Path) -> None:
    """Refuse a dump that does not decompress or was cut short (no completion mark at its end)."""
    tail = b""
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                tail = (tail + chunk)[-4096:]
    except (OSError, EOFError) as exc:
        raise BackupError(f"{path} is not a whole gzip dump: {exc}") from exc
    if DUMP_DONE_MARK not in tail:
        raise BackupError(f"{path} was cut short (no '-- Dump completed' at its end)")


def backups_in(folder: Path, label: str) -> list[Path]:
    """The backups of one kind in a folder, oldest first."""
    return sorted(p for p in folder.glob(f"{label}-*") if p.name.endswith((SQLITE_SUFFIX, MYSQL_SUFFIX)))


def rotate(folder: Path, label: str, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest ``keep`` backups of a kind; returns what was deleted."""
    old = backups_in(folder, label)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return tuple(old)


def _copy(path: Path, folder: Path, secrets: Path | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    tmp = folder / f".{path.name}.partial"
    shutil.copyfile(path, tmp)
    _publish(tmp, target)
    if secrets is not None:
        _copy_secrets(secrets, folder)
    return target


def _copy_secrets(secrets: Path, folder: Path) -> None:
    """Keep the secrets file beside the backups (mode 0600): without its field keys the encrypted payroll
    and payment details of a restored store cannot be read."""
    target, data = folder / SECRETS_FILE_NAME, secrets.read_bytes()
    if not (target.exists() and target.read_bytes() == data):
        write_private(target, data)


def make_backup(database_url: str, data_dir: Path, folder: Path, *, label: str = SCHEDULED, keep: int = 14,
                copy_dir: Path | None = None, dump: str = "", now: datetime | None = None,
                note: str = "") -> BackupResult:
    """Back the store up into ``folder`` as ``<label>-<UTC stamp>.db`` (or ``.sql.gz``), keep the newest
    ``keep`` of that label, and copy the new file (and the secrets) to ``copy_dir`` when given."""
    try:
        folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        source = sqlite_path(database_url)
        suffix = SQLITE_SUFFIX if source is not None else MYSQL_SUFFIX
        target = folder / f"{label}-{stamp(now)}{'-' + note if note else ''}{suffix}"
        if source is not None:
            if not source.exists():
                raise BackupError(f"there is no store at {source} to back up")
            backup_sqlite(source, target)
        else:
            backup_mysql(database_url, target, dump)
        os.chmod(target, 0o640)
        secrets = data_dir / SECRETS_FILE_NAME
        secrets_file = secrets if secrets.exists() else None
        if secrets_file is not None:
            _copy_secrets(secrets_file, folder)
        removed = rotate(folder, label, keep)
        copied = None
        if copy_dir is not None:
            copied = _copy(target, copy_dir, secrets_file)
            removed += rotate(copy_dir, label, keep)
    except OSError as exc:
        raise BackupError(f"backup failed: {exc.strerror or exc} ({exc.filename or folder})") from exc
    return BackupResult(target, target.stat().st_size, copied, removed)


def restore_sqlite(backup: Path, store: Path, now: datetime | None = None) -> Path:
    """Put a checked SQLite backup in place of the store. The current store (with its WAL) is kept beside
    it as ``store.db.before-restore-<stamp>``; returns that path."""
    check_sqlite_backup(backup)
    aside = store.with_name(f"{store.name}.before-restore-{stamp(now)}")
    tmp = store.with_name(f".{store.name}.restoring")
    shutil.copyfile(backup, tmp)
    if store.exists():
        # The WAL belongs to the old file: checkpoint it in, so the file set aside is whole on its own.
        conn = sqlite3.connect(store)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        store.replace(aside)
    for extra in ("-wal", "-shm"):
        Path(f"{store}{extra}").unlink(missing_ok=True)
    _publish(tmp, store)
    return aside


def mark_resume_needed(data_dir: Path) -> None:
    """Refuse serving until the restored store has caught up with the cloud's numbers."""
    (data_dir / RESUME_NEEDED).write_text(
        "This store was restored from a backup. Before it serves again, run\n"
        "  python -m edge resume-from-cloud RESUME.json   (from: python -m cloud_bridge.ingest resume-point)\n"
        "or, for a store that never replicated, python -m edge resume-from-cloud --none\n")


def restore_mysql(backup: Path, url: str, client: str = "") -> None:
    """Load a checked dump into the configured MySQL database (the dump recreates its tables)."""
    check_mysql_backup(backup)
    args, env, _database = _mysql_args(url)
    program = next((found for name in ([client] if client else []) + ["mariadb", "mysql"]
                    if (found := shutil.which(name))), None)
    if program is None:
        raise BackupError("restore of a MySQL store needs the mariadb or mysql client")
    process = subprocess.Popen(  # noqa: S603
        [program, *args, "--default-character-set=utf8mb4"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, env=env,
    )
    assert process.stdin is not None and process.stderr is not None
    with gzip.open(backup, "rb") as dump:
        shutil.copyfileobj(dump, process.stdin)
    process.stdin.close()
    error = process.stderr.read().decode(errors="replace").strip()
    process.wait()
    if process.returncode != 0:
        raise BackupError(f"loading {backup} failed: {error.splitlines()[-1] if error else 'no reason'}")


def configured_store_url(config: Config) -> str:
    """The store's database URL with the password from the secrets file, for tools run beside the daemon."""
    path = config.data_dir / SECRETS_FILE_NAME
    try:
        password = load_secrets(path).credentials["database_password"] if path.exists() else ""
        return store_url(config.database_url, password)
    except (SecretsError, StoreError) as exc:
        raise BackupError(str(exc)) from exc


def backup_folder(config: Config) -> Path:
    """Where the configured backups go."""
    return Path(config.get("backup.dir") or config.data_dir / "backups")


def backup_from_config(config: Config, label: str = SCHEDULED, note: str = "",
                       now: datetime | None = None) -> BackupResult:
    """A backup as configured in ``[backup]`` (pre-upgrade backups keep their own, shorter rotation)."""
    copy_dir = config.get("backup.copy_dir")
    return make_backup(configured_store_url(config), config.data_dir, backup_folder(config), label=label,
                       keep=KEEP_PRE_UPGRADE if label == PRE_UPGRADE else config.get("backup.keep"),
                       copy_dir=Path(copy_dir) if copy_dir else None, now=now, note=note)
