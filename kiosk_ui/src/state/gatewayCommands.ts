// Gateway payments from the cashier screen: load the methods on offer, start an attempt on an invoice,
// cancel it. The outcome arrives by the `gateway_payment` and `payment` pushes; answers are applied too
// (whichever comes first, the attempt only moves forward).

import { apiError } from "../api/api";
import { paymentsApi, type GatewayPaymentRequest } from "../api/payments";
import type { ApiError, GatewayAttempt } from "../api/types";
import { isGatewayFlow } from "../lib/gateway";
import { attemptToShow } from "../lib/gatewayRefunds";
import type { StagedPayment } from "../lib/payments";
import { attemptUpdated, methodsLoaded } from "./paymentsSlice";
import type { AppThunk } from "./store";

export type AttemptResult = { ok: true; attempt: GatewayAttempt } | { ok: false; error: ApiError };

/** GET /payments/methods: which flows the till offers and whether their gateways answer (on open, on reconnect). */
export const loadPaymentMethods = (): AppThunk<Promise<void>> => async (dispatch) => {
  const answer = await dispatch(paymentsApi.endpoints.paymentMethods.initiate(undefined, { subscribe: false, forceRefetch: true }));
  if (answer.data) dispatch(methodsLoaded(answer.data));
};

/** The body of POST /invoices/{id}/gateway-payments for a payment the cashier entered. */
export function gatewayRequest(payment: StagedPayment): GatewayPaymentRequest {
  if (!isGatewayFlow(payment.flow)) throw new Error("not a gateway payment");
  const request: GatewayPaymentRequest = { method: payment.method, amount_paise: payment.amount_paise, flow: payment.flow };
  if (payment.vpa) request.vpa = payment.vpa;
  if (payment.payment_method) request.payment_method = payment.payment_method;
  return request;
}

/** Start taking a payment through its gateway on an issued invoice. */
export const startGatewayPayment = (invoiceId: string, payment: StagedPayment): AppThunk<Promise<AttemptResult>> =>
  async (dispatch) => {
    const answer = await dispatch(
      paymentsApi.endpoints.startGatewayPayment.initiate({ invoiceId, ...gatewayRequest(payment) }, { track: false }),
    );
    if (answer.data) {
      dispatch(attemptUpdated(answer.data));
      return { ok: true, attempt: answer.data };
    }
    return { ok: false, error: apiError(answer.error) };
  };

/** Give up a waiting gateway payment (if the customer paid meanwhile, the API records it instead). */
export const cancelGatewayPayment = (attemptId: string): AppThunk<Promise<AttemptResult>> => async (dispatch) => {
  const answer = await dispatch(paymentsApi.endpoints.cancelGatewayPayment.initiate(attemptId, { track: false }));
  if (answer.data) {
    dispatch(attemptUpdated(answer.data));
    return { ok: true, attempt: answer.data };
  }
  return { ok: false, error: apiError(answer.error) };
};

/**
 * The gateway payments of the summary on screen, from the API (GET /invoices/{id}/gateway-payments): after a
 * page reload or a reconnection a waiting payment shows again with its live state and Cancel, without
 * waiting for its next push.
 */
export const reloadInvoiceAttempts = (): AppThunk<Promise<void>> => async (dispatch, getState) => {
  const invoiceId = getState().pos.summary?.id;
  if (!invoiceId) return;
  const answer = await dispatch(
    paymentsApi.endpoints.invoiceGatewayPayments.initiate(invoiceId, { subscribe: false, forceRefetch: true }),
  );
  const newest = answer.data ? attemptToShow(answer.data.items) : null;
  if (newest) dispatch(attemptUpdated(newest));
};
