"""Attendance, rosters, holidays, leave and payroll."""

import peewee

from edge.store.migrations._frozen import apply_frozen


def apply(db: peewee.Database) -> None:
    """Create the workforce tables (DDL frozen in 0002_workforce.<dialect>.sql)."""
    apply_frozen(db, "0002_workforce")
