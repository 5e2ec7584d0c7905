// Documents shaped like the daemon's answers (taken from a demo-store sale), for the unit tests.
import type { Cart, CartLine, GatewayAttempt, PaymentEvent, PaymentOption, SaleSummary } from "../api/types";

export function line(overrides: Partial<CartLine> = {}): CartLine {
  return {
    id: "line-1", product_id: "p-1", sku: "SKU00014", name: "India Gate Basmati Rice Classic 1 kg", hsn_code: "10063020",
    unit: "piece", unit_kind: "piece", quantity_milli: 1000, rate_paise: 14500, tier: "counter", discount_paise: 0,
    gst_rate_bp: 500, taxable_paise: 13810, tax_paise: 690, total_paise: 14500, source: "scan", ...overrides,
  };
}

export function cart(overrides: Partial<Cart> = {}): Cart {
  return {
    id: "cart-1", till: "T1", version: 1, status: "open", tier: "counter", customer: null, supply: "intra",
    place_of_supply: "27", lines: [], subtotal_paise: 0, discount_paise: 0, taxable_paise: 0, cgst_paise: 0,
    sgst_paise: 0, igst_paise: 0, cess_paise: 0, round_off_paise: 0, total_paise: 0, tax_summary: [], ...overrides,
  };
}

export function summary(overrides: Partial<SaleSummary> = {}): SaleSummary {
  return {
    id: "inv-1", number: "T1/2627/000001", issued_at: "2026-11-24T03:21:32.470959Z", till: "T1", cashier: "Counter Cashier",
    status: "partially_paid", revision: 0,
    seller: { legal_name: "Shree Datta Foods", trade_name: "Datta Super Mart", gstin: "27AAECD5512F2ZX", state_code: "27", address: "Chakan" },
    buyer: { customer_id: null, name: "Cash customer", gstin: null, address: "", state_code: "27" },
    place_of_supply: "27", supply: "intra", lines: [], due_date: null,
    payments: [{ id: "pay-1", kind: "payment", method: "upi", status: "succeeded", amount_paise: 100000, tendered_paise: null, reference: "UPI123", at: "2026-11-24T03:21:32Z" }],
    paid_paise: 100000, balance_due_paise: 59500, subtotal_paise: 159500, discount_paise: 0, taxable_paise: 151905,
    cgst_paise: 3798, sgst_paise: 3797, igst_paise: 0, cess_paise: 0, round_off_paise: 0, total_paise: 159500,
    tax_summary: [], change_due_paise: 0, ...overrides,
  };
}

export function cashPayment(overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    till: "T1", invoice_id: "inv-1", status: "paid", change_due_paise: 500, paid_paise: 159500, balance_due_paise: 0,
    payment: { id: "pay-2", kind: "payment", method: "cash", status: "succeeded", amount_paise: 59500, tendered_paise: 60000, reference: "", at: "2026-11-24T03:25:00Z" },
    ...overrides,
  };
}

/** GET /payments/methods with Stripe and Razorpay enabled and answering (the demo store's simulator). */
export function paymentOptions(): PaymentOption[] {
  const option = (method: PaymentOption["method"], flow: PaymentOption["flow"], gateway: string): PaymentOption => ({
    method, flow, gateway, needs_internet: gateway === "stripe" || gateway === "razorpay", available: true, reason: "",
  });
  return [
    option("cash", "counter", "cash"),
    option("card", "card_present", "stripe"), option("card", "online", "stripe"),
    option("card", "external_terminal", "terminal"), option("card", "checkout", "razorpay"),
    option("upi", "upi_qr", "razorpay"), option("upi", "upi_collect", "razorpay"), option("upi", "checkout", "razorpay"),
    option("wallet", "checkout", "razorpay"), option("bank_transfer", "checkout", "razorpay"),
  ];
}

/** A UPI QR attempt as POST /invoices/{id}/gateway-payments answers it while the customer has to scan. */
export function attempt(overrides: Partial<GatewayAttempt> = {}): GatewayAttempt {
  return {
    id: "ga-2", invoice_id: "inv-1", invoice_number: "T1/2627/000001", till: "T1", gateway: "razorpay", method: "upi",
    flow: "upi_qr", attempt: 2, amount_paise: 159500, state: "pending", gateway_status: "created", transaction_id: "pay_Sim7",
    failure: null, message: "Customer to scan the QR and approve ₹1,595.00 in their UPI app", refunded_paise: 0,
    payment_id: null, change_due_paise: 0, qr_payload: "upi://pay?pa=store@razorpay&pn=Datta%20Super%20Mart&am=1595.00&tr=pay_Sim7",
    created_at: "2026-12-03T09:00:00Z", updated_at: "2026-12-03T09:00:01Z", ...overrides,
  };
}
