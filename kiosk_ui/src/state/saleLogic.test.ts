import { describe, expect, it } from "vitest";
import { cart, cashPayment, line, summary } from "../test/fixtures";
import { acceptLoadedCart, acceptPushedCart, applyPaymentEvent, mergeSummary, sameLine, taxesByRate } from "./saleLogic";

describe("which cart a screen shows", () => {
  it("the cashier screen takes only newer versions of its own cart", () => {
    const shown = cart({ version: 3 });
    expect(acceptPushedCart(shown, cart({ version: 4 }), "own")).toBe(true);
    expect(acceptPushedCart(shown, cart({ version: 3 }), "own")).toBe(false);
    expect(acceptPushedCart(shown, cart({ version: 2 }), "own")).toBe(false);
    expect(acceptPushedCart(shown, cart({ id: "other-cashiers-cart", version: 9 }), "own")).toBe(false);
    expect(acceptPushedCart(null, cart(), "own")).toBe(false);
  });

  it("the customer display follows any cart of its till", () => {
    expect(acceptPushedCart(null, cart(), "till")).toBe(true);
    expect(acceptPushedCart(cart({ version: 3 }), cart({ id: "cart-2", version: 1 }), "till")).toBe(true);
    expect(acceptPushedCart(cart({ version: 3 }), cart({ version: 2 }), "till")).toBe(false);
  });

  it("a loaded cart wins unless a push already brought a newer version", () => {
    expect(acceptLoadedCart(null, cart())).toBe(true);
    expect(acceptLoadedCart(cart({ version: 5 }), cart({ id: "next-cart", version: 1 }))).toBe(true);
    expect(acceptLoadedCart(cart({ version: 5 }), cart({ version: 5 }))).toBe(true);
    expect(acceptLoadedCart(cart({ version: 6 }), cart({ version: 5 }))).toBe(false);
  });
});

describe("payments pushed after the bill", () => {
  it("are added once, with the new status, paid, due and change", () => {
    const after = applyPaymentEvent(summary(), cashPayment());
    expect(after.payments.map((p) => p.id)).toEqual(["pay-1", "pay-2"]);
    expect([after.status, after.paid_paise, after.balance_due_paise, after.change_due_paise]).toEqual(["paid", 159500, 0, 500]);
    expect(applyPaymentEvent(after, cashPayment()).payments).toHaveLength(2);
  });

  it("for another invoice change nothing", () => {
    const before = summary();
    expect(applyPaymentEvent(before, cashPayment({ invoice_id: "inv-2" }))).toBe(before);
  });

  it("merging the sale push keeps the change the checkout answer gave", () => {
    const answered = summary({ change_due_paise: 500 });
    const { change_due_paise: _none, ...pushed } = summary();
    expect(mergeSummary(answered, pushed).change_due_paise).toBe(500);
    expect(mergeSummary(answered, summary({ id: "inv-2" })).id).toBe("inv-2");
  });
});

describe("taxesByRate", () => {
  it("sums the HSN rows of each rate, lowest rate first", () => {
    const rows = [
      { hsn_code: "1905", rate_bp: 1800, taxable_paise: 1000, cgst_paise: 90, sgst_paise: 90, igst_paise: 0, cess_paise: 0 },
      { hsn_code: "1006", rate_bp: 500, taxable_paise: 2000, cgst_paise: 50, sgst_paise: 50, igst_paise: 0, cess_paise: 0 },
      { hsn_code: "0902", rate_bp: 500, taxable_paise: 1000, cgst_paise: 25, sgst_paise: 25, igst_paise: 0, cess_paise: 0 },
    ];
    expect(taxesByRate(rows)).toEqual([
      { rate_bp: 500, taxable_paise: 3000, cgst_paise: 75, sgst_paise: 75, igst_paise: 0, cess_paise: 0 },
      { rate_bp: 1800, taxable_paise: 1000, cgst_paise: 90, sgst_paise: 90, igst_paise: 0, cess_paise: 0 },
    ]);
  });
});

describe("sameLine", () => {
  it("is true for a new copy with the same values, false when one value changed", () => {
    const a = line();
    expect(sameLine(a, { ...a })).toBe(true);
    expect(sameLine(a, { ...a, quantity_milli: 2000 })).toBe(false);
    expect(sameLine(a, { ...a, tier: "manual" })).toBe(false);
  });
});
