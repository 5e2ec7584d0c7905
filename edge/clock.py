"""Time in one place: stored in UTC (naive datetimes), shown in the store's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Current UTC time as a naive datetime, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_date(utc: datetime, timezone: str) -> date:
    """The calendar date in the store's time zone of a stored (naive UTC) time."""
    return utc.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()
