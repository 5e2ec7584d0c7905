import { useMemo, useState, type FormEvent } from "react";
import { apiError, useEmployeesQuery, useMeQuery } from "../api/api";
import { failed, useSetPinMutation } from "../api/office";
import type { ApiError } from "../api/types";
import { PIN_SETTERS } from "../auth/roles";
import { Field, Flash, FormError } from "../components/Form";
import { OfficeLayout } from "../components/OfficeLayout";

/** HR and administrators set the PIN an employee types at the attendance terminal (kept as a hash). */
function PinForm() {
  const [code, setCode] = useState("");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [save, { isLoading }] = useSetPinMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      await save({ employee_code: code.trim().toUpperCase(), pin }).unwrap();
      setDone(`The terminal PIN of ${code.trim().toUpperCase()} is set.`);
      setPin("");
    } catch (failure) {
      setError(failed(failure));
    }
  }
  return (
    <form className="card mb-3 flex flex-wrap items-end gap-3 p-3" onSubmit={submit} aria-label="Set a terminal PIN">
      <FormError error={error} fields={["employee_code", "pin"]} />
      <Field label="Employee code" name="employee_code" error={error}>
        <input className="field field-sm w-32 uppercase" value={code} onChange={(e) => setCode(e.target.value)} />
      </Field>
      <Field label="New terminal PIN (4–8 digits)" name="pin" error={error}>
        <input className="field field-sm w-40" type="password" inputMode="numeric" autoComplete="new-password" value={pin}
          onChange={(e) => setPin(e.target.value)} />
      </Field>
      <button type="submit" className="btn btn-sm" disabled={isLoading}>Set PIN</button>
      <Flash text={done} />
    </form>
  );
}

/** The employee directory (GET /api/v1/employees: code, name, department, designation; no pay data). */
export function EmployeesPage() {
  const { data, error, isLoading } = useEmployeesQuery();
  const [filter, setFilter] = useState("");
  const { data: me } = useMeQuery();
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
        {me && PIN_SETTERS.includes(me.role) && <PinForm />}
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
