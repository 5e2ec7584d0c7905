import { useState } from "react";
import { useCustomerPaymentsQuery } from "../../api/customers";
import { failed } from "../../api/office";
import { formatPaise } from "../../lib/money";

const PER_PAGE = 10;

/** Payments received from (or refunded to) the customer, newest first, ten a page (GET /customers/{id}/payments). */
export function CustomerPayments({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const { data, error, isFetching } = useCustomerPaymentsQuery({ id, page, per_page: PER_PAGE });
  return (
    <section className="card mb-4 p-4 print:hidden" aria-label="Payments" data-testid="customer-payments">
      <h2 className="mb-2 text-xl font-semibold">Payments</h2>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      {data && data.items.length === 0 && <p className="text-slate-500">No payments from this customer yet.</p>}
      {data && data.items.length > 0 && (
        <table className={`w-full text-sm ${isFetching ? "opacity-60" : ""}`} aria-label="Customer payments">
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr><th className="py-1">Date</th><th>Invoice</th><th>Method</th><th>Reference</th><th>Status</th><th className="text-right">Amount</th></tr>
          </thead>
          <tbody>
            {data.items.map((p) => (
              <tr key={p.id} className="border-t border-slate-100" data-testid="customer-payment">
                <td className="py-1">{p.date}</td>
                <td className="font-mono">{p.invoice_number ?? "—"}</td>
                <td>{p.method.replace(/_/g, " ")}{p.kind === "refund" ? " (refund)" : ""}</td>
                <td className="font-mono">{p.reference || "—"}</td>
                <td>{p.status}</td>
                <td className="num">{formatPaise(p.amount_paise)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.pages > 1 && (
        <div className="mt-2 flex items-center gap-3 text-sm">
          <button type="button" className="btn btn-sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>← Newer</button>
          <span>Page {data.page} of {data.pages} · {data.total} payments</span>
          <button type="button" className="btn btn-sm" disabled={page >= data.pages} onClick={() => setPage(page + 1)}>Older →</button>
        </div>
      )}
    </section>
  );
}
