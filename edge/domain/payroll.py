"""Payroll: one employee's pay for a period from their derived days (rules in docs/attendance-rules.md).

Hourly staff are paid for time (minutes worked and minutes of paid leave); daily staff for days (present,
half, paid leave, paid holidays); monthly staff their rate for each day of a month, less the days not
paid. Overtime is paid at an hourly equivalent x the multiplier of the day's type. Each amount (basic,
overtime) is rounded once, ROUND_HALF_UP to the paisa; gross and net are sums of rounded amounts.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from edge.domain.attendance import (
    DEFAULT_POLICY,
    UNRESOLVED,
    DayResult,
    DayStatus,
    DayType,
    OvertimePolicy,
    weekly_overtime,
)
from edge.domain.csvsafe import csv_text
from edge.domain.errors import RuleError
from edge.domain.leave import DAY_MILLI
from edge.domain.money import PAISE_PER_RUPEE, round_paise

STANDARD_DAY_MINUTES = 480  # a daily rate buys 8 hours: hourly equivalent = daily rate / 8
MONTH_WORKING_DAYS = 26  # a monthly rate buys 26 days of 8 hours: hourly equivalent = monthly rate / 208


class PayBasis(StrEnum):
    """What the pay rate is for."""

    HOURLY = "hourly"
    DAILY = "daily"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class EmployeePay:
    """An employee's pay terms: basis, rate in paise, and whether overtime is paid."""

    code: str
    name: str
    basis: PayBasis
    rate_paise: int
    overtime_eligible: bool = True

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "basis", PayBasis(self.basis))
        except ValueError as exc:
            raise RuleError("pay is hourly, daily or monthly", "pay_basis", "invalid_choice") from exc
        if isinstance(self.rate_paise, bool) or not isinstance(self.rate_paise, int) or self.rate_paise <= 0:
            raise RuleError("the pay rate is a positive whole number of paise", "rate_paise", "out_of_range")


@dataclass(frozen=True)
class Deduction:
    """An amount taken from gross pay (advance recovery, PF, ESI, canteen ...), in paise."""

    code: str
    amount_paise: int

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise RuleError("a deduction says what it is", "code", "code_required")
        if isinstance(self.amount_paise, bool) or not isinstance(self.amount_paise, int) or self.amount_paise <= 0:
            raise RuleError("a deduction is a positive whole number of paise", "amount_paise", "out_of_range")


@dataclass(frozen=True)
class Payslip:
    """One employee's pay for a period: days, minutes and amounts (paise)."""

    employee_code: str
    employee_name: str
    period_start: date
    period_end: date
    basis: PayBasis
    rate_paise: int
    paid_days_milli: int
    absent_days_milli: int
    leave_paid_days_milli: int
    leave_unpaid_days_milli: int
    worked_minutes: int
    paid_leave_minutes: int
    paid_minutes: int
    overtime_minutes: int
    overtime_weekday_minutes: int
    overtime_weekend_minutes: int
    overtime_holiday_minutes: int
    overtime_paise: int
    basic_paise: int
    deductions: tuple[Deduction, ...]
    deductions_paise: int
    gross_paise: int
    net_paise: int
    flagged_days: int  # days still missing a punch: check before finalising


def _round(amount: Fraction) -> int:
    """An exact amount of paise rounded once, half up (money.round_paise)."""
    return round_paise(Decimal(amount.numerator) / Decimal(amount.denominator))


def paid_day_milli(day: DayResult, basis: PayBasis) -> int:
    """The part of a day that is paid, in thousandths.

    Working days: attended (1000 present, 500 half day) + paid leave, at most a day. Holidays are paid to
    daily and monthly staff; weekly offs to monthly staff only; hourly staff are paid for time, not days.
    """
    if day.status == DayStatus.HOLIDAY:
        return 0 if basis == PayBasis.HOURLY else DAY_MILLI
    if day.status == DayStatus.OFF:
        return DAY_MILLI if basis == PayBasis.MONTHLY else 0
    paid_leave = day.leave_milli if day.leave is not None and day.leave.paid else 0
    return min(DAY_MILLI, day.attended_milli + paid_leave)


def hourly_equivalent(pay: EmployeePay) -> Fraction:
    """Paise an hour for overtime: the hourly rate, daily rate / 8, or monthly rate / (26 x 8)."""
    hours = {
        PayBasis.HOURLY: 1,
        PayBasis.DAILY: STANDARD_DAY_MINUTES // 60,
        PayBasis.MONTHLY: MONTH_WORKING_DAYS * STANDARD_DAY_MINUTES // 60,
    }[pay.basis]
    return Fraction(pay.rate_paise, hours)


def pay_for_period(pay: EmployeePay, days: Iterable[DayResult], period_start: date, period_end: date,
                   policy: OvertimePolicy = DEFAULT_POLICY, deductions: Sequence[Deduction] = ()) -> Payslip:
    """An employee's payslip for ``period_start`` to ``period_end`` inclusive.

    ``days`` holds one derived day for each date the person was employed in the period (a date without
    one is not paid); approved leave arrives inside them. The weekly overtime rule is applied here too
    (it changes nothing if the days already had it).
    """
    if period_end < period_start:
        raise RuleError(f"the period ends ({period_end}) before it starts ({period_start})", "period_end",
                        "period_reversed")
    given = list(days)
    for day in given:
        if not period_start <= day.work_date <= period_end:
            raise RuleError(f"{day.work_date} is outside the period", "days", "outside_period")
    given = weekly_overtime(given, policy.weekly_threshold_minutes, policy.week_starts_on)

    paid_days = absent = leave_paid = leave_unpaid = worked = paid_leave_minutes = flagged = 0
    overtime_by_type = dict.fromkeys(DayType, 0)
    monthly_share = Fraction(0)
    for day in given:
        share = paid_day_milli(day, pay.basis)
        paid_days += share
        if pay.basis == PayBasis.MONTHLY:
            days_in_month = calendar.monthrange(day.work_date.year, day.work_date.month)[1]
            monthly_share += Fraction(share, DAY_MILLI * days_in_month)
        worked += day.worked_minutes
        overtime_by_type[day.day_type] += day.overtime_minutes
        if day.leave is not None:
            if day.leave.paid:
                leave_paid += day.leave_milli
                paid_leave_minutes += day.scheduled_minutes * day.leave_milli // DAY_MILLI
            else:
                leave_unpaid += day.leave_milli
        if day.day_type == DayType.WEEKDAY and day.scheduled_minutes:
            absent += max(0, DAY_MILLI - day.attended_milli - day.leave_milli)
        if UNRESOLVED.intersection(day.flags):
            flagged += 1

    overtime = sum(overtime_by_type.values())
    paid_minutes = worked + paid_leave_minutes
    per_hour = hourly_equivalent(pay)
    if pay.overtime_eligible:
        overtime_paise = _round(sum(
            (per_hour * minutes * policy.multiplier_bp(day_type) / (60 * 10000)
             for day_type, minutes in overtime_by_type.items()), Fraction(0)))
    else:
        overtime_paise = 0
    if pay.basis == PayBasis.HOURLY:
        plain_minutes = paid_minutes - overtime if pay.overtime_eligible else paid_minutes
        basic = _round(per_hour * plain_minutes / 60)
    elif pay.basis == PayBasis.DAILY:
        basic = _round(Fraction(pay.rate_paise * paid_days, DAY_MILLI))
    else:
        basic = _round(pay.rate_paise * monthly_share)

    deducted = sum(item.amount_paise for item in deductions)
    gross = basic + overtime_paise
    if deducted > gross:
        raise RuleError("deductions exceed the gross pay", "deductions", "deductions_exceed_gross")
    return Payslip(
        employee_code=pay.code, employee_name=pay.name, period_start=period_start, period_end=period_end,
        basis=pay.basis, rate_paise=pay.rate_paise, paid_days_milli=paid_days, absent_days_milli=absent,
        leave_paid_days_milli=leave_paid, leave_unpaid_days_milli=leave_unpaid, worked_minutes=worked,
        paid_leave_minutes=paid_leave_minutes, paid_minutes=paid_minutes, overtime_minutes=overtime,
        overtime_weekday_minutes=overtime_by_type[DayType.WEEKDAY],
        overtime_weekend_minutes=overtime_by_type[DayType.WEEKEND],
        overtime_holiday_minutes=overtime_by_type[DayType.HOLIDAY],
        overtime_paise=overtime_paise, basic_paise=basic, deductions=tuple(deductions), deductions_paise=deducted,
        gross_paise=gross, net_paise=gross - deducted, flagged_days=flagged,
    )


def _rupees(paise: int) -> str:
    """Paise as rupees with 2 decimals, no grouping: ``1234.50``."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), PAISE_PER_RUPEE)
    return f"{sign}{rupees}.{rest:02d}"


def _days(milli: int) -> str:
    """Thousandths of a day as days with 3 decimals: ``25.500``."""
    whole, rest = divmod(milli, DAY_MILLI)
    return f"{whole}.{rest:03d}"


CSV_COLUMNS = (
    "employee_code", "employee_name", "period_start", "period_end", "pay_basis", "rate", "paid_days",
    "absent_days", "leave_paid_days", "leave_unpaid_days", "worked_minutes", "paid_leave_minutes",
    "paid_minutes", "overtime_minutes", "overtime_amount", "basic", "deductions", "gross", "net",
    "flagged_days",
)


def payslips_csv(rows: Iterable[Payslip]) -> str:
    """Payslips as CSV (RFC 4180, CRLF): amounts in rupees with 2 decimals, days with 3, minutes whole."""
    return csv_text(CSV_COLUMNS, (
        [
            slip.employee_code, slip.employee_name, slip.period_start.isoformat(),
            slip.period_end.isoformat(), str(slip.basis), _rupees(slip.rate_paise), _days(slip.paid_days_milli),
            _days(slip.absent_days_milli), _days(slip.leave_paid_days_milli), _days(slip.leave_unpaid_days_milli),
            slip.worked_minutes, slip.paid_leave_minutes, slip.paid_minutes, slip.overtime_minutes,
            _rupees(slip.overtime_paise), _rupees(slip.basic_paise), _rupees(slip.deductions_paise),
            _rupees(slip.gross_paise), _rupees(slip.net_paise), slip.flagged_days,
        ]
        for slip in rows
    ))
