// The customer form: what was typed (text, as the fields hold it) to the body of POST / PATCH /customers.
// The API checks everything again (GSTIN with its check character, states, a cashier's limits); this only
// turns rupees into paise, leaves out what did not change, and says which field a typing slip is in.

import type { CustomerFull } from "../api/officeTypes";
import type { ApiError } from "../api/types";
import { paiseToInput, parseRupees } from "./money";

export const CUSTOMER_TYPES = ["retail", "wholesale", "b2b", "staff"] as const;
export const RATE_TIERS = ["counter", "wholesale", "customer"] as const;

/** GST state codes and names (edge/domain/gstin.py STATE_NAMES), for the state and place-of-supply fields. */
export const GST_STATES: readonly [string, string][] = [
  ["01", "Jammu and Kashmir"], ["02", "Himachal Pradesh"], ["03", "Punjab"], ["04", "Chandigarh"],
  ["05", "Uttarakhand"], ["06", "Haryana"], ["07", "Delhi"], ["08", "Rajasthan"], ["09", "Uttar Pradesh"],
  ["10", "Bihar"], ["11", "Sikkim"], ["12", "Arunachal Pradesh"], ["13", "Nagaland"], ["14", "Manipur"],
  ["15", "Mizoram"], ["16", "Tripura"], ["17", "Meghalaya"], ["18", "Assam"], ["19", "West Bengal"],
  ["20", "Jharkhand"], ["21", "Odisha"], ["22", "Chhattisgarh"], ["23", "Madhya Pradesh"], ["24", "Gujarat"],
  ["25", "Daman and Diu (before 2020)"], ["26", "Dadra and Nagar Haveli and Daman and Diu"], ["27", "Maharashtra"],
  ["28", "Andhra Pradesh (before 2014)"], ["29", "Karnataka"], ["30", "Goa"], ["31", "Lakshadweep"], ["32", "Kerala"],
  ["33", "Tamil Nadu"], ["34", "Puducherry"], ["35", "Andaman and Nicobar Islands"], ["36", "Telangana"],
  ["37", "Andhra Pradesh"], ["38", "Ladakh"], ["97", "Other Territory"],
];

/** The form's fields as typed. An empty rate tier means "the customer type's tier"; an empty state, the API's default. */
export interface CustomerDraft {
  name: string;
  phone: string;
  email: string;
  type: string;
  rate_tier: string;
  gstin: string;
  legal_name: string;
  gstin_effective_from: string;
  gstin_state_reason: string;
  billing_address: string;
  billing_state_code: string;
  shipping_state_code: string;
  credit_limit: string;
}

export type CustomerBody = Record<string, string | number | null>;
export type BodyOrError = { ok: true; body: CustomerBody } | { ok: false; error: ApiError };

/** The form for a new customer (empty), or filled with a customer as the API gave it. */
export function draftOf(customer?: CustomerFull | null): CustomerDraft {
  return {
    name: customer?.name ?? "",
    phone: customer?.phone ?? "",
    email: customer?.email ?? "",
    type: customer?.type ?? "retail",
    rate_tier: customer?.rate_tier ?? "",
    gstin: customer?.gstin ?? "",
    legal_name: customer?.legal_name ?? "",
    gstin_effective_from: "",
    gstin_state_reason: "",
    billing_address: customer?.billing_address ?? "",
    billing_state_code: customer?.billing_state_code ?? "",
    shipping_state_code: customer?.shipping_state_code ?? "",
    credit_limit: customer ? paiseToInput(customer.credit_limit_paise) : "",
  };
}

function invalid(message: string, field: string): BodyOrError {
  return { ok: false, error: { code: "invalid", message, field } };
}

/** A GSTIN as the API stores it: capitals, no spaces. */
export function normaliseGstin(text: string): string {
  return text.replace(/\s+/g, "").toUpperCase();
}

/** Does the GSTIN's state (its first two digits) differ from the billing state? Then the API wants a reason. */
export function gstinStateDiffers(draft: CustomerDraft): boolean {
  const gstin = normaliseGstin(draft.gstin);
  return gstin.length >= 2 && draft.billing_state_code !== "" && gstin.slice(0, 2) !== draft.billing_state_code;
}

function creditPaise(draft: CustomerDraft): number | null | "bad" {
  if (draft.credit_limit.trim() === "") return null;
  return parseRupees(draft.credit_limit) ?? "bad";
}

/**
 * POST /customers: the filled fields only. `mayGiveCredit` false (a cashier) sends no credit limit and no
 * rate tier — the customer type's tier applies, and the API would refuse anything else.
 */
export function newCustomerBody(draft: CustomerDraft, mayGiveCredit: boolean): BodyOrError {
  const name = draft.name.trim();
  if (!name) return invalid("type the customer's name", "name");
  const body: CustomerBody = { name, type: draft.type };
  const text: [keyof CustomerDraft, string][] = [
    ["phone", draft.phone.trim()], ["email", draft.email.trim()], ["billing_address", draft.billing_address.trim()],
    ["billing_state_code", draft.billing_state_code], ["shipping_state_code", draft.shipping_state_code],
    ["legal_name", draft.legal_name.trim()], ["gstin_state_reason", draft.gstin_state_reason.trim()],
  ];
  for (const [key, value] of text) if (value) body[key] = value;
  const gstin = normaliseGstin(draft.gstin);
  if (gstin) body.gstin = gstin;
  if (mayGiveCredit) {
    if (draft.rate_tier) body.rate_tier = draft.rate_tier;
    const credit = creditPaise(draft);
    if (credit === "bad") return invalid("type the credit limit in rupees, e.g. 50000", "credit_limit_paise");
    if (credit !== null) body.credit_limit_paise = credit;
  }
  return { ok: true, body };
}

/**
 * PATCH /customers/{id}: only what differs from the customer as loaded. A cleared GSTIN is sent as null
 * (the API ends the GSTIN in force); a GSTIN change may say from which day it applies.
 */
export function customerChanges(draft: CustomerDraft, customer: CustomerFull, mayGiveCredit: boolean): BodyOrError {
  const before = draftOf(customer);
  const name = draft.name.trim();
  if (!name) return invalid("type the customer's name", "name");
  const body: CustomerBody = {};
  if (name !== before.name) body.name = name;
  for (const key of ["phone", "email"] as const) {
    const value = draft[key].trim();
    if (value !== before[key]) body[key] = value || null;
  }
  for (const key of ["type", "billing_address", "billing_state_code", "shipping_state_code"] as const) {
    const value = draft[key].trim();
    if (value !== before[key]) body[key] = value;
  }
  if (mayGiveCredit && draft.rate_tier !== before.rate_tier && draft.rate_tier) body.rate_tier = draft.rate_tier;
  const gstin = normaliseGstin(draft.gstin);
  const legal = draft.legal_name.trim();
  if (gstin !== (customer.gstin ?? "")) body.gstin = gstin || null;
  if (legal !== before.legal_name && gstin) body.legal_name = legal;
  if (("gstin" in body || "legal_name" in body) && draft.gstin_effective_from) {
    body.gstin_effective_from = draft.gstin_effective_from;
  }
  if (draft.gstin_state_reason.trim() && ("gstin" in body || "billing_state_code" in body)) {
    body.gstin_state_reason = draft.gstin_state_reason.trim();
  }
  if (mayGiveCredit) {
    const credit = creditPaise(draft);
    if (credit === "bad") return invalid("type the credit limit in rupees, e.g. 50000", "credit_limit_paise");
    if (credit !== null && credit !== customer.credit_limit_paise) body.credit_limit_paise = credit;
  }
  if (Object.keys(body).length === 0) return invalid("nothing changed", "name");
  return { ok: true, body };
}

/** The form fields an API error may name (anything else is shown at the top of the form). */
export const CUSTOMER_FIELDS = [
  "name", "phone", "email", "type", "rate_tier", "gstin", "legal_name", "gstin_effective_from",
  "gstin_state_reason", "billing_address", "billing_state_code", "shipping_state_code", "credit_limit_paise",
] as const;
