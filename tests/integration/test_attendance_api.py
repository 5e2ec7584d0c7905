"""Attendance over REST and the clock path: punches from every source, double taps, corrections, who sees
what, leave from request to the derived day, payslips that only HR and the employee themself can read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO
from openapi_spec_validator import validate

from edge.devices.clock import punch_event
from edge.services import attendance
from edge.services.context import ServiceContext
from edge.services.demo_data import demo_employees, demo_users
from edge.store.models import (
    ROLES,
    AttendanceDay,
    AuditLog,
    Device,
    Employee,
    LeaveBalance,
    Outbox,
    Punch,
    User,
)
from edge.web import attendance as attendance_web
from tests.conftest import DEMO_PASSWORDS, FakeClock, enrol_totp
from tests.integration.test_access import call, routes

IST = ZoneInfo("Asia/Kolkata")
EMPLOYEES = {e.code: e for e in demo_employees()}
E1, E2 = EMPLOYEES["E0001"], EMPLOYEES["E0002"]  # shift A (the demo employee's login) and shift B
HR_CODE = next(u.employee_code for u in demo_users() if u.role == "hr")
CLOCK = "gate-clock-sim"


@pytest.fixture
def app(app_and_socketio: tuple[Flask, SocketIO]) -> Flask:
    """The app with the attendance blueprint and its Socket.IO push (added here until the factory does it)."""
    app, socketio = app_and_socketio
    if attendance_web.bp.name not in app.blueprints:
        app.register_blueprint(attendance_web.bp)
    attendance_web.register_realtime(socketio, app.extensions["pos"].bus)
    return app


@pytest.fixture
def clocked(demo_ctx: ServiceContext) -> ServiceContext:
    """The demo store with ``clock.punch`` events wired into attendance, as the daemon wires them."""
    attendance.subscribe_clock(demo_ctx)
    return demo_ctx


def ist(text: str) -> datetime:
    """A store-local time written in India's time, as the stored naive UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=IST).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def heard(ctx: ServiceContext, topic: str) -> list[dict[str, Any]]:
    """Collect the bus events of a topic."""
    got: list[dict[str, Any]] = []
    ctx.bus.subscribe(topic, lambda _t, payload: got.append(payload))
    return got


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of a response with the expected status."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def test_a_badge_event_from_the_clock_becomes_a_punch_and_a_confirmation(
    clocked: ServiceContext, clock: FakeClock
) -> None:
    confirmations = heard(clocked, "punch.confirmed")
    clock.now = ist("2026-11-23 05:56:30")
    delivered = clocked.bus.publish("clock.punch", punch_event(CLOCK, ist("2026-11-23 05:56:10"), badge=E1.badge_id))
    assert delivered >= 1 and clocked.bus.failures == 0
    row = Punch.get()
    assert (row.employee.code, row.source, row.status, row.direction, row.at) == (
        "E0001", "badge", "valid", None, ist("2026-11-23 05:56:10"))
    assert row.device_id == Device.get(Device.name == CLOCK).id
    assert confirmations == [{
        "device": CLOCK, "employee_code": "E0001", "name": E1.name, "direction": "in",
        "at": "2026-11-23T00:26:10Z", "at_local": "2026-11-23T05:56:10+05:30", "status": "valid",
        "punch_id": str(row.uuid), "work_date": "2026-11-23", "source": "badge"}]
    outbox = Outbox.get(Outbox.type == "punch.recorded")
    assert str(outbox.record_uuid) == str(row.uuid) and '"employee":"E0001"' in outbox.payload
    clock.now = ist("2026-11-23 14:05:00")
    clocked.bus.publish("clock.punch", punch_event(CLOCK, ist("2026-11-23 14:04:00"), employee_code="1"))
    assert confirmations[-1]["direction"] == "out", "a fingerprint ID resolves through the credential, by alternation"
    assert confirmations[-1]["source"] == "fingerprint"


def test_an_unknown_badge_or_a_bad_event_is_counted_and_never_raised_into_the_driver(
    clocked: ServiceContext, clock: FakeClock
) -> None:
    rejected = heard(clocked, "punch.rejected")
    before = attendance.clock_stats()
    clocked.bus.publish("clock.punch", punch_event(CLOCK, clock.now, badge="0000000001"))
    clocked.bus.publish("clock.punch", {"device": CLOCK, "badge": E1.badge_id, "source": "badge"})  # no time
    clocked.bus.publish("clock.punch", punch_event(CLOCK, clock.now + timedelta(hours=2), badge=E1.badge_id))
    assert clocked.bus.failures == 0, "the handler raised into the publisher"
    after = attendance.clock_stats()
    assert after.get("unknown_credential", 0) - before.get("unknown_credential", 0) == 1
    assert after.get("refused", 0) - before.get("refused", 0) == 2
    assert Punch.select().count() == 0
    assert [(r["device"], r["error"]["code"]) for r in rejected] == [
        (CLOCK, "unknown_badge"), (CLOCK, "invalid"), (CLOCK, "future_punch")]
    assert "0000000001" in rejected[0]["error"]["message"]


def test_a_double_tap_is_one_valid_punch_and_one_duplicate(clocked: ServiceContext, clock: FakeClock) -> None:
    confirmations = heard(clocked, "punch.confirmed")
    clock.now = ist("2026-11-23 06:00:00")
    for at in ("05:57:10", "05:57:40"):
        clocked.bus.publish("clock.punch", punch_event(CLOCK, ist(f"2026-11-23 {at}"), badge=E1.badge_id))
    clocked.bus.publish("clock.punch", punch_event(CLOCK, ist("2026-11-23 05:58:05"), employee_code="1"))
    statuses = [(row.at, row.status) for row in Punch.select().order_by(Punch.at)]
    assert statuses == [(ist("2026-11-23 05:57:10"), "valid"), (ist("2026-11-23 05:57:40"), "duplicate"),
                        (ist("2026-11-23 05:58:05"), "duplicate")], "the window counts from the last kept punch"
    assert [(c["status"], c["direction"]) for c in confirmations] == [
        ("valid", "in"), ("duplicate", "in"), ("duplicate", "in")]
    assert Outbox.select().where(Outbox.type == "punch.recorded").count() == 3, "duplicates are kept and replicated"
    # an offline clock uploads an earlier tap later: the window is applied again in time order
    clock.now = ist("2026-11-23 06:10:00")
    attendance.record_punch(clocked, badge=E1.badge_id, at=ist("2026-11-23 05:56:50"), source="badge", device=CLOCK)
    statuses = [row.status for row in Punch.select().order_by(Punch.at)]
    assert statuses == ["valid", "duplicate", "duplicate", "valid"]


def test_a_terminal_punch_by_pin_or_badge_is_confirmed_to_that_terminal(
    app: Flask, login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    clock.now = ist("2026-11-24 13:55:00")
    hr, cashier = login("hr"), login("cashier")
    ok(hr.post("/api/v1/attendance/employees/E0002/pin", json={"pin": "4321"}))
    assert Employee.get(Employee.code == "E0002").pin_hash.startswith("$argon2id$")
    socketio: SocketIO = app.extensions["pos_socketio"]
    terminal = socketio.test_client(app, flask_test_client=cashier)
    assert terminal.emit("join_clock", {"device": "front-desk"}, callback=True) == {"ok": True,
                                                                                   "room": "clock:front-desk"}
    elsewhere = socketio.test_client(app, flask_test_client=login("cashier"))
    elsewhere.emit("join_clock", {"device": "back-gate"}, callback=True)
    body = ok(cashier.post("/api/v1/attendance/punches",
                           json={"employee_code": "E0002", "pin": "4321", "terminal": "front-desk"}), 201)
    assert (body["employee_code"], body["status"], body["source"], body["direction"]) == (
        "E0002", "valid", "terminal", "in")
    pushed = [(e["name"], e["args"][0]["employee_code"]) for e in terminal.get_received()]
    assert pushed == [("punch", "E0002")]
    assert elsewhere.get_received() == [], "another terminal hears nothing"
    assert Punch.get().recorded_by.username == "cashier"
    wrong = cashier.post("/api/v1/attendance/punches", json={"employee_code": "E0002", "pin": "9999"})
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (403, "bad_pin")
    unknown = cashier.post("/api/v1/attendance/punches", json={"employee_code": "E9999", "pin": "9999"})
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (403, "bad_pin"), "no hint who exists"
    for _ in range(3):
        cashier.post("/api/v1/attendance/punches", json={"employee_code": "E0002", "pin": "0000"})
    throttled = cashier.post("/api/v1/attendance/punches", json={"employee_code": "E0002", "pin": "4321"})
    assert throttled.status_code == 429, "guessing PINs is slowed down"
    clock.advance(minutes=20)
    badge = ok(cashier.post("/api/v1/attendance/punches", json={"badge": E2.badge_id, "direction": "out"}), 201)
    assert (badge["employee_code"], badge["direction"], badge["device"]) == ("E0002", "out", None)
    missing = cashier.post("/api/v1/attendance/punches", json={"badge": "0000000001"})
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (404, "unknown_badge")
    assert AuditLog.select().where(AuditLog.action == "punch.pin_failed").count() == 4, "a throttled try is not checked"


def test_the_employee_clocks_in_and_out_from_the_app(login: Callable[[str], FlaskClient], clock: FakeClock) -> None:
    clock.now = ist("2026-11-24 05:58:00")
    first = ok(login("employee").post("/api/v1/attendance/me/punch", json={}), 201)
    clock.now = ist("2026-11-24 14:03:00")
    employee = login("employee")
    second = ok(employee.post("/api/v1/attendance/me/punch", json={"direction": "out"}), 201)
    assert [(p["employee_code"], p["direction"], p["source"]) for p in (first, second)] == [
        ("E0001", "in", "app"), ("E0001", "out", "app")]
    unlinked = login("cashier").post("/api/v1/attendance/me/punch", json={})
    assert (unlinked.status_code, unlinked.get_json()["error"]["code"]) == (409, "no_employee_link")
    mine = ok(employee.get("/api/v1/attendance/punches?from=2026-11-24&to=2026-11-24"))["items"]
    assert [p["direction"] for p in mine] == [None, "out"], "an undirected punch stays undirected; never guessed"


def _work_week(ctx: ServiceContext, clock: FakeClock, badges: dict[str, tuple[str, str]], days: list[date]) -> None:
    """Punch each badge in and out on each day (local HH:MM pairs), the clock moving along."""
    for day in days:
        for badge, (start, end) in badges.items():
            for hhmm in (start, end):
                at = ist(f"{day.isoformat()} {hhmm}")
                clock.now = max(clock.now, at + timedelta(seconds=5))
                attendance.record_punch(ctx, badge=badge, at=at, source="badge", device=CLOCK)


def test_an_employee_sees_only_their_own_days_and_hr_sees_everyone(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    clock.now = ist("2026-11-16 05:00")
    week = [date(2026, 11, 16) + timedelta(days=n) for n in range(6)]
    _work_week(demo_ctx, clock, {E1.badge_id: ("05:55", "14:05"), E2.badge_id: ("13:50", "22:10")}, week)
    clock.now = ist("2026-11-24 12:00")
    hr, employee, manager = login("hr"), login("employee"), login("manager")
    derived = ok(hr.post("/api/v1/attendance/derive", json={"from": "2026-11-16", "to": "2026-11-22"}))
    assert derived["employees"] == 250 and derived["days"] == 250 * 7
    forbidden = employee.get("/api/v1/attendance/days?employee=E0002&from=2026-11-16&to=2026-11-22")
    assert (forbidden.status_code, forbidden.get_json()["error"]["code"]) == (403, "own_records_only")
    assert employee.get("/api/v1/attendance/punches?employee=E0002").status_code == 403
    own = ok(employee.get("/api/v1/attendance/days?from=2026-11-16&to=2026-11-22"))["items"]
    assert {d["employee_code"] for d in own} == {"E0001"}
    assert [d["status"] for d in own] == ["present"] * 6 + ["off"], "Sunday 22 November is the weekly off"
    assert own[0]["worked_minutes"] == 455 and own[0]["overtime_minutes"] == 5, "06:00 → 14:05 less the break"
    other = ok(hr.get("/api/v1/attendance/days?employee=E0002&from=2026-11-16&to=2026-11-22"))["items"]
    assert [d["status"] for d in other][:6] == ["present"] * 6 and other[0]["shift"] == "B"
    everyone = ok(manager.get("/api/v1/attendance/days?from=2026-11-16&to=2026-11-16&department=Production"))
    assert len(everyone["items"]) == len([e for e in EMPLOYEES.values() if e.department == "Production"])
    night = ok(manager.get("/api/v1/attendance/days?from=2026-11-16&to=2026-11-16&shift=C"))["items"]
    assert night and {d["shift"] for d in night} == {"C"}
    register = hr.get("/api/v1/attendance/register.csv?month=2026-11&shift=A")
    assert register.status_code == 200 and register.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(register.get_data(as_text=True))))
    first = next(r for r in rows if r["employee_code"] == "E0001")
    assert [first[f"{n:02d}"] for n in range(16, 23)] == ["P"] * 6 + ["WO"]
    assert first["present"] == "6" and first["24"] == "" and {r["shift"] for r in rows} == {"A"}
    assert employee.get("/api/v1/attendance/register.csv?month=2026-11").status_code == 403
    overtime = ok(hr.get("/api/v1/attendance/reports/overtime?month=2026-11"))["items"]
    assert {r["employee_code"]: r["overtime_minutes"] for r in overtime} == {"E0001": 30, "E0002": 60}
    late_csv = hr.get("/api/v1/attendance/reports/late?month=2026-11&format=csv").get_data(as_text=True)
    assert late_csv.startswith("employee_code,employee_name,department,shift,late_days")


def test_hr_corrects_a_missing_punch_with_a_reason_and_the_original_is_kept(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    clock.now = ist("2026-11-23 06:05")
    attendance.record_punch(demo_ctx, badge=E1.badge_id, at=ist("2026-11-23 06:04"), source="badge", device=CLOCK)
    hr_own = EMPLOYEES[HR_CODE]
    attendance.record_punch(demo_ctx, badge=hr_own.badge_id, at=ist("2026-11-23 06:01"), source="badge")
    clock.now = ist("2026-11-24 12:00")
    hr, manager, employee = login("hr"), login("manager"), login("employee")
    ok(hr.post("/api/v1/attendance/derive", json={"from": "2026-11-23", "to": "2026-11-23", "employee": "E0001"}))
    day = ok(hr.get("/api/v1/attendance/days?employee=E0001&from=2026-11-23&to=2026-11-23"))["items"][0]
    assert (day["status"], day["worked_minutes"], day["flags"]) == ("absent", 0, ["missing_out"]), "not guessed"
    no_reason = manager.post("/api/v1/attendance/punches/manual",
                             json={"employee": "E0001", "at": "2026-11-23T14:02:00", "reason": ""})
    assert no_reason.status_code == 400
    assert employee.post("/api/v1/attendance/punches/manual",
                         json={"employee": "E0001", "at": "2026-11-23T14:02:00", "reason": "x"}).status_code == 403
    added = ok(manager.post("/api/v1/attendance/punches/manual", json={
        "employee": "E0001", "at": "2026-11-23T14:02:00", "direction": "out", "reason": "forgot to punch out"}), 201)
    assert added["replacement"]["source"] == "manual" and added["replacement"]["at"] == "2026-11-23T08:32:00Z"
    day = ok(hr.get("/api/v1/attendance/days?employee=E0001&from=2026-11-23&to=2026-11-23"))["items"][0]
    assert (day["status"], day["worked_minutes"], day["overtime_minutes"], day["flags"]) == ("present", 448, 0, [])
    original = Punch.get((Punch.employee == Employee.get(Employee.code == "E0001").id) & (Punch.source == "badge"))
    moved = ok(hr.post(f"/api/v1/attendance/punches/{original.uuid}/correct",
                       json={"at": "2026-11-23T06:00:00", "reason": "reader was down; supervisor saw him at 6"}))
    assert moved["original"]["id"] == str(original.uuid) and moved["replacement"]["corrects"] == str(original.uuid)
    kept = Punch.get_by_id(original.id)
    assert (kept.status, kept.at) == ("voided", ist("2026-11-23 06:04")), "the original is kept, voided"
    replacement = Punch.get(Punch.corrects == original.id)
    assert (replacement.source, replacement.recorded_by.username, replacement.correction_reason) == (
        "manual", "hr", "reader was down; supervisor saw him at 6")
    audit = AuditLog.select().where(AuditLog.action == "punch.corrected").order_by(AuditLog.id)
    assert [row.user.username for row in audit] == ["manager", "hr"]
    assert "reader was down" in audit[-1].details and "06:04" in audit[-1].details
    assert Outbox.select().where(Outbox.type == "punch.corrected").count() == 2
    again = hr.post(f"/api/v1/attendance/punches/{original.uuid}/correct", json={"void": True, "reason": "x"})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_voided")
    own = Punch.get(Punch.employee == Employee.get(Employee.code == HR_CODE).id)
    refused = hr.post(f"/api/v1/attendance/punches/{own.uuid}/correct", json={"void": True, "reason": "mine"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "own_record")
    day = AttendanceDay.get((AttendanceDay.employee == original.employee_id)
                            & (AttendanceDay.work_date == date(2026, 11, 23)))
    assert (day.worked_minutes, day.late_minutes) == (452, 0), "re-derived after the move: 06:00 → 14:02 − 30"
    listed = ok(hr.get("/api/v1/attendance/punches?employee=E0001&from=2026-11-23&to=2026-11-23"))["items"]
    assert sorted(p["status"] for p in listed) == ["valid", "valid", "voided"]


def test_leave_is_asked_approved_by_hr_and_the_day_shows_leave(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    employee, hr, manager = login("employee"), login("hr"), login("manager")
    types = ok(employee.get("/api/v1/leave/types"))["items"]
    assert [(t["code"], t["paid"], t["annual_days_milli"], t["accrual"]) for t in types] == [
        ("CL", True, 12000, "monthly"), ("LWP", False, 0, "yearly"), ("SL", True, 7000, "yearly")]
    asked = ok(employee.post("/api/v1/leave/requests", json={
        "leave_type": "CL", "from": "2026-11-20", "to": "2026-11-22", "reason": "family function"}), 201)
    assert (asked["status"], asked["days_milli"]) == ("pending", 2000), "Sunday the 22nd is not leave"
    balance = {b["leave_type"]: b for b in ok(employee.get("/api/v1/leave/balances"))["items"]}
    assert (balance["CL"]["accrued_milli"], balance["CL"]["pending_milli"], balance["CL"]["available_milli"]) == (
        11000, 2000, 9000)
    assert employee.post(f"/api/v1/leave/requests/{asked['id']}/decision",
                         json={"decision": "approve"}).status_code == 403, "an employee never decides"
    assert employee.get("/api/v1/leave/requests?employee=E0002").status_code == 403
    approved = ok(hr.post(f"/api/v1/leave/requests/{asked['id']}/decision",
                          json={"decision": "approve", "note": "ok"}))
    assert (approved["status"], approved["decided_by"]) == ("approved", "hr")
    days = ok(employee.get("/api/v1/attendance/days?from=2026-11-20&to=2026-11-22"))["items"]
    assert [(d["work_date"], d["status"]) for d in days] == [
        ("2026-11-20", "leave"), ("2026-11-21", "leave"), ("2026-11-22", "off")]
    balance = {b["leave_type"]: b for b in ok(employee.get("/api/v1/leave/balances"))["items"]}
    assert (balance["CL"]["used_milli"], balance["CL"]["available_milli"]) == (2000, 9000)
    stored = LeaveBalance.get(LeaveBalance.employee == Employee.get(Employee.code == "E0001").id)
    assert stored.used_milli == 2000
    leave_report = ok(hr.get("/api/v1/attendance/reports/leave?month=2026-11"))["items"]
    assert [(r["employee_code"], r["leave_type"], r["days"]) for r in leave_report] == [("E0001", "CL", "2.000")]
    twice = hr.post(f"/api/v1/leave/requests/{asked['id']}/decision", json={"decision": "reject"})
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "not_pending")
    too_much = employee.post("/api/v1/leave/requests", json={"leave_type": "CL", "from": "2026-11-02",
                                                              "to": "2026-11-14"})
    assert (too_much.status_code, too_much.get_json()["error"]["code"]) == (400, "insufficient_balance")
    cancelled = ok(manager.post(f"/api/v1/leave/requests/{asked['id']}/cancel", json={"note": "plans changed"}))
    assert cancelled["status"] == "cancelled"
    days = ok(employee.get("/api/v1/attendance/days?from=2026-11-20&to=2026-11-20"))["items"]
    assert days[0]["status"] == "absent", "cancelled leave gives the day back to attendance"


def test_nobody_approves_their_own_leave(login: Callable[[str], FlaskClient]) -> None:
    hr, manager = login("hr"), login("manager")
    own = ok(hr.post("/api/v1/leave/requests", json={"leave_type": "SL", "from": "2026-11-25", "to": "2026-11-25",
                                                     "half_day": True}), 201)
    assert (own["employee_code"], own["days_milli"]) == (HR_CODE, 500)
    refused = hr.post(f"/api/v1/leave/requests/{own['id']}/decision", json={"decision": "approve"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "own_request")
    assert ok(manager.post(f"/api/v1/leave/requests/{own['id']}/decision", json={"decision": "approve"}))[
        "status"] == "approved"
    for_someone = ok(hr.post("/api/v1/leave/requests", json={
        "leave_type": "LWP", "from": "2026-11-26", "to": "2026-11-27", "employee": "E0002"}), 201)
    assert for_someone["employee_code"] == "E0002"
    employee = login("employee")
    assert employee.post("/api/v1/leave/requests", json={
        "leave_type": "LWP", "from": "2026-11-26", "to": "2026-11-26", "employee": "E0002"}).status_code == 403
    overlap = hr.post("/api/v1/leave/requests", json={"leave_type": "LWP", "from": "2026-11-27", "to": "2026-11-27",
                                                      "employee": "E0002"})
    assert (overlap.status_code, overlap.get_json()["error"]["code"]) == (409, "overlapping")


def test_a_payslip_is_read_by_hr_and_by_the_employee_themself_only(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    clock.now = ist("2026-11-16 05:00")
    week = [date(2026, 11, 16) + timedelta(days=n) for n in range(6)]
    _work_week(demo_ctx, clock, {E1.badge_id: ("05:55", "14:05")}, week)
    attendance.record_punch(demo_ctx, badge=E2.badge_id, at=ist("2026-11-17 13:58"), source="badge")
    clock.now = ist("2026-11-24 12:00")
    hr, employee, manager, admin = login("hr"), login("employee"), login("manager"), login("admin")
    assert manager.post("/api/v1/payroll/runs", json={"from": "2026-11-16", "to": "2026-11-22"}).status_code == 403
    run = ok(hr.post("/api/v1/payroll/runs", json={"from": "2026-11-16", "to": "2026-11-22"}), 201)
    assert run["status"] == "draft" and run["payslip_count"] == 250
    line = next(p for p in run["payslips"] if p["employee_code"] == "E0001")
    # 6 days x ₹750 = ₹4,500.00; overtime 6 x 5 min = 30 min at 750 / 8 x 2 per hour = ₹93.75
    assert (line["paid_days_milli"], line["overtime_minutes"], line["gross_paise"]) == (6000, 30, 459375)
    own = ok(employee.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0001"))
    assert (own["gross_paise"], own["net_paise"], own["employee_code"]) == (459375, 459375, "E0001")
    assert employee.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0002").status_code == 403
    assert manager.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0001").status_code == 403
    assert login("cashier").get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0001").status_code == 403
    assert ok(hr.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0001"))["gross_paise"] == 459375
    assert ok(admin.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0002"))["employee_code"] == "E0002"
    html = employee.get(f"/api/v1/payroll/runs/{run['id']}/payslips/E0001?format=html")
    assert html.mimetype == "text/html" and "4,593.75" in html.get_data(as_text=True)
    assert employee.get(f"/api/v1/payroll/runs/{run['id']}/export.csv").status_code == 403
    refused = hr.get(f"/api/v1/payroll/runs/{run['id']}/export.csv")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "totp_required")
    enrol_totp(hr.application, hr, "hr")  # the export needs a fresh second factor: HR sets TOTP up
    exported = hr.get(f"/api/v1/payroll/runs/{run['id']}/export.csv")
    assert exported.status_code == 200
    rows = {r["employee_code"]: r for r in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))}
    assert (rows["E0001"]["gross"], rows["E0001"]["paid_days"], rows["E0001"]["overtime_minutes"]) == (
        "4593.75", "6.000", "30")
    flagged = hr.post(f"/api/v1/payroll/runs/{run['id']}/finalize", json={})
    assert (flagged.status_code, flagged.get_json()["error"]["code"]) == (409, "flagged_days"), "E0002's missing out"
    final = ok(hr.post(f"/api/v1/payroll/runs/{run['id']}/finalize", json={"accept_flagged": True}))
    assert final["status"] == "final"
    again = hr.post("/api/v1/payroll/runs", json={"from": "2026-11-22", "to": "2026-11-28"})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "period_finalised")
    assert Outbox.select().where(Outbox.type == "payroll.run").count() == 1
    payloads = " ".join(row.payload for row in Outbox.select())
    assert "459375" not in payloads and "4593.75" not in payloads, "replication carries no amounts"


def test_each_role_gets_its_attendance_routes_and_is_refused_outside_them(
    app: Flask, login: Callable[[str], FlaskClient]
) -> None:
    mine = [(rule, method, roles) for rule, method, roles in routes(app)
            if rule.startswith(("/api/v1/attendance", "/api/v1/leave", "/api/v1/payroll"))]
    assert len(mine) >= 20
    for role in ROLES:
        client = login(role)
        username = DEMO_PASSWORDS[role][0]
        if not User.get(User.username == username).totp_enabled:
            enrol_totp(app, client, username)  # a fresh second factor: a 403 below is the role's (payroll export)
        for rule, method, roles in mine:
            status = call(client, method, rule)
            if role in roles:
                assert status not in (401, 403, 500), f"{role} got {status} on {method} {rule}"
            else:
                assert status == 403, f"{role} got {status} on {method} {rule}, expected 403"
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["paths"]["/api/v1/attendance/punches/{punch_id}/correct"]["post"]["x-roles"] == ["hr", "manager"]
    assert User.select().count() == len(ROLES)


def test_the_daily_job_is_scheduled_after_the_night_shift_closes_and_derives_yesterday(
    demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    scheduler = BackgroundScheduler(timezone="Asia/Kolkata")
    attendance.schedule(demo_ctx, scheduler)
    job = scheduler.get_job("attendance.derive_daily")
    fields = {field.name: str(field) for field in job.trigger.fields}
    # shift C ends 06:00 and takes punches 4 h more: yesterday is complete at 10:00, the job runs at 10:15
    assert (fields["hour"], fields["minute"], str(job.trigger.timezone)) == ("10", "15", "Asia/Kolkata")
    assert scheduler.get_job("attendance.derive_catch_up") is not None
    clock.now = ist("2026-11-23 06:02")
    attendance.record_punch(demo_ctx, badge=E1.badge_id, at=ist("2026-11-23 06:01"), source="badge")
    clock.now = ist("2026-11-24 10:15")
    result = attendance.derive_yesterday(demo_ctx)
    assert result["employees"] == 250 and result["days"] == 500, "yesterday and the day before"
    row = AttendanceDay.get((AttendanceDay.employee == Employee.get(Employee.code == "E0001").id)
                            & (AttendanceDay.work_date == date(2026, 11, 23)))
    assert (row.status, row.flags) == ("absent", "missing_out")
    assert attendance.derive_day(demo_ctx, Employee.get(Employee.code == "E0001"), date(2026, 11, 25)) is None
