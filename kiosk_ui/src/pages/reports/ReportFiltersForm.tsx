import { useEffect, useState, type FormEvent } from "react";
import type { ApiError } from "../../api/types";
import { Field, FormError } from "../../components/Form";
import { presets, type ReportFilters } from "../../lib/reports";

const FIELDS = ["from", "to", "till", "cashier"];

/**
 * Date range (with quick ranges), till and cashier. Applied with Enter or the button; the filters live in
 * the URL. The API's refusal (a till that does not exist, a range backwards) shows under its field.
 */
export function ReportFiltersForm({
  filters,
  today,
  error,
  onApply,
  withTillAndCashier = true,
}: {
  filters: ReportFilters;
  today: string;
  error: ApiError | null;
  onApply: (filters: ReportFilters) => void;
  withTillAndCashier?: boolean;
}) {
  const [draft, setDraft] = useState<ReportFilters>(filters);
  const asked = JSON.stringify(filters);
  useEffect(() => {
    setDraft(JSON.parse(asked) as ReportFilters); // new filters applied (or the API's default days learned)
  }, [asked]);
  const set = (key: keyof ReportFilters, value: string) => setDraft({ ...draft, [key]: value });

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="card mb-4 p-3" onSubmit={submit} aria-label="Report filters">
      <FormError error={error} fields={withTillAndCashier ? FIELDS : FIELDS.slice(0, 2)} />
      <div className="flex flex-wrap items-end gap-3">
        <Field label="From" name="from" error={error}>
          <input className="field field-sm" type="date" aria-label="From" value={draft.from ?? ""} onChange={(e) => set("from", e.target.value)} />
        </Field>
        <Field label="To" name="to" error={error}>
          <input className="field field-sm" type="date" aria-label="To" value={draft.to ?? ""} onChange={(e) => set("to", e.target.value)} />
        </Field>
        {withTillAndCashier && (
          <>
            <Field label="Till" name="till" error={error}>
              <input className="field field-sm w-24" aria-label="Till" placeholder="all" value={draft.till ?? ""}
                onChange={(e) => set("till", e.target.value.toUpperCase())} />
            </Field>
            <Field label="Cashier (user name)" name="cashier" error={error}>
              <input className="field field-sm w-40" aria-label="Cashier" placeholder="all" value={draft.cashier ?? ""}
                onChange={(e) => set("cashier", e.target.value.trim())} />
            </Field>
          </>
        )}
        <button type="submit" className="btn btn-primary btn-sm">Show</button>
        {today && (
          <div className="flex flex-wrap gap-1" aria-label="Quick ranges">
            {presets(today).map((p) => (
              <button key={p.label} type="button" className="btn btn-sm"
                onClick={() => onApply({ ...draft, from: p.from, to: p.to })}>
                {p.label}
              </button>
            ))}
          </div>
        )}
      </div>
    </form>
  );
}
