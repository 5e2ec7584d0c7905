"""Opening the store's database: SQLite by default (WAL, synchronous=FULL), MySQL/MariaDB by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import peewee
from playhouse import db_url

from edge.store.models import ALL_MODELS

SQLITE_HEADER = b"SQLite format 3\x00"
# MySQL's DATETIME drops fractions of a second; store microseconds like SQLite does.
MYSQL_FIELD_TYPES = {"DATETIME": "DATETIME(6)"}


class StoreError(Exception):
    """The database cannot be used; the message is one line an operator can act on."""


def sqlite_url(path: Path) -> str:
    """The database URL of a SQLite file."""
    return f"sqlite:///{path}"


def store_url(url: str, database_password: str) -> str:
    """The database URL to open: a MySQL URL gets the secrets file's ``database_password``; a password in both
    places is refused, so there is one place to change it."""
    if not database_password or not urlparse(url).scheme.startswith("mysql"):
        return url
    parsed = urlparse(url)
    if parsed.password is not None:
        raise StoreError("storage.database_url carries a password and the secrets file has database_password: "
                         "keep it only in the secrets file")
    if not parsed.username:
        raise StoreError("storage.database_url names no user for the secrets file's database_password "
                         "(mysql://user@host:3306/pos)")
    credentials = f"{parsed.username}:{quote(database_password, safe='')}"
    return parsed._replace(netloc=f"{credentials}@{parsed.netloc.rpartition('@')[2]}").geturl()


def is_sqlite(db: peewee.Database) -> bool:
    """True when the store runs on SQLite."""
    return isinstance(db, peewee.SqliteDatabase)


def sqlite_pragmas(busy_timeout_ms: int) -> dict[str, Any]:
    """Pragmas set on every SQLite connection: durable commits, foreign keys, waiting on locks."""
    return {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL: an acknowledged sale survives power loss
        "foreign_keys": 1,
        "busy_timeout": busy_timeout_ms,
    }


def build_database(url: str, busy_timeout_ms: int = 5000) -> peewee.Database:
    """Make (but do not connect) the database object for a URL."""
    scheme = urlparse(url).scheme
    if scheme in ("sqlite", "sqlite+pool"):
        # Pooled: each request (a new greenlet) reuses an open connection. Closing the last connection of a
        # WAL database checkpoints and deletes the WAL, which cost several fsyncs per request.
        pooled = url.replace("sqlite://", "sqlite+pool://", 1) if scheme == "sqlite" else url
        return db_url.connect(pooled, pragmas=sqlite_pragmas(busy_timeout_ms), max_connections=32,
                              stale_timeout=None, check_same_thread=False)
    if scheme in ("mysql", "mysql+pool"):
        return db_url.connect(
            url, unquote_password=True, charset="utf8mb4", field_types=MYSQL_FIELD_TYPES
        )
    raise StoreError(f"storage.database_url: scheme {scheme!r} is not supported (use sqlite:/// or mysql://)")


def check_sqlite_file(path: Path) -> None:
    """Refuse a SQLite file that is not a database or cannot be written, without touching it."""
    if path.exists():
        if not path.is_file():
            raise StoreError(f"SQLite store {path} is not a regular file")
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise StoreError(f"SQLite store {path} is not a SQLite database (corrupt?); left untouched")
        if not os.access(path, os.W_OK):
            raise StoreError(f"SQLite store {path} is read-only; the daemon needs to write it")
    directory = path.parent
    if not directory.is_dir():
        raise StoreError(f"directory {directory} of the SQLite store does not exist")
    if not os.access(directory, os.W_OK):
        raise StoreError(f"directory {directory} is read-only; SQLite needs it for its WAL files")


def describe_target(url: str) -> str:
    """Where a URL points, without its password."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return parsed.path[1:] or ":memory:"
    return f"{parsed.hostname}:{parsed.port or 3306}/{parsed.path.lstrip('/')}"


def open_database(url: str, busy_timeout_ms: int = 5000) -> peewee.Database:
    """Open the store, bind every model to it and prove it answers; StoreError when it cannot."""
    db = build_database(url, busy_timeout_ms)
    if is_sqlite(db) and db.database != ":memory:":
        check_sqlite_file(Path(db.database))
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
        if is_sqlite(db):
            db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except peewee.DatabaseError as exc:
        if not db.is_closed():
            db.close()
        raise StoreError(f"cannot open the store at {describe_target(url)}: {first_line(exc)}") from exc
    db.bind(ALL_MODELS, bind_refs=False, bind_backrefs=False)
    return db


def write_transaction(db: peewee.Database) -> Any:
    """A transaction that takes the write lock at BEGIN on SQLite, so busy waits happen up front."""
    if is_sqlite(db):
        return db.atomic("IMMEDIATE")
    return db.atomic()


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, for one-line operator messages."""
    text = str(exc.args[-1] if exc.args and not isinstance(exc.args[-1], int) else exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
