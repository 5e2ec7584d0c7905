import { useSearchParams } from "react-router";
import { failed } from "../../api/office";
import { useGstReturnQuery, type GstRegistration, type TaxAmounts } from "../../api/reports";
import { PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { isoDay } from "../../lib/forms";
import { formatPaise } from "../../lib/money";
import { GST_FIGURES, GST_SECTIONS, csvUrl, filterQuery, filtersFromSearch, presets, type ReportFilters } from "../../lib/reports";
import { ReportFiltersForm } from "./ReportFiltersForm";

const COLUMNS: { key: keyof TaxAmounts; label: string }[] = [
  { key: "taxable_paise", label: "Taxable value" },
  { key: "cgst_paise", label: "CGST" },
  { key: "sgst_paise", label: "SGST" },
  { key: "igst_paise", label: "IGST" },
  { key: "cess_paise", label: "Cess" },
  { key: "tax_paise", label: "Total tax" },
  { key: "value_paise", label: "Value with tax" },
];

/** The return's figures in reading order: supplies, amendments, liability, then invoices and credit notes. */
function figureOrder(totals: Record<string, TaxAmounts>): [string, TaxAmounts][] {
  const known = Object.keys(GST_FIGURES);
  const rank = (key: string) => (known.includes(key) ? known.indexOf(key) : known.length);
  return Object.entries(totals).sort(([a], [b]) => rank(a) - rank(b));
}

function Registration({ block, period }: { block: GstRegistration; period: { from: string; to: string } }) {
  const scope = { ...period, gstin: block.gstin };
  return (
    <section className="card mb-4 p-4" aria-label={`GSTIN ${block.gstin}`} data-testid="gst-registration">
      <header className="mb-3 flex flex-wrap items-baseline gap-3">
        <h2 className="text-lg font-semibold">
          GSTIN <span className="font-mono" data-testid="gstin">{block.gstin}</span>
        </h2>
        <span className="text-slate-600">{block.legal_name}{block.trade_name ? ` (${block.trade_name})` : ""} · state {block.state_code}</span>
      </header>
      <table className="w-full text-sm" aria-label="Tax totals">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-2 py-2">Figure</th>
            {COLUMNS.map((c) => <th key={c.key} className="px-2 py-2 text-right">{c.label}</th>)}
          </tr>
        </thead>
        <tbody>
          {figureOrder(block.totals).map(([figure, amounts]) => (
            <tr key={figure} className={`border-b border-slate-100 ${figure === "liability" ? "font-semibold" : ""}`} data-testid="gst-total" data-figure={figure}>
              <td className="px-2 py-1.5">{GST_FIGURES[figure] ?? figure}</td>
              {COLUMNS.map((c) => <td key={c.key} className="num px-2 py-1.5">{formatPaise(amounts[c.key] ?? 0)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="mt-4 mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">GSTR-1 sections (CSV in the offline tool's columns)</h3>
      <ul className="grid grid-cols-2 gap-2 md:grid-cols-3">
        {GST_SECTIONS.map((s) => {
          const rows = Array.isArray(block[s.key]) ? (block[s.key] as unknown[]).length : 0;
          return (
            <li key={s.key} className="flex items-center justify-between rounded-md border border-slate-200 px-3 py-1.5" data-testid="gst-section" data-section={s.key}>
              <span>{s.label} <span className="text-slate-500">· {rows} {rows === 1 ? "row" : "rows"}</span></span>
              <a className="btn btn-sm" href={`/api/v1/reports/gst/${s.key}?${new URLSearchParams({ ...scope, format: "csv" })}`} download>
                CSV
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The GSTR-1 figures of a period (default: last month), per seller GSTIN, with each section's CSV. */
export function GstPage() {
  const [search, setSearch] = useSearchParams();
  const asked = filtersFromSearch(search);
  const lastMonth = presets(isoDay())[2]!;
  const period = { from: asked.from ?? lastMonth.from, to: asked.to ?? lastMonth.to };
  const { data, error, isFetching } = useGstReturnQuery(period);
  const apply = (next: ReportFilters) => setSearch(new URLSearchParams(filterQuery({ from: next.from, to: next.to })));

  return (
    <OfficeLayout group="reports">
      <PageHeader title="GST returns">
        <a className="btn btn-sm" href={csvUrl("gst", period)} download data-testid="gst-totals-csv">Totals CSV</a>
        {isFetching && <span className="text-sm text-slate-400">Loading…</span>}
      </PageHeader>
      <ReportFiltersForm filters={period} today={isoDay()} error={error ? failed(error) : null} onApply={apply} withTillAndCashier={false} />
      {data && data.registrations.length === 0 && <p className="text-slate-500">No GSTIN was in force in this period.</p>}
      {data?.registrations.map((block) => <Registration key={block.gstin} block={block} period={period} />)}
    </OfficeLayout>
  );
}
