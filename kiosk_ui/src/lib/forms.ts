// Errors of the API ({"error": {"code", "message", "field"}}) shown next to the field they name.
// A form keeps what the user typed until the server accepted it: nothing here ever clears a draft.

import type { ApiError } from "../api/types";

/** Does an error's field (e.g. "units.0.barcodes.1") belong to a form field ("units.0.barcodes")? */
export function fieldMatches(errorField: string | null | undefined, name: string): boolean {
  if (!errorField) return false;
  return errorField === name || errorField.startsWith(`${name}.`);
}

/**
 * The error, when it belongs to none of the form's fields (shown at the top of the form instead).
 * A field name ending in ":" stands for a family of fields ("unit:" for "unit:Case.barcodes").
 */
export function unplacedError(error: ApiError | null, fields: readonly string[]): ApiError | null {
  if (!error) return null;
  const placed = fields.some((name) =>
    name.endsWith(":") ? Boolean(error.field?.startsWith(name)) : fieldMatches(error.field, name));
  return placed ? null : error;
}

/** "2026-12-03" in the browser's zone, for date fields' defaults. */
export function isoDay(date: Date = new Date()): string {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The first and last day of a month "2026-11". */
export function monthRange(month: string): { from: string; to: string } | null {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return null;
  const year = Number(match[1]);
  const index = Number(match[2]);
  if (index < 1 || index > 12) return null;
  const last = new Date(Date.UTC(year, index, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

/** Text for a CSV cell: quoted when it holds a comma, quote or line break; formula starts neutralised
 * (a negative amount such as -280.00 stays a number). */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && (/^[=+@\t\r]/.test(text) || /^-(?![\d.])/.test(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text (CRLF, as spreadsheets expect). */
export function toCsv(rows: (string | number)[][]): string {
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Offer text as a file download (no server round trip). */
export function download(filename: string, text: string, type = "text/csv"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Minutes as "7 h 05 min". */
export function formatMinutes(minutes: number): string {
  if (!minutes) return "—";
  const hours = Math.trunc(minutes / 60);
  const rest = minutes % 60;
  return hours ? `${hours} h ${String(rest).padStart(2, "0")} min` : `${rest} min`;
}

/** Thousandths of a day as "1.5 days". */
export function formatDays(milli: number): string {
  const whole = Math.trunc(milli / 1000);
  const fraction = String(milli % 1000).padStart(3, "0").replace(/0+$/, "");
  const text = fraction ? `${whole}.${fraction}` : String(whole);
  return `${text} ${milli === 1000 ? "day" : "days"}`;
}

/** An ISO time as the store's clock shows it: "13:20" (local_at strings carry the store's offset). */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const match = /T(\d{2}:\d{2})/.exec(iso);
  return match ? (match[1] ?? "—") : iso;
}
