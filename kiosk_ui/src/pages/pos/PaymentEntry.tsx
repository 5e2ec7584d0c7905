import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import type { PaymentMethod } from "../../api/types";
import { defaultFlow, flowChoices, isGatewayFlow, nextFlow, type EntryFlow, type FlowChoice } from "../../lib/gateway";
import { formatPaise, paiseToInput, parseRupees } from "../../lib/money";
import { METHODS, stagePayment, type StagedPayment } from "../../lib/payments";
import { useAppSelector } from "../../state/hooks";

/** Flows that cannot be used now, grouped by the reason (one gateway down greys out several). */
function unavailableByReason(choices: readonly FlowChoice[]): [string, string[]][] {
  const byReason = new Map<string, string[]>();
  for (const c of choices) if (!c.available) byReason.set(c.reason, [...(byReason.get(c.reason) ?? []), c.label]);
  return [...byReason.entries()];
}

/**
 * Method, flow, amount and reference of one payment. In the amount field the letters C, D, U, W, B, A pick
 * Cash, carD, UPI, Wallet, Bank transfer, on Account; the same letter again moves to the method's next
 * flow (card reader → online card → typed reference; UPI QR → UPI collect → typed reference). Flows whose
 * gateway cannot be reached are greyed out with the reason. Enter adds the payment (a gateway flow starts
 * it). For cash the amount is what the customer hands over: anything above what is due is change.
 */
export function PaymentEntry({
  due,
  onAdd,
  busy = false,
  autoFocus = true,
  initialMethod = "cash",
}: {
  due: number;
  /** true when the payment was taken, else the reason it was not. */
  onAdd: (payment: StagedPayment) => Promise<true | string> | true | string;
  busy?: boolean;
  autoFocus?: boolean;
  /** The method chosen when the entry opens (cash unless said). */
  initialMethod?: PaymentMethod;
}) {
  const [method, setMethod] = useState<PaymentMethod>(initialMethod);
  const [amount, setAmount] = useState(due > 0 ? paiseToInput(due) : "");
  const [reference, setReference] = useState("");
  const options = useAppSelector((s) => s.payments.options);
  const [flow, setFlow] = useState<EntryFlow | null>(() => defaultFlow(initialMethod, options));
  const [vpa, setVpa] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [selectTick, setSelectTick] = useState(0);
  const amountRef = useRef<HTMLInputElement>(null);
  const prefilled = useRef(amount); // what we put in the field (not typed by the cashier)
  const refill = useRef(false); // a payment was just added: prefill what is still due
  const info = METHODS.find((m) => m.method === method) ?? METHODS[0]!;
  const choices = flowChoices(method, options);
  const gateway = isGatewayFlow(flow);

  // A gateway that stops answering takes its flows away: fall back to the method's next usable flow.
  useEffect(() => {
    if (flow !== null && !choices.some((c) => c.flow === flow && c.available)) setFlow(defaultFlow(method, options));
  }, [options]); // only when the offer changes: the cashier's own choice is not undone

  // Layout effects run before the browser handles the next key, so fast typing after Enter is never
  // overwritten by the new prefill, nor typed into a selection made a moment later.
  useLayoutEffect(() => {
    if (!refill.current && amount !== prefilled.current) return; // the cashier is typing: leave it
    refill.current = false;
    const next = due > 0 ? paiseToInput(due) : "";
    prefilled.current = next;
    setAmount(next);
    if (due > 0) setSelectTick((n) => n + 1); // nothing due: the dialog moves the focus on
  }, [due]);

  useLayoutEffect(() => {
    if (selectTick === 0) return;
    amountRef.current?.focus();
    amountRef.current?.select();
  }, [selectTick]);

  function pick(next: PaymentMethod) {
    setFlow(next === method ? nextFlow(next, flow, options) : defaultFlow(next, options));
    setMethod(next);
    setError(null);
    if (document.activeElement !== amountRef.current) setSelectTick((n) => n + 1); // a method button was used
  }

  async function add() {
    const result = stagePayment(due, [], method, parseRupees(amount), info.reference && !gateway ? reference : "", {
      flow, vpa, payment_method: token,
    });
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setError(null);
    refill.current = true;
    const accepted = await onAdd(result.payment);
    if (accepted !== true) {
      refill.current = false;
      setError(accepted);
    } else {
      setMethod("cash");
      setFlow(null);
      setReference("");
      setVpa("");
      setToken("");
    }
  }

  function enterAdds(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Enter") {
      e.preventDefault();
      void add();
    }
  }

  const entered = parseRupees(amount);
  const change = method === "cash" && entered !== null && entered > due ? entered - due : 0;

  return (
    <div className="space-y-3" data-testid="payment-entry">
      <div className="flex flex-wrap gap-2" role="radiogroup" aria-label="Payment method">
        {METHODS.map((m) => (
          <button
            key={m.method}
            type="button"
            role="radio"
            aria-checked={m.method === method}
            className={`btn btn-sm ${m.method === method ? "border-sky-600 bg-sky-600 text-white" : ""}`}
            onClick={() => pick(m.method)}
            tabIndex={-1}
          >
            {m.label} <span className={`kbd ${m.method === method ? "bg-sky-700 text-white" : ""}`}>{m.key.toUpperCase()}</span>
          </button>
        ))}
      </div>
      {choices.length > 1 && (
        <div className="flex flex-wrap items-center gap-2" role="radiogroup" aria-label="How">
          <span className="text-sm text-slate-500">How <span className="kbd">{info.key.toUpperCase()}</span> again:</span>
          {choices.map((c) => (
            <button
              key={c.flow}
              type="button"
              role="radio"
              aria-checked={c.flow === flow}
              aria-disabled={!c.available}
              disabled={!c.available}
              title={c.reason || undefined}
              data-testid={`flow-${c.flow}`}
              className={`btn btn-sm ${c.flow === flow ? "border-sky-600 bg-sky-100 text-sky-900" : ""} ${c.available ? "" : "cursor-not-allowed opacity-50"}`}
              onClick={() => {
                setFlow(c.flow);
                setError(null);
                setSelectTick((n) => n + 1);
              }}
              tabIndex={-1}
            >
              {c.label}
            </button>
          ))}
        </div>
      )}
      {unavailableByReason(choices).map(([reason, labels]) => (
        <p key={reason} className="text-sm text-slate-500" data-testid="flow-unavailable">
          {labels.join(", ")} unavailable: {reason}
        </p>
      ))}
      <div className="flex items-end gap-3">
        <label className="flex flex-col">
          <span className="mb-1 text-sm font-medium text-slate-700">{method === "cash" ? "Cash received ₹" : `${info.label} amount ₹`}</span>
          <input
            ref={amountRef}
            data-autofocus={autoFocus ? true : undefined}
            className="field num w-44 text-xl"
            inputMode="decimal"
            autoComplete="off"
            aria-label="Amount"
            value={amount}
            onFocus={(e) => e.currentTarget.select()}
            onChange={(e) => setAmount(e.target.value)}
            onKeyDown={(e) => {
              const chosen = METHODS.find((m) => m.key === e.key.toLowerCase());
              if (chosen && !e.ctrlKey && !e.altKey && !e.metaKey) {
                e.preventDefault();
                pick(chosen.method);
              } else if (e.key === "Enter" && amount.trim() !== "") {
                e.preventDefault();
                void add();
              }
            }}
          />
        </label>
        {info.reference && !gateway && (
          <label className="flex flex-1 flex-col">
            <span className="mb-1 text-sm font-medium text-slate-700">Reference (transaction ID)</span>
            <input
              className="field w-full font-mono"
              data-keeps-scans
              autoComplete="off"
              spellCheck={false}
              aria-label="Reference"
              maxLength={120}
              value={reference}
              onChange={(e) => setReference(e.target.value)}
              onKeyDown={enterAdds}
            />
          </label>
        )}
        {flow === "upi_collect" && (
          <label className="flex flex-1 flex-col">
            <span className="mb-1 text-sm font-medium text-slate-700">Customer's UPI ID</span>
            <input
              className="field w-full font-mono"
              data-keeps-scans
              autoComplete="off"
              spellCheck={false}
              aria-label="UPI ID"
              maxLength={120}
              placeholder="name@okbank"
              value={vpa}
              onChange={(e) => setVpa(e.target.value)}
              onKeyDown={enterAdds}
            />
          </label>
        )}
        {flow === "online" && (
          <label className="flex flex-1 flex-col">
            <span className="mb-1 text-sm font-medium text-slate-700">Payment token (pm_…)</span>
            <input
              className="field w-full font-mono"
              data-keeps-scans
              autoComplete="off"
              spellCheck={false}
              aria-label="Payment token"
              maxLength={120}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              onKeyDown={enterAdds}
            />
          </label>
        )}
        {gateway && flow !== "upi_collect" && flow !== "online" && (
          <p className="flex-1 pb-2 text-sm text-slate-600" data-testid="flow-hint">
            {flow === "upi_qr"
              ? "The customer display shows the QR code"
              : flow === "card_present"
                ? "The reader asks for the card"
                : "The customer pays with Razorpay"}
            {" "}once the invoice is issued.
          </p>
        )}
        <button type="button" className="btn" disabled={busy || due <= 0} onClick={() => void add()}>
          {gateway ? `Start ${choices.find((c) => c.flow === flow)?.label ?? info.label}` : `Add ${info.label}`} <span className="kbd">⏎</span>
        </button>
      </div>
      {change > 0 && <p className="text-emerald-700">Change to give: {formatPaise(change)}</p>}
      {error && (
        <p role="alert" className="rounded-lg bg-rose-50 px-3 py-2 text-rose-800">
          {error}
        </p>
      )}
    </div>
  );
}
