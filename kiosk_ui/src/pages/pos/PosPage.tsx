import { useCallback, useEffect, useRef, useState } from "react";
import { useParams } from "react-router";
import { api, apiError, type CheckoutPayment } from "../../api/api";
import { PRICE_TIERS, type Cart, type PriceTier } from "../../api/types";
import { rememberTill } from "../../auth/roles";
import { Shell } from "../../components/Shell";
import { useHotkeys } from "../../hooks/useHotkeys";
import { useWedgeScanner } from "../../hooks/useWedgeScanner";
import { formatPaise } from "../../lib/money";
import { formatWeight } from "../../lib/quantity";
import { connectTill } from "../../realtime/tillSocket";
import {
  changeCart,
  checkout,
  reloadCart,
  restoreSummary,
  salePushed,
  startNewSale,
  type CartChange,
} from "../../state/cartCommands";
import { loadPaymentMethods, reloadInvoiceAttempts, startGatewayPayment } from "../../state/gatewayCommands";
import { useAppDispatch, useAppSelector } from "../../state/hooks";
import { attemptUpdated, paymentsStatusPushed } from "../../state/paymentsSlice";
import type { StagedPayment } from "../../lib/payments";
import {
  cartPushed,
  connectionChanged,
  devicePushed,
  noticeCleared,
  noticeShown,
  paymentPushed,
  tillOpened,
  weightPushed,
} from "../../state/posSlice";
import { BarcodeField } from "./BarcodeField";
import { BillDiscount } from "./BillDiscount";
import { CartTable } from "./CartTable";
import { CheckoutDialog } from "./CheckoutDialog";
import { CustomerPicker } from "./CustomerPicker";
import { GatewayPanel } from "./GatewayPanel";
import { TakePaymentDialog, useInvoiceAttempt } from "./TakePaymentDialog";
import { ProductSearch } from "./ProductSearch";
import { SaleSummaryView } from "./SaleSummaryView";
import { TotalsList } from "./TotalsPanel";

type Dialog = null | "checkout" | "customer" | "payment";

/** The line a change added or grew, to highlight it. */
function changedLine(before: Cart | null, after: Cart): string | null {
  const old = new Map((before?.lines ?? []).map((l) => [l.id, l.quantity_milli]));
  const line = [...after.lines].reverse().find((l) => old.get(l.id) !== l.quantity_milli);
  return line?.id ?? null;
}

const SHORTCUTS: [string, string][] = [
  ["F2", "Search products (↑ ↓ Enter)"],
  ["F3", "Back to the barcode field"],
  ["F4", "Customer"],
  ["F6", "Edit the last line (↑ ↓ lines)"],
  ["Ctrl+Del", "Remove the line being edited"],
  ["F9", "Checkout, then complete the sale"],
  ["F10", "Bill discount (₹ or %)"],
  ["F7", "Cancel a waiting card/UPI payment"],
  ["Esc", "Close, back to barcode"],
];

function WeightPanel() {
  const weight = useAppSelector((s) => s.pos.weight);
  const devices = useAppSelector((s) => s.pos.devices);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!weight) return undefined;
    const timer = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => window.clearInterval(timer);
  }, [weight]);
  const scale = Object.values(devices).find((d) => d.kind === "scale");
  const age = weight ? Math.round((Date.now() - weight.received) / 1000) : null;
  const fresh = age !== null && age <= 30;
  return (
    <section className="card flex items-center justify-between px-4 py-2" aria-label="Scale" data-testid="scale">
      <span className="text-sm text-slate-500">
        Scale{scale?.status ? ` · ${scale.status}` : ""}
      </span>
      <span className={`num font-mono text-2xl ${fresh ? "text-slate-900" : "text-slate-400"}`} data-testid="weight">
        {weight ? formatWeight(weight.grams) : "— kg"}
      </span>
    </section>
  );
}

export function PosPage() {
  const { till = "T1" } = useParams();
  const dispatch = useAppDispatch();
  const cart = useAppSelector((s) => (s.pos.till === till ? s.pos.cart : null));
  const view = useAppSelector((s) => s.pos.view);
  const summary = useAppSelector((s) => s.pos.summary);
  const notice = useAppSelector((s) => s.pos.notice);
  const connection = useAppSelector((s) => s.pos.connection);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [printing, setPrinting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const { attempt, cancel: cancelAttempt, cancelling } = useInvoiceAttempt(summary?.id ?? "");
  const barcodeRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const discountRef = useRef<HTMLInputElement>(null);

  const focusBarcode = useCallback(() => window.setTimeout(() => barcodeRef.current?.focus(), 0), []);

  // Load the till's cart, then follow its room; on every (re)connection the cart is loaded again.
  useEffect(() => {
    dispatch(tillOpened(till));
    rememberTill(till);
    void dispatch(reloadCart());
    void dispatch(restoreSummary()).then(() => dispatch(reloadInvoiceAttempts()));
    void dispatch(loadPaymentMethods());
    return connectTill(till, {
      connection: (state) => dispatch(connectionChanged(state)),
      joined: () => {
        void dispatch(reloadCart());
        void dispatch(loadPaymentMethods());
        void dispatch(reloadInvoiceAttempts()); // pushes missed while offline
      },
      joinFailed: (error) => dispatch(noticeShown("error", error.message)),
      refused: () => dispatch(api.util.invalidateTags(["Me"])),
      cart: ({ cart: pushed }) => dispatch(cartPushed(pushed)),
      sale: ({ summary: pushed }) => void dispatch(salePushed(pushed)),
      payment: (event) => dispatch(paymentPushed(event)),
      scan_rejected: (event) => dispatch(noticeShown("error", `Scan ${event.code}: ${event.error.message}`)),
      weight: (event) => dispatch(weightPushed({ ...event, received: Date.now() })),
      device: (event) => dispatch(devicePushed(event)),
      gateway_payment: (event) => dispatch(attemptUpdated(event.gateway_payment)),
      payments_status: (status) => dispatch(paymentsStatusPushed(status)),
    });
  }, [dispatch, till]);

  // Info notices fade; errors stay a little longer.
  useEffect(() => {
    if (!notice) return undefined;
    const timer = window.setTimeout(() => dispatch(noticeCleared(notice.seq)), notice.kind === "error" ? 15000 : 5000);
    return () => window.clearTimeout(timer);
  }, [dispatch, notice]);

  const send = useCallback((change: CartChange) => dispatch(changeCart(change)), [dispatch]);

  const add = useCallback(
    async (change: CartChange, what: string) => {
      if (view === "summary") dispatch(startNewSale());
      const before = cart;
      const result = await dispatch(changeCart(change));
      if (result.ok) {
        setHighlight(changedLine(before, result.cart));
        dispatch(noticeCleared());
      } else {
        dispatch(noticeShown("error", `${what}: ${result.error.message}`));
      }
    },
    [cart, dispatch, view],
  );

  const scan = useCallback((code: string) => void add({ kind: "scan", code }, `Scan ${code}`), [add]);
  useWedgeScanner(scan);

  async function complete(payments: CheckoutPayment[]): Promise<string | null> {
    const result = await dispatch(checkout(payments));
    if (!result.ok) return result.error.message;
    setDialog(null);
    return null;
  }

  /** A gateway flow chosen at checkout: issue the invoice with what was added so far, then start it. */
  async function completeThenGateway(payments: CheckoutPayment[], gateway: StagedPayment): Promise<string | null> {
    const result = await dispatch(checkout(payments));
    if (!result.ok) return result.error.message;
    setStartError(null);
    setDialog("payment");
    const started = await dispatch(startGatewayPayment(result.summary.id, gateway));
    if (!started.ok) setStartError(started.error.message);
    return null;
  }

  async function chooseCustomer(customerId: string | null): Promise<string | null> {
    const result = await dispatch(changeCart({ kind: "changeCart", terms: { customer_id: customerId } }));
    if (!result.ok) return result.error.message;
    setDialog(null);
    focusBarcode();
    return null;
  }

  async function print() {
    if (!summary || printing) return;
    setPrinting(true);
    const answer = await dispatch(api.endpoints.print.initiate({ invoiceId: summary.id }, { track: false }));
    setPrinting(false);
    if (answer.data) dispatch(noticeShown("success", `Receipt ${summary.number} sent to the printer (job ${answer.data.job_id})`));
    else dispatch(noticeShown("error", `Print: ${apiError(answer.error).message}`));
  }

  function newSale() {
    dispatch(startNewSale());
    setDialog(null);
    focusBarcode();
  }

  useHotkeys(
    {
      F2: () => view === "sale" && searchRef.current?.focus(),
      F3: () => focusBarcode(),
      F4: () => view === "sale" && cart && setDialog("customer"),
      F6: () => {
        const rows = document.querySelectorAll<HTMLElement>('[data-col="qty"]');
        rows[rows.length - 1]?.focus();
      },
      F7: () => view === "summary" && void cancelAttempt(),
      F8: () => view === "summary" && void print(),
      F9: () => {
        if (view === "sale" && cart && cart.lines.length > 0) setDialog("checkout");
        else if (view === "summary" && summary && summary.balance_due_paise > 0) setDialog("payment");
      },
      F10: () => view === "sale" && discountRef.current?.focus(),
      Escape: () => {
        dispatch(noticeCleared());
        focusBarcode();
      },
      n: () => view === "summary" && newSale(),
      N: () => view === "summary" && newSale(),
    },
    dialog === null,
  );

  function closeDialog() {
    setDialog(null);
    focusBarcode();
  }

  const noticeLook = notice?.kind === "error" ? "bg-rose-50 text-rose-800 border-rose-200" : notice?.kind === "success" ? "bg-emerald-50 text-emerald-800 border-emerald-200" : "bg-sky-50 text-sky-800 border-sky-200";

  return (
    <Shell connection={connection} till={till}>
      {view === "summary" && summary ? (
        <SaleSummaryView
          summary={summary}
          printing={printing}
          onPrint={() => void print()}
          onTakePayment={() => setDialog("payment")}
          onNewSale={newSale}
          gatewayPanel={
            attempt && dialog !== "payment" ? (
              <GatewayPanel attempt={attempt} onCancel={() => void cancelAttempt()} cancelling={cancelling} />
            ) : null
          }
        />
      ) : (
        <div className="grid h-full grid-cols-[1fr_22rem] grid-rows-[minmax(0,1fr)] gap-3 p-3">
          <section className="card flex min-h-0 flex-col p-3" aria-label="Sale">
            <div className="flex gap-2">
              <BarcodeField ref={barcodeRef} onScan={scan} />
              <ProductSearch
                ref={searchRef}
                onDone={focusBarcode}
                onPick={({ product, unit }) =>
                  void add(
                    unit.kind === "kg"
                      ? { kind: "addLine", product_id: product.id, unit: unit.name, use_scale: true }
                      : { kind: "addLine", product_id: product.id, unit: unit.name, quantity: "1" },
                    product.name,
                  )
                }
              />
            </div>
            <div className="mt-2 flex h-10 items-center gap-3 text-sm">
              <button type="button" className="btn btn-sm" onClick={() => setDialog("customer")} disabled={!cart}>
                Customer: <strong data-testid="cart-customer">{cart?.customer ? cart.customer.name : "Cash customer"}</strong>
                <span className="kbd">F4</span>
              </button>
              <label className="flex items-center gap-2">
                <span className="text-slate-500">Sale tier</span>
                <select
                  className="field field-sm"
                  value={cart?.tier ?? "counter"}
                  disabled={!cart}
                  onChange={(e) => {
                    const tier = e.target.value as PriceTier;
                    void send({ kind: "changeCart", terms: { tier } }).then((r) => !r.ok && dispatch(noticeShown("error", r.error.message)));
                  }}
                >
                  {PRICE_TIERS.map((tier) => (
                    <option key={tier} value={tier}>
                      {tier}
                    </option>
                  ))}
                </select>
              </label>
              {notice && (
                <p
                  role={notice.kind === "error" ? "alert" : "status"}
                  className={`ml-auto min-w-0 truncate rounded-lg border px-3 py-1.5 ${noticeLook}`}
                  data-testid="notice"
                  title={notice.text}
                >
                  {notice.text}
                </p>
              )}
            </div>
            <div className="mt-2 flex min-h-0 flex-1 flex-col">
              <CartTable cart={cart} send={send} highlightId={highlight} onDone={focusBarcode} />
            </div>
          </section>

          <aside className="flex min-h-0 flex-col gap-3">
            <section className="card p-4" aria-label="Totals">
              <div className="mb-1 flex justify-between text-sm text-slate-500">
                <span>{cart ? `${cart.lines.length} ${cart.lines.length === 1 ? "line" : "lines"}` : "Loading cart…"}</span>
                <span>{cart?.supply === "inter" ? "Inter-state" : "Intra-state"}</span>
              </div>
              {cart && <TotalsList totals={cart} supply={cart.supply} />}
              <BillDiscount ref={discountRef} cart={cart} onDone={focusBarcode}
                onSend={(discount_paise) => dispatch(changeCart({ kind: "changeCart", terms: { discount_paise } }))} />
            </section>
            <WeightPanel />
            <button
              type="button"
              className="btn btn-primary h-16 text-xl"
              disabled={!cart || cart.lines.length === 0}
              onClick={() => setDialog("checkout")}
            >
              Checkout {cart && cart.lines.length > 0 ? formatPaise(cart.total_paise) : ""}
              <span className="kbd bg-emerald-700 text-white">F9</span>
            </button>
            <section className="card mt-auto min-h-0 overflow-auto p-3 text-sm" aria-label="Keyboard shortcuts">
              <ul className="space-y-1">
                {SHORTCUTS.map(([key, what]) => (
                  <li key={key} className="flex items-center gap-2 text-slate-600">
                    <span className="kbd w-16 shrink-0">{key}</span> {what}
                  </li>
                ))}
              </ul>
            </section>
          </aside>
        </div>
      )}

      {dialog === "checkout" && cart && (
        <CheckoutDialog cart={cart} onClose={closeDialog} onComplete={complete} onGateway={completeThenGateway} />
      )}
      {dialog === "customer" && cart && <CustomerPicker cart={cart} onClose={closeDialog} onChoose={chooseCustomer} />}
      {dialog === "payment" && summary && (
        <TakePaymentDialog
          summary={summary}
          startError={startError}
          onClose={() => {
            setDialog(null);
            setStartError(null);
          }}
        />
      )}
    </Shell>
  );
}
