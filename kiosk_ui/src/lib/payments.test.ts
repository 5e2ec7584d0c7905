import { describe, expect, it } from "vitest";
import { changeDue, describePayment, paidSoFar, remainingDue, stagePayment, type StagedPayment } from "./payments";

describe("split payments at checkout", () => {
  const total = 159500; // ₹1,595.00

  it("UPI with a reference, then cash with change (the demo sale)", () => {
    const upi = stagePayment(total, [], "upi", 100000, " UPI123 ");
    expect(upi).toEqual({ ok: true, payment: { method: "upi", amount_paise: 100000, reference: "UPI123" } });
    const staged: StagedPayment[] = [upi.ok ? upi.payment : (undefined as never)];
    expect(remainingDue(total, staged)).toBe(59500);
    const cash = stagePayment(total, staged, "cash", 60000);
    expect(cash).toEqual({ ok: true, payment: { method: "cash", amount_paise: 59500, tendered_paise: 60000 } });
    if (cash.ok) staged.push(cash.payment);
    expect(paidSoFar(staged)).toBe(total);
    expect(remainingDue(total, staged)).toBe(0);
    expect(changeDue(staged)).toBe(500);
  });

  it("exact cash has no tendered amount and no change", () => {
    expect(stagePayment(total, [], "cash", total)).toEqual({ ok: true, payment: { method: "cash", amount_paise: total } });
  });

  it("other methods may not overpay", () => {
    const result = stagePayment(total, [], "card", total + 1);
    expect(result).toEqual({ ok: false, message: "Card cannot be more than the ₹1,595.00 still due" });
  });

  it("refuses nothing, zero and payments on a paid bill", () => {
    expect(stagePayment(total, [], "cash", null).ok).toBe(false);
    expect(stagePayment(total, [], "cash", 0).ok).toBe(false);
    const paid: StagedPayment[] = [{ method: "cash", amount_paise: total }];
    expect(stagePayment(total, paid, "upi", 100)).toEqual({ ok: false, message: "The bill is fully paid: complete the sale (F9)" });
  });

  it("credit goes on the customer's account without a reference", () => {
    expect(stagePayment(total, [], "credit", total, "not asked for")).toEqual({
      ok: true, payment: { method: "credit", amount_paise: total },
    });
  });
});

describe("describePayment", () => {
  const base = { kind: "payment", tendered_paise: null, reference: "" };
  it("names method, amount and reference as the customer display shows them", () => {
    expect(describePayment({ ...base, method: "upi", amount_paise: 100000, reference: "UPI123" })).toBe("Paid ₹1,000.00 — UPI ref UPI123");
    expect(describePayment({ ...base, method: "cash", amount_paise: 59500, tendered_paise: 60000 })).toBe(
      "Paid ₹595.00 — Cash (tendered ₹600.00)",
    );
    expect(describePayment({ ...base, method: "card", amount_paise: 5000 })).toBe("Paid ₹50.00 — Card");
    expect(describePayment({ ...base, method: "credit", amount_paise: 5000 })).toBe("On account ₹50.00");
    expect(describePayment({ ...base, kind: "refund", method: "cash", amount_paise: 5000 })).toBe("Refunded ₹50.00 — Cash");
  });
});
