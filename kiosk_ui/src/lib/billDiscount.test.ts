import { describe, expect, it } from "vitest";
import { parseBillDiscount } from "./billDiscount";

describe("the bill discount typed at the till", () => {
  it("takes rupees", () => {
    expect(parseBillDiscount("50", 29000)).toEqual({ ok: true, paise: 5000 });
    expect(parseBillDiscount("₹ 12.5", 29000)).toEqual({ ok: true, paise: 1250 });
  });
  it("takes a percentage of the subtotal, rounded half up to the paisa", () => {
    expect(parseBillDiscount("5%", 29000)).toEqual({ ok: true, paise: 1450 });
    expect(parseBillDiscount("2.5 %", 12345)).toEqual({ ok: true, paise: 309 }); // 308.625
    expect(parseBillDiscount("100%", 999)).toEqual({ ok: true, paise: 999 });
  });
  it("removes the discount when emptied", () => {
    expect(parseBillDiscount("  ", 29000)).toEqual({ ok: true, paise: 0 });
    expect(parseBillDiscount("0", 29000)).toEqual({ ok: true, paise: 0 });
  });
  it("refuses what is not an amount", () => {
    expect(parseBillDiscount("ten", 29000).ok).toBe(false);
    expect(parseBillDiscount("-5", 29000).ok).toBe(false);
    expect(parseBillDiscount("150%", 29000)).toEqual({ ok: false, message: "a discount cannot be more than 100 %" });
  });
});
