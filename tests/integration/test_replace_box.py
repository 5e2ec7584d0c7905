"""A dead box replaced: a new box gets the last backup (older than the last sales), catches up with the cloud's
resume point, and sells on — the cloud ends up with every sale of both boxes, no sequence dropped as a repeat
and no invoice number issued twice. Real mosquitto and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from cloud_bridge.ingest import report, resume_point
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput
from edge.services.resume import resume_from_cloud
from edge.store.backup import make_backup, restore_sqlite
from edge.store.models import Outbox
from tests.conftest import FakeClock, make_config, make_context, release
from tests.integration.test_cli import edge
from tests.integration.test_replication import (  # noqa: F401  (fixtures)
    STORE,
    broker,
    cloud,
    postgres,
    sell,
    start_ingest,
    start_publisher,
)
from tests.servers import MosquittoServer, wait_until


def cloud_caught_up(dsn: str, last_seq: int) -> bool:
    """The cloud has applied everything up to ``last_seq``."""
    rows = [row for row in report(dsn) if row["store_id"] == STORE]
    return bool(rows) and rows[0]["applied_seq"] == last_seq


def test_a_new_box_restored_from_an_old_backup_catches_up_and_sells_on(
    demo_ctx: ServiceContext, cloud: str, broker: MosquittoServer, tmp_path: Path, clock: FakeClock  # noqa: F811
) -> None:
    _, ingest = start_ingest(cloud, broker)
    _, publisher = start_publisher(demo_ctx, broker)
    try:
        sell(demo_ctx, 3)
        backup = make_backup(demo_ctx.config.database_url, demo_ctx.config.data_dir, tmp_path / "usb").path
        sell(demo_ctx, 4)  # after the last backup: only the cloud will have these
        last = Outbox.select().count()
        wait_until(lambda: cloud_caught_up(cloud, last), 30, "the cloud to hold the old box's sales")
    finally:
        publisher.halt()
    release(demo_ctx)  # the old box dies

    new_dir = tmp_path / "new-box"
    new_dir.mkdir()
    shutil.copy2(tmp_path / "usb" / "secrets.toml", new_dir / "secrets.toml")
    restore_sqlite(backup, new_dir / "store.db")
    new_box = make_context(make_config(new_dir), clock)
    try:
        point = resume_point(cloud, STORE)
        assert point["max_seq"] == last
        assert point["numbers"] == {"invoice.issued": ["T1/2627/000007"]}
        with pytest.raises(InvalidInput) as other_store:
            resume_from_cloud(new_box, {**point, "store_id": "S999"})
        assert other_store.value.field == "store_id", "another store's resume point is refused"
        moved = resume_from_cloud(new_box, point)
        assert moved == [f"outbox sequence {Outbox.select().count()} -> {last} (the next event is {last + 1})",
                         "invoice series T1/2627: next number 4 -> 8"]
        assert resume_from_cloud(new_box, point) == [], "twice is harmless"

        _, publisher = start_publisher(new_box, broker)
        try:
            sell(new_box, 2)
            newest = int(Outbox.select().order_by(Outbox.seq.desc()).first().seq)
            assert newest > last
            wait_until(lambda: cloud_caught_up(cloud, newest), 30, "the cloud to take the new box's sales")
        finally:
            publisher.halt()
    finally:
        ingest.halt()
        release(new_box)
    with psycopg.connect(cloud) as conn:
        numbers = [row[0] for row in conn.execute(
            "SELECT number FROM invoice WHERE store_id = %s ORDER BY number", (STORE,))]
        dead = conn.execute("SELECT count(*) FROM dead_letter").fetchone()
    assert numbers == [f"T1/2627/{n:06d}" for n in range(1, 10)], "3 + 4 from the old box, 2 from the new"
    assert dead == (0,)


def test_resume_from_cloud_on_the_command_line(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    data_dir = demo_ctx.config.data_dir
    release(demo_ctx)
    point = tmp_path / "resume.json"
    point.write_text(json.dumps({"store_id": STORE, "max_seq": 5000,
                                 "numbers": {"invoice.issued": ["T2/2627/000041"]}}))
    done = edge(data_dir, "resume-from-cloud", str(point))
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("outbox sequence ") and first.endswith(" -> 5000 (the next event is 5001)")
    assert second == "invoice series T2/2627: opened at next number 42", "no sale on T2 yet: the series opens there"
    point.write_text(json.dumps({"store_id": STORE, "max_seq": 1, "numbers": {"invoice.issued": ["T9/2627/000001"]}}))
    unknown = edge(data_dir, "resume-from-cloud", str(point))
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: numbers: till T9 of T9/2627/000001 is not in this store")
