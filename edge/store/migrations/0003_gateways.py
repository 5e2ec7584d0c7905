"""Gateway payment attempts: the persisted state machine of each card / UPI payment through a gateway."""

import peewee

from edge.store.migrations._frozen import apply_frozen


def apply(db: peewee.Database) -> None:
    """Create the gateway_attempt table (DDL frozen in 0003_gateways.<dialect>.sql)."""
    apply_frozen(db, "0003_gateways")
