// Socket.IO to the daemon (same origin; the session cookie authenticates the connection).
// A screen joins its till's room; the server pushes every change after it commits — nothing is polled.

import { io } from "socket.io-client";
import type {
  ApiError,
  Cart,
  DeviceEvent,
  GatewayPaymentEvent,
  GatewayStatus,
  PaymentEvent,
  SaleSummary,
  ScanRejectedEvent,
  WeightEvent,
} from "../api/types";
import type { Connection } from "../state/posSlice";

export interface TillEvents {
  cart?: (payload: { till: string; cart: Cart }) => void;
  /** ``resumed``: told on joining the room (the latest bill, while a gateway payment of it waits). */
  sale?: (payload: { till: string; summary: SaleSummary; resumed?: boolean }) => void;
  payment?: (payload: PaymentEvent) => void;
  scan_rejected?: (payload: ScanRejectedEvent) => void;
  weight?: (payload: WeightEvent) => void;
  device?: (payload: DeviceEvent) => void;
  gateway_payment?: (payload: GatewayPaymentEvent) => void;
}

/** Store-wide pushes (the store's room, no till named) a till screen also follows. */
export interface StoreEvents {
  payments_status?: (payload: GatewayStatus) => void;
}

export interface TillSocketHandlers extends TillEvents, StoreEvents {
  connection: (state: Connection) => void;
  /** After every (re)connection, once the till's room is joined: reload what the screen shows. */
  joined?: () => void;
  joinFailed?: (error: ApiError) => void;
  /** The server turned the connection down (no valid login cookie): check the session. */
  refused?: () => void;
}

type Ack = { ok: true; room: string } | { error: ApiError };

const EVENTS: (keyof TillEvents)[] = ["cart", "sale", "payment", "scan_rejected", "weight", "device", "gateway_payment"];
const STORE_EVENTS: (keyof StoreEvents)[] = ["payments_status"];

/** Connect, join the till's room on every (re)connection, route its events; returns the disconnect. */
export function connectTill(till: string, handlers: TillSocketHandlers): () => void {
  const socket = io({
    path: "/socket.io",
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  socket.on("connect", () => {
    socket.emit("join_till", { till }, (ack: Ack) => {
      if ("ok" in ack && ack.ok) {
        handlers.connection("live");
        handlers.joined?.();
      } else if ("error" in ack) {
        handlers.connection("offline");
        handlers.joinFailed?.(ack.error);
      }
    });
  });
  socket.on("disconnect", () => handlers.connection("offline"));
  let retry: number | undefined;
  socket.on("connect_error", () => {
    handlers.connection("offline");
    if (!socket.active) {
      // Refused by the server, so Socket.IO will not retry by itself: let the screen check its login,
      // and try again a little later (the session may have been renewed meanwhile).
      handlers.refused?.();
      window.clearTimeout(retry);
      retry = window.setTimeout(() => socket.connect(), 5000);
    }
  });
  socket.io.on("reconnect_attempt", () => handlers.connection("connecting"));

  for (const name of EVENTS) {
    socket.on(name, (payload: { till?: string | null }) => {
      // The room is the till's, but a screen never trusts that alone.
      if (payload && payload.till === till) (handlers[name] as ((p: unknown) => void) | undefined)?.(payload);
    });
  }

  for (const name of STORE_EVENTS) {
    socket.on(name, (payload: unknown) => {
      if (payload) (handlers[name] as ((p: unknown) => void) | undefined)?.(payload);
    });
  }

  return () => {
    window.clearTimeout(retry);
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
  };
}
