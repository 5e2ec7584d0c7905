// The cashier screen of one till: the cart it shows, the post-sale summary, pushed weights and notices.

import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { Cart, DeviceEvent, PaymentEvent, SaleSummary, WeightEvent } from "../api/types";
import { acceptLoadedCart, acceptPushedCart, applyPaymentEvent, mergeSummary } from "./saleLogic";

export type Connection = "connecting" | "live" | "offline";

export interface Notice {
  kind: "error" | "info" | "success";
  text: string;
  /** Increases with every notice so the same text twice still shows (and restarts its timer). */
  seq: number;
}

export interface PosState {
  till: string;
  cart: Cart | null;
  view: "sale" | "summary";
  summary: SaleSummary | null;
  notice: Notice | null;
  weight: (WeightEvent & { received: number }) | null;
  connection: Connection;
  devices: Record<string, DeviceEvent>;
}

export const initialPosState: PosState = {
  till: "T1",
  cart: null,
  view: "sale",
  summary: null,
  notice: null,
  weight: null,
  connection: "connecting",
  devices: {},
};

let noticeSeq = 0;

const posSlice = createSlice({
  name: "pos",
  initialState: initialPosState,
  reducers: {
    tillOpened(state, action: PayloadAction<string>) {
      if (state.till !== action.payload) return { ...initialPosState, till: action.payload };
      return state;
    },
    /** GET /tills/{till}/cart or the answer to our own change. */
    cartLoaded(state, action: PayloadAction<Cart>) {
      if (action.payload.till !== state.till) return;
      if (acceptLoadedCart(state.cart, action.payload)) state.cart = action.payload;
    },
    /** The "cart" push of the till's room. */
    cartPushed(state, action: PayloadAction<Cart>) {
      if (action.payload.till !== state.till) return;
      if (acceptPushedCart(state.cart, action.payload, "own")) state.cart = action.payload;
    },
    /** Checkout answered (or the "sale" push of our own cart): show the post-sale summary. */
    saleShown(state, action: PayloadAction<SaleSummary>) {
      state.summary = mergeSummary(state.summary, action.payload);
      state.view = "summary";
    },
    /** A newer copy of the summary on screen (answer to a payment, "sale" push). */
    summaryUpdated(state, action: PayloadAction<SaleSummary>) {
      if (state.summary && state.summary.id === action.payload.id) state.summary = mergeSummary(state.summary, action.payload);
    },
    paymentPushed(state, action: PayloadAction<PaymentEvent>) {
      if (state.summary) state.summary = applyPaymentEvent(state.summary, action.payload);
    },
    newSale(state) {
      state.view = "sale";
      state.summary = null;
    },
    weightPushed(state, action: PayloadAction<WeightEvent & { received: number }>) {
      if (action.payload.till === state.till) state.weight = action.payload;
    },
    devicePushed(state, action: PayloadAction<DeviceEvent>) {
      if (action.payload.till === state.till) state.devices[action.payload.device] = action.payload;
    },
    connectionChanged(state, action: PayloadAction<Connection>) {
      state.connection = action.payload;
    },
    noticeShown: {
      reducer(state, action: PayloadAction<Notice>) {
        state.notice = action.payload;
      },
      prepare(kind: Notice["kind"], text: string) {
        noticeSeq += 1;
        return { payload: { kind, text, seq: noticeSeq } };
      },
    },
    noticeCleared(state, action: PayloadAction<number | undefined>) {
      if (action.payload === undefined || state.notice?.seq === action.payload) state.notice = null;
    },
  },
});

export const {
  tillOpened,
  cartLoaded,
  cartPushed,
  saleShown,
  summaryUpdated,
  paymentPushed,
  newSale,
  weightPushed,
  devicePushed,
  connectionChanged,
  noticeShown,
  noticeCleared,
} = posSlice.actions;
export const posReducer = posSlice.reducer;
