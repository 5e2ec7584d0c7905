// Every change of the till's cart goes through one queue, one request at a time, each sending the version
// the previous answer gave. Two scans a few milliseconds apart therefore never race each other into a
// 409; a 409 stale_cart means another screen really changed the cart, and the cart is reloaded.

import { api, apiError, type CartTerms, type CheckoutPayment, type LineChanges } from "../api/api";
import type { ApiError, Cart, SaleSummary } from "../api/types";
import { cartLoaded, newSale, noticeShown, saleShown, summaryUpdated } from "./posSlice";
import type { AppDispatch, AppThunk, RootState } from "./store";

export type CartChange =
  | { kind: "scan"; code: string }
  | { kind: "addLine"; product_id: string; unit?: string; quantity?: string; use_scale?: boolean }
  | { kind: "changeLine"; lineId: string; changes: LineChanges }
  | { kind: "removeLine"; lineId: string }
  | { kind: "changeCart"; terms: CartTerms };

export type ChangeResult = { ok: true; cart: Cart } | { ok: false; error: ApiError };

/** Changes that only add what was scanned or picked: safe to send again on the reloaded cart. */
const ADDITIVE = new Set<CartChange["kind"]>(["scan", "addLine"]);

const STALE_MESSAGE = "The cart was changed on another screen and has been reloaded: check it and try again";

let queue: Promise<unknown> = Promise.resolve();

function serial<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

type Answer<T> = { data?: T; error?: Parameters<typeof apiError>[0] };

function send(dispatch: AppDispatch, change: CartChange, cart: Cart): Promise<Answer<Cart>> {
  const base = { cartId: cart.id, version: cart.version };
  const options = { track: false };
  switch (change.kind) {
    case "scan":
      return dispatch(api.endpoints.scan.initiate({ ...base, code: change.code }, options));
    case "addLine": {
      const { kind: _kind, ...body } = change;
      return dispatch(api.endpoints.addLine.initiate({ ...base, ...body }, options));
    }
    case "changeLine":
      return dispatch(api.endpoints.changeLine.initiate({ ...base, lineId: change.lineId, changes: change.changes }, options));
    case "removeLine":
      return dispatch(api.endpoints.removeLine.initiate({ ...base, lineId: change.lineId }, options));
    case "changeCart":
      return dispatch(api.endpoints.changeCart.initiate({ ...base, terms: change.terms }, options));
  }
}

async function fetchCart(dispatch: AppDispatch, getState: () => RootState): Promise<Cart | null> {
  const till = getState().pos.till;
  const answer = await dispatch(api.endpoints.tillCart.initiate(till, { subscribe: false, forceRefetch: true }));
  if (answer.data) {
    dispatch(cartLoaded(answer.data));
    return getState().pos.cart;
  }
  dispatch(noticeShown("error", `Could not load the cart of till ${till}: ${apiError(answer.error).message}`));
  return null;
}

/** Load the cashier's open cart of the till (on start, on every reconnect, after a sale). */
export const reloadCart = (): AppThunk<Promise<Cart | null>> => (dispatch, getState) =>
  serial(() => fetchCart(dispatch, getState));

/** Send one change of the cart, in turn, with the version on screen. */
export const changeCart = (change: CartChange): AppThunk<Promise<ChangeResult>> => (dispatch, getState) =>
  serial(async () => {
    for (let attempt = 0; ; attempt += 1) {
      const cart = getState().pos.cart ?? (await fetchCart(dispatch, getState));
      if (!cart) return { ok: false, error: { code: "no_cart", message: "The till's cart could not be loaded", field: null } };
      const answer = await send(dispatch, change, cart);
      if (answer.data) {
        dispatch(cartLoaded(answer.data));
        return { ok: true, cart: answer.data };
      }
      const error = apiError(answer.error);
      if (error.code !== "stale_cart") return { ok: false, error };
      const fresh = await fetchCart(dispatch, getState);
      if (attempt === 0 && fresh && ADDITIVE.has(change.kind)) continue; // the scanned item is still in hand
      return { ok: false, error: { ...error, message: STALE_MESSAGE } };
    }
  });

const summaryKey = (till: string) => `pos:summary:${till}`;

function remember(till: string, invoiceId: string | null): void {
  try {
    if (invoiceId) sessionStorage.setItem(summaryKey(till), invoiceId);
    else sessionStorage.removeItem(summaryKey(till));
  } catch {
    // private mode or storage disabled: the summary just does not survive a reload
  }
}

/** Issue the invoice with the payments given; the answer is the post-sale summary. */
export const checkout = (payments: CheckoutPayment[]): AppThunk<Promise<{ ok: true; summary: SaleSummary } | { ok: false; error: ApiError }>> =>
  (dispatch, getState) =>
    serial(async () => {
      const cart = getState().pos.cart;
      if (!cart || cart.lines.length === 0) return { ok: false as const, error: { code: "empty_cart", message: "The cart is empty", field: null } };
      const answer = await dispatch(api.endpoints.checkout.initiate({ cartId: cart.id, version: cart.version, payments }, { track: false }));
      if (answer.data) {
        dispatch(saleShown(answer.data));
        remember(cart.till, answer.data.id);
        await fetchCart(dispatch, getState); // the till's next (empty) cart, ready for the next customer
        return { ok: true as const, summary: answer.data };
      }
      const error = apiError(answer.error);
      if (error.code === "stale_cart") {
        await fetchCart(dispatch, getState);
        return { ok: false as const, error: { ...error, message: "The cart changed on another screen and has been reloaded: check the total and the payments, then complete again" } };
      }
      return { ok: false as const, error };
    });

/** A payment after the bill, from the post-sale summary. */
export const payInvoice = (invoiceId: string, payment: CheckoutPayment): AppThunk<Promise<{ ok: true; summary: SaleSummary } | { ok: false; error: ApiError }>> =>
  async (dispatch) => {
    const answer = await dispatch(api.endpoints.pay.initiate({ invoiceId, ...payment }, { track: false }));
    if (answer.data) {
      dispatch(summaryUpdated(answer.data));
      return { ok: true, summary: answer.data };
    }
    return { ok: false, error: apiError(answer.error) };
  };

/**
 * The "sale" push. The summary on screen gets the newer copy; otherwise, if our own cart was the one
 * checked out (from another screen of the same cashier), its summary is shown. Another cashier's sale on
 * the same till leaves this screen alone.
 */
export const salePushed = (summary: SaleSummary): AppThunk<Promise<void>> => async (dispatch, getState) => {
  const { summary: shown, cart } = getState().pos;
  if (shown && shown.id === summary.id) {
    dispatch(summaryUpdated(summary));
    return;
  }
  if (!cart || cart.lines.length === 0) return;
  const fresh = await dispatch(reloadCart());
  if (fresh && fresh.id !== cart.id && getState().pos.summary?.id !== summary.id) {
    dispatch(saleShown(summary));
    remember(summary.till, summary.id);
  }
};

/** Back to selling: forget the summary on screen. */
export const startNewSale = (): AppThunk => (dispatch, getState) => {
  remember(getState().pos.till, null);
  dispatch(newSale());
};

/** After a reload of the page, show the summary that was on screen. */
export const restoreSummary = (): AppThunk<Promise<void>> => async (dispatch, getState) => {
  let invoiceId: string | null = null;
  try {
    invoiceId = sessionStorage.getItem(summaryKey(getState().pos.till));
  } catch {
    return;
  }
  if (!invoiceId) return;
  const answer = await dispatch(api.endpoints.invoice.initiate(invoiceId, { subscribe: false, forceRefetch: true }));
  if (answer.data) dispatch(saleShown(answer.data));
  else remember(getState().pos.till, null);
};
