"""Attendance, leave and payroll over REST, and punch confirmations pushed to the terminal that took them.

Roles (docs/attendance.md): a shared attendance terminal may run under an admin, manager, HR or cashier login;
every login linked to an employee clocks in and out for itself and sees only its own punches, days, leave and
payslips; HR, managers and administrators see everyone's attendance; HR and managers correct punches and
decide on leave; HR and administrators run payroll. Dates are YYYY-MM-DD in the store's time zone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_socketio import SocketIO, join_room, leave_room
from markupsafe import escape

from edge.bus import EventBus
from edge.services import attendance, payroll
from edge.services.context import ServiceContext
from edge.services.customers import page_params
from edge.services.errors import InvalidInput
from edge.services.users import resolve_session
from edge.store.models import ROLES
from edge.web.access import SESSION_COOKIE, current_user_or_none, require_step_up
from edge.web.api import Param, api, json_body

bp = Blueprint("attendance", __name__, url_prefix="/api/v1")

EVERYONE = ROLES  # the service narrows employees (and other linked logins) to their own records
TERMINAL = tuple(sorted(attendance.TERMINAL_ROLES))  # admin, cashier, hr, manager
CORRECTORS = tuple(sorted(attendance.CORRECTION_ROLES))  # hr, manager
SUPERVISORS = tuple(sorted(attendance.DERIVE_ROLES))  # admin, hr, manager
DECIDERS = tuple(sorted(attendance.DECIDER_ROLES))  # hr, manager
PAYROLL = tuple(sorted(payroll.PAYROLL_ROLES))  # admin, hr
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DIRECTION = {"type": ["string", "null"], "enum": ["in", "out", None]}
DEVICE_NAME = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
OBJECT = {"type": "object"}
RUN_PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "final"]}, "created_by": {"type": "string"},
        "created_at": {"type": "string"}, "finalized_at": {"type": ["string", "null"]},
        "payslip_count": {"type": "integer"}, "totals": {"type": "object"}}}},
    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
    "pages": {"type": "integer"}}}
ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": OBJECT}}}
CONFIRMATION = {"type": "object", "properties": {
    "punch_id": {"type": "string"}, "employee_code": {"type": "string"}, "name": {"type": "string"},
    "direction": {"type": ["string", "null"]}, "at": {"type": "string"}, "at_local": {"type": "string"},
    "status": {"type": "string", "enum": ["valid", "duplicate"]}, "work_date": {"type": "string"},
    "device": {"type": ["string", "null"]}, "source": {"type": "string"}}}
TERMINAL_BODY = {"type": "object", "properties": {
    "badge": {"type": "string", "minLength": 1, "maxLength": 64},
    "employee_code": {"type": "string", "minLength": 1, "maxLength": 16},
    "pin": {"type": "string", "minLength": 4, "maxLength": 8},
    "direction": DIRECTION,
    "terminal": {"type": "string", "pattern": DEVICE_NAME.pattern,
                 "description": "the terminal's name: its confirmation also goes to Socket.IO room clock:<name>"}}}
SELF_BODY = {"type": "object", "properties": {"direction": DIRECTION}}
CORRECT_BODY = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 500},
    "at": {"type": "string", "description": "ISO 8601; without an offset, a store-local time"},
    "direction": DIRECTION, "void": {"type": "boolean"}}}
MANUAL_BODY = {"type": "object", "required": ["employee", "at", "reason"], "properties": {
    "employee": {"type": "string"}, "at": {"type": "string", "description": "ISO 8601; without offset: store-local"},
    "direction": DIRECTION, "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}
RANGE_BODY = {"type": "object", "required": ["from", "to"], "properties": {
    "from": DATE, "to": DATE, "employee": {"type": "string"}}}
PIN_BODY = {"type": "object", "required": ["pin"], "properties": {"pin": {"type": "string", "pattern": r"^\d{4,8}$"}}}
LEAVE_BODY = {"type": "object", "required": ["leave_type", "from", "to"], "properties": {
    "leave_type": {"type": "string"}, "from": DATE, "to": DATE, "half_day": {"type": "boolean"},
    "reason": {"type": "string", "maxLength": 500},
    "employee": {"type": "string", "description": "HR or a manager asking for someone else"}}}
DECISION_BODY = {"type": "object", "required": ["decision"], "properties": {
    "decision": {"type": "string", "enum": ["approve", "reject"]}, "note": {"type": "string", "maxLength": 500}}}
NOTE_BODY = {"type": "object", "properties": {"note": {"type": "string", "maxLength": 500}}}
PAYROLL_BODY = {"type": "object", "required": ["from", "to"], "properties": {"from": DATE, "to": DATE}}
FINALIZE_BODY = {"type": "object", "properties": {"accept_flagged": {"type": "boolean"}}}
EMPLOYEE_Q = Param("employee", {"type": "string"}, "an employee's code (employees: only their own)")
FROM_Q = Param("from", DATE, "first date (default: 30 days before `to`)")
TO_Q = Param("to", DATE, "last date (default: today)")
MONTH_Q = Param("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM", required=True)
DEPARTMENT_Q = Param("department", {"type": "string"}, "department name")
SHIFT_Q = Param("shift", {"type": "string"}, "shift code")
FORMAT_Q = Param("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv")


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["pos"]
    return ctx


def _range() -> tuple[date, date]:
    end = attendance.parse_date(request.args["to"], "to") if request.args.get("to") else attendance.today(_ctx())
    start = attendance.parse_date(request.args["from"], "from") if request.args.get("from") \
        else end - timedelta(days=30)
    return start, end


def _csv(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ------------------------------------------------------------------------------------------ punches


@api(bp, "/attendance/punches", "POST", roles=TERMINAL, summary="A punch at the shared attendance terminal",
     body=TERMINAL_BODY, response=CONFIRMATION, status=201)
def terminal_punch() -> Any:
    """A badge, or an employee code with its PIN; the answer is the confirmation the terminal shows."""
    data = json_body(TERMINAL_BODY)
    if not data.get("badge") and not (data.get("pin") and data.get("employee_code")):
        raise InvalidInput("give a badge, or an employee code and PIN", "badge")
    result = attendance.terminal_punch(_ctx(), current_user_or_none(), badge=data.get("badge"), pin=data.get("pin"),
                                       employee_code=data.get("employee_code"), direction=data.get("direction"),
                                       terminal=data.get("terminal"))
    return jsonify(result), 201


@api(bp, "/attendance/me/punch", "POST", roles=EVERYONE, summary="Clock in or out from the app (own punch)",
     body=SELF_BODY, response=CONFIRMATION, status=201)
def my_punch() -> Any:
    """The logged-in employee's punch now; a direction is optional (alternation decides)."""
    data = json_body(SELF_BODY)
    return jsonify(attendance.app_punch(_ctx(), current_user_or_none(), data.get("direction"))), 201


@api(bp, "/attendance/punches", "GET", roles=EVERYONE, summary="Punches (employees: their own)",
     query=(EMPLOYEE_Q, FROM_Q, TO_Q), response=ITEMS)
def punches() -> Any:
    """Every punch in the range, duplicates and voided ones included, with who recorded or corrected it."""
    start, end = _range()
    items = attendance.list_punches(_ctx(), current_user_or_none(), request.args.get("employee"), start, end)
    return jsonify({"items": items})


@api(bp, "/attendance/punches/<punch_id>/correct", "POST", roles=CORRECTORS,
     summary="Move or void a punch (HR or a manager, with a reason)", body=CORRECT_BODY, response=OBJECT)
def correct(punch_id: str) -> Any:
    """The original is kept (voided) and a manual punch replaces it; audited; the days are derived again."""
    data = json_body(CORRECT_BODY)
    if not data.get("void") and "at" not in data and "direction" not in data:
        raise InvalidInput("give the corrected time or direction, or void the punch", "at")
    result = attendance.correct_punch(_ctx(), current_user_or_none(), punch_id, reason=data["reason"],
                                      new_at=data.get("at"), direction=data.get("direction"),
                                      void=bool(data.get("void")))
    return jsonify(result)


@api(bp, "/attendance/punches/manual", "POST", roles=CORRECTORS,
     summary="Add a missing punch (HR or a manager, with a reason)", body=MANUAL_BODY, response=OBJECT, status=201)
def add_missing() -> Any:
    """A manual punch for a forgotten in or out; audited; the day is derived again."""
    data = json_body(MANUAL_BODY)
    result = attendance.correct_punch(_ctx(), current_user_or_none(), None, reason=data["reason"],
                                      employee_code=data["employee"], new_at=data["at"],
                                      direction=data.get("direction"))
    return jsonify(result), 201


@api(bp, "/attendance/employees/<employee_code>/pin", "POST", roles=("admin", "hr"),
     summary="Set an employee's terminal PIN", body=PIN_BODY, response=OBJECT)
def set_pin(employee_code: str) -> Any:
    """4 to 8 digits, stored as an argon2id hash; audited."""
    data = json_body(PIN_BODY)
    attendance.set_pin(_ctx(), current_user_or_none(), employee_code, data["pin"])
    return jsonify({"ok": True})


# -------------------------------------------------------------------------------------- days, reports


@api(bp, "/attendance/derive", "POST", roles=SUPERVISORS, summary="Derive the days of a range now",
     body=RANGE_BODY, response=OBJECT)
def derive() -> Any:
    """What the daily job does, on demand (never after today); unchanged days are not rewritten."""
    data = json_body(RANGE_BODY)
    start = attendance.parse_date(data["from"], "from")
    end = attendance.parse_date(data["to"], "to")
    employee = attendance.visible_employee(current_user_or_none(), data.get("employee")) \
        if data.get("employee") else None
    return jsonify(attendance.derive_range(_ctx(), start, end, employee))


@api(bp, "/attendance/days", "GET", roles=EVERYONE, summary="Derived days (employees: their own)",
     query=(EMPLOYEE_Q, FROM_Q, TO_Q, DEPARTMENT_Q, Param("shift", {"type": "string"}, "the day's shift code")),
     response=ITEMS)
def days() -> Any:
    """Status, first in, last out, worked, late, early exit, overtime and flags per employee and date."""
    start, end = _range()
    items = attendance.list_days(_ctx(), current_user_or_none(), request.args.get("employee"), start, end,
                                 request.args.get("department"), request.args.get("shift"))
    return jsonify({"items": items})


@api(bp, "/attendance/register.csv", "GET", media_type="text/csv", roles=SUPERVISORS,
     summary="Monthly attendance register (employee x day) as CSV", query=(MONTH_Q, DEPARTMENT_Q, SHIFT_Q),
     response={"type": "string"})
def register() -> Any:
    """P, HD, A, L, H, WO per day (``*``: a punch missing), then the month's totals."""
    month = request.args.get("month", "")
    text = attendance.register_csv(_ctx(), month, request.args.get("department"), request.args.get("shift"))
    return _csv(text, f"attendance-register-{month}.csv")


@api(bp, "/attendance/reports/<kind>", "GET", roles=SUPERVISORS,
     summary="Monthly overtime, late-arrival or leave report", query=(MONTH_Q, DEPARTMENT_Q, SHIFT_Q, FORMAT_Q),
     response=ITEMS)
def monthly_report(kind: str) -> Any:
    """``kind``: overtime, late or leave; JSON or CSV."""
    month = request.args.get("month", "")
    department, shift = request.args.get("department"), request.args.get("shift")
    if request.args.get("format") == "csv":
        return _csv(attendance.report_csv(_ctx(), kind, month, department, shift), f"{kind}-{month}.csv")
    return jsonify({"items": attendance.report(_ctx(), kind, month, department, shift)})


# ------------------------------------------------------------------------------------------------ leave


@api(bp, "/leave/types", "GET", roles=EVERYONE, summary="Leave types", response=ITEMS)
def leave_types() -> Any:
    """Code, name, paid, yearly entitlement, accrual and carry-forward of each type."""
    return jsonify({"items": [attendance.leave_type_view(row) for row in attendance.ensure_leave_types(_ctx())]})


@api(bp, "/leave/requests", "GET", roles=EVERYONE, summary="Leave requests (employees: their own)",
     query=(EMPLOYEE_Q, Param("status", {"type": "string", "enum": ["pending", "approved", "rejected", "cancelled"]}),
            Param("from", DATE), Param("to", DATE)), response=ITEMS)
def leave_requests() -> Any:
    """Newest first."""
    start = attendance.parse_date(request.args["from"], "from") if request.args.get("from") else None
    end = attendance.parse_date(request.args["to"], "to") if request.args.get("to") else None
    items = attendance.list_leave(_ctx(), current_user_or_none(), request.args.get("employee"),
                                  request.args.get("status"), start, end)
    return jsonify({"items": items})


@api(bp, "/leave/requests", "POST", roles=EVERYONE, summary="Ask for leave (for yourself; HR or a manager for anyone)",
     body=LEAVE_BODY, response=OBJECT, status=201)
def ask_leave() -> Any:
    """Paid leave must fit the balance; only working days count; the request is pending."""
    data = json_body(LEAVE_BODY)
    view = attendance.request_leave(
        _ctx(), current_user_or_none(), leave_type=data["leave_type"],
        start=attendance.parse_date(data["from"], "from"), end=attendance.parse_date(data["to"], "to"),
        half_day=bool(data.get("half_day")), reason=data.get("reason", ""), employee_code=data.get("employee"))
    return jsonify(view), 201


@api(bp, "/leave/requests/<request_id>/decision", "POST", roles=DECIDERS,
     summary="Approve or reject a pending request (HR or a manager, not their own)", body=DECISION_BODY,
     response=OBJECT)
def decide(request_id: str) -> Any:
    """Approval checks the balance again; approved days show as leave."""
    data = json_body(DECISION_BODY)
    return jsonify(attendance.decide_leave(_ctx(), current_user_or_none(), request_id, data["decision"],
                                           data.get("note", "")))


@api(bp, "/leave/requests/<request_id>/cancel", "POST", roles=EVERYONE,
     summary="Cancel a request (own pending; HR or a manager: any pending or approved)", body=NOTE_BODY,
     response=OBJECT)
def cancel(request_id: str) -> Any:
    """Cancelled approved days are derived again."""
    data = json_body(NOTE_BODY)
    return jsonify(attendance.cancel_leave(_ctx(), current_user_or_none(), request_id, data.get("note", "")))


@api(bp, "/leave/balances", "GET", roles=EVERYONE, summary="Leave balances (employees: their own)",
     query=(EMPLOYEE_Q, Param("year", {"type": "integer"})), response=ITEMS)
def leave_balances() -> Any:
    """Carried, accrued to date, used, pending and available per leave type (thousandths of a day)."""
    year = request.args.get("year")
    if year is not None and not year.isdigit():
        raise InvalidInput("year must be a number", "year")
    items = attendance.balances(_ctx(), current_user_or_none(), request.args.get("employee"),
                                int(year) if year else None)
    return jsonify({"items": items})


# ---------------------------------------------------------------------------------------------- payroll


@api(bp, "/payroll/runs", "POST", roles=PAYROLL, summary="Run payroll for a period", body=PAYROLL_BODY,
     response=OBJECT, status=201)
def run_payroll() -> Any:
    """Derives missing days, pays everyone employed in the period; a draft of the same period is recomputed."""
    data = json_body(PAYROLL_BODY)
    user = current_user_or_none()
    run = payroll.run_payroll(_ctx(), user, attendance.parse_date(data["from"], "from"),
                              attendance.parse_date(data["to"], "to"))
    return jsonify(payroll.run_view(_ctx(), user, str(run.uuid))), 201


@api(bp, "/payroll/runs", "GET", roles=PAYROLL, summary="Payroll runs, latest period first, with their totals",
     query=(Param("page", {"type": "integer", "minimum": 1}, "page number, from 1"),
            Param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "runs a page (25)")),
     response=RUN_PAGE)
def payroll_runs() -> Any:
    """Period, draft or final, payslip count and totals in paise; the payslips themselves are in GET .../<run_id>."""
    page, per_page = page_params(request.args.to_dict())
    return jsonify(payroll.list_runs(_ctx(), current_user_or_none(), page, per_page))


@api(bp, "/payroll/runs/<run_id>", "GET", roles=PAYROLL, summary="A payroll run with totals and its payslips",
     response=OBJECT)
def payroll_run(run_id: str) -> Any:
    """Amounts in paise."""
    return jsonify(payroll.run_view(_ctx(), current_user_or_none(), run_id))


@api(bp, "/payroll/runs/<run_id>/finalize", "POST", roles=PAYROLL, summary="Finalise a draft run",
     body=FINALIZE_BODY, response=OBJECT)
def finalize_run(run_id: str) -> Any:
    """The period must be over; days still missing a punch must be resolved or accepted."""
    data = json_body(FINALIZE_BODY)
    return jsonify(payroll.finalize(_ctx(), current_user_or_none(), run_id, bool(data.get("accept_flagged"))))


@api(bp, "/payroll/runs/<run_id>/payslips/<employee_code>", "GET", roles=EVERYONE,
     summary="One payslip (employees: their own); ?format=html for the printable one",
     query=(Param("format", {"type": "string", "enum": ["json", "html"]}),), response=OBJECT)
def payslip(run_id: str, employee_code: str) -> Any:
    """Decrypted on read; amounts in paise (JSON) or rupees (HTML)."""
    doc = payroll.payslip(_ctx(), current_user_or_none(), run_id, employee_code)
    if request.args.get("format") == "html":
        return Response(payslip_html(doc, _ctx().config.get("store.name")), mimetype="text/html")
    return jsonify(doc)


@api(bp, "/payroll/runs/<run_id>/export.csv", "GET", media_type="text/csv", roles=PAYROLL,
     summary="The run's payslips as CSV",
     response={"type": "string"})
def export(run_id: str) -> Any:
    """The domain's payslip CSV: rupees with 2 decimals, days with 3, minutes whole (a fresh TOTP code
    first: the file leaves the box with everyone's pay)."""
    require_step_up("exporting payroll")
    text = payroll.payroll_csv(_ctx(), current_user_or_none(), run_id)
    return _csv(text, f"payroll-{run_id}.csv")


def inr(paise: int) -> str:
    """Rupees with Indian digit grouping: 158250 paise → ``1,582.50``; 12345678900 → ``12,34,56,789.00``."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])
    return f"{sign}{digits}.{rest:02d}"


def _days(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


def payslip_html(doc: dict[str, Any], store_name: str) -> str:
    """A printable payslip (A5/A4 or an 80 mm receipt printer's browser): everything escaped."""
    rows = [
        ("Pay basis", f"{doc['basis']} at ₹{inr(doc['rate_paise'])}"),
        ("Paid days", _days(doc["paid_days_milli"])), ("Absent days", _days(doc["absent_days_milli"])),
        ("Paid leave days", _days(doc["leave_paid_days_milli"])),
        ("Unpaid leave days", _days(doc["leave_unpaid_days_milli"])),
        ("Worked minutes", str(doc["worked_minutes"])), ("Overtime minutes", str(doc["overtime_minutes"])),
        ("Basic", f"₹{inr(doc['basic_paise'])}"), ("Overtime", f"₹{inr(doc['overtime_paise'])}"),
        ("Gross", f"₹{inr(doc['gross_paise'])}"), ("Deductions", f"₹{inr(doc['deductions_paise'])}"),
        ("Net pay", f"₹{inr(doc['net_paise'])}"),
    ]
    body = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows)
    flagged = (f"<p class='warn'>{int(doc['flagged_days'])} day(s) still miss a punch.</p>"
               if doc["flagged_days"] else "")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Payslip "
        f"{escape(doc['employee_code'])} {escape(doc['period_start'])}</title><style>"
        "body{font-family:sans-serif;max-width:40em;margin:1em auto}table{border-collapse:collapse;width:100%}"
        "th,td{border-bottom:1px solid #ccc;padding:.3em;text-align:left}td{text-align:right}"
        ".warn{color:#a00}@media print{button{display:none}}</style></head><body>"
        f"<h1>{escape(store_name)}</h1><h2>Payslip {escape(doc['period_start'])} to {escape(doc['period_end'])}</h2>"
        f"<p>{escape(doc['employee_code'])} — {escape(doc['employee_name'])}<br>{escape(doc.get('designation', ''))}"
        f" {escape(doc.get('department', ''))}</p><table>{body}</table>{flagged}"
        f"<p>Run {escape(doc['run']['id'])} ({escape(doc['run']['status'])})</p></body></html>"
    )


# --------------------------------------------------------------------------------------------- realtime


def clock_room(device: str) -> str:
    """Socket.IO room of an attendance terminal or clock: its punch confirmations go there."""
    return f"clock:{device}"


def register_realtime(socketio: SocketIO, bus: EventBus) -> bool:
    """Push ``punch.confirmed`` (event ``punch``) and ``punch.rejected`` (event ``punch_rejected``) to the room
    of the terminal that took the punch, and let terminal logins join it (``join_clock`` {device}).

    Idempotent per Socket.IO server; returns False when it was already registered.
    """
    if getattr(socketio, "_attendance_realtime", False):
        return False
    socketio._attendance_realtime = True

    def push(event: str) -> Any:
        def handler(_topic: str, payload: dict[str, Any]) -> None:
            device = payload.get("device")
            if device:
                socketio.emit(event, payload, to=clock_room(str(device)))
        return handler

    bus.subscribe(attendance.CONFIRMED_TOPIC, push("punch"))
    bus.subscribe(attendance.REJECTED_TOPIC, push("punch_rejected"))

    @socketio.on("join_clock")
    def join_clock(data: Any) -> dict[str, Any]:
        device = data.get("device") if isinstance(data, dict) else None
        if not isinstance(device, str) or not DEVICE_NAME.fullmatch(device):
            return {"error": {"code": "invalid", "message": "device must be a terminal name", "field": "device"}}
        ctx = current_app.extensions["pos"]
        with ctx.db.connection_context():
            user = resolve_session(ctx, request.cookies.get(SESSION_COOKIE))
            role = user.role if user is not None else None
        if role not in attendance.TERMINAL_ROLES:
            return {"error": {"code": "forbidden", "message": "this login may not run a terminal", "field": None}}
        join_room(clock_room(device))
        return {"ok": True, "room": clock_room(device)}

    @socketio.on("leave_clock")
    def leave_clock(data: Any) -> dict[str, Any]:
        device = data.get("device") if isinstance(data, dict) else None
        if isinstance(device, str):
            leave_room(clock_room(device))
        return {"ok": True}

    return True
