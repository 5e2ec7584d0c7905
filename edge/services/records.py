"""Finding a replicated record by the UUID a client sent."""

from __future__ import annotations

import uuid
from typing import TypeVar

from edge.services.errors import NotFound
from edge.store import sql
from edge.store.models import ReplicatedModel

Record = TypeVar("Record", bound=ReplicatedModel)


def by_uuid(model: type[Record], text: str | None, field: str, what: str, lock: bool = False) -> Record:
    """The row whose UUID is ``text``, or NotFound naming the field. With ``lock`` the row stays locked for
    the rest of the transaction on MySQL (SQLite's BEGIN IMMEDIATE already holds the write lock)."""
    try:
        key = uuid.UUID(str(text))
    except ValueError as exc:
        raise NotFound(f"no such {what}", field) from exc
    row = sql.first(model, "uuid = {p}", key.hex, lock=lock)
    if row is None:
        raise NotFound(f"no such {what}", field)
    return row
