// Customer add / edit / payments and the HR reports (leave balances, monthly register, overtime and late),
// injected into the one RTK Query API of api.ts (its base query — login expiry — applies).

import { api } from "./api";
import type { CustomerFull } from "./officeTypes";
import type { Page } from "./types";
import type { CustomerBody } from "../lib/customers";

export interface CustomerPayment {
  id: string;
  at: string;
  date: string;
  invoice_number: string | null;
  kind: string;
  method: string;
  status: string;
  amount_paise: number;
  reference: string | null;
}

export interface LeaveBalance {
  employee_code: string;
  leave_type: string;
  name: string;
  paid: boolean;
  year: number;
  as_of: string;
  carried_milli: number;
  accrued_milli: number;
  used_milli: number;
  pending_milli: number;
  available_milli: number;
}

export type MonthlyReportKind = "overtime" | "late" | "leave";
export type MonthlyReportRow = Record<string, string | number | boolean>;

export interface MonthFilters {
  month: string;
  department?: string;
  shift?: string;
}

/** Query parameters without the empty ones (kept here so the till's chunk does not pull in the back office). */
function params<T extends object>(values: T): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") out[key] = value as string | number;
  }
  return out;
}

const endpoints = api
  .enhanceEndpoints({ addTagTypes: ["Customer", "Leave", "Day"] })
  .injectEndpoints({
    endpoints: (build) => ({
      createCustomer: build.mutation<CustomerFull, CustomerBody>({
        query: (body) => ({ url: "/customers", method: "POST", body }),
        invalidatesTags: ["Customer"],
      }),
      updateCustomer: build.mutation<CustomerFull, { id: string; changes: CustomerBody }>({
        query: ({ id, changes }) => ({ url: `/customers/${id}`, method: "PATCH", body: changes }),
        // The customer page reads it again (GSTIN history included); lists too.
        invalidatesTags: ["Customer"],
      }),
      customerPayments: build.query<Page<CustomerPayment>, { id: string; page: number; per_page?: number }>({
        query: ({ id, ...pages }) => ({ url: `/customers/${id}/payments`, params: params(pages) }),
        providesTags: (_r, _e, { id }) => [{ type: "Customer", id }],
      }),
      leaveBalances: build.query<{ items: LeaveBalance[] }, { employee?: string; year?: number }>({
        query: (filters) => ({ url: "/leave/balances", params: params(filters) }),
        providesTags: ["Leave"],
      }),
      /** The register is CSV only: the text, shown as a table and offered as the same file. */
      attendanceRegister: build.query<string, MonthFilters>({
        query: (filters) => ({ url: "/attendance/register.csv", params: params(filters),
          // The file as text; a refusal is the API's JSON error, read as such.
          responseHandler: (response: Response) => (response.ok ? response.text() : response.json()) }),
        providesTags: ["Day"],
      }),
      monthlyReport: build.query<{ items: MonthlyReportRow[] }, MonthFilters & { kind: MonthlyReportKind }>({
        query: ({ kind, ...filters }) => ({ url: `/attendance/reports/${kind}`, params: params(filters) }),
        providesTags: ["Day"],
      }),
    }),
  });

export const {
  useCreateCustomerMutation,
  useUpdateCustomerMutation,
  useCustomerPaymentsQuery,
  useLeaveBalancesQuery,
  useAttendanceRegisterQuery,
  useMonthlyReportQuery,
} = endpoints;

/** A CSV link of the API with the filters (a plain download: the file is exactly the API's). */
export function csvUrl(path: string, filters: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== "") query.set(key, String(value));
  return `/api/v1${path}?${query.toString()}`;
}
