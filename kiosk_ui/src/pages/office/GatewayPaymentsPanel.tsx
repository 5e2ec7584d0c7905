import { useEffect, useRef, useState, type FormEvent } from "react";
import { failed } from "../../api/office";
import { useInvoiceGatewayPaymentsQuery, useRefundGatewayPaymentMutation } from "../../api/payments";
import type { GatewayAttempt, SaleSummary } from "../../api/types";
import { Flash } from "../../components/Form";
import { Modal } from "../../components/Modal";
import { attemptLabel, parseRefund, refundableLeft, refundBody, stateLabel } from "../../lib/gatewayRefunds";
import { formatPaise, paiseToInput } from "../../lib/money";

const STATE_LOOK: Record<GatewayAttempt["state"], string> = {
  created: "bg-sky-100 text-sky-900",
  pending: "bg-sky-100 text-sky-900",
  succeeded: "bg-emerald-100 text-emerald-900",
  refunded: "bg-slate-200 text-slate-800",
  failed: "bg-rose-100 text-rose-900",
  cancelled: "bg-slate-200 text-slate-800",
};

/**
 * The invoice's card and UPI payments through a gateway (newest first): state, amount, method, transaction
 * ID, and for managers a Refund of a succeeded one — all or part, confirmed first, through its gateway.
 */
export function GatewayPaymentsPanel({
  invoice,
  manages,
  onRefunded,
}: {
  invoice: SaleSummary;
  manages: boolean;
  /** The invoice's paid and due changed: read it again. */
  onRefunded: () => void;
}) {
  const { data, error, refetch } = useInvoiceGatewayPaymentsQuery(invoice.id);
  const [refunding, setRefunding] = useState<GatewayAttempt | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const items = data?.items ?? [];
  if (!error && data && items.length === 0) return null; // no gateway was used on this invoice
  return (
    <section className="card p-4 text-sm" aria-label="Gateway payments" data-testid="gateway-payments">
      <h2 className="mb-2 font-semibold">Card and UPI payments through a gateway</h2>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      <table className="w-full">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr><th>#</th><th>Payment</th><th>Gateway</th><th>State</th><th>Transaction ID</th><th /></tr>
        </thead>
        <tbody>
          {items.map((attempt) => (
            <tr key={attempt.id} className="border-t border-slate-100" data-testid="gateway-payment-row"
              data-attempt-id={attempt.id} data-state={attempt.state}>
              <td>{attempt.attempt}</td>
              <td>{attemptLabel(attempt)}</td>
              <td>{attempt.gateway}</td>
              <td><span className={`rounded px-2 py-0.5 ${STATE_LOOK[attempt.state]}`} data-testid="gateway-payment-state">{stateLabel(attempt)}</span></td>
              <td className="font-mono" data-testid="gateway-payment-transaction">{attempt.transaction_id || "—"}</td>
              <td className="text-right">
                {manages && refundableLeft(attempt) > 0 && (
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => { setDone(null); setRefunding(attempt); }}>
                    Refund
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!manages && items.some((a) => refundableLeft(a) > 0) && (
        <p className="mt-2 text-slate-500">A manager refunds a card or UPI payment here.</p>
      )}
      <div className="mt-2"><Flash text={done} /></div>
      {refunding && (
        <RefundDialog
          attempt={refunding}
          onClose={() => setRefunding(null)}
          onRefused={() => {
            void refetch(); // refused because it changed meanwhile (another manager, the gateway): show it as it is
            onRefunded();
          }}
          onDone={(after, amount) => {
            setRefunding(null);
            setDone(`Refunded ${formatPaise(amount)} of ${attemptLabel(after)}: ${stateLabel(after)}`);
            void refetch();
            onRefunded();
          }}
        />
      )}
    </section>
  );
}

/** Amount (all that is left unless changed), then a confirmation; the API's refusal is shown as it says it. */
function RefundDialog({
  attempt,
  onClose,
  onDone,
  onRefused,
}: {
  attempt: GatewayAttempt;
  onClose: () => void;
  onDone: (after: GatewayAttempt, amount: number) => void;
  onRefused: () => void;
}) {
  const left = refundableLeft(attempt);
  const [text, setText] = useState(paiseToInput(left));
  const [checked, setChecked] = useState<{ amount_paise: number; whole: boolean } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [refund, { isLoading }] = useRefundGatewayPaymentMutation();
  const amountRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => { // keyboard: Enter on the amount, Enter again to confirm; Back returns to the amount
    if (checked) confirmRef.current?.focus();
    else amountRef.current?.focus();
  }, [checked]);

  function check(event: FormEvent) {
    event.preventDefault();
    const amount = parseRefund(text, left);
    if (!amount.ok) {
      setProblem(amount.message);
      return;
    }
    setProblem(null);
    setChecked(amount);
  }

  async function send() {
    if (!checked || isLoading) return;
    try {
      const after = await refund({ id: attempt.id, ...refundBody(checked, attempt) }).unwrap();
      onDone(after, checked.amount_paise);
    } catch (failure) {
      setProblem(failed(failure).message);
      setChecked(null); // back to the amount, as typed
      onRefused();
    }
  }

  return (
    <Modal title={`Refund — ${attemptLabel(attempt)}`} onClose={onClose} width="w-[34rem]" testId="refund-dialog">
      <p className="mb-3 text-sm text-slate-600">
        Transaction <span className="font-mono">{attempt.transaction_id}</span> by {attempt.gateway}.{" "}
        {attempt.refunded_paise > 0 && `${formatPaise(attempt.refunded_paise)} already refunded. `}
        Up to {formatPaise(left)} can be given back to the customer's {attempt.method === "upi" ? "UPI account" : attempt.method}.
      </p>
      {problem && (
        <p role="alert" className="mb-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800" data-testid="refund-error">{problem}</p>
      )}
      {checked === null ? (
        <form onSubmit={check} className="flex items-end gap-3">
          <label className="flex-1">
            <span className="mb-1 block text-sm font-medium text-slate-600">Amount to refund (₹)</span>
            <input ref={amountRef} className="field num w-full text-lg" aria-label="Refund amount" inputMode="decimal"
              value={text} onChange={(e) => setText(e.target.value)} onFocus={(e) => e.target.select()} />
          </label>
          <button type="submit" className="btn btn-primary h-12">Next</button>
          <button type="button" className="btn h-12" onClick={onClose}>Cancel</button>
        </form>
      ) : (
        <div data-testid="refund-confirm">
          <p className="mb-4 text-lg">
            Refund <strong>{formatPaise(checked.amount_paise)}</strong>{checked.whole ? " (all that is left)" : ""} to the
            customer through {attempt.gateway}? This cannot be undone.
          </p>
          <div className="flex justify-end gap-3">
            <button type="button" className="btn h-12" onClick={() => setChecked(null)} disabled={isLoading}>Back</button>
            <button ref={confirmRef} type="button" className="btn btn-danger h-12 px-6" onClick={() => void send()} disabled={isLoading}>
              {isLoading ? "Refunding…" : `Yes, refund ${formatPaise(checked.amount_paise)}`}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
