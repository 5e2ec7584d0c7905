// Gateway payments (edge/web/payments.py): the methods on offer now, start / follow / cancel / refund an
// attempt, and an invoice's attempts.
// Injected into the one API (api.ts is not restructured).

import { api } from "./api";
import type { GatewayAttempt, GatewayFlow, GatewayStatus, PaymentMethod, PaymentOption } from "./types";

export interface GatewayPaymentRequest {
  method: PaymentMethod;
  amount_paise: number;
  flow: GatewayFlow;
  /** upi_collect: the customer's UPI ID. */
  vpa?: string;
  /** online card: the Stripe payment method token (pm_…), never a card number. */
  payment_method?: string;
}

export const paymentsApi = api.injectEndpoints({
  endpoints: (build) => ({
    paymentMethods: build.query<{ methods: PaymentOption[]; gateways: GatewayStatus[] }, void>({
      query: () => "/payments/methods",
      keepUnusedDataFor: 0,
    }),
    startGatewayPayment: build.mutation<GatewayAttempt, { invoiceId: string } & GatewayPaymentRequest>({
      query: ({ invoiceId, ...body }) => ({ url: `/invoices/${invoiceId}/gateway-payments`, method: "POST", body }),
    }),
    cancelGatewayPayment: build.mutation<GatewayAttempt, string>({
      query: (id) => ({ url: `/gateway-payments/${id}/cancel`, method: "POST", body: {} }),
    }),
    gatewayPayment: build.query<GatewayAttempt, string>({
      query: (id) => `/gateway-payments/${id}`,
      keepUnusedDataFor: 0,
    }),
    /** An invoice's attempts, newest first (a waiting one shows again after a reload; the back office lists them). */
    invoiceGatewayPayments: build.query<{ items: GatewayAttempt[] }, string>({
      query: (invoiceId) => `/invoices/${invoiceId}/gateway-payments`,
      keepUnusedDataFor: 0,
    }),
    /** Managers: give back all (no amount) or part of a succeeded attempt through its gateway. */
    refundGatewayPayment: build.mutation<GatewayAttempt, { id: string; amount_paise?: number }>({
      query: ({ id, ...body }) => ({ url: `/gateway-payments/${id}/refund`, method: "POST", body }),
    }),
  }),
});

export const { useInvoiceGatewayPaymentsQuery, useRefundGatewayPaymentMutation } = paymentsApi;
