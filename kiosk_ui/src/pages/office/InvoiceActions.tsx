import { useEffect, useState, type FormEvent } from "react";
import { failed, useCustomerFullQuery } from "../../api/office";
import {
  useCancelInvoiceMutation,
  useEmailInvoiceMutation,
  useInvoiceEmailsQuery,
  type InvoiceWithCancellation,
} from "../../api/invoiceActions";
import type { ApiError } from "../../api/types";
import { Field, FormError } from "../../components/Form";
import { Modal } from "../../components/Modal";
import { useStepUp } from "../../components/StepUpPrompt";
import { cancellationLine, emailStateLine, emailsPending, prefilledEmail } from "../../lib/invoiceActions";
import { formatPaise } from "../../lib/money";

/** A cancelled invoice says so at the top: when, by whom and why. */
export function CancellationBanner({ invoice }: { invoice: InvoiceWithCancellation }) {
  if (invoice.status !== "cancelled") return null;
  const cancellation = invoice.cancellation ?? { at: null, reason: "", by: null };
  return (
    <div className="mb-4 rounded-xl border border-rose-300 bg-rose-50 p-4 text-rose-900" role="status" data-testid="cancellation">
      <p className="text-lg font-semibold" data-testid="cancellation-line">{cancellationLine(cancellation)}</p>
      {cancellation.reason && <p data-testid="cancellation-reason">Why: {cancellation.reason}</p>}
      <p className="text-sm">Its number stays used; it counts in no sales figure.</p>
    </div>
  );
}

/** Managers: cancel the invoice with a reason, confirmed in a dialog; the API's refusal is shown as it says it. */
export function CancelInvoice({ invoice }: { invoice: InvoiceWithCancellation }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card p-4" aria-label="Cancel invoice">
      <h2 className="mb-1 font-semibold">Cancel this invoice</h2>
      <p className="mb-2 text-sm text-slate-600">
        For a bill made in error. Money paid on it ({formatPaise(invoice.paid_paise)}) must be refunded first.
      </p>
      <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>Cancel invoice…</button>
      {open && <CancelDialog invoice={invoice} onClose={() => setOpen(false)} />}
    </section>
  );
}

function CancelDialog({ invoice, onClose }: { invoice: InvoiceWithCancellation; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [cancel, { isLoading }] = useCancelInvoiceMutation();
  const { guard, prompt } = useStepUp("Cancelling an older invoice");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!reason.trim()) {
      setError({ code: "invalid", message: "say why the invoice is cancelled", field: "reason" });
      return;
    }
    try {
      await guard(() => cancel({ id: invoice.id, reason: reason.trim() }).unwrap());
      onClose(); // the page reads the invoice again and shows it cancelled
    } catch (failure) {
      setError(failed(failure)); // the reason typed stays
    }
  }

  return (
    <Modal title={`Cancel invoice ${invoice.number}`} onClose={onClose} width="w-[34rem]" testId="cancel-dialog">
      {prompt}
      <form onSubmit={submit} className="space-y-3" noValidate>
        <FormError error={error} fields={["reason"]} />
        <p>Total {formatPaise(invoice.total_paise)}, due {formatPaise(invoice.balance_due_paise)}. This cannot be undone.</p>
        <Field label="Reason" name="reason" error={error}>
          <input className="field w-full" value={reason} maxLength={500} data-autofocus onChange={(e) => setReason(e.target.value)} />
        </Field>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>Keep it</button>
          <button type="submit" className="btn btn-danger" disabled={isLoading}>Yes, cancel invoice {invoice.number}</button>
        </div>
      </form>
    </Modal>
  );
}

const POLL_MS = 2000;

/** E-mail the invoice (the customer's address prefilled); each message's state: queued, sent, failed. */
export function EmailInvoice({ invoice }: { invoice: InvoiceWithCancellation }) {
  const customerId = invoice.buyer.customer_id;
  const { data: customer } = useCustomerFullQuery(customerId ?? "", { skip: !customerId });
  const [polling, setPolling] = useState(false);
  const { data: emails } = useInvoiceEmailsQuery(invoice.id, { pollingInterval: polling ? POLL_MS : 0 });
  const waiting = emailsPending(emails?.items);
  useEffect(() => {
    setPolling(waiting); // asked again while one waits in the queue
  }, [waiting]);
  const [typed, setTyped] = useState<string | null>(null);
  const to = typed ?? prefilledEmail(customer?.email, emails?.items[0]?.to);
  const [error, setError] = useState<ApiError | null>(null);
  const [send, { isLoading }] = useEmailInvoiceMutation();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await send({ id: invoice.id, to: to.trim() }).unwrap(); // the list is read again: "queued"
    } catch (failure) {
      setError(failed(failure));
    }
  }

  return (
    <form className="card space-y-2 p-4" onSubmit={submit} aria-label="E-mail invoice" data-testid="email-form" noValidate>
      <h2 className="font-semibold">E-mail the invoice</h2>
      <FormError error={error} fields={["to"]} />
      <Field label="E-mail address" name="to" error={error}>
        <input className="field w-full" inputMode="email" autoComplete="email" value={to} onChange={(e) => setTyped(e.target.value)} />
      </Field>
      <button type="submit" className="btn" disabled={isLoading || !to.trim()}>E-mail invoice</button>
      {emails && emails.items.length > 0 && (
        <ul className="space-y-1 text-sm" aria-label="E-mails sent">
          {emails.items.map((email) => (
            <li key={email.id} data-testid="email-state" data-status={email.status}
              className={email.status === "sent" ? "text-emerald-800" : email.status === "failed" ? "text-rose-700" : "text-amber-800"}>
              {emailStateLine(email)}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
