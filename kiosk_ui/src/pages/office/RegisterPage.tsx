import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { useMeQuery } from "../../api/api";
import { failed, useCloseRegisterMutation, useMoveCashMutation, useOpenRegisterMutation, useRegisterQuery, useZReportQuery } from "../../api/office";
import type { Register, ZReport } from "../../api/officeTypes";
import type { ApiError } from "../../api/types";
import { MANAGERS, lastTill } from "../../auth/roles";
import { Field, Flash, FormError, PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { isoDay } from "../../lib/forms";
import { formatPaise, formatRate, parseRupees } from "../../lib/money";
import { methodLabel } from "../../lib/payments";

/** Rupees typed into a form: paise, or an error naming the field. */
function rupeesOf(text: string, field: string): number | ApiError {
  const paise = parseRupees(text);
  return paise === null ? { code: "invalid", message: "type rupees, e.g. 2000 or 150.50", field } : paise;
}

/** A till's register: open with a float, cash in and out, close with the count; the day's Z-report. */
export function RegisterPage() {
  const { till = lastTill() } = useParams();
  const navigate = useNavigate();
  const { data: register, error, isLoading } = useRegisterQuery(till);
  const { data: me } = useMeQuery();
  const [closed, setClosed] = useState<Register | null>(null);
  const manages = Boolean(me && MANAGERS.includes(me.role));

  return (
    <OfficeLayout group="office">
      <PageHeader title="Register">
        <label className="text-sm">Till{" "}
          <input className="field field-sm w-20 uppercase" aria-label="Till" defaultValue={till}
            onKeyDown={(e) => { if (e.key === "Enter") navigate(`/office/register/${e.currentTarget.value.trim().toUpperCase()}`); }} />
        </label>
      </PageHeader>
      {error && <p className="mb-2 text-rose-700" role="alert">{failed(error).message}</p>}
      <div className="grid grid-cols-2 gap-4">
        <div className="space-y-4">
          {isLoading && <p className="text-slate-500">Loading…</p>}
          {!isLoading && !error && !register && <OpenForm till={till} onOpened={() => setClosed(null)} />}
          {register && <RegisterView register={register} />}
          {register && <CashForm till={till} />}
          {register && <CloseForm till={till} onClosed={setClosed} />}
          {closed && <ClosedView register={closed} />}
        </div>
        <div>{manages ? <ZReportView till={till} /> : <p className="card p-4 text-sm text-slate-500">The Z-report is for managers.</p>}</div>
      </div>
    </OfficeLayout>
  );
}

function OpenForm({ till, onOpened }: { till: string; onOpened: () => void }) {
  const [float, setFloat] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [open, { isLoading }] = useOpenRegisterMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const paise = rupeesOf(float, "opening_float_paise");
    if (typeof paise !== "number") return setError(paise);
    try {
      await open({ till, opening_float_paise: paise }).unwrap();
      onOpened();
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Open the register">
      <h2 className="font-semibold">Till {till}: the register is closed</h2>
      <FormError error={error} fields={["opening_float_paise"]} />
      <Field label="Opening float ₹" name="opening_float_paise" error={error}>
        <input className="field num w-40" inputMode="decimal" value={float} onChange={(e) => setFloat(e.target.value)} autoFocus />
      </Field>
      <button type="submit" className="btn btn-primary" disabled={isLoading}>Open register</button>
    </form>
  );
}

function RegisterView({ register }: { register: Register }) {
  return (
    <section className="card p-4 text-sm" aria-label="Open register" data-testid="register">
      <h2 className="mb-2 font-semibold">Open since {new Date(register.opened_at).toLocaleString()} ({register.opened_by})</h2>
      <dl className="grid w-80 grid-cols-2">
        <dt>Opening float</dt><dd className="num">{formatPaise(register.opening_float_paise)}</dd>
        <dt className="font-semibold">Cash expected now</dt><dd className="num font-semibold" data-testid="expected-cash">{formatPaise(register.expected_cash_paise ?? 0)}</dd>
      </dl>
      {register.movements.length > 0 && (
        <ul className="mt-2 space-y-0.5" aria-label="Cash movements">
          {register.movements.map((m, i) => (
            <li key={i} data-testid="movement">{m.kind === "pay_in" ? "Cash in" : "Cash out"} {formatPaise(m.amount_paise)} — {m.reason} ({m.by})</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CashForm({ till }: { till: string }) {
  const [kind, setKind] = useState<"pay_in" | "pay_out">("pay_in");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [move, { isLoading }] = useMoveCashMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const paise = rupeesOf(amount, "amount_paise");
    if (typeof paise !== "number") return setError(paise);
    try {
      await move({ till, kind, amount_paise: paise, reason: reason.trim() }).unwrap();
      setAmount("");
      setReason("");
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Cash in or out">
      <h2 className="font-semibold">Cash in / out</h2>
      <FormError error={error} fields={["kind", "amount_paise", "reason"]} />
      <div className="flex gap-4 text-sm">
        <label><input type="radio" name="kind" checked={kind === "pay_in"} onChange={() => setKind("pay_in")} /> Cash in</label>
        <label><input type="radio" name="kind" checked={kind === "pay_out"} onChange={() => setKind("pay_out")} /> Cash out</label>
      </div>
      <div className="flex gap-3">
        <Field label="Amount ₹" name="amount_paise" error={error}><input className="field num w-32" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} /></Field>
        <Field label="Reason" name="reason" error={error} className="flex-1"><input className="field w-full" value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
      </div>
      <button type="submit" className="btn" disabled={isLoading}>Record</button>
    </form>
  );
}

function CloseForm({ till, onClosed }: { till: string; onClosed: (register: Register) => void }) {
  const [counted, setCounted] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [close, { isLoading }] = useCloseRegisterMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const paise = rupeesOf(counted, "counted_cash_paise");
    if (typeof paise !== "number") return setError(paise);
    try {
      onClosed(await close({ till, counted_cash_paise: paise }).unwrap());
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Close the register">
      <h2 className="font-semibold">Close with the counted cash</h2>
      <FormError error={error} fields={["counted_cash_paise"]} />
      <Field label="Counted cash ₹" name="counted_cash_paise" error={error}>
        <input className="field num w-40" inputMode="decimal" value={counted} onChange={(e) => setCounted(e.target.value)} />
      </Field>
      <button type="submit" className="btn btn-danger" disabled={isLoading}>Close register</button>
    </form>
  );
}

function overShort(paise: number | null): string {
  if (!paise) return "exact";
  return paise > 0 ? `over ${formatPaise(paise)}` : `short ${formatPaise(-paise)}`;
}

function ClosedView({ register }: { register: Register }) {
  return (
    <section className="card p-4 text-sm" aria-label="Closed register" data-testid="closed-register">
      <h2 className="mb-2 font-semibold">Closed</h2>
      <dl className="grid w-80 grid-cols-2">
        <dt>Expected</dt><dd className="num">{formatPaise(register.expected_cash_paise ?? 0)}</dd>
        <dt>Counted</dt><dd className="num">{formatPaise(register.counted_cash_paise ?? 0)}</dd>
        <dt className="font-semibold">Over / short</dt><dd className="num font-semibold" data-testid="over-short">{overShort(register.over_short_paise)}</dd>
      </dl>
      <Flash text="The register is closed; the Z-report includes it." />
    </section>
  );
}

function ZReportView({ till }: { till: string }) {
  const [day, setDay] = useState(isoDay());
  const { data, error } = useZReportQuery({ till, date: day });
  return (
    <section className="card p-4 text-sm" aria-label="Z-report" data-testid="z-report">
      <div className="mb-2 flex items-center gap-3 print:hidden">
        <h2 className="text-lg font-semibold">Z-report</h2>
        <input type="date" className="field field-sm" aria-label="Day" value={day} onChange={(e) => setDay(e.target.value)} />
        <button type="button" className="btn btn-sm ml-auto" onClick={() => window.print()}>Print</button>
      </div>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      {data && <ZReportBody report={data} />}
    </section>
  );
}

function ZReportBody({ report }: { report: ZReport }) {
  return (
    <>
      <p className="mb-2 font-medium">Till {report.till} · {report.date}</p>
      <dl className="grid w-80 grid-cols-2">
        <dt>Invoices</dt><dd className="num" data-testid="z-invoices">{report.invoices}</dd>
        <dt>Cancelled</dt><dd className="num">{report.cancelled}</dd>
        <dt>Taxable</dt><dd className="num">{formatPaise(report.taxable_paise)}</dd>
        <dt>CGST</dt><dd className="num">{formatPaise(report.cgst_paise)}</dd>
        <dt>SGST</dt><dd className="num">{formatPaise(report.sgst_paise)}</dd>
        <dt>IGST</dt><dd className="num">{formatPaise(report.igst_paise)}</dd>
        <dt>Round-off</dt><dd className="num">{formatPaise(report.round_off_paise)}</dd>
        <dt className="font-semibold">Total sales</dt><dd className="num font-semibold" data-testid="z-total">{formatPaise(report.total_paise)}</dd>
        <dt>Credit notes</dt><dd className="num">{report.credit_notes.count} · {formatPaise(report.credit_notes.total_paise)}</dd>
      </dl>
      <h3 className="mt-3 font-semibold">By GST rate</h3>
      <ul>{report.by_rate.map((r) => <li key={r.rate_bp}>{formatRate(r.rate_bp)}: taxable {formatPaise(r.taxable_paise)}, tax {formatPaise(r.tax_paise)}</li>)}</ul>
      <h3 className="mt-3 font-semibold">Payments</h3>
      <ul>{report.payments.map((p) => <li key={`${p.kind}-${p.method}`} data-testid="z-payment">{p.kind === "refund" ? "Refunds" : "Taken"} {methodLabel(p.method)}: {p.count} × = {formatPaise(p.amount_paise)}</li>)}</ul>
      <h3 className="mt-3 font-semibold">Registers closed</h3>
      {report.registers.length === 0 && <p className="text-slate-500">None.</p>}
      <ul>
        {report.registers.map((r) => (
          <li key={r.id} data-testid="z-register">
            Float {formatPaise(r.opening_float_paise)}, expected {formatPaise(r.expected_cash_paise ?? 0)}, counted {formatPaise(r.counted_cash_paise ?? 0)} — {overShort(r.over_short_paise)}
          </li>
        ))}
      </ul>
    </>
  );
}
