import type { BaseQueryApi, FetchArgs, FetchBaseQueryError } from "@reduxjs/toolkit/query";
import { describe, expect, it } from "vitest";
import { sessionAwareQuery } from "./session";

type Answer = { data: unknown; error?: undefined } | { error: FetchBaseQueryError; data?: undefined };
const USER = { username: "cashier", role: "cashier" };
const ok = (data: unknown): Answer => ({ data });
const unauthorised: Answer = { error: { status: 401, data: { error: { code: "unauthenticated" } } } };

/** A fake server: each request waits until the test answers it, so the test decides the order of arrival. */
function fakeServer() {
  const waiting: { endpoint: string; answer: (a: Answer) => void }[] = [];
  const raw = (_args: string | FetchArgs, api: BaseQueryApi) =>
    new Promise<Answer>((resolve) => waiting.push({ endpoint: api.endpoint, answer: resolve }));
  /** Answer the oldest open request to an endpoint. */
  const reply = async (endpoint: string, answer: Answer) => {
    const at = waiting.findIndex((w) => w.endpoint === endpoint);
    if (at < 0) throw new Error(`no open ${endpoint} request`);
    const [request] = waiting.splice(at, 1);
    if (!request) throw new Error(`no open ${endpoint} request`);
    request.answer(answer);
    await new Promise((r) => setTimeout(r, 0)); // let the wrapper go on
  };
  return { raw, reply, open: () => waiting.map((w) => w.endpoint) };
}

const call = (endpoint: string) => ({ endpoint }) as BaseQueryApi;

describe("the session around a login", () => {
  it("asks 'who am I' again when its 401 was overtaken by a login, so the cashier stays logged in", async () => {
    const server = fakeServer();
    const ended: string[] = [];
    const query = sessionAwareQuery(server.raw, (api) => ended.push(api.endpoint));
    const whoAmI = query("/auth/me", call("me"), {});
    const login = query({ url: "/auth/login", method: "POST" }, call("login"), {});
    await server.reply("login", ok({ user: USER, next: "done" }));
    expect(await login).toEqual(ok({ user: USER, next: "done" }));
    await server.reply("me", unauthorised); // asked before the session cookie existed
    expect(server.open()).toEqual(["me"]); // so it is asked again, with the cookie
    await server.reply("me", ok(USER));
    expect(await whoAmI).toEqual(ok(USER));
    expect(ended).toEqual([]);
  });

  it("reports 401 for 'who am I' when no login happened meanwhile: the session really ended", async () => {
    const server = fakeServer();
    const query = sessionAwareQuery(server.raw, () => undefined);
    const whoAmI = query("/auth/me", call("me"), {});
    await server.reply("me", unauthorised);
    expect(await whoAmI).toEqual(unauthorised);
    expect(server.open()).toEqual([]);
  });

  it("a failed login does not make 'who am I' ask twice", async () => {
    const server = fakeServer();
    const query = sessionAwareQuery(server.raw, () => undefined);
    const whoAmI = query("/auth/me", call("me"), {});
    const login = query({ url: "/auth/login", method: "POST" }, call("login"), {});
    await server.reply("login", unauthorised);
    await login;
    await server.reply("me", unauthorised);
    expect(await whoAmI).toEqual(unauthorised);
  });

  it("a 401 from any other endpoint ends the session; the login steps' own 401s do not", async () => {
    const server = fakeServer();
    const ended: string[] = [];
    const query = sessionAwareQuery(server.raw, (api) => ended.push(api.endpoint));
    const cart = query("/tills/T1/cart", call("tillCart"), {});
    const code = query({ url: "/auth/totp/login", method: "POST" }, call("totpLogin"), {});
    await server.reply("tillCart", unauthorised);
    await server.reply("totpLogin", unauthorised);
    await Promise.all([cart, code]);
    expect(ended).toEqual(["tillCart"]);
  });
});
