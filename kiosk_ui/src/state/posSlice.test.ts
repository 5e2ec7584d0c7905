import { describe, expect, it } from "vitest";
import { cart, cashPayment, line, summary } from "../test/fixtures";
import {
  displayCart,
  displayOpened,
  displayPayment,
  displayReducer,
  displaySale,
  displaySaleResumed,
  initialDisplayState,
} from "./displaySlice";
import {
  cartLoaded,
  cartPushed,
  initialPosState,
  newSale,
  noticeCleared,
  noticeShown,
  paymentPushed,
  posReducer,
  saleShown,
  tillOpened,
  weightPushed,
  type PosState,
} from "./posSlice";

function pos(...actions: Parameters<typeof posReducer>[1][]): PosState {
  return actions.reduce(posReducer, initialPosState);
}

describe("cashier screen reducers", () => {
  it("loads the till's cart, then follows newer pushes of it", () => {
    const state = pos(cartLoaded(cart({ version: 1 })), cartPushed(cart({ version: 2, lines: [line()] })));
    expect(state.cart?.version).toBe(2);
    expect(state.cart?.lines).toHaveLength(1);
  });

  it("ignores a late push of an older version and pushes of other carts or tills", () => {
    const state = pos(
      cartLoaded(cart({ version: 3, lines: [line()] })),
      cartPushed(cart({ version: 2 })),
      cartPushed(cart({ id: "another-cashier", version: 7 })),
      cartPushed(cart({ till: "T2", version: 9 })),
    );
    expect(state.cart?.version).toBe(3);
    expect(state.cart?.id).toBe("cart-1");
  });

  it("an answer older than a push already applied does not go back in time", () => {
    const state = pos(cartLoaded(cart({ version: 1 })), cartPushed(cart({ version: 3 })), cartLoaded(cart({ version: 2 })));
    expect(state.cart?.version).toBe(3);
  });

  it("takes the next cart after checkout", () => {
    const state = pos(cartLoaded(cart({ version: 4, lines: [line()] })), cartLoaded(cart({ id: "cart-2", version: 1 })));
    expect(state.cart?.id).toBe("cart-2");
  });

  it("shows the summary, applies pushed payments, and goes back to selling", () => {
    let state = pos(saleShown(summary()));
    expect(state.view).toBe("summary");
    state = posReducer(state, paymentPushed(cashPayment()));
    expect(state.summary?.balance_due_paise).toBe(0);
    expect(state.summary?.payments).toHaveLength(2);
    state = posReducer(state, newSale());
    expect([state.view, state.summary]).toEqual(["sale", null]);
  });

  it("opening another till starts clean", () => {
    const state = pos(cartLoaded(cart()), tillOpened("T2"));
    expect([state.till, state.cart]).toEqual(["T2", null]);
  });

  it("keeps the last weight of its own till", () => {
    const state = pos(weightPushed({ till: "T1", grams: 1500, received: 1 }), weightPushed({ till: "T2", grams: 900, received: 2 }));
    expect(state.weight?.grams).toBe(1500);
  });

  it("clears a notice only if it is still the one shown", () => {
    const first = pos(noticeShown("error", "no product has barcode 123"));
    const seq = first.notice!.seq;
    const second = posReducer(first, noticeShown("error", "no product has barcode 123"));
    expect(posReducer(second, noticeCleared(seq)).notice).not.toBeNull();
    expect(posReducer(second, noticeCleared(second.notice!.seq)).notice).toBeNull();
  });
});

describe("customer display reducers", () => {
  const start = displayReducer(initialDisplayState, displayOpened("T1"));

  it("shows the lines while scanning, then the sale and its payments", () => {
    let state = displayReducer(start, displayCart(cart({ version: 2, lines: [line()], total_paise: 14500 })));
    expect(state.phase).toBe("cart");
    state = displayReducer(state, displaySale(summary()));
    expect(state.phase).toBe("sale");
    state = displayReducer(state, displayPayment(cashPayment()));
    expect(state.sale?.payments.map((p) => p.method)).toEqual(["upi", "cash"]);
    expect(state.sale?.change_due_paise).toBe(500);
  });

  it("keeps the paid bill up until the next customer's first item", () => {
    let state = displayReducer(start, displaySale(summary()));
    state = displayReducer(state, displayCart(cart({ id: "cart-2", version: 1 })));
    expect(state.phase).toBe("sale");
    state = displayReducer(state, displayCart(cart({ id: "cart-2", version: 2, lines: [line()] })));
    expect([state.phase, state.sale]).toEqual(["cart", null]);
  });

  it("after a reload, the bill told on joining (a gateway payment of it waits) is shown, but not over a cart", () => {
    expect(displayReducer(start, displaySaleResumed(summary())).phase).toBe("sale");
    const scanning = displayReducer(start, displayCart(cart({ id: "cart-2", version: 2, lines: [line()] })));
    expect(displayReducer(scanning, displaySaleResumed(summary())).phase).toBe("cart");
    expect(displayReducer(start, displaySaleResumed(summary({ till: "T2" }))).phase).toBe("idle");
  });

  it("ignores other tills", () => {
    expect(displayReducer(start, displayCart(cart({ till: "T2", lines: [line()] }))).phase).toBe("idle");
    expect(displayReducer(start, displaySale(summary({ till: "T2" }))).phase).toBe("idle");
  });
});
