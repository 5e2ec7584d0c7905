"""Security: the hash chain over each invoice series, TOTP replay protection, login stages of a session."""

import peewee

from edge.store.migrations._frozen import apply_frozen


def apply(db: peewee.Database) -> None:
    """Create document_chain; add user.totp_last_step and user_session.stage (0004_security.<dialect>.sql)."""
    apply_frozen(db, "0004_security")
