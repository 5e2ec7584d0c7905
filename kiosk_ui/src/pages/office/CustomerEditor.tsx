import { useState } from "react";
import { useMeQuery } from "../../api/api";
import type { CustomerFull } from "../../api/officeTypes";
import { MANAGERS } from "../../auth/roles";
import { CustomerForm } from "../../components/CustomerForm";
import { Flash } from "../../components/Form";

/** "Edit customer" on a customer's page (admins and managers, as PATCH /customers/{id} allows). */
export function CustomerEditor({ customer }: { customer: CustomerFull }) {
  const { data: me } = useMeQuery();
  const [open, setOpen] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  if (!me || !MANAGERS.includes(me.role)) return null;
  return (
    <section className="mb-4 print:hidden" aria-label="Edit customer">
      {open ? (
        <div className="card p-4">
          <h2 className="mb-3 text-lg font-semibold">Edit {customer.name}</h2>
          <CustomerForm customer={customer} mayGiveCredit draftKey={`customer:${customer.id}`}
            onCancel={() => setOpen(false)}
            onSaved={(saved) => {
              setOpen(false);
              setFlash(`Saved ${saved.name}${saved.gstin !== customer.gstin ? ` — GSTIN now ${saved.gstin ?? "none"}` : ""}.`);
            }} />
        </div>
      ) : (
        <div className="flex items-center gap-3">
          <button type="button" className="btn btn-sm" onClick={() => { setFlash(null); setOpen(true); }}>Edit customer</button>
          <Flash text={flash} />
        </div>
      )}
    </section>
  );
}
