import { useEffect, useState } from "react";
import type { SaleSummary } from "../../api/types";
import { Modal } from "../../components/Modal";
import { isOpen } from "../../lib/gateway";
import { formatPaise } from "../../lib/money";
import { throughGateway } from "../../lib/payments";
import { payInvoice } from "../../state/cartCommands";
import { cancelGatewayPayment, startGatewayPayment } from "../../state/gatewayCommands";
import { useAppDispatch, useAppSelector } from "../../state/hooks";
import { noticeShown } from "../../state/posSlice";
import { GatewayPanel } from "./GatewayPanel";
import { PaymentEntry } from "./PaymentEntry";

/** The live gateway attempt of an invoice, and cancelling it (F7). */
export function useInvoiceAttempt(invoiceId: string) {
  const dispatch = useAppDispatch();
  const attempt = useAppSelector((s) => s.payments.attempts[invoiceId] ?? null);
  const [cancelling, setCancelling] = useState(false);
  async function cancel() {
    if (!attempt || !isOpen(attempt.state) || cancelling) return;
    setCancelling(true);
    const result = await dispatch(cancelGatewayPayment(attempt.id));
    setCancelling(false);
    if (!result.ok) dispatch(noticeShown("error", `Cancel: ${result.error.message}`));
  }
  return { attempt, cancel, cancelling };
}

/**
 * A payment on an issued invoice (from the summary, or right after checkout when a gateway flow was
 * chosen): counter payments are recorded at once; a gateway payment starts and its status follows live.
 * While it waits its amount is held, so what may still be entered is the balance less that amount.
 * When the bill is settled the dialog closes and says so.
 */
export function TakePaymentDialog({
  summary,
  startError,
  onClose,
}: {
  summary: SaleSummary;
  /** Why the gateway payment chosen at checkout could not start. */
  startError: string | null;
  onClose: () => void;
}) {
  const dispatch = useAppDispatch();
  const { attempt, cancel, cancelling } = useInvoiceAttempt(summary.id);
  const held = attempt && isOpen(attempt.state) ? attempt.amount_paise : 0;
  const due = Math.max(summary.balance_due_paise - held, 0);

  useEffect(() => {
    if (summary.balance_due_paise > 0 || !attempt || attempt.state !== "succeeded") return;
    dispatch(noticeShown("success", `${attempt.message}`));
    onClose();
  }, [attempt, summary.balance_due_paise, dispatch, onClose]);

  return (
    <Modal
      title={`Take payment — ${formatPaise(summary.balance_due_paise)} due`}
      onClose={onClose}
      width="w-[46rem]"
      testId="payment-dialog"
      onKeyDown={(e) => {
        if (e.key === "F7") {
          e.preventDefault();
          void cancel();
        }
      }}
    >
      {attempt && (
        <div className="mb-4">
          <GatewayPanel attempt={attempt} onCancel={() => void cancel()} cancelling={cancelling} />
        </div>
      )}
      {startError && (
        <p role="alert" className="mb-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800" data-testid="gateway-start-error">
          {startError}
        </p>
      )}
      <PaymentEntry
        due={due}
        onAdd={async (payment) => {
          if (throughGateway(payment)) {
            const started = await dispatch(startGatewayPayment(summary.id, payment));
            return started.ok ? true : started.error.message;
          }
          const result = await dispatch(payInvoice(summary.id, payment));
          if (!result.ok) return result.error.message;
          if (result.summary.balance_due_paise <= 0) onClose();
          return true;
        }}
      />
    </Modal>
  );
}
