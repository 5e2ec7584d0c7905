import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMeQuery } from "../../api/api";
import {
  failed,
  useCorrectBuyerMutation,
  useInvoiceFullQuery,
  useReprintMutation,
  useReturnGoodsMutation,
  useRevisionsQuery,
} from "../../api/office";
import type { CreditNote, Revision } from "../../api/officeTypes";
import type { ApiError, SaleSummary } from "../../api/types";
import { MANAGERS } from "../../auth/roles";
import { Field, FieldError, Flash, FormError, PageHeader } from "../../components/Form";
import { useStepUp } from "../../components/StepUpPrompt";
import { OfficeLayout } from "../../components/OfficeLayout";
import { GatewayPaymentsPanel } from "./GatewayPaymentsPanel";
import { TillBills } from "./TillBills";
import { CancelInvoice, CancellationBanner, EmailInvoice } from "./InvoiceActions";
import type { InvoiceWithCancellation } from "../../api/invoiceActions";
import { mayCancel, registerCsvUrl } from "../../lib/invoiceActions";
import { useDraft } from "../../hooks/useDraft";
import { useInvoiceRegisterQuery } from "../../api/reports";
import { buyerChanges, rememberInvoice, recentInvoices, type BuyerDraft } from "../../lib/invoices";
import { isoDay } from "../../lib/forms";
import { formatPaise, formatRate } from "../../lib/money";
import { formatQuantity, milliToDecimal, parseQuantity } from "../../lib/quantity";

const STATUSES = ["issued", "partially_paid", "paid", "overdue", "cancelled", "draft"];

/** The invoices of a period by status (the invoice register; admins and managers). */
function InvoiceList() {
  const today = isoDay();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  // currentData: nothing from another period or status while the new page loads
  const { currentData: data, error, isFetching } = useInvoiceRegisterQuery({ from, to, page, status });
  const rows = data?.rows ?? [];
  return (
    <section className="card mb-4 p-4" aria-label="Invoice list">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <label><span className="mb-1 block text-sm font-medium text-slate-600">From</span>
          <input type="date" className="field" aria-label="From" value={from} onChange={(e) => { setFrom(e.target.value); setPage(1); }} /></label>
        <label><span className="mb-1 block text-sm font-medium text-slate-600">To</span>
          <input type="date" className="field" aria-label="To" value={to} onChange={(e) => { setTo(e.target.value); setPage(1); }} /></label>
        <label><span className="mb-1 block text-sm font-medium text-slate-600">Status</span>
          <select className="field" aria-label="Status" value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
            <option value="">every status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
          </select></label>
        {isFetching && <span className="text-sm text-slate-500">Loading…</span>}
        <a className="btn btn-sm ml-auto" href={registerCsvUrl({ from, to }, undefined, status)} download
          data-testid="register-csv" title="Every invoice of the period and status with taxes, paid and due">Download CSV</a>
      </div>
      {error && <p role="alert" className="text-rose-700">{failed(error)?.message ?? "The invoice list could not be loaded."}</p>}
      <table className="w-full text-sm">
        <thead><tr className="text-left text-slate-500"><th>Number</th><th>Date</th><th>Till</th><th>Buyer</th>
          <th className="text-right">Total</th><th className="text-right">Due</th><th>Status</th></tr></thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.invoice_id} data-testid="invoice-row" className="border-t border-slate-100">
              <td><Link className="text-sky-800 underline" to={`/office/invoices/${row.invoice_id}`}>{row.number}</Link></td>
              <td>{row.date} {row.time}</td><td>{row.till}</td><td>{row.buyer_name}</td>
              <td className="text-right">{formatPaise(row.total_paise)}</td>
              <td className="text-right">{formatPaise(row.balance_paise)}</td>
              <td>{row.status.replace("_", " ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && rows.length === 0 && <p className="mt-2 text-slate-500">No invoice in this period{status ? " with this status" : ""}.</p>}
      {data && data.pages > 1 && (
        <div className="mt-3 flex items-center gap-3">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
          <span className="text-sm">Page {data.page} of {data.pages} ({data.total} invoices)</span>
          <button type="button" className="btn" disabled={page >= data.pages} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      )}
    </section>
  );
}

/** Invoices: the period's list by status (admins and managers) or a till's bills of a day (cashiers), look-up by
 * ID, and those opened here recently. */
export function InvoicesPage() {
  const [id, setId] = useState("");
  const navigate = useNavigate();
  const recent = recentInvoices();
  const { data: me } = useMeQuery();
  return (
    <OfficeLayout group="office">
      <PageHeader title="Invoices" />
      {me && (MANAGERS.includes(me.role) ? <InvoiceList /> : <TillBills />)}
      <form className="card mb-4 flex items-end gap-3 p-4" onSubmit={(e) => { e.preventDefault(); if (id.trim()) navigate(`/office/invoices/${id.trim()}`); }}>
        <label className="flex-1">
          <span className="mb-1 block text-sm font-medium text-slate-600">Invoice ID (from a receipt's QR or the sale summary)</span>
          <input className="field w-full font-mono" aria-label="Invoice ID" value={id} onChange={(e) => setId(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary">Open</button>
      </form>
      <section className="card p-4">
        <h2 className="mb-2 font-semibold">Opened on this screen</h2>
        {recent.length === 0 && <p className="text-slate-500">None yet.</p>}
        <ul className="space-y-1">
          {recent.map((r) => (
            <li key={r.id}><Link className="text-sky-800 underline" to={`/office/invoices/${r.id}`}>{r.number}</Link> <span className="text-slate-500">{r.buyer}</span></li>
          ))}
        </ul>
      </section>
    </OfficeLayout>
  );
}

/** One invoice: lines, taxes, payments; reprint; buyer (GST-detail) correction with revision history; credit note. */
export function InvoicePage() {
  const { id = "" } = useParams();
  const { data: found, error, refetch } = useInvoiceFullQuery(id);
  const invoice = found as InvoiceWithCancellation | undefined;
  const { data: me } = useMeQuery();
  const manages = Boolean(me && MANAGERS.includes(me.role));

  useEffect(() => {
    if (invoice) rememberInvoice(invoice);
  }, [invoice]);

  return (
    <OfficeLayout group="office">
      <p className="mb-2 text-sm"><Link className="text-sky-800 underline" to="/office/invoices">← Invoices</Link></p>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      {invoice && (
        <>
          <PageHeader title={`Invoice ${invoice.number}`}>
            <span className="rounded bg-slate-200 px-2 text-sm" data-testid="invoice-status">{invoice.status}</span>
            <span className="text-sm text-slate-500" data-testid="invoice-revision">revision {invoice.revision}</span>
            <Reprint invoice={invoice} />
            <a className="btn btn-sm" href={`/api/v1/invoices/${invoice.id}/receipt.html`} target="_blank" rel="noreferrer">A4 invoice</a>
          </PageHeader>
          <CancellationBanner invoice={invoice} />
          <div className="grid grid-cols-[1fr_22rem] gap-4">
            <div className="space-y-4">
              <InvoiceBody invoice={invoice} />
              <GatewayPaymentsPanel invoice={invoice} manages={manages} onRefunded={() => void refetch()} />
              <RevisionHistory id={invoice.id} />
            </div>
            <div className="space-y-4">
              <EmailInvoice invoice={invoice} />
              {manages ? <CorrectionForm invoice={invoice} /> : <p className="card p-4 text-sm text-slate-500">A manager corrects buyer details, takes returns and cancels invoices.</p>}
              {manages && invoice.status !== "cancelled" && <CreditNoteForm invoice={invoice} />}
              {mayCancel(me?.role, invoice.status) && <CancelInvoice invoice={invoice} />}
            </div>
          </div>
        </>
      )}
    </OfficeLayout>
  );
}

function Reprint({ invoice }: { invoice: SaleSummary }) {
  const [reprint, { isLoading }] = useReprintMutation();
  const [message, setMessage] = useState<{ text: string; kind: "success" | "error" } | null>(null);
  async function send() {
    try {
      const job = await reprint({ id: invoice.id }).unwrap();
      setMessage({ text: `Reprint queued on ${job.device ?? `till ${job.till}`}`, kind: "success" });
    } catch (failure) {
      setMessage({ text: failed(failure).message, kind: "error" });
    }
  }
  return (
    <>
      <button type="button" className="btn btn-sm" onClick={() => void send()} disabled={isLoading}>Reprint</button>
      {message && <Flash text={message.text} kind={message.kind} />}
    </>
  );
}

function InvoiceBody({ invoice }: { invoice: SaleSummary }) {
  const taxes = invoice.supply === "inter" ? ["IGST", invoice.igst_paise] : null;
  return (
    <section className="card p-4 text-sm" aria-label="Invoice">
      <div className="mb-3 grid grid-cols-2 gap-4">
        <div>
          <h2 className="font-semibold">Seller</h2>
          <p>{invoice.seller.trade_name || invoice.seller.legal_name}</p>
          <p className="font-mono">{invoice.seller.gstin}</p>
        </div>
        <div data-testid="buyer">
          <h2 className="font-semibold">Buyer</h2>
          <p data-testid="buyer-name">{invoice.buyer.name}</p>
          <p className="font-mono" data-testid="buyer-gstin">{invoice.buyer.gstin ?? "no GSTIN"}</p>
          <p className="text-slate-600">{invoice.buyer.address} (state {invoice.buyer.state_code}) · place of supply {invoice.place_of_supply}</p>
        </div>
      </div>
      <p className="mb-2 text-slate-500">Issued {new Date(invoice.issued_at).toLocaleString()} at till {invoice.till} by {invoice.cashier}</p>
      <table className="w-full" aria-label="Lines">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr><th>#</th><th>Item</th><th>HSN</th><th className="text-right">Qty</th><th className="text-right">Rate</th><th className="text-right">GST</th><th className="text-right">Total</th></tr>
        </thead>
        <tbody>
          {invoice.lines.map((line) => (
            <tr key={line.line_no} className="border-t border-slate-100" data-testid="invoice-line">
              <td>{line.line_no}</td><td>{line.name}</td><td className="font-mono">{line.hsn_code}</td>
              <td className="num">{formatQuantity(line.quantity_milli, line.unit_kind, line.unit)}</td>
              <td className="num">{formatPaise(line.rate_paise)}</td><td className="num">{formatRate(line.gst_rate_bp)}</td>
              <td className="num">{formatPaise(line.total_paise)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="ml-auto mt-3 grid w-72 grid-cols-2 gap-x-4">
        <dt>Taxable</dt><dd className="num">{formatPaise(invoice.taxable_paise)}</dd>
        {taxes ? (<><dt>IGST</dt><dd className="num" data-testid="igst">{formatPaise(invoice.igst_paise)}</dd></>) : (
          <><dt>CGST</dt><dd className="num" data-testid="cgst">{formatPaise(invoice.cgst_paise)}</dd><dt>SGST</dt><dd className="num" data-testid="sgst">{formatPaise(invoice.sgst_paise)}</dd></>
        )}
        <dt>Round-off</dt><dd className="num">{formatPaise(invoice.round_off_paise)}</dd>
        <dt className="font-semibold">Total</dt><dd className="num font-semibold" data-testid="invoice-total">{formatPaise(invoice.total_paise)}</dd>
        <dt>Paid</dt><dd className="num">{formatPaise(invoice.paid_paise)}</dd>
        <dt>Due</dt><dd className="num">{formatPaise(invoice.balance_due_paise)}</dd>
      </dl>
    </section>
  );
}

const BUYER_FIELDS = ["name", "gstin", "address", "state_code", "reason"];

function CorrectionForm({ invoice }: { invoice: SaleSummary }) {
  const { kept, keep, discard } = useDraft<BuyerDraft>(`correction:${invoice.id}`);
  const draft = kept ?? { name: invoice.buyer.name, gstin: invoice.buyer.gstin ?? "", address: invoice.buyer.address, state_code: invoice.buyer.state_code, reason: "" };
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [correct, { isLoading }] = useCorrectBuyerMutation();
  const { guard, prompt } = useStepUp("Correcting an older invoice");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const correction = buyerChanges(invoice.buyer, draft);
    if (!correction) {
      setError({ code: "invalid", message: "change the buyer's name, GSTIN, address or state first", field: "name" });
      return;
    }
    try {
      const fresh = await guard(() => correct({ id: invoice.id, correction }).unwrap());
      discard();
      setDone(`Revision ${fresh.revision} saved.`);
    } catch (failure) {
      setError(failed(failure)); // what was typed stays in the form
    }
  }

  const set = (name: keyof BuyerDraft) => (e: { target: { value: string } }) => keep({ ...draft, [name]: e.target.value });
  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Correct buyer details" data-testid="correction-form">
      <h2 className="font-semibold">Correct buyer (GST) details</h2>
      {prompt}
      <FormError error={error} fields={BUYER_FIELDS} />
      <Field label="Buyer name" name="name" error={error}><input className="field w-full" value={draft.name} onChange={set("name")} /></Field>
      <Field label="GSTIN" name="gstin" error={error}><input className="field w-full font-mono" value={draft.gstin} onChange={set("gstin")} /></Field>
      <Field label="Address" name="address" error={error}><input className="field w-full" value={draft.address} onChange={set("address")} /></Field>
      <Field label="State code" name="state_code" error={error}><input className="field w-24" value={draft.state_code} maxLength={2} onChange={set("state_code")} /></Field>
      <Field label="Reason" name="reason" error={error}><input className="field w-full" value={draft.reason} onChange={set("reason")} /></Field>
      <button type="submit" className="btn btn-primary" disabled={isLoading}>Save correction</button>
      <Flash text={done} />
    </form>
  );
}

function CreditNoteForm({ invoice }: { invoice: SaleSummary }) {
  const { kept, keep, discard } = useDraft<{ quantities: Record<number, string>; reason: string; refund: string }>(`return:${invoice.id}`);
  const { quantities, reason, refund } = kept ?? { quantities: {}, reason: "", refund: "" };
  const setQuantities = (next: Record<number, string>) => keep({ quantities: next, reason, refund });
  const setReason = (next: string) => keep({ quantities, reason: next, refund });
  const setRefund = (next: string) => keep({ quantities, reason, refund: next });
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<CreditNote | null>(null);
  const [returnGoods, { isLoading }] = useReturnGoodsMutation();
  const { guard, prompt } = useStepUp("A credit note on an older invoice");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const lines: { line_no: number; quantity_milli: number }[] = [];
    for (const line of invoice.lines) {
      const text = quantities[line.line_no]?.trim();
      if (!text) continue;
      const milli = parseQuantity(text);
      if (milli === null || milli <= 0) {
        setError({ code: "invalid", message: `line ${line.line_no}: type a quantity such as 1 or 0.5`, field: `line:${line.line_no}` });
        return;
      }
      lines.push({ line_no: line.line_no, quantity_milli: milli });
    }
    if (!lines.length) {
      setError({ code: "invalid", message: "type the quantity returned on at least one line", field: "lines" });
      return;
    }
    try {
      setNote(await guard(() => returnGoods({ id: invoice.id, reason, lines, ...(refund ? { refund_method: refund } : {}) }).unwrap()));
      discard();
    } catch (failure) {
      setError(failed(failure));
    }
  }

  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Credit note" data-testid="credit-note-form">
      <h2 className="font-semibold">Return goods (credit note)</h2>
      {prompt}
      <FormError error={error} fields={["line:", "lines", "reason", "refund_method"]} />
      {invoice.lines.map((line) => (
        <label key={line.line_no} className="flex items-center gap-2 text-sm">
          <span className="flex-1">{line.line_no}. {line.name} <span className="text-slate-500">(sold {milliToDecimal(line.quantity_milli)} {line.unit})</span></span>
          <input className="field field-sm num w-20" aria-label={`Return quantity of line ${line.line_no}`} inputMode="decimal"
            value={quantities[line.line_no] ?? ""} onChange={(e) => setQuantities({ ...quantities, [line.line_no]: e.target.value })} />
          <FieldError error={error} name={`line:${line.line_no}`} />
        </label>
      ))}
      <FieldError error={error} name="lines" />
      <Field label="Reason" name="reason" error={error}><input className="field w-full" value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
      <Field label="Refund" name="refund_method" error={error}>
        <select className="field w-full" value={refund} onChange={(e) => setRefund(e.target.value)}>
          <option value="">credit the customer's account / none</option>
          <option value="cash">cash</option><option value="card">card</option><option value="upi">UPI</option>
          <option value="wallet">wallet</option><option value="bank_transfer">bank transfer</option>
        </select>
      </Field>
      <button type="submit" className="btn" disabled={isLoading}>Issue credit note</button>
      {note && <Flash text={`Credit note ${note.number}: ${formatPaise(note.total_paise)}`} />}
    </form>
  );
}

function RevisionHistory({ id }: { id: string }) {
  const { data, error } = useRevisionsQuery(id);
  return (
    <section className="card p-4 text-sm" aria-label="Revision history" data-testid="revisions">
      <h2 className="mb-2 font-semibold">Revision history</h2>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      {data && data.items.length === 0 && <p className="text-slate-500">Never corrected: this is the original.</p>}
      <ol className="space-y-2">
        {data?.items.map((rev) => <RevisionItem key={rev.revision} revision={rev} />)}
      </ol>
    </section>
  );
}

function RevisionItem({ revision }: { revision: Revision }) {
  const changes = (["name", "gstin", "address", "state_code"] as const)
    .filter((key) => (revision.before.buyer[key] ?? "") !== (revision.after.buyer[key] ?? ""));
  return (
    <li className="rounded-lg bg-slate-50 p-2" data-testid="revision">
      <p className="font-medium">
        Revision {revision.revision} · {new Date(revision.changed_at).toLocaleString()} · {revision.changed_by}
      </p>
      <p className="text-slate-600">Why: {revision.reason}</p>
      <ul>
        {changes.map((key) => (
          <li key={key} data-testid="revision-change">
            {key.replace("_", " ")}: <s>{revision.before.buyer[key] ?? "—"}</s> → {revision.after.buyer[key] ?? "—"}
          </li>
        ))}
        {revision.before.supply !== revision.after.supply && (
          <li>supply {revision.before.supply} → {revision.after.supply} (re-taxed: {formatPaise(revision.after.total_paise)})</li>
        )}
      </ul>
    </li>
  );
}
