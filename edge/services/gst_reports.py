"""GST reports in the shape of a GSTR-1 return, per seller GSTIN, for a period (normally a calendar month).

- B2B (Table 4A), invoice by invoice and rate by rate; B2C Large (Table 5) likewise; B2C Small (Table 7) summed
  by place of supply and rate, net of its credit notes; credit notes to registered buyers (CDNR, 9B) and to
  B2C Large invoices (CDNUR); nil-rated supplies (Table 8); the HSN summary (Table 12, B2B and B2C apart) with
  UQC and quantity; the documents issued (Table 13); sales by rate and the CGST/SGST/IGST/cess totals.
- Invoices appear as they stood at the end of the period: a buyer-detail revision made within the period is
  in them, with its history; one made later (or a cancellation made later) is an amendment of this period
  reported in the period it was made, under ``amendments``, with the invoice before and after.
- Totals come from the GST summary (report_tax); the invoice-wise lists from the invoices themselves, read
  by their issue-time index (B2B, B2CL candidates only) — the two must agree, and the tests hold them to it.

See docs/reports.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from edge.domain.gstin import STATE_NAMES
from edge.domain.reports import B2CL_LIMITS_PAISE, Period, Posting, Section, gst_section, split_period
from edge.domain.series import format_number
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput
from edge.services.report_summaries import (
    LineFacts,
    Revision,
    State,
    as_datetime,
    current_state,
    invoice_lines,
    local_day,
    revision_documents,
    state_at,
)
from edge.services.reports import Filters, raw_rows, utc_bounds
from edge.store.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceRevision,
    InvoiceSeries,
    ReportDocument,
    ReportTax,
    SellerRegistration,
)

B2CL_FLOOR = min(limit for _, limit in B2CL_LIMITS_PAISE)
SECTIONS = ("b2b", "b2cl", "b2cs", "cdnr", "cdnur", "nil", "hsn", "rates", "documents", "amendments")
TAX_VALUES = ("quantity_milli", "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")


def state_name(code: str) -> str:
    """Place of supply as the GST portal writes it: 27-Maharashtra."""
    return f"{code}-{STATE_NAMES.get(code, '?')}"


@dataclass(frozen=True)
class Registration:
    """A seller GSTIN and the registration rows (periods) that carry it."""

    gstin: str
    legal_name: str
    trade_name: str
    state_code: str
    ids: tuple[int, ...]


def registrations(period: Period, gstin: str | None) -> list[Registration]:
    """The seller GSTINs in force at some time in the period (or the one asked for)."""
    rows = list(SellerRegistration.select().where(
        (SellerRegistration.valid_from <= period.last)
        & (SellerRegistration.valid_to.is_null() | (SellerRegistration.valid_to >= period.first)))
        .order_by(SellerRegistration.valid_from))
    found: dict[str, Registration] = {}
    for row in rows:
        known = found.get(row.gstin)
        found[row.gstin] = Registration(row.gstin, row.legal_name, row.trade_name, row.state_code,
                                        (*(known.ids if known else ()), row.id))
    if gstin:
        wanted = gstin.strip().upper()
        if wanted not in found:
            raise InvalidInput(f"GSTIN {wanted} was not the store's in {period.first.isoformat()} to "
                               f"{period.last.isoformat()}", "gstin", "unknown_gstin")
        return [found[wanted]]
    return list(found.values())


# --- the GST summary ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRow:
    """Summed GST summary rows of one key."""

    registration_id: int
    posting: str
    section: str
    supply: str
    place_of_supply: str
    rate_bp: int
    hsn_code: str
    uqc: str
    earlier: bool  # a revision or cancellation of an invoice issued before the period
    quantity_milli: int
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int


def tax_rows(period: Period, registration_ids: Sequence[int]) -> list[TaxRow]:
    """The GST summary of a period for some registrations, by key; amendments of earlier periods flagged."""
    group = (ReportTax.seller_registration_id, ReportTax.posting, ReportTax.section, ReportTax.supply,
             ReportTax.place_of_supply, ReportTax.rate_bp, ReportTax.hsn_code, ReportTax.uqc)
    earlier = ReportTax.origin_day < period.first
    sums: dict[tuple[Any, ...], list[int]] = {}
    for piece in split_period(period, all_tills=False):
        query = (ReportTax.select(*group, earlier.alias("earlier"),
                                  *[peewee.fn.SUM(getattr(ReportTax, name)) for name in TAX_VALUES])
                 .where((ReportTax.grain == piece.grain) & (ReportTax.period >= piece.first)
                        & (ReportTax.period <= piece.last) & ReportTax.seller_registration_id.in_(registration_ids))
                 .group_by(*group, earlier))
        for row in raw_rows(query):
            key = (*row[:8], bool(row[8]))
            slot = sums.setdefault(key, [0] * len(TAX_VALUES))
            for index, value in enumerate(row[9:]):
                slot[index] += int(value or 0)
    return [TaxRow(*key, *values) for key, values in sums.items()]


def _amounts(rows: Iterable[Any]) -> dict[str, int]:
    totals = dict.fromkeys(TAX_VALUES, 0)
    for row in rows:
        for name in TAX_VALUES:
            totals[name] += getattr(row, name)
    totals["tax_paise"] = totals["cgst_paise"] + totals["sgst_paise"] + totals["igst_paise"] + totals["cess_paise"]
    totals["value_paise"] = totals["taxable_paise"] + totals["tax_paise"]
    return totals


def _grouped(rows: Iterable[TaxRow], key: Any) -> dict[Any, dict[str, int]]:
    groups: dict[Any, list[TaxRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {name: _amounts(members) for name, members in groups.items()}


# --- invoices as they stood at a moment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """An invoice now, with what it takes to see it as it stood at any earlier moment."""

    invoice: Invoice
    day: date
    now: State
    facts: dict[int, LineFacts]
    revisions: list[Revision]

    def at(self, moment: datetime | None) -> State:
        """The invoice as it stood at a moment (None: as issued)."""
        return state_at(moment, self.now, self.revisions, self.facts) if self.revisions else self.now

    def section(self, state: State) -> Section:
        """Its GSTR-1 section in a state."""
        return gst_section(state.gstin, state.supply, state.total_paise, self.day)


def snapshots(ctx: ServiceContext, invoices: Sequence[Invoice]) -> dict[int, Snapshot]:
    """Snapshots of invoices: their lines and revisions read in two queries."""
    zone = ZoneInfo(str(ctx.config.get("store.timezone")))
    lines = invoice_lines(ctx.db, [invoice.id for invoice in invoices])
    revisions = revision_documents([invoice.id for invoice in invoices if invoice.revision])
    found = {}
    for invoice in invoices:
        pairs = lines[invoice.id]
        found[invoice.id] = Snapshot(invoice, local_day(as_datetime(invoice.issued_at), zone),
                                     current_state(invoice, [line for _, line in pairs]),
                                     {line.line_no: fact for fact, line in pairs}, revisions.get(invoice.id, []))
    return found


def _rate_rows(lines: Iterable[Any]) -> list[dict[str, Any]]:
    """Lines summed by GST rate (nil-rated lines left out: they belong to Table 8)."""
    rates: dict[int, list[int]] = {}
    for line in lines:
        if line.rate_bp == 0:
            continue
        slot = rates.setdefault(line.rate_bp, [0, 0, 0, 0, 0])
        for index, value in enumerate((line.taxable_paise, line.cgst_paise, line.sgst_paise, line.igst_paise,
                                       line.cess_paise)):
            slot[index] += value
    return [{"rate_bp": rate, "taxable_paise": taxable, "cgst_paise": cgst, "sgst_paise": sgst, "igst_paise": igst,
             "cess_paise": cess} for rate, (taxable, cgst, sgst, igst, cess) in sorted(rates.items())]


def _buyer(document: dict[str, Any]) -> dict[str, Any]:
    buyer = document.get("buyer") or {}
    return {"name": buyer.get("name"), "gstin": buyer.get("gstin"), "place_of_supply": document.get("place_of_supply"),
            "supply": document.get("supply"), "cgst_paise": document.get("cgst_paise"),
            "sgst_paise": document.get("sgst_paise"), "igst_paise": document.get("igst_paise"),
            "total_paise": document.get("total_paise")}


def history(revisions: Sequence[Revision], until: datetime) -> list[dict[str, Any]]:
    """The revisions made before a moment: who the invoice was made out to before and after each."""
    return [{"revision": revision.number, "changed_at": revision.changed_at.isoformat() + "Z",
             "reason": revision.reason, "before": _buyer(revision.before), "after": _buyer(revision.after)}
            for revision in revisions if revision.changed_at < until]


def _invoice_lists(ctx: ServiceContext, period: Period, registration: Registration
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """B2B and B2C Large invoices of the period as they stood at its end, rate by rate."""
    start, end = utc_bounds(period, ctx.config.get("store.timezone"))
    # Driven by the issue-time index; the registration is checked here, so no planner prefers its index. Only
    # invoices that can be B2B or B2C Large (or were revised) are read: never above B2CL_FLOOR, no B2C Large.
    candidates = [invoice for invoice in Invoice.select().where(
        (Invoice.issued_at >= start) & (Invoice.issued_at < end) & (Invoice.status != "draft")
        & (Invoice.buyer_gstin.is_null(False) | ((Invoice.supply_type == "inter") & (Invoice.total_paise > B2CL_FLOOR))
           | (Invoice.revision > 0)))
        .order_by(Invoice.issued_at, Invoice.id) if invoice.seller_registration_id in registration.ids]
    b2b: list[dict[str, Any]] = []
    b2cl: list[dict[str, Any]] = []
    for snapshot in snapshots(ctx, candidates).values():
        invoice = snapshot.invoice
        if invoice.status == "cancelled" and as_datetime(invoice.cancelled_at) < end:
            continue
        state = snapshot.at(end)
        section = snapshot.section(state)
        if section is Section.B2CS:
            continue
        head = {"gstin": registration.gstin, "invoice_id": str(invoice.uuid), "invoice_number": invoice.number,
                "invoice_date": snapshot.day.isoformat(), "invoice_value_paise": state.total_paise,
                "place_of_supply": state_name(state.place_of_supply), "supply": state.supply}
        if section is Section.B2B:
            head.update(buyer_gstin=state.gstin, buyer_name=state.buyer_name, reverse_charge="N",
                        invoice_type="Regular B2B", revisions=history(snapshot.revisions, end))
        target = b2b if section is Section.B2B else b2cl
        for rate in _rate_rows(state.lines):
            target.append({**head, **rate})
    return b2b, b2cl


def _note_lists(ctx: ServiceContext, period: Period, registration: Registration
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Credit notes of the period to registered buyers (CDNR) and against B2C Large invoices (CDNUR), each
    classified as its invoice stood when the note was issued."""
    start, end = utc_bounds(period, ctx.config.get("store.timezone"))
    zone = ZoneInfo(str(ctx.config.get("store.timezone")))
    notes = list(CreditNote.select().where((CreditNote.issued_at >= start) & (CreditNote.issued_at < end)
                                           & (CreditNote.status == "issued")).order_by(CreditNote.issued_at,
                                                                                       CreditNote.id))
    if not notes:
        return [], []
    invoices = snapshots(ctx, [invoice for invoice in Invoice.select().where(
        Invoice.id.in_({note.invoice_id for note in notes})) if invoice.seller_registration_id in registration.ids])
    notes = [note for note in notes if note.invoice_id in invoices]
    lines: dict[int, list[Any]] = {}
    query = (CreditNoteLine.select(CreditNoteLine.credit_note, InvoiceLine.gst_rate_bp.alias("rate_bp"),
                                   CreditNoteLine.taxable_paise, CreditNoteLine.cgst_paise, CreditNoteLine.sgst_paise,
                                   CreditNoteLine.igst_paise, CreditNoteLine.cess_paise)
             .join(InvoiceLine).where(CreditNoteLine.credit_note.in_([note.id for note in notes])).objects())
    for line in query:
        lines.setdefault(line.credit_note_id, []).append(line)
    cdnr: list[dict[str, Any]] = []
    cdnur: list[dict[str, Any]] = []
    for note in notes:
        snapshot = invoices[note.invoice_id]
        invoice = snapshot.invoice
        if invoice.status == "cancelled" and as_datetime(invoice.issued_at) >= start \
                and as_datetime(invoice.cancelled_at) < end:
            continue  # its invoice is void within the period: neither is reported
        state = snapshot.at(as_datetime(note.issued_at))
        section = snapshot.section(state)
        if section is Section.B2CS:
            continue
        head = {"gstin": registration.gstin, "note_number": note.number,
                "note_date": local_day(as_datetime(note.issued_at), zone).isoformat(), "note_type": "C",
                "note_value_paise": note.total_paise, "place_of_supply": state_name(state.place_of_supply),
                "supply": state.supply, "invoice_number": snapshot.invoice.number,
                "invoice_date": snapshot.day.isoformat(), "reason": note.reason}
        if section is Section.B2B:
            head.update(buyer_gstin=state.gstin, buyer_name=state.buyer_name, reverse_charge="N",
                        note_supply_type="Regular B2B")
        else:
            head.update(ur_type="B2CL")
        target = cdnr if section is Section.B2B else cdnur
        for rate in _rate_rows(lines.get(note.id, [])):
            target.append({**head, **{key: value if key == "rate_bp" else -value for key, value in rate.items()}})
    return cdnr, cdnur


def _amendments(ctx: ServiceContext, period: Period, registration: Registration) -> list[dict[str, Any]]:
    """Revisions and cancellations made in the period of invoices issued before it: the invoice before and
    after, and the tax difference this period's return carries for it."""
    start, end = utc_bounds(period, ctx.config.get("store.timezone"))
    zone = ZoneInfo(str(ctx.config.get("store.timezone")))
    items: list[dict[str, Any]] = []
    revised = (InvoiceRevision.select(InvoiceRevision, Invoice).join(Invoice).where(
        (InvoiceRevision.changed_at >= start) & (InvoiceRevision.changed_at < end) & (Invoice.issued_at < start))
        .order_by(InvoiceRevision.changed_at))
    for row in revised:
        if row.invoice.seller_registration_id not in registration.ids:
            continue
        day = local_day(as_datetime(row.invoice.issued_at), zone)
        items.append(_amendment(registration, "revision", row.invoice, day, as_datetime(row.changed_at), zone,
                                row.reason, json.loads(row.before), json.loads(row.after)))
    cancelled = [invoice for invoice in Invoice.select().where(
        (Invoice.status == "cancelled") & (Invoice.cancelled_at >= start) & (Invoice.cancelled_at < end)
        & (Invoice.issued_at < start)) if invoice.seller_registration_id in registration.ids]
    for invoice in cancelled:
        day = local_day(as_datetime(invoice.issued_at), zone)
        items.append(_amendment(registration, "cancellation", invoice, day, as_datetime(invoice.cancelled_at), zone,
                                invoice.cancel_reason or "", _document_of(invoice), None))
    items.sort(key=lambda item: (item["changed_at"], item["invoice_number"]))
    return items


def _document_of(invoice: Invoice) -> dict[str, Any]:
    return {"buyer": {"name": invoice.buyer_name, "gstin": invoice.buyer_gstin}, "supply": invoice.supply_type,
            "place_of_supply": invoice.place_of_supply_state_code, "taxable_paise": invoice.taxable_paise,
            "cgst_paise": invoice.cgst_paise, "sgst_paise": invoice.sgst_paise, "igst_paise": invoice.igst_paise,
            "cess_paise": invoice.cess_paise, "total_paise": invoice.total_paise}


def _amendment(registration: Registration, kind: str, invoice: Invoice, day: date, at: datetime, zone: Any,
               reason: str, before: dict[str, Any], after: dict[str, Any] | None) -> dict[str, Any]:
    def section(document: dict[str, Any] | None) -> str | None:
        if document is None:
            return None
        return gst_section((document.get("buyer") or {}).get("gstin"), str(document["supply"]),
                           int(document["total_paise"]), day).value

    def value(document: dict[str, Any] | None, name: str) -> int:
        return int(document[name]) if document is not None else 0

    return {
        "gstin": registration.gstin, "kind": kind, "invoice_number": invoice.number, "invoice_date": day.isoformat(),
        "changed_at": at.isoformat() + "Z", "changed_on": local_day(at, zone).isoformat(), "reason": reason,
        "section_before": section(before), "section_after": section(after),
        "buyer_gstin_before": (before.get("buyer") or {}).get("gstin"),
        "buyer_gstin_after": (after.get("buyer") or {}).get("gstin") if after else None,
        "place_of_supply_before": before.get("place_of_supply"),
        "place_of_supply_after": after.get("place_of_supply") if after else None,
        "supply_before": before.get("supply"), "supply_after": after.get("supply") if after else None,
        "taxable_before_paise": value(before, "taxable_paise"), "taxable_after_paise": value(after, "taxable_paise"),
        **{f"{tax}_difference_paise": value(after, f"{tax}_paise") - value(before, f"{tax}_paise")
           for tax in ("cgst", "sgst", "igst", "cess")},
        "total_before_paise": value(before, "total_paise"), "total_after_paise": value(after, "total_paise"),
    }


# --- documents issued (Table 13) ---------------------------------------------------------------------------


def _documents(period: Period, registration: Registration) -> list[dict[str, Any]]:
    sums: dict[int, list[Any]] = {}
    for piece in split_period(period, all_tills=True):
        query = (ReportDocument.select(ReportDocument.series_id, peewee.fn.SUM(ReportDocument.issued),
                                       peewee.fn.SUM(ReportDocument.cancelled), peewee.fn.SUM(ReportDocument.drafts),
                                       peewee.fn.MIN(ReportDocument.first_seq), peewee.fn.MAX(ReportDocument.last_seq))
                 .where((ReportDocument.grain == piece.grain) & (ReportDocument.period >= piece.first)
                        & (ReportDocument.period <= piece.last)
                        & ReportDocument.seller_registration_id.in_(list(registration.ids)))
                 .group_by(ReportDocument.series_id))
        for series_id, issued, cancelled, drafts, first, last in query.tuples():
            slot = sums.setdefault(series_id, [0, 0, 0, None, None])
            slot[0] += int(issued or 0)
            slot[1] += int(cancelled or 0)
            slot[2] += int(drafts or 0)
            if first is not None:
                slot[3] = int(first) if slot[3] is None else min(slot[3], int(first))
            if last is not None:
                slot[4] = int(last) if slot[4] is None else max(slot[4], int(last))
    series = {row.id: row for row in InvoiceSeries.select().where(InvoiceSeries.id.in_(list(sums)))} if sums else {}
    rows = []
    for series_id, (issued, cancelled, drafts, first, last) in sums.items():
        row = series[series_id]
        if first is None or last is None:
            continue
        rows.append({
            "gstin": registration.gstin,
            "nature": "Invoices for outward supply" if row.document_type == "invoice" else "Credit Note",
            "series": f"{row.prefix}/{row.financial_year}", "from_number": format_number(row.prefix,
                                                                                         row.financial_year, first),
            "to_number": format_number(row.prefix, row.financial_year, last),
            "total": issued + cancelled + drafts, "cancelled": cancelled, "net_issued": issued + drafts,
        })
    rows.sort(key=lambda item: (item["nature"] != "Invoices for outward supply", item["series"]))
    return rows


# --- the return --------------------------------------------------------------------------------------------


def _hsn_rows(rows: Iterable[TaxRow], registration: Registration, part: str) -> list[dict[str, Any]]:
    grouped = _grouped(rows, lambda row: (row.hsn_code, row.uqc, row.rate_bp))
    return [{"gstin": registration.gstin, "part": part, "hsn_code": hsn, "description": "", "uqc": unit,
             "rate_bp": rate, "quantity_milli": sums["quantity_milli"], "value_paise": sums["value_paise"],
             "taxable_paise": sums["taxable_paise"], "igst_paise": sums["igst_paise"], "cgst_paise": sums["cgst_paise"],
             "sgst_paise": sums["sgst_paise"], "cess_paise": sums["cess_paise"]}
            for (hsn, unit, rate), sums in sorted(grouped.items())]


def registration_return(ctx: ServiceContext, period: Period, registration: Registration,
                        only: str | None = None) -> dict[str, Any]:
    """One GSTIN's return for the period (or one section of it)."""
    wanted = set(SECTIONS) if only is None else {only}
    summary = tax_rows(period, registration.ids)
    own = [row for row in summary if not row.earlier]
    earlier = [row for row in summary if row.earlier]
    result: dict[str, Any] = {"gstin": registration.gstin, "legal_name": registration.legal_name,
                              "trade_name": registration.trade_name, "state_code": registration.state_code}
    if "b2b" in wanted or "b2cl" in wanted:
        result["b2b"], result["b2cl"] = _invoice_lists(ctx, period, registration)
    if "cdnr" in wanted or "cdnur" in wanted:
        result["cdnr"], result["cdnur"] = _note_lists(ctx, period, registration)
    if "b2cs" in wanted:
        result["b2cs"] = [
            {"gstin": registration.gstin, "type": "OE", "place_of_supply": state_name(pos), "supply": supply,
             "rate_bp": rate, **{name: sums[name] for name in ("taxable_paise", "cgst_paise", "sgst_paise",
                                                              "igst_paise", "cess_paise")}}
            for (pos, supply, rate), sums in sorted(_grouped(
                [row for row in own if row.section == Section.B2CS and row.rate_bp], lambda row: (
                    row.place_of_supply, row.supply, row.rate_bp)).items())]
    if "nil" in wanted:
        nil = _grouped([row for row in own if row.rate_bp == 0], lambda row: (row.supply, row.section == Section.B2B))
        result["nil"] = [
            {"gstin": registration.gstin,
             "description": f"{'Inter' if supply == 'inter' else 'Intra'}-State supplies to "
                            f"{'registered' if registered else 'unregistered'} persons",
             "nil_rated_paise": nil.get((supply, registered), {}).get("taxable_paise", 0), "exempted_paise": 0,
             "non_gst_paise": 0}
            for supply in ("inter", "intra") for registered in (True, False)]
    if "hsn" in wanted:
        result["hsn"] = (_hsn_rows([row for row in own if row.section == Section.B2B], registration, "b2b")
                         + _hsn_rows([row for row in own if row.section != Section.B2B], registration, "b2c"))
    if "rates" in wanted:
        result["rates"] = [{"gstin": registration.gstin, "rate_bp": rate, **sums}
                           for rate, sums in sorted(_grouped(own, lambda row: row.rate_bp).items())]
    if "documents" in wanted:
        result["documents"] = _documents(period, registration)
    if "amendments" in wanted:
        result["amendments"] = _amendments(ctx, period, registration)
        result["amendment_summary"] = [
            {"gstin": registration.gstin, "section": section, "place_of_supply": state_name(pos), "rate_bp": rate,
             **{name: sums[name] for name in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise",
                                              "cess_paise")}}
            for (section, pos, rate), sums in sorted(_grouped(earlier, lambda row: (
                row.section, row.place_of_supply, row.rate_bp)).items())
            if any(sums[name] for name in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise"))]
    if only is None:
        supplies, amended = _amounts(own), _amounts(earlier)
        by_posting = _grouped(own, lambda row: row.posting)
        result["totals"] = {
            "supplies": supplies, "amendments_of_earlier_periods": amended,
            "liability": {name: supplies[name] + amended[name] for name in supplies},
            "invoices": by_posting.get(Posting.INVOICE.value, _amounts([])),
            "credit_notes": by_posting.get(Posting.CREDIT_NOTE.value, _amounts([])),
        }
    return result


def gst_return(ctx: ServiceContext, flt: Filters, gstin: str | None = None) -> dict[str, Any]:
    """The GSTR-1 figures of a period, one block per seller GSTIN in force in it."""
    return {"from": flt.period.first.isoformat(), "to": flt.period.last.isoformat(),
            "timezone": ctx.config.get("store.timezone"),
            "registrations": [registration_return(ctx, flt.period, registration)
                              for registration in registrations(flt.period, gstin)]}


def gst_section_rows(ctx: ServiceContext, flt: Filters, section: str, gstin: str | None = None) -> dict[str, Any]:
    """One section of the return, every GSTIN's rows together (each row names its GSTIN)."""
    if section not in SECTIONS:
        raise InvalidInput(f"no GST section {section!r} (sections: {', '.join(SECTIONS)})", "section")
    rows: list[dict[str, Any]] = []
    for registration in registrations(flt.period, gstin):
        rows += registration_return(ctx, flt.period, registration, only=section)[section]
    return {"from": flt.period.first.isoformat(), "to": flt.period.last.isoformat(), "section": section, "rows": rows}

