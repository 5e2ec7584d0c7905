import { Suspense, lazy, useEffect, useState } from "react";
import { useMeQuery, useSearchCustomersQuery } from "../../api/api";
import type { Cart } from "../../api/types";
import { MANAGERS } from "../../auth/roles";
import { Modal } from "../../components/Modal";
import { formatPaise } from "../../lib/money";

const NEW_CUSTOMER = "new";

// The form is fetched when first opened: a till that never adds a customer never downloads it.
const CustomerForm = lazy(async () => ({ default: (await import("../../components/CustomerForm")).CustomerForm }));

interface Option {
  id: string | null;
  title: string;
  detail: string;
}

/**
 * F4: find a customer by name, code, phone or GSTIN; ↑/↓ and Enter attach it to the sale (its tier follows).
 * The last option adds a new customer with what a cashier may set, and attaches it.
 */
export function CustomerPicker({
  cart,
  onClose,
  onChoose,
}: {
  cart: Cart;
  onClose: () => void;
  onChoose: (customerId: string | null) => Promise<string | null>;
}) {
  const [query, setQuery] = useState("");
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState(false);
  const { data: me } = useMeQuery();

  useEffect(() => {
    const timer = window.setTimeout(() => setQ(query.trim()), 150);
    return () => window.clearTimeout(timer);
  }, [query]);
  useEffect(() => {
    setActive(0);
  }, [q]);

  const { data, isFetching } = useSearchCustomersQuery(q, { skip: q.length < 2 });
  const options: Option[] = [];
  if (cart.customer) options.push({ id: null, title: "Cash customer", detail: `remove ${cart.customer.name} from the sale` });
  for (const c of q.length >= 2 ? (data?.items ?? []) : []) {
    const parts = [c.code, c.type, c.phone, c.gstin, c.balance_paise ? `owes ${formatPaise(c.balance_paise)}` : null];
    options.push({ id: c.id, title: c.name, detail: parts.filter(Boolean).join(" · ") });
  }
  options.push({ id: NEW_CUSTOMER, title: "+ Add a new customer", detail: "name, phone, GSTIN… then it is on this sale" });

  async function choose(index: number) {
    const option = options[index];
    if (!option || busy) return;
    if (option.id === NEW_CUSTOMER) {
      setAdding(true);
      return;
    }
    setBusy(true);
    const failure = await onChoose(option.id);
    setBusy(false);
    if (failure) setError(failure);
  }

  if (adding) {
    const typed = query.trim();
    const initial = /^[+\d\s-]{6,}$/.test(typed) ? { phone: typed } : { name: typed };
    return (
      <Modal key="new" title="New customer" onClose={onClose} testId="customer-dialog" width="w-[60rem]">
        <Suspense fallback={<p className="text-slate-500">Loading the form…</p>}>
          <CustomerForm mayGiveCredit={Boolean(me && MANAGERS.includes(me.role))} draftKey="customer:till-new" initial={initial}
            onCancel={() => setAdding(false)}
            onSaved={(saved) => void onChoose(saved.id).then((failure) => failure && setError(failure))} />
        </Suspense>
        {error && <p role="alert" className="mt-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800">{error}</p>}
      </Modal>
    );
  }

  return (
    <Modal key="find" title="Customer" onClose={onClose} testId="customer-dialog">
      <p className="mb-3 text-slate-600">
        On this sale: <strong>{cart.customer ? `${cart.customer.name} (${cart.customer.code})` : "Cash customer"}</strong>
      </p>
      <input
        data-autofocus
        data-keeps-scans
        className="field w-full"
        placeholder="Name, code, phone or GSTIN"
        aria-label="Find a customer"
        autoComplete="off"
        spellCheck={false}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, Math.max(options.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            void choose(active);
          }
        }}
      />
      <ul role="listbox" aria-label="Customers" className="mt-3 max-h-80 overflow-auto">
        {options.map((option, index) => (
          <li
            key={option.id ?? "cash"}
            data-testid={option.id === NEW_CUSTOMER ? "add-customer-option" : undefined}
            role="option"
            aria-selected={index === active}
            className={`cursor-pointer rounded-lg px-3 py-2 ${index === active ? "bg-sky-100" : "hover:bg-slate-50"}`}
            onMouseEnter={() => setActive(index)}
            onMouseDown={(e) => {
              e.preventDefault();
              void choose(index);
            }}
          >
            <span className="block font-medium">{option.title}</span>
            <span className="block text-sm text-slate-500">{option.detail}</span>
          </li>
        ))}
        {q.length >= 2 && !isFetching && data && data.items.length === 0 && <li className="px-3 py-2 text-slate-500">No customer matches</li>}
      </ul>
      {error && (
        <p role="alert" className="mt-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800">
          {error}
        </p>
      )}
    </Modal>
  );
}
