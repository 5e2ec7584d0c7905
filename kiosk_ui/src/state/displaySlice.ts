// The customer display of a till: read-only, fed only by the till room's pushes.

import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { Cart, PaymentEvent, SaleSummary } from "../api/types";
import type { Connection } from "./posSlice";
import { acceptPushedCart, applyPaymentEvent, mergeSummary } from "./saleLogic";

export interface DisplayState {
  till: string;
  /** idle: nothing to show yet; cart: a sale being scanned; sale: the bill is issued (paid, change, due). */
  phase: "idle" | "cart" | "sale";
  cart: Cart | null;
  sale: SaleSummary | null;
  connection: Connection;
}

export const initialDisplayState: DisplayState = { till: "T1", phase: "idle", cart: null, sale: null, connection: "connecting" };

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
      } else if (state.phase === "cart") {
        state.phase = "idle"; // every line removed
      }
    },
    displaySale(state, action: PayloadAction<SaleSummary>) {
      if (action.payload.till !== state.till) return;
      state.sale = mergeSummary(state.sale, action.payload);
      state.phase = "sale";
      state.cart = null;
    },
    displayPayment(state, action: PayloadAction<PaymentEvent>) {
      if (state.sale) state.sale = applyPaymentEvent(state.sale, action.payload);
    },
    displayConnection(state, action: PayloadAction<Connection>) {
      state.connection = action.payload;
    },
  },
});

export const { displayOpened, displayCart, displaySale, displayPayment, displayConnection } = displaySlice.actions;
export const displayReducer = displaySlice.reducer;
