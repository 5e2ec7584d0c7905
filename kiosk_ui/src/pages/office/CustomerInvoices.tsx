import { useState } from "react";
import { Link } from "react-router";
import { useMeQuery } from "../../api/api";
import { useCustomerInvoicesQuery } from "../../api/invoiceActions";
import { failed } from "../../api/office";
import type { Statement } from "../../api/officeTypes";
import { MANAGERS } from "../../auth/roles";
import { download, isoDay } from "../../lib/forms";
import { lastTwelveMonths, pageSpan, registerCsvUrl, statementCsvUrl } from "../../lib/invoiceActions";
import { formatPaise } from "../../lib/money";
import { statementCsv } from "../../lib/statement";

const PER_PAGE = 20;
const STATUS_LOOK: Record<string, string> = {
  paid: "bg-emerald-100 text-emerald-900",
  partially_paid: "bg-amber-100 text-amber-900",
  overdue: "bg-rose-100 text-rose-900",
  cancelled: "bg-slate-200 text-slate-700 line-through",
};

function useManages(): boolean {
  const { data: me } = useMeQuery();
  return Boolean(me && MANAGERS.includes(me.role));
}

/**
 * A customer's invoices, newest first, a page at a time, each linking to its invoice page (the invoice
 * register filtered by customer: admins and managers), with the register's CSV for the customer.
 */
export function CustomerInvoices({ customerId }: { customerId: string }) {
  const manages = useManages();
  if (!manages) return null; // the register is the reports API's: cashiers open invoices from the Invoices page
  return <CustomerInvoiceList customerId={customerId} />;
}

function CustomerInvoiceList({ customerId }: { customerId: string }) {
  const [period, setPeriod] = useState(() => lastTwelveMonths(isoDay()));
  const [page, setPage] = useState(1);
  const { data, error, isFetching } = useCustomerInvoicesQuery({ customer: customerId, ...period, page, per_page: PER_PAGE });
  const change = (key: "from" | "to") => (e: { target: { value: string } }) => {
    setPeriod({ ...period, [key]: e.target.value });
    setPage(1);
  };
  return (
    <section className="card mb-4 p-4 print:hidden" aria-label="Customer's invoices" data-testid="customer-invoices">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <h2 className="text-xl font-semibold">Invoices</h2>
        <label className="text-sm">From <input type="date" className="field field-sm" aria-label="Invoices from" value={period.from} onChange={change("from")} /></label>
        <label className="text-sm">To <input type="date" className="field field-sm" aria-label="Invoices to" value={period.to} onChange={change("to")} /></label>
        {isFetching && <span className="text-sm text-slate-500">Loading…</span>}
        <a className="btn btn-sm ml-auto" href={registerCsvUrl(period, customerId)} download data-testid="customer-register-csv">
          Download CSV
        </a>
      </div>
      {error && <p role="alert" className="text-rose-700">{failed(error).message}</p>}
      {data && (
        <table className={`w-full text-sm ${isFetching ? "opacity-60" : ""}`}>
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr><th className="py-1">Number</th><th>Date</th><th>Till</th><th className="text-right">Total</th>
              <th className="text-right">Due</th><th className="pl-4">Status</th></tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <tr key={row.invoice_id} className="border-t border-slate-100" data-testid="customer-invoice">
                <td className="py-1.5"><Link className="text-sky-800 underline" to={`/office/invoices/${row.invoice_id}`}>{row.number}</Link></td>
                <td>{row.date} {row.time.slice(0, 5)}</td>
                <td>{row.till}</td>
                <td className="num">{formatPaise(row.total_paise)}</td>
                <td className="num">{formatPaise(row.balance_paise)}</td>
                <td className="pl-4">
                  <span className={`rounded px-2 py-0.5 ${STATUS_LOOK[row.status] ?? "bg-sky-100 text-sky-900"}`} data-testid="customer-invoice-status">
                    {row.status.replace("_", " ")}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.total === 0 && <p className="mt-2 text-slate-500">No invoice in this period.</p>}
      {data && data.total > 0 && (
        <div className="mt-3 flex items-center gap-3">
          <button type="button" className="btn btn-sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>← Newer</button>
          <span className="text-sm" data-testid="customer-invoices-span">
            Page {data.page} of {data.pages} · {pageSpan(data.page, data.per_page, data.rows.length, data.total)}
          </span>
          <button type="button" className="btn btn-sm" disabled={page >= data.pages} onClick={() => setPage(page + 1)}>Older →</button>
        </div>
      )}
    </section>
  );
}

/**
 * The statement's Export CSV: managers download the reports API's CSV of the period (what the accountant
 * gets); other roles, who may not read reports, save the statement shown.
 */
export function StatementCsvButton({ statement }: { statement: Statement | undefined }) {
  const manages = useManages();
  if (manages && statement) {
    return (
      <a className="btn btn-sm" href={statementCsvUrl(statement.customer.id, statement)} download data-testid="statement-csv">
        Export CSV
      </a>
    );
  }
  return (
    <button type="button" className="btn btn-sm" disabled={!statement}
      onClick={() => statement && download(`statement-${statement.customer.code}-${statement.from}-${statement.to}.csv`, statementCsv(statement))}>
      Export CSV
    </button>
  );
}
