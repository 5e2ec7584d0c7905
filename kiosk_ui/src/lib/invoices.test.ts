import { describe, expect, it } from "vitest";
import { summary } from "../test/fixtures";
import { buyerChanges } from "./invoices";

const buyer = summary().buyer;
const draft = { name: buyer.name, gstin: "", address: buyer.address, state_code: buyer.state_code, reason: "buyer asked" };

describe("the buyer correction", () => {
  it("sends only what changed, with the reason; a GSTIN in capitals", () => {
    expect(buyerChanges(buyer, { ...draft, name: "Rahul Traders ", gstin: "27aakfa3307q1z5" })).toEqual({
      reason: "buyer asked", name: "Rahul Traders", gstin: "27AAKFA3307Q1Z5",
    });
  });

  it("is nothing when nothing changed", () => {
    expect(buyerChanges(buyer, draft)).toBeNull();
  });

  it("ends a GSTIN by sending null", () => {
    expect(buyerChanges({ ...buyer, gstin: "27AAKFA3307Q1Z5" }, draft)).toEqual({ reason: "buyer asked", gstin: null });
  });
});
