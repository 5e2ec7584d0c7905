"""The customer's type on each invoice, as it was when the invoice was issued (reports by customer type)."""

import peewee


def apply(db: peewee.Database) -> None:
    """Add ``invoice.customer_type_id`` (no foreign key: a type's later removal must not touch old invoices)."""
    db.execute_sql("ALTER TABLE invoice ADD COLUMN customer_type_id INTEGER NULL")


def backfill(db: peewee.Database) -> None:
    """Invoices issued before this version take their customer's type now: the best there is, and what the
    report summaries used until then."""
    db.execute_sql(
        "UPDATE invoice SET customer_type_id ="
        " (SELECT c.customer_type_id FROM customer c WHERE c.id = invoice.customer_id)"
        " WHERE customer_id IS NOT NULL AND customer_type_id IS NULL"
    )
