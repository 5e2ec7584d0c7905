// The back office's product list as the URL keeps it: filters, page size and the cursor of the page shown
// (GET /products without q pages by cursor — `after` the last product of a page, `before` the first).

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;
export type ProductStatus = "active" | "archived" | "all";

/** What GET /products is asked for the list (no q). */
export interface ProductListArgs {
  status: ProductStatus;
  category?: string;
  limit: number;
  after?: string;
  before?: string;
}

/** One page of the list as the API answers it. */
export interface CursorPage {
  items: unknown[];
  total: number;
  limit: number;
  next: string | null;
  prev: string | null;
}

function statusOf(text: string | null): ProductStatus {
  return text === "archived" || text === "all" ? text : "active";
}

function sizeOf(text: string | null): number {
  const size = Number(text);
  return (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE;
}

/** The list's request from the URL's parameters (unknown values fall back to the defaults). */
export function listArgs(params: URLSearchParams): ProductListArgs {
  const args: ProductListArgs = { status: statusOf(params.get("status")), limit: sizeOf(params.get("per")) };
  const category = params.get("category");
  if (category) args.category = category;
  const after = params.get("after");
  const before = params.get("before");
  if (after) args.after = after;
  else if (before) args.before = before;
  return args;
}

/** How many pages the filter's products fill (at least one, for "Page 1 of 1" on an empty list). */
export function pageCount(total: number, limit: number): number {
  return Math.max(1, Math.ceil(total / limit));
}

/** The number of the page shown: 1 when the API says there is none before it; else as the URL counted. */
export function pageNumber(params: URLSearchParams, page: CursorPage): number {
  if (page.prev === null) return 1;
  const counted = Math.floor(Number(params.get("n")));
  const last = pageCount(page.total, page.limit);
  if (page.next === null && page.items.length > 0) return last;
  return Math.min(Math.max(2, Number.isFinite(counted) ? counted : 2), Math.max(2, last));
}

/** "26–50 of 240": where the shown page sits in the filter's products. */
export function rangeLabel(number: number, page: CursorPage): string {
  if (page.items.length === 0) return `0 of ${page.total}`;
  const first = page.next === null && page.prev !== null
    ? page.total - page.items.length + 1
    : (number - 1) * page.limit + 1;
  return `${first}–${first + page.items.length - 1} of ${page.total}`;
}

function without(params: URLSearchParams, ...names: string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of names) next.delete(name);
  return next;
}

/** The URL of the next page (none on the last). */
export function nextPage(params: URLSearchParams, page: CursorPage): URLSearchParams | null {
  if (!page.next) return null;
  const next = without(params, "before", "after", "n");
  next.set("after", page.next);
  next.set("n", String(pageNumber(params, page) + 1));
  return next;
}

/** The URL of the previous page (none on the first); the first page has no cursor at all. */
export function previousPage(params: URLSearchParams, page: CursorPage): URLSearchParams | null {
  if (!page.prev) return null;
  const number = pageNumber(params, page);
  const next = without(params, "before", "after", "n");
  if (number <= 2) return next;
  next.set("before", page.prev);
  next.set("n", String(number - 1));
  return next;
}

/** A filter or the page size changed: back to the first page of the new list (the selection stays). */
export function withFilter(params: URLSearchParams, name: "status" | "category" | "per", value: string): URLSearchParams {
  const next = without(params, "before", "after", "n");
  const isDefault = value === "" || (name === "status" && value === "active") || (name === "per" && value === String(DEFAULT_PAGE_SIZE));
  if (isDefault) next.delete(name);
  else next.set(name, value);
  return next;
}
