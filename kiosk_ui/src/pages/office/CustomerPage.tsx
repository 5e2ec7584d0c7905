import { useState } from "react";
import { Link, useParams } from "react-router";
import { failed, useCustomerFullQuery, useStatementQuery } from "../../api/office";
import type { CustomerFull } from "../../api/officeTypes";
import { PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { CustomerInvoices, StatementCsvButton } from "./CustomerInvoices";
import { isoDay } from "../../lib/forms";
import { formatPaise } from "../../lib/money";
import { entryKind } from "../../lib/statement";
import { CustomerEditor } from "./CustomerEditor";
import { CustomerPayments } from "./CustomerPayments";

/** One customer: details, balance, GSTIN history, open invoices, and the statement for a period. */
export function CustomerPage() {
  const { id = "" } = useParams();
  const { data: customer, error } = useCustomerFullQuery(id);
  return (
    <OfficeLayout group="office">
      <p className="mb-2 text-sm print:hidden"><Link className="text-sky-800 underline" to="/office/customers">← Customers</Link></p>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      {customer && (
        <>
          <PageHeader title={customer.name}>
            <span className="font-mono text-slate-500">{customer.code}</span>
            {!customer.is_active && <span className="rounded bg-slate-200 px-2 text-sm">inactive</span>}
          </PageHeader>
          <CustomerEditor customer={customer} />
          <Details customer={customer} />
          <CustomerInvoices customerId={customer.id} />
          <StatementView id={customer.id} />
          <CustomerPayments id={customer.id} />
        </>
      )}
    </OfficeLayout>
  );
}

function Details({ customer }: { customer: CustomerFull }) {
  return (
    <div className="mb-4 grid grid-cols-3 gap-4 print:hidden">
      <section className="card p-4 text-sm">
        <h2 className="mb-2 font-semibold">Contact</h2>
        <p>{customer.phone ?? "no phone"} · {customer.email ?? "no e-mail"}</p>
        <p className="mt-1 text-slate-600">{customer.billing_address || "—"} (state {customer.billing_state_code})</p>
        <p className="mt-1">Type {customer.type} · rate tier {customer.rate_tier}</p>
      </section>
      <section className="card p-4 text-sm" aria-label="Balance">
        <h2 className="mb-2 font-semibold">Balance</h2>
        <p className="num text-left text-2xl" data-testid="customer-balance">{formatPaise(customer.balance_paise)}</p>
        <p className="text-slate-600">Credit limit {formatPaise(customer.credit_limit_paise)} · available {formatPaise(customer.credit_available_paise)}</p>
        {customer.open_invoices.length > 0 && (
          <ul className="mt-2 space-y-0.5" aria-label="Open invoices">
            {customer.open_invoices.map((inv) => (
              <li key={inv.number} data-testid="open-invoice">
                {inv.number} · due {formatPaise(inv.due_paise)} of {formatPaise(inv.total_paise)}{inv.due_date ? ` by ${inv.due_date}` : ""}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card p-4 text-sm">
        <h2 className="mb-2 font-semibold">GSTIN</h2>
        <p className="font-mono">{customer.gstin ?? "none"}</p>
        {customer.legal_name && <p>{customer.legal_name}</p>}
        <ul className="mt-2 space-y-0.5 text-slate-600">
          {customer.gstin_history.map((g) => (
            <li key={`${g.gstin}-${g.valid_from}`} data-testid="gstin-period">{g.gstin} from {g.valid_from}{g.valid_to ? ` to ${g.valid_to}` : ""}</li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function firstOfMonth(): string {
  return `${isoDay().slice(0, 8)}01`;
}

function StatementView({ id }: { id: string }) {
  const [from, setFrom] = useState(firstOfMonth());
  const [to, setTo] = useState(isoDay());
  const { data: statement, error, isFetching } = useStatementQuery({ id, from, to });
  const problem = error ? failed(error) : null;

  return (
    <section className="card p-4" aria-label="Statement" data-testid="statement">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <h2 className="text-xl font-semibold">Statement</h2>
        <label className="text-sm">From <input type="date" className="field field-sm" aria-label="From" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label className="text-sm">To <input type="date" className="field field-sm" aria-label="To" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <div className="ml-auto flex gap-2 print:hidden">
          <button type="button" className="btn btn-sm" onClick={() => window.print()} disabled={!statement}>Print</button>
          <StatementCsvButton statement={statement} />
        </div>
      </div>
      {problem && <p className="text-rose-700" role="alert" data-field={problem.field ?? ""}>{problem.message}</p>}
      {statement && (
        <table className={`w-full text-sm ${isFetching ? "opacity-60" : ""}`} aria-label="Statement entries">
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="py-1">Date</th><th>Entry</th><th>Reference</th><th className="text-right">Debit</th>
              <th className="text-right">Credit</th><th className="text-right">Balance</th>
            </tr>
          </thead>
          <tbody>
            <tr className="border-t border-slate-100 font-medium" data-testid="statement-opening">
              <td className="py-1">{statement.from}</td><td>Opening balance</td><td /><td /><td />
              <td className="num">{formatPaise(statement.opening_paise)}</td>
            </tr>
            {statement.lines.map((line, i) => (
              <tr key={`${line.at}-${i}`} className="border-t border-slate-100" data-testid="statement-line">
                <td className="py-1">{line.date}</td>
                <td>{entryKind(line.kind)}{line.note && line.note !== line.reference ? ` — ${line.note}` : ""}</td>
                <td className="font-mono">{line.reference}</td>
                <td className="num">{line.debit_paise ? formatPaise(line.debit_paise) : ""}</td>
                <td className="num">{line.credit_paise ? formatPaise(line.credit_paise) : ""}</td>
                <td className="num" data-testid="running-balance">{formatPaise(line.balance_paise)}</td>
              </tr>
            ))}
            <tr className="border-t-2 border-slate-300 font-semibold" data-testid="statement-closing">
              <td className="py-1">{statement.to}</td><td>Closing balance</td><td />
              <td className="num">{formatPaise(statement.debits_paise)}</td>
              <td className="num">{formatPaise(statement.credits_paise)}</td>
              <td className="num">{formatPaise(statement.closing_paise)}</td>
            </tr>
          </tbody>
        </table>
      )}
      {statement && <p className="mt-2 text-xs text-slate-500">Days in {statement.timezone}.</p>}
    </section>
  );
}
