"""Customers for the back office and the till: accounts, GSTIN history by period, balance, statements, payments.

A customer's balance is the sum of its ledger entries (positive: the customer owes the shop). A GSTIN is never
overwritten: a change closes the period in force the day before the new one starts and opens a new period; a
change dated the same day the current period started replaces it (a same-day correction, audited with before
and after). The GSTIN's state must be the billing state unless a reason is given (kept in the audit trail and
the replicated event). See docs/catalog-and-customers.md.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from edge.clock import local_date
from edge.domain import ledger
from edge.domain.errors import RuleError
from edge.domain.gstin import STATE_NAMES, Registration, check_gstin, check_no_overlap
from edge.domain.invoice_state import StoredStatus
from edge.domain.money import format_inr
from edge.domain.payments import Method
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from edge.store.db import write_transaction
from edge.store.models import (
    Cart,
    CreditNote,
    Customer,
    CustomerGstin,
    CustomerLedgerEntry,
    CustomerType,
    Invoice,
    Payment,
    RateTier,
    User,
)
from edge.store.outbox import enqueue

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9]{6,15}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AUTO_CODE = re.compile(r"^C([0-9]+)$")
MANAGERS = frozenset({"admin", "manager"})
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_QUERY_WORDS = 5
TEXT_LIMITS = {"name": 200, "billing_address": 2000, "shipping_address": 2000, "legal_name": 200,
               "gstin_state_reason": 500}


def _rule(exc: RuleError, field: str | None = None) -> InvalidInput:
    """A domain refusal as the API's 400, optionally naming the request's field instead of the rule's."""
    return InvalidInput(exc.message, field or exc.field, exc.code)


def store_today(ctx: ServiceContext) -> date:
    """Today in the store's time zone."""
    return local_date(ctx.now(), ctx.config.get("store.timezone"))


def parse_day(text: Any, field: str) -> date:
    """A YYYY-MM-DD date from a request, or a 400 naming the field."""
    try:
        return date.fromisoformat(str(text))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD (got {text!r})", field) from exc


def get_customer(customer_id: str) -> Customer:
    """A customer by its UUID, or 404."""
    try:
        key = uuid.UUID(str(customer_id))
    except ValueError as exc:
        raise NotFound("no such customer", "customer_id") from exc
    customer = Customer.get_or_none(Customer.uuid == key)
    if customer is None:
        raise NotFound("no such customer", "customer_id")
    return customer


# --- reading -------------------------------------------------------------------------------------


def balances(customer_ids: Iterable[int]) -> dict[int, int]:
    """Balance (sum of ledger entries) per customer; customers without entries are absent."""
    ids = list(customer_ids)
    if not ids:
        return {}
    query = (CustomerLedgerEntry
             .select(CustomerLedgerEntry.customer, peewee.fn.SUM(CustomerLedgerEntry.amount_paise))
             .where(CustomerLedgerEntry.customer.in_(ids))
             .group_by(CustomerLedgerEntry.customer).tuples())
    return {customer_id: int(total or 0) for customer_id, total in query}


def _in_force(on: date) -> peewee.Expression:
    """CustomerGstin rows in force on a day."""
    return (CustomerGstin.valid_from <= on) & (CustomerGstin.valid_to.is_null() | (CustomerGstin.valid_to >= on))


def current_gstins(customer_ids: Iterable[int], on: date) -> dict[int, CustomerGstin]:
    """The GSTIN period in force on a day, per customer that has one."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = (CustomerGstin.select().where(CustomerGstin.customer.in_(ids) & _in_force(on))
            .order_by(CustomerGstin.valid_from))
    return {row.customer_id: row for row in rows}


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice of the customer that is not settled: a draft, or issued with money still due."""

    number: str
    status: str
    total_paise: int
    due_paise: int
    due_date: date | None


def open_invoices(customer: Customer) -> list[OpenInvoice]:
    """Drafts, and issued invoices whose ledger entries (the invoice, less payments, credit notes and
    adjustments against it, plus refunds) still add up to more than zero."""
    owed = dict(CustomerLedgerEntry
                .select(CustomerLedgerEntry.invoice, peewee.fn.SUM(CustomerLedgerEntry.amount_paise))
                .where((CustomerLedgerEntry.customer == customer) & CustomerLedgerEntry.invoice.is_null(False))
                .group_by(CustomerLedgerEntry.invoice).tuples())
    invoices = (Invoice.select(Invoice.id, Invoice.number, Invoice.status, Invoice.total_paise, Invoice.due_date)
                .where((Invoice.customer == customer)
                       & Invoice.status.in_([StoredStatus.DRAFT.value, StoredStatus.ISSUED.value]))
                .order_by(Invoice.issued_at, Invoice.id))
    return [OpenInvoice(invoice.number, invoice.status, invoice.total_paise, int(owed.get(invoice.id) or 0),
                        invoice.due_date)
            for invoice in invoices
            if invoice.status == StoredStatus.DRAFT.value or int(owed.get(invoice.id) or 0) > 0]


def _gstin_row(row: CustomerGstin) -> dict[str, Any]:
    return {"gstin": row.gstin, "legal_name": row.legal_name, "state_code": row.gstin[:2],
            "valid_from": row.valid_from.isoformat(), "valid_to": row.valid_to.isoformat() if row.valid_to else None}


def customer_document(customer: Customer) -> dict[str, Any]:
    """A customer's own fields and GSTIN history: the replicated payload (no derived balance)."""
    history = CustomerGstin.select().where(CustomerGstin.customer == customer).order_by(CustomerGstin.valid_from)
    return {
        "id": str(customer.uuid), "code": customer.code, "name": customer.name, "phone": customer.phone,
        "email": customer.email, "type": customer.customer_type.code, "rate_tier": customer.rate_tier.code,
        "billing_address": customer.billing_address, "billing_state_code": customer.billing_state_code,
        "shipping_address": customer.shipping_address, "shipping_state_code": customer.shipping_state_code,
        "credit_limit_paise": customer.credit_limit_paise, "is_active": customer.is_active,
        "gstin_history": [_gstin_row(row) for row in history],
        "created_at": customer.created_at.isoformat() + "Z", "updated_at": customer.updated_at.isoformat() + "Z",
    }


def customer_view(ctx: ServiceContext, customer: Customer) -> dict[str, Any]:
    """A customer as the back office shows it: fields, GSTIN in force and history, balance, open invoices."""
    today = store_today(ctx)
    document = customer_document(customer)
    current = current_gstins([customer.id], today).get(customer.id)
    balance = balances([customer.id]).get(customer.id, 0)
    unpaid = open_invoices(customer)
    document.update(
        gstin=current.gstin if current else None, legal_name=current.legal_name if current else None,
        balance_paise=balance,
        credit_available_paise=max(0, customer.credit_limit_paise - balance),
        open_invoices=[{"number": item.number, "status": item.status, "total_paise": item.total_paise,
                        "due_paise": item.due_paise,
                        "due_date": item.due_date.isoformat() if item.due_date else None} for item in unpaid],
    )
    return document


def view_customer(ctx: ServiceContext, customer_id: str) -> dict[str, Any]:
    """A customer by ID, for the back office screen."""
    return customer_view(ctx, get_customer(customer_id))


def _bool_param(value: str | None, field: str) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise InvalidInput(f"{field} must be true or false (got {value!r})", field)


def _int_param(value: str | None, field: str, default: int | None, low: int | None = None,
               high: int | None = None) -> int | None:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a whole number (got {value!r})", field) from exc
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InvalidInput(f"{field} must be {bounds} (got {number})", field)
    return number


def page_params(args: dict[str, str]) -> tuple[int, int]:
    """(page, per_page) from query parameters: pages count from 1, at most 100 items a page."""
    page = _int_param(args.get("page"), "page", 1, 1)
    per_page = _int_param(args.get("per_page"), "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    assert page is not None and per_page is not None
    return page, per_page


def _search_condition(text: str) -> peewee.Expression | None:
    """Every word of the query must match the name, code, phone or a GSTIN (present or past)."""
    words = text.split()[:MAX_QUERY_WORDS]
    condition: peewee.Expression | None = None
    for word in words:
        by_gstin = CustomerGstin.select(CustomerGstin.customer).where(CustomerGstin.gstin.contains(word))
        either = (Customer.name.contains(word) | Customer.code.startswith(word)
                  | Customer.id.in_(by_gstin))
        digits = re.sub(r"[^0-9]", "", word)
        if len(digits) >= 3:
            either = either | Customer.phone.contains(digits)
        condition = either if condition is None else condition & either
    return condition


def list_customers(ctx: ServiceContext, args: dict[str, str]) -> dict[str, Any]:
    """Customers matching the filters, ordered by name then code, one page with the total count."""
    today = store_today(ctx)
    page, per_page = page_params(args)
    sums = (CustomerLedgerEntry
            .select(CustomerLedgerEntry.customer.alias("customer_id"),
                    peewee.fn.SUM(CustomerLedgerEntry.amount_paise).alias("total"))
            .group_by(CustomerLedgerEntry.customer).alias("sums"))
    balance = peewee.fn.COALESCE(sums.c.total, 0)
    query = (Customer.select(Customer, CustomerType, balance.alias("balance_paise"))
             .join(CustomerType, on=(Customer.customer_type == CustomerType.id))
             .switch(Customer).join(sums, peewee.JOIN.LEFT_OUTER, on=(sums.c.customer_id == Customer.id)))
    status = (args.get("status") or "active").strip().lower()
    if status not in ("active", "inactive", "all"):
        raise InvalidInput("status must be active, inactive or all", "status")
    if status != "all":
        query = query.where(Customer.is_active == (status == "active"))
    text = (args.get("q") or "").strip()
    if text:
        condition = _search_condition(text)
        if condition is not None:
            query = query.where(condition)
    type_code = (args.get("type") or "").strip()
    if type_code:
        if not CustomerType.select().where(CustomerType.code == type_code).exists():
            codes = ", ".join(row.code for row in CustomerType.select().order_by(CustomerType.id))
            raise InvalidInput(f"no customer type {type_code!r} (types: {codes})", "type")
        query = query.where(CustomerType.code == type_code)
    state = (args.get("state") or "").strip()
    if state:
        if state not in STATE_NAMES:
            raise InvalidInput(f"{state!r} is not a GST state code such as 27", "state")
        query = query.where(Customer.billing_state_code == state)
    has_gstin = _bool_param(args.get("has_gstin"), "has_gstin")
    if has_gstin is not None:
        registered = CustomerGstin.select(CustomerGstin.customer).where(_in_force(today))
        query = query.where(Customer.id.in_(registered) if has_gstin else Customer.id.not_in(registered))
    min_balance = _int_param(args.get("min_balance_paise"), "min_balance_paise", None)
    if min_balance is not None:
        query = query.where(balance >= min_balance)
    total = query.count()
    rows = list(query.order_by(Customer.name, Customer.code).paginate(page, per_page))
    gstins = current_gstins([row.id for row in rows], today)
    items = [{
        "id": str(row.uuid), "code": row.code, "name": row.name, "phone": row.phone, "type": row.customer_type.code,
        "billing_state_code": row.billing_state_code, "gstin": gstins[row.id].gstin if row.id in gstins else None,
        "balance_paise": int(row.balance_paise), "credit_limit_paise": row.credit_limit_paise,
        "is_active": row.is_active,
    } for row in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": math.ceil(total / per_page) if total else 0}


# --- writing -------------------------------------------------------------------------------------


def _text(data: dict[str, Any], field: str, *, required: bool = False) -> str | None:
    """A trimmed text field within its length limit; None when absent."""
    if field not in data or data[field] is None:
        if required:
            raise InvalidInput(f"{field} is required", field)
        return None
    value = str(data[field]).strip()
    if required and not value:
        raise InvalidInput(f"{field} must not be empty", field)
    limit = TEXT_LIMITS.get(field)
    if limit and len(value) > limit:
        raise InvalidInput(f"{field} has at most {limit} characters (got {len(value)})", field)
    return value


def _phone(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = re.sub(r"[\s()-]", "", str(value))
    if not cleaned:
        return None
    if not PHONE_PATTERN.match(cleaned):
        raise InvalidInput(f"phone must be 6 to 15 digits, optionally with a leading + (got {value!r})", "phone")
    return cleaned


def _email(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    cleaned = str(value).strip()
    if len(cleaned) > 200 or not EMAIL_PATTERN.match(cleaned):
        raise InvalidInput(f"{value!r} is not an e-mail address", "email")
    return cleaned


def _state(value: Any, field: str) -> str:
    code = str(value).strip()
    if code not in STATE_NAMES:
        raise InvalidInput(f"{field}: {value!r} is not a GST state code such as 27 (Maharashtra)", field)
    return code


def _customer_type(code: Any) -> CustomerType:
    found = CustomerType.get_or_none(CustomerType.code == str(code))
    if found is None:
        codes = ", ".join(row.code for row in CustomerType.select().order_by(CustomerType.id))
        raise InvalidInput(f"no customer type {code!r} (types: {codes})", "type")
    return found


def _rate_tier(code: Any) -> RateTier:
    found = RateTier.get_or_none(RateTier.code == str(code))
    if found is None:
        codes = ", ".join(row.code for row in RateTier.select().order_by(RateTier.id))
        raise InvalidInput(f"no rate tier {code!r} (tiers: {codes})", "rate_tier")
    return found


def _next_code() -> str:
    """The next free automatic code, C0001 onwards."""
    highest = 0
    for (code,) in Customer.select(Customer.code).where(Customer.code.startswith("C")).tuples():
        match = AUTO_CODE.match(code)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"C{highest + 1:04d}"


def _check_code(value: Any, customer: Customer | None) -> str:
    code = str(value).strip().upper()
    if not CODE_PATTERN.match(code):
        raise InvalidInput(f"code must be 1-16 letters, digits or '-' (got {value!r})", "code")
    clash = Customer.select().where(Customer.code == code)
    if customer is not None:
        clash = clash.where(Customer.id != customer.id)
    if clash.exists():
        raise Conflict(f"customer code {code} is already taken", "code")
    return code


def _check_cashier_limits(user: User | None, data: dict[str, Any], default_tier: RateTier) -> None:
    """A cashier adds customers at the till but grants neither credit nor a better price list."""
    if user is None or user.role in MANAGERS:
        return
    if data.get("credit_limit_paise"):
        raise Forbidden("only a manager can give a customer credit; leave credit_limit_paise at 0",
                        "credit_limit_paise")
    if data.get("rate_tier") not in (None, default_tier.code):
        raise Forbidden("only a manager can choose a rate tier other than the customer type's", "rate_tier")


@dataclass(frozen=True)
class _Period:
    """A GSTIN period as it will be stored (id None: new)."""

    id: int | None
    gstin: str
    legal_name: str
    valid_from: date
    valid_to: date | None


def _registration(period: _Period) -> Registration:
    try:
        return Registration(gstin=period.gstin, legal_name=period.legal_name, valid_from=period.valid_from,
                            valid_to=period.valid_to)
    except RuleError as exc:
        raise _rule(exc, {"valid_to": "gstin_effective_from", "valid_from": "gstin_effective_from"}.get(
            exc.field or "", exc.field)) from exc


def _plan_gstin(customer: Customer | None, data: dict[str, Any], name: str, today: date) -> list[_Period] | None:
    """The customer's GSTIN periods after the request, or None when the request does not touch them."""
    touches = any(key in data for key in ("gstin", "legal_name", "gstin_effective_from"))
    if not touches:
        return None
    existing = [] if customer is None else list(
        CustomerGstin.select().where(CustomerGstin.customer == customer).order_by(CustomerGstin.valid_from))
    periods = [_Period(row.id, row.gstin, row.legal_name, row.valid_from, row.valid_to) for row in existing]
    current = next((period for period in periods if period.valid_to is None), None)
    start = parse_day(data["gstin_effective_from"], "gstin_effective_from") \
        if data.get("gstin_effective_from") else today
    if "gstin" in data and not data["gstin"]:
        if current is None:
            return None
        new: _Period | None = None
    else:
        if "gstin" in data:
            try:
                gstin = check_gstin(str(data["gstin"]))
            except RuleError as exc:
                raise _rule(exc, "gstin") from exc
        elif current is not None:
            gstin = current.gstin
        elif customer is None and "legal_name" not in data:
            return None
        else:
            raise InvalidInput("the customer has no GSTIN to give a legal name to; send gstin too", "legal_name")
        legal_name = _text(data, "legal_name") or (
            current.legal_name if current and current.gstin == gstin else name)
        if current is not None and (current.gstin, current.legal_name) == (gstin, legal_name):
            return None
        new = _Period(None, gstin, legal_name, start, None)
    kept = [period for period in periods if period is not current]
    if current is not None:
        if start < current.valid_from:
            raise InvalidInput(
                f"GSTIN {current.gstin} is in force from {current.valid_from.isoformat()}; a change must take "
                f"effect on or after that day (got {start.isoformat()})", "gstin_effective_from",
                "overlapping_registrations")
        if start > current.valid_from:
            kept.append(_Period(current.id, current.gstin, current.legal_name, current.valid_from,
                                start - timedelta(days=1)))
        # start == current.valid_from: a same-day correction replaces the current period.
    if new is not None:
        kept.append(new)
    try:
        check_no_overlap([_registration(period) for period in kept])
    except RuleError as exc:
        raise _rule(exc, "gstin_effective_from") from exc
    return sorted(kept, key=lambda period: period.valid_from)


def _check_state(periods: list[_Period], billing_state: str, today: date, reason: str | None) -> bool:
    """GSTINs in force today or later must be registered in the billing state (past periods are history),
    unless a reason is given; True when one is not and the reason allowed it."""
    for period in periods:
        if period.valid_to is not None and period.valid_to < today:
            continue
        try:
            Registration(gstin=period.gstin, legal_name=period.legal_name, state_code=billing_state,
                         valid_from=period.valid_from, valid_to=period.valid_to)
        except RuleError as exc:
            if exc.code != "state_mismatch":
                raise _rule(exc) from exc
            if reason:
                return True
            raise InvalidInput(
                f"GSTIN {period.gstin} is registered in {STATE_NAMES[period.gstin[:2]]} ({period.gstin[:2]}) but "
                f"the billing state is {STATE_NAMES[billing_state]} ({billing_state}); correct the GSTIN or "
                "billing_state_code, or say why in gstin_state_reason", "billing_state_code",
                "gstin_state_mismatch") from exc
    return False


def _save_periods(customer: Customer, periods: list[_Period]) -> None:
    """Store the planned periods: closed ones updated, replaced ones deleted, new ones added."""
    keep_ids = {period.id for period in periods if period.id is not None}
    CustomerGstin.delete().where((CustomerGstin.customer == customer)
                                 & CustomerGstin.id.not_in(list(keep_ids) or [0])).execute()
    for period in periods:
        if period.id is None:
            CustomerGstin.create(customer=customer, gstin=period.gstin, legal_name=period.legal_name,
                                 valid_from=period.valid_from, valid_to=period.valid_to)
        else:
            CustomerGstin.update(valid_to=period.valid_to).where(CustomerGstin.id == period.id).execute()


def _periods_of(customer: Customer | None) -> list[_Period]:
    if customer is None:
        return []
    return [_Period(row.id, row.gstin, row.legal_name, row.valid_from, row.valid_to)
            for row in CustomerGstin.select().where(CustomerGstin.customer == customer)]


def _gstin_changes(before: list[_Period], after: list[_Period]) -> list[dict[str, Any]]:
    def shown(period: _Period) -> dict[str, Any]:
        return {"gstin": period.gstin, "legal_name": period.legal_name, "valid_from": period.valid_from.isoformat(),
                "valid_to": period.valid_to.isoformat() if period.valid_to else None}

    old = {(p.gstin, p.legal_name, p.valid_from, p.valid_to): p for p in before}
    new = {(p.gstin, p.legal_name, p.valid_from, p.valid_to): p for p in after}
    return ([{"removed": shown(p)} for key, p in old.items() if key not in new]
            + [{"added": shown(p)} for key, p in new.items() if key not in old])


def create_customer(ctx: ServiceContext, user: User | None, data: dict[str, Any]) -> dict[str, Any]:
    """Add a customer (a cashier may, at the till, without credit or a special tier). Audited and replicated."""
    today = store_today(ctx)
    name = _text(data, "name", required=True)
    assert name is not None
    with write_transaction(ctx.db):
        customer_type = _customer_type(data.get("type") or "retail")
        default_tier = customer_type.default_tier
        _check_cashier_limits(user, data, default_tier)
        tier = _rate_tier(data["rate_tier"]) if data.get("rate_tier") else default_tier
        code = _check_code(data["code"], None) if data.get("code") else _next_code()
        periods = _plan_gstin(None, data, name, today) or []
        gstin_state = periods[-1].gstin[:2] if periods else None
        billing_state = _state(data["billing_state_code"], "billing_state_code") \
            if data.get("billing_state_code") else gstin_state or str(ctx.config.get("store.state_code"))
        shipping_state = _state(data["shipping_state_code"], "shipping_state_code") \
            if data.get("shipping_state_code") else billing_state
        reason = _text(data, "gstin_state_reason")
        mismatch = _check_state(periods, billing_state, today, reason)
        billing_address = _text(data, "billing_address") or ""
        now = ctx.now()
        customer = Customer.create(
            code=code, name=name, phone=_phone(data.get("phone")), email=_email(data.get("email")),
            customer_type=customer_type, rate_tier=tier, billing_address=billing_address,
            billing_state_code=billing_state,
            shipping_address=_text(data, "shipping_address") or billing_address,
            shipping_state_code=shipping_state, credit_limit_paise=int(data.get("credit_limit_paise") or 0),
            created_at=now, updated_at=now,
        )
        _save_periods(customer, periods)
        document = customer_document(customer)
        details: dict[str, Any] = {"code": code, "name": name, "type": customer_type.code}
        if periods:
            details["gstin"] = periods[-1].gstin
        if mismatch:
            details["gstin_state_reason"] = document["gstin_state_reason"] = reason
        record_audit(ctx, "customer.created", user, "customer", str(customer.uuid), details=details)
        enqueue("customer.created", customer.uuid, document)
    return customer_view(ctx, Customer.get_by_id(customer.id))


UPDATABLE = ("code", "name", "phone", "email", "type", "rate_tier", "billing_address", "billing_state_code",
             "shipping_address", "shipping_state_code", "credit_limit_paise", "is_active")


def update_customer(ctx: ServiceContext, user: User | None, customer_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a customer's details; a GSTIN change keeps the old period. Audited and replicated."""
    today = store_today(ctx)
    with write_transaction(ctx.db):
        customer = get_customer(customer_id)
        before = {key: value for key, value in customer_document(customer).items() if key in UPDATABLE}
        if "code" in data:
            customer.code = _check_code(data["code"], customer)
        if "name" in data:
            customer.name = _text(data, "name", required=True)
        if "phone" in data:
            customer.phone = _phone(data["phone"])
        if "email" in data:
            customer.email = _email(data["email"])
        if "type" in data:
            customer_type = _customer_type(data["type"])
            if customer_type.id != customer.customer_type_id and not data.get("rate_tier"):
                customer.rate_tier = customer_type.default_tier
            customer.customer_type = customer_type
        if data.get("rate_tier"):
            customer.rate_tier = _rate_tier(data["rate_tier"])
        for field in ("billing_address", "shipping_address"):
            if field in data:
                setattr(customer, field, _text(data, field) or "")
        if data.get("billing_state_code"):
            customer.billing_state_code = _state(data["billing_state_code"], "billing_state_code")
        if data.get("shipping_state_code"):
            customer.shipping_state_code = _state(data["shipping_state_code"], "shipping_state_code")
        if "credit_limit_paise" in data:
            customer.credit_limit_paise = int(data["credit_limit_paise"])
        if "is_active" in data:
            customer.is_active = bool(data["is_active"])
        old_periods = _periods_of(customer)
        planned = _plan_gstin(customer, data, customer.name, today)
        periods = planned if planned is not None else old_periods
        reason = _text(data, "gstin_state_reason")
        mismatch = False
        if planned is not None or before["billing_state_code"] != customer.billing_state_code:
            mismatch = _check_state(periods, customer.billing_state_code, today, reason)
        after = {key: value for key, value in customer_document(customer).items() if key in UPDATABLE}
        changes = {key: [before[key], after[key]] for key in UPDATABLE if before[key] != after[key]}
        gstin_changes = _gstin_changes(old_periods, periods) if planned is not None else []
        if not changes and not gstin_changes:
            return customer_view(ctx, customer)
        customer.updated_at = ctx.now()
        customer.save()
        if planned is not None:
            _save_periods(customer, planned)
        details: dict[str, Any] = {"code": customer.code, "changes": changes}
        if gstin_changes:
            details["gstin"] = gstin_changes
        document = customer_document(customer)
        if mismatch:
            details["gstin_state_reason"] = document["gstin_state_reason"] = reason
        record_audit(ctx, "customer.changed", user, "customer", str(customer.uuid), details=details)
        enqueue("customer.changed", customer.uuid, document)
    return customer_view(ctx, Customer.get_by_id(customer.id))


def _has_history(customer: Customer) -> bool:
    """True when invoices, payments, credit notes or ledger entries refer to the customer."""
    return any(model.select().where(model.customer == customer).exists()
               for model in (CustomerLedgerEntry, Invoice, Payment, CreditNote))


def delete_customer(ctx: ServiceContext, user: User | None, customer_id: str) -> dict[str, Any]:
    """Delete a customer without history, deactivate one with history; refused while money is open."""
    with write_transaction(ctx.db):
        customer = get_customer(customer_id)
        balance = balances([customer.id]).get(customer.id, 0)
        unpaid = open_invoices(customer)
        if balance or unpaid:
            problems = []
            if balance > 0:
                problems.append(f"owes {format_inr(balance)}")
            elif balance < 0:
                problems.append(f"is owed {format_inr(-balance)} by the shop")
            if unpaid:
                numbers = ", ".join(item.number for item in unpaid[:5]) + (" ..." if len(unpaid) > 5 else "")
                problems.append(f"has {len(unpaid)} open invoice{'s' if len(unpaid) > 1 else ''} ({numbers})")
            raise Conflict(
                f"customer {customer.code} cannot be deleted: {' and '.join(problems)}; settle the account first",
                "customer_id", "customer_has_open_balance")
        uid = customer.uuid
        if _has_history(customer):
            outcome = "deactivated"
            if customer.is_active:
                customer.is_active = False
                customer.updated_at = ctx.now()
                customer.save()
                record_audit(ctx, "customer.deactivated", user, "customer", str(uid),
                             details={"code": customer.code, "reason": "has invoices or ledger entries"})
                enqueue("customer.changed", uid, customer_document(customer))
        else:
            outcome = "deleted"
            document = customer_document(customer)
            Cart.update(customer=None).where(Cart.customer == customer).execute()
            customer.delete_instance()
            record_audit(ctx, "customer.deleted", user, "customer", str(uid),
                         details={"code": document["code"], "name": document["name"]})
            enqueue("customer.deleted", uid, {"id": str(uid), "code": document["code"]})
    return {"id": str(uid), "code": customer.code, "outcome": outcome}


# --- account -------------------------------------------------------------------------------------


def _ledger_entries(customer: Customer) -> list[ledger.LedgerEntry]:
    rows = list(CustomerLedgerEntry.select().where(CustomerLedgerEntry.customer == customer)
                .order_by(CustomerLedgerEntry.at, CustomerLedgerEntry.id))
    invoice_numbers = dict(Invoice.select(Invoice.id, Invoice.number).where(
        Invoice.id.in_([row.invoice_id for row in rows if row.invoice_id])).tuples()) if rows else {}
    note_numbers = dict(CreditNote.select(CreditNote.id, CreditNote.number).where(
        CreditNote.id.in_([row.credit_note_id for row in rows if row.credit_note_id])).tuples()) if rows else {}
    entries = []
    for row in rows:
        reference = note_numbers.get(row.credit_note_id) or invoice_numbers.get(row.invoice_id) or ""
        try:
            entries.append(ledger.LedgerEntry(row.at, ledger.EntryKind(row.kind), row.amount_paise, reference,
                                              row.note))
        except (RuleError, ValueError) as exc:  # a stored entry the rules refuse is a bug, say which
            raise RuntimeError(f"ledger entry {row.uuid} of customer {customer.code} is invalid: {exc}") from exc
    return entries


def statement(ctx: ServiceContext, customer_id: str, start_text: str | None, end_text: str | None) -> dict[str, Any]:
    """The customer's account from one day to another (store time zone): opening, lines with running balance,
    closing. Without dates: the current month to today."""
    customer = get_customer(customer_id)
    today = store_today(ctx)
    end = parse_day(end_text, "to") if end_text else today
    start = parse_day(start_text, "from") if start_text else end.replace(day=1)
    zone_name = str(ctx.config.get("store.timezone"))
    try:
        result = ledger.statement(_ledger_entries(customer), start, end, ZoneInfo(zone_name))
    except RuleError as exc:
        raise _rule(exc, "to" if exc.field == "end" else None) from exc
    return {
        "customer": {"id": str(customer.uuid), "code": customer.code, "name": customer.name},
        "from": start.isoformat(), "to": end.isoformat(), "timezone": zone_name,
        "opening_paise": result.opening_paise, "closing_paise": result.closing_paise,
        "debits_paise": result.debits_paise, "credits_paise": result.credits_paise,
        "lines": [{
            "at": line.entry.at.isoformat() + "Z", "local_at": line.local_at.isoformat(),
            "date": line.local_at.date().isoformat(), "kind": line.entry.kind.value,
            "reference": line.entry.reference, "note": line.entry.note, "amount_paise": line.entry.amount_paise,
            "debit_paise": max(line.entry.amount_paise, 0), "credit_paise": max(-line.entry.amount_paise, 0),
            "balance_paise": line.balance_after_paise,
        } for line in result.lines],
    }


def payments(ctx: ServiceContext, customer_id: str, args: dict[str, str]) -> dict[str, Any]:
    """Money received from (or refunded to) the customer, newest first; sales put on credit are not payments."""
    customer = get_customer(customer_id)
    page, per_page = page_params(args)
    query = Payment.select().where((Payment.customer == customer) & (Payment.method != Method.CREDIT.value))
    total = query.count()
    rows = list(query.order_by(Payment.created_at.desc(), Payment.id.desc()).paginate(page, per_page))
    numbers = dict(Invoice.select(Invoice.id, Invoice.number).where(
        Invoice.id.in_([row.invoice_id for row in rows if row.invoice_id])).tuples()) if rows else {}
    items = [{
        "id": str(row.uuid), "at": row.created_at.isoformat() + "Z",
        "date": local_date(row.created_at, ctx.config.get("store.timezone")).isoformat(),
        "invoice_number": numbers.get(row.invoice_id), "kind": row.kind, "method": row.method,
        "status": row.status, "amount_paise": row.amount_paise, "reference": row.reference,
    } for row in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": math.ceil(total / per_page) if total else 0}
