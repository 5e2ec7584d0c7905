"""A simulated month for the 250 demo employees, punched through the service with noise, derived, paid, and
reconciled three ways: the CSV export, the decrypted payslips and an independent recomputation from the
stored days. Plus a smaller week on each backend (SQLite and MariaDB)."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from edge.services import attendance, payroll
from edge.services.context import ServiceContext
from edge.services.demo_data import DemoEmployee, demo_employees, demo_shifts
from edge.store.models import (
    AttendanceDay,
    Department,
    Employee,
    EmployeeCredential,
    Holiday,
    LeaveRequest,
    Punch,
    Shift,
    User,
)
from tests.conftest import FakeClock

IST = ZoneInfo("Asia/Kolkata")
UTC = ZoneInfo("UTC")
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
HOLIDAY = date(2026, 11, 24)  # Guru Nanak Jayanti, a Tuesday
SHIFTS = {s.code: s for s in demo_shifts()}
SEED = 20261101


def utc(day: date, at: time, extra: timedelta = timedelta()) -> datetime:
    """A store-local wall time on a date (plus an offset) as naive UTC."""
    local = datetime.combine(day, at).replace(tzinfo=IST) + extra
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass
class Month:
    """The generated month: punches in time order and what the noise was, to check afterwards."""

    punches: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    leave: list[tuple[str, str, date, date, bool]] = field(default_factory=list)  # code, type, from, to, half
    missing_out: list[tuple[str, date]] = field(default_factory=list)
    double_taps: int = 0
    late: list[tuple[str, date]] = field(default_factory=list)
    holiday_workers: list[str] = field(default_factory=list)


def generate(employees: tuple[DemoEmployee, ...]) -> Month:
    """Punches for every working day of November 2026 with late arrivals, early exits, overtime, absences,
    forgotten out-punches, double taps, holiday work and leave."""
    rng = random.Random(SEED)
    month = Month()
    codes = [e.code for e in employees]
    chosen = rng.sample(codes, 60)
    kinds = ["CL"] * 12 + ["LWP"] * 6 + ["HALF"] * 4
    leave_of = dict(zip(chosen[:22], kinds, strict=True))
    forgetful = set(chosen[22:25])
    month.holiday_workers = chosen[25:45]
    weekdays = [d for d in (FIRST + timedelta(days=n) for n in range(30)) if d.weekday() != 6 and d != HOLIDAY]
    leave_days: dict[str, set[date]] = {}
    for code, kind in leave_of.items():
        start = rng.choice(weekdays[:-2])
        if kind == "LWP":
            end = weekdays[weekdays.index(start) + 1]
            month.leave.append((code, "LWP", start, end, False))
            leave_days[code] = {start, end}
        else:
            month.leave.append((code, "CL", start, start, kind == "HALF"))
            leave_days[code] = {start}
    forgot_day = {code: rng.choice(weekdays) for code in forgetful}
    for employee in employees:
        shift = SHIFTS[employee.shift_code]
        length = timedelta(minutes=480)
        ident: dict[str, Any] = ({"fingerprint": str(employee.fingerprint_user_id), "source": "fingerprint"}
                                 if rng.random() < 0.3 else {"badge": employee.badge_id, "source": "badge"})
        for day in (FIRST + timedelta(days=n) for n in range(30)):
            if day.weekday() == 6:
                continue
            if day == HOLIDAY:
                if employee.code in month.holiday_workers:
                    month.punches.append((utc(day, shift.start), ident))  # no schedule: counted from the in
                    month.punches.append((utc(day, shift.start, timedelta(minutes=390)), ident))
                continue
            if day in leave_days.get(employee.code, set()):
                if leave_of[employee.code] == "HALF":  # works the first half
                    month.punches.append((utc(day, shift.start, timedelta(minutes=-3)), ident))
                    month.punches.append((utc(day, shift.start, timedelta(minutes=185)), ident))
                continue
            roll = rng.random()
            if roll < 0.02:
                continue  # absent without leave
            start = timedelta(minutes=-rng.randint(0, 14), seconds=-rng.randint(0, 59))
            end = length + timedelta(minutes=rng.randint(0, 12), seconds=rng.randint(0, 59))
            if roll < 0.10:
                start = timedelta(minutes=rng.randint(11, 45), seconds=rng.randint(0, 59))
                month.late.append((employee.code, day))
            elif roll < 0.15:
                end = length - timedelta(minutes=rng.randint(11, 60))
            elif roll < 0.25:
                end = length + timedelta(minutes=rng.randint(30, 120))
            elif roll < 0.27:
                end = timedelta(minutes=rng.randint(130, 230))  # went home early: a half day
            first = utc(day, shift.start, start)
            month.punches.append((first, ident))
            if rng.random() < 0.05:
                month.punches.append((first + timedelta(seconds=rng.randint(5, 50)), ident))
                month.double_taps += 1
            if forgot_day.get(employee.code) == day:
                month.missing_out.append((employee.code, day))
                continue
            month.punches.append((utc(day, shift.start, end), ident))
    month.punches.sort(key=lambda item: item[0])
    return month


def rupees_to_paise(text: str) -> int:
    """``1234.50`` → 123450."""
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction or 0)


def days_to_milli(text: str) -> int:
    """``24.500`` → 24500."""
    whole, _, fraction = text.partition(".")
    return int(whole) * 1000 + int(fraction or 0)


def half_up(value: Decimal) -> int:
    """Rounded to the paisa, half up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def recompute(employee: DemoEmployee, rows: list[AttendanceDay], leave: dict[date, tuple[bool, int]],
              days_in_month: int) -> tuple[int, int, int]:
    """Gross pay, paid days (thousandths) and overtime minutes from the stored days alone, by the written rules
    (docs/attendance-rules.md: shares per day, 450-minute paid leave days, 2x overtime, one rounding each)."""
    rate = Decimal(employee.pay_rate_paise)
    paid = worked = overtime = leave_minutes = 0
    for row in rows:
        if row.status == "holiday":
            share = 0 if employee.pay_basis == "hourly" else 1000
        elif row.status == "off":
            share = 1000 if employee.pay_basis == "monthly" else 0
        else:
            attended = {"present": 1000, "half_day": 500}.get(row.status, 0)
            paid_leave = 0
            if row.status in ("leave", "half_day") and row.work_date in leave:
                is_paid, milli = leave[row.work_date]
                paid_leave = milli if is_paid else 0
                leave_minutes += 450 * paid_leave // 1000
            share = min(1000, attended + paid_leave)
        paid += share
        worked += row.worked_minutes
        overtime += row.overtime_minutes
    per_hour = {"hourly": rate, "daily": rate / 8, "monthly": rate / 208}[employee.pay_basis]
    overtime_pay = half_up(per_hour * overtime * 2 / 60) if employee.overtime_eligible else 0
    if employee.pay_basis == "daily":
        basic = half_up(rate * paid / 1000)
    elif employee.pay_basis == "monthly":
        basic = half_up(rate * paid / (1000 * days_in_month))
    else:
        plain = worked + leave_minutes - (overtime if employee.overtime_eligible else 0)
        basic = half_up(rate * plain / 60)
    return basic + overtime_pay, paid, overtime


def test_a_simulated_month_for_250_employees_reconciles_with_the_payroll_export(
    demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    employees = demo_employees()
    month = generate(employees)
    hr = User.get(User.username == "hr")
    clock.now = utc(FIRST, time(0))
    Holiday.create(date=HOLIDAY, name="Guru Nanak Jayanti")
    requests = []
    for code, kind, start, end, half in month.leave:
        requests.append(attendance.request_leave(demo_ctx, hr, leave_type=kind, start=start, end=end, half_day=half,
                                                 employee_code=code, reason="simulated"))
    manager = User.get(User.username == "manager")
    for request in requests:
        decider = manager if request["employee_code"] == "E0216" else hr
        attendance.decide_leave(demo_ctx, decider, request["id"], "approve")
    # Speed only: this test checks arithmetic, not durability, so commits skip the fsync.
    demo_ctx.db.execute_sql("PRAGMA synchronous=OFF")
    statuses: dict[str, int] = defaultdict(int)
    for at, ident in month.punches:
        clock.now = at + timedelta(seconds=3)
        result = attendance.record_punch(demo_ctx, at=at, device="gate-clock-sim", **ident)
        statuses[result["status"]] += 1
    assert statuses["duplicate"] == month.double_taps > 0
    assert Punch.select().count() == len(month.punches)

    clock.now = utc(LAST + timedelta(days=1), time(10, 30))
    derived = attendance.derive_range(demo_ctx, FIRST, LAST)
    assert derived["days"] == 250 * 30 and derived["changed"] == 250 * 30
    assert attendance.derive_range(demo_ctx, FIRST, LAST)["changed"] == 0, "deriving again changes nothing"
    run = payroll.run_payroll(demo_ctx, hr, FIRST, LAST)

    by_code = {e.code: e for e in employees}
    ids = {row.code: row.id for row in Employee.select(Employee.id, Employee.code)}
    rows: dict[str, list[AttendanceDay]] = defaultdict(list)
    code_of = {v: k for k, v in ids.items()}
    for row in AttendanceDay.select().where(AttendanceDay.work_date.between(FIRST, LAST)):
        rows[code_of[row.employee_id]].append(row)
    day = {(code, row.work_date): row for code, items in rows.items() for row in items}
    for code, missed in month.missing_out:
        assert "missing_out" in day[(code, missed)].flags, "a missing punch is flagged, not guessed"
    for code, late_day in month.late:
        assert day[(code, late_day)].late_minutes > 10
    for code in month.holiday_workers:
        holiday = day[(code, HOLIDAY)]
        assert (holiday.status, holiday.worked_minutes, holiday.overtime_minutes) == ("holiday", 360, 360)
    leave_on: dict[str, dict[date, tuple[bool, int]]] = defaultdict(dict)
    for request in LeaveRequest.select().where(LeaveRequest.status == "approved"):
        code = code_of[request.employee_id]
        current = request.start_date
        while current <= request.end_date:
            leave_on[code][current] = (bool(request.leave_type.paid), 500 if request.half_day else 1000)
            expected = "half_day" if request.half_day else "leave"
            if current != HOLIDAY and current.weekday() != 6:  # only working days are leave
                assert day[(code, current)].status == expected, (code, current)
            current += timedelta(days=1)

    exported = list(csv.DictReader(io.StringIO(payroll.payroll_csv(demo_ctx, hr, str(run.uuid)))))
    assert len(exported) == 250
    csv_totals = (sum(rupees_to_paise(r["gross"]) for r in exported), sum(days_to_milli(r["paid_days"])
                  for r in exported), sum(int(r["overtime_minutes"]) for r in exported))
    slips = {code: payroll.payslip(demo_ctx, hr, str(run.uuid), code) for code in by_code}
    slip_totals = (sum(s["gross_paise"] for s in slips.values()), sum(s["paid_days_milli"] for s in slips.values()),
                   sum(s["overtime_minutes"] for s in slips.values()))
    independent = {code: recompute(by_code[code], rows[code], leave_on[code], 30) for code in by_code}
    recomputed = tuple(sum(values[i] for values in independent.values()) for i in range(3))
    assert csv_totals == slip_totals == recomputed
    for code, (gross, paid_days, overtime) in independent.items():
        assert (slips[code]["gross_paise"], slips[code]["paid_days_milli"], slips[code]["overtime_minutes"]) == (
            gross, paid_days, overtime), code
    for code, _ in month.missing_out:
        assert slips[code]["flagged_days"] >= 1
    assert csv_totals[0] > 250 * 10_000_00, "a plausible month's wage bill"

    demo_ctx.db.execute_sql("PRAGMA synchronous=FULL")
    store = demo_ctx.config.data_dir / "store.db"
    wal = store.parent / "store.db-wal"
    raw = store.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    leaked = [code for code, slip in slips.items() for needle in (
        f"{slip['gross_paise'] // 100}.{slip['gross_paise'] % 100:02d}", f'"gross_paise":{slip["gross_paise"]}',
        f'"gross_paise": {slip["gross_paise"]}') if needle.encode() in raw]
    assert leaked == [], "payslip amounts are stored only encrypted"


def _small_store(ctx: ServiceContext) -> dict[str, Employee]:
    """One shift, three employees (daily, monthly, hourly) with badges, an HR login and a holiday."""
    dept = Department.create(name="Production")
    shift = Shift.create(code="A", name="Morning", start_time=time(6), end_time=time(14), break_minutes=30,
                         grace_late_minutes=10, grace_early_minutes=10, checkin_window_minutes=60)
    terms = {"D": ("daily", 60000, True), "M": ("monthly", 3000000, False), "H": ("hourly", 6500, True)}
    people = {}
    for code, (basis, rate, overtime) in terms.items():
        people[code] = Employee.create(
            code=code, name=f"Worker {code}", department=dept, default_shift=shift, pay_basis=basis,
            pay_rate_enc=ctx.cipher.encrypt_json(rate, "employee.pay_rate"), overtime_eligible=overtime,
            joined_on=date(2020, 1, 1))
        EmployeeCredential.create(employee=people[code], kind="badge", identifier=f"B-{code}")
    User.create(username="hr", display_name="HR", role="hr", password_hash="-")
    Holiday.create(date=date(2026, 11, 18), name="Local festival")
    return people


def test_a_week_is_punched_derived_and_paid_on_each_backend(backend_ctx: ServiceContext, clock: FakeClock) -> None:
    _small_store(backend_ctx)
    plan = {"D": ("05:55", "14:00"), "M": ("05:55", "14:00"), "H": ("06:00", "15:00")}
    for offset in range(6):  # Monday 16 to Saturday 21 November 2026; Wednesday 18 is the holiday
        day = date(2026, 11, 16) + timedelta(days=offset)
        for code, (start, end) in plan.items():
            if day == date(2026, 11, 18):
                start, end = ("06:00", "12:30") if code == "H" else (None, None)
            times = [] if start is None else [start, end]
            if code == "M" and day == date(2026, 11, 20):
                times = times[:1]  # forgot to punch out
            for hhmm in times:
                at = utc(day, time.fromisoformat(hhmm))
                clock.now = at + timedelta(seconds=2)
                attendance.record_punch(backend_ctx, badge=f"B-{code}", at=at, source="badge")
    clock.now = utc(date(2026, 11, 16), time(5, 55, 30))
    tap = attendance.record_punch(backend_ctx, badge="B-D", at=clock.now, source="badge")
    assert tap["status"] == "duplicate"
    clock.now = utc(date(2026, 11, 23), time(12))
    assert attendance.derive_range(backend_ctx, date(2026, 11, 16), date(2026, 11, 22))["days"] == 21
    hr = User.get(User.username == "hr")
    run = payroll.run_payroll(backend_ctx, hr, date(2026, 11, 16), date(2026, 11, 22))
    slips = {code: payroll.payslip(backend_ctx, hr, str(run.uuid), code) for code in "DMH"}
    # D: 5 days + the paid holiday at ₹600 = ₹3,600. M: 4 present + holiday + Sunday of ₹30,000/30, Friday absent
    # (missing out) = ₹6,000, one flagged day. H: 5 x 510 min + 360 on the holiday = 2,910 worked, 660 overtime:
    # 2,250 min x ₹65/60 = ₹2,437.50 + 660 x ₹65 x 2/60 = ₹1,430.00.
    assert {code: (s["gross_paise"], s["paid_days_milli"], s["overtime_minutes"], s["flagged_days"])
            for code, s in slips.items()} == {
        "D": (360000, 6000, 0, 0), "M": (600000, 6000, 0, 1), "H": (386750, 5000, 660, 0)}
    exported = {r["employee_code"]: r for r in csv.DictReader(io.StringIO(
        payroll.payroll_csv(backend_ctx, hr, str(run.uuid))))}
    assert [exported[c]["gross"] for c in "DHM"] == ["3600.00", "3867.50", "6000.00"]
    again = payroll.run_payroll(backend_ctx, hr, date(2026, 11, 16), date(2026, 11, 22))
    assert again.id == run.id, "a draft of the same period is computed again in place"
