// Gateway payments on the cashier screen: the methods and flows on offer now (REST, then `payments_status`
// pushes) and the latest gateway attempt of each invoice (answers and `gateway_payment` pushes).

import { createSlice, type PayloadAction } from "@reduxjs/toolkit";
import type { GatewayAttempt, GatewayStatus, PaymentOption } from "../api/types";
import { acceptAttempt, applyGatewayStatus } from "../lib/gateway";

export interface PaymentsState {
  options: PaymentOption[];
  gateways: GatewayStatus[];
  /** Latest attempt by invoice ID. */
  attempts: Record<string, GatewayAttempt>;
}

export const initialPaymentsState: PaymentsState = { options: [], gateways: [], attempts: {} };

const paymentsSlice = createSlice({
  name: "payments",
  initialState: initialPaymentsState,
  reducers: {
    methodsLoaded(state, action: PayloadAction<{ methods: PaymentOption[]; gateways: GatewayStatus[] }>) {
      state.options = action.payload.methods;
      state.gateways = action.payload.gateways;
    },
    paymentsStatusPushed(state, action: PayloadAction<GatewayStatus>) {
      const status = action.payload;
      state.options = applyGatewayStatus(state.options, status);
      state.gateways = [...state.gateways.filter((g) => g.gateway !== status.gateway), status];
    },
    attemptUpdated(state, action: PayloadAction<GatewayAttempt>) {
      const attempt = action.payload;
      const current = state.attempts[attempt.invoice_id] ?? null;
      if (acceptAttempt(current, attempt)) state.attempts[attempt.invoice_id] = attempt;
    },
  },
});

export const { methodsLoaded, paymentsStatusPushed, attemptUpdated } = paymentsSlice.actions;
export const paymentsReducer = paymentsSlice.reducer;
