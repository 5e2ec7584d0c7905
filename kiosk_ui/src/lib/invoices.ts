// Invoice screens: the buyer correction's body, and the invoices opened on this screen (the API has
// no invoice list yet, so the look-up page offers the recent ones from this browser).

import type { BuyerCorrection } from "../api/officeTypes";
import type { SaleSummary } from "../api/types";

export interface BuyerDraft {
  name: string;
  gstin: string;
  address: string;
  state_code: string;
  reason: string;
}

/** Only the fields that changed, with the reason; null when nothing changed. An emptied GSTIN is null. */
export function buyerChanges(buyer: SaleSummary["buyer"], draft: BuyerDraft): BuyerCorrection | null {
  const correction: BuyerCorrection = { reason: draft.reason.trim() };
  if (draft.name.trim() !== buyer.name) correction.name = draft.name.trim();
  const gstin = draft.gstin.trim().toUpperCase();
  if (gstin !== (buyer.gstin ?? "")) correction.gstin = gstin || null;
  if (draft.address.trim() !== buyer.address) correction.address = draft.address.trim();
  if (draft.state_code.trim() !== buyer.state_code) correction.state_code = draft.state_code.trim();
  return Object.keys(correction).length > 1 ? correction : null;
}

const RECENT = "office:recent-invoices";
const KEEP = 15;

export interface RecentInvoice {
  id: string;
  number: string;
  buyer: string;
}

export function recentInvoices(): RecentInvoice[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RECENT) ?? "[]");
    return Array.isArray(parsed) ? (parsed as RecentInvoice[]) : [];
  } catch {
    return [];
  }
}

export function rememberInvoice(invoice: SaleSummary): void {
  const entry = { id: invoice.id, number: invoice.number, buyer: invoice.buyer.name };
  const list = [entry, ...recentInvoices().filter((r) => r.id !== invoice.id)].slice(0, KEEP);
  try {
    localStorage.setItem(RECENT, JSON.stringify(list));
  } catch {
    // storage disabled: no recent list
  }
}
