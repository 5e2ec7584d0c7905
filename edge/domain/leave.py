"""Leave: types, accrual, balances, requests and their decision (rules in docs/attendance-rules.md).

Leave is counted in thousandths of a day (a day = 1000, a half day = 500). The leave year is the
calendar year; a request lies within one year. Only working days count: holidays and weekly offs inside
a request are not leave.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from edge.domain.errors import RuleError

DAY_MILLI = 1000
HALF_DAY_MILLI = 500
MAX_REQUEST_DAYS = 366
DECIDER_ROLES = frozenset({"hr", "manager"})


class Accrual(StrEnum):
    """When a year's entitlement is credited: all on 1 January, or a twelfth on the 1st of each month."""

    YEARLY = "yearly"
    MONTHLY = "monthly"


class LeaveStatus(StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Decision(StrEnum):
    """What HR or a manager decides on a pending request."""

    APPROVE = "approve"
    REJECT = "reject"


def _milli(value: int, field: str) -> int:
    """A non-negative whole number of thousandths of a day."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{field} is a whole number of thousandths of a day", field, "not_integer")
    if value < 0:
        raise RuleError(f"{field} cannot be negative", field, "out_of_range")
    return value


@dataclass(frozen=True)
class LeaveTypeRule:
    """A kind of leave: yearly entitlement, how it accrues, how much carries into the next year, paid or not."""

    code: str
    paid: bool = True
    annual_days_milli: int = 0
    accrual: Accrual = Accrual.YEARLY
    carry_forward_max_milli: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise RuleError("a leave type has a code", "code", "code_required")
        _milli(self.annual_days_milli, "annual_days_milli")
        _milli(self.carry_forward_max_milli, "carry_forward_max_milli")
        if self.annual_days_milli > MAX_REQUEST_DAYS * DAY_MILLI:
            raise RuleError("a year has at most 366 days of leave", "annual_days_milli", "out_of_range")
        try:
            object.__setattr__(self, "accrual", Accrual(self.accrual))
        except ValueError as exc:
            raise RuleError("leave accrues yearly or monthly", "accrual", "invalid_choice") from exc


@dataclass(frozen=True)
class LeaveDay:
    """One working day (or half day) of approved leave, as attendance and payroll see it."""

    work_date: date
    leave_type: str
    paid: bool
    half: bool = False

    @property
    def days_milli(self) -> int:
        """The leave taken that day, in thousandths of a day."""
        return HALF_DAY_MILLI if self.half else DAY_MILLI


def accrued(rule: LeaveTypeRule, year: int, as_of: date, joined_on: date | None = None) -> int:
    """Leave credited for ``year`` up to and including ``as_of`` (thousandths of a day, rounded down).

    Yearly: the whole entitlement on 1 January. Monthly: on the 1st of each month the year's entitlement
    x months credited so far / 12 (rounded down cumulatively, so December brings the year to the exact
    entitlement). Joining in the year: only the months from the joining month on count (yearly leave is
    prorated the same way, credited on the joining date).
    """
    if as_of.year < year:
        return 0
    first_month = 1
    if joined_on is not None:
        if joined_on.year > year or (as_of.year == year and joined_on > as_of):
            return 0
        if joined_on.year == year:
            first_month = joined_on.month
    last_month = 12 if rule.accrual == Accrual.YEARLY or as_of.year > year else as_of.month
    months = max(0, last_month - first_month + 1)
    return rule.annual_days_milli * months // 12


def carry_forward(rule: LeaveTypeRule, closing_milli: int) -> int:
    """What a year's unused balance brings into the next year: never negative, at most the type's maximum."""
    return min(max(0, closing_milli), rule.carry_forward_max_milli)


@dataclass(frozen=True)
class LeaveBalanceView:
    """An employee's balance of one leave type in a year (thousandths of a day)."""

    year: int
    carried_milli: int
    accrued_milli: int
    used_milli: int
    pending_milli: int
    available_milli: int


def balance(rule: LeaveTypeRule, year: int, as_of: date, *, used_milli: int, carried_milli: int = 0,
            pending_milli: int = 0, joined_on: date | None = None) -> LeaveBalanceView:
    """Carried in + accrued so far - approved - still pending = what may still be asked for."""
    _milli(used_milli, "used_milli")
    _milli(carried_milli, "carried_milli")
    _milli(pending_milli, "pending_milli")
    credited = accrued(rule, year, as_of, joined_on)
    available = carried_milli + credited - used_milli - pending_milli
    return LeaveBalanceView(year, carried_milli, credited, used_milli, pending_milli, available)


def working_days(start: date, end: date, holidays: Collection[date], weekly_offs: Collection[date] = (),
                 off_weekdays: Collection[int] = ()) -> list[date]:
    """Dates from ``start`` to ``end`` inclusive that are neither holidays nor weekly offs.

    Weekly offs are given as dates (the roster's days off) and/or as weekdays (0 Monday ... 6 Sunday).
    """
    if end < start:
        raise RuleError(f"the leave ends ({end}) before it starts ({start})", "end_date", "period_reversed")
    if (end - start).days >= MAX_REQUEST_DAYS:
        raise RuleError("a leave request covers at most 366 days", "end_date", "out_of_range")
    result: list[date] = []
    day = start
    while day <= end:
        if day not in holidays and day not in weekly_offs and day.weekday() not in off_weekdays:
            result.append(day)
        day += timedelta(days=1)
    return result


def request_days(start: date, end: date, half_day: bool, holidays: Collection[date],
                 weekly_offs: Collection[date] = (), off_weekdays: Collection[int] = ()) -> int:
    """The leave a request takes, in thousandths of a day: its working days, or 500 for a half day."""
    if half_day and start != end:
        raise RuleError("a half day of leave starts and ends on the same date", "half_day", "half_day_one_date")
    days = working_days(start, end, holidays, weekly_offs, off_weekdays)
    if not days:
        raise RuleError("the request holds no working day (only holidays or weekly offs)", "start_date",
                        "no_working_days")
    return HALF_DAY_MILLI if half_day else len(days) * DAY_MILLI


@dataclass(frozen=True)
class LeaveRequest:
    """A request for leave and its decision."""

    employee_id: str
    leave_type: str
    start: date
    end: date
    half_day: bool
    days_milli: int
    reason: str = ""
    status: LeaveStatus = LeaveStatus.PENDING
    decided_by_role: str | None = None
    decided_by_employee_id: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""

    @property
    def year(self) -> int:
        """The leave year the request is counted in."""
        return self.start.year


def _check_balance(rule: LeaveTypeRule, days_milli: int, available_milli: int) -> None:
    """Refuse paid leave beyond the balance; unpaid leave needs none."""
    if rule.paid and days_milli > available_milli:
        raise RuleError(f"{days_milli / DAY_MILLI:g} day(s) of {rule.code} asked, "
                        f"{max(0, available_milli) / DAY_MILLI:g} available", "days_milli", "insufficient_balance")


def new_request(employee_id: str, rule: LeaveTypeRule, start: date, end: date, *, half_day: bool = False,
                holidays: Collection[date] = (), weekly_offs: Collection[date] = (),
                off_weekdays: Collection[int] = (), available_milli: int = 0, reason: str = "") -> LeaveRequest:
    """A pending request by an employee; paid leave must fit the balance available (pending ones deducted)."""
    if not employee_id:
        raise RuleError("a request belongs to an employee", "employee_id", "employee_required")
    if start.year != end.year:
        raise RuleError("a request lies within one leave year; split it at 31 December", "end_date", "spans_years")
    days = request_days(start, end, half_day, holidays, weekly_offs, off_weekdays)
    _check_balance(rule, days, available_milli)
    return LeaveRequest(employee_id, rule.code, start, end, half_day, days, reason.strip())


def decide(request: LeaveRequest, decision: Decision, *, rule: LeaveTypeRule, by_role: str,
           by_employee_id: str | None, at: datetime, available_milli: int = 0, note: str = "") -> LeaveRequest:
    """HR or a manager approves or rejects a pending request; nobody decides their own.

    ``available_milli`` is the balance not counting this request; approving paid leave beyond it is refused.
    """
    if request.status != LeaveStatus.PENDING:
        raise RuleError(f"the request is already {request.status}", "status", "not_pending")
    if by_role not in DECIDER_ROLES:
        raise RuleError("only HR or a manager may decide on leave", "by_role", "not_allowed")
    if by_employee_id is not None and by_employee_id == request.employee_id:
        raise RuleError("nobody may decide on their own leave", "by_employee_id", "own_request")
    if rule.code != request.leave_type:
        raise RuleError(f"the request is for {request.leave_type}, not {rule.code}", "leave_type", "wrong_type")
    if at.tzinfo is not None:
        raise RuleError("decision times are naive UTC datetimes", "at", "naive_utc_required")
    try:
        chosen = Decision(decision)
    except ValueError as exc:
        raise RuleError("a decision approves or rejects", "decision", "invalid_choice") from exc
    if chosen == Decision.APPROVE:
        _check_balance(rule, request.days_milli, available_milli)
        status = LeaveStatus.APPROVED
    else:
        status = LeaveStatus.REJECTED
    return replace(request, status=status, decided_by_role=by_role, decided_by_employee_id=by_employee_id,
                   decided_at=at, decision_note=note.strip())


def cancel(request: LeaveRequest, *, by_role: str, by_employee_id: str | None, at: datetime,
           note: str = "") -> LeaveRequest:
    """Withdraw a request: the employee their own pending one; HR or a manager any pending or approved one."""
    own = by_employee_id is not None and by_employee_id == request.employee_id
    if request.status not in (LeaveStatus.PENDING, LeaveStatus.APPROVED):
        raise RuleError(f"the request is already {request.status}", "status", "not_cancellable")
    allowed = by_role in DECIDER_ROLES and not own
    if own and request.status == LeaveStatus.PENDING:
        allowed = True
    if not allowed:
        raise RuleError("this request can only be cancelled by HR or a manager", "by_role", "not_allowed")
    return replace(request, status=LeaveStatus.CANCELLED, decided_by_role=by_role,
                   decided_by_employee_id=by_employee_id, decided_at=at, decision_note=note.strip())


def used_milli(requests: Iterable[LeaveRequest], leave_type: str, year: int) -> int:
    """Approved leave of a type in a year (what the balance's ``used`` counts)."""
    return sum(item.days_milli for item in requests
               if item.status == LeaveStatus.APPROVED and item.leave_type == leave_type and item.year == year)


def leave_days(request: LeaveRequest, rule: LeaveTypeRule, holidays: Collection[date],
               weekly_offs: Collection[date] = (), off_weekdays: Collection[int] = ()) -> list[LeaveDay]:
    """The working days an approved request puts on leave (nothing for any other status)."""
    if request.status != LeaveStatus.APPROVED:
        return []
    if rule.code != request.leave_type:
        raise RuleError(f"the request is for {request.leave_type}, not {rule.code}", "leave_type", "wrong_type")
    days = working_days(request.start, request.end, holidays, weekly_offs, off_weekdays)
    return [LeaveDay(day, rule.code, rule.paid, request.half_day) for day in days]
