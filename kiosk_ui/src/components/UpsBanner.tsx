// The UPS banner: during a power cut the daemon pushes `ups` to every screen (and again to a screen that
// connects while it lasts); the banner stays until the power is back.

import { useEffect, useState } from "react";
import { connectStore } from "../realtime/storeSocket";

/** What the daemon pushes (edge.ups.UpsState.event). */
export interface UpsEvent {
  on_battery: boolean;
  low_battery: boolean;
  charge: number | null;
  runtime_s: number | null;
  message: string;
}

/** The banner's text for an event, or null when the power is back. */
export function upsBannerText(event: UpsEvent | null): string | null {
  if (!event || !(event.on_battery || event.low_battery) || !event.message) return null;
  const charge = event.charge == null ? "" : ` Battery ${Math.round(event.charge)}%.`;
  return `${event.message}${charge}`;
}

/** A red (low battery) or amber (on battery) strip under the header while the store runs on its UPS. */
export function UpsBanner() {
  const [event, setEvent] = useState<UpsEvent | null>(null);
  useEffect(() => connectStore({ events: { ups: (payload: UpsEvent) => setEvent(payload) } }, () => undefined), []);
  const text = upsBannerText(event);
  if (!text) return null;
  const look = event?.low_battery ? "bg-rose-600 text-white" : "bg-amber-300 text-slate-900";
  return (
    <div role="alert" data-testid="ups-banner" className={`px-4 py-2 text-sm font-medium print:hidden ${look}`}>
      {text}
    </div>
  );
}
