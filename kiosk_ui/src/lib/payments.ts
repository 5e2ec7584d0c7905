// Split payments at checkout: what the cashier adds in the dialog before the sale is sent.
// Cash may exceed what is still due (the customer gets change); other methods may not overpay.

import type { Payment, PaymentMethod } from "../api/types";
import { FLOW_LABELS, isGatewayFlow, type EntryFlow } from "./gateway";
import { formatPaise } from "./money";

export interface MethodInfo {
  method: PaymentMethod;
  label: string;
  /** Key that picks the method while the amount field has focus. */
  key: string;
  /** Whether a transaction reference is asked for. */
  reference: boolean;
}

export const METHODS: readonly MethodInfo[] = [
  { method: "cash", label: "Cash", key: "c", reference: false },
  { method: "card", label: "Card", key: "d", reference: true },
  { method: "upi", label: "UPI", key: "u", reference: true },
  { method: "wallet", label: "Wallet", key: "w", reference: true },
  { method: "bank_transfer", label: "Bank transfer", key: "b", reference: true },
  { method: "credit", label: "On account", key: "a", reference: false },
];

export function methodLabel(method: string): string {
  return METHODS.find((m) => m.method === method)?.label ?? method;
}

export interface StagedPayment {
  method: PaymentMethod;
  amount_paise: number;
  tendered_paise?: number;
  reference?: string;
  /** A gateway flow: taken through the gateway routes once the invoice exists (not a checkout payment). */
  flow?: EntryFlow;
  /** upi_collect: the customer's UPI ID. */
  vpa?: string;
  /** online card: the Stripe payment method token. */
  payment_method?: string;
}

/** Details a gateway flow needs besides the amount. */
export interface FlowDetails {
  flow?: EntryFlow | null;
  vpa?: string;
  payment_method?: string;
}

const VPA = /^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,64}$/;
const PAYMENT_METHOD_TOKEN = /^pm_[A-Za-z0-9_]+$/;

/** Whether a staged payment goes through a gateway (after the invoice is issued). */
export function throughGateway(payment: StagedPayment): boolean {
  return isGatewayFlow(payment.flow);
}

export function paidSoFar(staged: readonly StagedPayment[]): number {
  return staged.reduce((sum, p) => sum + p.amount_paise, 0);
}

export function remainingDue(totalPaise: number, staged: readonly StagedPayment[]): number {
  return Math.max(totalPaise - paidSoFar(staged), 0);
}

export function changeDue(staged: readonly StagedPayment[]): number {
  return staged.reduce((sum, p) => sum + (p.tendered_paise ? p.tendered_paise - p.amount_paise : 0), 0);
}

export type StageResult = { ok: true; payment: StagedPayment } | { ok: false; message: string };

/** Turn what was typed (for cash: the money handed over) into a payment, or say why not. */
export function stagePayment(
  totalPaise: number,
  staged: readonly StagedPayment[],
  method: PaymentMethod,
  enteredPaise: number | null,
  reference = "",
  details: FlowDetails = {},
): StageResult {
  const due = remainingDue(totalPaise, staged);
  if (enteredPaise === null || enteredPaise <= 0) return { ok: false, message: "Type an amount in rupees, e.g. 500 or 499.50" };
  if (due <= 0) return { ok: false, message: "The bill is fully paid: complete the sale (F9)" };
  const ref = reference.trim();
  if (ref.length > 120) return { ok: false, message: "The reference is longer than 120 characters" };
  if (method === "cash") {
    const amount = Math.min(enteredPaise, due);
    const payment: StagedPayment = { method, amount_paise: amount };
    if (enteredPaise > amount) payment.tendered_paise = enteredPaise;
    return { ok: true, payment };
  }
  if (enteredPaise > due) {
    return { ok: false, message: `${methodLabel(method)} cannot be more than the ${formatPaise(due)} still due` };
  }
  if (isGatewayFlow(details.flow)) {
    const payment: StagedPayment = { method, amount_paise: enteredPaise, flow: details.flow };
    if (details.flow === "upi_collect") {
      const vpa = (details.vpa ?? "").trim();
      if (!VPA.test(vpa)) return { ok: false, message: "Type the customer's UPI ID, e.g. name@okbank" };
      payment.vpa = vpa;
    }
    if (details.flow === "online") {
      const token = (details.payment_method ?? "").trim();
      if (!PAYMENT_METHOD_TOKEN.test(token)) return { ok: false, message: "Paste the card's payment token (pm_…); never a card number" };
      payment.payment_method = token;
    }
    return { ok: true, payment };
  }
  const payment: StagedPayment = { method, amount_paise: enteredPaise };
  if (ref && METHODS.find((m) => m.method === method)?.reference) payment.reference = ref;
  return { ok: true, payment };
}

/** "Paid ₹1,000.00 — UPI ref 4512…" as the customer display and the summary say it. */
export function describePayment(payment: Pick<Payment, "method" | "amount_paise" | "reference" | "tendered_paise" | "kind">): string {
  const label = methodLabel(payment.method);
  const verb = payment.kind === "refund" ? "Refunded" : payment.method === "credit" ? "On account" : "Paid";
  const amount = formatPaise(payment.amount_paise);
  if (payment.method === "credit") return `${verb} ${amount}`;
  if (payment.reference) return `${verb} ${amount} — ${label} ref ${payment.reference}`;
  if (payment.method === "cash" && payment.tendered_paise && payment.tendered_paise > payment.amount_paise) {
    return `${verb} ${amount} — Cash (tendered ${formatPaise(payment.tendered_paise)})`;
  }
  return `${verb} ${amount} — ${label}`;
}

/** "UPI QR ₹1,000.00" — a gateway payment about to start. */
export function describeGatewayPayment(payment: Pick<StagedPayment, "method" | "flow" | "amount_paise">): string {
  const how = payment.flow && payment.flow !== "reference" ? FLOW_LABELS[payment.flow] : methodLabel(payment.method);
  return `${how} ${formatPaise(payment.amount_paise)}`;
}
