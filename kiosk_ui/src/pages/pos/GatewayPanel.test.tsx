import { renderToStaticMarkup } from "react-dom/server";
import { Provider } from "react-redux";
import { describe, expect, it } from "vitest";
import UpiQr from "../../components/UpiQr";
import { applyGatewayStatus } from "../../lib/gateway";
import { makeStore } from "../../state/store";
import { methodsLoaded } from "../../state/paymentsSlice";
import { attempt, paymentOptions } from "../../test/fixtures";
import { GatewayPanel } from "./GatewayPanel";
import { PaymentEntry } from "./PaymentEntry";

const noop = () => undefined;
const text = (html: string) => html.replace(/<[^>]+>/g, "");

describe("the gateway payment on the cashier screen", () => {
  it("waits with the API's sentence and a Cancel (F7)", () => {
    const html = renderToStaticMarkup(<GatewayPanel attempt={attempt()} onCancel={noop} />);
    expect(html).toContain('data-state="pending"');
    expect(text(html)).toContain("UPI QR ₹1,595.00");
    expect(text(html)).toContain("Customer to scan the QR and approve ₹1,595.00 in their UPI app");
    expect(text(html)).toContain("Cancel payment F7");
  });

  it("shows the amount and transaction ID when paid, with nothing to cancel", () => {
    const html = renderToStaticMarkup(
      <GatewayPanel attempt={attempt({ state: "succeeded", transaction_id: "pay_Sim42", qr_payload: "" })} onCancel={noop} />,
    );
    expect(text(html)).toContain("Paid ₹1,595.00 — transaction pay_Sim42");
    expect(text(html)).not.toContain("Cancel payment");
  });

  it("shows the gateway's message for a decline, as an alert", () => {
    const declined = attempt({
      state: "failed", flow: "card_present", method: "card", failure: { code: "card_declined", message: "Your card was declined." },
      message: "Your card was declined. (card_declined). The invoice is not paid: ask for another card or take another method.",
    });
    const html = renderToStaticMarkup(<GatewayPanel attempt={declined} onCancel={noop} />);
    expect(html).toContain('role="alert"');
    expect(text(html)).toBe("Card reader ₹1,595.00declinedYour card was declined. (card_declined). The invoice is not paid: ask for another card or take another method.");
  });
});

describe("choosing how a payment is taken", () => {
  function entry(method: "upi" | "card", down = false) {
    const store = makeStore();
    const options = down
      ? applyGatewayStatus(paymentOptions(), { gateway: "razorpay", status: "down", available: false, checked_at: null, last_error: "connection refused" })
      : paymentOptions();
    store.dispatch(methodsLoaded({ methods: options, gateways: [] }));
    return renderToStaticMarkup(
      <Provider store={store}>
        <PaymentEntry due={159500} onAdd={() => true} initialMethod={method} />
      </Provider>,
    );
  }

  it("offers UPI by QR first, then collect and a typed reference", () => {
    const html = entry("upi");
    expect(html).toMatch(/data-testid="flow-upi_qr"[^>]*>UPI QR</);
    expect(html).toMatch(/aria-checked="true"[^>]*data-testid="flow-upi_qr"/);
    expect(text(html)).toContain("The customer display shows the QR code once the invoice is issued.");
    expect(text(html)).toContain("Start UPI QR");
    expect(html).not.toContain('aria-label="Reference"');
  });

  it("greys out UPI QR and collect with the reason while Razorpay is down, and falls back to a reference", () => {
    const html = entry("upi", true);
    expect(html).toMatch(/aria-disabled="true" disabled="" title="razorpay is unreachable[^"]*"[^>]*data-testid="flow-upi_qr"/);
    expect(text(html)).toContain("UPI QR, UPI collect unavailable: razorpay is unreachable (connection refused); take cash or use the external terminal");
    expect(html).toContain('aria-label="Reference"');
    expect(text(html)).toContain("Add UPI");
  });

  it("takes a card on the reader by default", () => {
    expect(text(entry("card"))).toContain("Start Card reader");
  });
});

describe("the UPI QR on the customer display", () => {
  it("draws the API's payload as an SVG QR code", () => {
    const payload = attempt().qr_payload;
    const html = renderToStaticMarkup(<UpiQr payload={payload} />);
    expect(html).toContain("<svg");
    expect(html).toContain("UPI payment QR code");
    expect(html).toContain(`data-payload="${payload.replace(/&/g, "&amp;")}"`);
    expect((html.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(2); // background and modules
  });
});
