// Gateway payments at the till: which flows each method offers now (from GET /payments/methods and the
// `payments_status` push), the order of an attempt's states, and what the cashier and the customer read.

import type { GatewayAttempt, GatewayFlow, GatewayState, GatewayStatus, PaymentMethod, PaymentOption } from "../api/types";
import { formatPaise } from "./money";

/** How a payment is taken: through a gateway flow, or "reference" — done elsewhere, its slip or ID typed. */
export type EntryFlow = GatewayFlow | "reference";

export interface FlowChoice {
  flow: EntryFlow;
  label: string;
  /** Through the gateway routes (after the invoice is issued), rather than in checkout's payments. */
  gateway: boolean;
  available: boolean;
  /** Why it cannot be used now (the API's sentence). */
  reason: string;
}

/** The gateway flows the till offers per method, in the order the cashier cycles through them. */
const GATEWAY_FLOWS: Partial<Record<PaymentMethod, readonly GatewayFlow[]>> = {
  card: ["card_present", "online"],
  upi: ["upi_qr", "upi_collect"],
  wallet: ["checkout"],
  bank_transfer: ["checkout"],
};

export const FLOW_LABELS: Record<EntryFlow, string> = {
  counter: "Counter",
  external_terminal: "Store terminal",
  card_present: "Card reader",
  online: "Online card",
  upi_qr: "UPI QR",
  upi_collect: "UPI collect",
  checkout: "Razorpay",
  reference: "Typed reference",
};

/** The flows of a method: its gateway flows that are enabled on this store, then a typed reference. */
export function flowChoices(method: PaymentMethod, options: readonly PaymentOption[]): FlowChoice[] {
  const flows = GATEWAY_FLOWS[method];
  if (!flows) return [];
  const choices: FlowChoice[] = [];
  for (const flow of flows) {
    const option = options.find((o) => o.method === method && o.flow === flow);
    if (!option) continue; // the gateway is not enabled here
    choices.push({ flow, label: FLOW_LABELS[flow], gateway: true, available: option.available, reason: option.reason });
  }
  choices.push({ flow: "reference", label: FLOW_LABELS.reference, gateway: false, available: true, reason: "" });
  return choices;
}

/** The flow a method starts with: its first gateway flow that works now, else a typed reference. */
export function defaultFlow(method: PaymentMethod, options: readonly PaymentOption[]): EntryFlow | null {
  const choices = flowChoices(method, options);
  return choices.find((c) => c.available)?.flow ?? null;
}

/** The next usable flow of the method after ``current`` (the method's key pressed again). */
export function nextFlow(method: PaymentMethod, current: EntryFlow | null, options: readonly PaymentOption[]): EntryFlow | null {
  const usable = flowChoices(method, options).filter((c) => c.available);
  if (usable.length === 0) return null;
  const at = usable.findIndex((c) => c.flow === current);
  return usable[(at + 1) % usable.length]!.flow;
}

export function isGatewayFlow(flow: EntryFlow | null | undefined): flow is GatewayFlow {
  return flow !== null && flow !== undefined && flow !== "reference";
}

/** A reachability change (`payments_status` push) applied to the methods on offer, as the API words it. */
export function applyGatewayStatus(options: readonly PaymentOption[], status: GatewayStatus): PaymentOption[] {
  return options.map((o) =>
    o.gateway !== status.gateway
      ? o
      : {
          ...o,
          available: status.available,
          reason: status.available
            ? ""
            : `${status.gateway} is unreachable (${status.last_error}); take cash or use the external terminal`,
        },
  );
}

const RANK: Record<GatewayState, number> = { created: 0, pending: 1, failed: 2, cancelled: 3, succeeded: 4, refunded: 5 };

export function isOpen(state: GatewayState): boolean {
  return state === "created" || state === "pending";
}

/**
 * Should ``incoming`` replace the attempt on screen? Pushes and answers come in any order: a later attempt
 * replaces an earlier one; the same attempt only moves forward (the server's state never goes back).
 */
export function acceptAttempt(current: GatewayAttempt | null, incoming: GatewayAttempt): boolean {
  if (current === null || current.id === incoming.id) {
    return current === null || RANK[incoming.state] >= RANK[current.state];
  }
  if (current.invoice_id !== incoming.invoice_id) return true; // the next sale's payment
  return incoming.attempt > current.attempt;
}

/** What the customer display says of an attempt. */
export function customerWording(attempt: GatewayAttempt): { title: string; detail: string; tone: "wait" | "ok" | "bad" } {
  const amount = formatPaise(attempt.amount_paise);
  switch (attempt.state) {
    case "succeeded":
    case "refunded":
      return {
        title: attempt.state === "refunded" ? `Refunded ${amount}` : `Paid ${amount}`,
        detail: attempt.transaction_id ? `Transaction ${attempt.transaction_id}` : "",
        tone: "ok",
      };
    case "failed":
      return { title: "Payment declined", detail: attempt.failure?.message || "The payment did not go through", tone: "bad" };
    case "cancelled":
      return { title: "Payment cancelled", detail: "Nothing was taken", tone: "bad" };
    case "created":
      return { title: `Pay ${amount}`, detail: "Connecting…", tone: "wait" };
    case "pending":
      return {
        title: `Pay ${amount}`,
        detail:
          attempt.flow === "upi_qr"
            ? "Scan the QR code with any UPI app and approve"
            : attempt.flow === "upi_collect"
              ? "Approve the request in your UPI app"
              : attempt.flow === "card_present"
                ? "Tap, insert or swipe your card on the reader"
                : "Complete the payment with Razorpay",
        tone: "wait",
      };
  }
}
