"""Payroll: the worked month of docs/attendance-rules.md for hourly, daily and monthly staff, and its rules."""

from __future__ import annotations

import calendar
import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.attendance import (
    DayResult,
    DayStatus,
    DayType,
    OvertimePolicy,
    PunchIn,
    ShiftRule,
    day_attendance,
)
from edge.domain.leave import LeaveDay
from edge.domain.payroll import (
    CSV_COLUMNS,
    Deduction,
    EmployeePay,
    PayBasis,
    hourly_equivalent,
    paid_day_milli,
    pay_for_period,
    payslips_csv,
)
from tests.unit.rules import refusal

IST = ZoneInfo("Asia/Kolkata")
A = ShiftRule("A", time(6, 0), time(14, 0), 30, 10, 10, 60)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
HOLI = date(2026, 3, 4)

DAILY = EmployeePay("E0001", "Ramesh Yadav", PayBasis.DAILY, 600_00)
MONTHLY = EmployeePay("E0201", "Sunita Patil", PayBasis.MONTHLY, 30_000_00)
HOURLY = EmployeePay("E0170", "Kavitha Raman", PayBasis.HOURLY, 65_00)


def at(day: date, hh: int, mm: int) -> PunchIn:
    """A punch at an IST wall time on a date."""
    local = datetime.combine(day, time(hh, mm)).replace(tzinfo=IST)
    return PunchIn(local.astimezone(UTC).replace(tzinfo=None))


def march() -> list[DayResult]:
    """The worked month: shift A, Sundays off, Holi worked 6 h, two days with 45 min overtime, CL, LWP, half a day."""
    days: list[DayResult] = []
    for n in range(1, 32):
        day = date(2026, 3, n)
        if day.weekday() == 6:
            days.append(day_attendance(day, A, [], tz=IST, is_weekly_off=True))
        elif day == HOLI:
            days.append(day_attendance(day, A, [at(day, 6, 0), at(day, 12, 30)], tz=IST, is_holiday=True))
        elif n in (10, 11):
            days.append(day_attendance(day, A, [at(day, 6, 0), at(day, 14, 45)], tz=IST))
        elif n == 12:
            days.append(day_attendance(day, A, [], tz=IST, on_leave=LeaveDay(day, "CL", paid=True)))
        elif n == 13:
            days.append(day_attendance(day, A, [], tz=IST, on_leave=LeaveDay(day, "LWP", paid=False)))
        elif n == 16:
            days.append(day_attendance(day, A, [at(day, 6, 2), at(day, 10, 0)], tz=IST))
        else:
            days.append(day_attendance(day, A, [at(day, 5, 55), at(day, 14, 0)], tz=IST))
    return days


def test_the_worked_month_itself() -> None:
    days = march()
    counts = {status: sum(1 for day in days if day.status == status) for status in DayStatus}
    assert counts == {
        DayStatus.PRESENT: 22,
        DayStatus.HALF_DAY: 1,
        DayStatus.ABSENT: 0,
        DayStatus.LEAVE: 2,
        DayStatus.HOLIDAY: 1,
        DayStatus.OFF: 5,
    }
    assert sum(day.worked_minutes for day in days) == 20 * 450 + 2 * 495 + 238 + 360 == 10_588


def test_example_daily_rated_worker() -> None:
    slip = pay_for_period(DAILY, march(), *MARCH, deductions=[Deduction("advance", 2_000_00)])
    # Paid days: 22 present + 0.5 half + 1 CL + 1 Holi = 24.5; x 600.00 = 14,700.00.
    assert (slip.paid_days_milli, slip.basic_paise) == (24_500, 14_700_00)
    assert (slip.leave_paid_days_milli, slip.leave_unpaid_days_milli, slip.absent_days_milli) == (1_000, 1_000, 500)
    # Overtime at 600 / 8 = 75.00 an hour, x2: 1.5 h weekday = 225.00, 6 h on Holi = 900.00.
    assert (slip.overtime_weekday_minutes, slip.overtime_weekend_minutes, slip.overtime_holiday_minutes) == (90, 0, 360)
    assert (slip.overtime_minutes, slip.overtime_paise) == (450, 1_125_00)
    assert (slip.gross_paise, slip.deductions_paise, slip.net_paise) == (15_825_00, 2_000_00, 13_825_00)
    assert (slip.worked_minutes, slip.paid_leave_minutes, slip.paid_minutes) == (10_588, 450, 11_038)
    assert slip.flagged_days == 0


def test_example_monthly_rated_worker() -> None:
    slip = pay_for_period(MONTHLY, march(), *MARCH)
    # 31 days less 0.5 (half day) less 1 (LWP) = 29.5 paid; 30,000 x 29.5 / 31 = 28,548.387 -> 28,548.39.
    assert (slip.paid_days_milli, slip.basic_paise) == (29_500, 28_548_39)
    # 30,000 / 208 = 144.2307... an hour; (1.5 + 6) h x 2 = 15 h -> 2,163.4615 -> 2,163.46.
    assert slip.overtime_paise == 2_163_46
    assert slip.gross_paise == 28_548_39 + 2_163_46 == 30_711_85


def test_example_hourly_rated_worker() -> None:
    slip = pay_for_period(HOURLY, march(), *MARCH)
    # Paid 10,588 worked + 450 CL = 11,038 min; 450 of them overtime.
    # Plain: 10,588 min x 65.00 / 60 = 11,470.333 -> 11,470.33; overtime 7.5 h x 65.00 x 2 = 975.00.
    assert (slip.paid_minutes, slip.overtime_minutes) == (11_038, 450)
    assert (slip.basic_paise, slip.overtime_paise, slip.gross_paise) == (11_470_33, 975_00, 12_445_33)
    # Hourly staff are paid for time: Holi (not worked in ordinary time) and Sundays are not paid days.
    assert slip.paid_days_milli == 22_000 + 500 + 1_000


def test_a_leave_day_pays_for_a_paid_type_and_not_for_an_unpaid_one() -> None:
    day = date(2026, 3, 12)
    paid = day_attendance(day, A, [], tz=IST, on_leave=LeaveDay(day, "CL", paid=True))
    unpaid = day_attendance(day, A, [], tz=IST, on_leave=LeaveDay(day, "LWP", paid=False))
    assert pay_for_period(DAILY, [paid], day, day).gross_paise == 600_00
    assert pay_for_period(DAILY, [unpaid], day, day).gross_paise == 0
    assert pay_for_period(HOURLY, [paid], day, day).gross_paise == 487_50  # 7.5 h x 65.00
    assert pay_for_period(HOURLY, [unpaid], day, day).gross_paise == 0
    slip = pay_for_period(MONTHLY, [unpaid], day, day)
    assert (slip.paid_days_milli, slip.leave_unpaid_days_milli, slip.gross_paise) == (0, 1_000, 0)


def test_a_holiday_worked_is_all_overtime_at_the_holiday_multiplier() -> None:
    policy = OvertimePolicy(weekday_multiplier_bp=15000, weekend_multiplier_bp=20000, holiday_multiplier_bp=30000)
    day = day_attendance(HOLI, A, [at(HOLI, 6, 0), at(HOLI, 12, 30)], tz=IST, is_holiday=True)
    slip = pay_for_period(DAILY, [day], HOLI, HOLI, policy)
    # 360 min = 6 h x 75.00 x 3 = 1,350.00 on top of the holiday's own 600.00.
    assert (slip.overtime_holiday_minutes, slip.overtime_paise, slip.basic_paise) == (360, 1_350_00, 600_00)


def test_monthly_pay_rounds_once() -> None:
    days = [day for day in march() if day.work_date.day not in (12, 13)]
    absent = [day_attendance(date(2026, 3, n), A, [], tz=IST) for n in (12, 13)]
    slip = pay_for_period(
        MONTHLY, days + absent, *MARCH, OvertimePolicy(weekday_multiplier_bp=0, holiday_multiplier_bp=0)
    )
    # 31 - 0.5 - 2 absent = 28.5 days: 30,000 x 28.5 / 31 = 27,580.645 -> 27,580.65.
    assert (slip.paid_days_milli, slip.basic_paise, slip.overtime_paise) == (28_500, 27_580_65, 0)
    assert slip.absent_days_milli == 2_500


@given(st.integers(1, 50_000_000), st.integers(2020, 2030), st.integers(1, 12))
def test_monthly_pay_for_a_full_month_with_no_absence_is_the_monthly_rate(rate: int, year: int, month: int) -> None:
    pay = EmployeePay("E1", "x", PayBasis.MONTHLY, rate, overtime_eligible=False)
    last = calendar.monthrange(year, month)[1]
    days = []
    for n in range(1, last + 1):
        day = date(year, month, n)
        if day.weekday() == 6:
            days.append(day_attendance(day, A, [], tz=IST, is_weekly_off=True))
        elif n == 15:
            days.append(day_attendance(day, A, [], tz=IST, is_holiday=True))
        else:
            days.append(day_attendance(day, A, [at(day, 6, 0), at(day, 14, 0)], tz=IST))
    slip = pay_for_period(pay, days, date(year, month, 1), date(year, month, last))
    assert slip.basic_paise == slip.gross_paise == rate
    assert slip.paid_days_milli == last * 1000


def test_a_period_across_months_pays_each_month_by_its_own_length() -> None:
    days = [
        day_attendance(date(2026, 2, 28), A, [], tz=IST, is_weekly_off=True),
        day_attendance(date(2026, 3, 1), A, [], tz=IST, is_weekly_off=True),
    ]
    slip = pay_for_period(MONTHLY, days, date(2026, 2, 28), date(2026, 3, 1))
    # 30,000 / 28 + 30,000 / 31 = 1,071.4286 + 967.7419 = 2,039.1705 -> 2,039.17.
    assert slip.basic_paise == 2_039_17


def test_overtime_not_eligible_is_not_paid_extra() -> None:
    days = march()
    assert pay_for_period(EmployeePay("E", "x", PayBasis.DAILY, 600_00, False), days, *MARCH).overtime_paise == 0
    hourly = pay_for_period(EmployeePay("E", "x", PayBasis.HOURLY, 65_00, False), days, *MARCH)
    # Every paid minute at the plain rate: 11,038 x 65.00 / 60 = 11,957.833 -> 11,957.83.
    assert (hourly.overtime_paise, hourly.basic_paise) == (0, 11_957_83)


def test_hourly_equivalents() -> None:
    assert hourly_equivalent(HOURLY) == 65_00
    assert hourly_equivalent(DAILY) == 75_00
    assert float(hourly_equivalent(MONTHLY)) == pytest.approx(14_423.0769, abs=1e-4)


def test_weekly_overtime_is_applied_in_payroll() -> None:
    week = [
        day_attendance(date(2026, 3, d), A, [at(date(2026, 3, d), 6, 0), at(date(2026, 3, d), 14, 0)], tz=IST)
        for d in range(9, 15)
    ]
    policy = OvertimePolicy(weekly_threshold_minutes=2000)
    slip = pay_for_period(HOURLY, week, date(2026, 3, 9), date(2026, 3, 14), policy)
    assert slip.overtime_minutes == 700  # 250 on Friday, 450 on Saturday (see test_attendance)
    # 2,000 plain minutes x 65 / 60 = 2,166.67; 700 min x 65 x 2 / 60 = 1,516.67.
    assert (slip.basic_paise, slip.overtime_paise) == (2_166_67, 1_516_67)


def test_paid_day_shares() -> None:
    days = {day.work_date.day: day for day in march()}
    sunday, holi, half = days[1], days[4], days[16]
    assert [paid_day_milli(sunday, basis) for basis in PayBasis] == [0, 0, 1000]
    assert [paid_day_milli(holi, basis) for basis in PayBasis] == [0, 1000, 1000]
    assert [paid_day_milli(half, basis) for basis in PayBasis] == [500, 500, 500]


def test_bad_input_is_refused() -> None:
    day = march()[9]
    assert refusal(lambda: pay_for_period(DAILY, [], date(2026, 3, 31), date(2026, 3, 1))) == (
        "period_reversed",
        "period_end",
    )
    assert refusal(lambda: pay_for_period(DAILY, [day], date(2026, 4, 1), date(2026, 4, 30))) == (
        "outside_period",
        "days",
    )
    assert refusal(lambda: pay_for_period(DAILY, [day, day], *MARCH)) == ("duplicate_date", "days")
    assert refusal(lambda: pay_for_period(DAILY, [day], *MARCH, deductions=[Deduction("advance", 5_000_00)])) == (
        "deductions_exceed_gross",
        "deductions",
    )
    assert refusal(lambda: Deduction("advance", 0)) == ("out_of_range", "amount_paise")
    assert refusal(lambda: Deduction(" ", 100)) == ("code_required", "code")
    assert refusal(lambda: EmployeePay("E", "x", PayBasis.DAILY, 0)) == ("out_of_range", "rate_paise")
    assert refusal(lambda: EmployeePay("E", "x", "weekly", 100)) == ("invalid_choice", "pay_basis")  # type: ignore[arg-type]


def test_days_missing_a_punch_are_counted_for_review() -> None:
    day = date(2026, 3, 10)
    forgot = day_attendance(day, A, [at(day, 6, 0)], tz=IST)
    assert pay_for_period(DAILY, [forgot], day, day).flagged_days == 1


def test_payslips_csv() -> None:
    daily = pay_for_period(DAILY, march(), *MARCH, deductions=[Deduction("advance", 2_000_00)])
    odd = pay_for_period(EmployeePay("E9", '=HYPERLINK("x")', PayBasis.HOURLY, 65_00), [], *MARCH)
    text = payslips_csv([daily, odd])
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "employee_code": "E0001",
        "employee_name": "Ramesh Yadav",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "pay_basis": "daily",
        "rate": "600.00",
        "paid_days": "24.500",
        "absent_days": "0.500",
        "leave_paid_days": "1.000",
        "leave_unpaid_days": "1.000",
        "worked_minutes": "10588",
        "paid_leave_minutes": "450",
        "paid_minutes": "11038",
        "overtime_minutes": "450",
        "overtime_amount": "1125.00",
        "basic": "14700.00",
        "deductions": "2000.00",
        "gross": "15825.00",
        "net": "13825.00",
        "flagged_days": "0",
    }
    assert rows[1]["employee_name"] == '\'=HYPERLINK("x")'
    assert rows[1]["net"] == "0.00"


# --- property: paid time = worked + paid leave --------------------------------------------------------

_day_kinds = st.sampled_from(
    [
        "present",
        "half",
        "absent",
        "paid_leave",
        "unpaid_leave",
        "half_paid_leave",
        "holiday_worked",
        "off_worked",
        "off",
    ]
)


@given(st.lists(st.tuples(_day_kinds, st.integers(0, 900)), min_size=1, max_size=31), st.sampled_from(list(PayBasis)))
def test_paid_minutes_are_worked_plus_paid_leave(kinds: list[tuple[str, int]], basis: PayBasis) -> None:
    start = date(2026, 3, 1)
    days: list[DayResult] = []
    paid_leave = 0
    for n, (kind, minutes) in enumerate(kinds):
        day = start + timedelta(days=n)
        punches = [at(day, 6, 0), PunchIn(at(day, 6, 0).at + timedelta(minutes=minutes))]
        if kind in ("paid_leave", "unpaid_leave", "half_paid_leave"):
            leave = LeaveDay(day, "X", paid=kind != "unpaid_leave", half=kind == "half_paid_leave")
            result = day_attendance(day, A, punches if leave.half else [], tz=IST, on_leave=leave)
            if leave.paid:
                paid_leave += A.net_minutes * leave.days_milli // 1000
        elif kind == "holiday_worked":
            result = day_attendance(day, A, punches, tz=IST, is_holiday=True)
        elif kind in ("off_worked", "off"):
            result = day_attendance(day, None, punches if kind == "off_worked" else [], tz=IST)
        else:
            result = day_attendance(day, A, punches if kind != "absent" else [], tz=IST)
        days.append(result)
    slip = pay_for_period(EmployeePay("E", "x", basis, 65_00), days, start, start + timedelta(days=30))
    worked = sum(day.worked_minutes for day in days)
    assert slip.paid_minutes == slip.worked_minutes + slip.paid_leave_minutes == worked + paid_leave
    assert slip.overtime_minutes <= slip.worked_minutes
    assert slip.gross_paise == slip.basic_paise + slip.overtime_paise >= 0
    assert all(day.day_type in DayType for day in days)
