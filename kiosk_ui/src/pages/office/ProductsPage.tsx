import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import {
  failed,
  importErrors,
  useChangeProductMutation,
  useImportProductsMutation,
  useCategoriesQuery,
  useProductFullQuery,
  useProductListQuery,
  useProductPageQuery,
} from "../../api/office";
import type { ImportResult, ImportRowError, ProductFull } from "../../api/officeTypes";
import { PRICE_TIERS, type ApiError, type Product } from "../../api/types";
import { Field, FieldError, Flash, FormError, PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { useDraft } from "../../hooks/useDraft";
import { formatPaise, formatRate } from "../../lib/money";
import { PAGE_SIZES, listArgs, nextPage, pageCount, pageNumber, previousPage, rangeLabel, withFilter } from "../../lib/productPages";
import { GST_SLABS_BP, draftOf, formField, productChanges, type ProductDraft, type UnitDraft } from "../../lib/products";

const FIELDS = ["name", "category", "hsn_code", "gst", "unit:"];

/** Products: the catalog page by page (status, category, page size) or a search; edit (GST/HSN, rates per tier,
 * barcodes per unit), CSV export and import. The URL keeps the list's place: a reload shows the same page. */
export function ProductsPage() {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const query = q.trim();
  const selected = params.get("id");

  function select(id: string) {
    // Unsaved changes of the product left stay in its draft: opening it again shows them.
    if (id === selected) return;
    const next = new URLSearchParams(params);
    next.set("id", id);
    if (query) next.set("q", query);
    setParams(next);
  }

  function search(text: string) {
    // The list's page stays in the URL under the search: clearing the search shows it again.
    setQ(text);
    const next = new URLSearchParams(params);
    if (text.trim()) next.set("q", text.trim());
    else next.delete("q");
    setParams(next, { replace: true });
  }

  return (
    <OfficeLayout group="office">
      <PageHeader title="Products">
        <input
          className="field w-80"
          type="search"
          placeholder="Search by name, SKU or barcode"
          aria-label="Search products"
          value={q}
          autoFocus
          onChange={(e) => search(e.target.value)}
        />
        <a className="btn btn-sm" href="/api/v1/products/export.csv" download data-testid="export-products">
          Export CSV
        </a>
        <ImportButton />
      </PageHeader>
      <div className="flex gap-4">
        <section className="card flex max-h-[calc(100vh-8.5rem)] w-[27rem] shrink-0 flex-col overflow-hidden" aria-label="Product list">
          {query ? <SearchResults query={query} selected={selected} onSelect={select} />
            : <PagedList params={params} setParams={setParams} selected={selected} onSelect={select} />}
        </section>
        <section className="min-w-0 flex-1">
          {selected ? <ProductEditor key={selected} id={selected} /> : (
            <p className="card p-6 text-slate-500">Choose a product to see and change it.</p>
          )}
        </section>
      </div>
    </OfficeLayout>
  );
}

type Row = Pick<Product, "id" | "sku" | "name" | "units"> & { is_active?: boolean };

function ProductRows({ items, selected, onSelect, busy }: {
  items: Row[]; selected: string | null; onSelect: (id: string) => void; busy: boolean;
}) {
  return (
    <ul className={`min-h-0 flex-1 overflow-auto ${busy ? "opacity-60" : ""}`} data-testid="product-rows">
      {items.map((p) => (
        <li key={p.id}>
          <button
            type="button"
            data-testid="product-row"
            onClick={() => onSelect(p.id)}
            className={`flex w-full items-baseline gap-2 border-b border-slate-100 px-3 py-2 text-left hover:bg-sky-50 focus:bg-sky-50 ${p.id === selected ? "bg-sky-100" : ""}`}
          >
            <span className="font-mono text-xs text-slate-500">{p.sku}</span>
            <span className="flex-1">{p.name}</span>
            {p.is_active === false && <span className="rounded bg-slate-200 px-1.5 text-xs text-slate-600">archived</span>}
            <span className="text-xs text-slate-500">{p.units[0]?.prices_paise.counter !== undefined ? formatPaise(p.units[0].prices_paise.counter) : ""}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The till's search: products on sale whose words start with the typed ones, the first 100 by name. */
function SearchResults({ query, selected, onSelect }: { query: string; selected: string | null; onSelect: (id: string) => void }) {
  const { data, error, isFetching } = useProductListQuery(query);
  return (
    <>
      <p className="border-b border-slate-100 px-3 py-2 text-xs text-slate-500">Search among the products on sale; clear it to list them all.</p>
      {error && <p className="p-4 text-rose-700" role="alert">{failed(error).message}</p>}
      {data && data.items.length === 0 && !isFetching && <p className="p-4 text-slate-500">No product matches.</p>}
      <ProductRows items={data?.items ?? []} selected={selected} onSelect={onSelect} busy={isFetching} />
    </>
  );
}

/** The whole catalog by name, a page at a time, with filters; the pager moves by the API's cursors. */
function PagedList({ params, setParams, selected, onSelect }: {
  params: URLSearchParams; setParams: (next: URLSearchParams, options?: { replace?: boolean }) => void;
  selected: string | null; onSelect: (id: string) => void;
}) {
  const args = listArgs(params);
  const { data, error, isFetching } = useProductPageQuery(args);
  const { data: categories } = useCategoriesQuery();
  const number = data ? pageNumber(params, data) : 1;
  const next = data ? nextPage(params, data) : null;
  const previous = data ? previousPage(params, data) : null;
  const filter = (name: "status" | "category" | "per") => (e: { target: { value: string } }) =>
    setParams(withFilter(params, name, e.target.value), { replace: true });

  return (
    <>
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 p-2 text-sm" aria-label="Filters">
        <select className="field field-sm" aria-label="Status" value={args.status} onChange={filter("status")}>
          <option value="active">On sale</option>
          <option value="archived">Archived</option>
          <option value="all">All products</option>
        </select>
        <select className="field field-sm min-w-0 flex-1" aria-label="Category" value={args.category ?? ""} onChange={filter("category")}>
          <option value="">Every category</option>
          {args.category && !categories?.items.some((c) => c.name === args.category) && <option value={args.category}>{args.category}</option>}
          {categories?.items.map((c) => <option key={c.name} value={c.name}>{c.name} ({c.products})</option>)}
        </select>
        <select className="field field-sm" aria-label="Page size" value={args.limit} onChange={filter("per")}>
          {PAGE_SIZES.map((size) => <option key={size} value={size}>{size} a page</option>)}
        </select>
      </div>
      {error && (
        <p className="p-4 text-rose-700" role="alert">
          {failed(error).message}{" "}
          <button type="button" className="underline" onClick={() => setParams(withFilter(params, "per", String(args.limit)))}>First page</button>
        </p>
      )}
      {data && data.items.length === 0 && !isFetching && <p className="p-4 text-slate-500">No product in this list.</p>}
      {/* A new page starts at its top: the list is made afresh for each cursor. */}
      <ProductRows key={args.after ?? args.before ?? "first"} items={data?.items ?? []} selected={selected} onSelect={onSelect} busy={isFetching} />
      <nav className="flex items-center gap-2 border-t border-slate-100 p-2 text-sm" aria-label="Pages">
        <button type="button" className="btn btn-sm" disabled={!previous || isFetching} onClick={() => previous && setParams(previous)}>← Previous</button>
        <span className="flex-1 text-center" data-testid="page-info">
          {data ? `Page ${number} of ${pageCount(data.total, data.limit)} · ${rangeLabel(number, data)}` : "Loading…"}
        </span>
        <button type="button" className="btn btn-sm" disabled={!next || isFetching} onClick={() => next && setParams(next)}>Next →</button>
      </nav>
    </>
  );
}

function ProductEditor({ id }: { id: string }) {
  const { data: product, error: loadError } = useProductFullQuery(id);
  // What was typed is kept (per product, for this tab) until saved or undone; untouched, the form shows
  // the product as loaded.
  const { kept, keep, discard } = useDraft<ProductDraft>(`product:${id}`);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [change, { isLoading }] = useChangeProductMutation();

  if (loadError) return <p className="card p-6 text-rose-700" role="alert">{failed(loadError).message}</p>;
  if (!product) return <p className="card p-6 text-slate-500">Loading…</p>;
  const draft = kept ?? draftOf(product);

  function edit(next: ProductDraft) {
    keep(next);
    setSaved(null);
  }

  function editUnit(index: number, unit: UnitDraft) {
    if (!draft) return;
    edit({ ...draft, units: draft.units.map((u, i) => (i === index ? unit : u)) });
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!product) return;
    setError(null);
    const patch = productChanges(product, draft);
    if ("message" in patch) {
      setError({ code: "invalid", message: patch.message, field: patch.field });
      return;
    }
    if (!Object.keys(patch.body).length) {
      setSaved("Nothing to save: no field was changed.");
      return;
    }
    try {
      const fresh = await change({ id: product.id, changes: patch.body }).unwrap();
      discard();
      setSaved(`Saved ${fresh.name}.`);
    } catch (failure) {
      const apiErr = failed(failure);
      setError({ ...apiErr, field: formField(apiErr.field, patch.unitNames) });
    }
  }

  return (
    <form className="card p-4" onSubmit={save} aria-label={`Edit ${product.name}`} data-testid="product-editor">
      <div className="mb-3 flex items-baseline gap-3">
        <h2 className="text-xl font-semibold">{product.name}</h2>
        <span className="font-mono text-sm text-slate-500">{product.sku}</span>
        <span className="text-sm text-slate-500">sold by {product.base_unit}</span>
      </div>
      <FormError error={error} fields={FIELDS} />
      <div className="grid grid-cols-4 gap-3">
        <Field label="Name" name="name" error={error} className="col-span-2">
          <input className="field w-full" value={draft.name} onChange={(e) => edit({ ...draft, name: e.target.value })} />
        </Field>
        <Field label="Category" name="category" error={error}>
          <input className="field w-full" value={draft.category} onChange={(e) => edit({ ...draft, category: e.target.value })} />
        </Field>
        <Field label="HSN code" name="hsn_code" error={error}>
          <input className="field w-full font-mono" value={draft.hsn_code} inputMode="numeric" onChange={(e) => edit({ ...draft, hsn_code: e.target.value })} />
        </Field>
        <Field label="GST rate" name="gst.rate_bp" error={error}>
          <select className="field w-full" value={draft.gst_rate_bp} onChange={(e) => edit({ ...draft, gst_rate_bp: Number(e.target.value) })}>
            {GST_SLABS_BP.map((bp) => (
              <option key={bp} value={bp}>{formatRate(bp)}</option>
            ))}
          </select>
        </Field>
        <Field label="Cess (basis points)" name="gst.cess_bp" error={error}>
          <input className="field w-full" inputMode="numeric" value={draft.cess_bp} onChange={(e) => edit({ ...draft, cess_bp: Number(e.target.value.replace(/\D/g, "")) || 0 })} />
        </Field>
        <label className="flex items-center gap-2 pt-6">
          <input type="checkbox" checked={draft.prices_include_tax} onChange={(e) => edit({ ...draft, prices_include_tax: e.target.checked })} />
          Prices include GST
        </label>
        <label className="flex items-center gap-2 pt-6">
          <input type="checkbox" checked={draft.is_active} onChange={(e) => edit({ ...draft, is_active: e.target.checked })} />
          Active (sold at the tills)
        </label>
      </div>

      <h3 className="mb-2 mt-4 font-semibold">Units, rates per tier and barcodes</h3>
      <table className="w-full text-sm" aria-label="Units">
        <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-1 pr-2">Unit</th>
            {PRICE_TIERS.map((tier) => <th key={tier} className="py-1 pr-2">{tier} ₹</th>)}
            <th className="py-1 pr-2">Floor ₹</th>
            <th className="py-1 pr-2">Barcodes (one a line)</th>
            <th className="py-1">Sold</th>
          </tr>
        </thead>
        <tbody>
          {draft.units.map((unit, index) => {
            const base = `unit:${unit.name}`;
            return (
              <tr key={unit.name} className="align-top" data-testid="unit-row">
                <td className="py-1 pr-2">
                  <div className="font-medium">{unit.name}</div>
                  <div className="text-xs text-slate-500">{unit.kind === "package" ? `${unit.factor_milli / 1000} × base` : unit.kind}</div>
                </td>
                {PRICE_TIERS.map((tier) => (
                  <td key={tier} className="py-1 pr-2">
                    <input
                      className="field field-sm num w-24"
                      aria-label={`${tier} price of ${unit.name}`}
                      inputMode="decimal"
                      value={unit.prices[tier]}
                      onChange={(e) => editUnit(index, { ...unit, prices: { ...unit.prices, [tier]: e.target.value } })}
                    />
                    <FieldError error={error} name={`${base}.prices_paise.${tier}`} />
                  </td>
                ))}
                <td className="py-1 pr-2">
                  <input className="field field-sm num w-20" aria-label={`Floor price of ${unit.name}`} inputMode="decimal" value={unit.floor} onChange={(e) => editUnit(index, { ...unit, floor: e.target.value })} />
                  <FieldError error={error} name={`${base}.floor_price_paise`} />
                </td>
                <td className="py-1 pr-2">
                  <textarea className="field field-sm h-16 w-44 py-1 font-mono" aria-label={`Barcodes of ${unit.name}`} value={unit.barcodes} onChange={(e) => editUnit(index, { ...unit, barcodes: e.target.value })} />
                  <FieldError error={error} name={`${base}.barcodes`} />
                </td>
                <td className="py-1">
                  <input type="checkbox" aria-label={`${unit.name} sold`} checked={unit.sellable} onChange={(e) => editUnit(index, { ...unit, sellable: e.target.checked })} />
                  <FieldError error={error} name={base} exact />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <div className="mt-4 flex items-center gap-3">
        <button type="submit" className="btn btn-primary" disabled={isLoading}>Save changes</button>
        <button type="button" className="btn" disabled={!kept} onClick={() => { discard(); setError(null); }}>Undo changes</button>
        <Flash text={saved} />
        {kept && <span className="text-sm text-amber-700" data-testid="unsaved">Not saved yet (kept on this screen)</span>}
      </div>
      <History product={product} />
    </form>
  );
}

function History({ product }: { product: ProductFull }) {
  return (
    <details className="mt-4 text-sm">
      <summary className="cursor-pointer text-slate-600">GST and price history</summary>
      <ul className="mt-2 space-y-1" data-testid="gst-history">
        {product.gst_history.map((row) => (
          <li key={row.effective_from}>GST {formatRate(row.rate_bp)}{row.cess_bp ? ` + cess ${formatRate(row.cess_bp)}` : ""} from {row.effective_from}</li>
        ))}
      </ul>
      {product.units.map((unit) => (
        <ul key={unit.id} className="mt-2 space-y-1">
          {(unit.price_history ?? []).map((row) => (
            <li key={`${row.tier}-${row.effective_from}`}>{unit.name} · {row.tier} {formatPaise(row.price_paise)} from {row.effective_from}</li>
          ))}
        </ul>
      ))}
    </details>
  );
}

/** Choose a CSV file, import it all or nothing; a refused file lists every bad row. */
function ImportButton() {
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [rows, setRows] = useState<ImportRowError[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [importCsv, { isLoading }] = useImportProductsMutation();

  async function choose(files: FileList | null) {
    const chosen = files?.[0];
    setRows([]);
    setError(null);
    setResult(null);
    setFile(chosen ? { name: chosen.name, text: await chosen.text() } : null);
  }

  async function send() {
    if (!file) return;
    setRows([]);
    setError(null);
    try {
      setResult(await importCsv(file.text).unwrap());
    } catch (failure) {
      setError(failed(failure));
      setRows(importErrors(failure));
    }
  }

  return (
    <>
      <button type="button" className="btn btn-sm" onClick={() => setOpen(!open)} aria-expanded={open}>Import CSV…</button>
      {open && (
        <div className="card w-full p-4" data-testid="import-panel">
          <p className="mb-2 text-sm text-slate-600">
            The file's header row names the columns, as the export writes them. All rows are saved, or none.
          </p>
          <div className="flex items-center gap-3">
            <input type="file" accept=".csv,text/csv" aria-label="CSV file" onChange={(e) => void choose(e.target.files)} />
            <button type="button" className="btn btn-primary btn-sm" disabled={!file || isLoading} onClick={() => void send()}>
              Import {file ? file.name : ""}
            </button>
          </div>
          {result && (
            <Flash text={`Imported ${result.rows} rows: ${result.created} new, ${result.updated} changed, ${result.unchanged} unchanged.`} />
          )}
          {error && <p className="mt-2 text-rose-700" role="alert">{error.message}</p>}
          {rows.length > 0 && (
            <table className="mt-2 w-full text-sm" aria-label="Rows refused" data-testid="import-errors">
              <thead className="text-left text-xs uppercase text-slate-500">
                <tr><th className="pr-3">Row</th><th className="pr-3">Column</th><th>Problem</th></tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={`${row.row}-${row.field ?? ""}-${i}`} data-testid="import-error">
                    <td className="pr-3 font-mono">{row.row}</td>
                    <td className="pr-3 font-mono">{row.field ?? "—"}</td>
                    <td>{row.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </>
  );
}
