"""Attendance: shifts, double taps, work dates, pairing, daily results, overtime and punch corrections.

The worked examples are those of docs/attendance-rules.md; times in the tests are written in India's
time (IST = UTC+05:30) and stored as naive UTC, as the product does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from edge.domain.attendance import (
    DayStatus,
    DayType,
    Direction,
    Flag,
    HoursMode,
    OvertimePolicy,
    PunchIn,
    PunchPair,
    PunchSource,
    ShiftRule,
    apply_corrections,
    assign_work_date,
    correct_punch,
    day_attendance,
    dedupe,
    pair,
    punch_window,
    shift_window,
    week_start,
    weekly_overtime,
)
from edge.domain.leave import LeaveDay
from tests.unit.rules import refusal

IST = ZoneInfo("Asia/Kolkata")

# The demo factory's shifts (edge/services/demo_data.py): 8 h, 30 min break, 10 min grace, 60 min window.
A = ShiftRule("A", time(6, 0), time(14, 0), 30, 10, 10, 60)
B = ShiftRule("B", time(14, 0), time(22, 0), 30, 10, 10, 60)
C = ShiftRule("C", time(22, 0), time(6, 0), 30, 10, 10, 60)
A_PAIRS = ShiftRule("A", time(6, 0), time(14, 0), 30, 10, 10, 60, hours_mode=HoursMode.PAIRS)

TUE = date(2026, 3, 10)
WED = date(2026, 3, 11)


def ist(text: str) -> datetime:
    """A time written in India's time as the stored naive UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=IST).astimezone(UTC).replace(tzinfo=None)


def punch(text: str, direction: Direction | None = None, source: PunchSource = PunchSource.BADGE) -> PunchIn:
    """A punch at an IST time."""
    return PunchIn(ist(text), direction, source)


# --- shifts -------------------------------------------------------------------------------------------


def test_shift_lengths_and_the_night_shift_window() -> None:
    assert (A.length_minutes, A.net_minutes, A.crosses_midnight) == (480, 450, False)
    assert (C.length_minutes, C.net_minutes, C.crosses_midnight) == (480, 450, True)
    # Shift C on Tuesday 10 March: 22:00 IST = 16:30 UTC, to 06:00 IST Wednesday = 00:30 UTC.
    assert shift_window(C, TUE, IST) == (datetime(2026, 3, 10, 16, 30), datetime(2026, 3, 11, 0, 30))
    # Punches belong to it from 21:00 IST (60 min check-in window) to 10:00 IST (4 h tail).
    assert punch_window(C, TUE, IST) == (ist("2026-03-10 21:00"), ist("2026-03-11 10:00"))


def test_shift_rules_are_checked() -> None:
    assert refusal(lambda: ShiftRule("X", time(6), time(6))) == ("zero_length", "end")
    assert refusal(lambda: ShiftRule("X", time(6), time(7), break_minutes=60)) == ("out_of_range", "break_minutes")
    assert refusal(lambda: ShiftRule("X", time(6), time(14), half_day_minutes=100, absent_minutes=120)) == (
        "out_of_range",
        "absent_minutes",
    )
    assert refusal(lambda: ShiftRule("X", time(6), time(14), grace_late_minutes=-1)) == (
        "out_of_range",
        "grace_late_minutes",
    )
    assert refusal(lambda: ShiftRule("X", time(6), time(14), hours_mode="sometimes")) == (
        "invalid_choice",
        "hours_mode",
    )  # type: ignore[arg-type]
    assert ShiftRule("X", time(6), time(14), hours_mode="pairs").hours_mode is HoursMode.PAIRS  # type: ignore[arg-type]


def test_punches_are_naive_utc_with_a_known_source() -> None:
    assert refusal(lambda: PunchIn(datetime(2026, 3, 10, 6, 0, tzinfo=UTC))) == ("naive_utc_required", "at")
    assert refusal(lambda: PunchIn(datetime(2026, 3, 10, 6, 0), None, "carrier pigeon")) == ("invalid_choice", "source")  # type: ignore[arg-type]
    assert refusal(lambda: PunchIn(datetime(2026, 3, 10, 6, 0), "sideways")) == ("invalid_choice", "direction")  # type: ignore[arg-type]
    assert PunchIn(datetime(2026, 3, 10), "in", "app").direction is Direction.IN  # type: ignore[arg-type]


# --- double taps --------------------------------------------------------------------------------------


def test_a_double_tap_within_the_window_is_one_punch() -> None:
    first = punch("2026-03-10 05:57:10")
    again = punch("2026-03-10 05:57:40", source=PunchSource.FINGERPRINT)
    assert dedupe([again, first], 60) == [first]


def test_the_window_is_inclusive_and_counts_from_the_last_kept_punch() -> None:
    taps = [
        punch("2026-03-10 06:00:00"),
        punch("2026-03-10 06:00:40"),
        punch("2026-03-10 06:01:00"),
        punch("2026-03-10 06:01:01"),
    ]
    assert dedupe(taps, 60) == [taps[0], taps[3]]


def test_opposite_explicit_directions_are_both_kept() -> None:
    taps = [punch("2026-03-10 14:00:00", Direction.IN), punch("2026-03-10 14:00:10", Direction.OUT)]
    assert dedupe(taps, 60) == taps
    same = [punch("2026-03-10 14:00:00", Direction.OUT), punch("2026-03-10 14:00:10", Direction.OUT)]
    assert dedupe(same, 60) == same[:1]


@given(st.lists(st.integers(0, 4000), max_size=30), st.integers(0, 300))
def test_dedupe_keeps_punches_apart_and_is_idempotent(offsets: list[int], window: int) -> None:
    base = ist("2026-03-10 06:00")
    kept = dedupe([PunchIn(base + timedelta(seconds=s)) for s in offsets], window)
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(kept)]
    assert all(gap > window for gap in gaps)
    assert dedupe(kept, window) == kept
    assert len(kept) == 0 or kept[0].at == base + timedelta(seconds=min(offsets))


# --- work dates ---------------------------------------------------------------------------------------


def test_a_night_shift_punch_after_midnight_belongs_to_the_day_it_started() -> None:
    roster = {TUE: C, WED: C}
    assert assign_work_date(punch("2026-03-10 21:52"), roster, IST) == TUE
    assert assign_work_date(punch("2026-03-11 06:45"), roster, IST) == TUE
    assert assign_work_date(punch("2026-03-11 21:05"), roster, IST) == WED


def test_the_check_in_window_decides_the_first_punch() -> None:
    early_shift = ShiftRule("E", time(0, 30), time(8, 30), 30, 10, 10, 60)
    roster = {TUE: early_shift, WED: early_shift}
    # 23:45 on Tuesday is inside Wednesday's window (from 23:30 Tuesday).
    assert assign_work_date(punch("2026-03-10 23:45"), roster, IST) == WED
    # Outside every window: the punch's own local date.
    assert assign_work_date(punch("2026-03-10 18:00"), {TUE: A}, IST) == TUE


def test_a_double_shift_is_split_by_explicit_directions() -> None:
    roster = {TUE: C, WED: A}  # night shift Tuesday, then the morning shift on Wednesday
    assert assign_work_date(punch("2026-03-11 06:02", Direction.OUT), roster, IST) == TUE
    assert assign_work_date(punch("2026-03-11 06:03", Direction.IN), roster, IST) == WED
    # Without a direction the nearest start or end decides; a tie goes to the earlier date.
    assert assign_work_date(punch("2026-03-11 06:01"), roster, IST) == TUE
    assert assign_work_date(punch("2026-03-11 10:30"), roster, IST) == WED  # past C's 4 h tail


def test_work_on_a_day_off_follows_the_usual_shift() -> None:
    roster: dict[date, ShiftRule | None] = {TUE: None}
    assert assign_work_date(punch("2026-03-11 02:00"), roster, IST, default_shift=C) == TUE
    assert assign_work_date(punch("2026-03-11 02:00"), roster, IST) == WED


# --- pairing ------------------------------------------------------------------------------------------


def test_an_out_punch_alone_flags_missing_in() -> None:
    out = punch("2026-03-10 14:05", Direction.OUT)
    result = pair([out])
    assert result.pairs == (PunchPair(None, out.at),)
    assert result.flags == (Flag.MISSING_IN,)
    day = day_attendance(TUE, A, [out], tz=IST)
    assert day.flags == (Flag.MISSING_IN,)
    assert (day.worked_minutes, day.status, day.first_in, day.last_out) == (0, DayStatus.ABSENT, None, out.at)


def test_alternation_and_explicit_directions() -> None:
    p = [punch("2026-03-10 06:00"), punch("2026-03-10 10:00"), punch("2026-03-10 10:30"), punch("2026-03-10 14:00")]
    assert pair(p).pairs == (PunchPair(p[0].at, p[1].at), PunchPair(p[2].at, p[3].at))
    assert pair(p).flags == ()
    two_ins = [
        punch("2026-03-10 06:00", Direction.IN),
        punch("2026-03-10 10:30", Direction.IN),
        punch("2026-03-10 14:00"),
    ]
    result = pair(two_ins)
    assert result.pairs == (PunchPair(two_ins[0].at, None), PunchPair(two_ins[1].at, two_ins[2].at))
    assert result.flags == (Flag.MISSING_OUT,)


# --- worked examples (docs/attendance-rules.md) -------------------------------------------------------


def test_example_night_shift_across_midnight() -> None:
    day = day_attendance(TUE, C, [punch("2026-03-10 21:52"), punch("2026-03-11 06:45")], tz=IST)
    # Counted from 22:00 (not before the start): 22:00 -> 06:45 = 525 min; break 30 -> 495; shift 450 -> 45 OT.
    assert (day.status, day.day_type, day.work_date) == (DayStatus.PRESENT, DayType.WEEKDAY, TUE)
    assert (day.worked_minutes, day.overtime_minutes, day.late_minutes, day.early_exit_minutes) == (495, 45, 0, 0)
    assert (day.first_in, day.last_out) == (ist("2026-03-10 21:52"), ist("2026-03-11 06:45"))
    assert day.flags == ()


def test_example_missing_out_punch_then_corrected() -> None:
    came = punch("2026-03-10 06:04")
    day = day_attendance(TUE, A, [came], tz=IST)
    assert (day.status, day.worked_minutes, day.flags) == (DayStatus.ABSENT, 0, (Flag.MISSING_OUT,))
    assert day.late_minutes == 0  # 4 minutes, within the 10-minute grace
    fix = correct_punch(
        None,
        PunchIn(ist("2026-03-10 14:02"), Direction.OUT),
        reason="forgot to punch out",
        by_role="hr",
        employee_id="E0007",
        by_employee_id="E0250",
    )
    assert fix.replacement is not None and fix.replacement.source is PunchSource.MANUAL
    day = day_attendance(TUE, A, apply_corrections([came], [fix]), tz=IST)
    # 06:04 -> 14:02 = 478 min, less the 30 min break = 448.
    assert (day.status, day.worked_minutes, day.overtime_minutes, day.flags) == (DayStatus.PRESENT, 448, 0, ())


def test_example_double_tap_in_pairs_mode() -> None:
    taps = [
        punch("2026-03-10 05:57:10"),
        punch("2026-03-10 05:57:40", source=PunchSource.FINGERPRINT),
        punch("2026-03-10 10:00"),
        punch("2026-03-10 10:30"),
        punch("2026-03-10 14:00"),
    ]
    day = day_attendance(TUE, A_PAIRS, dedupe(taps, 60), tz=IST)
    # 06:00 -> 10:00 = 240, 10:30 -> 14:00 = 210; the 30-minute gap is the break, so nothing more is taken.
    assert (day.status, day.worked_minutes, day.overtime_minutes, day.flags) == (DayStatus.PRESENT, 450, 0, ())
    # Not deduplicated, the second tap would close a 0-minute pair and leave the 14:00 out open.
    raw = day_attendance(TUE, A_PAIRS, taps, tz=IST)
    assert (raw.status, raw.worked_minutes, raw.flags) == (DayStatus.ABSENT, 30, (Flag.MISSING_OUT,))


def test_example_a_holiday_worked_is_all_overtime() -> None:
    republic_day = date(2026, 1, 26)
    day = day_attendance(
        republic_day, A, [punch("2026-01-26 06:00"), punch("2026-01-26 12:30")], tz=IST, is_holiday=True
    )
    # 06:00 -> 12:30 = 390 min; break 30 (390 is past 5 h by 90) -> 360, every minute overtime.
    assert (day.status, day.day_type, day.worked_minutes, day.overtime_minutes) == (
        DayStatus.HOLIDAY,
        DayType.HOLIDAY,
        360,
        360,
    )
    assert (day.late_minutes, day.early_exit_minutes, day.scheduled_minutes, day.attended_milli) == (0, 0, 0, 0)


def test_example_a_leave_day() -> None:
    casual = LeaveDay(date(2026, 3, 12), "CL", paid=True)
    day = day_attendance(date(2026, 3, 12), A, [], tz=IST, on_leave=casual)
    assert (day.status, day.leave, day.leave_milli, day.attended_milli) == (DayStatus.LEAVE, casual, 1000, 0)
    assert (day.worked_minutes, day.late_minutes, day.early_exit_minutes, day.flags) == (0, 0, 0, ())


def test_example_a_half_day() -> None:
    day = day_attendance(TUE, A, [punch("2026-03-10 06:02"), punch("2026-03-10 10:00")], tz=IST)
    # 06:02 -> 10:00 = 238 min (under 5 h: no break taken); 120 <= 238 < 240 -> half day.
    assert (day.status, day.worked_minutes, day.attended_milli) == (DayStatus.HALF_DAY, 238, 500)
    assert (day.late_minutes, day.early_exit_minutes) == (0, 240)


# --- more rules ---------------------------------------------------------------------------------------


def test_a_punch_exactly_at_the_grace_limit_is_not_late() -> None:
    out = punch("2026-03-10 14:00")
    assert day_attendance(TUE, A, [punch("2026-03-10 06:10"), out], tz=IST).late_minutes == 0
    assert day_attendance(TUE, A, [punch("2026-03-10 06:10:30"), out], tz=IST).late_minutes == 11
    assert day_attendance(TUE, A, [punch("2026-03-10 06:11"), out], tz=IST).late_minutes == 11


def test_early_exit_beyond_its_grace() -> None:
    came = punch("2026-03-10 06:00")
    assert day_attendance(TUE, A, [came, punch("2026-03-10 13:50")], tz=IST).early_exit_minutes == 0
    assert day_attendance(TUE, A, [came, punch("2026-03-10 13:49")], tz=IST).early_exit_minutes == 11


def test_the_break_is_taken_only_from_time_beyond_five_hours() -> None:
    came = punch("2026-03-10 06:00")

    def worked(leaving: str) -> int:
        return day_attendance(TUE, A, [came, punch(leaving)], tz=IST).worked_minutes

    assert worked("2026-03-10 11:00") == 300
    assert worked("2026-03-10 11:20") == 300
    assert worked("2026-03-10 11:40") == 310
    assert worked("2026-03-10 14:00") == 450


def test_status_thresholds() -> None:
    came = punch("2026-03-10 06:00")
    statuses = [
        day_attendance(TUE, A, [came, punch(leaving)], tz=IST).status
        for leaving in ("2026-03-10 07:59", "2026-03-10 08:00", "2026-03-10 09:59", "2026-03-10 10:00")
    ]
    assert statuses == [DayStatus.ABSENT, DayStatus.HALF_DAY, DayStatus.HALF_DAY, DayStatus.PRESENT]
    assert day_attendance(TUE, A, [], tz=IST).status == DayStatus.ABSENT


def test_a_half_day_of_leave_and_half_a_day_worked() -> None:
    half = LeaveDay(TUE, "CL", paid=True, half=True)
    day = day_attendance(TUE, A, [punch("2026-03-10 10:00"), punch("2026-03-10 14:00")], tz=IST, on_leave=half)
    assert (day.status, day.attended_milli, day.leave_milli, day.late_minutes) == (DayStatus.HALF_DAY, 500, 500, 0)
    alone = day_attendance(TUE, A, [], tz=IST, on_leave=half)
    assert (alone.status, alone.attended_milli, alone.leave_milli) == (DayStatus.LEAVE, 0, 500)


def test_work_on_a_leave_day_is_flagged() -> None:
    day = day_attendance(
        TUE, A, [punch("2026-03-10 06:00"), punch("2026-03-10 14:00")], tz=IST, on_leave=LeaveDay(TUE, "CL", paid=True)
    )
    assert (day.status, day.worked_minutes, day.flags) == (DayStatus.LEAVE, 450, (Flag.WORKED_ON_LEAVE,))
    assert refusal(lambda: day_attendance(TUE, A, [], tz=IST, on_leave=LeaveDay(WED, "CL", paid=True))) == (
        "wrong_date",
        "on_leave",
    )


def test_a_day_off_worked_is_weekend_overtime_and_leave_there_is_flagged() -> None:
    sunday = date(2026, 3, 15)
    day = day_attendance(sunday, A, [punch("2026-03-15 05:30"), punch("2026-03-15 09:30")], tz=IST, is_weekly_off=True)
    # No schedule on a day off: counted from the first punch, 4 h, no break under 5 h.
    assert (day.status, day.day_type, day.worked_minutes, day.overtime_minutes) == (
        DayStatus.OFF,
        DayType.WEEKEND,
        240,
        240,
    )
    no_shift = day_attendance(sunday, None, [], tz=IST, on_leave=LeaveDay(sunday, "CL", paid=True))
    assert (no_shift.status, no_shift.leave, no_shift.flags) == (DayStatus.OFF, None, (Flag.LEAVE_ON_DAY_OFF,))


def test_punches_outside_the_window_are_flagged() -> None:
    day = day_attendance(TUE, A, [punch("2026-03-10 04:50"), punch("2026-03-10 14:00")], tz=IST)
    assert day.flags == (Flag.OUTSIDE_WINDOW,)
    assert day.worked_minutes == 450  # counted from the shift's start all the same


def test_a_daily_threshold_replaces_the_shift_length() -> None:
    policy = OvertimePolicy(daily_threshold_minutes=480)
    day = day_attendance(TUE, A, [punch("2026-03-10 06:00"), punch("2026-03-10 15:00")], tz=IST, policy=policy)
    assert (day.worked_minutes, day.overtime_minutes) == (510, 30)


def test_first_last_ignores_middle_punches_but_flags_the_ends() -> None:
    p = [punch("2026-03-10 06:00"), punch("2026-03-10 10:00"), punch("2026-03-10 14:00")]
    assert day_attendance(TUE, A, p, tz=IST).worked_minutes == 450
    odd = [punch("2026-03-10 06:00", Direction.OUT), punch("2026-03-10 14:00", Direction.IN)]
    day = day_attendance(TUE, A, odd, tz=IST)
    assert (day.worked_minutes, day.flags) == (0, (Flag.MISSING_IN, Flag.MISSING_OUT))


# --- weekly overtime ----------------------------------------------------------------------------------


def test_weekly_overtime_takes_the_excess_from_the_latest_days() -> None:
    week = [
        day_attendance(date(2026, 3, d), A, [punch(f"2026-03-{d:02d} 06:00"), punch(f"2026-03-{d:02d} 14:00")], tz=IST)
        for d in range(9, 15)
    ]  # Monday 9 to Saturday 14 March, 450 min each
    assert week_start(date(2026, 3, 14)) == date(2026, 3, 8)  # the week starts on Sunday
    result = weekly_overtime(list(reversed(week)), 2000)
    by_date = {day.work_date.day: day.overtime_minutes for day in result}
    # Running ordinary minutes: 450, 900, 1350, 1800, 2250 (250 past 2000), 2700 (all 450 past).
    assert by_date == {9: 0, 10: 0, 11: 0, 12: 0, 13: 250, 14: 450}
    assert [day.work_date for day in result] == [day.work_date for day in reversed(week)]
    assert Flag.WEEKLY_OVERTIME in result[0].flags
    assert weekly_overtime(result, 2000) == result
    assert weekly_overtime(week, 0) == week
    assert weekly_overtime(week, 2880) == week
    assert refusal(lambda: weekly_overtime([week[0], week[0]], 2000)) == ("duplicate_date", "days")


def test_overtime_multipliers_per_kind_of_day() -> None:
    policy = OvertimePolicy(weekday_multiplier_bp=15000, weekend_multiplier_bp=20000, holiday_multiplier_bp=30000)
    assert [policy.multiplier_bp(kind) for kind in DayType] == [15000, 20000, 30000]
    assert refusal(lambda: OvertimePolicy(week_starts_on=7)) == ("out_of_range", "week_starts_on")


# --- corrections --------------------------------------------------------------------------------------


def test_corrections_need_hr_or_a_manager_a_reason_and_someone_else() -> None:
    original = punch("2026-03-10 06:40")
    moved = PunchIn(ist("2026-03-10 06:00"))
    assert refusal(
        lambda: correct_punch(
            original, moved, reason="clock was wrong", by_role="cashier", employee_id="E1", by_employee_id="E2"
        )
    ) == ("not_allowed", "by_role")
    assert refusal(
        lambda: correct_punch(
            original, moved, reason="clock was wrong", by_role="hr", employee_id="E1", by_employee_id="E1"
        )
    ) == ("own_record", "by_employee_id")
    assert refusal(
        lambda: correct_punch(original, moved, reason="  ", by_role="hr", employee_id="E1", by_employee_id="E2")
    ) == ("reason_required", "reason")
    assert refusal(
        lambda: correct_punch(None, None, reason="x", by_role="hr", employee_id="E1", by_employee_id="E2")
    ) == ("nothing_to_correct", "replacement")
    fix = correct_punch(
        original, moved, reason=" clock was wrong ", by_role="manager", employee_id="E1", by_employee_id=None
    )
    assert (fix.reason, fix.by_role) == ("clock was wrong", "manager")
    void = correct_punch(
        original, None, reason="tapped for a colleague", by_role="hr", employee_id="E1", by_employee_id="E2"
    )
    assert apply_corrections([original], [fix]) == [PunchIn(moved.at, None, PunchSource.MANUAL)]
    assert apply_corrections([original], [void]) == []
    assert refusal(lambda: apply_corrections([], [void])) == ("unknown_punch", "original")


# --- properties ---------------------------------------------------------------------------------------

_shifts = st.sampled_from(
    [A, B, C, A_PAIRS, ShiftRule("N", time(21, 0), time(5, 0), 45, 5, 5, 90, hours_mode=HoursMode.PAIRS)]
)
_punches = st.lists(
    st.tuples(st.integers(-3 * 3600, 36 * 3600), st.sampled_from([None, Direction.IN, Direction.OUT])), max_size=12
)


@given(_shifts, _punches, st.booleans(), st.booleans(), st.sampled_from([None, False, True]))
def test_worked_is_never_negative_nor_more_than_first_to_last_punch(
    shift: ShiftRule, raw: list[tuple[int, Direction | None]], holiday: bool, off: bool, leave: bool | None
) -> None:
    base = datetime(2026, 3, 10)
    punches = [PunchIn(base + timedelta(seconds=s), d) for s, d in raw]
    on_leave = None if leave is None else LeaveDay(TUE, "CL", paid=True, half=leave)
    day = day_attendance(TUE, shift, punches, tz=IST, is_holiday=holiday, is_weekly_off=off, on_leave=on_leave)
    elapsed = (max(p.at for p in punches) - min(p.at for p in punches)) if punches else timedelta(0)
    assert 0 <= day.worked_minutes <= elapsed.total_seconds() // 60
    assert 0 <= day.overtime_minutes <= day.worked_minutes
    assert day.late_minutes >= 0 and day.early_exit_minutes >= 0
    assert day.attended_milli + day.leave_milli <= 1000
