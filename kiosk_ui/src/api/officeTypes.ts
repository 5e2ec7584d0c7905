// Shapes of the back-office, register and attendance answers (edge/services/products.py, customers.py,
// registers.py, after_sale.py, attendance.py, payroll.py). Money in paise, days and quantities in thousandths.

import type { PriceTier, Product, ProductUnit, Role, SaleSummary } from "./types";

export interface PricePoint {
  tier: PriceTier | string;
  price_paise: number;
  effective_from: string;
}

/** A unit as GET /products/{id} shows it: the till's view and its dated prices. */
export interface ProductUnitFull extends ProductUnit {
  price_history?: PricePoint[];
}

/** A product as GET /products/{id} shows it (GST may be unset on a product not yet taxed). */
export interface ProductFull extends Omit<Product, "gst_rate_bp" | "cess_bp" | "units"> {
  gst_rate_bp: number | null;
  cess_bp: number | null;
  is_active: boolean;
  scale_code: string | null;
  units: ProductUnitFull[];
  gst_history: { rate_bp: number; cess_bp: number; effective_from: string }[];
}

/** One page of GET /products without q (items as the till's search gives them, plus is_active). */
export interface ProductPage {
  items: (Product & { is_active: boolean })[];
  total: number;
  limit: number;
  next: string | null;
  prev: string | null;
}

/** One unit in a PATCH /products/{id}: matched by name; given barcodes replace the unit's barcodes. */
export interface UnitChange {
  name: string;
  barcodes?: string[];
  prices_paise?: Partial<Record<PriceTier, number>>;
  floor_price_paise?: number | null;
  sellable?: boolean;
}

export interface ProductChange {
  name?: string;
  category?: string | null;
  hsn_code?: string;
  prices_include_tax?: boolean;
  is_active?: boolean;
  gst?: { rate_bp: number; cess_bp?: number };
  units?: UnitChange[];
}

export interface ImportRowError {
  row: number;
  field: string | null;
  message: string;
  code: string;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

export interface CustomerFull {
  id: string;
  code: string;
  name: string;
  phone: string | null;
  email: string | null;
  type: string;
  rate_tier: string;
  billing_address: string;
  billing_state_code: string;
  shipping_address: string;
  shipping_state_code: string;
  credit_limit_paise: number;
  is_active: boolean;
  gstin: string | null;
  legal_name: string | null;
  gstin_history: { gstin: string; legal_name: string; state_code: string; valid_from: string; valid_to: string | null }[];
  balance_paise: number;
  credit_available_paise: number;
  open_invoices: { number: string; status: string; total_paise: number; due_paise: number; due_date: string | null }[];
}

export interface CustomerFilters {
  q?: string;
  type?: string;
  state?: string;
  has_gstin?: "true" | "false";
  min_balance_paise?: number;
  status?: "active" | "inactive" | "all";
  page?: number;
  per_page?: number;
}

export interface StatementLine {
  at: string;
  local_at: string;
  date: string;
  kind: string;
  reference: string;
  note: string;
  debit_paise: number;
  credit_paise: number;
  amount_paise: number;
  balance_paise: number;
}

export interface Statement {
  customer: { id: string; code: string; name: string };
  from: string;
  to: string;
  timezone: string;
  opening_paise: number;
  closing_paise: number;
  debits_paise: number;
  credits_paise: number;
  lines: StatementLine[];
}

export interface Revision {
  revision: number;
  changed_at: string;
  changed_by: string;
  reason: string;
  before: SaleSummary;
  after: SaleSummary;
}

export interface BuyerCorrection {
  reason: string;
  name?: string;
  gstin?: string | null;
  address?: string;
  state_code?: string;
}

export interface CreditNote {
  id: string;
  number: string;
  invoice: string;
  lines: { line_no: number; quantity_milli: number; total_paise: number }[];
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  round_off_paise: number;
  total_paise: number;
  refund: unknown;
}

export interface CashMovement {
  kind: "pay_in" | "pay_out" | string;
  amount_paise: number;
  reason: string;
  by: string;
}

export interface Register {
  id: string;
  till: string;
  status: "open" | "closed" | string;
  opened_at: string;
  opened_by: string;
  opening_float_paise: number;
  expected_cash_paise: number | null;
  counted_cash_paise: number | null;
  over_short_paise: number | null;
  closed_at: string | null;
  movements: CashMovement[];
}

export interface ZReport {
  till: string;
  date: string;
  invoices: number;
  cancelled: number;
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
  round_off_paise: number;
  total_paise: number;
  by_rate: { rate_bp: number; taxable_paise: number; tax_paise: number }[];
  payments: { method: string; kind: string; count: number; amount_paise: number }[];
  credit_notes: { count: number; total_paise: number };
  registers: Register[];
}

export interface DeviceStatus {
  device: string;
  kind: string;
  till: string | null;
  status: string | null;
  error: string | null;
  last_event_at?: string | null;
  simulated: boolean;
}

export interface SyncStatus {
  backlog: number;
  oldest_unsent_age_s: number | null;
  last_ack_at: string | null;
  sent_per_s: number;
  last_seq: number;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  is_active: boolean;
  totp_enabled: boolean;
  employee_code: string | null;
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  display_name?: string;
  employee_code?: string;
}

// ------------------------------------------------------------------------------------------- attendance

export interface PunchConfirmation {
  punch_id: string;
  employee_code: string;
  name: string;
  direction: "in" | "out" | null;
  at: string;
  at_local: string;
  status: "valid" | "duplicate" | string;
  work_date: string;
  device: string | null;
  source: string;
}

export interface PunchRejected {
  device: string;
  badge: string | null;
  employee_code: string | null;
  error: { code: string; message: string; field: string | null };
}

export interface Punch {
  id: string;
  employee_code: string;
  at: string;
  at_local: string;
  direction: "in" | "out" | null;
  source: string;
  status: string;
  device: string | null;
  recorded_by: string | null;
  correction_reason: string | null;
  corrects: string | null;
}

export interface AttendanceDay {
  employee_code: string;
  employee_name: string;
  work_date: string;
  shift: string | null;
  status: string;
  first_in_local: string | null;
  last_out_local: string | null;
  worked_minutes: number;
  late_minutes: number;
  early_exit_minutes: number;
  overtime_minutes: number;
  flags: string[];
}

export interface LeaveType {
  code: string;
  name: string;
  paid: boolean;
  annual_days_milli: number;
  accrual: string;
  carry_forward_max_milli: number;
}

export interface LeaveRequest {
  id: string;
  employee_code: string;
  employee_name: string;
  leave_type: string;
  from: string;
  to: string;
  half_day: boolean;
  days_milli: number;
  reason: string;
  status: "pending" | "approved" | "rejected" | "cancelled" | string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  decision_note: string | null;
}

export interface Payslip {
  employee_code: string;
  employee_name: string;
  basis: string;
  paid_days_milli: number;
  overtime_minutes: number;
  gross_paise: number;
  net_paise: number;
  flagged_days: number;
}

/** A run in the list of runs: no payslip lines. */
export type PayrollRunSummary = Omit<PayrollRun, "payslips">;

export interface PayrollRun {
  id: string;
  from: string;
  to: string;
  status: "draft" | "final" | string;
  created_at: string;
  created_by: string;
  finalized_at: string | null;
  payslip_count: number;
  totals: Partial<Record<"gross_paise" | "net_paise" | "deductions_paise" | "overtime_minutes" | "flagged_days", number>>;
  payslips: Payslip[];
}
