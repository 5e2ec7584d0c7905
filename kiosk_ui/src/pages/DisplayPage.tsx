import { lazy, Suspense, useEffect, useRef } from "react";
import { useParams } from "react-router";
import { api } from "../api/api";
import { ConnectionBadge } from "../components/Shell";
import { formatPaise } from "../lib/money";
import { describePayment } from "../lib/payments";
import { formatQuantity } from "../lib/quantity";
import { connectTill } from "../realtime/tillSocket";
import { customerWording } from "../lib/gateway";
import type { GatewayAttempt } from "../api/types";
import {
  displayCart,
  displayConnection,
  displayGatewayPayment,
  displayOpened,
  displayPayment,
  displaySale,
  displaySaleResumed,
} from "../state/displaySlice";
import { useAppDispatch, useAppSelector } from "../state/hooks";

const UpiQr = lazy(() => import("../components/UpiQr"));

const TONE = { wait: "bg-sky-900/60 text-white", ok: "bg-emerald-600 text-white", bad: "bg-rose-700 text-white" };

/** The bill's gateway payment for the customer: the UPI QR while it waits, then paid or declined. */
function GatewayStatusView({ attempt }: { attempt: GatewayAttempt }) {
  const words = customerWording(attempt);
  const showQr = attempt.state === "pending" && attempt.qr_payload !== "";
  return (
    <div
      className={`flex items-center gap-8 rounded-2xl px-10 py-6 ${TONE[words.tone]}`}
      data-testid="display-gateway"
      data-state={attempt.state}
      role="status"
    >
      {showQr && (
        <Suspense fallback={<div className="h-[332px] w-[332px] rounded-2xl bg-white" />}>
          <UpiQr payload={attempt.qr_payload} size={300} />
        </Suspense>
      )}
      <div className="text-left">
        <p className="text-6xl font-bold" data-testid="display-gateway-title">{words.title}</p>
        {words.detail && (
          <p className="mt-3 text-3xl" data-testid="display-gateway-detail">{words.detail}</p>
        )}
      </div>
    </div>
  );
}

/**
 * The customer display of a till: large and read-only. It only listens to the till's room — the lines
 * and total while the cashier scans, then what was paid, by which method and reference, and the change.
 * It never asks the API for a cart (that would open one for the display's login).
 */
export function DisplayPage() {
  const { till = "T1" } = useParams();
  const dispatch = useAppDispatch();
  const state = useAppSelector((s) => s.display);
  const listEnd = useRef<HTMLLIElement>(null);

  useEffect(() => {
    dispatch(displayOpened(till));
    return connectTill(till, {
      connection: (c) => dispatch(displayConnection(c)),
      refused: () => dispatch(api.util.invalidateTags(["Me"])),
      cart: ({ cart }) => dispatch(displayCart(cart)),
      sale: ({ summary, resumed }) => dispatch(resumed ? displaySaleResumed(summary) : displaySale(summary)),
      payment: (event) => dispatch(displayPayment(event)),
      gateway_payment: (event) => dispatch(displayGatewayPayment(event.gateway_payment)),
    });
  }, [dispatch, till]);

  useEffect(() => {
    // braces: newer Chromium returns a Promise from scrollIntoView, which React would take for a cleanup
    listEnd.current?.scrollIntoView({ block: "end" });
  }, [state.cart]);

  const { phase, cart, sale } = state;
  const attempt = sale && state.attempt?.invoice_id === sale.id ? state.attempt : null;
  const change = sale?.change_due_paise ?? 0;

  return (
    <div className="flex h-full flex-col bg-slate-900 text-white" data-testid="customer-display" data-phase={phase}>
      <header className="flex h-14 shrink-0 items-center justify-between px-8 text-slate-300">
        <span className="text-xl">Till {till}</span>
        <ConnectionBadge state={state.connection} />
      </header>

      {phase === "idle" && (
        <div className="flex flex-1 flex-col items-center justify-center">
          <p className="text-6xl font-light">Welcome</p>
          <p className="mt-4 text-3xl text-slate-400">स्वागत है</p>
        </div>
      )}

      {phase === "cart" && cart && (
        <>
          <ul className="min-h-0 flex-1 overflow-auto px-8 text-3xl" aria-label="Items">
            {cart.lines.map((line) => (
              <li key={line.id} className="flex items-baseline gap-6 border-b border-slate-700 py-3" data-testid="display-line">
                <span className="min-w-0 flex-1 truncate">{line.name}</span>
                <span className="num text-2xl text-slate-400">{formatQuantity(line.quantity_milli, line.unit_kind, line.unit)}</span>
                <span className="num w-56">{formatPaise(line.total_paise)}</span>
              </li>
            ))}
            <li ref={listEnd} aria-hidden="true" />
          </ul>
          <footer className="flex items-baseline justify-between bg-slate-800 px-8 py-6">
            <span className="text-3xl text-slate-300">
              {cart.lines.length} {cart.lines.length === 1 ? "item" : "items"}
              {cart.customer ? ` · ${cart.customer.name}` : ""}
            </span>
            <span className="num text-7xl font-bold" data-testid="display-total">
              {formatPaise(cart.total_paise)}
            </span>
          </footer>
        </>
      )}

      {phase === "sale" && sale && (
        <div className="flex flex-1 flex-col items-center justify-center gap-6 px-8 text-center">
          <p className="text-4xl text-slate-300">Invoice {sale.number}</p>
          <p className="text-7xl font-bold" data-testid="display-total">
            Total {formatPaise(sale.total_paise)}
          </p>
          <ul className="space-y-2 text-4xl" data-testid="display-payments">
            {sale.payments.map((p) => (
              <li key={p.id}>{describePayment(p)}</li>
            ))}
          </ul>
          {attempt && <GatewayStatusView attempt={attempt} />}
          {change > 0 && (
            <p className="rounded-2xl bg-emerald-600 px-10 py-4 text-6xl font-bold" data-testid="display-change">
              Change due {formatPaise(change)}
            </p>
          )}
          {sale.balance_due_paise > 0 ? (
            <p className="text-5xl text-amber-300" data-testid="display-due">
              Balance due {formatPaise(sale.balance_due_paise)}
            </p>
          ) : (
            <p className="text-5xl text-emerald-300">Thank you!</p>
          )}
        </div>
      )}
    </div>
  );
}
