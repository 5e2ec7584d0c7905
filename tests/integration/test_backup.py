"""Backups taken while the till sells, restored and compared table by table; rotation, the copy to another
disk, refusals (daemon running, damaged file), the automatic pre-upgrade backup, and MySQL through its dump."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from edge.store.backup import RESUME_NEEDED, backup_from_config, check_sqlite_backup, restore_mysql
from edge.store.migrate import head, migrate
from tests.conftest import FakeClock, make_config, make_context, release
from tests.integration.test_cli import REPO, digest, edge, seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import Daemon, start_daemon
from tests.integration.test_power_cut import Acknowledged, http, login, sell
from tests.servers import MariaDBServer, free_port, wait_until


def tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite file, in rowid order."""
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    finally:
        conn.close()


def consistent(path: Path) -> int:
    """A backup is one moment of the store: invoice series and the outbox sequence without holes."""
    conn = sqlite3.connect(path)
    try:
        invoices = conn.execute("SELECT count(*) FROM invoice").fetchone()[0]
        numbered = conn.execute("SELECT coalesce(sum(next_number - 1), 0) FROM invoice_series "
                                "WHERE document_type = 'invoice'").fetchone()[0]
        seqs = [row[0] for row in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    finally:
        conn.close()
    assert invoices == numbered and seqs == list(range(1, len(seqs) + 1))
    return int(invoices)


def selling(daemon: Daemon, seen: Acknowledged) -> tuple[threading.Event, list[threading.Thread]]:
    """Two tills selling against the daemon until the event is set."""
    with sqlite3.connect(daemon.data_dir / "store.db") as conn:
        products = [row[0] for row in conn.execute(
            "SELECT p.uuid FROM product p JOIN product_unit u ON u.product_id = p.id "
            "WHERE p.base_unit = 'piece' AND u.factor_milli = 1000 AND u.sellable ORDER BY p.sku LIMIT 10")]
    stop = threading.Event()
    workers = [threading.Thread(target=sell, args=(daemon, login(daemon, "cashier", "cashier-demo-1"), till,
                                                   products, stop, seen)) for till in ("T1", "T2")]
    for worker in workers:
        worker.start()
    return stop, workers


def backups(folder: Path, label: str = "store") -> list[Path]:
    """Backup files of a kind in a folder."""
    return sorted(folder.glob(f"{label}-*.db"))


def test_backup_while_selling_then_restore_gives_back_every_table(seeded: Path, tmp_path: Path) -> None:  # noqa: F811
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    copy_dir = tmp_path / "usb"
    env = {"POS_BACKUP_KEEP": "2", "POS_BACKUP_COPY_DIR": str(copy_dir)}
    daemon = start_daemon(data_dir, tmp_path / "daemon.log")
    seen = Acknowledged()
    stop, workers = selling(daemon, seen)
    try:
        def sold(n: int) -> bool:
            return len(seen.sales) >= n

        wait_until(lambda: sold(5), 60, "sales before the backup")
        during = edge(data_dir, "backup", env=env)
        assert during.returncode == 0, during.stderr
        target = len(seen.sales) + 5
        wait_until(lambda: sold(target), 60, "sales after the backup")
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
    assert seen.errors == []
    taken_while_selling = backups(data_dir / "backups")[0]
    assert during.stdout.startswith(f"backup {taken_while_selling} (")
    assert 0 < consistent(taken_while_selling) < len(seen.sales), "a moment in the middle of the selling"

    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=30) == 0
    snapshot = tables(data_dir / "store.db")
    quiet = edge(data_dir, "backup", env=env)
    assert quiet.returncode == 0, quiet.stderr
    restore_point = backups(data_dir / "backups")[-1]
    assert tables(restore_point) == snapshot

    # More sales after the backup, then an attempt to restore while the daemon runs: refused, nothing changed.
    daemon = start_daemon(data_dir, tmp_path / "again.log")
    more = Acknowledged()
    stop, workers = selling(daemon, more)
    wait_until(lambda: len(more.sales) >= 3 or bool(more.errors), 60, "sales after the restore point")
    assert more.errors == []
    stop.set()
    for worker in workers:
        worker.join(timeout=15)
    refused = edge(data_dir, "restore", str(restore_point))
    assert refused.returncode == 1
    assert "another store daemon is already using data dir" in refused.stderr and "stop it first" in refused.stderr
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=30) == 0
    assert tables(data_dir / "store.db") != snapshot

    restored = edge(data_dir, "restore", str(restore_point))
    assert restored.returncode == 0, restored.stderr
    assert tables(data_dir / "store.db") == snapshot, "every table as it was at the backup"
    assert len(list(data_dir.glob("store.db.before-restore-*"))) == 1, "the replaced store is kept aside"
    assert "before serving: run resume-from-cloud" in restored.stdout
    held_back = edge(data_dir, "serve", "--port", str(free_port()))
    assert held_back.returncode == 1
    assert held_back.stderr.startswith("error: the store was restored from a backup and has not caught up")
    assert edge(data_dir, "resume-from-cloud").returncode == 1, "a resume point or --none"
    allowed = edge(data_dir, "resume-from-cloud", "--none")
    assert allowed.returncode == 0, allowed.stderr
    again = start_daemon(data_dir, tmp_path / "restored.log")
    try:
        assert http(again, None, "GET", "/api/v1/health").json()["status"] == "ok"
    finally:
        again.process.send_signal(signal.SIGTERM)
        assert again.process.wait(timeout=30) == 0

    # Rotation keeps two, in the backup folder and on the copy disk; the secrets travel with them, 0600.
    assert edge(data_dir, "backup", env=env).returncode == 0
    for folder in (data_dir / "backups", copy_dir):
        assert len(backups(folder)) == 2, folder
        assert stat.S_IMODE((folder / "secrets.toml").stat().st_mode) == 0o600
        assert (folder / "secrets.toml").read_bytes() == (data_dir / "secrets.toml").read_bytes()
    assert [p.name for p in backups(copy_dir)] == [p.name for p in backups(data_dir / "backups")]


def test_a_damaged_backup_is_refused_and_the_store_left_alone(data_dir: Path, tmp_path: Path) -> None:
    made = edge(data_dir, "backup")
    assert made.returncode == 0, made.stderr
    good = backups(data_dir / "backups")[0]
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    before = digest(data_dir / "store.db")
    refused = edge(data_dir, "restore", str(damaged))
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: {damaged}")
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_text("shopping list")
    not_sqlite = edge(data_dir, "restore", str(not_a_store))
    assert not_sqlite.stderr.strip() == f"error: {not_a_store} is not a SQLite database"
    assert edge(data_dir, "restore", str(tmp_path / "missing.db")).returncode == 1
    assert digest(data_dir / "store.db") == before


@pytest.fixture
def data_dir(seeded: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A private copy of the seeded data dir."""
    target = tmp_path / "data"
    shutil.copytree(seeded, target, ignore=shutil.ignore_patterns("edge.lock"))
    return target


def test_migrate_backs_the_store_up_before_upgrading_and_that_backup_rolls_back(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ctx = make_context(make_config(data_dir), FakeClock(datetime_at()))
    migrate(ctx.db, target=1)
    release(ctx)
    upgraded = edge(data_dir, "migrate")
    assert upgraded.returncode == 0, upgraded.stderr
    pre = backups(data_dir / "backups", "pre-upgrade")
    assert len(pre) == 1 and pre[0].name.endswith("-v1.db")
    assert upgraded.stdout.splitlines()[0].startswith(f"pre-upgrade backup {pre[0]} (schema version 1)")
    assert upgraded.stdout.splitlines()[-1].startswith(f"store at schema version {head()}")
    assert check_sqlite_backup(pre[0]) == 1
    assert edge(data_dir, "migrate").stdout.strip().endswith("(applied: none needed)"), "nothing to back up"
    assert len(backups(data_dir / "backups", "pre-upgrade")) == 1
    rolled_back = edge(data_dir, "restore", str(pre[0]))
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert (data_dir / RESUME_NEEDED).exists(), "numbers issued after the backup must be skipped before serving"
    conn = sqlite3.connect(data_dir / "store.db")
    assert conn.execute("SELECT max(version) FROM schema_migration").fetchone() == (1,)
    conn.close()


def datetime_at() -> Any:
    """24 Nov 2026 06:00 UTC."""
    from datetime import datetime

    return datetime(2026, 11, 24, 6, 0, 0)


@pytest.mark.mysql
def test_mysql_store_is_dumped_and_restored(mariadb: MariaDBServer, tmp_path: Path) -> None:
    name = "t_backup_restore"
    url = mariadb.create_database(name)
    try:
        config = make_config(tmp_path / "data", url)
        ctx = make_context(config, FakeClock(datetime_at()))
        migrate(ctx.db)
        from edge.services.setup import ensure_store

        ensure_store(ctx)
        before = {table: ctx.db.execute_sql(f"SELECT * FROM `{table}`").fetchall() for table in ctx.db.get_tables()}
        result = backup_from_config(config)
        assert result.path.name.endswith(".sql.gz") and result.size > 0
        filled = sorted(table for table, rows in before.items() if rows and table != "schema_migration")
        ctx.db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in filled:
            ctx.db.execute_sql(f"DELETE FROM `{table}`")
        ctx.db.execute_sql("DROP TABLE schema_migration")
        release(ctx)
        restore_mysql(result.path, url)
        ctx = make_context(config, FakeClock(datetime_at()))
        after = {table: ctx.db.execute_sql(f"SELECT * FROM `{table}`").fetchall() for table in ctx.db.get_tables()}
        release(ctx)
        assert filled and after == before, "every table back, rows and all"
    finally:
        mariadb.drop_database(name)


GEVENT_BACKUP = """
from gevent import monkey; monkey.patch_all()
import sys, time, gevent
from edge.config import load_config
from edge.server import backup_job, build_context
ctx = build_context(load_config(None, environ={}, overrides={"storage.data_dir": sys.argv[1]}))
ticks = []
def loop_turns():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.001)
gevent.spawn(loop_turns)
gevent.sleep(0.01)
before = len(ticks)
backup_job(ctx)()
print(len(ticks) - before)
"""


def test_the_scheduled_backup_runs_off_the_gevent_loop(data_dir: Path) -> None:
    # A store big enough that its backup takes a while: the loop that serves the kiosks must keep turning.
    conn = sqlite3.connect(data_dir / "store.db")
    conn.execute("CREATE TABLE ballast (b BLOB)")
    conn.executemany("INSERT INTO ballast VALUES (randomblob(65536))", [()] * 1500)
    conn.commit()
    conn.close()
    run = subprocess.run([sys.executable, "-c", GEVENT_BACKUP, str(data_dir)], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip()) >= 10, "the loop turned while the backup ran"
    made = backups(data_dir / "backups")
    assert len(made) == 1 and len(tables(made[0])["ballast"]) == 1500


@pytest.mark.mysql
def test_a_mariadb_password_kept_only_in_the_secrets_file_opens_backs_up_and_restores(
    mariadb: MariaDBServer, tmp_path: Path
) -> None:
    """How the playbook sets up a local MariaDB: the user in storage.database_url, the password in the
    secrets file (mode 0600), never in edge.toml; migrate, backup and restore all find it there."""
    import tomllib

    name, password = "t_secret_password", 'p@ss:w/rd "x" #1'
    mariadb.create_database(name)
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER 'pos_secret'@'127.0.0.1' IDENTIFIED BY %s", (password,))
        cur.execute(f"GRANT ALL ON `{name}`.* TO 'pos_secret'@'127.0.0.1'")
    data_dir = tmp_path / "data"
    env = {"POS_STORAGE_DATABASE_URL": f"mysql://pos_secret@127.0.0.1:{mariadb.port}/{name}"}
    try:
        refused = edge(data_dir, "migrate", env=env)  # first run: the secrets file is made, its password empty
        assert refused.returncode == 1 and "Access denied for user 'pos_secret'" in refused.stderr
        secrets = data_dir / "secrets.toml"
        keys_before = tomllib.loads(secrets.read_text())
        outputs = [edge(data_dir, "set-credential", "database_password", stdin=password + "\n", env=env)]
        assert outputs[-1].returncode == 0 and "database_password set" in outputs[-1].stdout
        outputs.append(edge(data_dir, "set-credential", "database_password", stdin=password + "\n", env=env))
        assert outputs[-1].stdout.strip() == "database_password unchanged"  # what the playbook's re-run sees
        keys_after = tomllib.loads(secrets.read_text())
        assert keys_after == {**keys_before, "database_password": password}, "the other keys stay as they were"
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        outputs.append(edge(data_dir, "migrate", env=env))
        assert outputs[-1].returncode == 0, outputs[-1].stderr
        outputs.append(edge(data_dir, "backup", env=env))
        assert outputs[-1].returncode == 0, outputs[-1].stderr
        dump = Path(outputs[-1].stdout.split()[1])
        with mariadb.connect(name) as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM schema_migration")
            applied = cur.fetchone()[0]
            cur.execute("DROP TABLE schema_migration")
        outputs.append(edge(data_dir, "restore", str(dump), env=env))
        assert outputs[-1].returncode == 0, outputs[-1].stderr
        with mariadb.connect(name) as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM schema_migration")
            assert cur.fetchone()[0] == applied == head()
        for output in outputs:
            assert password not in output.stdout + output.stderr
    finally:
        mariadb.drop_database(name)
        with mariadb.connect() as conn, conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS 'pos_secret'@'127.0.0.1'")
