import { useEffect, useRef, type ReactNode } from "react";
import { Link } from "react-router";
import type { SaleSummary } from "../../api/types";
import { formatPaise } from "../../lib/money";
import { describePayment } from "../../lib/payments";
import { formatQuantity } from "../../lib/quantity";
import { TotalsList } from "./TotalsPanel";

const STATUS_LOOK: Record<string, string> = {
  paid: "bg-emerald-100 text-emerald-800",
  partially_paid: "bg-amber-100 text-amber-900",
  issued: "bg-amber-100 text-amber-900",
  overdue: "bg-rose-100 text-rose-800",
  cancelled: "bg-slate-200 text-slate-700",
};

function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("en-IN", { dateStyle: "medium", timeStyle: "short" });
}

/** After checkout: the bill as issued, its payments, and what to do next (print, take a payment, new sale). */
export function SaleSummaryView({
  summary,
  onPrint,
  onTakePayment,
  onNewSale,
  printing,
  gatewayPanel,
}: {
  summary: SaleSummary;
  onPrint: () => void;
  onTakePayment: () => void;
  onNewSale: () => void;
  printing: boolean;
  /** The invoice's gateway payment, live (waiting, paid with its transaction ID, declined). */
  gatewayPanel?: ReactNode;
}) {
  const newSaleRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    newSaleRef.current?.focus();
  }, [summary.id]);
  const due = summary.balance_due_paise;
  const change = summary.change_due_paise ?? 0;

  return (
    <div className="grid h-full grid-cols-[1fr_24rem] gap-3 p-3" data-testid="sale-summary">
      <section className="card flex min-h-0 flex-col p-4">
        <header className="mb-3 flex items-baseline gap-3">
          <h1 className="text-2xl font-semibold">
            Invoice <span data-testid="invoice-number">{summary.number}</span>
          </h1>
          <span className={`rounded-full px-3 py-0.5 text-sm font-medium ${STATUS_LOOK[summary.status] ?? "bg-slate-100"}`} data-testid="invoice-status">
            {summary.status.replace("_", " ")}
          </span>
          <Link className="ml-auto text-sm text-sky-800 underline" to={`/office/invoices/${summary.id}`} tabIndex={-1}>
            Invoice details, corrections, returns
          </Link>
          <span className="ml-auto text-sm text-slate-500">
            {when(summary.issued_at)} · {summary.cashier} · till {summary.till}
          </span>
        </header>
        <p className="mb-2 text-sm text-slate-600">
          Buyer: <strong>{summary.buyer.name}</strong>
          {summary.buyer.gstin ? ` · GSTIN ${summary.buyer.gstin}` : ""} · {summary.supply === "inter" ? "inter-state (IGST)" : "intra-state (CGST + SGST)"}
          {summary.due_date ? ` · due ${summary.due_date}` : ""}
        </p>
        <div className="min-h-0 flex-1 overflow-auto">
          <table className="w-full text-sm" aria-label="Invoice lines">
            <thead className="sticky top-0 bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-2 py-2">#</th>
                <th className="px-2 py-2">Item</th>
                <th className="px-2 py-2 text-right">Qty</th>
                <th className="px-2 py-2 text-right">Rate</th>
                <th className="px-2 py-2">Tier</th>
                <th className="px-2 py-2 text-right">Disc</th>
                <th className="px-2 py-2 text-right">Amount</th>
              </tr>
            </thead>
            <tbody>
              {summary.lines.map((line) => (
                <tr key={line.line_no} className="border-b border-slate-100" data-testid="summary-line">
                  <td className="px-2 py-1.5 text-slate-500">{line.line_no}</td>
                  <td className="px-2 py-1.5">
                    <div className="font-medium">{line.name}</div>
                    <div className="text-xs text-slate-500">HSN {line.hsn_code}</div>
                  </td>
                  <td className="num px-2 py-1.5">{formatQuantity(line.quantity_milli, line.unit_kind, line.unit)}</td>
                  <td className="num px-2 py-1.5">{formatPaise(line.rate_paise)}</td>
                  <td className="px-2 py-1.5">{line.tier}</td>
                  <td className="num px-2 py-1.5">{line.discount_paise ? formatPaise(line.discount_paise) : "—"}</td>
                  <td className="num px-2 py-1.5 font-semibold">{formatPaise(line.total_paise)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <aside className="flex min-h-0 flex-col gap-3">
        <section className="card min-h-0 overflow-auto p-4">
          <TotalsList totals={summary} supply={summary.supply} byRate />
          <h2 className="mt-3 text-sm font-semibold uppercase tracking-wide text-slate-500">Payments</h2>
          <ul className="mt-1 space-y-1" data-testid="summary-payments">
            {summary.payments.length === 0 && <li className="text-slate-500">None yet</li>}
            {summary.payments.map((p) => (
              <li key={p.id} className="text-sm" data-testid="summary-payment">
                {describePayment(p)}
              </li>
            ))}
          </ul>
          <dl className="mt-2 border-t border-slate-200 pt-2 text-base">
            <div className="flex justify-between"><dt>Paid</dt><dd className="num" data-testid="summary-paid">{formatPaise(summary.paid_paise)}</dd></div>
            <div className={`flex justify-between ${due > 0 ? "font-semibold text-amber-800" : ""}`}>
              <dt>Balance due</dt>
              <dd className="num" data-testid="summary-due">{formatPaise(due)}</dd>
            </div>
          </dl>
          {change > 0 && (
            <p className="mt-2 rounded-lg bg-emerald-50 p-2 text-center text-2xl font-bold text-emerald-800" data-testid="summary-change">
              Change {formatPaise(change)}
            </p>
          )}
        </section>
        {gatewayPanel}
        <div className="mt-auto grid grid-cols-2 gap-2">
          <button type="button" className="btn" onClick={onPrint} disabled={printing}>
            {printing ? "Printing…" : "Print"} <span className="kbd">F8</span>
          </button>
          <button type="button" className="btn" onClick={onTakePayment} disabled={due <= 0}>
            Take payment <span className="kbd">F9</span>
          </button>
          <button ref={newSaleRef} type="button" className="btn btn-primary col-span-2 h-14 text-lg" onClick={onNewSale}>
            New sale <span className="kbd bg-emerald-700 text-white">N</span>
          </button>
        </div>
      </aside>
    </div>
  );
}
