"""Payroll use cases: a run for a period, payslips, the CSV export, finalising (rules in edge/domain/payroll.py).

Pay rates are read from ``Employee.pay_rate_enc`` (AES-GCM, context ``employee.pay_rate``). Every amount of a
payslip lives only in ``Payslip.amounts_enc`` (AES-GCM, context ``payslip.amounts``): a JSON document with the
whole domain payslip plus the run's UUID and the employee's code, checked on every read so a ciphertext
copied onto another row is refused. Only ``paid_days_milli`` and ``overtime_minutes`` (not money) are plain
columns. Replicated events carry no amounts.
"""

from __future__ import annotations

import uuid as uuid_module
from collections import defaultdict
from datetime import date
from typing import Any

from edge.domain import payroll as pay_rules
from edge.domain.attendance import DayResult
from edge.domain.errors import RuleError
from edge.services import attendance
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from edge.services.records import by_uuid
from edge.store.db import write_transaction
from edge.store.models import AttendanceDay, Employee, PayrollRun, Payslip, User
from edge.store.outbox import enqueue

PAYROLL_ROLES = frozenset({"hr", "admin"})  # run payroll, see every payslip, export; employees see their own
PAY_RATE_CONTEXT = "employee.pay_rate"
AMOUNTS_CONTEXT = "payslip.amounts"
DOCUMENT_VERSION = 1


def _require_payroll_role(user: User) -> None:
    if user.role not in PAYROLL_ROLES:
        raise Forbidden("only HR or an administrator handles payroll")


def _run(run_id: str, for_update: bool = False) -> PayrollRun:
    return by_uuid(PayrollRun, run_id, "run_id", "payroll run", lock=for_update)


def pay_terms(ctx: ServiceContext, employee: Employee) -> pay_rules.EmployeePay:
    """An employee's pay basis, decrypted rate and overtime eligibility."""
    rate = ctx.cipher.decrypt_json(employee.pay_rate_enc, PAY_RATE_CONTEXT)
    try:
        return pay_rules.EmployeePay(employee.code, employee.name, employee.pay_basis, int(rate),
                                     bool(employee.overtime_eligible))
    except RuleError as exc:
        raise InvalidInput(f"{employee.code}: {exc.message}", exc.field, exc.code) from exc


def period_days(ctx: ServiceContext, employees: list[Employee], start: date,
                end: date) -> dict[int, list[DayResult]]:
    """The stored days of the period as the domain's DayResults (approved leave attached), by employee ID."""
    shifts = attendance.shift_rules(ctx)
    leave = attendance.approved_leave(None, start, end)
    wanted = {int(e.id) for e in employees}
    days: dict[int, list[DayResult]] = defaultdict(list)
    for row in AttendanceDay.select().where(AttendanceDay.work_date.between(start, end)).order_by(
            AttendanceDay.work_date):
        if row.employee_id in wanted:
            days[row.employee_id].append(attendance.day_from_row(row, shifts, leave.get(row.employee_id)))
    return days


def compute_payslips(ctx: ServiceContext, start: date, end: date) -> list[tuple[Employee, pay_rules.Payslip]]:
    """Every employed employee's payslip for the period from the days stored now (nothing is written)."""
    employees = attendance.employees_for(start, end, None)
    days = period_days(ctx, employees, start, end)
    policy = attendance.overtime_policy(ctx)
    slips = []
    for employee in employees:
        try:
            slip = pay_rules.pay_for_period(pay_terms(ctx, employee), days.get(int(employee.id), []), start, end,
                                            policy)
        except RuleError as exc:
            raise InvalidInput(f"{employee.code}: {exc.message}", exc.field, exc.code) from exc
        slips.append((employee, slip))
    return slips


def slip_document(slip: pay_rules.Payslip, run: PayrollRun) -> dict[str, Any]:
    """The encrypted payslip document: the domain payslip, bound to its run and employee."""
    return {
        "v": DOCUMENT_VERSION, "run": str(run.uuid), "employee_code": slip.employee_code,
        "employee_name": slip.employee_name, "period_start": slip.period_start.isoformat(),
        "period_end": slip.period_end.isoformat(), "basis": str(slip.basis), "rate_paise": slip.rate_paise,
        "paid_days_milli": slip.paid_days_milli, "absent_days_milli": slip.absent_days_milli,
        "leave_paid_days_milli": slip.leave_paid_days_milli, "leave_unpaid_days_milli": slip.leave_unpaid_days_milli,
        "worked_minutes": slip.worked_minutes, "paid_leave_minutes": slip.paid_leave_minutes,
        "paid_minutes": slip.paid_minutes, "overtime_minutes": slip.overtime_minutes,
        "overtime_weekday_minutes": slip.overtime_weekday_minutes,
        "overtime_weekend_minutes": slip.overtime_weekend_minutes,
        "overtime_holiday_minutes": slip.overtime_holiday_minutes, "overtime_paise": slip.overtime_paise,
        "basic_paise": slip.basic_paise,
        "deductions": [{"code": item.code, "amount_paise": item.amount_paise} for item in slip.deductions],
        "deductions_paise": slip.deductions_paise, "gross_paise": slip.gross_paise, "net_paise": slip.net_paise,
        "flagged_days": slip.flagged_days,
    }


def slip_from_document(doc: dict[str, Any]) -> pay_rules.Payslip:
    """A decrypted document as the domain's payslip (for the CSV)."""
    return pay_rules.Payslip(
        employee_code=doc["employee_code"], employee_name=doc["employee_name"],
        period_start=date.fromisoformat(doc["period_start"]), period_end=date.fromisoformat(doc["period_end"]),
        basis=pay_rules.PayBasis(doc["basis"]), rate_paise=doc["rate_paise"], paid_days_milli=doc["paid_days_milli"],
        absent_days_milli=doc["absent_days_milli"], leave_paid_days_milli=doc["leave_paid_days_milli"],
        leave_unpaid_days_milli=doc["leave_unpaid_days_milli"], worked_minutes=doc["worked_minutes"],
        paid_leave_minutes=doc["paid_leave_minutes"], paid_minutes=doc["paid_minutes"],
        overtime_minutes=doc["overtime_minutes"], overtime_weekday_minutes=doc["overtime_weekday_minutes"],
        overtime_weekend_minutes=doc["overtime_weekend_minutes"],
        overtime_holiday_minutes=doc["overtime_holiday_minutes"], overtime_paise=doc["overtime_paise"],
        basic_paise=doc["basic_paise"],
        deductions=tuple(pay_rules.Deduction(item["code"], item["amount_paise"]) for item in doc["deductions"]),
        deductions_paise=doc["deductions_paise"], gross_paise=doc["gross_paise"], net_paise=doc["net_paise"],
        flagged_days=doc["flagged_days"],
    )


def _decrypt(ctx: ServiceContext, row: Payslip, run: PayrollRun, employee_code: str) -> dict[str, Any]:
    doc: dict[str, Any] = ctx.cipher.decrypt_json(row.amounts_enc, AMOUNTS_CONTEXT)
    if doc.get("run") != str(run.uuid) or doc.get("employee_code") != employee_code:
        raise Conflict("the payslip's encrypted document belongs to another record", "payslip", "document_mismatch")
    return doc


def run_payroll(ctx: ServiceContext, user: User, start: date, end: date) -> PayrollRun:
    """Pay everyone employed in the period: derive the days not derived yet, then one encrypted payslip each.

    A draft run of exactly this period is computed again in place; a finalised run overlapping it is a
    Conflict. Audited; outbox ``payroll.run`` without amounts.
    """
    _require_payroll_role(user)
    attendance.check_range(start, end)

    def refuse_finalised() -> None:
        if PayrollRun.select().where((PayrollRun.status == "final") & (PayrollRun.period_start <= end)
                                     & (PayrollRun.period_end >= start)).exists():
            raise Conflict("a finalised payroll run covers part of this period", "from", "period_finalised")

    refuse_finalised()
    attendance.derive_missing(ctx, start, end)
    slips = compute_payslips(ctx, start, end)
    with write_transaction(ctx.db):
        refuse_finalised()
        run = PayrollRun.get_or_none((PayrollRun.status == "draft") & (PayrollRun.period_start == start)
                                     & (PayrollRun.period_end == end))
        now = ctx.now()
        if run is None:
            run = PayrollRun.create(period_start=start, period_end=end, status="draft", created_by=user,
                                    created_at=now)
        else:
            Payslip.delete().where(Payslip.payroll_run == run).execute()
            PayrollRun.update(created_by=user, created_at=now).where(PayrollRun.id == run.id).execute()
            run = PayrollRun.get_by_id(run.id)
        rows = [{
            "uuid": uuid_module.uuid4(), "payroll_run": run.id, "employee": employee.id,
            "paid_days_milli": slip.paid_days_milli, "overtime_minutes": slip.overtime_minutes,
            "amounts_enc": ctx.cipher.encrypt_json(slip_document(slip, run), AMOUNTS_CONTEXT),
        } for employee, slip in slips]
        for offset in range(0, len(rows), 200):
            Payslip.insert_many(rows[offset:offset + 200]).execute()
        flagged = sum(slip.flagged_days for _, slip in slips)
        record_audit(ctx, "payroll.run", user, "payroll_run", str(run.uuid),
                     details={"from": start.isoformat(), "to": end.isoformat(), "payslips": len(rows),
                              "flagged_days": flagged})
        enqueue_payload = {
            "run": str(run.uuid), "from": start.isoformat(), "to": end.isoformat(), "status": run.status,
            "by": user.username, "flagged_days": flagged,
            "payslips": [{"uuid": str(row["uuid"]), "employee": employee.code,
                          "paid_days_milli": slip.paid_days_milli, "overtime_minutes": slip.overtime_minutes}
                         for row, (employee, slip) in zip(rows, slips, strict=True)],
        }
        enqueue("payroll.run", run.uuid, enqueue_payload)
    return run


def _slip_rows(run: PayrollRun) -> list[tuple[Payslip, Employee]]:
    query = (Payslip.select(Payslip, Employee).join(Employee).where(Payslip.payroll_run == run)
             .order_by(Employee.code))
    return [(row, row.employee) for row in query]


def run_view(ctx: ServiceContext, user: User, run_id: str) -> dict[str, Any]:
    """A run with its totals and one line per payslip (decrypted; HR and administrators only)."""
    _require_payroll_role(user)
    run = _run(run_id)
    lines = []
    totals: dict[str, int] = defaultdict(int)
    for row, employee in _slip_rows(run):
        doc = _decrypt(ctx, row, run, employee.code)
        for name in ("basic_paise", "overtime_paise", "deductions_paise", "gross_paise", "net_paise",
                     "paid_days_milli", "overtime_minutes", "worked_minutes", "flagged_days"):
            totals[name] += int(doc[name])
        lines.append({"employee_code": employee.code, "employee_name": employee.name, "basis": doc["basis"],
                      "paid_days_milli": doc["paid_days_milli"], "overtime_minutes": doc["overtime_minutes"],
                      "gross_paise": doc["gross_paise"], "net_paise": doc["net_paise"],
                      "flagged_days": doc["flagged_days"]})
    return {**run_summary(run), "payslip_count": len(lines), "totals": dict(totals), "payslips": lines}


def run_summary(run: PayrollRun) -> dict[str, Any]:
    """A run's identity, period and state (no amounts)."""
    return {
        "id": str(run.uuid), "from": run.period_start.isoformat(), "to": run.period_end.isoformat(),
        "status": run.status, "created_by": run.created_by.username, "created_at": attendance.iso_utc(run.created_at),
        "finalized_at": attendance.iso_utc(run.finalized_at),
    }


LIST_TOTALS = ("basic_paise", "overtime_paise", "deductions_paise", "gross_paise", "net_paise", "flagged_days")


def list_runs(ctx: ServiceContext, user: User, page: int, per_page: int) -> dict[str, Any]:
    """Payroll runs, latest period first, one page: period, state, payslip count and money totals (no payslip
    lines, no bank or rate details), so HR can reopen an earlier run."""
    _require_payroll_role(user)
    total = PayrollRun.select().count()
    runs = list(PayrollRun.select(PayrollRun, User).join(User)
                .order_by(PayrollRun.period_start.desc(), PayrollRun.period_end.desc(), PayrollRun.id.desc())
                .paginate(page, per_page))
    counts: dict[int, int] = defaultdict(int)
    totals: dict[int, dict[str, int]] = {int(run.id): dict.fromkeys(LIST_TOTALS, 0) for run in runs}
    by_id = {int(run.id): run for run in runs}
    if runs:
        slips = (Payslip.select(Payslip, Employee.code).join(Employee)
                 .where(Payslip.payroll_run.in_(list(by_id))))
        for row in slips:
            run_id = int(row.payroll_run_id)
            doc = _decrypt(ctx, row, by_id[run_id], row.employee.code)
            counts[run_id] += 1
            for name in LIST_TOTALS:
                totals[run_id][name] += int(doc[name])
    items = [{**run_summary(run), "payslip_count": counts[int(run.id)], "totals": totals[int(run.id)]}
             for run in runs]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": -(-total // per_page) if total else 0}


def payslip(ctx: ServiceContext, user: User, run_id: str, employee_code: str) -> dict[str, Any]:
    """One decrypted payslip: HR and administrators read any, everyone else only their own."""
    run = _run(run_id)
    employee = Employee.get_or_none(Employee.code == employee_code)
    own = employee is not None and user.employee_id is not None and user.employee_id == employee.id
    if user.role not in PAYROLL_ROLES and not own:
        raise Forbidden("you may read only your own payslip", "employee", "own_records_only")
    row = None if employee is None else Payslip.get_or_none((Payslip.payroll_run == run)
                                                           & (Payslip.employee == employee))
    if row is None or employee is None:
        raise NotFound(f"no payslip for {employee_code!r} in this run", "employee")
    doc = _decrypt(ctx, row, run, employee.code)
    department = employee.department.name if employee.department_id else ""
    return {**doc, "run": run_summary(run), "payslip_id": str(row.uuid), "department": department,
            "designation": employee.designation}


def payroll_csv(ctx: ServiceContext, user: User, run_id: str) -> str:
    """The run's payslips as the domain's CSV (RFC 4180, CRLF, rupees with 2 decimals, days with 3)."""
    _require_payroll_role(user)
    run = _run(run_id)
    slips = [slip_from_document(_decrypt(ctx, row, run, employee.code)) for row, employee in _slip_rows(run)]
    return pay_rules.payslips_csv(slips)


def finalize(ctx: ServiceContext, user: User, run_id: str, accept_flagged: bool = False) -> dict[str, Any]:
    """Close a draft run for good: its period must be over, and days still missing a punch must be resolved
    first (or knowingly accepted). Audited; outbox ``payroll.finalized``."""
    _require_payroll_role(user)
    with write_transaction(ctx.db):
        run = _run(run_id, for_update=True)
        if run.status != "draft":
            raise Conflict(f"the run is already {run.status}", "status", "not_draft")
        if run.period_end >= attendance.today(ctx):
            raise Conflict("the period is not over yet", "to", "period_not_over")
        flagged = 0
        for row, employee in _slip_rows(run):
            flagged += int(_decrypt(ctx, row, run, employee.code)["flagged_days"])
        if flagged and not accept_flagged:
            raise Conflict(f"{flagged} day(s) still miss a punch; correct them and run payroll again, or accept "
                           "them", "accept_flagged", "flagged_days")
        now = ctx.now()
        PayrollRun.update(status="final", finalized_at=now).where(PayrollRun.id == run.id).execute()
        run = PayrollRun.get_by_id(run.id)
        record_audit(ctx, "payroll.finalized", user, "payroll_run", str(run.uuid),
                     details={"flagged_days": flagged, "accepted_flagged": bool(flagged)})
        enqueue("payroll.finalized", run.uuid, {"run": str(run.uuid), "by": user.username,
                                                "finalized_at": attendance.iso_utc(now)})
    return run_summary(run)
