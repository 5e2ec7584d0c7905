import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { useMeQuery } from "../../api/api";
import {
  failed,
  useAddPunchMutation,
  useAskLeaveMutation,
  useCorrectPunchMutation,
  useDaysQuery,
  useDecideLeaveMutation,
  useDeriveDaysMutation,
  useFinalizePayrollMutation,
  useLeaveRequestsQuery,
  useLeaveTypesQuery,
  usePayrollRunQuery,
  usePayrollRunsQuery,
  usePunchesQuery,
  useRunPayrollMutation,
} from "../../api/office";
import type { LeaveRequest, PayrollRun, Punch } from "../../api/officeTypes";
import type { ApiError } from "../../api/types";
import { HR_DECIDERS } from "../../auth/roles";
import { Field, FieldError, Flash, FormError, PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { useStepUp } from "../../components/StepUpPrompt";
import { useDraft } from "../../hooks/useDraft";
import { clockTime, download, formatDays, formatMinutes, isoDay, monthRange } from "../../lib/forms";
import { formatPaise } from "../../lib/money";
import { LeaveBalances } from "./HrReports";

function daysAgo(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return isoDay(d);
}

// ------------------------------------------------------------------------------------------------ days

/** Derived attendance days: status, in, out, worked, late, overtime, flags (employees: their own). */
export function AttendancePage() {
  const [filters, setFilters] = useState({ employee: "", department: "", from: daysAgo(6), to: isoDay() });
  const { data, error, isFetching } = useDaysQuery(filters);
  const [derive, { isLoading }] = useDeriveDaysMutation();
  const [deriveError, setDeriveError] = useState<ApiError | null>(null);
  const { data: me } = useMeQuery();
  const set = (name: keyof typeof filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [name]: e.target.value });

  async function deriveNow() {
    setDeriveError(null);
    try {
      await derive({ from: filters.from, to: filters.to, employee: filters.employee || undefined }).unwrap();
    } catch (failure) {
      setDeriveError(failed(failure));
    }
  }

  const problem = error ? failed(error) : null;
  return (
    <OfficeLayout group="hr">
      <PageHeader title="Attendance" />
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm">
        {me?.role !== "employee" && (
          <>
            <Field label="Employee code" name="employee" error={problem}><input className="field field-sm w-28" value={filters.employee} onChange={set("employee")} /></Field>
            <Field label="Department" name="department" error={problem}><input className="field field-sm w-36" value={filters.department} onChange={set("department")} /></Field>
          </>
        )}
        <Field label="From" name="from" error={problem}><input type="date" className="field field-sm" value={filters.from} onChange={set("from")} /></Field>
        <Field label="To" name="to" error={problem}><input type="date" className="field field-sm" value={filters.to} onChange={set("to")} /></Field>
        {me && me.role !== "employee" && me.role !== "cashier" && (
          <button type="button" className="btn btn-sm" onClick={() => void deriveNow()} disabled={isLoading}>Derive these days now</button>
        )}
      </div>
      <FormError error={problem} fields={["employee", "department", "from", "to"]} />
      <FormError error={deriveError} />
      <div className="card overflow-auto">
        <table className={`w-full text-sm ${isFetching ? "opacity-60" : ""}`} aria-label="Attendance days">
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
            <tr><th className="px-3 py-2">Date</th><th className="px-3 py-2">Employee</th><th className="px-3 py-2">Status</th><th className="px-3 py-2">In</th><th className="px-3 py-2">Out</th><th className="px-3 py-2">Worked</th><th className="px-3 py-2">Late</th><th className="px-3 py-2">Overtime</th><th className="px-3 py-2">Flags</th></tr>
          </thead>
          <tbody>
            {data?.items.map((d) => (
              <tr key={`${d.employee_code}-${d.work_date}`} className="border-t border-slate-100" data-testid="day-row">
                <td className="px-3 py-1">{d.work_date}</td><td className="px-3 py-1">{d.employee_code} {d.employee_name}</td>
                <td className="px-3 py-1">{d.status}</td><td className="px-3 py-1">{clockTime(d.first_in_local)}</td><td className="px-3 py-1">{clockTime(d.last_out_local)}</td>
                <td className="px-3 py-1">{formatMinutes(d.worked_minutes)}</td><td className="px-3 py-1">{formatMinutes(d.late_minutes)}</td>
                <td className="px-3 py-1">{formatMinutes(d.overtime_minutes)}</td><td className="px-3 py-1 text-amber-700">{d.flags.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <p className="p-4 text-slate-500">No days derived in this range (the nightly job derives them; or derive them now).</p>}
      </div>
    </OfficeLayout>
  );
}

// --------------------------------------------------------------------------------------------- punches

/** Punches and their corrections (HR, managers): move or void a punch, add a forgotten one, with a reason. */
export function PunchesPage() {
  const [employee, setEmployee] = useState("");
  const [range, setRange] = useState({ from: daysAgo(6), to: isoDay() });
  const { data, error } = usePunchesQuery({ employee: employee.trim() || undefined, ...range });
  const [editing, setEditing] = useState<Punch | null>(null);
  const problem = error ? failed(error) : null;
  return (
    <OfficeLayout group="hr">
      <PageHeader title="Punch corrections" />
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm">
        <Field label="Employee code" name="employee" error={problem}><input className="field field-sm w-28" value={employee} onChange={(e) => setEmployee(e.target.value)} /></Field>
        <Field label="From" name="from" error={problem}><input type="date" className="field field-sm" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} /></Field>
        <Field label="To" name="to" error={problem}><input type="date" className="field field-sm" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} /></Field>
      </div>
      <FormError error={problem} fields={["employee", "from", "to"]} />
      <div className="grid grid-cols-[1fr_22rem] gap-4">
        <div className="card overflow-auto">
          <table className="w-full text-sm" aria-label="Punches">
            <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
              <tr><th className="px-3 py-2">When</th><th className="px-3 py-2">Employee</th><th className="px-3 py-2">Direction</th><th className="px-3 py-2">Source</th><th className="px-3 py-2">Status</th><th className="px-3 py-2" /></tr>
            </thead>
            <tbody>
              {data?.items.map((p) => (
                <tr key={p.id} className={`border-t border-slate-100 ${p.status === "voided" ? "text-slate-400 line-through" : ""}`} data-testid="punch-row">
                  <td className="px-3 py-1">{p.at_local.slice(0, 10)} {clockTime(p.at_local)}</td><td className="px-3 py-1">{p.employee_code}</td>
                  <td className="px-3 py-1">{p.direction ?? "auto"}</td><td className="px-3 py-1">{p.source}{p.correction_reason ? ` — ${p.correction_reason}` : ""}</td>
                  <td className="px-3 py-1">{p.status}</td>
                  <td className="px-3 py-1">{p.status !== "voided" && <button type="button" className="btn btn-sm" onClick={() => setEditing(p)}>Correct</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="space-y-4">
          {editing && <CorrectPunchForm key={editing.id} punch={editing} onDone={() => setEditing(null)} />}
          <AddPunchForm />
        </div>
      </div>
    </OfficeLayout>
  );
}

function CorrectPunchForm({ punch, onDone }: { punch: Punch; onDone: () => void }) {
  const [at, setAt] = useState(punch.at_local.slice(0, 16));
  const [direction, setDirection] = useState<string>(punch.direction ?? "");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [correct, { isLoading }] = useCorrectPunchMutation();
  async function send(voidIt: boolean) {
    setError(null);
    try {
      const change = voidIt ? { void: true } : { at, direction: (direction || null) as "in" | "out" | null };
      await correct({ id: punch.id, reason: reason.trim(), ...change }).unwrap();
      onDone();
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={(e) => { e.preventDefault(); void send(false); }} aria-label="Correct a punch">
      <h2 className="font-semibold">Correct {punch.employee_code}'s punch</h2>
      <FormError error={error} fields={["at", "direction", "reason"]} />
      <Field label="Time (store time)" name="at" error={error}><input type="datetime-local" className="field w-full" value={at} onChange={(e) => setAt(e.target.value)} /></Field>
      <Field label="Direction" name="direction" error={error}>
        <select className="field w-full" value={direction} onChange={(e) => setDirection(e.target.value)}><option value="">auto</option><option value="in">in</option><option value="out">out</option></select>
      </Field>
      <Field label="Reason" name="reason" error={error}><input className="field w-full" value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary btn-sm" disabled={isLoading}>Save</button>
        <button type="button" className="btn btn-danger btn-sm" disabled={isLoading} onClick={() => void send(true)}>Void punch</button>
        <button type="button" className="btn btn-sm" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

interface PunchDraft {
  employee: string;
  at: string;
  direction: string;
  reason: string;
}

function AddPunchForm() {
  const { kept, keep: setDraft, discard } = useDraft<PunchDraft>("add-punch");
  const draft = kept ?? { employee: "", at: `${isoDay()}T09:00`, direction: "in", reason: "" };
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [add, { isLoading }] = useAddPunchMutation();
  const set = (name: keyof typeof draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      await add({ employee: draft.employee.trim(), at: draft.at, direction: (draft.direction || null) as "in" | "out" | null, reason: draft.reason.trim() }).unwrap();
      setDone(`Added the punch for ${draft.employee}.`);
      discard();
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Add a missing punch">
      <h2 className="font-semibold">Add a missing punch</h2>
      <FormError error={error} fields={["employee", "at", "direction", "reason"]} />
      <Field label="Employee code" name="employee" error={error}><input className="field w-full" value={draft.employee} onChange={set("employee")} /></Field>
      <Field label="Time (store time)" name="at" error={error}><input type="datetime-local" className="field w-full" value={draft.at} onChange={set("at")} /></Field>
      <Field label="Direction" name="direction" error={error}>
        <select className="field w-full" value={draft.direction} onChange={set("direction")}><option value="in">in</option><option value="out">out</option><option value="">auto</option></select>
      </Field>
      <Field label="Reason" name="reason" error={error}><input className="field w-full" value={draft.reason} onChange={set("reason")} /></Field>
      <button type="submit" className="btn btn-primary btn-sm" disabled={isLoading}>Add punch</button>
      <Flash text={done} />
    </form>
  );
}

// ------------------------------------------------------------------------------------------------ leave

/** Leave requests: ask (for yourself; HR and managers for anyone), and approve or reject pending ones. */
export function LeavePage() {
  const [status, setStatus] = useState("pending");
  const { data, error } = useLeaveRequestsQuery({ status: status || undefined });
  const { data: me } = useMeQuery();
  const decides = Boolean(me && HR_DECIDERS.includes(me.role));
  return (
    <OfficeLayout group="hr">
      <PageHeader title="Leave">
        <select className="field field-sm" aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="pending">pending</option><option value="approved">approved</option><option value="rejected">rejected</option>
          <option value="cancelled">cancelled</option><option value="">all</option>
        </select>
      </PageHeader>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      <div className="grid grid-cols-[1fr_22rem] gap-4">
        <div className="card overflow-auto">
          <table className="w-full text-sm" aria-label="Leave requests">
            <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
              <tr><th className="px-3 py-2">Employee</th><th className="px-3 py-2">Type</th><th className="px-3 py-2">Dates</th><th className="px-3 py-2">Days</th><th className="px-3 py-2">Reason</th><th className="px-3 py-2">Status</th><th className="px-3 py-2" /></tr>
            </thead>
            <tbody>
              {data?.items.map((r) => <LeaveRow key={r.id} request={r} decides={decides} />)}
            </tbody>
          </table>
          {data && data.items.length === 0 && <p className="p-4 text-slate-500">No {status} requests.</p>}
        </div>
        <AskLeaveForm forOthers={decides} />
      </div>
      <LeaveBalances />
    </OfficeLayout>
  );
}

function LeaveRow({ request, decides }: { request: LeaveRequest; decides: boolean }) {
  const [note, setNote] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [decide, { isLoading }] = useDecideLeaveMutation();
  async function send(decision: "approve" | "reject") {
    setError(null);
    try {
      await decide({ id: request.id, decision, note: note.trim() }).unwrap();
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="leave-row">
      <td className="px-3 py-1.5">{request.employee_code} {request.employee_name}</td><td className="px-3 py-1.5">{request.leave_type}</td>
      <td className="px-3 py-1.5">{request.from}{request.to !== request.from ? ` – ${request.to}` : ""}{request.half_day ? " (half)" : ""}</td>
      <td className="px-3 py-1.5">{formatDays(request.days_milli)}</td><td className="px-3 py-1.5">{request.reason}</td>
      <td className="px-3 py-1.5" data-testid="leave-status">{request.status}{request.decided_by ? ` by ${request.decided_by}` : ""}</td>
      <td className="px-3 py-1.5">
        {decides && request.status === "pending" && (
          <div className="flex flex-col gap-1">
            <input className="field field-sm w-36" placeholder="Note" aria-label={`Note for ${request.employee_code}`} value={note} onChange={(e) => setNote(e.target.value)} />
            <div className="flex gap-1">
              <button type="button" className="btn btn-primary btn-sm" disabled={isLoading} onClick={() => void send("approve")}>Approve</button>
              <button type="button" className="btn btn-danger btn-sm" disabled={isLoading} onClick={() => void send("reject")}>Reject</button>
            </div>
            {error && <p className="text-rose-700" role="alert">{error.message}</p>}
          </div>
        )}
      </td>
    </tr>
  );
}

interface LeaveDraft {
  employee: string;
  leave_type: string;
  from: string;
  to: string;
  half_day: boolean;
  reason: string;
}

function AskLeaveForm({ forOthers }: { forOthers: boolean }) {
  const { data: types } = useLeaveTypesQuery();
  const { kept, keep: setDraft, discard } = useDraft<LeaveDraft>("ask-leave");
  const draft = kept ?? { employee: "", leave_type: "CL", from: isoDay(), to: isoDay(), half_day: false, reason: "" };
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [ask, { isLoading }] = useAskLeaveMutation();
  const set = (name: "employee" | "leave_type" | "from" | "to" | "reason") => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      const request = await ask({ ...draft, employee: forOthers ? draft.employee.trim() : undefined }).unwrap();
      setDone(`Asked ${formatDays(request.days_milli)} of ${request.leave_type} for ${request.employee_name}.`);
      discard();
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Ask for leave">
      <h2 className="font-semibold">Ask for leave</h2>
      <FormError error={error} fields={["employee", "leave_type", "from", "to", "reason"]} />
      {forOthers && <Field label="Employee code (empty: yourself)" name="employee" error={error}><input className="field w-full" value={draft.employee} onChange={set("employee")} /></Field>}
      <Field label="Type" name="leave_type" error={error}>
        <select className="field w-full" value={draft.leave_type} onChange={set("leave_type")}>
          {(types?.items ?? []).map((t) => <option key={t.code} value={t.code}>{t.name}{t.paid ? "" : " (unpaid)"}</option>)}
        </select>
      </Field>
      <div className="flex gap-2">
        <Field label="From" name="from" error={error}><input type="date" className="field" value={draft.from} onChange={set("from")} /></Field>
        <Field label="To" name="to" error={error}><input type="date" className="field" value={draft.to} onChange={set("to")} /></Field>
      </div>
      <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={draft.half_day} onChange={(e) => setDraft({ ...draft, half_day: e.target.checked })} /> Half day</label>
      <Field label="Reason" name="reason" error={error}><input className="field w-full" value={draft.reason} onChange={set("reason")} /></Field>
      <button type="submit" className="btn btn-primary btn-sm" disabled={isLoading}>Ask</button>
      <Flash text={done} />
    </form>
  );
}

// ---------------------------------------------------------------------------------------------- payroll

/** Payroll for a month: run (or recompute the draft), see every payslip's totals, finalise, export CSV. */
export function PayrollPage() {
  const [month, setMonth] = useState(isoDay().slice(0, 7));
  // The run shown is in the URL (?run=<id>): a reload, or a run chosen from the list, opens it again.
  const [params, setParams] = useSearchParams();
  const runId = params.get("run");
  const { data: loaded, error: loadError } = usePayrollRunQuery(runId ?? "", { skip: !runId });
  const [fresh, setFresh] = useState<PayrollRun | null>(null);
  const run = fresh && fresh.id === runId ? fresh : loaded ?? null;
  const setRun = (shown: PayrollRun) => {
    setFresh(shown);
    if (shown.id !== runId) setParams({ run: shown.id });
  };
  const [error, setError] = useState<ApiError | null>(null);
  const [acceptFlagged, setAcceptFlagged] = useState(false);
  const [start, { isLoading }] = useRunPayrollMutation();
  const [finalize, { isLoading: finalizing }] = useFinalizePayrollMutation();
  const { guard, prompt } = useStepUp("Exporting payroll");

  async function runMonth(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const range = monthRange(month);
    if (!range) return setError({ code: "invalid", message: "choose a month", field: "month" });
    try {
      setRun(await start(range).unwrap());
    } catch (failure) {
      setError(failed(failure));
    }
  }

  async function finish() {
    if (!run) return;
    setError(null);
    try {
      const done = await finalize({ id: run.id, accept_flagged: acceptFlagged }).unwrap();
      setRun({ ...run, ...done });
    } catch (failure) {
      setError(failed(failure));
    }
  }

  async function exportCsv() {
    if (!run) return;
    try {
      // The export carries everyone's pay: the daemon wants a fresh TOTP code first (the prompt asks).
      const text = await guard(async () => {
        const response = await fetch(`/api/v1/payroll/runs/${run.id}/export.csv`, { credentials: "same-origin" });
        if (!response.ok) throw { status: response.status, data: await response.json().catch(() => null) };
        return response.text();
      });
      download(`payroll-${run.from}-${run.to}.csv`, text);
    } catch (failure) {
      const status = (failure as { status?: number }).status ?? 0;
      setError(failed(failure).code === "error" || !status
        ? { code: String(status), message: `The export failed (${status})`, field: null } : failed(failure));
    }
  }

  return (
    <OfficeLayout group="hr">
      <PageHeader title="Payroll" />
      {prompt}
      <form className="card mb-4 flex flex-wrap items-end gap-3 p-4" onSubmit={runMonth} aria-label="Run payroll">
        <Field label="Month" name="month" error={error}><input type="month" className="field" aria-label="Month" value={month} onChange={(e) => setMonth(e.target.value)} /></Field>
        <button type="submit" className="btn btn-primary" disabled={isLoading}>{isLoading ? "Computing…" : "Run payroll (draft)"}</button>
        <FieldError error={error} name="from" />
        <FieldError error={error} name="to" />
      </form>
      <FormError error={error} fields={["month", "from", "to"]} />
      <div className="grid grid-cols-[19rem_1fr] items-start gap-4">
      <PayrollRuns shown={runId} onOpen={(id) => { setError(null); setParams({ run: id }); }} />
      {runId && !run && (loadError
        ? <p className="card p-4 text-rose-700" role="alert">{failed(loadError).message}</p>
        : <p className="card p-4 text-slate-500">Loading the run…</p>)}
      {!runId && <p className="card p-4 text-slate-500">Run payroll for a month, or open an earlier run from the list.</p>}
      {run && (
        <section className="card min-w-0 p-4 text-sm" aria-label="Payroll run" data-testid="payroll-run">
          <div className="mb-2 flex flex-wrap items-center gap-3">
            <h2 className="text-lg font-semibold">{run.from} to {run.to}</h2>
            <span className="rounded bg-slate-200 px-2" data-testid="payroll-status">{run.status}</span>
            <span>{run.payslip_count} payslips · gross {formatPaise(run.totals.gross_paise ?? 0)} · net {formatPaise(run.totals.net_paise ?? 0)}</span>
            {(run.totals.flagged_days ?? 0) > 0 && <span className="text-amber-700">{run.totals.flagged_days} days miss a punch</span>}
            <div className="ml-auto flex items-center gap-2">
              {run.status === "draft" && (
                <>
                  <label className="flex items-center gap-1"><input type="checkbox" checked={acceptFlagged} onChange={(e) => setAcceptFlagged(e.target.checked)} /> accept flagged days</label>
                  <button type="button" className="btn btn-sm" onClick={() => void finish()} disabled={finalizing}>Finalise</button>
                </>
              )}
              <button type="button" className="btn btn-sm" onClick={() => void exportCsv()}>Export CSV</button>
            </div>
          </div>
          <div className="max-h-[calc(100vh-20rem)] overflow-auto">
            <table className="w-full" aria-label="Payslips">
              <thead className="sticky top-0 bg-white text-left text-xs uppercase text-slate-500">
                <tr><th>Employee</th><th>Basis</th><th className="text-right">Paid days</th><th className="text-right">Overtime</th><th className="text-right">Gross</th><th className="text-right">Net</th><th>Flags</th><th /></tr>
              </thead>
              <tbody>
                {run.payslips.map((p) => (
                  <tr key={p.employee_code} className="border-t border-slate-100" data-testid="payslip-row">
                    <td>{p.employee_code} {p.employee_name}</td><td>{p.basis}</td><td className="num">{formatDays(p.paid_days_milli)}</td>
                    <td className="num">{formatMinutes(p.overtime_minutes)}</td><td className="num">{formatPaise(p.gross_paise)}</td><td className="num">{formatPaise(p.net_paise)}</td>
                    <td className="text-amber-700">{p.flagged_days ? `${p.flagged_days} flagged` : ""}</td>
                    <td><a className="text-sky-800 underline" href={`/api/v1/payroll/runs/${run.id}/payslips/${p.employee_code}?format=html`} target="_blank" rel="noreferrer">payslip</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      </div>
    </OfficeLayout>
  );
}

const RUNS_PER_PAGE = 10;

/** Earlier payroll runs, latest period first, with their state and totals; a row opens the run. */
function PayrollRuns({ shown, onOpen }: { shown: string | null; onOpen: (id: string) => void }) {
  const [page, setPage] = useState(1);
  const { data, error, isFetching } = usePayrollRunsQuery({ page, per_page: RUNS_PER_PAGE });
  return (
    <section className="card overflow-hidden text-sm" aria-label="Payroll runs">
      <h2 className="border-b border-slate-100 px-3 py-2 font-semibold">Runs</h2>
      {error && <p className="p-3 text-rose-700" role="alert">{failed(error).message}</p>}
      {data && data.items.length === 0 && <p className="p-3 text-slate-500">No payroll has been run yet.</p>}
      <ul className={isFetching ? "opacity-60" : ""}>
        {data?.items.map((r) => (
          <li key={r.id}>
            <button type="button" onClick={() => onOpen(r.id)} data-testid="payroll-run-row" aria-current={r.id === shown ? "true" : undefined}
              className={`w-full border-b border-slate-100 px-3 py-2 text-left hover:bg-sky-50 focus:bg-sky-50 ${r.id === shown ? "bg-sky-100" : ""}`}>
              <span className="flex items-baseline gap-2">
                <span className="font-medium">{r.from} to {r.to}</span>
                <span className={`ml-auto rounded px-1.5 text-xs ${r.status === "final" ? "bg-emerald-100 text-emerald-800" : "bg-amber-100 text-amber-800"}`}>{r.status}</span>
              </span>
              <span className="block text-xs text-slate-500">
                {r.payslip_count} payslips · net {formatPaise(r.totals.net_paise ?? 0)}{(r.totals.flagged_days ?? 0) > 0 ? ` · ${r.totals.flagged_days} flagged days` : ""}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {data && data.pages > 1 && (
        <nav className="flex items-center gap-2 p-2" aria-label="Run pages">
          <button type="button" className="btn btn-sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>←</button>
          <span className="flex-1 text-center">Page {data.page} of {data.pages}</span>
          <button type="button" className="btn btn-sm" disabled={page >= data.pages} onClick={() => setPage(page + 1)}>→</button>
        </nav>
      )}
    </section>
  );
}
