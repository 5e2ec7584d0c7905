"""A restored store catches up with the cloud before it sells again.

A backup is some hours old; the sales made after it reached the cloud before the old box died. The restored
store must not hand out their outbox sequence numbers or invoice numbers a second time: the cloud would take a
repeated sequence for a repeat and drop it, and two bills would carry one number. The cloud's resume point
(``python -m cloud_bridge.ingest resume-point --store ID``) names the highest sequence it holds and the highest
number of each invoice and credit-note series; this moves the store's counters past them, in one transaction.
"""

from __future__ import annotations

from typing import Any

from edge.domain.errors import RuleError
from edge.domain.series import parse_number
from edge.services.after_sale import CREDIT_NOTE_MARK
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput
from edge.store.db import write_transaction
from edge.store.models import Counter, InvoiceSeries, Store, Till
from edge.store.outbox import OUTBOX_COUNTER

DOCUMENT_TYPES = {"invoice.issued": "invoice", "credit_note.issued": "credit_note"}


def resume_from_cloud(ctx: ServiceContext, point: dict[str, Any]) -> list[str]:
    """Advance the outbox sequence and every series past the cloud's resume point; returns what moved."""
    with write_transaction(ctx.db):
        store = Store.get()
        if point.get("store_id") != store.code:
            raise InvalidInput(f"the resume point is for store {point.get('store_id')!r}, this is {store.code!r}",
                               "store_id")
        moved = []
        seq = int(point.get("max_seq") or 0)
        counter = Counter.get_or_none(Counter.name == OUTBOX_COUNTER)
        held = counter.value if counter is not None else 0
        if seq > held:
            if counter is None:
                Counter.create(name=OUTBOX_COUNTER, value=seq)
            else:
                Counter.update(value=seq).where(Counter.name == OUTBOX_COUNTER).execute()
            moved.append(f"outbox sequence {held} -> {seq} (the next event is {seq + 1})")
        for event_type, numbers in sorted(point.get("numbers", {}).items()):
            document_type = DOCUMENT_TYPES.get(event_type)
            if document_type is None:
                raise InvalidInput(f"unknown document type {event_type!r} in the resume point", "numbers")
            for number in numbers:
                try:
                    prefix, fy, last = parse_number(number)
                except RuleError as exc:
                    raise InvalidInput(exc.message, "numbers") from exc
                series = InvoiceSeries.get_or_none(
                    (InvoiceSeries.prefix == prefix) & (InvoiceSeries.financial_year == fy)
                    & (InvoiceSeries.document_type == document_type))
                if series is None:  # the backup predates the series' first document: open it where it stands
                    code = prefix.removesuffix(CREDIT_NOTE_MARK) if document_type == "credit_note" else prefix
                    till = Till.get_or_none(Till.code == code)
                    if till is None:
                        raise InvalidInput(f"till {code} of {number} is not in this store; restore a backup that "
                                           "has it", "numbers")
                    InvoiceSeries.create(till=till, document_type=document_type, financial_year=fy, prefix=prefix,
                                         next_number=last + 1)
                    moved.append(f"{document_type} series {prefix}/{fy}: opened at next number {last + 1}")
                elif series.next_number <= last:
                    InvoiceSeries.update(next_number=last + 1).where(InvoiceSeries.id == series.id).execute()
                    moved.append(f"{document_type} series {prefix}/{fy}: next number {series.next_number} -> "
                                 f"{last + 1}")
    return moved
