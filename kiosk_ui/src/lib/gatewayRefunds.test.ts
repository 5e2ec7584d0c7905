import { describe, expect, it } from "vitest";
import type { GatewayAttempt } from "../api/types";
import { attemptLabel, attemptToShow, parseRefund, refundableLeft, refundBody, stateLabel } from "./gatewayRefunds";

function attempt(overrides: Partial<GatewayAttempt>): GatewayAttempt {
  return {
    id: "a1", invoice_id: "i1", invoice_number: "T1/2627/000001", till: "T1", gateway: "stripe", method: "card",
    flow: "online", attempt: 1, amount_paise: 159500, state: "succeeded", gateway_status: "succeeded",
    transaction_id: "pi_1", failure: null, message: "", refunded_paise: 0, payment_id: "p1", change_due_paise: 0,
    qr_payload: "", created_at: "", updated_at: "", ...overrides,
  };
}

describe("an invoice's gateway payments", () => {
  it("a reloaded till shows the newest attempt, whatever the order", () => {
    const first = attempt({ id: "a1", attempt: 1, state: "failed" });
    const second = attempt({ id: "a2", attempt: 2, state: "pending" });
    expect(attemptToShow([second, first])).toBe(second);
    expect(attemptToShow([first, second])).toBe(second);
    expect(attemptToShow([])).toBeNull();
  });

  it("only a succeeded attempt that joined the payments can be refunded, up to what is left", () => {
    expect(refundableLeft(attempt({}))).toBe(159500);
    expect(refundableLeft(attempt({ refunded_paise: 59500 }))).toBe(100000);
    expect(refundableLeft(attempt({ state: "refunded", refunded_paise: 159500 }))).toBe(0);
    expect(refundableLeft(attempt({ state: "pending" }))).toBe(0);
    expect(refundableLeft(attempt({ payment_id: null }))).toBe(0); // taken but the invoice could not take it
  });

  it("the typed amount: empty is all that is left; more than left, zero or nonsense are refused", () => {
    expect(parseRefund("", 159500)).toEqual({ ok: true, amount_paise: 159500, whole: true });
    expect(parseRefund("500", 159500)).toEqual({ ok: true, amount_paise: 50000, whole: false });
    expect(parseRefund("1,595.00", 159500)).toEqual({ ok: true, amount_paise: 159500, whole: true });
    expect(parseRefund("1595.01", 159500)).toEqual({ ok: false, message: "At most ₹1,595.00 is left to refund on this payment" });
    expect(parseRefund("0", 159500)).toEqual({ ok: false, message: "The refund must be more than ₹0.00" });
    expect(parseRefund("five", 159500)).toEqual({ ok: false, message: "Type the amount in rupees, such as 150 or 150.50" });
    expect(parseRefund("1", 0)).toEqual({ ok: false, message: "Nothing is left to refund on this payment" });
  });

  it("the whole payment is refunded without an amount; a part, or the rest after a part, names it", () => {
    expect(refundBody({ amount_paise: 159500, whole: true }, attempt({}))).toEqual({});
    expect(refundBody({ amount_paise: 50000, whole: false }, attempt({}))).toEqual({ amount_paise: 50000 });
    expect(refundBody({ amount_paise: 100000, whole: true }, attempt({ refunded_paise: 59500 }))).toEqual({ amount_paise: 100000 });
  });

  it("rows name the flow and amount, and a partial refund in the state", () => {
    expect(attemptLabel(attempt({}))).toBe("Online card ₹1,595.00");
    expect(attemptLabel(attempt({ flow: "upi_qr", method: "upi" }))).toBe("UPI QR ₹1,595.00");
    expect(stateLabel(attempt({ refunded_paise: 50000 }))).toBe("succeeded, ₹500.00 refunded");
    expect(stateLabel(attempt({ state: "refunded", refunded_paise: 159500 }))).toBe("refunded");
  });
});
