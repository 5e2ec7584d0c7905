// The shapes the daemon sends (GET /api/v1/openapi.json; edge/services/carts.py, checkout.py).
// Money is integer paise, quantities integer thousandths of the unit, GST rates basis points.

export interface ApiError {
  code: string;
  message: string;
  field: string | null;
}

export type Role = "admin" | "manager" | "cashier" | "hr" | "employee";

export interface User {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  is_active: boolean;
  totp_enabled: boolean;
  employee_code: string | null;
}

export type PriceTier = "wholesale" | "counter" | "customer";
export type LineTier = PriceTier | "manual";
export const PRICE_TIERS: readonly PriceTier[] = ["wholesale", "counter", "customer"];

export interface CartLine {
  id: string;
  product_id: string;
  sku: string;
  name: string;
  hsn_code: string;
  unit: string;
  unit_kind: string;
  quantity_milli: number;
  rate_paise: number;
  tier: LineTier;
  discount_paise: number;
  gst_rate_bp: number;
  taxable_paise: number;
  tax_paise: number;
  total_paise: number;
  source: string;
}

export interface TaxRow {
  hsn_code: string;
  rate_bp: number;
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
}

export interface Totals {
  subtotal_paise: number;
  discount_paise: number;
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
  round_off_paise: number;
  total_paise: number;
  tax_summary: TaxRow[];
}

export interface Cart extends Totals {
  id: string;
  till: string;
  version: number;
  status: string;
  tier: PriceTier;
  customer: { id: string; code: string; name: string } | null;
  supply: "intra" | "inter" | string;
  place_of_supply: string;
  lines: CartLine[];
  /** The bill (invoice) discount alone, as set by PATCH /carts/{id} (discount_paise adds the lines' own). */
  bill_discount_paise?: number;
}

export type PaymentMethod = "cash" | "card" | "upi" | "wallet" | "bank_transfer" | "credit";

export interface Payment {
  id: string;
  kind: "payment" | "refund" | string;
  method: PaymentMethod | string;
  status: string;
  amount_paise: number;
  tendered_paise: number | null;
  reference: string;
  at: string;
}

export interface InvoiceLine {
  line_no: number;
  name: string;
  hsn_code: string;
  unit: string;
  unit_kind: string;
  quantity_milli: number;
  rate_paise: number;
  tier: LineTier | string;
  rate_includes_tax: boolean;
  discount_paise: number;
  taxable_paise: number;
  gst_rate_bp: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
  total_paise: number;
}

export interface SaleSummary extends Totals {
  id: string;
  number: string;
  issued_at: string;
  till: string;
  cashier: string;
  status: string;
  revision: number;
  seller: { legal_name: string; trade_name: string; gstin: string; state_code: string; address: string };
  buyer: { customer_id: string | null; name: string; gstin: string | null; address: string; state_code: string };
  place_of_supply: string;
  supply: string;
  lines: InvoiceLine[];
  due_date: string | null;
  payments: Payment[];
  paid_paise: number;
  balance_due_paise: number;
  /** Present in the answers of checkout and of a payment: cash to hand back. */
  change_due_paise?: number;
}

export interface PaymentEvent {
  till: string;
  invoice_id: string;
  status: string;
  payment: Payment;
  change_due_paise?: number;
  paid_paise: number;
  balance_due_paise: number;
}

export interface WeightEvent {
  till: string;
  grams: number;
  stable?: boolean;
  net?: boolean;
  at?: string;
  device?: string;
}

export interface ScanRejectedEvent {
  till: string;
  code: string;
  error: ApiError;
}

export interface DeviceEvent {
  till: string | null;
  device: string;
  kind: string;
  status: string | null;
  error?: string | null;
  simulated?: boolean;
}

export interface ProductUnit {
  id: string;
  name: string;
  kind: string;
  factor_milli: number;
  barcodes: string[];
  prices_paise: Partial<Record<PriceTier, number>>;
  floor_price_paise: number | null;
  sellable: boolean;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  category: string | null;
  base_unit: "piece" | "kg" | string;
  hsn_code: string;
  gst_rate_bp: number;
  cess_bp: number;
  prices_include_tax: boolean;
  units: ProductUnit[];
}

export interface Customer {
  id: string;
  code: string;
  name: string;
  phone: string | null;
  gstin: string | null;
  type: string;
  billing_state_code: string;
  balance_paise: number;
  credit_limit_paise: number;
  is_active: boolean;
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
  pages: number;
}

export interface Employee {
  code: string;
  name: string;
  department: string | null;
  designation: string | null;
  pay_basis: string;
  is_active: boolean;
}

export interface PrintJob {
  id: string;
  job_id: number;
  status: string;
  kind: string;
  document: string;
  till: string;
  device: string | null;
}

// --- payment gateways (edge/web/payments.py, docs/payments.md) ---------------------------------------

export type GatewayFlow = "counter" | "external_terminal" | "card_present" | "online" | "upi_qr" | "upi_collect" | "checkout";
export type GatewayState = "created" | "pending" | "failed" | "cancelled" | "succeeded" | "refunded";

/** One method and flow of GET /payments/methods: whether its gateway answers now, and why not. */
export interface PaymentOption {
  method: PaymentMethod;
  flow: GatewayFlow;
  gateway: string;
  needs_internet: boolean;
  available: boolean;
  reason: string;
}

/** A gateway's reachability (GET /payments/methods "gateways", and the `payments_status` push). */
export interface GatewayStatus {
  gateway: string;
  status: string;
  available: boolean;
  checked_at: string | null;
  last_error: string;
}

/** A gateway payment attempt (POST /invoices/{id}/gateway-payments, the `gateway_payment` push). */
export interface GatewayAttempt {
  id: string;
  invoice_id: string;
  invoice_number: string;
  till: string;
  gateway: string;
  method: PaymentMethod;
  flow: GatewayFlow;
  attempt: number;
  amount_paise: number;
  state: GatewayState;
  gateway_status: string;
  transaction_id: string;
  failure: { code: string; message: string } | null;
  /** The sentence for the cashier. */
  message: string;
  refunded_paise: number;
  payment_id: string | null;
  change_due_paise: number;
  /** upi://pay?… while a UPI QR payment waits: the customer display draws it. */
  qr_payload: string;
  created_at: string;
  updated_at: string;
  checkout?: { key_id: string; order_id: string };
}

export interface GatewayPaymentEvent {
  till: string;
  invoice_id: string;
  gateway_payment: GatewayAttempt;
}
