"""Payments through a gateway: start, follow, cancel and refund an attempt; webhooks, polling and the
start-up reconciliation all converge on one persisted state machine (edge.domain.gateway).

The order of work keeps money safe:
1. the attempt and its Idempotency-Key are committed *before* the gateway is called;
2. the gateway is called outside any transaction (with a timeout), so the till never holds the store's
   write lock while waiting on the internet;
3. whatever the gateway answers — in the call's answer, a webhook or a poll — is applied in one
   transaction with ``advance`` (never backwards); the first time the money is taken, the attempt joins the
   invoice's payments through checkout's own payment recording (ledger, outbox row) and is pushed to the
   till's screens exactly as a cash payment is.
A call that timed out is sent again with the same key, by the cashier's retry or by the reconciler, and the
gateway answers with the same payment: never a second charge.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import peewee

from edge.domain import invoice_state
from edge.domain.errors import RuleError
from edge.domain.gateway import MONEY_TAKEN, OPEN, GatewayState, action_key, advance, idempotency_key, state_of
from edge.domain.money import format_inr
from edge.domain.payments import Method, refund, take_payment
from edge.payments.base import (
    GatewayError,
    GatewayPayment,
    GatewayRefused,
    GatewayTimeout,
    GatewayUnavailable,
    PaymentRequest,
    SignatureError,
    WebhookEvent,
)
from edge.services import report_summaries
from edge.services.after_sale import _refund
from edge.services.checkout import _invoice, _payment_lines, _record_payment, invoice_summary, publish_payment
from edge.services.context import ServiceContext
from edge.services.errors import InvalidInput, NotFound, ServiceError, Unavailable, UpstreamTimeout
from edge.services.records import by_uuid
from edge.store.db import is_sqlite, write_transaction
from edge.store.models import GatewayAttempt, GatewayEvent, Invoice, Payment, Till, User

log = logging.getLogger(__name__)
DETAILS = "gateway_attempt.details"
REFUND_PENDING = "refund_pending"  # in the details: a refund sent whose answer has not come back yet
EVENT_PAYLOAD = "gateway_event.payload"


# --- documents ---------------------------------------------------------------------------------------


def _details(ctx: ServiceContext, attempt: GatewayAttempt) -> dict[str, Any]:
    if not attempt.details_enc:
        return {}
    value: dict[str, Any] = ctx.cipher.decrypt_json(attempt.details_enc, DETAILS)
    return value


def _message(attempt: GatewayAttempt) -> str:
    """What the cashier reads about the attempt."""
    state = state_of(attempt.state)
    amount = format_inr(attempt.amount_paise)
    if state is GatewayState.SUCCEEDED:
        if attempt.payment_id is None:
            return attempt.failure_message or f"{amount} taken by {attempt.gateway}"
        return f"Paid {amount} by {attempt.method}" + (f" — transaction {attempt.transaction_id}"
                                                        if attempt.transaction_id else "")
    if state is GatewayState.FAILED:
        reason = attempt.failure_message or "the payment did not go through"
        code = f" ({attempt.failure_code})" if attempt.failure_code else ""
        return f"{reason}{code}. The invoice is not paid: ask for another card or take another method."
    if state is GatewayState.CANCELLED:
        return f"{amount} by {attempt.method} cancelled; nothing was taken"
    if state is GatewayState.REFUNDED:
        return f"{amount} refunded to the customer"
    if state is GatewayState.CREATED:
        return f"Contacting {attempt.gateway}…"
    return {
        "card_present": f"Waiting for the customer's card on the reader ({amount})",
        "upi_qr": f"Customer to scan the QR and approve {amount} in their UPI app",
        "upi_collect": f"Customer to approve the {amount} request in their UPI app",
        "checkout": f"Customer to pay {amount} on the customer display",
    }.get(attempt.flow, f"Waiting for {attempt.gateway} to confirm {amount}")


def attempt_document(ctx: ServiceContext, attempt: GatewayAttempt) -> dict[str, Any]:
    """A gateway payment as the kiosk and the customer display see it (no card or VPA details)."""
    invoice: Invoice = attempt.invoice
    details = _details(ctx, attempt).get("gateway", {})
    pending = attempt.state == GatewayState.PENDING.value
    document = {
        "id": str(attempt.uuid), "invoice_id": str(invoice.uuid), "invoice_number": invoice.number,
        "till": invoice.till.code, "gateway": attempt.gateway, "method": attempt.method, "flow": attempt.flow,
        "attempt": attempt.attempt, "amount_paise": attempt.amount_paise, "state": attempt.state,
        "gateway_status": attempt.gateway_status, "transaction_id": attempt.transaction_id,
        "failure": ({"code": attempt.failure_code, "message": attempt.failure_message}
                    if attempt.state == GatewayState.FAILED.value else None),
        "message": _message(attempt), "refunded_paise": attempt.refunded_paise,
        "payment_id": str(attempt.payment.uuid) if attempt.payment_id else None,
        "change_due_paise": _change(attempt),
        "qr_payload": details.get("upi_link", "") if pending else "",
        "created_at": attempt.created_at.isoformat() + "Z", "updated_at": attempt.updated_at.isoformat() + "Z",
    }
    if pending and attempt.flow == "checkout":
        document["checkout"] = {"key_id": details.get("key_id", ""), "order_id": attempt.gateway_ref}
    if pending and attempt.gateway_status == "requires_action":
        document["client_secret"] = details.get("client_secret", "")
    return document


def _change(attempt: GatewayAttempt) -> int:
    """Cash to hand back for a cash attempt tendered above what it paid."""
    if attempt.method != "cash" or attempt.payment_id is None:
        return 0
    payment: Payment = attempt.payment
    return max(0, (payment.tendered_paise or payment.amount_paise) - payment.amount_paise)


def _attempt(attempt_id: str, lock: bool = False) -> GatewayAttempt:
    return by_uuid(GatewayAttempt, attempt_id, "gateway_payment_id", "gateway payment", lock=lock)


def _locked(attempt_pk: int) -> GatewayAttempt:
    query = GatewayAttempt.select().where(GatewayAttempt.id == attempt_pk)
    row = (query if is_sqlite(GatewayAttempt._meta.database) else query.for_update()).first()
    if row is None:
        raise NotFound("no such gateway payment", "gateway_payment_id")
    return row


# --- talking to the gateway ------------------------------------------------------------------------------


def _gateway(ctx: ServiceContext, name: str) -> Any:
    gateway = ctx.gateways.get(name) if ctx.gateways is not None else None
    if gateway is None:
        raise Unavailable(f"{name} is not enabled on this store", "gateway", "gateway_disabled")
    return gateway


def _call(gateway: Any, action: Callable[[], GatewayPayment]) -> GatewayPayment:
    """A gateway call with its failures as the API's errors."""
    try:
        return action()
    except GatewayTimeout as exc:
        raise UpstreamTimeout(exc.message, "method") from exc
    except GatewayUnavailable as exc:
        raise Unavailable(f"{exc.message}; take cash or use the external terminal", "method",
                          "gateway_unavailable") from exc
    except GatewayRefused as exc:
        raise InvalidInput(exc.message, "method", exc.code) from exc


def _as_answer(attempt: GatewayAttempt) -> GatewayPayment:
    """What the store knows of the attempt, in the gateway interface's terms (for capture/cancel/refund)."""
    return GatewayPayment(ref=attempt.gateway_ref or "", state=state_of(attempt.state),
                          status=attempt.gateway_status, amount_paise=attempt.amount_paise,
                          transaction_id=attempt.transaction_id, refunded_paise=attempt.refunded_paise)


def _request(ctx: ServiceContext, attempt: GatewayAttempt) -> PaymentRequest:
    asked = _details(ctx, attempt).get("request", {})
    invoice: Invoice = attempt.invoice
    return PaymentRequest(
        idempotency_key=attempt.idempotency_key, amount_paise=attempt.amount_paise, method=attempt.method,
        flow=attempt.flow, till=invoice.till.code, invoice_number=invoice.number,
        payment_method=asked.get("payment_method", ""), vpa=asked.get("vpa", ""),
        reference=asked.get("reference", ""), tendered_paise=attempt.tendered_paise,
    )


def _send_create(ctx: ServiceContext, attempt: GatewayAttempt) -> dict[str, Any]:
    """Send (or send again, with the same key) the attempt's create call and apply the answer."""
    gateway = _gateway(ctx, attempt.gateway)
    try:
        answer = _call(gateway, lambda: gateway.create(_request(ctx, attempt)))
    except InvalidInput as exc:  # refused before anything happened there: the attempt no longer holds money
        converge(ctx, attempt.id, GatewayPayment(ref=attempt.gateway_ref or "", state=GatewayState.FAILED,
                                                 status="refused", amount_paise=attempt.amount_paise,
                                                 failure_code=exc.code, failure_message=exc.message))
        raise
    except ServiceError:
        with write_transaction(ctx.db):
            GatewayAttempt.update(gateway_status="no_answer", checked_at=ctx.now()).where(
                GatewayAttempt.id == attempt.id).execute()
        raise
    return converge(ctx, attempt.id, answer)


# --- converging on the gateway's word -------------------------------------------------------------------


Recorded = list[tuple[Payment, int]]  # payments (and the change due) a convergence recorded, pushed after commit


def _apply(ctx: ServiceContext, attempt: GatewayAttempt, answer: GatewayPayment, applied: Recorded) -> GatewayAttempt:
    """Move a locked attempt by what the gateway said; record the money the first time it is taken, and
    refunds the gateway made that the store has not recorded yet. Inside the caller's transaction."""
    observed = answer.state
    if observed in MONEY_TAKEN and answer.amount_paise and answer.amount_paise != attempt.amount_paise:
        log.error("%s says %s was paid on %s, not the %s asked: not applied", attempt.gateway,
                  format_inr(answer.amount_paise), attempt.gateway_ref, format_inr(attempt.amount_paise))
        observed = GatewayState.PENDING
    before = state_of(attempt.state)
    state = advance(before, observed)
    fields: dict[str, Any] = {"state": state.value, "checked_at": ctx.now(), "updated_at": ctx.now()}
    if answer.status:
        fields["gateway_status"] = answer.status[:32]
    if answer.ref and not attempt.gateway_ref:
        fields["gateway_ref"] = answer.ref
    if answer.transaction_id and (state is observed or not attempt.transaction_id):
        fields["transaction_id"] = answer.transaction_id
    if state is GatewayState.FAILED and before is not GatewayState.FAILED:
        fields["failure_code"] = answer.failure_code[:64]
        fields["failure_message"] = answer.failure_message or "the gateway refused the payment"
    if answer.details or answer.qr_payload:
        details = _details(ctx, attempt)
        seen = {**details.get("gateway", {}), **answer.details}
        if answer.qr_payload:
            seen["upi_link"] = answer.qr_payload
        fields["details_enc"] = ctx.cipher.encrypt_json({**details, "gateway": seen}, DETAILS)
    GatewayAttempt.update(**fields).where(GatewayAttempt.id == attempt.id).execute()
    for name, value in fields.items():  # the row as now stored, without reading it again
        setattr(attempt, name, value)
    invoice = attempt.invoice
    if state in MONEY_TAKEN and attempt.payment_id is None and before not in MONEY_TAKEN:
        _join_invoice(ctx, attempt, invoice, applied)
    if attempt.payment_id is not None and answer.refunded_paise > attempt.refunded_paise:
        given_back = answer.refunded_paise - attempt.refunded_paise
        try:
            payment = _refund(ctx, attempt.started_by, invoice, attempt.method, given_back, attempt.transaction_id)
        except InvalidInput as exc:
            log.error("%s refunded %s on %s but the store cannot record it: %s", attempt.gateway,
                      format_inr(given_back), invoice.number, exc.message)
        else:
            applied.append((payment, 0))
        details = _details(ctx, attempt)
        details.pop(REFUND_PENDING, None)
        attempt.refunded_paise, attempt.details_enc = answer.refunded_paise, ctx.cipher.encrypt_json(details, DETAILS)
        GatewayAttempt.update(refunded_paise=attempt.refunded_paise, details_enc=attempt.details_enc).where(
            GatewayAttempt.id == attempt.id).execute()
    return attempt


def _join_invoice(ctx: ServiceContext, attempt: GatewayAttempt, invoice: Invoice, applied: Recorded) -> None:
    """The money is taken: it becomes one of the invoice's split payments, as cash would."""
    gateway = "" if attempt.gateway == "cash" else attempt.gateway
    try:
        payment, change = _record_payment(
            ctx, attempt.started_by, invoice, attempt.method, attempt.amount_paise, attempt.tendered_paise,
            attempt.transaction_id[:120], _payment_lines(invoice),
            gateway_fields={"gateway": gateway, "attempt": attempt.attempt, "gateway_order_id": attempt.gateway_ref,
                            "idempotency_key": attempt.idempotency_key if gateway else None},
        )
    except InvalidInput as exc:
        message = (f"{format_inr(attempt.amount_paise)} was taken by {attempt.gateway} but the invoice cannot take "
                   f"it ({exc.message}): refund it")
        log.error("invoice %s: %s", invoice.number, message)
        GatewayAttempt.update(failure_message=message).where(GatewayAttempt.id == attempt.id).execute()
        attempt.failure_message = message
        return
    GatewayAttempt.update(payment=payment).where(GatewayAttempt.id == attempt.id).execute()
    attempt.payment = payment
    report_summaries.payment_recorded(ctx, payment, invoice)  # the dashboard's payments and what is owed
    applied.append((payment, change))


def _publish(ctx: ServiceContext, attempt: GatewayAttempt, applied: Recorded) -> dict[str, Any]:
    """After commit: the attempt's new state to the till's screens, then any payment it recorded."""
    document = attempt_document(ctx, attempt)
    ctx.bus.publish("gateway_payment.updated", {"till": document["till"], "invoice_id": document["invoice_id"],
                                                "gateway_payment": document})
    for payment, change in applied:
        publish_payment(ctx, attempt.invoice, payment, change)
    return document


def converge(ctx: ServiceContext, attempt_pk: int, answer: GatewayPayment) -> dict[str, Any]:
    """Apply what the gateway said of an attempt, push it, and capture it when it waits for the till."""
    applied: Recorded = []
    with write_transaction(ctx.db):
        attempt = _apply(ctx, _locked(attempt_pk), answer, applied)
    document = _publish(ctx, attempt, applied)
    if answer.needs_capture and attempt.state == GatewayState.PENDING.value:
        gateway = _gateway(ctx, attempt.gateway)
        captured = _call(gateway, lambda: gateway.capture(_as_answer(attempt),
                                                          action_key(attempt.idempotency_key, "capture")))
        if captured.needs_capture:  # the gateway still waits: leave it to the next poll
            return document
        return converge(ctx, attempt_pk, captured)
    return document


# --- use cases ------------------------------------------------------------------------------------------


def start(ctx: ServiceContext, user: User, invoice_id: str, method: str, amount_paise: int, flow: str | None = None,
          payment_method: str = "", vpa: str = "", reference: str = "",
          tendered_paise: int | None = None) -> dict[str, Any]:
    """Start taking ``amount_paise`` by a method through its gateway. Sent again while the same attempt is
    open (after a timeout, say), it resumes that attempt with the same Idempotency-Key instead of making
    another."""
    if ctx.gateways is None:
        raise Unavailable("no payment gateways are set up", "method", "gateway_disabled")
    try:
        route = ctx.gateways.route(method, flow)
    except GatewayRefused as exc:
        raise InvalidInput(exc.message, "flow" if exc.code != "unknown_method" else "method", exc.code) from exc
    gateway = route.gateway
    with write_transaction(ctx.db):
        invoice = _invoice(invoice_id, for_update=True)
        attempt = (GatewayAttempt.select().where(
            (GatewayAttempt.invoice == invoice) & (GatewayAttempt.gateway == gateway.name)
            & (GatewayAttempt.method == method) & (GatewayAttempt.flow == route.flow)
            & (GatewayAttempt.amount_paise == amount_paise) & GatewayAttempt.state.in_([s.value for s in OPEN])
        ).order_by(GatewayAttempt.attempt.desc()).first())
        if attempt is None:
            # A new attempt waits for the gateway to answer again; an open one may always be resumed (its
            # outcome is learned by sending the same request again).
            if gateway.needs_internet and not gateway.reachability.available:
                raise Unavailable(f"{gateway.name} cannot be reached now; take cash or use the external terminal",
                                  "method", "gateway_unavailable")
            attempt = _new_attempt(ctx, user, invoice, route.method, route.flow, gateway.name, amount_paise,
                                   tendered_paise, {"payment_method": payment_method, "vpa": vpa,
                                                    "reference": reference})
    if attempt.state == GatewayState.PENDING.value:
        return attempt_document(ctx, attempt)
    return _send_create(ctx, attempt)


def _new_attempt(ctx: ServiceContext, user: User, invoice: Invoice, method: str, flow: str, gateway: str,
                 amount_paise: int, tendered_paise: int | None, asked: dict[str, str]) -> GatewayAttempt:
    """Check the amount against the invoice (payments in flight hold theirs) and save the attempt with its key."""
    try:
        invoice_state.check_can_take_payment(invoice.status)
        take_payment(invoice.total_paise, _payment_lines(invoice), Method(method), amount_paise, tendered_paise,
                     asked["reference"] if gateway == "terminal" else "",
                     has_customer=invoice.customer_id is not None)
    except RuleError as exc:
        raise InvalidInput(exc.message, exc.field, exc.code) from exc
    number = (GatewayAttempt.select(peewee.fn.MAX(GatewayAttempt.attempt))
              .where(GatewayAttempt.invoice == invoice).scalar() or 0) + 1
    try:
        key = idempotency_key(invoice.till.code, invoice.number, number)
    except RuleError as exc:
        raise InvalidInput(exc.message, exc.field, exc.code) from exc
    return GatewayAttempt.create(
        invoice=invoice, gateway=gateway, method=method, flow=flow, attempt=number, amount_paise=amount_paise,
        tendered_paise=tendered_paise, idempotency_key=key, state=GatewayState.CREATED.value, started_by=user,
        details_enc=ctx.cipher.encrypt_json({"request": {k: v for k, v in asked.items() if v}}, DETAILS),
        created_at=ctx.now(), updated_at=ctx.now(),
    )


def view(ctx: ServiceContext, attempt_id: str, refresh: bool = False) -> dict[str, Any]:
    """An attempt as it stands; with ``refresh`` a pending one is first checked with its gateway."""
    attempt = _attempt(attempt_id)
    if refresh and attempt.state in (s.value for s in OPEN):
        return _check(ctx, attempt)
    return attempt_document(ctx, attempt)


def invoice_attempts(ctx: ServiceContext, invoice_id: str) -> list[dict[str, Any]]:
    """Every gateway payment of an invoice, newest first: how a till shows a waiting one again after a reload."""
    invoice = _invoice(invoice_id)
    rows = (GatewayAttempt.select().where(GatewayAttempt.invoice == invoice)
            .order_by(GatewayAttempt.attempt.desc()))
    documents = []
    for attempt in rows:
        attempt.invoice = invoice  # already read: no query per attempt
        documents.append(attempt_document(ctx, attempt))
    return documents


def waiting_on_till(ctx: ServiceContext, till_code: str) -> dict[str, Any] | None:
    """The till's latest bill while a gateway payment of it still waits: ``{"summary", "gateway_payment"}``
    (its newest open attempt), or None. A screen joining the till's room is told it at once, so a customer
    display that reloaded shows the bill and the UPI QR again."""
    invoice = (Invoice.select(Invoice).join(Till).where(Till.code == till_code)
               .order_by(Invoice.id.desc()).first())
    if invoice is None:
        return None
    attempt = (GatewayAttempt.select().where((GatewayAttempt.invoice == invoice)
                                             & GatewayAttempt.state.in_([s.value for s in OPEN]))
               .order_by(GatewayAttempt.attempt.desc()).first())
    if attempt is None:
        return None
    attempt.invoice = invoice
    return {"summary": invoice_summary(ctx, invoice), "gateway_payment": attempt_document(ctx, attempt)}


def pending_upi_qr(ctx: ServiceContext, invoice: Invoice) -> dict[str, Any] | None:
    """The newest UPI QR payment of the invoice still waiting at Razorpay, with the link its QR encodes
    (the receipt prints that one rather than the store's UPI ID: paying it settles that attempt)."""
    rows = (GatewayAttempt.select().where(
        (GatewayAttempt.invoice == invoice) & (GatewayAttempt.gateway == "razorpay")
        & (GatewayAttempt.flow == "upi_qr") & (GatewayAttempt.state == GatewayState.PENDING.value))
        .order_by(GatewayAttempt.attempt.desc()))
    for attempt in rows:
        link = _details(ctx, attempt).get("gateway", {}).get("upi_link", "")
        if link:
            return {"id": str(attempt.uuid), "payload": link, "amount_paise": attempt.amount_paise}
    return None


def _check(ctx: ServiceContext, attempt: GatewayAttempt) -> dict[str, Any]:
    """Ask the gateway about an open attempt: the create call again (same key) when it never answered."""
    if attempt.state == GatewayState.CREATED.value or not attempt.gateway_ref:
        return _send_create(ctx, attempt)
    gateway = _gateway(ctx, attempt.gateway)
    return converge(ctx, attempt.id, _call(gateway, lambda: gateway.fetch(attempt.gateway_ref)))


def cancel(ctx: ServiceContext, user: User, attempt_id: str) -> dict[str, Any]:
    """Give up an open attempt: cancelled at the gateway where it can be; if the customer paid meanwhile,
    the payment is recorded instead."""
    attempt = _attempt(attempt_id)
    if attempt.state not in (s.value for s in OPEN):
        raise InvalidInput(f"this payment is already {attempt.state}", "state", "not_open")
    if attempt.state == GatewayState.CREATED.value or not attempt.gateway_ref:
        document = _send_create(ctx, attempt)  # learn what the gateway has before cancelling it
        attempt = _attempt(attempt_id)
        if attempt.state not in (s.value for s in OPEN):
            return document
    gateway = _gateway(ctx, attempt.gateway)
    answer = _call(gateway, lambda: gateway.cancel(_as_answer(attempt),
                                                   action_key(attempt.idempotency_key, "cancel")))
    log.info("%s cancelled gateway payment %s (%s)", user.username, attempt.uuid, answer.state)
    return converge(ctx, attempt.id, answer)


def refund_attempt(ctx: ServiceContext, user: User, attempt_id: str, amount_paise: int | None = None) -> dict[str, Any]:
    """Give back part or all of a taken gateway payment through its gateway; the refund joins the invoice's
    payments when the gateway confirms it. A refund whose answer was lost is sent again with its own key
    (and amount) before any other, so it is never given twice."""
    with write_transaction(ctx.db):
        attempt = _attempt(attempt_id, lock=True)
        if attempt.state != GatewayState.SUCCEEDED.value or attempt.payment_id is None:
            raise InvalidInput(f"only a succeeded payment can be refunded (this one is {attempt.state})", "state",
                               "not_refundable")
        details = _details(ctx, attempt)
        unconfirmed = details.get(REFUND_PENDING)
        if unconfirmed is not None:
            number, amount = unconfirmed["number"], unconfirmed["amount"]
            if amount_paise not in (None, amount):
                raise InvalidInput(f"a refund of {format_inr(amount)} is not confirmed yet: send it again first",
                                   "amount_paise", "refund_pending")
        else:
            amount = attempt.amount_paise - attempt.refunded_paise if amount_paise is None else amount_paise
            _check_refund(attempt, amount)
            number = attempt.refunds_started + 1
            GatewayAttempt.update(refunds_started=number, details_enc=ctx.cipher.encrypt_json(
                {**details, REFUND_PENDING: {"number": number, "amount": amount}}, DETAILS),
            ).where(GatewayAttempt.id == attempt.id).execute()
    gateway = _gateway(ctx, attempt.gateway)
    try:
        answer = _call(gateway, lambda: gateway.refund(_as_answer(attempt), amount,
                                                       action_key(attempt.idempotency_key, f"refund{number}")))
    except InvalidInput:  # refused outright: nothing was given back, the next refund may be another amount
        _forget_refund(ctx, attempt.id)
        raise
    log.info("%s refunded %s of gateway payment %s", user.username, format_inr(amount), attempt.uuid)
    return converge(ctx, attempt.id, answer)


def _check_refund(attempt: GatewayAttempt, amount: int) -> None:
    """The refund rules of the invoice's payments, and no more than is left on this payment."""
    invoice = Invoice.get_by_id(attempt.invoice_id)
    try:
        refund(invoice.total_paise, _payment_lines(invoice), Method(attempt.method), amount, attempt.transaction_id)
    except RuleError as exc:
        raise InvalidInput(exc.message, exc.field or "amount_paise", exc.code) from exc
    left = attempt.amount_paise - attempt.refunded_paise
    if amount > left:
        raise InvalidInput(f"{format_inr(amount)} is more than the {format_inr(left)} left on this payment",
                           "amount_paise", "refund_exceeds_paid")


def _forget_refund(ctx: ServiceContext, attempt_pk: int) -> None:
    """Drop the note of a refund under way (the gateway confirmed or refused it)."""
    with write_transaction(ctx.db):
        attempt = _locked(attempt_pk)
        details = _details(ctx, attempt)
        if details.pop(REFUND_PENDING, None) is not None:
            GatewayAttempt.update(details_enc=ctx.cipher.encrypt_json(details, DETAILS)).where(
                GatewayAttempt.id == attempt_pk).execute()


def confirm_checkout(ctx: ServiceContext, attempt_id: str, payment_id: str, signature: str) -> dict[str, Any]:
    """Razorpay Checkout's callback from the customer display: trusted only when its signature matches the
    order the store saved; then the payment is read from Razorpay itself."""
    attempt = _attempt(attempt_id)
    if attempt.gateway != "razorpay" or not attempt.gateway_ref:
        raise InvalidInput("this payment is not a Razorpay order", "gateway_payment_id", "not_razorpay")
    gateway = _gateway(ctx, attempt.gateway)
    try:
        gateway.verify_checkout(attempt.gateway_ref, payment_id, signature)
    except SignatureError as exc:
        log.warning("refused a Razorpay checkout callback for %s: %s", attempt.gateway_ref, exc.message)
        raise InvalidInput(exc.message, exc.header, "bad_signature") from exc
    return converge(ctx, attempt.id, _call(gateway, lambda: gateway.fetch(attempt.gateway_ref)))


def qr(ctx: ServiceContext, attempt_id: str) -> dict[str, Any]:
    """The UPI link the customer display shows as a QR code while the attempt waits for the customer."""
    attempt = _attempt(attempt_id)
    document = attempt_document(ctx, attempt)
    if not document["qr_payload"]:
        raise NotFound("this payment has no QR code to show (not a pending UPI QR payment)", "gateway_payment_id")
    return {"id": document["id"], "payload": document["qr_payload"], "amount_paise": attempt.amount_paise,
            "invoice_number": document["invoice_number"], "state": attempt.state}


def handle_webhook(ctx: ServiceContext, gateway_name: str, event: WebhookEvent) -> dict[str, Any]:
    """Apply a verified webhook once: the event ID is kept, so a redelivery changes nothing."""
    applied: Recorded = []
    attempt: GatewayAttempt | None = None
    event_id = event.event_id[:120]
    try:
        with write_transaction(ctx.db):
            duplicate = GatewayEvent.select().where((GatewayEvent.gateway == gateway_name)
                                                    & (GatewayEvent.event_id == event_id)).exists()
            if duplicate:
                return {"received": True, "duplicate": True}
            GatewayEvent.create(gateway=gateway_name, event_id=event_id, event_type=event.event_type[:64],
                                received_at=ctx.now(),
                                payload_enc=ctx.cipher.encrypt_json(dict(event.payload), EVENT_PAYLOAD))
            found = GatewayAttempt.select(GatewayAttempt.id).where(
                (GatewayAttempt.gateway == gateway_name) & (GatewayAttempt.gateway_ref == event.ref)).first()
            if found is not None and event.payment is not None:
                attempt = _apply(ctx, _locked(found.id), event.payment, applied)
    except peewee.IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        return {"received": True, "duplicate": True}
    if found is None:
        log.info("%s webhook %s (%s) is about %r, which this store did not start", gateway_name, event.event_id,
                 event.event_type, event.ref)
        return {"received": True, "duplicate": False, "matched": False}
    if attempt is None:  # an event about the payment without its state (a charge): read it from the gateway
        try:
            _check(ctx, GatewayAttempt.get_by_id(found.id))
        except ServiceError as exc:
            log.warning("could not read %s %s after webhook %s: %s", gateway_name, event.ref, event.event_id,
                        exc.message)
        return {"received": True, "duplicate": False, "matched": True}
    _publish(ctx, attempt, applied)
    if event.payment is not None and event.payment.needs_capture and attempt.state == GatewayState.PENDING.value:
        try:
            _check(ctx, attempt)
        except ServiceError as exc:
            log.warning("capture of %s after webhook failed: %s; the reconciler will retry", event.ref, exc.message)
    return {"received": True, "duplicate": False, "matched": True}


def reconcile(ctx: ServiceContext, min_age_s: float = 0.0) -> dict[str, int]:
    """Check every open attempt with its gateway (at start-up, then every ``payments.poll_seconds``):
    unanswered creates are sent again with their key, pending ones are fetched, authorised ones captured."""
    cutoff = ctx.now() - timedelta(seconds=min_age_s)
    with ctx.db.connection_context():
        open_ids = [row.id for row in GatewayAttempt.select(GatewayAttempt.id).where(
            GatewayAttempt.state.in_([s.value for s in OPEN]) & (GatewayAttempt.updated_at <= cutoff)
            & GatewayAttempt.gateway.not_in(["cash", "terminal"])).order_by(GatewayAttempt.id)]
        outcome = {"checked": 0, "settled": 0, "failed_checks": 0}
        for pk in open_ids:
            attempt = GatewayAttempt.get_by_id(pk)
            try:
                document = _check(ctx, attempt)
            except ServiceError as exc:
                outcome["failed_checks"] += 1
                log.info("reconcile: %s %s not checked: %s", attempt.gateway, attempt.idempotency_key, exc.message)
                continue
            outcome["checked"] += 1
            outcome["settled"] += document["state"] not in (s.value for s in OPEN)
    if open_ids:
        log.info("reconciled gateway payments: %s", outcome)
    return outcome


def probe(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Ask each online gateway whether it answers (the outcome updates and pushes its reachability)."""
    if ctx.gateways is None:
        return []
    for gateway in ctx.gateways.online():
        started = time.monotonic()
        try:
            gateway.probe()
        except GatewayError as exc:
            log.debug("probe of %s failed after %.1f s: %s", gateway.name, time.monotonic() - started, exc)
    status: list[dict[str, Any]] = ctx.gateways.status()
    return status


def methods(ctx: ServiceContext) -> dict[str, Any]:
    """The methods the till offers now, and each online gateway's reachability."""
    if ctx.gateways is None:
        return {"methods": [], "gateways": []}
    return {"methods": ctx.gateways.methods(), "gateways": ctx.gateways.status()}


def simulate_customer(ctx: ServiceContext, attempt_id: str, pay: bool) -> dict[str, Any]:
    """Demo mode: the customer pays (or declines) a pending attempt at the simulated gateway: taps a card on
    the simulated reader, approves the UPI request, or pays in the simulated Checkout."""
    simulator = getattr(ctx.gateways, "simulator", None)
    if simulator is None:
        raise NotFound("payments are not simulated on this store (payments.simulate)", "gateway_payment_id")
    attempt = _attempt(attempt_id)
    if attempt.state != GatewayState.PENDING.value:
        raise InvalidInput(f"this payment is {attempt.state}, not waiting for the customer", "state", "not_open")
    if attempt.flow == "card_present":
        reader = _gateway(ctx, "stripe").terminal_reader
        simulator.present_card(reader, "4242424242424242" if pay else "4000000000000002")
    elif attempt.flow == "checkout" and pay:
        callback = simulator.checkout_pays(attempt.gateway_ref, attempt.method)
        return confirm_checkout(ctx, attempt_id, callback["razorpay_payment_id"], callback["razorpay_signature"])
    elif attempt.flow in ("upi_qr", "upi_collect"):
        simulator.customer_pays(attempt.transaction_id, succeed=pay)
    else:
        raise InvalidInput(f"the simulated customer cannot act on a {attempt.flow} payment", "flow", "not_simulated")
    return attempt_document(ctx, attempt)
