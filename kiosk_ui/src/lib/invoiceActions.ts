// The invoice page's actions and the customer page's invoice list, their pure parts: who is offered a
// cancellation, how a cancellation and an e-mail's state read, the CSV addresses of the reports API, the
// customer list's default period.

import type { Role } from "../api/types";
import { MANAGERS } from "../auth/roles";

/** When, why and by whom an invoice was cancelled (the invoice's `cancellation`; null while it stands). */
export interface Cancellation {
  at: string | null;
  reason: string;
  by: string | null;
}

/** One e-mail of an invoice (GET /invoices/{id}/emails), newest first. */
export interface InvoiceEmail {
  id: string;
  to: string;
  status: "queued" | "sent" | "failed";
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  document: string;
}

const localTime = (iso: string) => new Date(iso).toLocaleString();

/** Cancelling is offered to managers on an invoice still standing; the API says why when it refuses
 * (money to refund first, a payment still waiting). */
export function mayCancel(role: Role | undefined, status: string): boolean {
  return role !== undefined && MANAGERS.includes(role) && status !== "cancelled";
}

/** "Cancelled 3/12/2026, 5:30:00 pm by manager" — who and when as far as they are known. */
export function cancellationLine(cancellation: Cancellation, time: (iso: string) => string = localTime): string {
  const when = cancellation.at ? ` ${time(cancellation.at)}` : "";
  const who = cancellation.by ? ` by ${cancellation.by}` : "";
  return `Cancelled${when}${who}`;
}

/** The line under the E-mail button for one message. */
export function emailStateLine(email: InvoiceEmail, time: (iso: string) => string = localTime): string {
  if (email.status === "sent") return `Sent to ${email.to}${email.sent_at ? ` ${time(email.sent_at)}` : ""}`;
  if (email.status === "failed") {
    return `Not sent to ${email.to} after ${email.attempts} tries${email.last_error ? `: ${email.last_error}` : ""}`;
  }
  const retry = email.attempts > 0 ? ` (tried ${email.attempts}×${email.last_error ? `: ${email.last_error}` : ""})` : "";
  return `Queued for ${email.to}: goes out when the mail server answers${retry}`;
}

/** Ask again while a message waits in the queue (its state changes on the server, not here). */
export function emailsPending(emails: readonly InvoiceEmail[] | undefined): boolean {
  return Boolean(emails?.some((email) => email.status === "queued"));
}

/** The address to offer: the customer's when the invoice has one on file, else what was typed last. */
export function prefilledEmail(customerEmail: string | null | undefined, lastSentTo: string | undefined): string {
  return (customerEmail ?? "").trim() || lastSentTo || "";
}

function query(values: Record<string, string | undefined>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) out.set(key, value);
  out.set("format", "csv");
  return out.toString();
}

/** The invoice register of a period (one customer's, one status's, when given) as the API's CSV. */
export function registerCsvUrl(period: { from: string; to: string }, customer?: string, status?: string): string {
  return `/api/v1/reports/invoice-register?${query({ from: period.from, to: period.to, customer, status })}`;
}

/** A customer's statement of a period as the API's CSV. */
export function statementCsvUrl(customerId: string, period: { from?: string; to?: string }): string {
  return `/api/v1/reports/customers/${encodeURIComponent(customerId)}/statement?${query({ from: period.from, to: period.to })}`;
}

/** The customer page's invoice list opens on the last twelve months: from the day after this day a year ago. */
export function lastTwelveMonths(today: string): { from: string; to: string } {
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  const start = new Date(Date.UTC(y - 1, m - 1, d + 1));
  return { from: start.toISOString().slice(0, 10), to: today };
}

/** "21–40 of 57" for a page of a list. */
export function pageSpan(page: number, perPage: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total}`;
  const first = (page - 1) * perPage + 1;
  return `${first}–${first + shown - 1} of ${total}`;
}
