import type { GatewayAttempt } from "../../api/types";
import { FLOW_LABELS, isOpen } from "../../lib/gateway";
import { formatPaise } from "../../lib/money";

const LOOK: Record<GatewayAttempt["state"], string> = {
  created: "border-sky-200 bg-sky-50 text-sky-900",
  pending: "border-sky-200 bg-sky-50 text-sky-900",
  succeeded: "border-emerald-200 bg-emerald-50 text-emerald-900",
  refunded: "border-slate-200 bg-slate-50 text-slate-800",
  failed: "border-rose-200 bg-rose-50 text-rose-900",
  cancelled: "border-slate-200 bg-slate-50 text-slate-800",
};

const STATE_WORD: Record<GatewayAttempt["state"], string> = {
  created: "contacting the gateway",
  pending: "waiting",
  succeeded: "paid",
  refunded: "refunded",
  failed: "declined",
  cancelled: "cancelled",
};

/**
 * A gateway payment's live status on the cashier screen (pushed): waiting with Cancel (F7), paid with the
 * amount and transaction ID, or the gateway's decline message.
 */
export function GatewayPanel({
  attempt,
  onCancel,
  cancelling = false,
}: {
  attempt: GatewayAttempt;
  onCancel: () => void;
  cancelling?: boolean;
}) {
  const open = isOpen(attempt.state);
  return (
    <section
      className={`rounded-lg border p-3 ${LOOK[attempt.state]}`}
      aria-label="Gateway payment"
      aria-live="polite"
      data-testid="gateway-payment"
      data-state={attempt.state}
      data-attempt-id={attempt.id}
    >
      <div className="flex items-baseline justify-between gap-2">
        <strong>
          {FLOW_LABELS[attempt.flow] ?? attempt.method} {formatPaise(attempt.amount_paise)}
        </strong>
        <span className="text-sm font-medium uppercase tracking-wide" data-testid="gateway-state">
          {STATE_WORD[attempt.state]}
        </span>
      </div>
      {attempt.state === "succeeded" ? (
        <p className="mt-1" data-testid="gateway-paid">
          Paid {formatPaise(attempt.amount_paise)} — transaction{" "}
          <span className="font-mono" data-testid="gateway-transaction">{attempt.transaction_id}</span>
        </p>
      ) : attempt.state === "failed" ? (
        <p className="mt-1" role="alert" data-testid="gateway-failure">
          {/* the API's sentence starts with the gateway's own message */}
          {attempt.message.includes(attempt.failure?.message ?? "") ? attempt.message : `${attempt.failure?.message} — ${attempt.message}`}
        </p>
      ) : (
        <p className="mt-1" data-testid="gateway-message">{attempt.message}</p>
      )}
      {open && (
        <div className="mt-2 flex items-center gap-2">
          {attempt.flow === "upi_qr" && <span className="text-sm">The QR code is on the customer display.</span>}
          <button type="button" className="btn btn-sm btn-danger ml-auto" onClick={onCancel} disabled={cancelling}>
            {cancelling ? "Cancelling…" : "Cancel payment"} <span className="kbd">F7</span>
          </button>
        </div>
      )}
    </section>
  );
}
