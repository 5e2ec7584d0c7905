import type { Role } from "../api/types";

/** Who sells at a till (GET /tills/{till}/cart and the sale routes allow these roles). */
export const SELLERS: readonly Role[] = ["admin", "manager", "cashier"];
/** Who may read the employee directory (GET /api/v1/employees). */
export const DIRECTORY_READERS: readonly Role[] = ["admin", "hr", "manager"];

const LAST_TILL = "pos:last-till";

export function lastTill(): string {
  try {
    return localStorage.getItem(LAST_TILL) || "T1";
  } catch {
    return "T1";
  }
}

export function rememberTill(till: string): void {
  try {
    localStorage.setItem(LAST_TILL, till);
  } catch {
    // storage disabled: T1 next time
  }
}

/** Where a role lands after logging in. */
export function homeFor(role: Role): string {
  if (SELLERS.includes(role)) return `/pos/${lastTill()}`;
  if (DIRECTORY_READERS.includes(role)) return "/hr/employees";
  return "/welcome";
}
