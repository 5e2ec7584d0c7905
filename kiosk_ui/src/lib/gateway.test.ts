import { describe, expect, it } from "vitest";
import type { PaymentOption } from "../api/types";
import { attempt, paymentOptions } from "../test/fixtures";
import { acceptAttempt, applyGatewayStatus, customerWording, defaultFlow, flowChoices, nextFlow } from "./gateway";

const down = { gateway: "razorpay", status: "down", available: false, checked_at: "2026-12-03T09:00:00Z", last_error: "connection refused" };

describe("flows on offer", () => {
  it("lists a method's enabled gateway flows, then a typed reference", () => {
    expect(flowChoices("upi", paymentOptions()).map((c) => c.flow)).toEqual(["upi_qr", "upi_collect", "reference"]);
    expect(flowChoices("card", paymentOptions()).map((c) => [c.flow, c.gateway])).toEqual([
      ["card_present", true], ["online", true], ["reference", false],
    ]);
    expect(flowChoices("wallet", paymentOptions()).map((c) => c.flow)).toEqual(["checkout", "reference"]);
    expect(flowChoices("cash", paymentOptions())).toEqual([]);
    expect(flowChoices("credit", paymentOptions())).toEqual([]);
  });

  it("offers only the typed reference when no gateway is set up", () => {
    expect(flowChoices("upi", []).map((c) => c.flow)).toEqual(["reference"]);
    expect(defaultFlow("upi", [])).toBe("reference");
  });

  it("starts with the first gateway flow, and the method's key again moves to the next usable one", () => {
    const options = paymentOptions();
    expect(defaultFlow("upi", options)).toBe("upi_qr");
    expect(nextFlow("upi", "upi_qr", options)).toBe("upi_collect");
    expect(nextFlow("upi", "upi_collect", options)).toBe("reference");
    expect(nextFlow("upi", "reference", options)).toBe("upi_qr");
    expect(defaultFlow("cash", options)).toBeNull();
  });

  it("greys out a gateway that stops answering, with the reason, and skips it", () => {
    const options: PaymentOption[] = applyGatewayStatus(paymentOptions(), down);
    const upi = flowChoices("upi", options);
    expect(upi.filter((c) => !c.available).map((c) => c.flow)).toEqual(["upi_qr", "upi_collect"]);
    expect(upi[0]!.reason).toBe("razorpay is unreachable (connection refused); take cash or use the external terminal");
    expect(defaultFlow("upi", options)).toBe("reference");
    expect(nextFlow("upi", "reference", options)).toBe("reference");
    expect(defaultFlow("card", options)).toBe("card_present"); // Stripe still answers
    const back = applyGatewayStatus(options, { ...down, status: "up", available: true, last_error: "" });
    expect(flowChoices("upi", back).every((c) => c.available && c.reason === "")).toBe(true);
  });
});

describe("an attempt only moves forward", () => {
  it("takes a later state of the same attempt, never an earlier one", () => {
    const pending = attempt({ state: "pending" });
    const paid = attempt({ state: "succeeded", transaction_id: "pay_Sim1", qr_payload: "" });
    expect(acceptAttempt(null, pending)).toBe(true);
    expect(acceptAttempt(pending, paid)).toBe(true);
    expect(acceptAttempt(paid, pending)).toBe(false); // the start answer arriving after the paid push
    expect(acceptAttempt(pending, attempt({ state: "pending" }))).toBe(true);
  });

  it("takes the invoice's next attempt and the next sale's, not an older one", () => {
    const failed = attempt({ state: "failed", attempt: 2 });
    expect(acceptAttempt(failed, attempt({ id: "ga-3", attempt: 3 }))).toBe(true);
    expect(acceptAttempt(failed, attempt({ id: "ga-1", attempt: 1, state: "cancelled" }))).toBe(false);
    expect(acceptAttempt(failed, attempt({ id: "ga-9", invoice_id: "inv-2", attempt: 1 }))).toBe(true);
  });
});

describe("what the customer reads", () => {
  it("asks to scan the QR while a UPI QR payment waits", () => {
    expect(customerWording(attempt())).toEqual({ title: "Pay ₹1,595.00", detail: "Scan the QR code with any UPI app and approve", tone: "wait" });
  });

  it("says paid with the amount and the transaction ID", () => {
    expect(customerWording(attempt({ state: "succeeded", transaction_id: "pay_Sim42" }))).toEqual({
      title: "Paid ₹1,595.00", detail: "Transaction pay_Sim42", tone: "ok",
    });
  });

  it("shows the gateway's message for a decline", () => {
    const declined = attempt({ state: "failed", failure: { code: "BAD_REQUEST_ERROR", message: "Payment failed: the customer declined" } });
    expect(customerWording(declined)).toEqual({ title: "Payment declined", detail: "Payment failed: the customer declined", tone: "bad" });
  });
});
