"""Leave: accrual, balances, working days of a request, decisions by HR or a manager, leave days."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.leave import (
    Accrual,
    Decision,
    LeaveDay,
    LeaveStatus,
    LeaveTypeRule,
    accrued,
    balance,
    cancel,
    carry_forward,
    decide,
    leave_days,
    new_request,
    request_days,
    used_milli,
)
from tests.unit.rules import refusal

CASUAL = LeaveTypeRule("CL", paid=True, annual_days_milli=12_000, accrual=Accrual.YEARLY)
EARNED = LeaveTypeRule(
    "EL", paid=True, annual_days_milli=15_000, accrual=Accrual.MONTHLY, carry_forward_max_milli=30_000
)
UNPAID = LeaveTypeRule("LWP", paid=False)
HOLI = date(2026, 3, 4)
SUNDAY = 6
NOW = datetime(2026, 3, 2, 5, 0)


# --- accrual and balance ------------------------------------------------------------------------------


def test_yearly_leave_is_credited_on_the_first_of_january() -> None:
    assert accrued(CASUAL, 2026, date(2025, 12, 31)) == 0
    assert accrued(CASUAL, 2026, date(2026, 1, 1)) == 12_000
    assert accrued(CASUAL, 2026, date(2027, 6, 1)) == 12_000


def test_monthly_leave_is_a_twelfth_on_the_first_of_each_month_rounded_down_cumulatively() -> None:
    assert [accrued(EARNED, 2026, date(2026, month, 1)) for month in (1, 2, 3, 12)] == [1250, 2500, 3750, 15_000]
    seven = LeaveTypeRule("SL", annual_days_milli=7_000, accrual=Accrual.MONTHLY)
    assert [accrued(seven, 2026, date(2026, month, 28)) for month in (1, 2, 3, 11, 12)] == [583, 1166, 1750, 6416, 7000]


def test_joining_in_the_year_counts_months_from_the_joining_month() -> None:
    joined = date(2026, 3, 20)
    assert accrued(CASUAL, 2026, date(2026, 3, 19), joined) == 0
    assert accrued(CASUAL, 2026, date(2026, 3, 20), joined) == 10_000  # 12 x 10/12, March to December
    assert accrued(EARNED, 2026, date(2026, 5, 1), joined) == 3_750  # March, April, May: 15 x 3/12
    assert accrued(EARNED, 2026, date(2026, 5, 1), date(2025, 7, 1)) == 6_250
    assert accrued(EARNED, 2026, date(2026, 5, 1), date(2027, 1, 1)) == 0


def test_carry_forward_is_capped_and_never_negative() -> None:
    assert carry_forward(EARNED, 12_500) == 12_500
    assert carry_forward(EARNED, 45_000) == 30_000
    assert carry_forward(EARNED, -1_000) == 0
    assert carry_forward(CASUAL, 4_000) == 0


def test_balance_is_carried_plus_accrued_less_used_and_pending() -> None:
    view = balance(EARNED, 2026, date(2026, 4, 15), used_milli=2_000, carried_milli=5_500, pending_milli=1_000)
    assert (view.carried_milli, view.accrued_milli, view.used_milli, view.pending_milli, view.available_milli) == (
        5_500,
        5_000,
        2_000,
        1_000,
        7_500,
    )
    assert refusal(lambda: balance(EARNED, 2026, date(2026, 4, 15), used_milli=-1)) == ("out_of_range", "used_milli")


@given(st.integers(0, 366_000), st.integers(1, 12))
def test_monthly_accrual_never_exceeds_the_year_and_reaches_it_in_december(annual: int, month: int) -> None:
    rule = LeaveTypeRule("X", annual_days_milli=annual, accrual=Accrual.MONTHLY)
    assert accrued(rule, 2026, date(2026, month, 1)) <= accrued(rule, 2026, date(2026, 12, 1)) == annual


# --- requests -----------------------------------------------------------------------------------------


def test_a_request_counts_working_days_only() -> None:
    # Monday 2 to Sunday 8 March 2026: Holi on Wednesday 4, Sunday 8 off -> 5 working days.
    assert request_days(date(2026, 3, 2), date(2026, 3, 8), False, {HOLI}, off_weekdays={SUNDAY}) == 5_000
    # A rostered day off given by date counts the same.
    assert request_days(date(2026, 3, 2), date(2026, 3, 3), False, set(), weekly_offs={date(2026, 3, 3)}) == 1_000
    assert request_days(date(2026, 3, 5), date(2026, 3, 5), True, {HOLI}) == 500


def test_bad_requests_are_refused() -> None:
    assert refusal(lambda: request_days(date(2026, 3, 5), date(2026, 3, 6), True, set())) == (
        "half_day_one_date",
        "half_day",
    )
    assert refusal(lambda: request_days(HOLI, HOLI, False, {HOLI})) == ("no_working_days", "start_date")
    assert refusal(lambda: request_days(date(2026, 3, 6), date(2026, 3, 5), False, set())) == (
        "period_reversed",
        "end_date",
    )
    assert refusal(lambda: new_request("E1", UNPAID, date(2026, 12, 30), date(2027, 1, 2))) == (
        "spans_years",
        "end_date",
    )
    assert refusal(lambda: new_request("", UNPAID, date(2026, 3, 5), date(2026, 3, 5))) == (
        "employee_required",
        "employee_id",
    )


def test_paid_leave_beyond_the_balance_is_refused_unpaid_is_not() -> None:
    assert refusal(
        lambda: new_request(
            "E1",
            CASUAL,
            date(2026, 3, 2),
            date(2026, 3, 8),
            holidays={HOLI},
            off_weekdays={SUNDAY},
            available_milli=4_500,
        )
    ) == ("insufficient_balance", "days_milli")
    request = new_request(
        "E1",
        CASUAL,
        date(2026, 3, 2),
        date(2026, 3, 8),
        holidays={HOLI},
        off_weekdays={SUNDAY},
        available_milli=5_000,
        reason=" family wedding ",
    )
    assert (request.days_milli, request.status, request.reason) == (5_000, LeaveStatus.PENDING, "family wedding")
    unpaid = new_request("E1", UNPAID, date(2026, 3, 2), date(2026, 3, 3), available_milli=0)
    assert unpaid.days_milli == 2_000


# --- decisions ----------------------------------------------------------------------------------------


def test_hr_or_a_manager_approves_or_rejects() -> None:
    request = new_request("E1", CASUAL, date(2026, 3, 12), date(2026, 3, 12), available_milli=12_000)
    approved = decide(
        request, Decision.APPROVE, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW, available_milli=12_000
    )
    assert (approved.status, approved.decided_by_role, approved.decided_at) == (LeaveStatus.APPROVED, "hr", NOW)
    rejected = decide(
        request,
        Decision.REJECT,
        rule=CASUAL,
        by_role="manager",
        by_employee_id=None,
        at=NOW,
        note="stock count that day",
    )
    assert (rejected.status, rejected.decision_note) == (LeaveStatus.REJECTED, "stock count that day")
    assert refusal(
        lambda: decide(approved, Decision.REJECT, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW)
    ) == ("not_pending", "status")


@pytest.mark.parametrize("role", ["employee", "cashier", "admin"])
def test_other_roles_cannot_decide(role: str) -> None:
    request = new_request("E1", CASUAL, date(2026, 3, 12), date(2026, 3, 12), available_milli=12_000)
    assert refusal(
        lambda: decide(
            request, Decision.APPROVE, rule=CASUAL, by_role=role, by_employee_id="E9", at=NOW, available_milli=12_000
        )
    ) == ("not_allowed", "by_role")


def test_nobody_decides_their_own_leave_and_approval_checks_the_balance_again() -> None:
    request = new_request("E1", CASUAL, date(2026, 3, 12), date(2026, 3, 12), available_milli=12_000)
    assert refusal(
        lambda: decide(
            request,
            Decision.APPROVE,
            rule=CASUAL,
            by_role="manager",
            by_employee_id="E1",
            at=NOW,
            available_milli=12_000,
        )
    ) == ("own_request", "by_employee_id")
    assert refusal(
        lambda: decide(
            request, Decision.APPROVE, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW, available_milli=500
        )
    ) == ("insufficient_balance", "days_milli")
    assert refusal(
        lambda: decide(
            request, Decision.APPROVE, rule=EARNED, by_role="hr", by_employee_id="E9", at=NOW, available_milli=12_000
        )
    ) == ("wrong_type", "leave_type")
    # Rejecting needs no balance.
    assert decide(request, Decision.REJECT, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW).status == (
        LeaveStatus.REJECTED
    )


def test_cancelling() -> None:
    request = new_request("E1", CASUAL, date(2026, 3, 12), date(2026, 3, 12), available_milli=12_000)
    assert cancel(request, by_role="employee", by_employee_id="E1", at=NOW).status == LeaveStatus.CANCELLED
    approved = decide(
        request, Decision.APPROVE, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW, available_milli=12_000
    )
    assert refusal(lambda: cancel(approved, by_role="employee", by_employee_id="E1", at=NOW)) == (
        "not_allowed",
        "by_role",
    )
    cancelled = cancel(approved, by_role="hr", by_employee_id="E9", at=NOW, note="came to work")
    assert cancelled.status == LeaveStatus.CANCELLED
    assert refusal(lambda: cancel(cancelled, by_role="hr", by_employee_id="E9", at=NOW)) == (
        "not_cancellable",
        "status",
    )


def test_approved_leave_becomes_leave_days_and_counts_as_used() -> None:
    request = new_request(
        "E1", CASUAL, date(2026, 3, 2), date(2026, 3, 8), holidays={HOLI}, off_weekdays={SUNDAY}, available_milli=12_000
    )
    assert leave_days(request, CASUAL, {HOLI}, off_weekdays={SUNDAY}) == []
    approved = decide(
        request, Decision.APPROVE, rule=CASUAL, by_role="hr", by_employee_id="E9", at=NOW, available_milli=12_000
    )
    days = leave_days(approved, CASUAL, {HOLI}, off_weekdays={SUNDAY})
    assert [day.work_date.day for day in days] == [2, 3, 5, 6, 7]
    assert days[0] == LeaveDay(date(2026, 3, 2), "CL", paid=True)
    half = new_request("E1", UNPAID, date(2026, 3, 9), date(2026, 3, 9), half_day=True)
    half = decide(half, Decision.APPROVE, rule=UNPAID, by_role="hr", by_employee_id="E9", at=NOW)
    assert leave_days(half, UNPAID, set()) == [LeaveDay(date(2026, 3, 9), "LWP", paid=False, half=True)]
    assert leave_days(half, UNPAID, set())[0].days_milli == 500
    assert used_milli([approved, request, half], "CL", 2026) == 5_000
    assert used_milli([approved], "CL", 2025) == 0


def test_leave_types_are_checked() -> None:
    assert refusal(lambda: LeaveTypeRule(" ")) == ("code_required", "code")
    assert refusal(lambda: LeaveTypeRule("X", annual_days_milli=-1)) == ("out_of_range", "annual_days_milli")
    assert refusal(lambda: LeaveTypeRule("X", accrual="weekly")) == ("invalid_choice", "accrual")  # type: ignore[arg-type]
