"""The command line operators and scripts rely on: exit codes, one-line messages, nothing overwritten."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.services.demo_data import demo_customers, demo_employees, demo_products, demo_users
from edge.store.migrate import available, head
from tests.servers import MariaDBServer, free_port

REPO = Path(__file__).resolve().parents[2]
FAST = {"POS_AUTH_ARGON2_TIME_COST": "1", "POS_AUTH_ARGON2_MEMORY_KIB": "1024"}


def edge(
    data_dir: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m edge --data-dir DIR ARGS`` as an operator would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POS_")} | FAST | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "edge", "--data-dir", str(data_dir), *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=environment, timeout=120,
    )


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir after `migrate` and `seed-demo`, as `make run` leaves it."""
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    assert edge(data_dir, "migrate").returncode == 0
    result = edge(data_dir, "seed-demo")
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def data_dir(seeded: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded data dir."""
    target = tmp_path / "data"
    shutil.copytree(seeded, target, ignore=shutil.ignore_patterns("edge.lock"))
    return target


def test_first_run_creates_store_secrets_and_demo_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    migrated = edge(data_dir, "migrate")
    assert migrated.returncode == 0
    shipped = ", ".join(f"{m.version:04d}_{m.name}" for m in available())
    assert migrated.stdout.strip() == f"store at schema version {head()} (applied: {shipped})"
    seeded = edge(data_dir, "seed-demo")
    assert seeded.stdout.splitlines()[0] == "demo data loaded"
    for user in demo_users():
        assert f"{user.username} / {user.password}" in seeded.stdout
    assert stat.S_IMODE((data_dir / "secrets.toml").stat().st_mode) == 0o600
    with sqlite3.connect(data_dir / "store.db") as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("product", "customer", "employee", "user", "seller_registration", "shift")}
    assert counts == {"product": len(demo_products()), "customer": len(demo_customers()),
                      "employee": len(demo_employees()), "user": 5, "seller_registration": 2, "shift": 3}
    assert counts["product"] == 240 and counts["employee"] == 250 and counts["customer"] == 30


def test_demo_data_is_loaded_on_first_run_only(data_dir: Path) -> None:
    before = digest(data_dir / "store.db")
    again = edge(data_dir, "seed-demo")
    assert again.returncode == 0
    assert again.stdout.splitlines()[0] == "store already has data; demo data not loaded"
    assert edge(data_dir, "migrate").stdout.strip() == f"store at schema version {head()} (applied: none needed)"
    with sqlite3.connect(data_dir / "store.db") as conn:
        assert conn.execute("SELECT count(*) FROM product").fetchone()[0] == 240
    assert before  # the store was there before the second run


def test_create_user_reads_the_password_from_stdin(data_dir: Path) -> None:
    result = edge(data_dir, "create-user", "Priya", "--role", "manager", stdin="priya-strong-pw\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "created user priya with role manager"
    with sqlite3.connect(data_dir / "store.db") as conn:
        role, password_hash = conn.execute("SELECT role, password_hash FROM user WHERE username='priya'").fetchone()
    assert role == "manager" and password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_weak_password_and_a_taken_name(data_dir: Path) -> None:
    weak = edge(data_dir, "create-user", "ravi", "--role", "cashier", stdin="short\n")
    assert weak.returncode == 1
    assert weak.stderr.strip() == "error: password: password must have at least 10 characters"
    taken = edge(data_dir, "create-user", "admin", "--role", "admin", stdin="another-long-pw\n")
    assert taken.returncode == 1
    assert taken.stderr.strip() == "error: username: user 'admin' already exists"


def test_unknown_role_is_a_usage_error(data_dir: Path) -> None:
    result = edge(data_dir, "create-user", "ravi", "--role", "owner")
    assert result.returncode == 2
    assert "invalid choice: 'owner'" in result.stderr


def test_bad_environment_value_exits_2_naming_the_key(data_dir: Path) -> None:
    result = edge(data_dir, "migrate", env={"POS_SERVER_PORT": "http"})
    assert result.returncode == 2
    assert result.stderr.strip() == "config error: server.port: must be an integer between 1 and 65535 (got 'http')"


def test_corrupt_sqlite_file_is_refused_and_left_untouched(data_dir: Path) -> None:
    store = data_dir / "store.db"
    store.write_bytes(b"this is not a database, it was a receipt log\n" * 200)
    before = digest(store)
    for command in ("migrate", "serve", "seed-demo"):
        result = edge(data_dir, command, "--port", str(free_port())) if command == "serve" else edge(data_dir, command)
        assert result.returncode == 1
        expected = f"error: SQLite store {store} is not a SQLite database (corrupt?); left untouched"
        assert result.stderr.strip() == expected
    assert digest(store) == before


@pytest.fixture
def read_only(data_dir: Path) -> Iterator[Path]:
    """The store file made read-only (chmod for users, the immutable attribute for root)."""
    store = data_dir / "store.db"
    store.chmod(0o444)
    immutable = False
    if os.access(store, os.W_OK):
        immutable = subprocess.run(["chattr", "+i", str(store)], capture_output=True).returncode == 0
    assert not os.access(store, os.W_OK), "root needs chattr +i (e2fsprogs, installed by make test) for this test"
    yield store
    if immutable:
        subprocess.run(["chattr", "-i", str(store)], check=True)
    store.chmod(0o644)


def test_read_only_sqlite_file_is_refused_and_left_untouched(read_only: Path) -> None:
    before = digest(read_only)
    result = edge(read_only.parent, "migrate")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: SQLite store {read_only} is read-only; the daemon needs to write it"
    assert digest(read_only) == before


def test_secrets_file_readable_by_others_is_refused(data_dir: Path) -> None:
    secrets = data_dir / "secrets.toml"
    secrets.chmod(0o644)
    before = digest(secrets)
    result = edge(data_dir, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: secrets file {secrets} is readable by others (mode 0644); run: chmod 600 {secrets}"
    )
    assert digest(secrets) == before


def test_unreachable_mysql_server_is_named(data_dir: Path) -> None:
    port = free_port()
    result = edge(data_dir, "migrate", env={"POS_STORAGE_DATABASE_URL": f"mysql://pos:secret@127.0.0.1:{port}/pos"})
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith(f"error: cannot open the store at 127.0.0.1:{port}/pos: Can't connect to")
    assert "secret" not in message
    assert len(message.splitlines()) == 1


def test_store_on_mariadb_by_url(data_dir: Path, mariadb: MariaDBServer) -> None:
    url = mariadb.create_database("cli_store")
    try:
        env = {"POS_STORAGE_DATABASE_URL": url}
        assert edge(data_dir, "migrate", env=env).returncode == 0
        seeded = edge(data_dir, "seed-demo", env=env)
        assert seeded.stdout.splitlines()[0] == "demo data loaded"
        with mariadb.connect("cli_store") as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM product")
            assert cur.fetchone() == (240,)
            cur.execute("SELECT name FROM product WHERE sku = %s", (demo_products()[0].sku,))
            assert cur.fetchone() == (demo_products()[0].name,)
    finally:
        mariadb.drop_database("cli_store")


def test_a_store_newer_than_the_software_is_refused(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "store.db") as conn:
        conn.execute("INSERT INTO schema_migration VALUES (99, 'future', '2030-01-01')")
    result = edge(data_dir, "migrate")
    assert result.returncode == 1
    assert "newer than this software" in result.stderr
    serve = edge(data_dir, "serve", "--port", str(free_port()))
    assert serve.returncode == 1 and "newer than this software" in serve.stderr


def test_serving_an_unmigrated_store_says_to_migrate(tmp_path: Path) -> None:
    result = edge(tmp_path / "new", "serve", "--port", str(free_port()))
    assert result.returncode == 1
    expected = f"error: the store is at schema version 0, this software needs {head()}: run migrate"
    assert result.stderr.strip() == expected


def test_a_port_in_use_is_named_not_a_traceback(data_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = edge(data_dir, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: server.port: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert "Traceback" not in result.stderr
