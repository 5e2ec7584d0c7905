"""Cash registers per till: open with a float, pay-ins and pay-outs with reasons, close with the counted cash
(over or short), and the Z-report of a till's day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, InvalidInput, NotFound
from edge.store.db import write_transaction
from edge.store.models import CashMovement, CreditNote, Invoice, InvoiceLine, Payment, RegisterSession, Till, User
from edge.store.outbox import enqueue

MOVEMENTS = ("pay_in", "pay_out")


def _till(code: str) -> Till:
    till = Till.get_or_none((Till.code == code) & Till.is_active)
    if till is None:
        raise NotFound(f"no active till {code!r}", "till")
    return till


def open_session(till: Till) -> RegisterSession | None:
    """The till's open register, if any."""
    return RegisterSession.get_or_none((RegisterSession.till == till) & (RegisterSession.status == "open"))


def expected_cash(session: RegisterSession) -> int:
    """Float + cash taken − cash refunded + pay-ins − pay-outs."""
    cash = Payment.select(peewee.fn.SUM(Payment.amount_paise)).where(
        (Payment.register_session == session) & (Payment.method == "cash") & (Payment.status == "succeeded")
    ).scalar() or 0
    moves = {kind: total for kind, total in CashMovement.select(
        CashMovement.kind, peewee.fn.SUM(CashMovement.amount_paise)).where(
        CashMovement.register_session == session).group_by(CashMovement.kind).tuples()}
    return int(session.opening_float_paise + cash + moves.get("pay_in", 0) - moves.get("pay_out", 0))


def session_document(session: RegisterSession) -> dict[str, Any]:
    """A register as the till screen shows it."""
    expected = expected_cash(session) if session.status == "open" else session.expected_cash_paise
    return {
        "id": str(session.uuid), "till": session.till.code, "status": session.status,
        "opened_by": session.opened_by.username, "opened_at": session.opened_at.isoformat() + "Z",
        "opening_float_paise": session.opening_float_paise, "expected_cash_paise": expected,
        "counted_cash_paise": session.counted_cash_paise,
        "over_short_paise": None if session.counted_cash_paise is None else session.counted_cash_paise - expected,
        "closed_at": session.closed_at.isoformat() + "Z" if session.closed_at else None,
        "movements": [{"kind": m.kind, "amount_paise": m.amount_paise, "reason": m.reason, "by": m.user.username}
                      for m in session.movements.order_by(CashMovement.id)],
    }


def open_register(ctx: ServiceContext, user: User, till_code: str, float_paise: int) -> dict[str, Any]:
    """Open the till's register with a float; one open register per till."""
    with write_transaction(ctx.db):
        till = _till(till_code)
        if open_session(till) is not None:
            raise Conflict(f"till {till.code} already has an open register; close it first", "till",
                           code="register_open")
        session = RegisterSession.create(till=till, opened_by=user, opened_at=ctx.now(),
                                         opening_float_paise=float_paise)
        record_audit(ctx, "register.opened", user, "register", str(session.uuid), details={"float": float_paise})
        enqueue("register.opened", session.uuid, {"till": till.code, "opening_float_paise": float_paise})
    return session_document(session)


def _require_open(till_code: str) -> RegisterSession:
    session = open_session(_till(till_code))
    if session is None:
        raise Conflict(f"till {till_code} has no open register", "till", code="register_closed")
    return session


def move_cash(ctx: ServiceContext, user: User, till_code: str, kind: str, amount_paise: int,
              reason: str) -> dict[str, Any]:
    """Cash in or out of the drawer outside a sale, with a reason."""
    if kind not in MOVEMENTS:
        raise InvalidInput(f"kind must be one of {', '.join(MOVEMENTS)}", "kind")
    if not reason.strip():
        raise InvalidInput("say why cash goes in or out", "reason")
    with write_transaction(ctx.db):
        session = _require_open(till_code)
        if kind == "pay_out" and amount_paise > expected_cash(session):
            raise InvalidInput("the drawer does not hold that much cash", "amount_paise", code="not_enough_cash")
        movement = CashMovement.create(register_session=session, kind=kind, amount_paise=amount_paise,
                                       reason=reason.strip(), user=user, at=ctx.now())
        record_audit(ctx, f"register.{kind}", user, "register", str(session.uuid),
                     details={"amount_paise": amount_paise, "reason": movement.reason})
        enqueue("register.cash_moved", movement.uuid, {"till": till_code, "kind": kind,
                                                       "amount_paise": amount_paise, "reason": movement.reason})
    return session_document(RegisterSession.get_by_id(session.id))


def close_register(ctx: ServiceContext, user: User, till_code: str, counted_paise: int) -> dict[str, Any]:
    """Close with the counted cash; the difference from what is expected is recorded as over or short."""
    with write_transaction(ctx.db):
        session = _require_open(till_code)
        expected = expected_cash(session)
        RegisterSession.update(status="closed", closed_by=user, closed_at=ctx.now(), expected_cash_paise=expected,
                               counted_cash_paise=counted_paise).where(RegisterSession.id == session.id).execute()
        record_audit(ctx, "register.closed", user, "register", str(session.uuid),
                     details={"expected": expected, "counted": counted_paise})
        enqueue("register.closed", session.uuid, {"till": till_code, "expected_cash_paise": expected,
                                                  "counted_cash_paise": counted_paise})
    return session_document(RegisterSession.get_by_id(session.id))


def current_register(till_code: str) -> dict[str, Any] | None:
    """The till's open register, or None."""
    session = open_session(_till(till_code))
    return session_document(session) if session else None


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """A store-local day as naive UTC bounds [start, end)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time.min, zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def z_report(ctx: ServiceContext, till_code: str, day: date) -> dict[str, Any]:
    """A till's day: invoices issued and cancelled, sales and taxes by rate, payments and refunds by method,
    credit notes, and the registers closed with their over or short."""
    till = _till(till_code)
    start, end = day_bounds(day, ctx.config.get("store.timezone"))
    invoices = Invoice.select().where((Invoice.till == till) & (Invoice.issued_at >= start) & (Invoice.issued_at < end))
    issued = invoices.where(Invoice.status != "cancelled")
    totals = issued.select(
        peewee.fn.COUNT(Invoice.id), peewee.fn.SUM(Invoice.taxable_paise), peewee.fn.SUM(Invoice.cgst_paise),
        peewee.fn.SUM(Invoice.sgst_paise), peewee.fn.SUM(Invoice.igst_paise), peewee.fn.SUM(Invoice.cess_paise),
        peewee.fn.SUM(Invoice.round_off_paise), peewee.fn.SUM(Invoice.total_paise)).tuples().first()
    count, taxable, cgst, sgst, igst, cess, round_off, total = (int(value or 0) for value in totals)
    by_rate = [
        {"rate_bp": rate, "taxable_paise": int(t or 0), "tax_paise": int(tax or 0)}
        for rate, t, tax in InvoiceLine.select(
            InvoiceLine.gst_rate_bp, peewee.fn.SUM(InvoiceLine.taxable_paise),
            peewee.fn.SUM(InvoiceLine.cgst_paise + InvoiceLine.sgst_paise + InvoiceLine.igst_paise))
        .join(Invoice).where(Invoice.id.in_(issued.select(Invoice.id)))
        .group_by(InvoiceLine.gst_rate_bp).order_by(InvoiceLine.gst_rate_bp).tuples()
    ]
    payments = Payment.select(Payment.method, Payment.kind, peewee.fn.COUNT(Payment.id),
                              peewee.fn.SUM(Payment.amount_paise)).join(Invoice).where(
        (Invoice.till == till) & (Payment.created_at >= start) & (Payment.created_at < end)
        & (Payment.status == "succeeded")).group_by(Payment.method, Payment.kind).order_by(Payment.method)
    notes = CreditNote.select(peewee.fn.COUNT(CreditNote.id), peewee.fn.SUM(CreditNote.total_paise)).join(
        Invoice).where((Invoice.till == till) & (CreditNote.issued_at >= start) & (CreditNote.issued_at < end)
                       ).tuples().first()
    sessions = RegisterSession.select().where(
        (RegisterSession.till == till) & (RegisterSession.status == "closed") & (RegisterSession.closed_at >= start)
        & (RegisterSession.closed_at < end))
    return {
        "till": till.code, "date": day.isoformat(), "invoices": count,
        "cancelled": invoices.where(Invoice.status == "cancelled").count(),
        "taxable_paise": taxable, "cgst_paise": cgst, "sgst_paise": sgst, "igst_paise": igst, "cess_paise": cess,
        "round_off_paise": round_off, "total_paise": total, "by_rate": by_rate,
        "payments": [{"method": method, "kind": kind, "count": n, "amount_paise": int(amount or 0)}
                     for method, kind, n, amount in payments.tuples()],
        "credit_notes": {"count": int(notes[0] or 0), "total_paise": int(notes[1] or 0)},
        "registers": [session_document(session) for session in sessions],
    }
