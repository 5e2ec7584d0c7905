import { useState } from "react";
import { Link } from "react-router";
import { failed } from "../../api/office";
import { useTillInvoicesQuery } from "../../api/invoiceActions";
import { lastTill } from "../../auth/roles";
import { isoDay } from "../../lib/forms";
import { formatPaise } from "../../lib/money";

/** A till's bills of a day, newest first: where a cashier finds a bill again to reprint it or take a payment. */
export function TillBills() {
  const [till, setTill] = useState(lastTill());
  const [date, setDate] = useState(isoDay());
  const code = till.trim().toUpperCase();
  const { currentData: data, error, isFetching } = useTillInvoicesQuery({ till: code, date }, { skip: !code });
  const rows = data?.rows ?? [];
  return (
    <section className="card mb-4 p-4" aria-label="Bills of a till">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <label><span className="mb-1 block text-sm font-medium text-slate-600">Till</span>
          <input className="field w-24 uppercase" aria-label="Till" value={till} onChange={(e) => setTill(e.target.value)} /></label>
        <label><span className="mb-1 block text-sm font-medium text-slate-600">Day</span>
          <input type="date" className="field" aria-label="Day" value={date} onChange={(e) => setDate(e.target.value)} /></label>
        {isFetching && <span className="text-sm text-slate-500">Loading…</span>}
      </div>
      {error && <p role="alert" className="text-rose-700">{failed(error)?.message ?? "The bills could not be loaded."}</p>}
      <table className="w-full text-sm">
        <thead><tr className="text-left text-slate-500"><th>Number</th><th>Time</th><th>Buyer</th>
          <th className="text-right">Total</th><th className="text-right">Due</th><th>Status</th></tr></thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.invoice_id} data-testid="till-bill" className="border-t border-slate-100">
              <td><Link className="text-sky-800 underline" to={`/office/invoices/${row.invoice_id}`}>{row.number}</Link></td>
              <td>{row.time}</td><td>{row.buyer_name}</td>
              <td className="text-right">{formatPaise(row.total_paise)}</td>
              <td className="text-right">{formatPaise(row.balance_paise)}</td>
              <td>{row.status.replace("_", " ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && rows.length === 0 && <p className="mt-2 text-slate-500">No bill on {code} that day.</p>}
      {data && data.total > rows.length && <p className="mt-2 text-slate-500">The newest {rows.length} of {data.total}.</p>}
    </section>
  );
}
