// Back-office, register and attendance endpoints, injected into the one RTK Query API of api.ts
// (so its base query — login expiry, security headers — applies to them too).

import type { FetchBaseQueryError } from "@reduxjs/toolkit/query";
import { api, apiError } from "./api";
import type { Page, Role } from "./types";
import type { ProductListArgs } from "../lib/productPages";
import type {
  AttendanceDay,
  BuyerCorrection,
  CreditNote,
  CustomerFilters,
  CustomerFull,
  DeviceStatus,
  ImportResult,
  LeaveRequest,
  LeaveType,
  NewUser,
  PayrollRun,
  PayrollRunSummary,
  ProductChange,
  ProductFull,
  ProductPage,
  Punch,
  PunchConfirmation,
  Register,
  Revision,
  Statement,
  SyncStatus,
  UserRow,
  ZReport,
} from "./officeTypes";
import type { ApiError, Customer, PrintJob, SaleSummary } from "./types";
import type { ImportRowError } from "./officeTypes";

/** What a failed mutation's unwrap() threw, as the API's error shape. */
export function failed(failure: unknown): ApiError {
  return apiError(failure as FetchBaseQueryError);
}

/** The rows of a refused CSV import (error.rows of 400 import_rejected); empty for any other failure. */
export function importErrors(failure: unknown): ImportRowError[] {
  const data = (failure as { data?: { error?: { rows?: ImportRowError[] } } } | null)?.data;
  return data?.error?.rows ?? [];
}

/** Query parameters without the empty ones (the API reads "" as a value). */
export function params<T extends object>(values: T): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") out[key] = value as string | number;
  }
  return out;
}

const office = api
  .enhanceEndpoints({
    addTagTypes: ["Product", "Customer", "Invoice", "Register", "User", "Punch", "Day", "Leave", "Payroll"],
  })
  .injectEndpoints({
    endpoints: (build) => ({
      // ------------------------------------------------------------------ products
      productList: build.query<{ items: ProductFull[] }, string>({
        query: (q) => ({ url: "/products", params: { q, limit: 100 } }),
        providesTags: ["Product"],
      }),
      /** The whole catalog page by page (no q): name order, filters, total, next / previous cursors. */
      productPage: build.query<ProductPage, ProductListArgs>({
        query: (args) => ({ url: "/products", params: params(args) }),
        providesTags: ["Product"],
      }),
      categories: build.query<{ items: { name: string; products: number }[] }, void>({
        query: () => "/products/categories",
        providesTags: ["Product"],
      }),
      productFull: build.query<ProductFull, string>({
        query: (id) => `/products/${id}`,
        providesTags: (_r, _e, id) => [{ type: "Product", id }],
      }),
      changeProduct: build.mutation<ProductFull, { id: string; changes: ProductChange }>({
        query: ({ id, changes }) => ({ url: `/products/${id}`, method: "PATCH", body: changes }),
        // The answer is the product as saved: the editor shows it at once (the list is fetched again).
        async onQueryStarted({ id }, { dispatch, queryFulfilled }) {
          const saved = await queryFulfilled.catch(() => null);
          if (saved) dispatch(office.util.upsertQueryData("productFull", id, saved.data));
        },
        invalidatesTags: ["Product"],
      }),
      importProducts: build.mutation<ImportResult, string>({
        query: (csv) => ({ url: "/products/import", method: "POST", body: { csv } }),
        invalidatesTags: ["Product"],
      }),

      // ----------------------------------------------------------------- customers
      customerList: build.query<Page<Customer>, CustomerFilters>({
        query: (filters) => ({ url: "/customers", params: params(filters) }),
        providesTags: ["Customer"],
      }),
      customerFull: build.query<CustomerFull, string>({
        query: (id) => `/customers/${id}`,
        providesTags: (_r, _e, id) => [{ type: "Customer", id }],
      }),
      statement: build.query<Statement, { id: string; from?: string; to?: string }>({
        query: ({ id, ...range }) => ({ url: `/customers/${id}/statement`, params: params(range) }),
        providesTags: (_r, _e, { id }) => [{ type: "Customer", id }],
      }),

      // ------------------------------------------------------------------ invoices
      invoiceFull: build.query<SaleSummary, string>({
        query: (id) => `/invoices/${id}`,
        providesTags: (_r, _e, id) => [{ type: "Invoice", id }],
      }),
      revisions: build.query<{ items: Revision[] }, string>({
        query: (id) => `/invoices/${id}/revisions`,
        providesTags: (_r, _e, id) => [{ type: "Invoice", id }],
      }),
      correctBuyer: build.mutation<SaleSummary, { id: string; correction: BuyerCorrection }>({
        query: ({ id, correction }) => ({ url: `/invoices/${id}/corrections`, method: "POST", body: correction }),
        async onQueryStarted({ id }, { dispatch, queryFulfilled }) {
          const saved = await queryFulfilled.catch(() => null);
          if (saved) dispatch(office.util.upsertQueryData("invoiceFull", id, saved.data));
        },
        invalidatesTags: (_r, _e, { id }) => [{ type: "Invoice", id }],
      }),
      returnGoods: build.mutation<
        CreditNote,
        { id: string; reason: string; lines: { line_no: number; quantity_milli: number }[]; refund_method?: string }
      >({
        query: ({ id, ...body }) => ({ url: `/invoices/${id}/returns`, method: "POST", body }),
        invalidatesTags: (_r, _e, { id }) => [{ type: "Invoice", id }],
      }),
      /** A reprint is marked ** REPRINT ** on the slip and audited. */
      reprint: build.mutation<PrintJob, { id: string; revision?: number }>({
        query: ({ id, revision }) => ({
          url: `/invoices/${id}/print`, method: "POST", body: params({ kind: "reprint", revision }),
        }),
      }),

      // ----------------------------------------------------------------- registers
      register: build.query<Register | null, string>({
        query: (till) => `/tills/${encodeURIComponent(till)}/register`,
        providesTags: (_r, _e, till) => [{ type: "Register", id: till }],
      }),
      openRegister: build.mutation<Register, { till: string; opening_float_paise: number }>({
        query: ({ till, ...body }) => ({ url: `/tills/${encodeURIComponent(till)}/register/open`, method: "POST", body }),
        invalidatesTags: (_r, _e, { till }) => [{ type: "Register", id: till }],
      }),
      moveCash: build.mutation<Register, { till: string; kind: "pay_in" | "pay_out"; amount_paise: number; reason: string }>({
        query: ({ till, ...body }) => ({ url: `/tills/${encodeURIComponent(till)}/register/cash`, method: "POST", body }),
        invalidatesTags: (_r, _e, { till }) => [{ type: "Register", id: till }],
      }),
      closeRegister: build.mutation<Register, { till: string; counted_cash_paise: number }>({
        query: ({ till, ...body }) => ({ url: `/tills/${encodeURIComponent(till)}/register/close`, method: "POST", body }),
        invalidatesTags: (_r, _e, { till }) => [{ type: "Register", id: till }, { type: "Register", id: `z:${till}` }],
      }),
      zReport: build.query<ZReport, { till: string; date?: string }>({
        query: ({ till, date }) => ({ url: `/tills/${encodeURIComponent(till)}/z-report`, params: params({ date }) }),
        providesTags: (_r, _e, { till }) => [{ type: "Register", id: `z:${till}` }],
        keepUnusedDataFor: 0,
      }),

      // ------------------------------------------------------------ store and people
      devices: build.query<{ items: DeviceStatus[] }, void>({ query: () => "/devices" }),
      syncStatus: build.query<SyncStatus, void>({ query: () => "/sync/status" }),
      users: build.query<{ items: UserRow[] }, void>({ query: () => "/users", providesTags: ["User"] }),
      createUser: build.mutation<UserRow, NewUser>({
        query: (body) => ({ url: "/users", method: "POST", body }),
        invalidatesTags: ["User"],
      }),
      changeUser: build.mutation<UserRow, { id: string; role?: Role; is_active?: boolean }>({
        query: ({ id, ...changes }) => ({ url: `/users/${id}`, method: "PATCH", body: changes }),
        invalidatesTags: ["User"],
      }),
      /** An administrator sets a forgotten password (fresh TOTP code needed); the user's sessions end. */
      setUserPassword: build.mutation<UserRow, { id: string; password: string }>({
        query: ({ id, password }) => ({ url: `/users/${id}/password`, method: "POST", body: { password } }),
        invalidatesTags: ["User"],
      }),
      /** Lost phone: the user sets TOTP up again at the next login (fresh TOTP code needed). */
      resetUserTotp: build.mutation<UserRow, string>({
        query: (id) => ({ url: `/users/${id}/totp/reset`, method: "POST", body: {} }),
        invalidatesTags: ["User"],
      }),
      revokeUserSessions: build.mutation<{ revoked: number }, string>({
        query: (id) => ({ url: `/users/${id}/sessions/revoke`, method: "POST", body: {} }),
      }),

      // ---------------------------------------------------------------- attendance
      terminalPunch: build.mutation<PunchConfirmation, { employee_code: string; pin: string; terminal: string }>({
        query: (body) => ({ url: "/attendance/punches", method: "POST", body }),
      }),
      setPin: build.mutation<{ ok: boolean }, { employee_code: string; pin: string }>({
        query: ({ employee_code, pin }) => ({
          url: `/attendance/employees/${encodeURIComponent(employee_code)}/pin`, method: "POST", body: { pin },
        }),
      }),
      punches: build.query<{ items: Punch[] }, { employee?: string; from?: string; to?: string }>({
        query: (range) => ({ url: "/attendance/punches", params: params(range) }),
        providesTags: ["Punch"],
      }),
      correctPunch: build.mutation<unknown, { id: string; reason: string; at?: string; direction?: "in" | "out" | null; void?: boolean }>({
        query: ({ id, ...body }) => ({ url: `/attendance/punches/${id}/correct`, method: "POST", body }),
        invalidatesTags: ["Punch", "Day"],
      }),
      addPunch: build.mutation<unknown, { employee: string; at: string; direction?: "in" | "out" | null; reason: string }>({
        query: (body) => ({ url: "/attendance/punches/manual", method: "POST", body }),
        invalidatesTags: ["Punch", "Day"],
      }),
      days: build.query<{ items: AttendanceDay[] }, { employee?: string; from?: string; to?: string; department?: string }>({
        query: (filters) => ({ url: "/attendance/days", params: params(filters) }),
        providesTags: ["Day"],
      }),
      deriveDays: build.mutation<unknown, { from: string; to: string; employee?: string }>({
        query: (body) => ({ url: "/attendance/derive", method: "POST", body: params(body) }),
        invalidatesTags: ["Day"],
      }),
      leaveTypes: build.query<{ items: LeaveType[] }, void>({ query: () => "/leave/types" }),
      leaveRequests: build.query<{ items: LeaveRequest[] }, { status?: string; employee?: string }>({
        query: (filters) => ({ url: "/leave/requests", params: params(filters) }),
        providesTags: ["Leave"],
      }),
      askLeave: build.mutation<LeaveRequest, { leave_type: string; from: string; to: string; half_day?: boolean; reason?: string; employee?: string }>({
        query: (body) => ({ url: "/leave/requests", method: "POST", body: params(body) }),
        invalidatesTags: ["Leave"],
      }),
      decideLeave: build.mutation<LeaveRequest, { id: string; decision: "approve" | "reject"; note?: string }>({
        query: ({ id, ...body }) => ({ url: `/leave/requests/${id}/decision`, method: "POST", body }),
        invalidatesTags: ["Leave", "Day"],
      }),
      /** Earlier runs, latest period first, with totals (no payslip lines). */
      payrollRuns: build.query<Page<PayrollRunSummary>, { page: number; per_page?: number }>({
        query: (args) => ({ url: "/payroll/runs", params: params(args) }),
        providesTags: ["Payroll"],
      }),
      payrollRun: build.query<PayrollRun, string>({
        query: (id) => `/payroll/runs/${id}`,
        providesTags: (_r, _e, id) => [{ type: "Payroll", id }],
      }),
      runPayroll: build.mutation<PayrollRun, { from: string; to: string }>({
        query: (body) => ({ url: "/payroll/runs", method: "POST", body }),
        invalidatesTags: ["Payroll"],
      }),
      finalizePayroll: build.mutation<PayrollRun, { id: string; accept_flagged?: boolean }>({
        query: ({ id, ...body }) => ({ url: `/payroll/runs/${id}/finalize`, method: "POST", body }),
        invalidatesTags: ["Payroll"],
      }),
    }),
  });

export const {
  useProductListQuery,
  useProductPageQuery,
  useCategoriesQuery,
  useProductFullQuery,
  useChangeProductMutation,
  useImportProductsMutation,
  useCustomerListQuery,
  useCustomerFullQuery,
  useStatementQuery,
  useInvoiceFullQuery,
  useRevisionsQuery,
  useCorrectBuyerMutation,
  useReturnGoodsMutation,
  useReprintMutation,
  useRegisterQuery,
  useOpenRegisterMutation,
  useMoveCashMutation,
  useCloseRegisterMutation,
  useZReportQuery,
  useDevicesQuery,
  useSyncStatusQuery,
  useUsersQuery,
  useChangeUserMutation,
  useCreateUserMutation,
  useSetUserPasswordMutation,
  useResetUserTotpMutation,
  useRevokeUserSessionsMutation,
  useTerminalPunchMutation,
  useSetPinMutation,
  usePunchesQuery,
  useCorrectPunchMutation,
  useAddPunchMutation,
  useDaysQuery,
  useDeriveDaysMutation,
  useLeaveTypesQuery,
  useLeaveRequestsQuery,
  useAskLeaveMutation,
  useDecideLeaveMutation,
  usePayrollRunsQuery,
  usePayrollRunQuery,
  useRunPayrollMutation,
  useFinalizePayrollMutation,
} = office;
