import type { ReactNode } from "react";
import { useSearchParams } from "react-router";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { failed } from "../../api/office";
import { useDashboardQuery, type SalesFigures } from "../../api/reports";
import { PageHeader } from "../../components/Form";
import { OfficeLayout } from "../../components/OfficeLayout";
import { formatPaise } from "../../lib/money";
import {
  BUCKET_LABELS,
  METHOD_LABELS,
  STATUS_LABELS,
  compactRupees,
  csvUrl,
  filterQuery,
  filtersFromSearch,
  periodLabel,
  slices,
  type ReportFilters,
  type Slice,
} from "../../lib/reports";
import { ReportFiltersForm } from "./ReportFiltersForm";

const COLOURS = ["#0284c7", "#059669", "#d97706", "#7c3aed", "#db2777", "#0d9488", "#65a30d", "#dc2626", "#475569", "#ca8a04"];
const money = (value: unknown) => formatPaise(Number(value));

/** One figure of the dashboard: a title, its chart, and the figure's CSV from the API. */
function ChartCard({ title, csv, children, testId }: { title: string; csv: string; children: ReactNode; testId: string }) {
  return (
    <section className="card flex flex-col p-3" aria-label={title} data-testid={testId}>
      <header className="mb-2 flex items-baseline justify-between gap-2">
        <h2 className="font-semibold">{title}</h2>
        <a className="btn btn-sm" href={csv} download data-testid="csv">
          CSV
        </a>
      </header>
      <div className="h-60">{children}</div>
    </section>
  );
}

function Empty({ text = "No sales in this period" }: { text?: string }) {
  return <p className="flex h-full items-center justify-center text-slate-500">{text}</p>;
}

function PieFigure({ data }: { data: Slice[] }) {
  if (data.length === 0) return <Empty />;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <PieChart>
        <Pie data={data} dataKey="value" nameKey="name" outerRadius="75%" innerRadius="40%" isAnimationActive={false}>
          {data.map((slice, i) => (
            <Cell key={slice.name} fill={COLOURS[i % COLOURS.length]} />
          ))}
        </Pie>
        <Tooltip formatter={(value, _name, item) => (item.payload as Slice).label ?? money(value)} />
        <Legend layout="vertical" align="right" verticalAlign="middle" wrapperStyle={{ fontSize: 12 }} />
      </PieChart>
    </ResponsiveContainer>
  );
}

function BarFigure({ data, horizontal = false, empty }: { data: { name: string; value: number }[]; horizontal?: boolean; empty?: string }) {
  if (data.length === 0 || data.every((d) => d.value === 0)) return <Empty text={empty} />;
  return (
    <ResponsiveContainer width="100%" height="100%">
      {horizontal ? (
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" tickFormatter={compactRupees} fontSize={11} />
          <YAxis type="category" dataKey="name" width={150} fontSize={11} tickFormatter={(name: string) => (name.length > 22 ? `${name.slice(0, 21)}…` : name)} />
          <Tooltip formatter={money} />
          <Bar dataKey="value" name="Net sales" fill={COLOURS[0]} isAnimationActive={false} />
        </BarChart>
      ) : (
        <BarChart data={data} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" fontSize={11} />
          <YAxis tickFormatter={compactRupees} fontSize={11} width={64} />
          <Tooltip formatter={money} />
          <Bar dataKey="value" name="Balance" fill={COLOURS[2]} isAnimationActive={false} />
        </BarChart>
      )}
    </ResponsiveContainer>
  );
}

function RevenueCard({ title, figures, testId }: { title: string; figures: SalesFigures; testId: string }) {
  return (
    <div className="rounded-lg bg-slate-50 p-3" data-testid={testId}>
      <dt className="text-sm text-slate-500">{title}</dt>
      <dd className="num text-left text-2xl font-semibold" data-testid="revenue">{formatPaise(figures.net_sales_paise)}</dd>
      <dd className="text-xs text-slate-500">
        {figures.net_invoices} {figures.net_invoices === 1 ? "invoice" : "invoices"} · billed {formatPaise(figures.net_billed_paise)} · GST {formatPaise(figures.tax_paise)}
      </dd>
    </div>
  );
}

/**
 * The dashboard (admin, manager): revenue today, this month and for the chosen range; pending payments by
 * age; invoices by status; the monthly trend; revenue by customer, customer type, category; best sellers;
 * payments by method — filtered by dates, till and cashier, each figure downloadable as CSV.
 * Loaded on first use (recharts never reaches a till).
 */
export function DashboardPage() {
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const { data, error, isFetching } = useDashboardQuery(filters);
  const apiError = error ? failed(error) : null;
  const apply = (next: ReportFilters) => setSearch(new URLSearchParams(filterQuery(next)));
  const shown: ReportFilters = data ? { ...filters, from: data.from, to: data.to } : filters;
  const trendFrom = data?.trend[0] ? `${data.trend[0].period}-01` : shown.from;

  return (
    <OfficeLayout group="reports">
      <PageHeader title="Dashboard">
        {data && (
          <span className="text-sm text-slate-500" data-testid="dashboard-period">
            {data.from} to {data.to}
            {data.till ? ` · till ${data.till}` : ""}
            {data.cashier ? ` · cashier ${data.cashier}` : ""}
          </span>
        )}
        {isFetching && <span className="text-sm text-slate-400">Loading…</span>}
      </PageHeader>
      <ReportFiltersForm filters={shown} today={data?.today ?? ""} error={apiError} onApply={apply} />

      {data && (
        <div className="space-y-4" data-testid="dashboard">
          <section className="card p-3" aria-label="Revenue">
            <header className="mb-2 flex items-baseline justify-between">
              <h2 className="font-semibold">Revenue (net sales, before GST)</h2>
              <a className="btn btn-sm" href={csvUrl("dashboard", shown)} download data-testid="csv">CSV</a>
            </header>
            <dl className="grid grid-cols-3 gap-3">
              <RevenueCard title="Today" figures={data.revenue.today} testId="revenue-today" />
              <RevenueCard title="This month" figures={data.revenue.month} testId="revenue-month" />
              <RevenueCard title={`${data.from} to ${data.to}`} figures={data.revenue.period} testId="revenue-period" />
            </dl>
          </section>

          <div className="grid grid-cols-2 gap-4">
            <ChartCard title="Monthly trend" csv={csvUrl("trend", { ...shown, from: trendFrom })} testId="chart-trend">
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={data.trend.map((row) => ({ ...row, name: periodLabel(row.period) }))} margin={{ left: 8, right: 16 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="name" fontSize={11} />
                  <YAxis tickFormatter={compactRupees} fontSize={11} width={64} />
                  <Tooltip formatter={money} />
                  <Legend wrapperStyle={{ fontSize: 12 }} />
                  <Line type="monotone" dataKey="net_sales_paise" name="Net sales" stroke={COLOURS[0]} strokeWidth={2} isAnimationActive={false} />
                  <Line type="monotone" dataKey="net_billed_paise" name="Billed with GST" stroke={COLOURS[1]} strokeWidth={2} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </ChartCard>

            <ChartCard title={`Pending payments by age (${formatPaise(data.receivables.total_paise)})`} csv={csvUrl("receivables", { till: shown.till, cashier: shown.cashier })} testId="chart-receivables">
              <BarFigure empty="Nothing is owed" data={data.receivables.buckets.map((b) => ({ name: BUCKET_LABELS[b.bucket] ?? b.bucket, value: b.balance_paise }))} />
            </ChartCard>

            <ChartCard title="Invoices by status" csv={csvUrl("invoice-status", shown)} testId="chart-status">
              <PieFigure data={slices(data.invoice_status, (r) => STATUS_LABELS[r.status] ?? r.status, (r) => r.invoices, false)} />
            </ChartCard>

            <ChartCard title="Payments by method" csv={csvUrl("payments", shown)} testId="chart-payments">
              <PieFigure data={slices(data.payments, (r) => METHOD_LABELS[r.method] ?? r.method, (r) => r.net_paise)} />
            </ChartCard>

            <ChartCard title="Best sellers" csv={csvUrl("products", shown, { limit: 20 })} testId="chart-products">
              <BarFigure horizontal data={data.best_sellers.map((r) => ({ name: r.name, value: r.net_sales_paise }))} />
            </ChartCard>

            <ChartCard title="Revenue by customer" csv={csvUrl("customers", shown)} testId="chart-customers">
              <BarFigure horizontal data={data.customers.map((r) => ({ name: r.name, value: r.net_sales_paise }))} />
            </ChartCard>

            <ChartCard title="Sales by category" csv={csvUrl("categories", shown)} testId="chart-categories">
              <PieFigure data={slices(data.categories, (r) => r.category, (r) => r.net_sales_paise)} />
            </ChartCard>

            <ChartCard title="Sales by customer type" csv={csvUrl("customer-types", shown)} testId="chart-customer-types">
              <PieFigure data={slices(data.customer_types, (r) => r.name, (r) => r.net_sales_paise)} />
            </ChartCard>
          </div>
        </div>
      )}
    </OfficeLayout>
  );
}
