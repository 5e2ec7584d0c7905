// Socket.IO for the back office and the attendance terminal (same origin, the session cookie
// authenticates). Every login is in the store's room (sync progress, devices without a till); a screen
// may join more rooms — a till's (its devices) or a clock's (its punches) — on every (re)connection.

import { useEffect, useRef, useState } from "react";
import { io } from "socket.io-client";
import type { ApiError } from "../api/types";
import type { Connection } from "../state/posSlice";

/** A room to join after each connection: the event and its payload, e.g. ["join_clock", {device}]. */
export type Join = [event: "join_till" | "join_clock", payload: Record<string, string>];

type Ack = { ok: true; room: string } | { error: ApiError };
type Handlers = Record<string, (payload: never) => void>;

export interface StoreSocketOptions {
  events: Handlers;
  joins?: Join[];
  /** After every (re)connection, once the rooms are joined: reload what the screen shows. */
  joined?: () => void;
  joinFailed?: (error: ApiError) => void;
}

/** Connect, join the rooms on every (re)connection, route the events; returns the disconnect. */
export function connectStore(options: StoreSocketOptions, connection: (state: Connection) => void): () => void {
  const socket = io({ path: "/socket.io", transports: ["websocket", "polling"], tryAllTransports: true,
    reconnectionDelay: 500, reconnectionDelayMax: 5000 });
  let retry: number | undefined;

  socket.on("connect", () => {
    const joins = options.joins ?? [];
    let pending = joins.length;
    const done = () => {
      connection("live");
      options.joined?.();
    };
    if (!pending) done();
    for (const [event, payload] of joins) {
      socket.emit(event, payload, (ack: Ack) => {
        if ("error" in ack) options.joinFailed?.(ack.error);
        pending -= 1;
        if (pending === 0) done();
      });
    }
  });
  socket.on("disconnect", () => connection("offline"));
  socket.on("connect_error", () => {
    connection("offline");
    if (!socket.active) {
      window.clearTimeout(retry);
      retry = window.setTimeout(() => socket.connect(), 5000);
    }
  });
  socket.io.on("reconnect_attempt", () => connection("connecting"));
  for (const [name, handler] of Object.entries(options.events)) {
    socket.on(name, handler as (payload: unknown) => void);
  }
  return () => {
    window.clearTimeout(retry);
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
  };
}

/**
 * The store socket as a hook: handlers may change every render (the latest ones are called); the
 * connection is made again only when the rooms change (`key`, e.g. the joined rooms as text).
 */
export function useStoreSocket(options: StoreSocketOptions, key: string): Connection {
  const [state, setState] = useState<Connection>("connecting");
  const latest = useRef(options);
  latest.current = options;
  useEffect(() => {
    const names = Object.keys(latest.current.events);
    const events: Handlers = {};
    for (const name of names) {
      events[name] = ((payload: never) => latest.current.events[name]?.(payload)) as (payload: never) => void;
    }
    return connectStore(
      {
        events,
        joins: latest.current.joins ?? [],
        joined: () => latest.current.joined?.(),
        joinFailed: (error) => latest.current.joinFailed?.(error),
      },
      setState,
    );
  }, [key]);
  return state;
}
