// The reports API (edge/web/reports.py, docs/reports.md), admin and manager: the dashboard's figures and
// the GSTR-1 return. JSON money is integer paise; every route also answers CSV with ?format=csv.

import { api } from "./api";
import type { ReportFilters } from "../lib/reports";
import { params } from "./office";

export interface SalesFigures {
  invoices: number;
  cancelled_invoices: number;
  net_invoices: number;
  credit_notes: number;
  gross_sales_paise: number;
  returns_paise: number;
  cancelled_paise: number;
  /** Revenue: net sales, taxable value after returns and cancellations. */
  net_sales_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
  tax_paise: number;
  round_off_paise: number;
  net_billed_paise: number;
  average_bill_paise: number;
}

export interface TrendRow {
  period: string;
  invoices: number;
  credit_notes: number;
  net_sales_paise: number;
  tax_paise: number;
  net_billed_paise: number;
}

export interface StatusRow {
  status: string;
  invoices: number;
  value_paise: number;
  due_paise: number;
}

export interface BucketRow {
  bucket: string;
  balance_paise: number;
}

export interface SalesRow {
  invoices: number;
  credit_notes: number;
  net_sales_paise: number;
  net_billed_paise: number;
}

export interface CustomerRow extends SalesRow {
  customer_id: string | null;
  code: string | null;
  name: string;
}

export interface CustomerTypeRow extends SalesRow {
  type: string;
  name: string;
}

export interface ProductRow {
  rank: number;
  product_id: string | null;
  sku: string | null;
  name: string;
  category: string;
  unit: string | null;
  quantity_milli: number;
  net_sales_paise: number;
  tax_paise: number;
  net_billed_paise: number;
}

export interface CategoryRow {
  category: string;
  lines: number;
  products: number;
  net_sales_paise: number;
  tax_paise: number;
  net_billed_paise: number;
}

export interface PaymentMethodRow {
  method: string;
  money: boolean;
  payments: number;
  paid_paise: number;
  refunds: number;
  refunded_paise: number;
  net_paise: number;
}

export interface Dashboard {
  from: string;
  to: string;
  till: string | null;
  cashier: string | null;
  timezone: string;
  today: string;
  revenue: { today: SalesFigures; month: SalesFigures; period: SalesFigures };
  trend: TrendRow[];
  invoice_status: StatusRow[];
  receivables: { as_of: string; buckets: BucketRow[]; total_paise: number; overdue_paise: number; credits_paise: number };
  best_sellers: ProductRow[];
  categories: CategoryRow[];
  customer_types: CustomerTypeRow[];
  customers: CustomerRow[];
  payments: PaymentMethodRow[];
}

export interface TaxAmounts {
  quantity_milli: number;
  taxable_paise: number;
  cgst_paise: number;
  sgst_paise: number;
  igst_paise: number;
  cess_paise: number;
  tax_paise: number;
  value_paise: number;
}

export interface GstRegistration {
  gstin: string;
  legal_name: string;
  trade_name: string;
  state_code: string;
  totals: Record<string, TaxAmounts>;
  [section: string]: unknown;
}

export interface GstReturn {
  from: string;
  to: string;
  timezone: string;
  registrations: GstRegistration[];
}

/** One row of the invoice register (GET /reports/invoice-register). */
export interface RegisterRow {
  invoice_id: string;
  number: string;
  date: string;
  time: string;
  till: string | null;
  cashier: string | null;
  buyer_name: string;
  buyer_gstin: string | null;
  total_paise: number;
  paid_paise: number;
  balance_paise: number;
  status: string;
}

export interface RegisterPage {
  from: string;
  to: string;
  page: number;
  per_page: number;
  total: number;
  pages: number;
  rows: RegisterRow[];
}

export const reportsApi = api.injectEndpoints({
  endpoints: (build) => ({
    invoiceRegister: build.query<RegisterPage, { from: string; to: string; page: number; status?: string }>({
      query: ({ from, to, page, status }) => ({
        url: "/reports/invoice-register", params: { from, to, page, per_page: 100, ...(status ? { status } : {}) },
      }),
    }),
    dashboard: build.query<Dashboard, ReportFilters>({
      query: (filters) => ({ url: "/reports/dashboard", params: params(filters) }),
      keepUnusedDataFor: 60,
    }),
    gstReturn: build.query<GstReturn, { from: string; to: string }>({
      query: (period) => ({ url: "/reports/gst", params: params(period) }),
      keepUnusedDataFor: 60,
    }),
  }),
});

export const { useDashboardQuery, useGstReturnQuery, useInvoiceRegisterQuery } = reportsApi;
