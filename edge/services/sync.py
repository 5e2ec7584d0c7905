"""Replication progress as the kiosk's progress bar shows it: backlog, oldest unsent, last acknowledgement,
throughput while draining — read from the outbox the publisher marks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import peewee

from edge.services.context import ServiceContext
from edge.store.models import Outbox

THROUGHPUT_WINDOW_S = 60


def sync_status(ctx: ServiceContext) -> dict[str, Any]:
    """Backlog size, age of the oldest unsent event, last acknowledgement and recent throughput."""
    now = ctx.now()
    backlog, oldest = Outbox.select(peewee.fn.COUNT(Outbox.id), peewee.fn.MIN(Outbox.created_at)).where(
        Outbox.sent_at.is_null()).tuples().first()
    last_ack = Outbox.select(peewee.fn.MAX(Outbox.sent_at)).scalar()
    recent = Outbox.select().where(Outbox.sent_at >= now - timedelta(seconds=THROUGHPUT_WINDOW_S)).count()
    return {
        "backlog": int(backlog or 0),
        "oldest_unsent_age_s": int((now - oldest).total_seconds()) if oldest else None,
        "last_ack_at": last_ack.isoformat() + "Z" if last_ack else None,
        "sent_per_s": round(recent / THROUGHPUT_WINDOW_S, 1),
        "last_seq": Outbox.select(peewee.fn.MAX(Outbox.seq)).scalar() or 0,
    }
