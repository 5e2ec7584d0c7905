"""Attendance: shifts, punches, work dates, daily attendance and overtime (rules in docs/attendance-rules.md).

Punch times are naive UTC datetimes; shift times are store-local wall times, turned into UTC with the
``tz`` passed in. A work date is the store-local date on which the shift *started*, so the hours of a
night shift (22:00-06:00) belong to the day it started. Durations are integer minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from edge.domain.errors import RuleError
from edge.domain.leave import LeaveDay

DOUBLE_TAP_SECONDS = 60  # default window in which repeated taps are one punch
CHECKOUT_TAIL_MINUTES = 240  # default: punches up to 4 h after a shift's end still belong to it
BREAK_AFTER_MINUTES = 300  # Factories Act s.55: no more than 5 h of work before a rest interval
WEEKLY_THRESHOLD_MINUTES = 2880  # Factories Act s.51: 48 h a week
SUNDAY = 6  # Factories Act s.2(f): a week begins at midnight on Saturday night
CORRECTION_ROLES = frozenset({"hr", "manager"})


class HoursMode(StrEnum):
    """How worked time is measured: first in to last out, or the sum of every in/out pair."""

    FIRST_LAST = "first_last"
    PAIRS = "pairs"


class Direction(StrEnum):
    """An explicit punch direction (a punch without one is decided by alternation)."""

    IN = "in"
    OUT = "out"


class PunchSource(StrEnum):
    """Where a punch came from."""

    BADGE = "badge"
    FINGERPRINT = "fingerprint"
    TERMINAL = "terminal"
    APP = "app"
    MANUAL = "manual"


class DayStatus(StrEnum):
    """The attendance status of one work date."""

    PRESENT = "present"
    HALF_DAY = "half_day"
    ABSENT = "absent"
    LEAVE = "leave"
    HOLIDAY = "holiday"
    OFF = "off"


class DayType(StrEnum):
    """The kind of day, which decides the overtime multiplier."""

    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class Flag(StrEnum):
    """Something about a day that HR should look at; nothing flagged is ever guessed."""

    MISSING_IN = "missing_in"
    MISSING_OUT = "missing_out"
    OUTSIDE_WINDOW = "outside_window"
    WORKED_ON_LEAVE = "worked_on_leave"
    LEAVE_ON_DAY_OFF = "leave_on_day_off"
    WEEKLY_OVERTIME = "weekly_overtime"


UNRESOLVED = frozenset({Flag.MISSING_IN, Flag.MISSING_OUT})


def _minutes(value: int, field: str, *, positive: bool = False) -> int:
    """A whole number of minutes (or seconds), never negative (or never zero when ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{field} is a whole number", field, "not_integer")
    if value < 0 or (positive and value == 0):
        raise RuleError(f"{field} must be {'above' if positive else 'at least'} 0", field, "out_of_range")
    return value


def _naive(at: datetime, field: str) -> datetime:
    """A stored time: naive UTC."""
    if not isinstance(at, datetime):
        raise RuleError(f"{field} is a date and time", field, "not_datetime")
    if at.tzinfo is not None:
        raise RuleError("punch times are naive UTC datetimes", field, "naive_utc_required")
    return at


def to_utc(work_date: date, at: time, tz: tzinfo) -> datetime:
    """A store-local wall time on a date as a naive UTC datetime."""
    return datetime.combine(work_date, at).replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def local_date(at: datetime, tz: tzinfo) -> date:
    """The store-local calendar date of a naive UTC time."""
    return at.replace(tzinfo=UTC).astimezone(tz).date()


@dataclass(frozen=True)
class ShiftRule:
    """A shift: local start and end (end at or before start crosses midnight), break, grace and thresholds."""

    code: str
    start: time
    end: time
    break_minutes: int = 0
    grace_late_minutes: int = 0
    grace_early_minutes: int = 0
    checkin_window_minutes: int = 60
    hours_mode: HoursMode = HoursMode.FIRST_LAST
    half_day_minutes: int = 240
    absent_minutes: int = 120
    checkout_tail_minutes: int = CHECKOUT_TAIL_MINUTES
    break_after_minutes: int = BREAK_AFTER_MINUTES

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise RuleError("a shift starts and ends at a time of day", "start", "not_time")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise RuleError("shift times are store-local wall times without a zone", "start", "local_time_required")
        if self.start == self.end:
            raise RuleError("a shift cannot start and end at the same time", "end", "zero_length")
        for name in ("break_minutes", "grace_late_minutes", "grace_early_minutes", "checkin_window_minutes",
                     "half_day_minutes", "absent_minutes", "checkout_tail_minutes", "break_after_minutes"):
            _minutes(getattr(self, name), name)
        try:
            object.__setattr__(self, "hours_mode", HoursMode(self.hours_mode))
        except ValueError as exc:
            raise RuleError("hours are counted first_last or pairs", "hours_mode", "invalid_choice") from exc
        if self.break_minutes >= self.length_minutes:
            raise RuleError("the break must be shorter than the shift", "break_minutes", "out_of_range")
        if self.absent_minutes > self.half_day_minutes:
            raise RuleError("the absent threshold cannot exceed the half-day threshold", "absent_minutes",
                            "out_of_range")

    @property
    def crosses_midnight(self) -> bool:
        """Whether the shift ends on the next local day."""
        return self.end <= self.start

    @property
    def length_minutes(self) -> int:
        """Minutes from start to end on the wall clock, break included."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % (24 * 60) or 24 * 60

    @property
    def net_minutes(self) -> int:
        """Minutes of work the shift asks for: its length less the break."""
        return self.length_minutes - self.break_minutes


def shift_window(shift: ShiftRule, work_date: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The scheduled start and end of a shift worked on ``work_date``, as naive UTC."""
    start = to_utc(work_date, shift.start, tz)
    end = to_utc(work_date + timedelta(days=1) if shift.crosses_midnight else work_date, shift.end, tz)
    return start, end


def punch_window(shift: ShiftRule, work_date: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The times whose punches belong to this shift: [start - check-in window, end + tail], naive UTC."""
    start, end = shift_window(shift, work_date, tz)
    return (start - timedelta(minutes=shift.checkin_window_minutes),
            end + timedelta(minutes=shift.checkout_tail_minutes))


@dataclass(frozen=True)
class PunchIn:
    """One punch: when (naive UTC), its explicit direction if any, its source; ``ref`` is the caller's id."""

    at: datetime
    direction: Direction | None = None
    source: PunchSource = PunchSource.TERMINAL
    ref: str = ""

    def __post_init__(self) -> None:
        _naive(self.at, "at")
        try:
            if self.direction is not None:
                object.__setattr__(self, "direction", Direction(self.direction))
        except ValueError as exc:
            raise RuleError("a punch is in, out, or left to alternation", "direction", "invalid_choice") from exc
        try:
            object.__setattr__(self, "source", PunchSource(self.source))
        except ValueError as exc:
            choices = ", ".join(PunchSource)
            raise RuleError(f"a punch comes from one of: {choices}", "source", "invalid_choice") from exc


def dedupe(punches: Iterable[PunchIn], window_s: int = DOUBLE_TAP_SECONDS) -> list[PunchIn]:
    """Punches in time order without double taps: a tap at most ``window_s`` after the last kept one is dropped.

    Taps from any source count; a tap is kept only if both it and the last kept punch carry explicit,
    different directions (an ``in`` then an ``out`` is what the person asked for).
    """
    _minutes(window_s, "window_s")
    kept: list[PunchIn] = []
    for punch in sorted(punches, key=lambda item: item.at):
        if kept:
            last = kept[-1]
            close = (punch.at - last.at) <= timedelta(seconds=window_s)
            opposite = (punch.direction is not None and last.direction is not None
                        and punch.direction != last.direction)
            if close and not opposite:
                continue
        kept.append(punch)
    return kept


def assign_work_date(punch: PunchIn, roster: Mapping[date, ShiftRule | None], tz: tzinfo,
                     default_shift: ShiftRule | None = None) -> date:
    """The work date a punch belongs to: the one whose shift's punch window holds it.

    ``roster`` maps a date to its shift (None: weekly off); a date missing from it, or off, is matched
    with ``default_shift`` (the employee's usual timing), so work on a day off still lands on the day its
    shift would have started. Several windows: an ``in`` goes to the nearest start, an ``out`` to the
    nearest end, a punch without direction to the nearest start or end; ties go to the earlier date.
    No window: the punch's own local date.
    """
    at = punch.at
    here = local_date(at, tz)
    candidates: list[tuple[int, int]] = []
    for offset in (-1, 0, 1):
        day = here + timedelta(days=offset)
        shift = roster.get(day) or default_shift
        if shift is None:
            continue
        low, high = punch_window(shift, day, tz)
        if not low <= at <= high:
            continue
        start, end = shift_window(shift, day, tz)
        to_start, to_end = abs(at - start), abs(at - end)
        if punch.direction == Direction.IN:
            distance = to_start
        elif punch.direction == Direction.OUT:
            distance = to_end
        else:
            distance = min(to_start, to_end)
        candidates.append((int(distance.total_seconds()), day.toordinal()))
    if not candidates:
        return here
    return date.fromordinal(min(candidates)[1])


@dataclass(frozen=True)
class PunchPair:
    """An in and its out; a side that is None was never punched (and is never guessed)."""

    in_at: datetime | None
    out_at: datetime | None

    @property
    def complete(self) -> bool:
        """Whether both sides were punched."""
        return self.in_at is not None and self.out_at is not None


@dataclass(frozen=True)
class Pairing:
    """Punches of a day paired in time order, and what was missing."""

    pairs: tuple[PunchPair, ...]
    flags: tuple[Flag, ...]


def _flags(found: Iterable[Flag]) -> tuple[Flag, ...]:
    """Flags without repeats, in a stable order."""
    return tuple(sorted(set(found)))


def pair(punches: Iterable[PunchIn]) -> Pairing:
    """Pair a day's punches: explicit directions as given, the rest by alternation (in when none is open).

    An in while another is open closes nothing: the open one becomes a pair without out (missing_out).
    An out with nothing open becomes a pair without in (missing_in). Nothing is guessed.
    """
    pairs: list[PunchPair] = []
    flags: list[Flag] = []
    open_in: datetime | None = None
    for punch in sorted(punches, key=lambda item: item.at):
        direction = punch.direction or (Direction.IN if open_in is None else Direction.OUT)
        if direction == Direction.IN:
            if open_in is not None:
                pairs.append(PunchPair(open_in, None))
                flags.append(Flag.MISSING_OUT)
            open_in = punch.at
        elif open_in is None:
            pairs.append(PunchPair(None, punch.at))
            flags.append(Flag.MISSING_IN)
        else:
            pairs.append(PunchPair(open_in, punch.at))
            open_in = None
    if open_in is not None:
        pairs.append(PunchPair(open_in, None))
        flags.append(Flag.MISSING_OUT)
    return Pairing(tuple(pairs), _flags(flags))


def _first_last(punches: Sequence[PunchIn]) -> Pairing:
    """First punch as in, last as out; directions matter only at the two ends."""
    if not punches:
        return Pairing((), ())
    first, last = punches[0], punches[-1]
    if len(punches) == 1:
        if first.direction == Direction.OUT:
            return Pairing((PunchPair(None, first.at),), (Flag.MISSING_IN,))
        return Pairing((PunchPair(first.at, None),), (Flag.MISSING_OUT,))
    flags: list[Flag] = []
    in_at: datetime | None = first.at
    out_at: datetime | None = last.at
    if first.direction == Direction.OUT:
        in_at = None
        flags.append(Flag.MISSING_IN)
    if last.direction == Direction.IN:
        out_at = None
        flags.append(Flag.MISSING_OUT)
    return Pairing((PunchPair(in_at, out_at),), _flags(flags))


@dataclass(frozen=True)
class OvertimePolicy:
    """Overtime thresholds (weekdays) and pay multipliers in basis points per kind of day (2x = 20000)."""

    weekday_multiplier_bp: int = 20000
    weekend_multiplier_bp: int = 20000
    holiday_multiplier_bp: int = 20000
    daily_threshold_minutes: int = 0  # worked minutes beyond this are overtime; 0: beyond the shift's net length
    weekly_threshold_minutes: int = WEEKLY_THRESHOLD_MINUTES  # 0: no weekly rule
    week_starts_on: int = SUNDAY  # date.weekday() of a week's first day

    def __post_init__(self) -> None:
        for name in ("weekday_multiplier_bp", "weekend_multiplier_bp", "holiday_multiplier_bp",
                     "daily_threshold_minutes", "weekly_threshold_minutes"):
            _minutes(getattr(self, name), name)
        if not 0 <= _minutes(self.week_starts_on, "week_starts_on") <= 6:
            raise RuleError("a week starts on a weekday 0 (Monday) to 6 (Sunday)", "week_starts_on", "out_of_range")

    def multiplier_bp(self, day_type: DayType) -> int:
        """The overtime pay multiplier for a kind of day, in basis points."""
        return {
            DayType.WEEKDAY: self.weekday_multiplier_bp,
            DayType.WEEKEND: self.weekend_multiplier_bp,
            DayType.HOLIDAY: self.holiday_multiplier_bp,
        }[DayType(day_type)]


DEFAULT_POLICY = OvertimePolicy()


@dataclass(frozen=True)
class DayResult:
    """The derived attendance of one employee on one work date (times naive UTC, durations in minutes)."""

    work_date: date
    status: DayStatus
    day_type: DayType
    shift_code: str | None
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    early_exit_minutes: int
    overtime_minutes: int
    scheduled_minutes: int  # the shift's net length on a working day, else 0
    attended_milli: int  # 1000 present, 500 half a day, 0 none (always 0 on holidays and days off)
    leave: LeaveDay | None
    flags: tuple[Flag, ...]

    @property
    def leave_milli(self) -> int:
        """The part of the day on leave, in thousandths."""
        return self.leave.days_milli if self.leave is not None else 0

    @property
    def flags_text(self) -> str:
        """Flags as stored: comma-separated."""
        return ",".join(self.flags)


def _clip(pairs: Iterable[PunchPair], not_before: datetime | None) -> list[tuple[datetime, datetime]]:
    """Complete pairs as intervals, starting no earlier than ``not_before``; empty ones dropped."""
    intervals: list[tuple[datetime, datetime]] = []
    for item in pairs:
        if item.in_at is None or item.out_at is None:
            continue
        begin = item.in_at if not_before is None else max(item.in_at, not_before)
        if item.out_at > begin:
            intervals.append((begin, item.out_at))
    return intervals


def _worked(intervals: Sequence[tuple[datetime, datetime]], shift: ShiftRule | None) -> int:
    """Worked minutes: presence rounded down to the minute, less the part of the break not punched out.

    The break is taken from presence beyond ``break_after_minutes`` only, so the first 5 h are never reduced.
    """
    seconds = sum(int((end - begin).total_seconds()) for begin, end in intervals)
    raw = seconds // 60
    if shift is None or shift.break_minutes == 0:
        return raw
    gaps = sum(int((intervals[i + 1][0] - intervals[i][1]).total_seconds()) for i in range(len(intervals) - 1))
    unpunched_break = max(0, shift.break_minutes - gaps // 60)
    return raw - min(unpunched_break, max(0, raw - shift.break_after_minutes))


def _ceil_minutes(delta: timedelta) -> int:
    """A positive span in minutes, any started minute counted."""
    return math.ceil(delta.total_seconds() / 60)


def day_attendance(work_date: date, shift: ShiftRule | None, punches: Iterable[PunchIn], *, tz: tzinfo,
                   is_holiday: bool = False, is_weekly_off: bool = False, on_leave: LeaveDay | None = None,
                   policy: OvertimePolicy = DEFAULT_POLICY) -> DayResult:
    """Derive a day: worked, late, early exit, overtime, status and flags (see docs/attendance-rules.md).

    ``punches`` are the day's punches, already deduplicated and assigned to ``work_date``. ``shift`` None
    means no shift is scheduled (a day off). On a holiday or day off every worked minute is overtime.
    """
    ordered = sorted(punches, key=lambda item: item.at)
    if is_holiday:
        day_type = DayType.HOLIDAY
    elif is_weekly_off or shift is None:
        day_type = DayType.WEEKEND
    else:
        day_type = DayType.WEEKDAY
    working = day_type == DayType.WEEKDAY and shift is not None
    if on_leave is not None and on_leave.work_date != work_date:
        raise RuleError(f"the leave day {on_leave.work_date} is not {work_date}", "on_leave", "wrong_date")

    mode = shift.hours_mode if shift is not None else HoursMode.FIRST_LAST
    pairing = pair(ordered) if mode == HoursMode.PAIRS else _first_last(ordered)
    flags = list(pairing.flags)
    ins = [item.in_at for item in pairing.pairs if item.in_at is not None]
    outs = [item.out_at for item in pairing.pairs if item.out_at is not None]
    first_in = min(ins) if ins else None
    last_out = max(outs) if outs else None

    late = early = scheduled = 0
    scheduled_start: datetime | None = None
    if working and shift is not None:
        scheduled = shift.net_minutes
        scheduled_start, scheduled_end = shift_window(shift, work_date, tz)
        low, high = punch_window(shift, work_date, tz)
        if any(not low <= item.at <= high for item in ordered):
            flags.append(Flag.OUTSIDE_WINDOW)
        if on_leave is None:
            if first_in is not None and first_in - scheduled_start > timedelta(minutes=shift.grace_late_minutes):
                late = _ceil_minutes(first_in - scheduled_start)
            if last_out is not None and scheduled_end - last_out > timedelta(minutes=shift.grace_early_minutes):
                early = _ceil_minutes(scheduled_end - last_out)

    worked = _worked(_clip(pairing.pairs, scheduled_start), shift)
    leave = on_leave
    attended = 0
    if not working or shift is None:
        status = DayStatus.HOLIDAY if day_type == DayType.HOLIDAY else DayStatus.OFF
        overtime = worked
        if leave is not None:
            flags.append(Flag.LEAVE_ON_DAY_OFF)
            leave = None
    else:
        threshold = policy.daily_threshold_minutes or shift.net_minutes
        overtime = max(0, worked - threshold)
        if leave is not None and not leave.half:
            status = DayStatus.LEAVE
            if worked > 0:
                flags.append(Flag.WORKED_ON_LEAVE)
        elif leave is not None:
            attended = 500 if worked >= shift.absent_minutes else 0
            status = DayStatus.HALF_DAY if attended else DayStatus.LEAVE
        elif worked < shift.absent_minutes:
            status = DayStatus.ABSENT
        elif worked < shift.half_day_minutes:
            status, attended = DayStatus.HALF_DAY, 500
        else:
            status, attended = DayStatus.PRESENT, 1000
    return DayResult(
        work_date=work_date, status=status, day_type=day_type,
        shift_code=shift.code if shift is not None else None, first_in=first_in, last_out=last_out,
        worked_minutes=worked, late_minutes=late, early_exit_minutes=early, overtime_minutes=overtime,
        scheduled_minutes=scheduled, attended_milli=attended, leave=leave, flags=_flags(flags),
    )


def week_start(day: date, week_starts_on: int = SUNDAY) -> date:
    """The first day of the week that holds ``day``."""
    return day - timedelta(days=(day.weekday() - week_starts_on) % 7)


def weekly_overtime(days: Iterable[DayResult], weekly_threshold_minutes: int,
                    week_starts_on: int = SUNDAY) -> list[DayResult]:
    """Days (same order) with ordinary minutes beyond the weekly threshold turned into overtime.

    Ordinary minutes (worked less daily overtime) are added up in date order within each week; once the
    running total passes the threshold, the excess on that day and every later day is overtime, at that
    day's multiplier. A threshold of 0 means no weekly rule. Applying this twice changes nothing more.
    """
    _minutes(weekly_threshold_minutes, "weekly_threshold_minutes")
    given = list(days)
    dates = [day.work_date for day in given]
    if len(set(dates)) != len(dates):
        raise RuleError("each work date may appear once", "days", "duplicate_date")
    if weekly_threshold_minutes == 0:
        return given
    updated: dict[date, DayResult] = {}
    running: dict[date, int] = {}
    for day in sorted(given, key=lambda item: item.work_date):
        week = week_start(day.work_date, week_starts_on)
        before = running.get(week, 0)
        ordinary = max(0, day.worked_minutes - day.overtime_minutes)
        running[week] = before + ordinary
        extra = min(ordinary, max(0, before + ordinary - weekly_threshold_minutes))
        if extra:
            day = replace(day, overtime_minutes=day.overtime_minutes + extra,
                          flags=_flags([*day.flags, Flag.WEEKLY_OVERTIME]))
        updated[day.work_date] = day
    return [updated[day.work_date] for day in given]


@dataclass(frozen=True)
class PunchCorrection:
    """HR's audited change to a day's punches: add a missing one, move or void one; reason and role kept."""

    original: PunchIn | None  # None: a missing punch is added
    replacement: PunchIn | None  # None: the original is voided
    reason: str
    by_role: str


def correct_punch(original: PunchIn | None, replacement: PunchIn | None, *, reason: str, by_role: str,
                  employee_id: str, by_employee_id: str | None) -> PunchCorrection:
    """A correction by HR or a manager with a reason; nobody corrects their own punches."""
    if original is None and replacement is None:
        raise RuleError("a correction adds, moves or voids a punch", "replacement", "nothing_to_correct")
    if by_role not in CORRECTION_ROLES:
        raise RuleError("only HR or a manager may correct punches", "by_role", "not_allowed")
    if by_employee_id is not None and by_employee_id == employee_id:
        raise RuleError("nobody may correct their own punches", "by_employee_id", "own_record")
    cleaned = reason.strip()
    if not cleaned:
        raise RuleError("a correction needs a reason", "reason", "reason_required")
    if replacement is not None and replacement.source != PunchSource.MANUAL:
        replacement = replace(replacement, source=PunchSource.MANUAL)
    if original is not None and replacement is not None and original.at == replacement.at \
            and original.direction == replacement.direction:
        raise RuleError("the corrected punch is the same as the original", "replacement", "unchanged")
    return PunchCorrection(original, replacement, cleaned, by_role)


def apply_corrections(punches: Iterable[PunchIn], corrections: Iterable[PunchCorrection]) -> list[PunchIn]:
    """The punches after corrections, in time order; correcting a punch that is not there is an error."""
    result = list(punches)
    for correction in corrections:
        if correction.original is not None:
            if correction.original not in result:
                raise RuleError("the punch to correct is not among the day's punches", "original", "unknown_punch")
            result.remove(correction.original)
        if correction.replacement is not None:
            result.append(correction.replacement)
    return sorted(result, key=lambda item: item.at)
