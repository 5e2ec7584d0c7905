// How the REST client treats "who am I" and 401 answers around a login.

import type { BaseQueryApi, BaseQueryFn, FetchArgs, FetchBaseQueryError } from "@reduxjs/toolkit/query";

/** Endpoints that are part of logging in: their own 401 is an answer, not a sign the session ended. */
export const LOGIN_STEPS = new Set(["login", "me", "totpLogin", "totpEnrol", "totpConfirm", "stepUp"]);
/** Endpoints whose success starts a session (the password alone, or with the TOTP step). */
const SESSION_STARTS = new Set(["login", "totpLogin", "totpConfirm"]);

type Query = BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError>;

/**
 * Wrap the raw fetch: any 401 outside the login steps calls `sessionEnded` (the kiosk asks who we are again,
 * which sends it to login), and a "who am I" asked before a login finished is asked again when its answer is
 * 401, because that answer describes the browser before the session cookie existed. Without this, a slow
 * 401 arriving after the login overwrote the logged-in user and sent the cashier back to an empty login form.
 */
export function sessionAwareQuery(raw: Query, sessionEnded: (api: BaseQueryApi) => void): Query {
  let sessionsStarted = 0;
  return async (args, api, extra) => {
    const askedDuring = sessionsStarted;
    let result = await raw(args, api, extra);
    if (api.endpoint === "me" && result.error?.status === 401 && askedDuring !== sessionsStarted) {
      result = await raw(args, api, extra);
    }
    if (SESSION_STARTS.has(api.endpoint) && !result.error) sessionsStarted += 1;
    if (result.error?.status === 401 && !LOGIN_STEPS.has(api.endpoint)) sessionEnded(api);
    return result;
  };
}
