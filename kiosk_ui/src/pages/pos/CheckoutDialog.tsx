import { useLayoutEffect, useRef, useState } from "react";
import type { CheckoutPayment } from "../../api/api";
import type { Cart } from "../../api/types";
import { Modal } from "../../components/Modal";
import { formatPaise } from "../../lib/money";
import { changeDue, describePayment, paidSoFar, remainingDue, throughGateway, type StagedPayment } from "../../lib/payments";
import { PaymentEntry } from "./PaymentEntry";

/**
 * Split payment at checkout: add payments by method until the bill is paid, then complete (F9).
 * The total follows the cart live (a scan while the dialog is open is added to the bill).
 * A gateway flow (card reader, online card, UPI QR or collect, Razorpay) needs an invoice: choosing one
 * issues the invoice with the payments added so far and starts the gateway payment on it.
 */
export function CheckoutDialog({
  cart,
  onClose,
  onComplete,
  onGateway,
}: {
  cart: Cart;
  onClose: () => void;
  onComplete: (payments: CheckoutPayment[]) => Promise<string | null>;
  /** Issue the invoice with ``payments``, then start ``gateway`` on it; the reason when it could not. */
  onGateway: (payments: CheckoutPayment[], gateway: StagedPayment) => Promise<string | null>;
}) {
  const [staged, setStaged] = useState<StagedPayment[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const completeRef = useRef<HTMLButtonElement>(null);
  const total = cart.total_paise;
  const remaining = remainingDue(total, staged);
  const paid = paidSoFar(staged);
  const change = changeDue(staged);
  const overpaid = paid > total;

  useLayoutEffect(() => {
    if (staged.length > 0 && remaining === 0) completeRef.current?.focus();
  }, [staged.length, remaining]);

  async function complete(allowDue: boolean) {
    if (busy || overpaid || (!allowDue && remaining > 0)) return;
    setBusy(true);
    setError(null);
    const failure = await onComplete(staged.map((p) => ({ ...p })));
    setBusy(false);
    if (failure) setError(failure);
  }

  return (
    <Modal
      title={`Checkout — ${formatPaise(total)}`}
      onClose={onClose}
      width="w-[46rem]"
      testId="checkout-dialog"
      onKeyDown={(e) => {
        if (e.key === "F9") {
          e.preventDefault();
          void complete(false);
        }
      }}
    >
      <PaymentEntry
        due={remaining}
        busy={busy}
        onAdd={async (payment) => {
          if (!throughGateway(payment)) {
            setStaged([...staged, payment]);
            return true;
          }
          if (busy) return "Wait for the sale to complete";
          setBusy(true);
          const failure = await onGateway(staged.map((p) => ({ ...p })), payment);
          setBusy(false);
          return failure ?? true;
        }}
      />

      <table className="mt-4 w-full text-base" aria-label="Payments">
        <tbody>
          {staged.map((p, i) => (
            <tr key={i} className="border-b border-slate-100">
              <td className="py-2" data-testid="staged-payment">{describePayment({ ...p, kind: "payment", reference: p.reference ?? "", tendered_paise: p.tendered_paise ?? null })}</td>
              <td className="py-2 text-right">
                <button
                  type="button"
                  className="btn btn-sm btn-danger"
                  aria-label={`Remove payment ${i + 1}`}
                  onClick={() => setStaged(staged.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <dl className="mt-4 grid grid-cols-3 gap-3 text-center">
        <div className="rounded-lg bg-slate-50 p-3">
          <dt className="text-sm text-slate-500">Paid</dt>
          <dd className="num text-center text-2xl font-semibold" data-testid="checkout-paid">{formatPaise(paid)}</dd>
        </div>
        <div className={`rounded-lg p-3 ${remaining > 0 ? "bg-amber-50" : "bg-slate-50"}`}>
          <dt className="text-sm text-slate-500">Still due</dt>
          <dd className="num text-center text-2xl font-semibold" data-testid="checkout-remaining">{formatPaise(remaining)}</dd>
        </div>
        <div className={`rounded-lg p-3 ${change > 0 ? "bg-emerald-50" : "bg-slate-50"}`}>
          <dt className="text-sm text-slate-500">Change due</dt>
          <dd className="num text-center text-2xl font-semibold text-emerald-700" data-testid="checkout-change">{formatPaise(change)}</dd>
        </div>
      </dl>

      {overpaid && (
        <p role="alert" className="mt-3 rounded-lg bg-amber-50 px-3 py-2 text-amber-900">
          The bill is now smaller than the payments: remove a payment.
        </p>
      )}
      {error && (
        <p role="alert" className="mt-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800" data-testid="checkout-error">
          {error}
        </p>
      )}

      <div className="mt-5 flex items-center justify-end gap-3">
        {remaining > 0 && (
          <button type="button" className="btn" disabled={busy || overpaid} onClick={() => void complete(true)}>
            Bill now, {formatPaise(remaining)} due later
          </button>
        )}
        <button
          ref={completeRef}
          type="button"
          className="btn btn-primary h-12 px-6 text-lg"
          disabled={busy || remaining > 0 || overpaid}
          onClick={() => void complete(false)}
        >
          {busy ? "Completing…" : "Complete sale"} <span className="kbd bg-emerald-700 text-white">F9</span>
        </button>
      </div>
    </Modal>
  );
}
