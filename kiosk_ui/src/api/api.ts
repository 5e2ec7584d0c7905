// The REST API under /api/v1 (RTK Query). Same origin; the HttpOnly session cookie authenticates.
// Bodies are plain objects, which fetchBaseQuery sends as application/json (the API refuses anything else).

import type { SerializedError } from "@reduxjs/toolkit";
import {
  createApi,
  fetchBaseQuery,
  type FetchBaseQueryError,
} from "@reduxjs/toolkit/query/react";
import type {
  ApiError,
  Cart,
  Customer,
  Employee,
  LineTier,
  Page,

  PaymentMethod,
  PriceTier,
  PrintJob,
  Product,
  SaleSummary,
  User,
} from "./types";
import { sessionAwareQuery } from "../auth/session";
import { nextStep, type LoginAnswer } from "../auth/totp";

const rawBaseQuery = fetchBaseQuery({ baseUrl: "/api/v1", credentials: "same-origin" });

/** Any 401 but the login's own means the session ended: ask who we are again, which sends us to login. */
const baseQuery = sessionAwareQuery(rawBaseQuery, (store) => store.dispatch(api.util.invalidateTags(["Me"])));

/** The API's error body, or a stand-in for network failures and other surprises. */
export function apiError(error: FetchBaseQueryError | SerializedError | undefined): ApiError {
  if (error && "status" in error) {
    const body = error.data as { error?: Partial<ApiError> } | undefined;
    if (body?.error?.message) {
      return { code: body.error.code ?? "error", message: body.error.message, field: body.error.field ?? null };
    }
    if (error.status === "FETCH_ERROR") {
      return { code: "network", message: "The store server did not answer; check the network and try again", field: null };
    }
    return { code: String(error.status), message: `The store server answered ${String(error.status)}`, field: null };
  }
  return { code: "error", message: error?.message ?? "Something went wrong", field: null };
}

interface Versioned {
  cartId: string;
  version: number;
}

export interface LineChanges {
  quantity?: string;
  unit?: string;
  use_scale?: boolean;
  tier?: LineTier | null;
  manual_rate_paise?: number | null;
  discount_paise?: number;
}

export interface CartTerms {
  customer_id?: string | null;
  tier?: PriceTier;
  discount_paise?: number;
}

export interface CheckoutPayment {
  method: PaymentMethod;
  amount_paise: number;
  tendered_paise?: number;
  reference?: string;
}

export const api = createApi({
  reducerPath: "api",
  baseQuery,
  tagTypes: ["Me"],
  refetchOnReconnect: false,
  endpoints: (build) => ({
    me: build.query<User, void>({ query: () => "/auth/me", providesTags: ["Me"] }),
    login: build.mutation<{ user: User } & LoginAnswer, { username: string; password: string }>({
      query: (body) => ({ url: "/auth/login", method: "POST", body }),
      async onQueryStarted(_, { dispatch, queryFulfilled }) {
        const { data } = await queryFulfilled;
        // A user who must give a TOTP code is not logged in yet: the second step sets "me".
        if (nextStep(data) === "done") dispatch(api.util.upsertQueryData("me", undefined, data.user));
      },
    }),
    logout: build.mutation<{ ok: boolean }, void>({
      query: () => ({ url: "/auth/logout", method: "POST", body: {} }),
    }),
    health: build.query<{ status: string; store: string; version: string }, void>({ query: () => "/health" }),

    tillCart: build.query<Cart, string>({
      query: (till) => `/tills/${encodeURIComponent(till)}/cart`,
      keepUnusedDataFor: 0,
    }),
    scan: build.mutation<Cart, Versioned & { code: string }>({
      query: ({ cartId, version, code }) => ({ url: `/carts/${cartId}/scan`, method: "POST", body: { code, version } }),
    }),
    addLine: build.mutation<Cart, Versioned & { product_id: string; unit?: string; quantity?: string; use_scale?: boolean }>({
      query: ({ cartId, ...body }) => ({ url: `/carts/${cartId}/lines`, method: "POST", body }),
    }),
    changeLine: build.mutation<Cart, Versioned & { lineId: string; changes: LineChanges }>({
      query: ({ cartId, version, lineId, changes }) => ({
        url: `/carts/${cartId}/lines/${lineId}`, method: "PATCH", body: { ...changes, version },
      }),
    }),
    removeLine: build.mutation<Cart, Versioned & { lineId: string }>({
      query: ({ cartId, version, lineId }) => ({ url: `/carts/${cartId}/lines/${lineId}`, method: "DELETE", body: { version } }),
    }),
    changeCart: build.mutation<Cart, Versioned & { terms: CartTerms }>({
      query: ({ cartId, version, terms }) => ({ url: `/carts/${cartId}`, method: "PATCH", body: { ...terms, version } }),
    }),
    checkout: build.mutation<SaleSummary, Versioned & { payments: CheckoutPayment[] }>({
      query: ({ cartId, version, payments }) => ({ url: `/carts/${cartId}/checkout`, method: "POST", body: { payments, version } }),
    }),

    invoice: build.query<SaleSummary, string>({ query: (id) => `/invoices/${id}`, keepUnusedDataFor: 0 }),
    pay: build.mutation<SaleSummary, { invoiceId: string } & CheckoutPayment>({
      query: ({ invoiceId, ...body }) => ({ url: `/invoices/${invoiceId}/payments`, method: "POST", body }),
    }),
    print: build.mutation<PrintJob, { invoiceId: string }>({
      query: ({ invoiceId }) => ({ url: `/invoices/${invoiceId}/print`, method: "POST", body: {} }),
    }),

    searchProducts: build.query<{ items: Product[] }, string>({
      query: (q) => ({ url: "/products", params: { q, limit: 12 } }),
      keepUnusedDataFor: 30,
    }),
    product: build.query<Product, string>({ query: (id) => `/products/${id}`, keepUnusedDataFor: 600 }),
    searchCustomers: build.query<Page<Customer>, string>({
      query: (q) => ({ url: "/customers", params: { q, per_page: 10 } }),
      keepUnusedDataFor: 30,
    }),
    employees: build.query<{ items: Employee[] }, void>({ query: () => "/employees" }),

    // The login's second factor (TOTP) and the step-up before sensitive actions.
    totpLogin: build.mutation<{ user: User }, { code: string }>({
      query: (body) => ({ url: "/auth/totp", method: "POST", body }),
    }),
    totpEnrol: build.mutation<TotpEnrolment, void>({
      query: () => ({ url: "/auth/totp/enrol", method: "POST", body: {} }),
    }),
    totpConfirm: build.mutation<{ user: User; recovery_codes: string[] }, { code: string }>({
      query: (body) => ({ url: "/auth/totp/confirm", method: "POST", body }),
    }),
    stepUp: build.mutation<{ fresh_until: string }, { code: string }>({
      query: (body) => ({ url: "/auth/step-up", method: "POST", body }),
    }),
  }),
});

export const {
  useMeQuery,
  useLoginMutation,
  useLogoutMutation,
  useHealthQuery,
  useSearchProductsQuery,
  useProductQuery,
  useSearchCustomersQuery,
  useEmployeesQuery,
  useTotpLoginMutation,
  useTotpEnrolMutation,
  useTotpConfirmMutation,
  useStepUpMutation,
} = api;

export interface TotpEnrolment {
  secret: string;
  uri: string;
  qr_svg: string;
}
