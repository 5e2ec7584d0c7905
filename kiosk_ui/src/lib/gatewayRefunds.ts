// Gateway payments of an invoice in the back office and after a page reload: which attempt the till shows
// again, what may still be refunded, and the refund amount a manager typed.

import type { GatewayAttempt } from "../api/types";
import { FLOW_LABELS } from "./gateway";
import { formatPaise, parseRupees } from "./money";

/** The attempt a till shows after a reload: the newest one (the list comes newest first). */
export function attemptToShow(items: readonly GatewayAttempt[]): GatewayAttempt | null {
  let newest: GatewayAttempt | null = null;
  for (const item of items) if (!newest || item.attempt > newest.attempt) newest = item;
  return newest;
}

/** What is left to give back on an attempt: only a succeeded one that joined the invoice's payments. */
export function refundableLeft(attempt: GatewayAttempt): number {
  if (attempt.state !== "succeeded" || attempt.payment_id === null) return 0;
  return Math.max(attempt.amount_paise - attempt.refunded_paise, 0);
}

export type RefundAmount = { ok: true; amount_paise: number; whole: boolean } | { ok: false; message: string };

/** The typed refund amount, checked against what is left (the API checks again and has the last word). */
export function parseRefund(text: string, left: number): RefundAmount {
  if (left <= 0) return { ok: false, message: "Nothing is left to refund on this payment" };
  const amount = text.trim() === "" ? left : parseRupees(text);
  if (amount === null) return { ok: false, message: "Type the amount in rupees, such as 150 or 150.50" };
  if (amount <= 0) return { ok: false, message: "The refund must be more than ₹0.00" };
  if (amount > left) return { ok: false, message: `At most ${formatPaise(left)} is left to refund on this payment` };
  return { ok: true, amount_paise: amount, whole: amount === left };
}

/** The body of POST /gateway-payments/{id}/refund: no amount for the whole of what is left. */
export function refundBody(amount: { amount_paise: number; whole: boolean }, attempt: GatewayAttempt): { amount_paise?: number } {
  return amount.whole && attempt.refunded_paise === 0 ? {} : { amount_paise: amount.amount_paise };
}

/** "Card reader ₹1,595.00" — how a row names an attempt. */
export function attemptLabel(attempt: GatewayAttempt): string {
  return `${FLOW_LABELS[attempt.flow] ?? attempt.method} ${formatPaise(attempt.amount_paise)}`;
}

/** The state column: the refunded part of a succeeded attempt said too. */
export function stateLabel(attempt: GatewayAttempt): string {
  if (attempt.state === "succeeded" && attempt.refunded_paise > 0) {
    return `succeeded, ${formatPaise(attempt.refunded_paise)} refunded`;
  }
  return attempt.state;
}
