import { useMemo, useState } from "react";
import { apiError, useEmployeesQuery } from "../api/api";
import { OfficeLayout } from "../components/OfficeLayout";

/** The employee directory (GET /api/v1/employees: code, name, department, designation; no pay data). */
export function EmployeesPage() {
  const { data, error, isLoading } = useEmployeesQuery();
  const [filter, setFilter] = useState("");
  const rows = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    return (data?.items ?? []).filter((e) => {
      const text = `${e.code} ${e.name} ${e.department ?? ""} ${e.designation ?? ""}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [data, filter]);

  return (
    <OfficeLayout group="hr">
      <div className="flex h-full flex-col">
        <div className="mb-3 flex items-center gap-4">
          <h1 className="text-2xl font-semibold">Employees</h1>
          <input
            className="field w-96"
            placeholder="Filter by code, name, department or designation"
            aria-label="Filter employees"
            autoFocus
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <span className="text-slate-500">
            {data ? `${rows.length} of ${data.items.length}` : ""}
          </span>
        </div>
        {isLoading && <p className="text-slate-500">Loading…</p>}
        {error && <p role="alert" className="text-rose-700">{apiError(error).message}</p>}
        <div className="card min-h-0 flex-1 overflow-auto">
          <table className="w-full text-sm" aria-label="Employees">
            <thead className="sticky top-0 bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Code</th>
                <th className="px-3 py-2">Name</th>
                <th className="px-3 py-2">Department</th>
                <th className="px-3 py-2">Designation</th>
                <th className="px-3 py-2">Pay basis</th>
                <th className="px-3 py-2">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.code} className="border-b border-slate-100">
                  <td className="px-3 py-1.5 font-mono">{e.code}</td>
                  <td className="px-3 py-1.5">{e.name}</td>
                  <td className="px-3 py-1.5">{e.department ?? "—"}</td>
                  <td className="px-3 py-1.5">{e.designation ?? "—"}</td>
                  <td className="px-3 py-1.5">{e.pay_basis}</td>
                  <td className="px-3 py-1.5">{e.is_active ? "active" : "inactive"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </OfficeLayout>
  );
}
