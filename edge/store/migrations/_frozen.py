"""Applying a migration's frozen per-dialect DDL."""

from __future__ import annotations

import peewee

from edge.store.db import is_sqlite
from edge.store.schema_sql import read_statements


def apply_frozen(db: peewee.Database, migration: str) -> None:
    """Run every statement of a migration's frozen DDL for db's dialect."""
    dialect = "sqlite" if is_sqlite(db) else "mysql"
    for statement in read_statements(migration, dialect):
        db.execute_sql(statement)
