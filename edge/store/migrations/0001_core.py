"""Store, catalog, customers, people and access, sales, payments, replication and devices."""

import peewee

from edge.store.migrations._frozen import apply_frozen


def apply(db: peewee.Database) -> None:
    """Create the core tables (DDL frozen in 0001_core.<dialect>.sql)."""
    apply_frozen(db, "0001_core")
