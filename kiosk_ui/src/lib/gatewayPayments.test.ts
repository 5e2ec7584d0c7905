import { describe, expect, it } from "vitest";
import { gatewayRequest } from "../state/gatewayCommands";
import { describeGatewayPayment, stagePayment, throughGateway } from "./payments";

describe("gateway payments entered at the till", () => {
  const total = 159500;

  it("a UPI QR payment goes through the gateway with its flow, and no reference", () => {
    const upi = stagePayment(total, [], "upi", total, "ignored", { flow: "upi_qr" });
    expect(upi).toEqual({ ok: true, payment: { method: "upi", amount_paise: total, flow: "upi_qr" } });
    expect(upi.ok && throughGateway(upi.payment)).toBe(true);
    expect(upi.ok && gatewayRequest(upi.payment)).toEqual({ method: "upi", amount_paise: total, flow: "upi_qr" });
    expect(upi.ok && describeGatewayPayment(upi.payment)).toBe("UPI QR ₹1,595.00");
  });

  it("a typed reference stays a checkout payment", () => {
    const upi = stagePayment(total, [], "upi", 100000, "UPI123", { flow: "reference" });
    expect(upi).toEqual({ ok: true, payment: { method: "upi", amount_paise: 100000, reference: "UPI123" } });
    expect(upi.ok && throughGateway(upi.payment)).toBe(false);
  });

  it("a UPI collect request needs the customer's UPI ID", () => {
    expect(stagePayment(total, [], "upi", 50000, "", { flow: "upi_collect", vpa: "nobody" })).toEqual({
      ok: false, message: "Type the customer's UPI ID, e.g. name@okbank",
    });
    const collect = stagePayment(total, [], "upi", 50000, "", { flow: "upi_collect", vpa: " success@razorpay " });
    expect(collect.ok && gatewayRequest(collect.payment)).toEqual({
      method: "upi", amount_paise: 50000, flow: "upi_collect", vpa: "success@razorpay",
    });
  });

  it("an online card takes a gateway token, never a card number", () => {
    expect(stagePayment(total, [], "card", 50000, "", { flow: "online", payment_method: "4242424242424242" })).toEqual({
      ok: false, message: "Paste the card's payment token (pm_…); never a card number",
    });
    const online = stagePayment(total, [], "card", 50000, "", { flow: "online", payment_method: "pm_card_visa" });
    expect(online.ok && gatewayRequest(online.payment)).toEqual({
      method: "card", amount_paise: 50000, flow: "online", payment_method: "pm_card_visa",
    });
  });

  it("a gateway payment may not take more than is due", () => {
    expect(stagePayment(total, [], "card", total + 100, "", { flow: "card_present" })).toEqual({
      ok: false, message: "Card cannot be more than the ₹1,595.00 still due",
    });
  });
});
