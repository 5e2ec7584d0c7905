// Pure rules for applying what the server says — answers and pushed events — to what a screen shows.
// The server owns the sale; a screen only decides whether a document is newer than the one it has.

import type { Cart, CartLine, PaymentEvent, SaleSummary, TaxRow } from "../api/types";

/**
 * Should a pushed cart replace the one on screen?
 * - "own": the cashier screen follows its own cart only (other cashiers on the same till have theirs),
 *   and only a newer version (events and answers may arrive in any order).
 * - "till": the customer display follows whichever cart of the till changed last.
 */
export function acceptPushedCart(current: Cart | null, incoming: Cart, scope: "own" | "till"): boolean {
  if (current === null) return scope === "till";
  if (incoming.id !== current.id) return scope === "till";
  return incoming.version > current.version;
}

/**
 * Should a cart fetched or returned by the API replace the one on screen? The answer to our own request
 * is authoritative unless a push already brought a newer version of the same cart.
 */
export function acceptLoadedCart(current: Cart | null, incoming: Cart): boolean {
  if (current === null || incoming.id !== current.id) return true;
  return incoming.version >= current.version;
}

/** A pushed payment applied to the summary it belongs to (once: a payment is known by its id). */
export function applyPaymentEvent(summary: SaleSummary, event: PaymentEvent): SaleSummary {
  if (event.invoice_id !== summary.id) return summary;
  const known = summary.payments.some((p) => p.id === event.payment.id);
  return {
    ...summary,
    status: event.status,
    paid_paise: event.paid_paise,
    balance_due_paise: event.balance_due_paise,
    payments: known ? summary.payments : [...summary.payments, event.payment],
    // the change of the latest payment: only a cash payment that settles the bill can have any
    change_due_paise: known ? summary.change_due_paise : (event.change_due_paise ?? 0),
  };
}

/** Merge a newer copy of the same invoice (e.g. the "sale" push after our own checkout answer). */
export function mergeSummary(current: SaleSummary | null, incoming: SaleSummary): SaleSummary {
  if (!current || current.id !== incoming.id) return incoming;
  if (incoming.payments.length < current.payments.length) return current;
  return { ...incoming, change_due_paise: incoming.change_due_paise ?? current.change_due_paise };
}

export interface RateTaxes {
  rate_bp: number;
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
}

/** The tax summary (by rate and HSN) summed by rate, lowest rate first. */
export function taxesByRate(rows: readonly TaxRow[]): RateTaxes[] {
  const byRate = new Map<number, RateTaxes>();
  for (const row of rows) {
    const sum = byRate.get(row.rate_bp) ?? {
      rate_bp: row.rate_bp, taxable_paise: 0, cgst_paise: 0, sgst_paise: 0, igst_paise: 0, cess_paise: 0,
    };
    sum.taxable_paise += row.taxable_paise;
    sum.cgst_paise += row.cgst_paise;
    sum.sgst_paise += row.sgst_paise;
    sum.igst_paise += row.igst_paise;
    sum.cess_paise += row.cess_paise;
    byRate.set(row.rate_bp, sum);
  }
  return [...byRate.values()].sort((a, b) => a.rate_bp - b.rate_bp);
}

/** Items on a bill: each line counts once, whatever its quantity. */
export function lineCount(cart: Pick<Cart, "lines"> | null): number {
  return cart ? cart.lines.length : 0;
}

/** Two copies of a cart line with the same values (a push sends every line anew; most did not change). */
export function sameLine(a: CartLine, b: CartLine): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as (keyof CartLine)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
