import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Cart } from "../api/types";
import { cart as makeCart, line } from "../test/fixtures";
import { changeCart, reloadCart } from "./cartCommands";
import { tillOpened } from "./posSlice";
import { makeStore } from "./store";

/**
 * A stand-in for the daemon's cart routes, behind fetch: it keeps one cart, bumps its version on every
 * change and answers 409 stale_cart to a request carrying another version — as edge/services/carts.py does.
 */
class FakeDaemon {
  cart: Cart = makeCart({ version: 1 });
  sent: { method: string; path: string; version?: number }[] = [];

  otherScreenChanges(): void {
    this.cart = { ...this.cart, version: this.cart.version + 1 };
  }

  async handle(request: FakeRequest): Promise<Response> {
    const path = new URL(request.url, "http://kiosk").pathname;
    const body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
    this.sent.push({ method: request.method, path, ...(typeof body.version === "number" ? { version: body.version } : {}) });
    if (request.method === "GET" && path === "/api/v1/tills/T1/cart") return json(200, this.cart);
    if (typeof body.version === "number" && body.version !== this.cart.version) {
      return json(409, { error: { code: "stale_cart", field: "version", message: `the cart changed on another screen (version ${this.cart.version}, you had ${body.version}); reload it` } });
    }
    if (request.method === "POST" && path.endsWith("/scan")) {
      const lines = [...this.cart.lines, line({ id: `line-${this.cart.lines.length + 1}`, name: String(body.code) })];
      this.cart = { ...this.cart, version: this.cart.version + 1, lines };
      return json(200, this.cart);
    }
    if (request.method === "PATCH" && path.includes("/lines/")) {
      this.cart = { ...this.cart, version: this.cart.version + 1 };
      return json(200, this.cart);
    }
    return json(404, { error: { code: "not_found", field: null, message: `no route ${path}` } });
  }
}

/** Enough of the Fetch API's Request for fetchBaseQuery in Node (relative URLs included). */
class FakeRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  signal: AbortSignal | undefined;
  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = init.method ?? "GET";
    this.headers = new Headers(init.headers);
    this.body = typeof init.body === "string" ? init.body : undefined;
    this.signal = init.signal ?? undefined;
  }
  clone(): FakeRequest {
    return this;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

let daemon: FakeDaemon;

beforeEach(() => {
  daemon = new FakeDaemon();
  vi.stubGlobal("Request", FakeRequest);
  vi.stubGlobal("fetch", (request: FakeRequest) => daemon.handle(request));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function loadedStore() {
  const store = makeStore();
  store.dispatch(tillOpened("T1"));
  await store.dispatch(reloadCart());
  return store;
}

describe("the cart change queue", () => {
  it("sends scans fired together one after another, each with the version the last answer gave", async () => {
    const store = await loadedStore();
    const results = await Promise.all([
      store.dispatch(changeCart({ kind: "scan", code: "8901000001405" })),
      store.dispatch(changeCart({ kind: "scan", code: "8901000001412" })),
      store.dispatch(changeCart({ kind: "scan", code: "8901000001405" })),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(daemon.sent.filter((r) => r.method === "POST").map((r) => r.version)).toEqual([1, 2, 3]);
    expect(store.getState().pos.cart?.version).toBe(4);
    expect(store.getState().pos.cart?.lines.map((l) => l.name)).toEqual(["8901000001405", "8901000001412", "8901000001405"]);
  });

  it("a scan that meets a change from another screen reloads the cart and is sent again", async () => {
    const store = await loadedStore();
    daemon.otherScreenChanges();
    const result = await store.dispatch(changeCart({ kind: "scan", code: "8901000001405" }));
    expect(result.ok).toBe(true);
    expect(daemon.sent.map((r) => `${r.method} ${r.version ?? ""}`.trim())).toEqual(["GET", "POST 1", "GET", "POST 2"]);
    expect(store.getState().pos.cart?.lines).toHaveLength(1);
  });

  it("an edit made on a stale cart is not repeated: the cart is reloaded and the cashier told", async () => {
    const store = await loadedStore();
    daemon.otherScreenChanges();
    const result = await store.dispatch(changeCart({ kind: "changeLine", lineId: "line-1", changes: { quantity: "2" } }));
    expect(result).toMatchObject({ ok: false, error: { code: "stale_cart" } });
    if (!result.ok) expect(result.error.message).toMatch(/reloaded/);
    expect(store.getState().pos.cart?.version).toBe(2);
    expect(daemon.sent.filter((r) => r.method === "PATCH")).toHaveLength(1);
  });

  it("other errors come back with the API's message", async () => {
    const store = await loadedStore();
    const result = await store.dispatch(changeCart({ kind: "removeLine", lineId: "nope" }));
    expect(result).toEqual({ ok: false, error: { code: "not_found", field: null, message: "no route /api/v1/carts/cart-1/lines/nope" } });
  });
});
