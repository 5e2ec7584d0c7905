// The dashboard and GST screens' pure parts: filters in the URL, CSV addresses of the reports API, chart
// data (money stays integer paise; only the axis labels are shortened), and the words for the API's codes.

import { formatPaise } from "./money";

/** The filters every report takes: days (store time zone, inclusive), one till, one cashier. */
export interface ReportFilters {
  from?: string;
  to?: string;
  till?: string;
  cashier?: string;
}

const FILTER_KEYS = ["from", "to", "till", "cashier"] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Filters from the page's query string (unknown or malformed values dropped: the API defaults them). */
export function filtersFromSearch(search: URLSearchParams): ReportFilters {
  const filters: ReportFilters = {};
  for (const key of FILTER_KEYS) {
    const value = (search.get(key) ?? "").trim();
    if (!value) continue;
    if ((key === "from" || key === "to") && !DAY.test(value)) continue;
    filters[key] = value;
  }
  return filters;
}

/** The query string of filters, without the empty ones. */
export function filterQuery(filters: ReportFilters, extra: Record<string, string | number> = {}): string {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) query.set(key, String(value));
  return query.toString();
}

/** The address of a report as a CSV download (the API's ?format=csv, money in rupees). */
export function csvUrl(route: string, filters: ReportFilters, extra: Record<string, string | number> = {}): string {
  return `/api/v1/reports/${route}?${filterQuery(filters, { ...extra, format: "csv" })}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function day(year: number, month: number, date: number): string {
  return `${year}-${pad(month)}-${pad(date)}`;
}

/** Quick ranges from the store's today (YYYY-MM-DD): today, this month, last month, this financial year. */
export function presets(today: string): { label: string; from: string; to: string }[] {
  const [y, m] = today.split("-").map(Number) as [number, number];
  const lastMonthYear = m === 1 ? y - 1 : y;
  const lastMonth = m === 1 ? 12 : m - 1;
  const lastDay = new Date(Date.UTC(lastMonthYear, lastMonth, 0)).getUTCDate();
  const fyStart = m >= 4 ? y : y - 1; // Indian financial year: April to March
  return [
    { label: "Today", from: today, to: today },
    { label: "This month", from: day(y, m, 1), to: today },
    { label: "Last month", from: day(lastMonthYear, lastMonth, 1), to: day(lastMonthYear, lastMonth, lastDay) },
    { label: "This financial year", from: day(fyStart, 4, 1), to: today },
  ];
}

/** ₹ in lakhs and crores for chart axes: ₹1.2 Cr, ₹45.6 L, ₹12.3k, ₹950 (integer arithmetic). */
export function compactRupees(paise: number): string {
  const sign = paise < 0 ? "-" : "";
  const rupees = Math.trunc(Math.abs(paise) / 100);
  const tenths = (whole: number, unit: number) => {
    const scaled = Math.round((whole * 10) / unit);
    return `${Math.trunc(scaled / 10)}${scaled % 10 ? `.${scaled % 10}` : ""}`;
  };
  if (rupees >= 10_000_000) return `${sign}₹${tenths(rupees, 10_000_000)} Cr`;
  if (rupees >= 100_000) return `${sign}₹${tenths(rupees, 100_000)} L`;
  if (rupees >= 1_000) return `${sign}₹${tenths(rupees, 1_000)}k`;
  return `${sign}₹${rupees}`;
}

export const BUCKET_LABELS: Record<string, string> = {
  not_due: "Not due yet",
  "0_30": "0–30 days",
  "31_60": "31–60 days",
  "61_90": "61–90 days",
  over_90: "Over 90 days",
};

export const STATUS_LABELS: Record<string, string> = {
  draft: "Draft",
  issued: "Issued",
  partially_paid: "Partly paid",
  paid: "Paid",
  overdue: "Overdue",
  cancelled: "Cancelled",
};

export const METHOD_LABELS: Record<string, string> = {
  cash: "Cash",
  card: "Card",
  upi: "UPI",
  wallet: "Wallet",
  bank_transfer: "Bank transfer",
  credit: "On account",
};

export interface Slice {
  name: string;
  value: number;
  /** What a tooltip or the figures table says. */
  label: string;
}

/** Pie slices: the rows with something to show, named, biggest first; money as paise. */
export function slices<T>(rows: readonly T[], name: (row: T) => string, value: (row: T) => number, money = true): Slice[] {
  return rows
    .map((row) => ({ name: name(row), value: value(row) }))
    .filter((s) => s.value > 0)
    .sort((a, b) => b.value - a.value)
    .map((s) => ({ ...s, label: money ? formatPaise(s.value) : String(s.value) }));
}

/** "Nov 2026" for a trend month "2026-11", or the day as given. */
export function periodLabel(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  if (!match) return period;
  const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${names[Number(match[2]) - 1]} ${match[1]}`;
}

/** A GST figure's name (the return's "totals" keys). */
export const GST_FIGURES: Record<string, string> = {
  supplies: "Supplies of the period",
  amendments_of_earlier_periods: "Amendments of earlier periods",
  liability: "Tax liability",
  invoices: "Invoices",
  credit_notes: "Credit notes",
};

export const GST_SECTIONS: readonly { key: string; label: string }[] = [
  { key: "b2b", label: "B2B invoices (4A)" },
  { key: "b2cl", label: "B2C large (5)" },
  { key: "b2cs", label: "B2C small (7)" },
  { key: "cdnr", label: "Credit notes, registered (9B)" },
  { key: "cdnur", label: "Credit notes, unregistered (9B)" },
  { key: "nil", label: "Nil rated, exempt (8)" },
  { key: "hsn", label: "HSN summary (12)" },
  { key: "rates", label: "By rate" },
  { key: "documents", label: "Documents issued (13)" },
  { key: "amendments", label: "Amendments" },
];
