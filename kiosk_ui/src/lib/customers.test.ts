import { describe, expect, it } from "vitest";
import type { CustomerFull } from "../api/officeTypes";
import { customerChanges, draftOf, gstinStateDiffers, newCustomerBody } from "./customers";

const annapurna: CustomerFull = {
  id: "c-1", code: "C0019", name: "Annapurna Caterers", phone: "7327914237", email: null, type: "b2b", rate_tier: "customer",
  billing_address: "Pune", billing_state_code: "27", shipping_address: "Pune", shipping_state_code: "27",
  credit_limit_paise: 15000000, is_active: true, gstin: "27AAKFA3307Q1Z5", legal_name: "Annapurna Caterers LLP",
  gstin_history: [], balance_paise: 0, credit_available_paise: 15000000, open_invoices: [],
};

describe("a new customer", () => {
  it("sends the filled fields, the GSTIN in capitals and the credit limit in paise", () => {
    const draft = { ...draftOf(), name: " Rahul Traders ", type: "b2b", gstin: "27aakfa3307q1z5 ", credit_limit: "50,000", billing_state_code: "27" };
    expect(newCustomerBody(draft, true)).toEqual({ ok: true, body: {
      name: "Rahul Traders", type: "b2b", gstin: "27AAKFA3307Q1Z5", credit_limit_paise: 5000000, billing_state_code: "27" } });
  });
  it("sends no credit and no rate tier for a cashier", () => {
    const draft = { ...draftOf(), name: "Walk-in Ravi", phone: "98200 11111", rate_tier: "wholesale", credit_limit: "100" };
    expect(newCustomerBody(draft, false)).toEqual({ ok: true, body: { name: "Walk-in Ravi", type: "retail", phone: "98200 11111" } });
  });
  it("names the field of a typing slip", () => {
    expect(newCustomerBody(draftOf(), true)).toMatchObject({ ok: false, error: { field: "name" } });
    expect(newCustomerBody({ ...draftOf(), name: "A", credit_limit: "lots" }, true)).toMatchObject({ ok: false, error: { field: "credit_limit_paise" } });
  });
});

describe("changing a customer", () => {
  it("sends only what changed", () => {
    const draft = { ...draftOf(annapurna), phone: "", email: "accounts@annapurna.in", credit_limit: "2,00,000" };
    expect(customerChanges(draft, annapurna, true)).toEqual({ ok: true, body: {
      phone: null, email: "accounts@annapurna.in", credit_limit_paise: 20000000 } });
  });
  it("sends a new GSTIN with the day it applies from; a cleared one as null", () => {
    const moved = { ...draftOf(annapurna), gstin: "29AAKFA3307Q1ZZ", gstin_effective_from: "2026-12-01" };
    expect(customerChanges(moved, annapurna, true)).toEqual({ ok: true, body: { gstin: "29AAKFA3307Q1ZZ", gstin_effective_from: "2026-12-01" } });
    expect(customerChanges({ ...draftOf(annapurna), gstin: "" }, annapurna, true)).toEqual({ ok: true, body: { gstin: null } });
  });
  it("says when nothing changed, and leaves credit alone for a cashier", () => {
    expect(customerChanges(draftOf(annapurna), annapurna, true)).toMatchObject({ ok: false, error: { message: "nothing changed" } });
    expect(customerChanges({ ...draftOf(annapurna), credit_limit: "1" }, annapurna, false)).toMatchObject({ ok: false });
  });
  it("knows when the GSTIN's state is not the billing state", () => {
    expect(gstinStateDiffers({ ...draftOf(annapurna), gstin: "29AAKFA3307Q1ZZ" })).toBe(true);
    expect(gstinStateDiffers(draftOf(annapurna))).toBe(false);
  });
});
