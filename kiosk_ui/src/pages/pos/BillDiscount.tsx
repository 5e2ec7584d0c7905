import { forwardRef, useEffect, useState } from "react";
import type { Cart } from "../../api/types";
import { parseBillDiscount } from "../../lib/billDiscount";
import { paiseToInput } from "../../lib/money";
import type { ChangeResult } from "../../state/cartCommands";

/**
 * The bill (invoice) discount (F10): rupees or a percentage of the subtotal; Enter sends it
 * (PATCH /carts/{id} {"discount_paise"}) and the totals come from the API's answer; Esc puts it back.
 * A discount beyond the role's limit is refused by the API, whose message shows under the field.
 */
export const BillDiscount = forwardRef<HTMLInputElement, {
  cart: Cart | null;
  onSend: (discountPaise: number) => Promise<ChangeResult>;
  onDone: () => void;
}>(function BillDiscount({ cart, onSend, onDone }, ref) {
  const [typed, setTyped] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cartId = cart?.id;
  // A new sale starts with no discount typed and no refusal on screen.
  useEffect(() => {
    setTyped(null);
    setError(null);
  }, [cartId]);
  const current = cart?.bill_discount_paise ?? 0;
  const shown = typed ?? (current ? paiseToInput(current) : "");

  async function apply() {
    if (!cart || busy) return;
    const parsed = parseBillDiscount(shown, cart.subtotal_paise);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    if (parsed.paise === current) {
      setTyped(null);
      setError(null);
      onDone();
      return;
    }
    setBusy(true);
    const result = await onSend(parsed.paise);
    setBusy(false);
    if (result.ok) {
      setTyped(null);
      setError(null);
      onDone();
    } else {
      setError(result.error.message);
    }
  }

  return (
    <div className="mt-1.5 border-t border-slate-200 pt-1.5" data-testid="bill-discount">
      <label className="flex items-center justify-between gap-2 text-sm text-slate-600">
        <span>Bill discount <span className="kbd">F10</span></span>
        <input
          ref={ref}
          className={`field field-sm w-32 text-right ${error ? "border-rose-400" : ""}`}
          aria-label="Bill discount"
          aria-invalid={error ? true : undefined}
          placeholder="₹ or %"
          inputMode="decimal"
          autoComplete="off"
          disabled={!cart || cart.lines.length === 0}
          value={shown}
          onChange={(e) => setTyped(e.target.value)}
          onFocus={(e) => e.target.select()}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void apply();
            } else if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              setTyped(null);
              setError(null);
              onDone();
            }
          }}
        />
      </label>
      {error && <p className="mt-1 text-sm text-rose-700" role="alert" data-testid="bill-discount-error">{error}</p>}
    </div>
  );
});
