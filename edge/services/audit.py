"""The audit trail: append-only rows, each hash chained to the one before (tamper evidence)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from edge.domain.series import parse_number
from edge.services.context import ServiceContext
from edge.store import sql
from edge.store.models import (
    AuditLog,
    Counter,
    CreditNote,
    CreditNoteLine,
    DocumentChain,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    User,
)
from edge.store.outbox import enqueue, next_value

AUDIT_CHAIN = "audit_chain"


def _row_hash(prev_hash: str, row: AuditLog, username: str) -> str:
    fields = {
        "at": row.at.isoformat(), "user": username, "action": row.action, "entity": row.entity,
        "entity_id": row.entity_id, "ip": row.ip, "details": row.details,
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def record_audit(
    ctx: ServiceContext,
    action: str,
    user: User | None = None,
    entity: str = "",
    entity_id: str = "",
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Append an audit row; call inside the transaction of the change it records, before any outbox row
    (lock order: audit chain, then outbox sequence)."""
    next_value(AUDIT_CHAIN)  # serialises appends (a row lock on MySQL) so the chain never forks
    last_hash = sql.scalar(ctx.db, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
    row = AuditLog(
        at=ctx.now(), user=user, action=action, entity=entity, entity_id=entity_id, ip=ip,
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=last_hash or "",
    )
    row.hash = _row_hash(row.prev_hash, row, user.username if user else "")
    sql.insert_new(row)
    # Replicated like every business event: the cloud keeps the store's audit trail, hash chain included.
    enqueue("audit.recorded", row.uuid, {
        "at": row.at, "user": user.username if user else None, "action": action, "entity": entity,
        "entity_id": entity_id, "ip": ip, "details": row.details, "prev_hash": row.prev_hash, "hash": row.hash,
    })
    return row


def verify_chain() -> int | None:
    """ID of the first audit row whose hash does not match, or None when the chain is intact."""
    prev_hash = ""
    for row in AuditLog.select().order_by(AuditLog.id).iterator():
        username = row.user.username if row.user_id else ""
        if row.prev_hash != prev_hash or row.hash != _row_hash(prev_hash, row, username):
            return int(row.id)
        prev_hash = row.hash
    return None


# --- the chain over each invoice series ---------------------------------------------------------------------

INVOICE_FIELDS = (
    "number", "revision", "till_id", "seller_registration_id", "customer_id", "buyer_name", "buyer_gstin",
    "buyer_address", "billing_state_code", "place_of_supply_state_code", "supply_type", "subtotal_paise",
    "discount_paise", "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise", "round_off_paise",
    "total_paise", "issued_at", "cancelled_at", "cancel_reason",
)
INVOICE_LINE_FIELDS = (
    "line_no", "product_id", "product_name", "hsn_code", "unit_kind", "unit_name", "unit_factor_milli",
    "quantity_milli", "rate_paise", "rate_tier", "rate_includes_tax", "discount_paise", "taxable_paise",
    "gst_rate_bp", "cgst_paise", "sgst_paise", "igst_paise", "cess_bp", "cess_paise", "total_paise",
)
CREDIT_NOTE_FIELDS = (
    "number", "invoice_id", "customer_id", "issued_at", "reason", "taxable_paise", "cgst_paise", "sgst_paise",
    "igst_paise", "cess_paise", "round_off_paise", "total_paise",
)
CREDIT_NOTE_LINE_FIELDS = (
    "invoice_line_id", "quantity_milli", "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise",
    "total_paise",
)


def _pick(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def invoice_content_hash(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> str:
    """SHA-256 of what the invoice says for GST: header, buyer, totals, cancellation and every line (not its
    payment status, which payments change). ``lines``: the rows just inserted (else read)."""
    if lines is None:
        lines = list(InvoiceLine.select().where(InvoiceLine.invoice == invoice))
    ordered = sorted(lines, key=lambda line: line.line_no)
    return _digest({"uuid": str(invoice.uuid), **_pick(invoice, INVOICE_FIELDS),
                    "lines": [_pick(line, INVOICE_LINE_FIELDS) for line in ordered]})


def credit_note_content_hash(note: CreditNote) -> str:
    """SHA-256 of a credit note's header and lines."""
    lines = CreditNoteLine.select().where(CreditNoteLine.credit_note == note).order_by(CreditNoteLine.id)
    return _digest({"uuid": str(note.uuid), **_pick(note, CREDIT_NOTE_FIELDS),
                    "lines": [_pick(line, CREDIT_NOTE_LINE_FIELDS) for line in lines]})


def _link_hash(link: DocumentChain) -> str:
    body = json.dumps({
        "series": link.series_id, "number": link.number, "document": str(link.document_uuid),
        "revision": link.revision, "event": link.event, "content": link.content_hash, "at": link.at.isoformat(),
    }, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{link.prev_hash}|{body}".encode()).hexdigest()


def chain_document(ctx: ServiceContext, document: Invoice | CreditNote, event: str,
                   lines: list[InvoiceLine] | None = None) -> DocumentChain:
    """Append a link for an invoice or credit note of a series (issued, corrected, cancelled); call in the
    transaction that changed it, after record_audit and before enqueue (lock order). ``lines``: a new
    invoice's rows as just inserted, with the invoice as inserted (checkout's hot path reads nothing back);
    without them the document is read as stored, as the verifier will read it."""
    if lines is None:
        document = type(document).get_by_id(document.id)
    series_id = document.series_id
    next_value(f"doc_chain:{series_id}")  # serialises the series' links (a row lock on MySQL)
    last_hash = sql.scalar(ctx.db, "SELECT hash FROM document_chain WHERE series_id = {p} ORDER BY id DESC LIMIT 1",
                           series_id)
    is_invoice = isinstance(document, Invoice)
    link = DocumentChain(
        series=series_id, number=document.number, document_uuid=document.uuid,
        revision=document.revision if is_invoice else 0, event=event,
        content_hash=invoice_content_hash(document, lines) if is_invoice else credit_note_content_hash(document),
        prev_hash=last_hash or "", at=ctx.now(),
    )
    link.hash = _link_hash(link)
    sql.insert_new(link)
    return link


# --- verification ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first broken link of a chain: where, which row, what happened."""

    chain: str
    row: str
    kind: str  # edited | deleted | reordered | missing | gap
    message: str


@dataclass
class VerifyReport:
    """Every chain checked: rows seen per chain and the first problem of each broken one."""

    checked: dict[str, int] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def first_problem(self) -> str:
        problem = self.problems[0]
        return f"{problem.chain}: {problem.kind} at {problem.row}: {problem.message}"

    def lines(self) -> list[str]:
        broken = {problem.chain: problem for problem in self.problems}
        out = []
        for chain, count in self.checked.items():
            if chain in broken:
                problem = broken[chain]
                out.append(f"{chain}: BROKEN — {problem.kind} at {problem.row}: {problem.message}")
            else:
                out.append(f"{chain}: {count} links intact, head {self.heads.get(chain, '-')[:16]}")
        return out


def _walk(rows: list[Any], recompute: Any, describe: Any, chain: str) -> Problem | None:
    """The first problem of a hash chain: a row whose content no longer matches its hash (edited), whose
    predecessor is another row further on (reordered) or nowhere (deleted)."""
    positions = {row.hash: index for index, row in enumerate(rows)}
    prev_hash = ""
    for index, row in enumerate(rows):
        if row.hash != recompute(row):
            return Problem(chain, describe(row), "edited", "its content no longer matches its hash (changed after "
                                                           "it was written)")
        if row.prev_hash != prev_hash:
            before = positions.get(row.prev_hash)
            if before is not None and before != index - 1:
                return Problem(chain, describe(row), "reordered",
                               f"it follows {describe(rows[before])}, not the row before it")
            return Problem(chain, describe(row), "deleted", "the row it was chained to is missing")
        prev_hash = row.hash
    return None


def verify_audit_chain(report: VerifyReport) -> None:
    """The audit trail's chain, and its length against the append counter (rows deleted at the end)."""
    names = {user.id: user.username for user in User.select(User.id, User.username)}
    rows = list(AuditLog.select().order_by(AuditLog.id))
    chain = "audit log"
    report.checked[chain] = len(rows)
    report.heads[chain] = rows[-1].hash if rows else ""

    def recompute(row: AuditLog) -> str:
        return _row_hash(row.prev_hash, row, names.get(row.user_id, "") if row.user_id else "")

    def describe(row: AuditLog) -> str:
        return f"row {row.id} ({row.action}, {row.at.isoformat()}Z)"

    problem = _walk(rows, recompute, describe, chain)
    appended = Counter.get_or_none(Counter.name == AUDIT_CHAIN)
    if problem is None and appended is not None and appended.value > len(rows):
        problem = Problem(chain, "the end", "deleted",
                          f"{appended.value - len(rows)} of {appended.value} appended rows are missing")
    if problem:
        report.problems.append(problem)


def _number(text: str) -> int | None:
    try:
        return parse_number(text)[2]
    except ValueError:
        return None


def verify_series(series: InvoiceSeries, report: VerifyReport) -> None:
    """One series: its link chain, gap-free numbers in order, and every document's current content equal to
    its last chained version."""
    chain = f"series {series.prefix}/{series.financial_year} ({series.document_type})"
    links = list(DocumentChain.select().where(DocumentChain.series == series).order_by(DocumentChain.id))
    report.checked[chain] = len(links)
    report.heads[chain] = links[-1].hash if links else ""

    def describe(link: DocumentChain) -> str:
        return f"{link.number} ({link.event}, revision {link.revision})"

    problem = _walk(links, _link_hash, describe, chain)
    appended = Counter.get_or_none(Counter.name == f"doc_chain:{series.id}")
    if problem is None and appended is not None and appended.value > len(links):
        problem = Problem(chain, "the end", "deleted", f"{appended.value - len(links)} links are missing")
    model: Any = Invoice if series.document_type == "invoice" else CreditNote
    content: Any = invoice_content_hash if model is Invoice else credit_note_content_hash
    issued = [link for link in links if link.event == "issued"]
    if problem is None and issued:
        expected = _number(issued[0].number)
        for link in issued:
            number = _number(link.number)
            if expected is not None and number != expected:
                problem = Problem(chain, link.number, "gap", f"number {expected} was expected next")
                break
            expected = (number or 0) + 1
        first = _number(issued[0].number) or 1
        last_issued = expected - 1 if expected is not None else 0
        if problem is None and series.next_number - 1 != last_issued:
            problem = Problem(chain, f"number {last_issued + 1}", "missing",
                              f"the series issued up to {series.next_number - 1} but the chain ends at {last_issued}")
        if problem is None:
            latest: dict[str, DocumentChain] = {}
            for link in links:
                latest[str(link.document_uuid)] = link
            documents = {str(row.uuid): row for row in model.select().where(model.series == series)}
            for uuid_text, link in latest.items():
                row = documents.get(uuid_text)
                if row is None:
                    problem = Problem(chain, link.number, "deleted", "the document of this link is gone")
                    break
                if content(row) != link.content_hash:
                    problem = Problem(chain, link.number, "edited",
                                      "its content differs from its last chained version (changed outside the "
                                      "software)")
                    break
            if problem is None:
                for uuid_text, row in documents.items():
                    number = _number(row.number) or 0
                    if uuid_text not in latest and number >= first:
                        problem = Problem(chain, row.number, "missing", "a document of the series has no link")
                        break
    if problem:
        report.problems.append(problem)


def verify_all(ctx: ServiceContext) -> VerifyReport:
    """The audit trail and every invoice and credit-note series."""
    report = VerifyReport()
    with ctx.db.connection_context():
        verify_audit_chain(report)
        for series in InvoiceSeries.select().order_by(InvoiceSeries.id):
            verify_series(series, report)
    return report
