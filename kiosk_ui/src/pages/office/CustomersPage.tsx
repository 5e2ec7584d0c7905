import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMeQuery } from "../../api/api";
import { failed, useCustomerListQuery } from "../../api/office";
import { MANAGERS } from "../../auth/roles";
import { CustomerForm } from "../../components/CustomerForm";
import { Modal } from "../../components/Modal";
import type { CustomerFilters } from "../../api/officeTypes";
import { PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { formatPaise, parseRupees } from "../../lib/money";

const PER_PAGE = 25;
const TYPES = ["", "retail", "wholesale", "b2b", "staff"];

/** The filters as the URL keeps them (a reload or the back button shows the same page). */
function filtersOf(params: URLSearchParams): CustomerFilters {
  const has = params.get("has_gstin");
  const status = params.get("status");
  const min = params.get("min_balance");
  const minPaise = min ? parseRupees(min) : null;
  return {
    q: params.get("q") ?? "",
    type: params.get("type") ?? "",
    state: params.get("state") ?? "",
    has_gstin: has === "true" || has === "false" ? has : undefined,
    min_balance_paise: minPaise ?? undefined,
    status: status === "inactive" || status === "all" ? status : "active",
    page: Math.max(1, Number(params.get("page")) || 1),
    per_page: PER_PAGE,
  };
}

/** Customers: search and filters, pages of 25, balance; a row opens the customer. */
export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const { data, error, isFetching } = useCustomerListQuery(filters);
  const [minBalance, setMinBalance] = useState(params.get("min_balance") ?? "");
  const [adding, setAdding] = useState(false);
  const { data: me } = useMeQuery();
  const navigate = useNavigate();

  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "page") next.delete("page");
    setParams(next, { replace: name !== "page" });
  }

  return (
    <OfficeLayout group="office">
      <PageHeader title="Customers">
        <input className="field w-72" type="search" aria-label="Search customers" placeholder="Name, code, phone or GSTIN"
          value={filters.q} onChange={(e) => set("q", e.target.value)} autoFocus />
        <button type="button" className="btn ml-auto" onClick={() => setAdding(true)}>Add a customer</button>
      </PageHeader>
      {adding && (
        <Modal title="New customer" onClose={() => setAdding(false)} width="w-[60rem]" testId="new-customer-dialog">
          <CustomerForm mayGiveCredit={Boolean(me && MANAGERS.includes(me.role))} draftKey="customer:new"
            onCancel={() => setAdding(false)} onSaved={(saved) => void navigate(`/office/customers/${saved.id}`)} />
        </Modal>
      )}
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm" aria-label="Filters">
        <label>Type{" "}
          <select className="field field-sm" aria-label="Type" value={filters.type} onChange={(e) => set("type", e.target.value)}>
            {TYPES.map((t) => <option key={t} value={t}>{t || "any"}</option>)}
          </select>
        </label>
        <label>State code{" "}
          <input className="field field-sm w-16" aria-label="State code" maxLength={2} value={filters.state} onChange={(e) => set("state", e.target.value.replace(/\D/g, ""))} />
        </label>
        <label>GSTIN{" "}
          <select className="field field-sm" aria-label="GSTIN" value={filters.has_gstin ?? ""} onChange={(e) => set("has_gstin", e.target.value)}>
            <option value="">any</option><option value="true">with GSTIN</option><option value="false">without</option>
          </select>
        </label>
        <label>Balance at least ₹{" "}
          <input className="field field-sm w-24" aria-label="Balance at least" inputMode="decimal" value={minBalance}
            onChange={(e) => setMinBalance(e.target.value)}
            onBlur={() => set("min_balance", parseRupees(minBalance) === null ? "" : minBalance)}
            onKeyDown={(e) => e.key === "Enter" && set("min_balance", parseRupees(minBalance) === null ? "" : minBalance)} />
        </label>
        {minBalance && parseRupees(minBalance) === null && <span className="text-rose-700" role="alert">type rupees, e.g. 500</span>}
        <label>Status{" "}
          <select className="field field-sm" aria-label="Status" value={filters.status} onChange={(e) => set("status", e.target.value === "active" ? "" : e.target.value)}>
            <option value="active">active</option><option value="inactive">inactive</option><option value="all">all</option>
          </select>
        </label>
      </div>
      {error && <p className="mb-2 text-rose-700" role="alert">{failed(error).message}</p>}
      <div className="card overflow-hidden">
        <table className="w-full text-sm" aria-label="Customers">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2">Code</th><th className="px-3 py-2">Name</th><th className="px-3 py-2">Phone</th>
              <th className="px-3 py-2">GSTIN</th><th className="px-3 py-2">Type</th><th className="px-3 py-2 text-right">Balance</th>
              <th className="px-3 py-2 text-right">Credit limit</th>
            </tr>
          </thead>
          <tbody className={isFetching ? "opacity-60" : ""}>
            {data?.items.map((c) => (
              <tr key={c.id} className="border-t border-slate-100 hover:bg-sky-50" data-testid="customer-row">
                <td className="px-3 py-1.5 font-mono">{c.code}</td>
                <td className="px-3 py-1.5"><Link className="text-sky-800 underline" to={`/office/customers/${c.id}`}>{c.name}</Link></td>
                <td className="px-3 py-1.5">{c.phone ?? "—"}</td>
                <td className="px-3 py-1.5 font-mono">{c.gstin ?? "—"}</td>
                <td className="px-3 py-1.5">{c.type}</td>
                <td className="num px-3 py-1.5">{formatPaise(c.balance_paise)}</td>
                <td className="num px-3 py-1.5">{formatPaise(c.credit_limit_paise)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <p className="p-4 text-slate-500">No customer matches.</p>}
      </div>
      {data && (
        <div className="mt-3 flex items-center gap-3" aria-label="Pages">
          <button type="button" className="btn btn-sm" disabled={data.page <= 1} onClick={() => set("page", String(data.page - 1))}>← Previous</button>
          <span data-testid="page-info">Page {data.page} of {Math.max(1, data.pages)} · {data.total} customers</span>
          <button type="button" className="btn btn-sm" disabled={data.page >= data.pages} onClick={() => set("page", String(data.page + 1))}>Next →</button>
        </div>
      )}
    </OfficeLayout>
  );
}
