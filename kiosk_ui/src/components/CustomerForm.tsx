import { useState, type FormEvent } from "react";
import { apiError } from "../api/api";
import { useCreateCustomerMutation, useUpdateCustomerMutation } from "../api/customers";
import type { CustomerFull } from "../api/officeTypes";
import type { ApiError } from "../api/types";
import { useDraft } from "../hooks/useDraft";
import {
  CUSTOMER_FIELDS,
  CUSTOMER_TYPES,
  GST_STATES,
  RATE_TIERS,
  customerChanges,
  draftOf,
  gstinStateDiffers,
  newCustomerBody,
  type CustomerDraft,
} from "../lib/customers";
import { Field, FormError } from "./Form";

function StateSelect({ value, onChange, label, empty }: { value: string; onChange: (v: string) => void; label: string; empty: string }) {
  return (
    <select className="field w-full" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{empty}</option>
      {GST_STATES.map(([code, name]) => <option key={code} value={code}>{code} {name}</option>)}
    </select>
  );
}

/**
 * Add a customer (no `customer`) or change one. `mayGiveCredit` (admins and managers) shows the credit limit
 * and the rate tier; for a cashier they are shown locked, as the API refuses them. What was typed is kept
 * for the tab (`draftKey`) until the server accepted it; the API's refusal shows under the field it names.
 */
export function CustomerForm({
  customer,
  mayGiveCredit,
  draftKey,
  onSaved,
  onCancel,
  initial,
}: {
  customer?: CustomerFull;
  initial?: Partial<CustomerDraft>;
  mayGiveCredit: boolean;
  draftKey: string;
  onSaved: (saved: CustomerFull) => void;
  onCancel: () => void;
}) {
  const { kept, keep, discard } = useDraft<CustomerDraft>(draftKey);
  const draft = kept ?? { ...draftOf(customer), ...initial };
  const [error, setError] = useState<ApiError | null>(null);
  const [create, creating] = useCreateCustomerMutation();
  const [update, updating] = useUpdateCustomerMutation();
  const busy = creating.isLoading || updating.isLoading;
  const set = (name: keyof CustomerDraft) => (value: string) => keep({ ...draft, [name]: value });
  const text = (name: keyof CustomerDraft) => (e: { target: { value: string } }) => set(name)(e.target.value);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const built = customer ? customerChanges(draft, customer, mayGiveCredit) : newCustomerBody(draft, mayGiveCredit);
    if (!built.ok) {
      setError(built.error);
      return;
    }
    setError(null);
    try {
      const saved = customer
        ? await update({ id: customer.id, changes: built.body }).unwrap()
        : await create(built.body).unwrap();
      discard();
      onSaved(saved);
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]));
    }
  }

  const typeTier = customer && draft.type === customer.type ? customer.rate_tier : null;
  return (
    <form onSubmit={(e) => void save(e)} aria-label={customer ? "Edit customer" : "New customer"} data-testid="customer-form" noValidate>
      <FormError error={error} fields={CUSTOMER_FIELDS} />
      <div className="grid grid-cols-3 gap-x-4 gap-y-2">
        <Field label="Name" name="name" error={error}>
          <input className="field w-full" aria-label="Name" value={draft.name} onChange={text("name")} data-autofocus autoFocus autoComplete="off" />
        </Field>
        <Field label="Phone" name="phone" error={error}>
          <input className="field w-full" aria-label="Phone" value={draft.phone} onChange={text("phone")} inputMode="tel" autoComplete="off" />
        </Field>
        <Field label="E-mail" name="email" error={error}>
          <input className="field w-full" aria-label="E-mail" value={draft.email} onChange={text("email")} type="email" autoComplete="off" />
        </Field>
        <Field label="Type" name="type" error={error}>
          <select className="field w-full" aria-label="Type" value={draft.type} onChange={text("type")}>
            {CUSTOMER_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </Field>
        <Field label="Rate tier" name="rate_tier" error={error}>
          <select className="field w-full" aria-label="Rate tier" value={mayGiveCredit ? draft.rate_tier : ""} onChange={text("rate_tier")} disabled={!mayGiveCredit}
            aria-describedby={mayGiveCredit ? undefined : "manager-only"}>
            {(!customer || !mayGiveCredit) && <option value="">the type's tier</option>}
            {RATE_TIERS.map((t) => <option key={t} value={t}>{t}{t === typeTier ? " (now)" : ""}</option>)}
          </select>
        </Field>
        <Field label="Credit limit ₹" name="credit_limit_paise" error={error}>
          <input className="field w-full" aria-label="Credit limit ₹" value={mayGiveCredit ? draft.credit_limit : "0"} onChange={text("credit_limit")} inputMode="decimal"
            disabled={!mayGiveCredit} placeholder="0" aria-describedby={mayGiveCredit ? undefined : "manager-only"} />
        </Field>
        {!mayGiveCredit && (
          <p id="manager-only" className="col-span-3 -mt-1 text-sm text-amber-800" data-testid="manager-only">
            Only a manager can give credit or choose a rate tier other than the type's.
          </p>
        )}
        <Field label="GSTIN" name="gstin" error={error}>
          <input className="field w-full font-mono uppercase" aria-label="GSTIN" value={draft.gstin} onChange={text("gstin")} maxLength={20}
            autoComplete="off" spellCheck={false} placeholder="none" />
        </Field>
        <Field label="Legal name (for the GSTIN)" name="legal_name" error={error}>
          <input className="field w-full" aria-label="Legal name" value={draft.legal_name} onChange={text("legal_name")} placeholder="the name above" />
        </Field>
        {customer ? (
          <Field label="GSTIN change applies from" name="gstin_effective_from" error={error}>
            <input type="date" className="field w-full" aria-label="GSTIN change applies from" value={draft.gstin_effective_from} onChange={text("gstin_effective_from")} />
          </Field>
        ) : <div />}
        <Field label="Billing address" name="billing_address" error={error}>
          <input className="field w-full" aria-label="Billing address" value={draft.billing_address} onChange={text("billing_address")} />
        </Field>
        <Field label="Billing state" name="billing_state_code" error={error}>
          <StateSelect label="Billing state" value={draft.billing_state_code} onChange={set("billing_state_code")}
            empty={customer ? "—" : "from the GSTIN, else the store's"} />
        </Field>
        <Field label="Place of supply (ship-to state)" name="shipping_state_code" error={error}>
          <StateSelect label="Place of supply" value={draft.shipping_state_code} onChange={set("shipping_state_code")}
            empty={customer ? "—" : "the billing state"} />
        </Field>
        {(gstinStateDiffers(draft) || draft.gstin_state_reason || error?.field === "billing_state_code") && (
          <Field label="Why the GSTIN's state differs from the billing state" name="gstin_state_reason" error={error} className="col-span-3">
            <input className="field w-full" aria-label="Why the GSTIN's state differs" value={draft.gstin_state_reason} onChange={text("gstin_state_reason")} />
          </Field>
        )}
      </div>
      <div className="mt-4 flex items-center gap-3">
        <button type="submit" className="btn btn-primary" disabled={busy}>{customer ? "Save changes" : "Add customer"}</button>
        <button type="button" className="btn" onClick={() => { discard(); setError(null); onCancel(); }}>
          {customer ? "Undo changes" : "Cancel"}
        </button>
        {kept && <span className="text-sm text-slate-500">Not saved yet</span>}
      </div>
    </form>
  );
}
