import { useState } from "react";
import { useEmployeesQuery, useMeQuery } from "../../api/api";
import {
  csvUrl,
  useAttendanceRegisterQuery,
  useLeaveBalancesQuery,
  useMonthlyReportQuery,
  type MonthFilters,
  type MonthlyReportKind,
} from "../../api/customers";
import { failed } from "../../api/office";
import { DIRECTORY_READERS } from "../../auth/roles";
import { Field, FormError, PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { parseCsv, shownCell } from "../../lib/csvTable";
import { formatDays, formatMinutes, isoDay } from "../../lib/forms";

// ------------------------------------------------------------------------------------- leave balances

/** Leave balances per type for a year (GET /leave/balances): one employee at a time; employees their own. */
export function LeaveBalances() {
  const { data: me } = useMeQuery();
  const readsOthers = Boolean(me && DIRECTORY_READERS.includes(me.role));
  const { data: directory } = useEmployeesQuery(undefined, { skip: !readsOthers });
  const [employee, setEmployee] = useState("");
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const yearNumber = /^\d{4}$/.test(year) ? Number(year) : undefined;
  const { data, error, isFetching } = useLeaveBalancesQuery({ employee: employee || undefined, year: yearNumber });
  const problem = error ? failed(error) : null;
  const asOf = data?.items[0]?.as_of;
  return (
    <section className="card mt-4 p-4" aria-label="Leave balances" data-testid="leave-balances">
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm">
        <h2 className="mr-2 text-xl font-semibold">Leave balances</h2>
        {readsOthers && (
          <Field label="Employee" name="employee" error={problem}>
            <select className="field field-sm" aria-label="Balances of" value={employee} onChange={(e) => setEmployee(e.target.value)}>
              <option value="">my own</option>
              {directory?.items.map((e) => <option key={e.code} value={e.code}>{e.code} {e.name}</option>)}
            </select>
          </Field>
        )}
        <Field label="Year" name="year" error={problem}>
          <input className="field field-sm w-20" aria-label="Year" inputMode="numeric" maxLength={4} value={year}
            onChange={(e) => setYear(e.target.value.replace(/\D/g, ""))} />
        </Field>
        {asOf && <span className="pb-2 text-slate-500">as of {asOf}</span>}
      </div>
      <FormError error={problem} fields={["employee", "year"]} />
      {data && data.items.length === 0 && <p className="text-slate-500">Choose an employee.</p>}
      {data && data.items.length > 0 && (
        <table className={`w-full text-sm ${isFetching ? "opacity-60" : ""}`} aria-label="Balances">
          <thead className="text-left text-xs uppercase text-slate-500">
            <tr><th className="py-1">Leave</th><th>Paid</th><th className="text-right">Carried</th><th className="text-right">Accrued</th>
              <th className="text-right">Used</th><th className="text-right">Pending</th><th className="text-right">Available</th></tr>
          </thead>
          <tbody>
            {data.items.map((b) => (
              <tr key={b.leave_type} className="border-t border-slate-100" data-testid="balance-row">
                <td className="py-1">{b.name} <span className="font-mono text-slate-500">{b.leave_type}</span></td>
                <td>{b.paid ? "paid" : "unpaid"}</td>
                <td className="num">{formatDays(b.carried_milli)}</td>
                <td className="num">{formatDays(b.accrued_milli)}</td>
                <td className="num">{formatDays(b.used_milli)}</td>
                <td className="num">{formatDays(b.pending_milli)}</td>
                <td className="num font-semibold" data-testid="available">{formatDays(b.available_milli)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ------------------------------------------------------------------------- monthly register and reports

function lastMonth(): string {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return isoDay(d).slice(0, 7);
}

type Tab = "register" | MonthlyReportKind;

const TABS: [Tab, string][] = [
  ["register", "Attendance register"], ["overtime", "Overtime"], ["late", "Late arrivals"], ["leave", "Leave taken"],
];
const REPORT_LABELS: Record<MonthlyReportKind, string> = { overtime: "Overtime", late: "Late arrivals", leave: "Leave taken" };

const MINUTES = /_minutes$/;

const HEADINGS: Record<string, string> = {
  employee_code: "Code", employee_name: "Name", department: "Department", shift: "Shift",
  present: "P", half_days: "HD", absent: "A", leave: "L", holidays: "H", weekly_offs: "WO",
  worked_minutes: "Worked", overtime_minutes: "Overtime", late_minutes: "Late", flagged_days: "Flagged",
  overtime_weekday_minutes: "Weekdays", overtime_weekend_minutes: "Weekly offs", overtime_holiday_minutes: "Holidays",
  days_with_overtime: "Days", late_days: "Late days", early_exit_days: "Early exits", early_exit_minutes: "Left early",
  leave_type: "Leave", paid: "Paid", days: "Days",
};

/** A register or report cell for the screen: minutes as hours, day cells as they are. */
function cellText(column: string, value: string): string {
  if (MINUTES.test(column) && /^\d+$/.test(value)) return formatMinutes(Number(value));
  return shownCell(value);
}

function Grid({ rows, label }: { rows: string[][]; label: string }) {
  const [header, ...body] = rows;
  if (!header) return null;
  if (body.length === 0) return <p className="p-4 text-slate-500">Nobody in this month's {label.toLowerCase()}.</p>;
  return (
    <table className="w-full whitespace-nowrap text-xs" aria-label={label}>
      <thead className="sticky top-0 bg-slate-50 text-left uppercase text-slate-500">
        <tr>{header.map((h) => <th key={h} className={`px-1.5 py-1.5 ${/^\d\d$/.test(h) ? "text-center" : ""}`}>{HEADINGS[h] ?? h}</th>)}</tr>
      </thead>
      <tbody>
        {body.map((row, index) => (
          <tr key={`${index}:${row[0]}`} className="border-t border-slate-100" data-testid="register-row">
            {row.map((cell, i) => {
              const column = header[i] ?? "";
              const day = /^\d\d$/.test(column);
              const look = day ? `text-center ${cell.startsWith("A") ? "text-rose-700" : cell.endsWith("*") ? "bg-amber-50" : ""}` : "";
              return <td key={column} className={`px-1.5 py-1 ${look}`}>{cellText(column, cell)}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ReportTable({ kind, filters }: { kind: MonthlyReportKind; filters: MonthFilters }) {
  const { data, error, isFetching } = useMonthlyReportQuery({ kind, ...filters });
  if (error) return <FormError error={failed(error)} />;
  if (!data) return <p className="p-4 text-slate-500">Loading…</p>;
  const first = data.items[0];
  const columns = first ? Object.keys(first) : ["employee_code"];
  const rows = [columns, ...data.items.map((item) => columns.map((c) => String(item[c] ?? "")))];
  return <div className={isFetching ? "opacity-60" : ""}><Grid rows={rows} label={REPORT_LABELS[kind]} /></div>;
}

function RegisterTable({ filters }: { filters: MonthFilters }) {
  const { data, error, isFetching } = useAttendanceRegisterQuery(filters);
  if (error) return <FormError error={failed(error)} />;
  if (data === undefined) return <p className="p-4 text-slate-500">Loading…</p>;
  return <div className={isFetching ? "opacity-60" : ""}><Grid rows={parseCsv(data)} label="Attendance register" /></div>;
}

/**
 * The month's attendance register (employee × day: P, HD, A, L, H, WO; * a punch missing; then totals) and
 * the overtime, late-arrival and leave reports, each with its CSV exactly as the API exports it.
 */
export function MonthlyRegisterPage() {
  const [month, setMonth] = useState(lastMonth());
  const [department, setDepartment] = useState("");
  const [shift, setShift] = useState("");
  const [tab, setTab] = useState<Tab>("register");
  const filters: MonthFilters = { month, department: department.trim() || undefined, shift: shift.trim() || undefined };
  const valid = /^\d{4}-\d{2}$/.test(month);
  const csv = tab === "register"
    ? csvUrl("/attendance/register.csv", { ...filters })
    : csvUrl(`/attendance/reports/${tab}`, { ...filters, format: "csv" });
  return (
    <OfficeLayout group="hr">
      <PageHeader title="Monthly register">
        <a className={`btn btn-sm ml-auto ${valid ? "" : "pointer-events-none opacity-50"}`} href={csv} download data-testid="csv">
          Download CSV
        </a>
      </PageHeader>
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm">
        <label className="block">
          <span className="mb-1 block font-medium text-slate-600">Month</span>
          <input type="month" className="field field-sm" aria-label="Month" value={month} onChange={(e) => setMonth(e.target.value)} />
        </label>
        <label className="block">
          <span className="mb-1 block font-medium text-slate-600">Department</span>
          <input className="field field-sm w-36" aria-label="Department" value={department} onChange={(e) => setDepartment(e.target.value)} placeholder="all" />
        </label>
        <label className="block">
          <span className="mb-1 block font-medium text-slate-600">Shift</span>
          <input className="field field-sm w-20" aria-label="Shift" value={shift} onChange={(e) => setShift(e.target.value)} placeholder="all" />
        </label>
        <div role="tablist" aria-label="Report" className="ml-4 flex gap-1">
          {TABS.map(([key, label]) => (
            <button key={key} type="button" role="tab" aria-selected={tab === key}
              className={`btn btn-sm ${tab === key ? "border-sky-700 bg-sky-700 text-white" : ""}`} onClick={() => setTab(key)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {tab === "register" && (
        <p className="mb-2 text-xs text-slate-500">P present · HD half day · A absent · L leave · H holiday · WO weekly off · * a punch missing · blank: not derived yet</p>
      )}
      <div className="card max-h-[calc(100vh-15rem)] overflow-auto" data-testid="register">
        {!valid ? <p className="p-4 text-slate-500">Choose a month.</p>
          : tab === "register" ? <RegisterTable filters={filters} /> : <ReportTable kind={tab} filters={filters} />}
      </div>
    </OfficeLayout>
  );
}
