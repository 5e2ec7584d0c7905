import { describe, expect, it } from "vitest";
import { attempt, cart, line, paymentOptions, summary } from "../test/fixtures";
import { displayCart, displayGatewayPayment, displayOpened, displayReducer, displaySale, initialDisplayState } from "./displaySlice";
import { attemptUpdated, initialPaymentsState, methodsLoaded, paymentsReducer, paymentsStatusPushed } from "./paymentsSlice";

describe("gateway payments on the cashier screen", () => {
  it("loads the methods, then greys out a gateway that the push says is down", () => {
    let state = paymentsReducer(initialPaymentsState, methodsLoaded({ methods: paymentOptions(), gateways: [] }));
    expect(state.options.every((o) => o.available)).toBe(true);
    state = paymentsReducer(state, paymentsStatusPushed({
      gateway: "stripe", status: "down", available: false, checked_at: null, last_error: "timed out",
    }));
    expect(state.options.filter((o) => !o.available).map((o) => o.flow)).toEqual(["card_present", "online"]);
    expect(state.gateways.map((g) => [g.gateway, g.available])).toEqual([["stripe", false]]);
  });

  it("keeps the latest attempt per invoice; a late answer never undoes the pushed outcome", () => {
    let state = paymentsReducer(initialPaymentsState, attemptUpdated(attempt({ state: "succeeded" })));
    state = paymentsReducer(state, attemptUpdated(attempt({ state: "pending" })));
    expect(state.attempts["inv-1"]?.state).toBe("succeeded");
  });
});

describe("the customer display's gateway payment", () => {
  const opened = displayReducer(initialDisplayState, displayOpened("T1"));
  const billed = displayReducer(opened, displaySale(summary({ balance_due_paise: 159500, payments: [], paid_paise: 0 })));

  it("shows the pushed attempt of its till, then its outcome", () => {
    let state = displayReducer(billed, displayGatewayPayment(attempt()));
    expect(state.attempt?.qr_payload).toMatch(/^upi:\/\/pay\?/);
    state = displayReducer(state, displayGatewayPayment(attempt({ state: "succeeded", qr_payload: "" })));
    expect(state.attempt?.state).toBe("succeeded");
    expect(displayReducer(billed, displayGatewayPayment(attempt({ till: "T2" }))).attempt).toBeNull();
  });

  it("forgets it when the next customer's first item comes", () => {
    const state = displayReducer(displayReducer(billed, displayGatewayPayment(attempt())), displayCart(cart({ id: "cart-2", lines: [line()] })));
    expect(state.phase).toBe("cart");
    expect(state.attempt).toBeNull();
  });
});
