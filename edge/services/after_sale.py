"""After the bill: buyer-detail corrections (revisions), returns as credit notes with refunds, cancellation.

Items and amounts of an issued invoice are never edited in place (docs/billing-rules.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from edge.domain import invoice_state
from edge.domain.errors import RuleError
from edge.domain.invoice import BuyerDetails, CreditedLine, TaxedLine, credit_note, revise_buyer
from edge.domain.payments import Method, refund
from edge.domain.series import SeriesState, financial_year, issue
from edge.services import permissions, report_summaries
from edge.services.audit import record_audit
from edge.services.carts import sale_date
from edge.services.checkout import _invoice, _payment_lines, invoice_summary, line_tax_of, payment_document
from edge.services.context import ServiceContext
from edge.services.errors import Forbidden, InvalidInput
from edge.store.db import write_transaction
from edge.store.models import (
    CreditNote,
    CreditNoteLine,
    CustomerLedgerEntry,
    Invoice,
    InvoiceLine,
    InvoiceRevision,
    InvoiceSeries,
    Payment,
    RegisterSession,
    User,
)
from edge.store.outbox import enqueue

CREDIT_NOTE_MARK = "C"


def _rule(exc: RuleError) -> InvalidInput:
    return InvalidInput(exc.message, exc.field, exc.code)


def _taxed_lines(invoice: Invoice) -> list[tuple[InvoiceLine, TaxedLine]]:
    return [
        (line, TaxedLine(line.line_no, line.hsn_code, line.gst_rate_bp, line.cess_bp, line.quantity_milli,
                         line_tax_of(line)))
        for line in InvoiceLine.select().where(InvoiceLine.invoice == invoice).order_by(InvoiceLine.line_no)
    ]


def _buyer(invoice: Invoice, store_state: str) -> BuyerDetails:
    """The invoice's buyer details; a place of supply other than the one they imply is a delivery state."""
    delivery = invoice.place_of_supply_state_code
    implied = BuyerDetails(invoice.buyer_name, invoice.buyer_gstin, invoice.buyer_address,
                           invoice.billing_state_code).place(store_state)
    return BuyerDetails(invoice.buyer_name, invoice.buyer_gstin, invoice.buyer_address, invoice.billing_state_code,
                        None if delivery == implied else delivery)


def correct_buyer(ctx: ServiceContext, user: User, invoice_id: str, changes: dict[str, Any],
                  reason: str) -> dict[str, Any]:
    """Correct the buyer's name, GSTIN, address or place of supply as a new revision (re-taxed if the supply
    moves between intra- and inter-state); the before and after are kept."""
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        if invoice.status != invoice_state.StoredStatus.ISSUED.value:
            raise InvalidInput(f"a {invoice.status} invoice cannot be corrected", "status", "invoice_not_issued")
        current = _buyer(invoice, ctx.config.get("store.state_code"))
        corrected = BuyerDetails(
            changes.get("name", current.name), changes.get("gstin", current.gstin),
            changes.get("address", current.address), changes.get("state_code", current.state_code),
            changes.get("delivery_state", current.delivery_state),
        )
        pairs = _taxed_lines(invoice)
        try:
            revision = revise_buyer(ctx.config.get("store.state_code"), invoice.seller_registration.state_code,
                                    current, corrected, [taxed for _, taxed in pairs], invoice.revision + 1, reason)
        except RuleError as exc:
            raise _rule(exc) from exc
        before = invoice_summary(ctx, invoice)
        for (row, _), taxed in zip(pairs, revision.lines, strict=True):
            InvoiceLine.update(
                cgst_paise=taxed.tax.cgst_paise, sgst_paise=taxed.tax.sgst_paise, igst_paise=taxed.tax.igst_paise,
                cess_paise=taxed.tax.cess_paise, total_paise=taxed.tax.total_paise,
            ).where(InvoiceLine.id == row.id).execute()
        after_buyer, totals = revision.after, revision.totals_after
        Invoice.update(
            buyer_name=after_buyer.name, buyer_gstin=after_buyer.gstin, buyer_address=after_buyer.address,
            billing_state_code=after_buyer.state_code or invoice.billing_state_code,
            place_of_supply_state_code=after_buyer.place(ctx.config.get("store.state_code")),
            supply_type=revision.supply_after.value, revision=revision.revision,
            cgst_paise=totals.cgst_paise, sgst_paise=totals.sgst_paise, igst_paise=totals.igst_paise,
            cess_paise=totals.cess_paise, round_off_paise=totals.round_off_paise, total_paise=totals.grand_total_paise,
        ).where(Invoice.id == invoice.id).execute()
        difference = revision.total_difference_paise
        if difference and invoice.customer_id:
            CustomerLedgerEntry.create(customer=invoice.customer_id, at=ctx.now(), kind="adjustment",
                                       invoice=invoice, amount_paise=difference,
                                       note=f"{invoice.number} revision {revision.revision}")
        after = invoice_summary(ctx, Invoice.get_by_id(invoice.id))
        row = InvoiceRevision.create(
            invoice=invoice, revision=revision.revision, changed_at=ctx.now(), changed_by=user, reason=revision.reason,
            before=json.dumps(before, sort_keys=True, default=str),
            after=json.dumps(after, sort_keys=True, default=str),
        )
        record_audit(ctx, "invoice.revised", user, "invoice", str(invoice.uuid),
                     details={"revision": revision.revision, "reason": revision.reason,
                              "before": asdict(current), "after": asdict(after_buyer)})
        enqueue("invoice.revised", row.uuid, {"invoice": str(invoice.uuid), "revision": revision.revision,
                                              "reason": revision.reason, "document": after})
        report_summaries.invoice_revised(ctx, invoice, row)
    after["revision_difference_paise"] = difference
    return after


def revisions(invoice_id: str) -> list[dict[str, Any]]:
    """Every revision of an invoice: who, when, why, and the invoice before and after."""
    invoice = _invoice(invoice_id)
    return [
        {"revision": row.revision, "changed_at": row.changed_at.isoformat() + "Z",
         "changed_by": row.changed_by.username, "reason": row.reason,
         "before": json.loads(row.before), "after": json.loads(row.after)}
        for row in InvoiceRevision.select().where(InvoiceRevision.invoice == invoice).order_by(InvoiceRevision.revision)
    ]


def _credit_note_number(ctx: ServiceContext, invoice: Invoice) -> tuple[InvoiceSeries, str]:
    on = sale_date(ctx)
    till = invoice.till
    fy = financial_year(on)
    series = InvoiceSeries.get_or_none((InvoiceSeries.till == till) & (InvoiceSeries.document_type == "credit_note")
                                       & (InvoiceSeries.financial_year == fy))
    if series is None:
        series = InvoiceSeries.create(till=till, document_type="credit_note", financial_year=fy,
                                      prefix=f"{till.code}{CREDIT_NOTE_MARK}")
    number, state = issue(SeriesState(series.prefix, series.financial_year, series.next_number), on)
    InvoiceSeries.update(next_number=state.next_number).where(InvoiceSeries.id == series.id).execute()
    return series, number


def return_items(ctx: ServiceContext, user: User, invoice_id: str, returns: dict[int, int], reason: str,
                 refund_method: str | None = None, reference: str = "") -> dict[str, Any]:
    """Credit returned quantities (line number → thousandths) against an invoice, in a numbered credit note;
    refund the money by a method, or leave the credit on the customer's account."""
    if not reason.strip():
        raise InvalidInput("say why the goods come back", "reason", "reason_required")
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        if invoice.status != invoice_state.StoredStatus.ISSUED.value:
            raise InvalidInput(f"a {invoice.status} invoice takes no returns", "status", "invoice_not_issued")
        pairs = _taxed_lines(invoice)
        by_no = {taxed.line_no: row for row, taxed in pairs}
        done: dict[int, list[CreditedLine]] = {}
        for part in CreditNoteLine.select().join(CreditNote).where(CreditNote.invoice == invoice):
            line_no = part.invoice_line.line_no
            done.setdefault(line_no, []).append(CreditedLine(line_no, part.quantity_milli, line_tax_of(part)))
        try:
            amounts = credit_note([taxed for _, taxed in pairs], done, returns)
        except RuleError as exc:
            raise _rule(exc) from exc
        series, number = _credit_note_number(ctx, invoice)
        totals = amounts.totals
        note = CreditNote.create(
            number=number, series=series, invoice=invoice, customer=invoice.customer_id, issued_by=user,
            issued_at=ctx.now(), reason=reason.strip(), taxable_paise=totals.taxable_paise,
            cgst_paise=totals.cgst_paise, sgst_paise=totals.sgst_paise, igst_paise=totals.igst_paise,
            cess_paise=totals.cess_paise, round_off_paise=totals.round_off_paise, total_paise=totals.grand_total_paise,
        )
        for part in amounts.lines:
            CreditNoteLine.create(
                credit_note=note, invoice_line=by_no[part.line_no], quantity_milli=part.quantity_milli,
                taxable_paise=part.tax.taxable_paise, cgst_paise=part.tax.cgst_paise, sgst_paise=part.tax.sgst_paise,
                igst_paise=part.tax.igst_paise, cess_paise=part.tax.cess_paise, total_paise=part.tax.total_paise,
            )
        if invoice.customer_id:
            CustomerLedgerEntry.create(customer=invoice.customer_id, at=ctx.now(), kind="credit_note",
                                       invoice=invoice, credit_note=note, amount_paise=-note.total_paise, note=number)
        record_audit(ctx, "credit_note.issued", user, "credit_note", str(note.uuid),
                     details={"invoice": invoice.number, "number": number, "reason": note.reason})
        refunded = None
        if refund_method is not None:
            refunded = _refund(ctx, user, invoice, refund_method, note.total_paise, reference)
        enqueue("credit_note.issued", note.uuid, {
            "invoice": str(invoice.uuid), "number": number, "reason": note.reason, "total_paise": note.total_paise,
            "lines": [{"line_no": part.line_no, "quantity_milli": part.quantity_milli, **asdict(part.tax)}
                      for part in amounts.lines],
        })
        report_summaries.credit_note_issued(ctx, note)
    return {"id": str(note.uuid), "number": number, "invoice": invoice.number, "total_paise": note.total_paise,
            "taxable_paise": note.taxable_paise, "cgst_paise": note.cgst_paise, "sgst_paise": note.sgst_paise,
            "igst_paise": note.igst_paise, "round_off_paise": note.round_off_paise,
            "lines": [{"line_no": part.line_no, "quantity_milli": part.quantity_milli,
                       "total_paise": part.tax.total_paise} for part in amounts.lines],
            "refund": payment_document(refunded) if refunded else None}


def _refund(ctx: ServiceContext, user: User, invoice: Invoice, method: str, amount_paise: int,
            reference: str) -> Payment:
    try:
        line = refund(invoice.total_paise, _payment_lines(invoice), Method(method), amount_paise, reference)
    except ValueError as exc:
        if isinstance(exc, RuleError):
            raise _rule(exc) from exc
        raise InvalidInput(f"unknown payment method {method!r}", "refund_method") from exc
    register = RegisterSession.get_or_none((RegisterSession.till == invoice.till_id)
                                          & (RegisterSession.status == "open"))
    payment = Payment.create(invoice=invoice, customer=invoice.customer_id, kind="refund", method=line.method.value,
                             register_session=register,
                             amount_paise=-line.amount_paise, reference=line.reference, received_by=user,
                             created_at=ctx.now(), updated_at=ctx.now())
    if invoice.customer_id:
        CustomerLedgerEntry.create(customer=invoice.customer_id, at=ctx.now(), kind="refund", invoice=invoice,
                                   payment=payment, amount_paise=line.amount_paise, note=line.reference)
    enqueue("payment.refunded", payment.uuid, {"invoice": str(invoice.uuid), "method": payment.method,
                                                "amount_paise": line.amount_paise, "reference": payment.reference})
    report_summaries.payment_recorded(ctx, payment)
    return payment


def refund_payment(ctx: ServiceContext, user: User, invoice_id: str, method: str, amount_paise: int,
                   reference: str = "") -> dict[str, Any]:
    """Give money back on an invoice (before cancelling it, or money taken twice)."""
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        record_audit(ctx, "payment.refunded", user, "invoice", str(invoice.uuid),
                     details={"method": method, "amount_paise": amount_paise})
        payment = _refund(ctx, user, invoice, method, amount_paise, reference)
    summary = invoice_summary(ctx, Invoice.get_by_id(invoice.id))
    ctx.bus.publish("payment.updated", {"till": invoice.till.code, "invoice_id": str(invoice.uuid),
                                        "status": summary["status"], "payment": payment_document(payment),
                                        "paid_paise": summary["paid_paise"],
                                        "balance_due_paise": summary["balance_due_paise"]})
    return summary


def cancel_invoice(ctx: ServiceContext, user: User, invoice_id: str, reason: str) -> dict[str, Any]:
    """Cancel an issued invoice with a reason, once its money has been refunded; its number stays used."""
    if not permissions.grant(user.role, permissions.CANCEL_INVOICE).granted:
        raise Forbidden("cancelling an invoice needs a manager")
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        try:
            status = invoice_state.cancel(invoice.status, reason, _payment_lines(invoice))
        except RuleError as exc:
            raise _rule(exc) from exc
        Invoice.update(status=status.value, cancelled_at=ctx.now(), cancel_reason=reason.strip()).where(
            Invoice.id == invoice.id).execute()
        if invoice.customer_id:
            owed = sum(row.amount_paise for row in CustomerLedgerEntry.select().where(
                CustomerLedgerEntry.invoice == invoice))
            if owed:
                CustomerLedgerEntry.create(customer=invoice.customer_id, at=ctx.now(), kind="adjustment",
                                           invoice=invoice, amount_paise=-owed, note=f"{invoice.number} cancelled")
        record_audit(ctx, "invoice.cancelled", user, "invoice", str(invoice.uuid),
                     details={"number": invoice.number, "reason": reason.strip()})
        enqueue("invoice.cancelled", invoice.uuid, {"number": invoice.number, "reason": reason.strip()})
        report_summaries.invoice_cancelled(ctx, invoice)
    return invoice_summary(ctx, Invoice.get_by_id(invoice.id))
