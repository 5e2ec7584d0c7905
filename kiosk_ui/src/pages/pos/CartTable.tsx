import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useProductQuery } from "../../api/api";
import type { Cart, CartLine } from "../../api/types";
import { PRICE_TIERS } from "../../api/types";
import { formatPaise, formatRate, paiseToInput, parseRupees } from "../../lib/money";
import { milliToDecimal, parseQuantity } from "../../lib/quantity";
import type { CartChange, ChangeResult } from "../../state/cartCommands";
import { sameLine } from "../../state/saleLogic";

type Send = (change: CartChange) => Promise<ChangeResult>;

/** Move the focus to the same column of the line above or below (↑/↓ in a cart field). */
function moveFocus(event: KeyboardEvent<HTMLElement>, column: string, row: number) {
  if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
  const next = document.querySelector<HTMLElement>(`[data-col="${column}"][data-row="${row + (event.key === "ArrowUp" ? -1 : 1)}"]`);
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

/**
 * A text cell edited in place: Enter (or leaving the field) sends the change, Esc puts the value back.
 * After Enter or Esc the focus goes back to the barcode field.
 */
function EditCell({
  value,
  label,
  column,
  row,
  width,
  commit,
  onDone,
}: {
  value: string;
  label: string;
  column: string;
  row: number;
  width: string;
  commit: (text: string) => Promise<boolean>;
  onDone: () => void;
}) {
  const [draft, setDraft] = useState(value);
  const editing = useRef(false);
  const sent = useRef<string | null>(null);

  useEffect(() => {
    if (!editing.current) setDraft(value);
    sent.current = null;
  }, [value]);

  async function send(text: string) {
    if (text.trim() === value || text === sent.current) return;
    sent.current = text;
    const ok = await commit(text.trim());
    if (!ok) {
      setDraft(value);
      sent.current = null;
    }
  }

  return (
    <input
      className={`field field-sm num ${width}`}
      aria-label={label}
      data-col={column}
      data-row={row}
      inputMode="decimal"
      autoComplete="off"
      value={draft}
      onFocus={(e) => {
        editing.current = true;
        e.currentTarget.select();
      }}
      onBlur={() => {
        editing.current = false;
        void send(draft);
      }}
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          void send(draft);
          onDone();
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          setDraft(value);
          sent.current = value;
          onDone();
        } else {
          moveFocus(e, column, row);
        }
      }}
    />
  );
}

/** The line's unit, chosen among the product's sellable units (fetched once the line is touched). */
function UnitSelect({ line, row, wanted, send }: { line: CartLine; row: number; wanted: boolean; send: (unit: string) => void }) {
  const { data: product } = useProductQuery(line.product_id, { skip: !wanted });
  const names = product ? product.units.filter((u) => u.sellable).map((u) => u.name) : [];
  if (!names.includes(line.unit)) names.unshift(line.unit);
  return (
    <select
      className="field field-sm w-full"
      aria-label={`Unit of ${line.name}`}
      data-col="unit"
      data-row={row}
      value={line.unit}
      onChange={(e) => send(e.target.value)}
    >
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

type RowProps = {
  line: CartLine;
  row: number;
  highlighted: boolean;
  error: string | undefined;
  change: (line: CartLine, change: CartChange) => Promise<boolean>;
  fail: (line: CartLine, message: string) => Promise<boolean>;
  onDone: () => void;
};

/**
 * A cart push carries every line as a new object: a row renders again only when its own line's values or
 * its other props changed, so one change in a 200-line cart renders one row (docs/benchmarks.md).
 */
const Row = memo(RowView, (before: RowProps, after: RowProps) =>
  sameLine(before.line, after.line) && before.row === after.row && before.highlighted === after.highlighted
  && before.error === after.error && before.change === after.change && before.fail === after.fail
  && before.onDone === after.onDone);

function RowView({
  line,
  row,
  highlighted,
  error,
  change,
  fail,
  onDone,
}: RowProps) {
  const [touched, setTouched] = useState(false);
  const kg = line.unit_kind === "kg";
  const patch = (changes: Extract<CartChange, { kind: "changeLine" }>["changes"]) =>
    change(line, { kind: "changeLine", lineId: line.id, changes });
  const rowRef = useRef<HTMLTableRowElement>(null);

  useEffect(() => {
    if (highlighted) rowRef.current?.scrollIntoView({ block: "nearest" });
  }, [highlighted, line.quantity_milli]);

  return (
    <>
      <tr
        ref={rowRef}
        data-testid="cart-line"
        data-line-id={line.id}
        className={`border-b border-slate-100 ${highlighted ? "bg-emerald-50" : ""}`}
        onFocusCapture={() => setTouched(true)}
        onPointerDownCapture={() => setTouched(true)}
        onKeyDown={(e) => {
          if (e.key === "Delete" && e.ctrlKey) {
            e.preventDefault();
            void change(line, { kind: "removeLine", lineId: line.id }).then(onDone);
          }
        }}
      >
        <td className="px-2 py-1.5 text-center text-sm text-slate-500">{row + 1}</td>
        <td className="max-w-0 px-2 py-1.5">
          <div className="line-clamp-2 font-medium leading-tight" title={line.name} data-testid="line-name">{line.name}</div>
          <div className="truncate text-xs text-slate-500">
            {line.sku} · HSN {line.hsn_code} · GST {formatRate(line.gst_rate_bp)}
          </div>
        </td>
        <td className="px-1 py-1.5">
          <div className="flex items-center gap-1">
            <EditCell
              value={milliToDecimal(line.quantity_milli, kg)}
              label={`Quantity of ${line.name}`}
              column="qty"
              row={row}
              width="w-[3.75rem]"
              onDone={onDone}
              commit={(text) => {
                if (parseQuantity(text) === null) return fail(line, "Type a quantity such as 2 or 1.250");
                return patch({ quantity: text });
              }}
            />
            {kg && (
              <button
                type="button"
                className="btn btn-sm px-1.5"
                title="Take the weight from the scale"
                aria-label={`Weigh ${line.name} again`}
                onClick={() => void patch({ use_scale: true })}
              >
                ⚖
              </button>
            )}
          </div>
        </td>
        <td className="px-1 py-1.5">
          <UnitSelect line={line} row={row} wanted={touched} send={(unit) => void patch({ unit })} />
        </td>
        <td className="px-1 py-1.5">
          <select
            className="field field-sm w-full"
            aria-label={`Price tier of ${line.name}`}
            data-col="tier"
            data-row={row}
            value={line.tier}
            onChange={(e) => void patch({ tier: e.target.value as (typeof PRICE_TIERS)[number], manual_rate_paise: null })}
          >
            {line.tier === "manual" && (
              <option value="manual" disabled>
                manual
              </option>
            )}
            {PRICE_TIERS.map((tier) => (
              <option key={tier} value={tier}>
                {tier}
              </option>
            ))}
          </select>
        </td>
        <td className="px-1 py-1.5">
          <EditCell
            value={paiseToInput(line.rate_paise)}
            label={`Rate of ${line.name}`}
            column="rate"
            row={row}
            width="w-[5.5rem]"
            onDone={onDone}
            commit={(text) => {
              const paise = parseRupees(text);
              return paise === null || paise === 0 ? fail(line, "Type a rate in rupees, e.g. 145 or 99.50") : patch({ manual_rate_paise: paise });
            }}
          />
        </td>
        <td className="px-1 py-1.5">
          <EditCell
            value={paiseToInput(line.discount_paise)}
            label={`Discount on ${line.name}`}
            column="disc"
            row={row}
            width="w-[4.5rem]"
            onDone={onDone}
            commit={(text) => {
              const paise = parseRupees(text === "" ? "0" : text);
              return paise === null ? fail(line, "Type a discount in rupees, e.g. 10 or 5.50") : patch({ discount_paise: paise });
            }}
          />
        </td>
        <td className="num px-2 py-1.5 font-semibold" data-testid="line-total">{formatPaise(line.total_paise)}</td>
        <td className="px-1 py-1.5 text-center">
          <button
            type="button"
            className="btn btn-sm btn-danger px-2"
            aria-label={`Remove ${line.name}`}
            title="Remove (Ctrl+Delete)"
            onClick={() => void change(line, { kind: "removeLine", lineId: line.id }).then(onDone)}
          >
            ✕
          </button>
        </td>
      </tr>
      {error && (
        <tr>
          <td />
          <td colSpan={8} className="px-2 pb-2 text-sm text-rose-700" role="alert" data-testid="line-error">
            {error}
          </td>
        </tr>
      )}
    </>
  );
}

/** The cart being sold: every line editable in place; errors from the API under the line. */
export function CartTable({
  cart,
  send,
  highlightId,
  onDone,
}: {
  cart: Cart | null;
  send: Send;
  highlightId: string | null;
  onDone: () => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});

  const fail = useCallback((line: CartLine, message: string): Promise<boolean> => {
    setErrors((e) => ({ ...e, [line.id]: message }));
    return Promise.resolve(false);
  }, []);

  const change = useCallback(async (line: CartLine, what: CartChange): Promise<boolean> => {
    const result = await send(what);
    setErrors((e) => {
      const { [line.id]: _gone, ...rest } = e;
      return result.ok ? rest : { ...rest, [line.id]: result.error.message };
    });
    return result.ok;
  }, [send]);

  const lines = cart?.lines ?? [];
  return (
    <div className="min-h-0 flex-1 overflow-auto">
      <table className="w-full table-fixed border-collapse text-sm" aria-label="Cart">
        <colgroup>
          <col className="w-8" />
          <col />
          <col className="w-[6.5rem]" />
          <col className="w-[8rem]" />
          <col className="w-[7.25rem]" />
          <col className="w-[6rem]" />
          <col className="w-[5rem]" />
          <col className="w-[6.5rem]" />
          <col className="w-11" />
        </colgroup>
        <thead className="sticky top-0 z-10 bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-2 py-2">#</th>
            <th className="px-2 py-2">Item</th>
            <th className="px-1 py-2">Qty</th>
            <th className="px-1 py-2">Unit</th>
            <th className="px-1 py-2">Tier</th>
            <th className="px-1 py-2">Rate ₹</th>
            <th className="px-1 py-2">Disc ₹</th>
            <th className="px-2 py-2 text-right">Amount</th>
            <th className="px-1 py-2" />
          </tr>
        </thead>
        <tbody>
          {lines.map((line, row) => (
            <Row
              key={line.id}
              line={line}
              row={row}
              highlighted={line.id === highlightId}
              error={errors[line.id]}
              change={change}
              fail={fail}
              onDone={onDone}
            />
          ))}
        </tbody>
      </table>
      {lines.length === 0 && (
        <div className="flex h-48 flex-col items-center justify-center text-slate-400" data-testid="cart-empty">
          <p className="text-xl">Scan an item to start the sale</p>
          <p className="mt-1 text-sm">or press <span className="kbd">F2</span> to search the catalogue</p>
        </div>
      )}
    </div>
  );
}
