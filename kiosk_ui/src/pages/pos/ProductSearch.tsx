import { forwardRef, useEffect, useMemo, useState } from "react";
import { useSearchProductsQuery } from "../../api/api";
import type { Product, ProductUnit } from "../../api/types";
import { formatPaise } from "../../lib/money";

export interface Pick {
  product: Product;
  unit: ProductUnit;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** One row per product and sellable unit, so arrows and Enter pick both at once. */
function rows(products: readonly Product[]): Pick[] {
  return products.flatMap((product) => product.units.filter((u) => u.sellable).map((unit) => ({ product, unit })));
}

function unitPrice(pick: Pick): string {
  const price = pick.unit.prices_paise.counter;
  if (price === undefined) return "";
  return pick.unit.kind === "kg" ? `${formatPaise(price)}/kg` : formatPaise(price);
}

/**
 * Product search (F2): type a few letters, ↑/↓ to choose a product and unit, Enter to add it.
 * kg items are weighed on the till's scale when added.
 */
export const ProductSearch = forwardRef<HTMLInputElement, { onPick: (pick: Pick) => void; onDone: () => void }>(function ProductSearch(
  { onPick, onDone },
  ref,
) {
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const q = useDebounced(query.trim(), 120);
  const { data, isFetching, isError } = useSearchProductsQuery(q, { skip: q.length < 2 });
  const options = useMemo(() => (q.length >= 2 && data ? rows(data.items) : []), [data, q]);

  useEffect(() => {
    setActive(0);
  }, [q]);

  function choose(index: number) {
    const pick = options[index];
    if (!pick) return;
    onPick(pick);
    setQuery("");
    setOpen(false);
    onDone();
  }

  const showList = open && query.trim().length >= 2;

  return (
    <div className="relative min-w-0 flex-1">
      <label className="sr-only" htmlFor="product-search">Search products</label>
      <input
        ref={ref}
        id="product-search"
        className="field w-full"
        placeholder="Search products (F2) — name, SKU or barcode"
        autoComplete="off"
        spellCheck={false}
        role="combobox"
        aria-expanded={showList}
        aria-controls="product-results"
        aria-activedescendant={showList && options[active] ? `product-option-${active}` : undefined}
        value={query}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, Math.max(options.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            choose(active);
          } else if (e.key === "Escape") {
            e.preventDefault();
            setQuery("");
            onDone();
          }
        }}
      />
      {showList && (
        <ul
          id="product-results"
          role="listbox"
          className="absolute left-0 right-0 top-12 z-30 max-h-[26rem] overflow-auto rounded-xl border border-slate-200 bg-white shadow-xl"
        >
          {options.length === 0 && (
            <li className="px-4 py-3 text-slate-500">{isFetching ? "Searching…" : isError ? "Search failed" : "No product matches"}</li>
          )}
          {options.map((pick, index) => (
            <li
              key={`${pick.product.id}:${pick.unit.id}`}
              id={`product-option-${index}`}
              role="option"
              aria-selected={index === active}
              className={`flex cursor-pointer items-center gap-3 px-4 py-2 ${index === active ? "bg-sky-100" : "hover:bg-slate-50"}`}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(index);
              }}
              onMouseEnter={() => setActive(index)}
            >
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium">{pick.product.name}</span>
                <span className="block text-xs text-slate-500">
                  {pick.product.sku} · {pick.unit.name}
                  {pick.unit.kind === "kg" ? " · weighed on the scale" : ""}
                </span>
              </span>
              <span className="num text-sm text-slate-700">{unitPrice(pick)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
