"""Plain parameterised SQL over the peewee models, for the hot paths (scan, checkout, outbox).

peewee builds each query from expression objects, about 0.15 ms of CPU a statement; a sale runs dozens.
These helpers keep the models, tables and value conversions but cache the SQL text per model and dialect.
Templates write ``{p}`` for a parameter, ``{t}`` for the model's table and ``{cols}`` for its columns; every
name in a template is a plain lower-case identifier valid on SQLite and MySQL. Templates are constants in the
code; every value goes as a parameter (hence the S608 waivers).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

import peewee

from edge.store.db import is_sqlite

Row = TypeVar("Row", bound=peewee.Model)


@lru_cache(maxsize=512)
def _text(template: str, param: str, table: str = "", columns: str = "") -> str:
    return template.format(p=param, t=table, cols=columns)


def _columns(model: type[peewee.Model]) -> str:
    return ", ".join(field.column_name for field in model._meta.sorted_fields)


def execute(db: peewee.Database, template: str, *params: Any) -> Any:
    """Run a statement (``{p}`` placeholders) and return the DB-API cursor."""
    return db.execute_sql(_text(template, db.param), params)


def scalar(db: peewee.Database, template: str, *params: Any) -> Any:
    """The first column of the first row, or None."""
    row = execute(db, template, *params).fetchone()
    return row[0] if row else None


def select(model: type[Row], where: str, *params: Any, order_by: str = "", limit: int = 0,
           lock: bool = False) -> list[Row]:
    """Model instances of the rows matching a WHERE template; with ``lock`` they stay locked for the
    transaction on MySQL (SQLite's BEGIN IMMEDIATE already holds the write lock)."""
    db = model._meta.database
    template = "SELECT {cols} FROM {t} WHERE " + where + (f" ORDER BY {order_by}" if order_by else "")  # noqa: S608
    if limit:
        template += f" LIMIT {int(limit)}"
    if lock and not is_sqlite(db):
        template += " FOR UPDATE"
    text = _text(template, db.param, model._meta.table_name, _columns(model))
    return list(model.raw(text, *params))


def first(model: type[Row], where: str, *params: Any, order_by: str = "", lock: bool = False) -> Row | None:
    """The first row matching a WHERE template as a model instance, or None."""
    rows = select(model, where, *params, order_by=order_by, limit=1, lock=lock)
    return rows[0] if rows else None


@lru_cache(maxsize=256)
def _insert_text(model: type[peewee.Model], names: tuple[str, ...], param: str, quote: str) -> str:
    fields = model._meta.fields
    columns = ", ".join(f"{quote[0]}{fields[name].column_name}{quote[1]}" for name in names)
    marks = ", ".join([param] * len(names))
    return f"INSERT INTO {quote[0]}{model._meta.table_name}{quote[1]} ({columns}) VALUES ({marks})"  # noqa: S608


def insert(model: type[peewee.Model], **values: Any) -> int:
    """Insert one row (field names as keywords, Python values converted as the model does) and return
    its auto-increment ID (0 for tables keyed otherwise). Fields left out take their defaults."""
    meta = model._meta
    for name, field in meta.fields.items():
        if name not in values and field.default is not None:
            values[name] = field.default() if callable(field.default) else field.default
    fields = meta.fields
    params = [fields[name].db_value(value) for name, value in values.items()]
    db = meta.database
    cursor = db.execute_sql(_insert_text(model, tuple(values), db.param, db.quote), params)
    return int(cursor.lastrowid or 0)


@lru_cache(maxsize=256)
def _insert_rows_text(model: type[peewee.Model], names: tuple[str, ...], count: int, param: str, quote: str) -> str:
    one = _insert_text(model, names, param, quote)
    head, _, marks = one.partition(" VALUES ")
    return f"{head} VALUES " + ", ".join([marks] * count)


def _row_values(row: peewee.Model) -> dict[str, Any]:
    """A new instance's field values (defaults applied by the model), without an unset auto-increment key."""
    primary = row._meta.primary_key
    values = dict(row.__data__)
    if isinstance(primary, peewee.AutoField) and values.get(primary.name) is None:
        values.pop(primary.name, None)
    return values


def insert_new(row: Row) -> Row:
    """Insert a model instance built in memory (``Model(field=...)``) and set its auto-increment key; the
    instance keeps the related objects it was given, so reading them costs no query."""
    key = insert(type(row), **_row_values(row))
    primary = row._meta.primary_key
    if isinstance(primary, peewee.AutoField):
        setattr(row, primary.name, key)
    return row


def insert_all(rows: list[Row]) -> None:
    """Insert new model instances of one model in one statement (their keys are not read back)."""
    if not rows:
        return
    model = type(rows[0])
    values = [_row_values(row) for row in rows]
    names = tuple(values[0])
    fields = model._meta.fields
    params = [fields[name].db_value(row[name]) for row in values for name in names]
    db = model._meta.database
    db.execute_sql(_insert_rows_text(model, names, len(rows), db.param, db.quote), params)
