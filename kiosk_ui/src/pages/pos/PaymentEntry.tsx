import { useLayoutEffect, useRef, useState } from "react";
import type { PaymentMethod } from "../../api/types";
import { formatPaise, paiseToInput, parseRupees } from "../../lib/money";
import { METHODS, stagePayment, type StagedPayment } from "../../lib/payments";

/**
 * Method, amount and reference of one payment. In the amount field the letters C, D, U, W, B, A pick
 * Cash, carD, UPI, Wallet, Bank transfer, on Account; Enter adds the payment. For cash the amount is
 * what the customer hands over: anything above what is due is change.
 */
export function PaymentEntry({
  due,
  onAdd,
  busy = false,
  autoFocus = true,
}: {
  due: number;
  /** true when the payment was taken, else the reason it was not. */
  onAdd: (payment: StagedPayment) => Promise<true | string> | true | string;
  busy?: boolean;
  autoFocus?: boolean;
}) {
  const [method, setMethod] = useState<PaymentMethod>("cash");
  const [amount, setAmount] = useState(due > 0 ? paiseToInput(due) : "");
  const [reference, setReference] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [selectTick, setSelectTick] = useState(0);
  const amountRef = useRef<HTMLInputElement>(null);
  const prefilled = useRef(amount); // what we put in the field (not typed by the cashier)
  const refill = useRef(false); // a payment was just added: prefill what is still due
  const info = METHODS.find((m) => m.method === method) ?? METHODS[0]!;

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
    setMethod(next);
    setError(null);
    if (document.activeElement !== amountRef.current) setSelectTick((n) => n + 1); // a method button was used
  }

  async function add() {
    const result = stagePayment(due, [], method, parseRupees(amount), info.reference ? reference : "");
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
      setReference("");
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
        {info.reference && (
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
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  void add();
                }
              }}
            />
          </label>
        )}
        <button type="button" className="btn" disabled={busy || due <= 0} onClick={() => void add()}>
          Add {info.label} <span className="kbd">⏎</span>
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
