"""Attendance and leave use cases: punches from every source, corrections, daily derivation, leave, reports.

The rules are the domain's (edge/domain/attendance.py and leave.py, docs/attendance-rules.md); this module
stores, loads and schedules. Times are stored as naive UTC; work dates and report months are store-local
(``store.timezone``). Every punch, correction, derived day and leave change writes its outbox row in the
same transaction, so punches taken while the internet is down replicate when it is back. See
docs/attendance.md for the flow, the weekly-off rule and the scheduled job.
"""

from __future__ import annotations

import logging
import threading
import uuid as uuid_module
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2.exceptions import InvalidHashError, VerificationError
from peewee import JOIN

from edge.domain import attendance as rules
from edge.domain import leave as leave_rules
from edge.domain.attendance import (
    DayResult,
    DayStatus,
    DayType,
    Direction,
    Flag,
    PunchIn,
    PunchSource,
    ShiftRule,
)
from edge.domain.csvsafe import csv_text
from edge.domain.errors import RuleError
from edge.domain.leave import LeaveDay, LeaveTypeRule
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from edge.services.records import by_uuid
from edge.store.db import is_sqlite, write_transaction
from edge.store.models import (
    AttendanceDay,
    Department,
    Device,
    Employee,
    EmployeeCredential,
    Holiday,
    LeaveBalance,
    LeaveRequest,
    LeaveType,
    LoginThrottle,
    Punch,
    RosterEntry,
    Shift,
    User,
)
from edge.store.models import OvertimePolicy as OvertimePolicyRow
from edge.store.outbox import enqueue

log = logging.getLogger(__name__)

VIEW_ALL_ROLES = frozenset({"admin", "hr", "manager"})  # see every employee's attendance and leave
TERMINAL_ROLES = frozenset({"admin", "manager", "hr", "cashier"})  # logins a shared attendance terminal may use
DERIVE_ROLES = frozenset({"admin", "hr", "manager"})
CORRECTION_ROLES = rules.CORRECTION_ROLES  # hr, manager
DECIDER_ROLES = leave_rules.DECIDER_ROLES  # hr, manager
SUNDAY = 6  # the weekly off when the roster says nothing (date.weekday())
FUTURE_TOLERANCE = timedelta(minutes=10)  # a clock running ahead by more than this is refused
MAX_RANGE_DAYS = 366
EVERYONE_PUNCH_DAYS = 31  # a list of every employee's punches covers at most this many days
EVERYONE_DAY_DAYS = 92  # a list of every employee's derived days covers at most this many days
REFERENCE_TTL_S = 30.0  # shifts, policy and devices are re-read at most this often
BATCH_EMPLOYEES = 50  # derived days are written this many employees per transaction
CONFIRMED_TOPIC = "punch.confirmed"
REJECTED_TOPIC = "punch.rejected"
CLOCK_TOPIC = "clock.punch"
DEFAULT_LEAVE_TYPES = (
    # code, name, paid, yearly entitlement (thousandths of a day), accrual, carry-forward maximum
    ("CL", "Casual leave", True, 12_000, "monthly", 0),
    ("SL", "Sick leave", True, 7_000, "yearly", 0),
    ("LWP", "Leave without pay", False, 0, "yearly", 0),
)
STATUS_CODES = {  # the monthly register's cell for each day status
    DayStatus.PRESENT: "P", DayStatus.HALF_DAY: "HD", DayStatus.ABSENT: "A", DayStatus.LEAVE: "L",
    DayStatus.HOLIDAY: "H", DayStatus.OFF: "WO",
}


# ------------------------------------------------------------------------------------------- basics


def setting(ctx: ServiceContext, dotted: str, default: Any) -> Any:
    """A config value, or the default while the key is not in the config schema."""
    try:
        return ctx.config.get(dotted)
    except KeyError:
        return default


def store_tz(ctx: ServiceContext) -> ZoneInfo:
    """The store's time zone."""
    return ZoneInfo(ctx.config.get("store.timezone"))


def double_tap_seconds(ctx: ServiceContext) -> int:
    """The double-tap window (``attendance.double_tap_seconds``, 60 s by default)."""
    return int(setting(ctx, "attendance.double_tap_seconds", rules.DOUBLE_TAP_SECONDS))


def today(ctx: ServiceContext) -> date:
    """The store-local date now."""
    return rules.local_date(ctx.now(), store_tz(ctx))


def iso_utc(at: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC with a Z."""
    return None if at is None else at.isoformat() + "Z"


def iso_local(at: datetime | None, tz: ZoneInfo) -> str | None:
    """A stored time as ISO 8601 in the store's zone (with its offset)."""
    return None if at is None else at.replace(tzinfo=UTC).astimezone(tz).isoformat()


def parse_time(value: str | datetime, tz: ZoneInfo | None, field: str = "at") -> datetime:
    """A time as naive UTC. A datetime without a zone is already naive UTC (the stored form); text is ISO 8601,
    converted when it has an offset (or Z), else read in ``tz`` (people type store-local times) or, with ``tz``
    None, taken as naive UTC (what the clocks send)."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput(f"{field} must be an ISO 8601 date and time", field) from exc
        if parsed.tzinfo is None and tz is not None:
            parsed = parsed.replace(tzinfo=tz)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_date(value: str | date | None, field: str) -> date:
    """A YYYY-MM-DD date."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD", field) from exc


def parse_month(value: str | None) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    try:
        year, month = (int(part) for part in str(value).split("-"))
        first = date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("month must be YYYY-MM", "month") from exc
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def check_range(start: date, end: date, field: str = "to") -> None:
    """A date range that runs forward and spans at most a year."""
    if end < start:
        raise InvalidInput(f"the range ends ({end}) before it starts ({start})", field, "period_reversed")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput(f"a range spans at most {MAX_RANGE_DAYS} days", field, "out_of_range")


def _rule_error(exc: RuleError) -> InvalidInput:
    return InvalidInput(exc.message, exc.field, exc.code)


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _employee(code: str | None, field: str = "employee") -> Employee:
    employee = Employee.get_or_none(Employee.code == (code or "").strip())
    if employee is None:
        raise NotFound(f"no employee {code!r}", field)
    return employee


def sees_nobody(user: User) -> bool:
    """A login that sees only its own records but is linked to no employee: its lists are empty."""
    return user.role not in VIEW_ALL_ROLES and user.employee_id is None


def _linked_employee(user: User) -> Employee:
    """The employee a login acts for; a login without one cannot clock in or ask for leave (409)."""
    if user.employee_id is None:
        raise Conflict("your login is not linked to an employee; ask an administrator to link it", "employee",
                       "no_employee_link")
    employee: Employee = user.employee
    return employee


def visible_employee(user: User, code: str | None) -> Employee | None:
    """The employee whose records a user asks for; None means everyone (HR, managers, admin).

    Anyone else sees only the employee their login is linked to; asking for another is Forbidden.
    Check ``sees_nobody`` first: a login without a link and without a code has no records at all.
    """
    if user.role in VIEW_ALL_ROLES:
        return _employee(code) if code else None
    own: Employee | None = user.employee if user.employee_id is not None else None
    if own is None or (code and code != own.code):
        raise Forbidden("you may see only your own records", "employee", "own_records_only")
    return own


def _employed(employee: Employee, day: date) -> bool:
    if day < employee.joined_on:
        return False
    if employee.left_on is not None:
        return day <= employee.left_on
    return bool(employee.is_active)


# ------------------------------------------------------------------------------ reference data (cached)


def shift_rule(row: Shift) -> ShiftRule:
    """A stored shift as the domain's rule."""
    return ShiftRule(
        code=row.code, start=row.start_time, end=row.end_time, break_minutes=row.break_minutes,
        grace_late_minutes=row.grace_late_minutes, grace_early_minutes=row.grace_early_minutes,
        checkin_window_minutes=row.checkin_window_minutes, hours_mode=row.hours_mode,
        half_day_minutes=row.half_day_minutes, absent_minutes=row.absent_minutes,
    )


def shift_rules(ctx: ServiceContext) -> dict[int, ShiftRule]:
    """Every shift by ID, as rules (re-read at most every 30 s)."""
    return ctx.cached("attendance.shifts", REFERENCE_TTL_S,
                      lambda: {int(row.id): shift_rule(row) for row in Shift.select()})


def overtime_policy(ctx: ServiceContext) -> rules.OvertimePolicy:
    """The store's overtime policy from the ``overtime_policy`` rows (the domain's defaults without them)."""

    def load() -> rules.OvertimePolicy:
        rows = {row.day_type: row for row in OvertimePolicyRow.select()}
        default = rules.DEFAULT_POLICY
        weekday = rows.get("weekday")
        return rules.OvertimePolicy(
            weekday_multiplier_bp=weekday.multiplier_bp if weekday else default.weekday_multiplier_bp,
            weekend_multiplier_bp=rows["weekend"].multiplier_bp if "weekend" in rows
            else default.weekend_multiplier_bp,
            holiday_multiplier_bp=rows["holiday"].multiplier_bp if "holiday" in rows
            else default.holiday_multiplier_bp,
            daily_threshold_minutes=weekday.daily_threshold_minutes if weekday else default.daily_threshold_minutes,
            weekly_threshold_minutes=weekday.weekly_threshold_minutes if weekday
            else default.weekly_threshold_minutes,
        )

    return ctx.cached("attendance.policy", REFERENCE_TTL_S, load)


def _device_id(ctx: ServiceContext, name: str | None) -> int | None:
    if not name:
        return None
    ids = ctx.cached("attendance.devices", REFERENCE_TTL_S,
                     lambda: {row.name: int(row.id) for row in Device.select(Device.id, Device.name)})
    return ids.get(name)


def holidays_between(start: date, end: date) -> set[date]:
    """Dates of the holiday calendar from ``start`` to ``end``."""
    return {row.date for row in Holiday.select(Holiday.date).where(Holiday.date.between(start, end))}


@dataclass
class Schedule:
    """One employee's shifts around some dates: the roster, else the default shift; Sunday off unless rostered."""

    default: ShiftRule | None
    entries: dict[date, ShiftRule | None]  # roster rows: a shift, or None for a rostered weekly off

    def is_off(self, day: date) -> bool:
        """A weekly off: rostered off, or a Sunday without a roster entry."""
        if day in self.entries:
            return self.entries[day] is None
        return day.weekday() == SUNDAY

    def working_shift(self, day: date) -> ShiftRule | None:
        """The shift to work on a day (None on a weekly off or without any shift)."""
        if day in self.entries:
            return self.entries[day]
        return None if day.weekday() == SUNDAY else self.default

    def roster_map(self, days: Iterable[date]) -> dict[date, ShiftRule | None]:
        """The mapping assign_work_date takes: a shift per working day, None on a weekly off."""
        return {day: self.working_shift(day) for day in days}


def load_schedules(ctx: ServiceContext, employees: Sequence[Employee], start: date,
                   end: date) -> dict[int, Schedule]:
    """Schedules of employees with their roster entries from ``start`` to ``end``."""
    shifts = shift_rules(ctx)
    result = {int(e.id): Schedule(shifts.get(e.default_shift_id) if e.default_shift_id else None, {})
              for e in employees}
    query = RosterEntry.select(RosterEntry.employee, RosterEntry.work_date, RosterEntry.shift).where(
        RosterEntry.work_date.between(start, end))
    if len(employees) <= 500:
        query = query.where(RosterEntry.employee.in_([e.id for e in employees]))
    for row in query:
        schedule = result.get(row.employee_id)
        if schedule is not None:
            schedule.entries[row.work_date] = shifts.get(row.shift_id) if row.shift_id else None
    return result


# ---------------------------------------------------------------------------------------- punches


_stats_lock = threading.Lock()
CLOCK_STATS: Counter[str] = Counter()  # clock.punch events by outcome, for the device status page and logs


def clock_stats() -> dict[str, int]:
    """How the ``clock.punch`` events handled so far turned out (recorded, duplicate, unknown_credential...)."""
    with _stats_lock:
        return dict(CLOCK_STATS)


def _count(outcome: str) -> None:
    with _stats_lock:
        CLOCK_STATS[outcome] += 1


def _resolve(badge: str | None, fingerprint: str | None, employee_code: str | None) -> Employee:
    """The employee a badge, fingerprint-terminal user ID or employee code stands for."""
    given = [value for value in (badge, fingerprint, employee_code) if value not in (None, "")]
    if len(given) != 1:
        raise InvalidInput("identify the employee by exactly one of badge, fingerprint or employee code", "badge")
    if badge not in (None, ""):
        kind, identifier, field = "badge", str(badge).strip(), "badge"
    elif fingerprint not in (None, ""):
        kind, identifier, field = "fingerprint", str(fingerprint).strip(), "fingerprint"
    else:
        kind, identifier, field = "code", str(employee_code).strip(), "employee_code"
    people = Employee.select(*PUNCHER_FIELDS)
    row = None
    if kind != "code":
        row = (people.join(EmployeeCredential)
               .where((EmployeeCredential.kind == kind) & (EmployeeCredential.identifier == identifier)
                      & EmployeeCredential.is_active).first())
    if row is None and kind != "badge":  # fingerprint terminals may be enrolled with the employee code
        row = people.where(Employee.code == identifier).first()
    if row is None:
        what = "employee" if kind == "code" else kind
        raise NotFound(f"unknown {what} {identifier!r}", field, f"unknown_{kind if kind != 'code' else 'employee'}")
    return row


# Columns the punch path reads (fewer columns, less SQL to build on every tap).
PUNCHER_FIELDS = (Employee.id, Employee.uuid, Employee.code, Employee.name, Employee.default_shift,
                  Employee.joined_on, Employee.left_on, Employee.is_active)
PUNCH_FIELDS = (Punch.id, Punch.uuid, Punch.at, Punch.direction, Punch.source, Punch.status)


def _punch_in(row: Punch) -> PunchIn:
    return PunchIn(row.at, row.direction, row.source, str(row.uuid))


_PUNCH_LOCK = threading.Lock()


@contextmanager
def _punch_writer(ctx: ServiceContext) -> Iterator[None]:
    """On SQLite, punches from several clock threads queue on a lock in the process instead of colliding on the
    database's write lock, whose busy handler sleeps in growing steps (tens of ms of tail latency)."""
    if not is_sqlite(ctx.db):
        yield
        return
    with _PUNCH_LOCK:
        yield


def _nearby(employee: Employee, at: datetime) -> list[Punch]:
    """The employee's punches that are not voided, from two days before ``at`` to two days after, in time order."""
    return list(Punch.select(*PUNCH_FIELDS).where(
        (Punch.employee == employee) & (Punch.status != "voided")
        & Punch.at.between(at - timedelta(days=2), at + timedelta(days=2))).order_by(Punch.at, Punch.id))


def _dedupe_status(ctx: ServiceContext, near: Sequence[Punch], new: Punch) -> list[tuple[Punch, str]]:
    """Statuses of the new punch and any later punches it changes, by the domain's double-tap rule.

    The new punch is compared with the last kept punch at or before it; later punches (an offline clock's
    late upload) are taken again in time order after it. ``near``: the punches around it (not voided).
    """
    window = double_tap_seconds(ctx)
    before = [row for row in near if row.at <= new.at and row.status == "valid"]
    later = [row for row in near if row.at > new.at]
    chain = ([before[-1]] if before else []) + [new] + later
    kept = {item.ref for item in rules.dedupe([_punch_in(row) for row in chain], window)}
    return [(row, "valid" if str(row.uuid) in kept else "duplicate") for row in [new, *later]]


def _effective_direction(ctx: ServiceContext, employee: Employee, target: Punch,
                         near: Sequence[Punch]) -> tuple[str | None, date]:
    """The direction a punch counts as (explicit, or by alternation among the valid punches of its work date)
    and that work date; ``near`` holds the employee's punches around it, the target included."""
    tz = store_tz(ctx)
    here = rules.local_date(target.at, tz)
    schedule = load_schedules(ctx, [employee], here - timedelta(days=3), here + timedelta(days=3))[int(employee.id)]
    roster = schedule.roster_map(_dates(here - timedelta(days=3), here + timedelta(days=3)))
    work_date = rules.assign_work_date(_punch_in(target), roster, tz, schedule.default)
    if target.direction:
        return target.direction, work_date
    same_day = [item for item in (_punch_in(row) for row in near if row.status == "valid")
                if rules.assign_work_date(item, roster, tz, schedule.default) == work_date]
    for pair in rules.pair(same_day).pairs:
        if pair.in_at == target.at:
            return Direction.IN.value, work_date
        if pair.out_at == target.at:
            return Direction.OUT.value, work_date
    return None, work_date


def punch_view(row: Punch, employee: Employee, tz: ZoneInfo, device: str | None = None) -> dict[str, Any]:
    """A punch as the API shows it."""
    return {
        "id": str(row.uuid), "employee_code": employee.code, "at": iso_utc(row.at), "at_local": iso_local(row.at, tz),
        "direction": row.direction, "source": row.source, "device": device, "status": row.status,
        "corrects": None, "correction_reason": row.correction_reason,
    }


def _outbox_punch(row: Punch, employee: Employee, device: str | None, recorded_by: User | None) -> dict[str, Any]:
    return {
        "uuid": str(row.uuid), "employee": employee.code, "employee_uuid": str(employee.uuid), "at": iso_utc(row.at),
        "direction": row.direction, "source": row.source, "device": device, "status": row.status,
        "recorded_by": recorded_by.username if recorded_by is not None else None,
    }


def record_punch(ctx: ServiceContext, *, badge: str | None = None, fingerprint: str | None = None,
                 employee_code: str | None = None, at: datetime | str, direction: str | None = None,
                 source: str, device: str | None = None, recorded_by: User | None = None) -> dict[str, Any]:
    """Store one punch and confirm it (``punch.confirmed`` on the bus) to the terminal that took it.

    The employee comes from a badge or fingerprint credential (or the code). A tap within the double-tap
    window of the last kept punch is stored with status ``duplicate``, never dropped. The direction stays
    as given (None: decided by alternation when the day is derived); the confirmation shows the direction it
    counts as now. Outbox ``punch.recorded`` in the same transaction.
    """
    tz = store_tz(ctx)
    try:
        source = PunchSource(source).value
        direction = Direction(direction).value if direction not in (None, "") else None
    except ValueError as exc:
        raise InvalidInput(f"invalid punch source or direction: {exc}", "direction") from exc
    if source == PunchSource.MANUAL:
        raise InvalidInput("manual punches are HR corrections (correct_punch)", "source")
    when = parse_time(at, None)
    if when > ctx.now() + FUTURE_TOLERANCE:
        raise InvalidInput(f"the punch time {when.isoformat()}Z is in the future; check the clock's time", "at",
                           "future_punch")
    with _punch_writer(ctx), write_transaction(ctx.db):
        employee = _resolve(badge, fingerprint, employee_code)
        if not is_sqlite(ctx.db):
            Employee.select(Employee.id).where(Employee.id == employee.id).for_update().execute()
        if not _employed(employee, rules.local_date(when, tz)):
            raise Forbidden(f"employee {employee.code} is not employed on that date", "employee_code",
                            "employee_inactive")
        row = Punch(uuid=uuid_module.uuid4(), employee=employee, at=when, direction=direction, source=source,
                    device=_device_id(ctx, device), status="valid", recorded_by=recorded_by, created_at=ctx.now())
        near = _nearby(employee, when)
        statuses = _dedupe_status(ctx, [item for item in near if item.at >= when - timedelta(days=1)], row)
        row.status = statuses[0][1]
        row.save(force_insert=True)
        enqueue("punch.recorded", row.uuid, _outbox_punch(row, employee, device, recorded_by))
        for later, status in statuses[1:]:
            if later.status != status:
                Punch.update(status=status).where(Punch.id == later.id).execute()
                enqueue("punch.status", later.uuid, {"uuid": str(later.uuid), "status": status})
                later.status = status
        near = sorted([*near, row], key=lambda item: item.at)
        counted = row
        if row.status == "duplicate":  # confirm what the tap it repeats counts as
            counted = next((item for item in reversed(near) if item.status == "valid" and item.at <= row.at), row)
        effective, work_date = _effective_direction(ctx, employee, counted, near)
    confirmation = {
        "device": device, "employee_code": employee.code, "name": employee.name, "direction": effective,
        "at": iso_utc(when), "at_local": iso_local(when, tz), "status": row.status, "punch_id": str(row.uuid),
        "work_date": work_date.isoformat(), "source": source,
    }
    ctx.bus.publish(CONFIRMED_TOPIC, confirmation)
    return confirmation


def handle_clock_event(ctx: ServiceContext, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """Record a ``clock.punch`` event from a badge reader or fingerprint terminal; never raises into the driver.

    A bad event (unknown badge, malformed, refused) is counted in CLOCK_STATS, logged and published as
    ``punch.rejected`` {device, badge, employee_code, error} so the terminal can say so.
    """
    device = event.get("device") if isinstance(event, Mapping) else None
    try:
        if not isinstance(event, Mapping):
            raise InvalidInput("a clock event is an object")
        source = event.get("source") or ("badge" if event.get("badge") else "fingerprint")
        if source not in (PunchSource.BADGE, PunchSource.FINGERPRINT):
            raise InvalidInput(f"a clock punch comes from a badge or fingerprint clock, not {source!r}", "source")
        at = event.get("at")
        if not isinstance(at, str | datetime):
            raise InvalidInput("the clock event has no time", "at")
        if source == PunchSource.BADGE:
            result = record_punch(ctx, badge=event.get("badge"), at=at, direction=event.get("direction"),
                                  source=source, device=device)
        else:
            result = record_punch(ctx, fingerprint=event.get("employee_code"), at=at,
                                  direction=event.get("direction"), source=source, device=device)
    except Exception as exc:  # a clock must never be stopped by a bad punch
        outcome = "unknown_credential" if isinstance(exc, NotFound) else (
            "refused" if isinstance(exc, InvalidInput | Forbidden | Conflict) else "error")
        _count(outcome)
        if outcome == "error":
            log.exception("clock punch from %s failed", device)
        else:
            log.warning("clock punch from %s refused: %s", device, exc)
        error = {"code": getattr(exc, "code", "internal"), "message": getattr(exc, "message", "internal error"),
                 "field": getattr(exc, "field", None)}
        badge = event.get("badge") if isinstance(event, Mapping) else None
        code = event.get("employee_code") if isinstance(event, Mapping) else None
        ctx.bus.publish(REJECTED_TOPIC, {"device": device, "badge": badge, "employee_code": code, "error": error})
        return None
    _count("recorded" if result["status"] == "valid" else "duplicate")
    return result


def subscribe_clock(ctx: ServiceContext) -> Callable[[], None]:
    """Feed ``clock.punch`` bus events into attendance; returns the unsubscribe function."""

    def on_punch(_topic: str, event: dict[str, Any]) -> None:
        handle_clock_event(ctx, event)

    return ctx.bus.subscribe(CLOCK_TOPIC, on_punch)


def _pin_keys(code: str) -> list[str]:
    return [f"pin:{code.strip().upper()[:64]}"]


def _check_pin_throttle(ctx: ServiceContext, key: str) -> None:
    row = LoginThrottle.get_or_none(LoginThrottle.key == key)
    now = ctx.now()
    if row is not None and row.blocked_until and row.blocked_until > now:
        wait = max(1, int((row.blocked_until - now).total_seconds() + 0.999))
        raise Throttled(f"too many wrong PINs for this employee; try again in {wait} s", wait, "pin")


def _note_pin_failure(ctx: ServiceContext, key: str) -> None:
    row, _ = LoginThrottle.get_or_create(key=key)
    row.failures += 1
    now = ctx.now()
    row.last_failure_at = now
    free = int(ctx.config.get("auth.login_free_failures"))
    delay = 0
    if row.failures >= free:
        base = int(ctx.config.get("auth.login_delay_seconds"))
        delay = int(min(int(ctx.config.get("auth.login_max_delay_seconds")), base * 2 ** min(row.failures - free, 30)))
    row.blocked_until = now + timedelta(seconds=delay) if delay else None
    row.save()


def terminal_punch(ctx: ServiceContext, user: User, *, badge: str | None = None, pin: str | None = None,
                   employee_code: str | None = None, direction: str | None = None,
                   terminal: str | None = None) -> dict[str, Any]:
    """A punch at the shared attendance terminal: a badge, or an employee code with its PIN (throttled)."""
    if user.role not in TERMINAL_ROLES:
        raise Forbidden(f"role {user.role!r} may not run an attendance terminal")
    if badge:
        return record_punch(ctx, badge=badge, at=ctx.now(), direction=direction, source="terminal",
                            device=terminal, recorded_by=user)
    if not pin or not employee_code:
        raise InvalidInput("give a badge, or an employee code and PIN", "pin")
    key = _pin_keys(employee_code)[0]
    with write_transaction(ctx.db):
        _check_pin_throttle(ctx, key)
    employee = Employee.get_or_none(Employee.code == employee_code.strip())
    stored = employee.pin_hash if employee is not None and employee.pin_hash else ctx.dummy_password_hash
    try:
        ok = ctx.hasher.verify(stored, pin) and employee is not None and bool(employee.pin_hash)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or employee is None:
        with write_transaction(ctx.db):
            _note_pin_failure(ctx, key)
            record_audit(ctx, "punch.pin_failed", user, "employee", employee_code.strip()[:64])
        raise Forbidden("wrong employee code or PIN", "pin", "bad_pin")
    with write_transaction(ctx.db):
        LoginThrottle.delete().where(LoginThrottle.key == key).execute()
    return record_punch(ctx, employee_code=employee.code, at=ctx.now(), direction=direction, source="terminal",
                        device=terminal, recorded_by=user)


def set_pin(ctx: ServiceContext, user: User, employee_code: str, pin: str) -> None:
    """HR sets an employee's terminal PIN (4-8 digits), stored as an argon2id hash; audited."""
    if user.role not in ("hr", "admin"):
        raise Forbidden("only HR or an administrator sets PINs")
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise InvalidInput("a PIN is 4 to 8 digits", "pin")
    hashed = ctx.hasher.hash(pin)
    with write_transaction(ctx.db):
        employee = _employee(employee_code)
        Employee.update(pin_hash=hashed).where(Employee.id == employee.id).execute()
        record_audit(ctx, "employee.pin_set", user, "employee", str(employee.uuid))


def app_punch(ctx: ServiceContext, user: User, direction: str | None = None) -> dict[str, Any]:
    """The logged-in employee clocks in or out from the app (any role with an employee link)."""
    employee = _linked_employee(user)
    return record_punch(ctx, employee_code=employee.code, at=ctx.now(), direction=direction, source="app",
                        recorded_by=user)


def list_punches(ctx: ServiceContext, user: User, employee_code: str | None, start: date,
                 end: date) -> list[dict[str, Any]]:
    """Punches from ``start`` to ``end`` (local dates, inclusive); an employee sees only their own."""
    check_range(start, end)
    tz = store_tz(ctx)
    if sees_nobody(user) and not employee_code:
        return []
    employee = visible_employee(user, employee_code)
    if employee is None and (end - start).days >= EVERYONE_PUNCH_DAYS:
        raise InvalidInput(f"everyone's punches come at most {EVERYONE_PUNCH_DAYS} days at a time", "to",
                           "out_of_range")
    low = rules.to_utc(start, time(0), tz)
    high = rules.to_utc(end + timedelta(days=1), time(0), tz)
    query = (Punch.select(Punch, Employee).join(Employee)
             .where((Punch.at >= low) & (Punch.at < high)).order_by(Employee.code, Punch.at, Punch.id))
    if employee is not None:
        query = query.where(Punch.employee == employee)
    rows = list(query)
    devices = {int(row.id): row.name for row in Device.select(Device.id, Device.name)}
    wanted = sorted({row.corrects_id for row in rows if row.corrects_id})
    corrected = {int(row.id): str(row.uuid) for row in Punch.select(Punch.id, Punch.uuid).where(Punch.id.in_(wanted))}
    users = {int(row.id): row.username for row in User.select(User.id, User.username)}
    items = []
    for row in rows:
        view = punch_view(row, row.employee, tz, devices.get(row.device_id) if row.device_id else None)
        view["corrects"] = corrected.get(row.corrects_id) if row.corrects_id else None
        view["recorded_by"] = users.get(row.recorded_by_id) if row.recorded_by_id else None
        items.append(view)
    return items


def _work_date_of(ctx: ServiceContext, employee: Employee, punch: PunchIn) -> date:
    tz = store_tz(ctx)
    here = rules.local_date(punch.at, tz)
    schedule = load_schedules(ctx, [employee], here - timedelta(days=2), here + timedelta(days=2))[int(employee.id)]
    roster = schedule.roster_map(_dates(here - timedelta(days=2), here + timedelta(days=2)))
    return rules.assign_work_date(punch, roster, tz, schedule.default)


def correct_punch(ctx: ServiceContext, user: User, punch_id: str | None, *, reason: str,
                  employee_code: str | None = None, new_at: datetime | str | None = None,
                  direction: str | None = None, void: bool = False) -> dict[str, Any]:
    """HR or a manager adds a missing punch (``punch_id`` None), moves one (new time and/or direction) or voids
    one, with a reason; never their own punches. The original is kept (voided) and the manual replacement
    points at it (``corrects``). Audited, replicated (``punch.corrected``), and the days are derived again.
    """
    tz = store_tz(ctx)
    by_employee = user.employee.code if user.employee_id else None
    if direction not in (None, ""):
        try:
            direction = Direction(direction).value
        except ValueError as exc:
            raise InvalidInput("direction is in or out", "direction") from exc
    else:
        direction = None
    with write_transaction(ctx.db):
        original: Punch | None = None
        if punch_id is not None:
            original = by_uuid(Punch, punch_id, "punch_id", "punch", lock=True)
            if original.status == "voided":
                raise Conflict("the punch was already corrected or voided", "punch_id", "already_voided")
            employee = original.employee
        else:
            employee = _employee(employee_code, "employee_code")
        replacement: PunchIn | None = None
        if not void:
            if original is None and new_at is None:
                raise InvalidInput("a missing punch needs its time", "at")
            if new_at is not None:
                when = parse_time(new_at, tz)
            else:
                assert original is not None  # a missing punch without a time was refused above
                when = original.at
            if when > ctx.now() + FUTURE_TOLERANCE:
                raise InvalidInput("a corrected punch cannot be in the future", "at", "future_punch")
            kept_direction = direction if direction is not None else (original.direction if original else None)
            replacement = PunchIn(when, kept_direction, PunchSource.MANUAL)
        elif original is None:
            raise InvalidInput("voiding needs the punch to void", "punch_id")
        try:
            correction = rules.correct_punch(
                _punch_in(original) if original is not None else None, replacement, reason=reason,
                by_role=user.role, employee_id=employee.code, by_employee_id=by_employee)
        except RuleError as exc:
            if exc.code in ("not_allowed", "own_record"):
                raise Forbidden(exc.message, exc.field, exc.code) from exc
            raise _rule_error(exc) from exc
        now = ctx.now()
        new_row: Punch | None = None
        if original is not None:
            reason_kept = correction.reason if void else original.correction_reason
            Punch.update(status="voided", correction_reason=reason_kept).where(Punch.id == original.id).execute()
        if correction.replacement is not None:
            new_row = Punch.create(
                uuid=uuid_module.uuid4(), employee=employee, at=correction.replacement.at,
                direction=correction.replacement.direction, source=PunchSource.MANUAL.value, status="valid",
                corrects=original, correction_reason=correction.reason, recorded_by=user, created_at=now)
        before = punch_view(original, employee, tz) if original is not None else None
        after = punch_view(new_row, employee, tz) if new_row is not None else None
        if after is not None and original is not None:
            after["corrects"] = str(original.uuid)
        kind = "void" if void else ("add" if original is None else "move")
        record = new_row if new_row is not None else original
        assert record is not None  # the domain refuses a correction that neither adds nor voids
        record_audit(ctx, "punch.corrected", user, "punch", str(record.uuid),
                     details={"kind": kind, "employee": employee.code, "reason": correction.reason,
                              "before": before, "after": after})
        enqueue("punch.corrected", record.uuid, {
            "kind": kind, "employee": employee.code, "reason": correction.reason, "by": user.username,
            "original": str(original.uuid) if original is not None else None, "replacement": after})
    affected = [_work_date_of(ctx, employee, item) for item in (correction.original, correction.replacement) if item]
    rederive_after_change(ctx, employee, min(affected), max(affected))
    return {"kind": kind, "original": before, "replacement": after, "reason": correction.reason}


# -------------------------------------------------------------------------------------- derivation


def leave_type_rule(row: LeaveType) -> LeaveTypeRule:
    """A stored leave type as the domain's rule."""
    return LeaveTypeRule(code=row.code, paid=bool(row.paid), annual_days_milli=row.annual_days_milli,
                         accrual=row.accrual, carry_forward_max_milli=row.carry_forward_max_milli, name=row.name)


def approved_leave(employee_ids: Sequence[int] | None, start: date, end: date) -> dict[int, dict[date, LeaveDay]]:
    """Approved leave days (every date of each request; working-day filtering is the derivation's) by employee."""
    query = (LeaveRequest.select(LeaveRequest, LeaveType).join(LeaveType)
             .where((LeaveRequest.status == "approved") & (LeaveRequest.start_date <= end)
                    & (LeaveRequest.end_date >= start)))
    if employee_ids is not None and len(employee_ids) <= 500:
        query = query.where(LeaveRequest.employee.in_(list(employee_ids)))
    result: dict[int, dict[date, LeaveDay]] = defaultdict(dict)
    for row in query.order_by(LeaveRequest.id):
        day = max(row.start_date, start)
        while day <= min(row.end_date, end):
            result[row.employee_id].setdefault(
                day, LeaveDay(day, row.leave_type.code, bool(row.leave_type.paid), bool(row.half_day)))
            day += timedelta(days=1)
    return result


def day_from_row(row: AttendanceDay, shifts: Mapping[int, ShiftRule],
                 leave: Mapping[date, LeaveDay] | None = None) -> DayResult:
    """A stored day as the domain's DayResult (what payroll and the weekly rule read)."""
    status = DayStatus(row.status)
    if status == DayStatus.HOLIDAY:
        day_type = DayType.HOLIDAY
    elif status == DayStatus.OFF:
        day_type = DayType.WEEKEND
    else:
        day_type = DayType.WEEKDAY
    shift = shifts.get(row.shift_id) if row.shift_id else None
    on_leave = None
    if leave is not None and status in (DayStatus.LEAVE, DayStatus.HALF_DAY):
        on_leave = leave.get(row.work_date)
    attended = {DayStatus.PRESENT: 1000, DayStatus.HALF_DAY: 500}.get(status, 0)
    return DayResult(
        work_date=row.work_date, status=status, day_type=day_type, shift_code=shift.code if shift else None,
        first_in=row.first_in, last_out=row.last_out, worked_minutes=row.worked_minutes,
        late_minutes=row.late_minutes, early_exit_minutes=row.early_exit_minutes,
        overtime_minutes=row.overtime_minutes,
        scheduled_minutes=shift.net_minutes if shift is not None and day_type == DayType.WEEKDAY else 0,
        attended_milli=attended, leave=on_leave,
        flags=tuple(Flag(flag) for flag in row.flags.split(",") if flag),
    )


DAY_INSERT_FIELDS = (  # the order of a new day's values: identity, then _row_values' keys
    AttendanceDay.uuid, AttendanceDay.employee, AttendanceDay.work_date, AttendanceDay.computed_at,
    AttendanceDay.shift, AttendanceDay.status, AttendanceDay.first_in, AttendanceDay.last_out,
    AttendanceDay.worked_minutes, AttendanceDay.late_minutes, AttendanceDay.early_exit_minutes,
    AttendanceDay.overtime_minutes, AttendanceDay.flags,
)


def _row_values(result: DayResult, shift_ids: Mapping[str, int]) -> dict[str, Any]:
    return {
        "shift": shift_ids.get(result.shift_code) if result.shift_code else None, "status": result.status.value,
        "first_in": result.first_in, "last_out": result.last_out, "worked_minutes": result.worked_minutes,
        "late_minutes": result.late_minutes, "early_exit_minutes": result.early_exit_minutes,
        "overtime_minutes": result.overtime_minutes, "flags": result.flags_text,
    }


def _same(row: AttendanceDay, values: Mapping[str, Any]) -> bool:
    return all(
        (row.shift_id if name == "shift" else getattr(row, name)) == value for name, value in values.items()
    )


def employees_for(start: date, end: date, employee: Employee | None) -> list[Employee]:
    """The employee given, or everyone employed at some point from ``start`` to ``end``, by code."""
    if employee is not None:
        return [employee]
    return list(Employee.select().where(
        (Employee.joined_on <= end) & (Employee.left_on.is_null() | (Employee.left_on >= start))
        & (Employee.is_active | Employee.left_on.is_null(False))).order_by(Employee.code))


def compute_days(ctx: ServiceContext, employees: Sequence[Employee], start: date,
                 end: date) -> dict[int, list[DayResult]]:
    """Derive (without storing) each employee's days from ``start`` to ``end``, with the week so far."""
    tz = store_tz(ctx)
    policy = overtime_policy(ctx)
    shifts = shift_rules(ctx)
    holidays = holidays_between(start - timedelta(days=7), end + timedelta(days=7))
    span_start, span_end = start - timedelta(days=3), end + timedelta(days=3)
    schedules = load_schedules(ctx, employees, span_start, span_end)
    ids = [int(e.id) for e in employees]
    leaves = approved_leave(ids, start, end)
    low = rules.to_utc(start - timedelta(days=1), time(0), tz)
    high = rules.to_utc(end + timedelta(days=2), time(0), tz)
    punches: dict[int, list[PunchIn]] = defaultdict(list)
    query = Punch.select(Punch.employee, Punch.at, Punch.direction, Punch.source, Punch.uuid).where(
        (Punch.status == "valid") & (Punch.at >= low) & (Punch.at < high))
    if len(ids) <= 500:
        query = query.where(Punch.employee.in_(ids))
    for row in query.order_by(Punch.at).tuples().iterator():
        punches[row[0]].append(PunchIn(row[1], row[2], row[3], str(row[4])))
    week_first = rules.week_start(start, policy.week_starts_on)
    earlier: dict[int, list[DayResult]] = defaultdict(list)
    if week_first < start:
        for row in AttendanceDay.select().where(AttendanceDay.work_date.between(week_first, start - timedelta(days=1))
                                                & AttendanceDay.employee.in_(ids)):
            earlier[row.employee_id].append(day_from_row(row, shifts))
    dates = _dates(start, end)
    span = _dates(span_start, span_end)
    result: dict[int, list[DayResult]] = {}
    for employee in employees:
        key = int(employee.id)
        schedule = schedules[key]
        roster = schedule.roster_map(span)
        by_date: dict[date, list[PunchIn]] = defaultdict(list)
        for punch in punches.get(key, ()):
            by_date[rules.assign_work_date(punch, roster, tz, schedule.default)].append(punch)
        days: list[DayResult] = []
        for day in dates:
            if not _employed(employee, day):
                continue
            working = schedule.working_shift(day)
            days.append(rules.day_attendance(
                day, working or schedule.default, by_date.get(day, ()), tz=tz, is_holiday=day in holidays,
                is_weekly_off=schedule.is_off(day) or working is None, on_leave=leaves.get(key, {}).get(day),
                policy=policy))
        before = sorted(earlier.get(key, ()), key=lambda item: item.work_date)
        weekly = rules.weekly_overtime(before + days, policy.weekly_threshold_minutes, policy.week_starts_on)
        result[key] = weekly[len(before):]
    return result


def _store_days(ctx: ServiceContext, employees: Sequence[Employee], derived: Mapping[int, list[DayResult]],
                start: date, end: date) -> int:
    """Upsert derived days (changed ones only), an outbox row per employee with changes; how many changed."""
    shift_ids = {row.code: int(row.id) for row in Shift.select(Shift.id, Shift.code)}
    changed_total = 0
    now = ctx.now()
    for offset in range(0, len(employees), BATCH_EMPLOYEES):
        batch = [e for e in employees[offset:offset + BATCH_EMPLOYEES] if derived.get(int(e.id))]
        if not batch:
            continue
        with write_transaction(ctx.db):
            ids = [int(e.id) for e in batch]
            if not is_sqlite(ctx.db):
                list(Employee.select(Employee.id).where(Employee.id.in_(ids)).order_by(Employee.id).for_update())
            existing = {(row.employee_id, row.work_date): row for row in AttendanceDay.select().where(
                AttendanceDay.employee.in_(ids) & AttendanceDay.work_date.between(start, end))}
            inserts: list[dict[str, Any]] = []
            for employee in batch:
                changes = []
                for result in derived[int(employee.id)]:
                    values = _row_values(result, shift_ids)
                    row = existing.get((int(employee.id), result.work_date))
                    if row is not None and _same(row, values):
                        continue
                    if row is None:
                        record = uuid_module.uuid4()
                        inserts.append((record, employee.id, result.work_date, now, *values.values()))
                    else:
                        record = row.uuid
                        AttendanceDay.update(computed_at=now, **values).where(AttendanceDay.id == row.id).execute()
                    changes.append({"uuid": str(record), "work_date": result.work_date.isoformat(),
                                    "shift": result.shift_code, "status": result.status.value,
                                    "first_in": iso_utc(result.first_in), "last_out": iso_utc(result.last_out),
                                    "worked_minutes": result.worked_minutes, "late_minutes": result.late_minutes,
                                    "early_exit_minutes": result.early_exit_minutes,
                                    "overtime_minutes": result.overtime_minutes, "flags": result.flags_text})
                if changes:
                    enqueue("attendance.days", employee.uuid, {"employee": employee.code, "days": changes})
                    changed_total += len(changes)
            for chunk in range(0, len(inserts), 200):
                AttendanceDay.insert_many(inserts[chunk:chunk + 200], fields=DAY_INSERT_FIELDS).execute()
    return changed_total


def derive_range(ctx: ServiceContext, start: date, end: date, employee: Employee | None = None) -> dict[str, int]:
    """Derive and store the days from ``start`` to ``end`` (never after today) for one or every employee.

    Idempotent: a day is rewritten (and replicated) only when its result changed.
    """
    check_range(start, end)
    end = min(end, today(ctx))
    if end < start:
        return {"days": 0, "changed": 0, "employees": 0}
    employees = employees_for(start, end, employee)
    derived: dict[int, list[DayResult]] = {}
    for offset in range(0, len(employees), 500):
        derived.update(compute_days(ctx, employees[offset:offset + 500], start, end))
    changed = _store_days(ctx, employees, derived, start, end)
    return {"days": sum(len(days) for days in derived.values()), "changed": changed, "employees": len(employees)}


def derive_day(ctx: ServiceContext, employee: Employee, work_date: date) -> DayResult | None:
    """Derive and store one employee's day; None when they were not employed that day (or it is in the future)."""
    derive_range(ctx, work_date, work_date, employee)
    row = AttendanceDay.get_or_none((AttendanceDay.employee == employee) & (AttendanceDay.work_date == work_date))
    if row is None:
        return None
    return day_from_row(row, shift_rules(ctx), approved_leave([int(employee.id)], work_date, work_date)
                        .get(int(employee.id)))


def derive_missing(ctx: ServiceContext, start: date, end: date) -> int:
    """Derive the days not derived yet from ``start`` to ``end`` (not after today); how many were stored."""
    end = min(end, today(ctx))
    if end < start:
        return 0
    employees = employees_for(start, end, None)
    have: dict[int, set[date]] = defaultdict(set)
    for employee_id, work_date in AttendanceDay.select(AttendanceDay.employee, AttendanceDay.work_date).where(
            AttendanceDay.work_date.between(start, end)).tuples():
        have[employee_id].add(work_date)
    missing = [e for e in employees
               if any(_employed(e, day) and day not in have[int(e.id)] for day in _dates(start, end))]
    if not missing:
        return 0
    derived = compute_days(ctx, missing, start, end)
    kept = {key: [day for day in days if day.work_date not in have[key]] for key, days in derived.items()}
    return _store_days(ctx, missing, kept, start, end)


def rederive_after_change(ctx: ServiceContext, employee: Employee, first: date, last: date) -> None:
    """Derive again the days a change touched, through the end of the week (weekly overtime), up to today."""
    policy = overtime_policy(ctx)
    week_end = rules.week_start(last, policy.week_starts_on) + timedelta(days=6)
    if first <= today(ctx):
        derive_range(ctx, first, week_end, employee)


def derive_yesterday(ctx: ServiceContext) -> dict[str, int]:
    """The scheduled job: derive yesterday (and the day before, for punches uploaded late by offline clocks)."""
    yesterday = today(ctx) - timedelta(days=1)
    result = derive_range(ctx, yesterday - timedelta(days=1), yesterday)
    log.info("attendance derived for %s: %s", yesterday, result)
    return result


def job_time(ctx: ServiceContext) -> time:
    """When the daily job runs (store-local): ``attendance.derive_at`` (HH:MM), else 15 minutes after the
    latest punch window of yesterday's shifts closes (10:15 with the demo's night shift ending 06:00)."""
    configured = setting(ctx, "attendance.derive_at", "")
    if configured:
        return time.fromisoformat(str(configured))
    latest = 0
    for rule in shift_rules(ctx).values():
        end = rule.end.hour * 60 + rule.end.minute + rule.checkout_tail_minutes
        latest = max(latest, end if rule.crosses_midnight else end - 24 * 60)
    minutes = min(max(latest, 0) + 15, 23 * 60 + 59)
    return time(minutes // 60, minutes % 60)


def schedule(ctx: ServiceContext, scheduler: Any) -> None:
    """Register the daily derivation on an APScheduler 3 scheduler (BackgroundScheduler, or GeventScheduler under
    gevent), plus a catch-up run of the last 7 days shortly after start (a daemon that was off missed jobs)."""
    at = job_time(ctx)

    def daily() -> None:
        with ctx.db.connection_context():
            derive_yesterday(ctx)

    def catch_up() -> None:
        with ctx.db.connection_context():
            yesterday = today(ctx) - timedelta(days=1)
            derive_range(ctx, yesterday - timedelta(days=6), yesterday)

    scheduler.add_job(daily, "cron", hour=at.hour, minute=at.minute, timezone=store_tz(ctx),
                      id="attendance.derive_daily", name="derive yesterday's attendance", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)
    scheduler.add_job(catch_up, "date", run_date=datetime.now(UTC) + timedelta(seconds=30),
                      id="attendance.derive_catch_up", name="derive the last 7 days", replace_existing=True,
                      misfire_grace_time=3600)


# ------------------------------------------------------------------------------------------- views


def day_view(row: AttendanceDay, employee: Employee, shift_codes: Mapping[int, str], tz: ZoneInfo) -> dict[str, Any]:
    """A derived day as the API shows it."""
    return {
        "employee_code": employee.code, "employee_name": employee.name, "work_date": row.work_date.isoformat(),
        "shift": shift_codes.get(row.shift_id) if row.shift_id else None, "status": row.status,
        "first_in": iso_utc(row.first_in), "last_out": iso_utc(row.last_out),
        "first_in_local": iso_local(row.first_in, tz), "last_out_local": iso_local(row.last_out, tz),
        "worked_minutes": row.worked_minutes, "late_minutes": row.late_minutes,
        "early_exit_minutes": row.early_exit_minutes, "overtime_minutes": row.overtime_minutes,
        "flags": [flag for flag in row.flags.split(",") if flag],
    }


def _filtered_employees(department: str | None, shift: str | None, only: Employee | None) -> list[Employee]:
    query = Employee.select(Employee, Department).join(Department, JOIN.LEFT_OUTER,
                                                       on=(Employee.department == Department.id), attr="dept")
    if only is not None:
        query = query.where(Employee.id == only.id)
    if department:
        query = query.where(Department.name == department)
    if shift:
        query = query.where(Employee.default_shift.in_(Shift.select(Shift.id).where(Shift.code == shift)))
    return list(query.order_by(Employee.code))


def list_days(ctx: ServiceContext, user: User, employee_code: str | None, start: date, end: date,
              department: str | None = None, shift: str | None = None) -> list[dict[str, Any]]:
    """Derived days (filter by department, or by the day's shift); an employee sees only their own."""
    check_range(start, end)
    if sees_nobody(user) and not employee_code:
        return []
    employee = visible_employee(user, employee_code)
    if employee is None and (end - start).days >= EVERYONE_DAY_DAYS:
        raise InvalidInput(f"everyone's days come at most {EVERYONE_DAY_DAYS} days at a time", "to", "out_of_range")
    tz = store_tz(ctx)
    shift_codes = {int(row.id): row.code for row in Shift.select(Shift.id, Shift.code)}
    query = (AttendanceDay.select(AttendanceDay, Employee).join(Employee)
             .where(AttendanceDay.work_date.between(start, end)).order_by(Employee.code, AttendanceDay.work_date))
    if employee is not None:
        query = query.where(AttendanceDay.employee == employee)
    if department:
        query = query.where(Employee.department.in_(Department.select(Department.id)
                                                    .where(Department.name == department)))
    if shift:
        query = query.where(AttendanceDay.shift.in_(Shift.select(Shift.id).where(Shift.code == shift)))
    return [day_view(row, row.employee, shift_codes, tz) for row in query]


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return csv_text(header, rows)


def _month_rows(month: str, department: str | None, shift: str | None) -> tuple[
        date, date, list[Employee], dict[int, dict[date, AttendanceDay]], dict[int, str]]:
    first, last = parse_month(month)
    employees = [e for e in _filtered_employees(department, shift, None)
                 if any(_employed(e, day) for day in (first, last)) or first <= e.joined_on <= last]
    days: dict[int, dict[date, AttendanceDay]] = defaultdict(dict)
    for row in AttendanceDay.select().where(AttendanceDay.work_date.between(first, last)):
        days[row.employee_id][row.work_date] = row
    shift_codes = {int(row.id): row.code for row in Shift.select(Shift.id, Shift.code)}
    return first, last, employees, days, shift_codes


REGISTER_TOTALS = ("present", "half_days", "absent", "leave", "holidays", "weekly_offs", "worked_minutes",
                   "overtime_minutes", "late_minutes", "flagged_days")


def register_csv(ctx: ServiceContext, month: str, department: str | None = None, shift: str | None = None) -> str:
    """The monthly attendance register: one row per employee, one column per day, then the month's totals.

    Cells: P present, HD half day, A absent, L leave, H holiday, WO weekly off, blank not derived; a ``*``
    marks a day still missing a punch.
    """
    first, last, employees, days, shift_codes = _month_rows(month, department, shift)
    dates = _dates(first, last)
    header = ["employee_code", "employee_name", "department", "shift", *(f"{d.day:02d}" for d in dates),
              *REGISTER_TOTALS]
    rows = []
    for employee in employees:
        mine = days.get(int(employee.id), {})
        totals = Counter[str]()
        cells = []
        for day in dates:
            row = mine.get(day)
            if row is None:
                cells.append("")
                continue
            flagged = bool(rules.UNRESOLVED.intersection(row.flags.split(",")))
            cells.append(STATUS_CODES[DayStatus(row.status)] + ("*" if flagged else ""))
            totals[row.status] += 1
            totals["worked_minutes"] += row.worked_minutes
            totals["overtime_minutes"] += row.overtime_minutes
            totals["late_minutes"] += row.late_minutes
            totals["flagged_days"] += int(flagged)
        rows.append([
            employee.code, employee.name, employee.dept.name if employee.department_id else "",
            shift_codes.get(employee.default_shift_id, "") if employee.default_shift_id else "", *cells,
            totals["present"], totals["half_day"], totals["absent"], totals["leave"], totals["holiday"],
            totals["off"], totals["worked_minutes"], totals["overtime_minutes"], totals["late_minutes"],
            totals["flagged_days"],
        ])
    return _csv(header, rows)


REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "overtime": ("employee_code", "employee_name", "department", "shift", "overtime_minutes",
                 "overtime_weekday_minutes", "overtime_weekend_minutes", "overtime_holiday_minutes",
                 "days_with_overtime"),
    "late": ("employee_code", "employee_name", "department", "shift", "late_days", "late_minutes",
             "early_exit_days", "early_exit_minutes"),
    "leave": ("employee_code", "employee_name", "department", "shift", "leave_type", "paid", "days"),
}


def report(ctx: ServiceContext, kind: str, month: str, department: str | None = None,
           shift: str | None = None) -> list[dict[str, Any]]:
    """The month's overtime, late-arrival or leave report, one row per employee (per leave type for leave)."""
    if kind not in REPORT_COLUMNS:
        raise NotFound(f"no report {kind!r}", "kind")
    first, last, employees, days, shift_codes = _month_rows(month, department, shift)
    rows: list[dict[str, Any]] = []
    leaves = approved_leave(None, first, last) if kind == "leave" else {}
    for employee in employees:
        base = {"employee_code": employee.code, "employee_name": employee.name,
                "department": employee.dept.name if employee.department_id else "",
                "shift": shift_codes.get(employee.default_shift_id, "") if employee.default_shift_id else ""}
        mine = sorted(days.get(int(employee.id), {}).values(), key=lambda row: row.work_date)
        if kind == "overtime":
            by_type = Counter[str]()
            for row in mine:
                status = DayStatus(row.status)
                kind_of_day = "holiday" if status == DayStatus.HOLIDAY else (
                    "weekend" if status == DayStatus.OFF else "weekday")
                by_type[kind_of_day] += row.overtime_minutes
            total = sum(by_type.values())
            if total:
                rows.append({**base, "overtime_minutes": total, "overtime_weekday_minutes": by_type["weekday"],
                             "overtime_weekend_minutes": by_type["weekend"],
                             "overtime_holiday_minutes": by_type["holiday"],
                             "days_with_overtime": sum(1 for row in mine if row.overtime_minutes)})
        elif kind == "late":
            late = [row for row in mine if row.late_minutes]
            early = [row for row in mine if row.early_exit_minutes]
            if late or early:
                rows.append({**base, "late_days": len(late), "late_minutes": sum(r.late_minutes for r in late),
                             "early_exit_days": len(early),
                             "early_exit_minutes": sum(r.early_exit_minutes for r in early)})
        else:
            taken: dict[tuple[str, bool], int] = defaultdict(int)
            for row in mine:
                leave = leaves.get(int(employee.id), {}).get(row.work_date)
                if leave is not None and row.status in (DayStatus.LEAVE, DayStatus.HALF_DAY):
                    taken[(leave.leave_type, leave.paid)] += leave.days_milli
            for (code, paid), milli in sorted(taken.items()):
                rows.append({**base, "leave_type": code, "paid": paid, "days": f"{milli // 1000}.{milli % 1000:03d}"})
    return rows


def report_csv(ctx: ServiceContext, kind: str, month: str, department: str | None = None,
               shift: str | None = None) -> str:
    """A report as CSV (RFC 4180, CRLF; text cells that look like formulas get a leading ')."""
    rows = report(ctx, kind, month, department, shift)
    columns = REPORT_COLUMNS[kind]
    return _csv(columns, ([row[name] for name in columns] for row in rows))


# ------------------------------------------------------------------------------------------- leave


def ensure_leave_types(ctx: ServiceContext) -> list[LeaveType]:
    """The store's leave types; seeds CL (12 days, monthly), SL (7 days, yearly), LWP (unpaid) when there are none."""
    types = list(LeaveType.select().order_by(LeaveType.code))
    if types:
        return types
    with write_transaction(ctx.db):
        if not LeaveType.select().exists():
            for code, name, paid, annual, accrual, carry in DEFAULT_LEAVE_TYPES:
                LeaveType.create(code=code, name=name, paid=paid, annual_days_milli=annual, accrual=accrual,
                                 carry_forward_max_milli=carry)
    return list(LeaveType.select().order_by(LeaveType.code))


def leave_type_view(row: LeaveType) -> dict[str, Any]:
    """A leave type as the API shows it."""
    return {"code": row.code, "name": row.name, "paid": bool(row.paid), "annual_days_milli": row.annual_days_milli,
            "accrual": row.accrual, "carry_forward_max_milli": row.carry_forward_max_milli}


def _leave_type(ctx: ServiceContext, code: str) -> LeaveType:
    for row in ensure_leave_types(ctx):
        if row.code == code:
            return row
    raise NotFound(f"no leave type {code!r}", "leave_type")


def _domain_request(row: LeaveRequest, employee: Employee, type_code: str) -> leave_rules.LeaveRequest:
    return leave_rules.LeaveRequest(
        employee_id=employee.code, leave_type=type_code, start=row.start_date, end=row.end_date,
        half_day=bool(row.half_day), days_milli=row.days_milli, reason=row.reason,
        status=leave_rules.LeaveStatus(row.status))


def leave_balance(employee: Employee, leave_type: LeaveType, year: int, as_of: date,
                  exclude_request: int | None = None) -> leave_rules.LeaveBalanceView:
    """An employee's balance of one leave type in a year, as of a date (the domain's accrual and carry-forward).

    ``exclude_request`` leaves one request out of the pending total (approving it checks the rest).
    """
    rule = leave_type_rule(leave_type)
    used: dict[int, int] = defaultdict(int)
    pending = 0
    for row in LeaveRequest.select().where((LeaveRequest.employee == employee)
                                           & (LeaveRequest.leave_type == leave_type)
                                           & LeaveRequest.status.in_(("approved", "pending"))):
        if row.status == "approved":
            used[row.start_date.year] += row.days_milli
        elif row.start_date.year == year and row.id != exclude_request:
            pending += row.days_milli
    carried = 0
    if rule.carry_forward_max_milli:
        for past in range(max(employee.joined_on.year, year - 50), year):
            closing = carried + leave_rules.accrued(rule, past, date(past, 12, 31), employee.joined_on) - used[past]
            carried = leave_rules.carry_forward(rule, closing)
    return leave_rules.balance(rule, year, as_of, used_milli=used[year], carried_milli=carried,
                               pending_milli=pending, joined_on=employee.joined_on)


def balances(ctx: ServiceContext, user: User, employee_code: str | None,
             year: int | None = None) -> list[dict[str, Any]]:
    """Leave balances of an employee (own for employees; any for HR, managers, admin) for a year, as of today."""
    if sees_nobody(user) and not employee_code:
        return []
    employee = visible_employee(user, employee_code)
    if employee is None:
        if user.employee_id is None:
            raise InvalidInput("say whose balances", "employee")
        employee = user.employee
    now = today(ctx)
    year = year or now.year
    as_of = min(max(now, date(year, 1, 1)), date(year, 12, 31))
    items = []
    for row in ensure_leave_types(ctx):
        view = leave_balance(employee, row, year, as_of)
        items.append({"employee_code": employee.code, "leave_type": row.code, "name": row.name,
                      "paid": bool(row.paid), "year": year, "as_of": as_of.isoformat(),
                      "carried_milli": view.carried_milli, "accrued_milli": view.accrued_milli,
                      "used_milli": view.used_milli, "pending_milli": view.pending_milli,
                      "available_milli": view.available_milli})
    return items


def _working_calendar(ctx: ServiceContext, employee: Employee, start: date, end: date) -> tuple[set[date], set[date]]:
    """Holidays and weekly offs of an employee from ``start`` to ``end``."""
    schedule = load_schedules(ctx, [employee], start, end)[int(employee.id)]
    offs = {day for day in _dates(start, end) if schedule.is_off(day)}
    return holidays_between(start, end), offs


def leave_view(row: LeaveRequest, employee: Employee, type_code: str) -> dict[str, Any]:
    """A leave request as the API shows it."""
    return {
        "id": str(row.uuid), "employee_code": employee.code, "employee_name": employee.name,
        "leave_type": type_code, "from": row.start_date.isoformat(), "to": row.end_date.isoformat(),
        "half_day": bool(row.half_day), "days_milli": row.days_milli, "reason": row.reason, "status": row.status,
        "decided_by": row.decided_by.username if row.decided_by_id else None,
        "decided_at": iso_utc(row.decided_at), "decision_note": row.decision_note,
        "created_at": iso_utc(row.created_at),
    }


def _store_balance(employee: Employee, leave_type: LeaveType, year: int, as_of: date) -> None:
    view = leave_balance(employee, leave_type, year, as_of)
    updated = LeaveBalance.update(accrued_milli=view.accrued_milli, used_milli=view.used_milli).where(
        (LeaveBalance.employee == employee) & (LeaveBalance.leave_type == leave_type)
        & (LeaveBalance.year == year)).execute()
    if not updated:
        LeaveBalance.create(employee=employee, leave_type=leave_type, year=year, accrued_milli=view.accrued_milli,
                            used_milli=view.used_milli)


def request_leave(ctx: ServiceContext, user: User, *, leave_type: str, start: date, end: date,
                  half_day: bool = False, reason: str = "", employee_code: str | None = None) -> dict[str, Any]:
    """A pending leave request: an employee for themself; HR or a manager for anyone. Paid leave must fit the
    balance (accrued as of the start date, pending requests deducted); only working days count."""
    if employee_code and user.role in DECIDER_ROLES:
        employee = _employee(employee_code)
    else:
        employee = _linked_employee(user)
        if employee_code and employee_code != employee.code:
            raise Forbidden("you may ask for leave only for yourself", "employee", "own_records_only")
    kind = _leave_type(ctx, leave_type)
    with write_transaction(ctx.db):
        if not is_sqlite(ctx.db):
            Employee.select(Employee.id).where(Employee.id == employee.id).for_update().execute()
        if start < employee.joined_on or (employee.left_on is not None and end > employee.left_on):
            raise InvalidInput("the leave falls outside the employment", "from", "outside_employment")
        overlapping = LeaveRequest.select().where(
            (LeaveRequest.employee == employee) & LeaveRequest.status.in_(("pending", "approved"))
            & (LeaveRequest.start_date <= end) & (LeaveRequest.end_date >= start)).exists()
        if overlapping:
            raise Conflict("another pending or approved request covers some of these dates", "from", "overlapping")
        holidays, offs = _working_calendar(ctx, employee, start, end)
        available = leave_balance(employee, kind, start.year, start).available_milli
        try:
            request = leave_rules.new_request(employee.code, leave_type_rule(kind), start, end, half_day=half_day,
                                              holidays=holidays, weekly_offs=offs, available_milli=available,
                                              reason=reason)
        except RuleError as exc:
            raise _rule_error(exc) from exc
        row = LeaveRequest.create(employee=employee, leave_type=kind, start_date=start, end_date=end,
                                  half_day=half_day, days_milli=request.days_milli, reason=request.reason,
                                  status="pending", created_at=ctx.now())
        view = leave_view(row, employee, kind.code)
        record_audit(ctx, "leave.requested", user, "leave_request", str(row.uuid),
                     details={"employee": employee.code, "leave_type": kind.code, "from": start.isoformat(),
                              "to": end.isoformat(), "days_milli": row.days_milli})
        enqueue("leave.requested", row.uuid, view)
    return view


def decide_leave(ctx: ServiceContext, user: User, request_id: str, decision: str, note: str = "") -> dict[str, Any]:
    """HR or a manager approves or rejects a pending request (never their own); approval re-checks the balance,
    and approved days are derived again (they show as leave)."""
    by_employee = user.employee.code if user.employee_id else None
    with write_transaction(ctx.db):
        row = by_uuid(LeaveRequest, request_id, "request_id", "leave request", lock=True)
        employee, kind = row.employee, row.leave_type
        available = leave_balance(employee, kind, row.start_date.year, row.start_date,
                                  exclude_request=int(row.id)).available_milli
        try:
            decided = leave_rules.decide(_domain_request(row, employee, kind.code), decision,
                                         rule=leave_type_rule(kind), by_role=user.role, by_employee_id=by_employee,
                                         at=ctx.now(), available_milli=available, note=note)
        except RuleError as exc:
            if exc.code in ("not_allowed", "own_request"):
                raise Forbidden(exc.message, exc.field, exc.code) from exc
            if exc.code == "not_pending":
                raise Conflict(exc.message, exc.field, exc.code) from exc
            raise _rule_error(exc) from exc
        LeaveRequest.update(status=decided.status.value, decided_by=user, decided_at=decided.decided_at,
                            decision_note=decided.decision_note).where(LeaveRequest.id == row.id).execute()
        row = LeaveRequest.get_by_id(row.id)
        if decided.status == leave_rules.LeaveStatus.APPROVED:
            _store_balance(employee, kind, row.start_date.year, row.start_date)
        view = leave_view(row, employee, kind.code)
        record_audit(ctx, "leave.decided", user, "leave_request", str(row.uuid),
                     details={"employee": employee.code, "decision": decided.status.value,
                              "note": decided.decision_note})
        enqueue("leave.decided", row.uuid, view)
    if decided.status == leave_rules.LeaveStatus.APPROVED:
        rederive_after_change(ctx, employee, row.start_date, row.end_date)
    return view


def cancel_leave(ctx: ServiceContext, user: User, request_id: str, note: str = "") -> dict[str, Any]:
    """Withdraw a request: the employee their own pending one; HR or a manager any pending or approved one (not
    their own approved one). Cancelled approved days are derived again."""
    by_employee = user.employee.code if user.employee_id else None
    with write_transaction(ctx.db):
        row = by_uuid(LeaveRequest, request_id, "request_id", "leave request", lock=True)
        employee, kind = row.employee, row.leave_type
        was_approved = row.status == "approved"
        try:
            cancelled = leave_rules.cancel(_domain_request(row, employee, kind.code), by_role=user.role,
                                           by_employee_id=by_employee, at=ctx.now(), note=note)
        except RuleError as exc:
            if exc.code == "not_allowed":
                raise Forbidden(exc.message, exc.field, exc.code) from exc
            raise Conflict(exc.message, exc.field, exc.code) from exc
        LeaveRequest.update(status=cancelled.status.value, decided_by=user, decided_at=cancelled.decided_at,
                            decision_note=cancelled.decision_note).where(LeaveRequest.id == row.id).execute()
        row = LeaveRequest.get_by_id(row.id)
        if was_approved:
            _store_balance(employee, kind, row.start_date.year, row.start_date)
        view = leave_view(row, employee, kind.code)
        record_audit(ctx, "leave.cancelled", user, "leave_request", str(row.uuid),
                     details={"employee": employee.code, "was": "approved" if was_approved else "pending",
                              "note": cancelled.decision_note})
        enqueue("leave.cancelled", row.uuid, view)
    if was_approved:
        rederive_after_change(ctx, employee, row.start_date, row.end_date)
    return view


def list_leave(ctx: ServiceContext, user: User, employee_code: str | None = None, status: str | None = None,
               start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    """Leave requests (newest first); an employee sees only their own."""
    if sees_nobody(user) and not employee_code:
        return []
    employee = visible_employee(user, employee_code)
    query = (LeaveRequest.select(LeaveRequest, Employee, LeaveType).join(Employee)
             .switch(LeaveRequest).join(LeaveType).order_by(LeaveRequest.created_at.desc(), LeaveRequest.id.desc()))
    if employee is not None:
        query = query.where(LeaveRequest.employee == employee)
    if status:
        query = query.where(LeaveRequest.status == status)
    if start is not None:
        query = query.where(LeaveRequest.end_date >= start)
    if end is not None:
        query = query.where(LeaveRequest.start_date <= end)
    return [leave_view(row, row.employee, row.leave_type.code) for row in query.limit(1000)]
