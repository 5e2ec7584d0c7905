// The invoice page's cancel and e-mail, a till's bills of a day, and one customer's invoices (the invoice register filtered by
// customer), injected into the one RTK Query API of api.ts like office.ts.

import { api } from "./api";
import type { RegisterPage } from "./reports";
import type { SaleSummary } from "./types";
import type { Cancellation, InvoiceEmail } from "../lib/invoiceActions";

/** An invoice as GET /invoices/{id} gives it, with its cancellation (when, why, who; null while it stands). */
export type InvoiceWithCancellation = SaleSummary & { cancellation?: Cancellation | null };

export interface CustomerInvoicesArgs {
  customer: string;
  from: string;
  to: string;
  page: number;
  per_page: number;
}

const invoiceActions = api
  .enhanceEndpoints({ addTagTypes: ["Invoice", "Customer", "InvoiceEmail", "CustomerInvoices"] })
  .injectEndpoints({
    endpoints: (build) => ({
      /** Managers; refused with the API's message while money paid on it is not refunded. */
      cancelInvoice: build.mutation<InvoiceWithCancellation, { id: string; reason: string }>({
        query: ({ id, reason }) => ({ url: `/invoices/${id}/cancel`, method: "POST", body: { reason } }),
        invalidatesTags: (_r, error, { id }) =>
          error ? [] : [{ type: "Invoice", id }, "Customer", "CustomerInvoices"],
      }),
      emailInvoice: build.mutation<{ id: string; status: string; to: string; document: string }, { id: string; to: string }>({
        query: ({ id, to }) => ({ url: `/invoices/${id}/email`, method: "POST", body: { to } }),
        invalidatesTags: (_r, _e, { id }) => [{ type: "InvoiceEmail", id }],
      }),
      invoiceEmails: build.query<{ items: InvoiceEmail[] }, string>({
        query: (id) => `/invoices/${id}/emails`,
        providesTags: (_r, _e, id) => [{ type: "InvoiceEmail", id }],
      }),
      /** Newest first, a page at a time (admins and managers: the reports API). */
      customerInvoices: build.query<RegisterPage, CustomerInvoicesArgs>({
        query: (args) => ({ url: "/reports/invoice-register", params: { ...args, order: "newest" } }),
        providesTags: ["CustomerInvoices"],
      }),
      /** One till's bills of a day, newest first (everyone who sells). */
      tillInvoices: build.query<RegisterPage, { till: string; date: string }>({
        query: ({ till, date }) => ({ url: `/tills/${encodeURIComponent(till)}/invoices`, params: { date } }),
        keepUnusedDataFor: 0,
      }),
    }),
  });

export const {
  useTillInvoicesQuery,
  useCancelInvoiceMutation,
  useEmailInvoiceMutation,
  useInvoiceEmailsQuery,
  useCustomerInvoicesQuery,
} = invoiceActions;
