"""Freezing model definitions into per-dialect DDL files that a migration applies verbatim.

A migration must keep creating the same schema after the models move on, so the baseline
migrations ship the SQL generated when they were written (``python -m edge.store.schema_sql``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import peewee

from edge.store.db import build_database
from edge.store.models import BaseModel

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DIALECT_URLS = {"sqlite": "sqlite:///:memory:", "mysql": "mysql://freeze@127.0.0.1/freeze"}
STATEMENT_END = ";\n"


def create_statements(models: Sequence[type[BaseModel]], db: peewee.Database) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for models, in dependency order, for db's dialect."""
    statements: list[str] = []
    with db.bind_ctx(list(models), bind_refs=False, bind_backrefs=False):
        for model in peewee.sort_models(list(models)):
            schema = model._schema
            # WITHOUT ROWID is SQLite's; InnoDB always clusters a table on its primary key.
            without_rowid, model._meta.without_rowid = model._meta.without_rowid, model._meta.without_rowid and (
                isinstance(db, peewee.SqliteDatabase))
            try:
                nodes = [schema._create_table(safe=False), *schema._create_indexes(safe=False)]
                for node in nodes:
                    sql, params = db.get_sql_context().sql(node).query()
                    assert not params, f"DDL with parameters for {model.__name__}"
                    statements.append(sql)
            finally:
                model._meta.without_rowid = without_rowid
    return statements


def sql_file(migration: str, dialect: str) -> Path:
    """Path of a migration's frozen DDL for a dialect."""
    return MIGRATIONS_DIR / f"{migration}.{dialect}.sql"


def freeze(migration: str, models: Sequence[type[BaseModel]]) -> list[Path]:
    """Write a migration's DDL for every dialect; run once when the migration is written."""
    written = []
    for dialect, url in DIALECT_URLS.items():
        path = sql_file(migration, dialect)
        body = "".join(f"{statement}{STATEMENT_END}" for statement in create_statements(models, build_database(url)))
        path.write_text(f"-- frozen by edge.store.schema_sql for migration {migration}; never edit\n{body}")
        written.append(path)
    return written


def read_statements(migration: str, dialect: str) -> list[str]:
    """Statements of a frozen DDL file."""
    text = sql_file(migration, dialect).read_text()
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("--")]
    return [part.strip() for part in "".join(lines).split(STATEMENT_END) if part.strip()]


def main(argv: list[str]) -> int:
    """Freeze ``MIGRATION MODELS_ATTRIBUTE``, e.g. ``0001_core CORE_MODELS``."""
    from edge.store import models as models_module

    migration, attribute = argv
    for path in freeze(migration, getattr(models_module, attribute)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
