// The customer display of a till: read-only, fed only by the till room's pushes.

import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { Cart, GatewayAttempt, PaymentEvent, SaleSummary } from "../api/types";
import { acceptAttempt } from "../lib/gateway";
import type { Connection } from "./posSlice";
import { acceptPushedCart, applyPaymentEvent, mergeSummary } from "./saleLogic";

export interface DisplayState {
  till: string;
  /** idle: nothing to show yet; cart: a sale being scanned; sale: the bill is issued (paid, change, due). */
  phase: "idle" | "cart" | "sale";
  cart: Cart | null;
  sale: SaleSummary | null;
  connection: Connection;
  /** The latest gateway payment of the bill on screen: its UPI QR while it waits, then paid or declined. */
  attempt: GatewayAttempt | null;
}

export const initialDisplayState: DisplayState = {
  till: "T1", phase: "idle", cart: null, sale: null, connection: "connecting", attempt: null,
};

const displaySlice = createSlice({
  name: "display",
  initialState: initialDisplayState,
  reducers: {
    displayOpened(state, action: PayloadAction<string>) {
      if (state.till !== action.payload) return { ...initialDisplayState, till: action.payload };
      return state;
    },
    displayCart(state, action: PayloadAction<Cart>) {
      const cart = action.payload;
      if (cart.till !== state.till || !acceptPushedCart(state.cart, cart, "till")) return;
      state.cart = cart;
      if (cart.lines.length > 0) {
        state.phase = "cart";
        state.sale = null;
        state.attempt = null;
      } else if (state.phase === "cart") {
        state.phase = "idle"; // every line removed
      }
    },
    displaySale(state, action: PayloadAction<SaleSummary>) {
      if (action.payload.till !== state.till) return;
      state.sale = mergeSummary(state.sale, action.payload);
      state.phase = "sale";
      state.cart = null;
      if (state.attempt && state.attempt.invoice_id !== action.payload.id) state.attempt = null;
    },
    /** The bill told on joining the room while a gateway payment of it waits (after a reload: the QR again);
     *  a display already showing the next customer's cart keeps it. */
    displaySaleResumed(state, action: PayloadAction<SaleSummary>) {
      if (action.payload.till !== state.till || state.phase === "cart") return;
      state.sale = mergeSummary(state.sale, action.payload);
      state.phase = "sale";
      state.cart = null;
      if (state.attempt && state.attempt.invoice_id !== action.payload.id) state.attempt = null;
    },
    displayPayment(state, action: PayloadAction<PaymentEvent>) {
      if (state.sale) state.sale = applyPaymentEvent(state.sale, action.payload);
    },
    displayGatewayPayment(state, action: PayloadAction<GatewayAttempt>) {
      const attempt = action.payload;
      if (attempt.till !== state.till || !acceptAttempt(state.attempt, attempt)) return;
      state.attempt = attempt;
    },
    displayConnection(state, action: PayloadAction<Connection>) {
      state.connection = action.payload;
    },
  },
});

export const { displayOpened, displayCart, displaySale, displaySaleResumed, displayPayment, displayGatewayPayment, displayConnection } = displaySlice.actions;
export const displayReducer = displaySlice.reducer;
