"""Numbered migrations: ``edge/store/migrations/NNNN_name.py``, each with ``apply(db)`` and optionally
``backfill(db)`` (data filled by this software's code, run after the schema reaches its head)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import peewee

from edge.clock import utcnow
from edge.store import migrations as migrations_package


class MigrationError(Exception):
    """The database is ahead of this software or a migration failed."""


@dataclass(frozen=True)
class Migration:
    """A numbered migration module."""

    version: int
    name: str
    module: ModuleType

    def apply(self, db: peewee.Database) -> None:
        """Run the migration's ``apply(db)``."""
        self.module.apply(db)


def available() -> list[Migration]:
    """Every migration shipped with this software, in order."""
    found = []
    for info in pkgutil.iter_modules(migrations_package.__path__):
        number, _, name = info.name.partition("_")
        if number.isdigit():
            module = importlib.import_module(f"{migrations_package.__name__}.{info.name}")
            found.append(Migration(int(number), name, module))
    found.sort(key=lambda migration: migration.version)
    return found


def head() -> int:
    """The newest schema version this software knows."""
    return available()[-1].version


def _ensure_table(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration "
        "(version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, applied_at VARCHAR(32) NOT NULL)"
    )


def current_version(db: peewee.Database) -> int:
    """The schema version of a database (0 when empty)."""
    if "schema_migration" not in db.get_tables():
        return 0
    row = db.execute_sql("SELECT MAX(version) FROM schema_migration").fetchone()
    return int(row[0] or 0)


def skipped_migrations(db: peewee.Database) -> list[str]:
    """Migrations below the store's version that it never ran (one numbered out of order, say after two
    branches merged): migrate would never run them, so the schema would silently lack their tables."""
    version = current_version(db)
    if version == 0:
        return []
    done = {int(row[0]) for row in db.execute_sql("SELECT version FROM schema_migration").fetchall()}
    return [f"{m.version:04d}_{m.name}" for m in available() if m.version < version and m.version not in done]


def refuse_gaps(db: peewee.Database) -> None:
    """MigrationError naming the migrations a store skipped (see skipped_migrations)."""
    skipped = skipped_migrations(db)
    if skipped:
        raise MigrationError(
            f"the store is at schema version {current_version(db)} but never ran {', '.join(skipped)}: a migration "
            "was numbered below one already applied; renumber it above the newest"
        )


def migrate(db: peewee.Database, target: int | None = None) -> list[Migration]:
    """Bring the database to ``target`` (default: head); returns the migrations applied."""
    _ensure_table(db)
    version = current_version(db)
    known = available()
    if version > known[-1].version:
        raise MigrationError(
            f"the store is at schema version {version}, newer than this software ({known[-1].version}); "
            "upgrade the software"
        )
    refuse_gaps(db)
    goal = known[-1].version if target is None else target
    applied = []
    for migration in known:
        if version < migration.version <= goal:
            # MySQL commits DDL implicitly; SQLite runs each migration in one transaction.
            with db.atomic():
                migration.apply(db)
                marks = ", ".join([db.param] * 3)
                db.execute_sql(
                    f"INSERT INTO schema_migration (version, name, applied_at) VALUES ({marks})",  # noqa: S608
                    (migration.version, migration.name, utcnow().isoformat()),
                )
            applied.append(migration)
    if goal == known[-1].version:
        # Data backfills use this software's code, so they run only once the schema is at its head.
        for migration in applied:
            backfill = getattr(migration.module, "backfill", None)
            if backfill is not None:
                with db.atomic():
                    backfill(db)
    return applied
