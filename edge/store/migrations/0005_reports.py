"""Report summaries: sales, products, GST, payments, documents by day and month, and open invoices."""

import peewee

from edge.store.migrations._frozen import apply_frozen


def apply(db: peewee.Database) -> None:
    """Create the summary tables (DDL frozen in 0005_reports.<dialect>.sql), and index revisions by when they
    were made (GST amendments of a period)."""
    apply_frozen(db, "0005_reports")
    db.execute_sql("CREATE INDEX invoice_revision_changed_at ON invoice_revision (changed_at)")


def backfill(db: peewee.Database) -> None:
    """Fill the summaries from the sales already in the store (an upgraded store has a history)."""
    from edge.services.report_summaries import rebuild

    rebuild(db)
